//! A private PostgreSQL cluster (`initdb` + `pg_ctl` as the postgres user, on a free port, in a
//! temp dir) that a test may stop and start without touching the shared server.

use std::{path::Path, process::Command};

use crate::client::free_port;

/// A throwaway cluster; stopped and removed on drop.
pub struct PrivatePg {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The path of a PostgreSQL server tool: Debian keeps them in `/usr/lib/postgresql/<v>/bin`
/// (not on PATH); elsewhere they are on PATH.
fn tool(name: &str) -> String {
    let mut dirs: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .map_or_else(|| name.to_owned(), |p| p.display().to_string())
}

/// Run `cmd` with sh, as the postgres user when we are root (PostgreSQL refuses root).
fn sh(cmd: &str) -> std::process::Output {
    let out = if is_root() {
        Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", cmd])
            .output()
    } else {
        Command::new("sh").args(["-c", cmd]).output()
    };
    out.expect("run a PostgreSQL tool")
}

impl PrivatePg {
    /// initdb and start; panics with the tool's output if either fails.
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("opik-mcp-pg-")
            .tempdir()
            .expect("temp dir");
        if is_root() {
            let ok = Command::new("chown")
                .args(["postgres:postgres", &dir.path().display().to_string()])
                .status()
                .expect("chown");
            assert!(ok.success(), "chown the cluster dir to postgres");
        }
        let d = dir.path().display();
        let out = sh(&format!(
            "{} -D {d}/data -A trust -U postgres -E UTF8 --no-sync > {d}/initdb.log 2>&1",
            tool("initdb")
        ));
        assert!(
            out.status.success(),
            "initdb failed: {}",
            std::fs::read_to_string(dir.path().join("initdb.log")).unwrap_or_default()
        );
        let pg = Self {
            port: free_port(),
            dir,
        };
        pg.resume();
        pg
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Start (again) on the same port and data.
    pub fn resume(&self) {
        let d = self.path().display();
        let out = sh(&format!(
            "{} -D {d}/data -l {d}/server.log -w -t 30 -o \"-p {} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off\" start",
            tool("pg_ctl"),
            self.port
        ));
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.path().join("server.log")).unwrap_or_default()
        );
    }

    /// Stop abruptly (`-m immediate`: like a crash, connections cut).
    pub fn halt(&self) {
        let d = self.path().display();
        let out = sh(&format!(
            "{} -D {d}/data -m immediate -w -t 30 stop",
            tool("pg_ctl")
        ));
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The superuser URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let d = self.path().display();
        let _ = sh(&format!(
            "pg_ctl -D {d}/data -m immediate -w -t 30 stop > /dev/null 2>&1"
        ));
    }
}
