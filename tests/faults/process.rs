//! The real binary: SIGTERM under load stores every accepted call before exit; SIGKILL
//! after a spill loses nothing (the next start replays the file); secrets stay out of logs.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use opik_mcp::{
    config::DatabaseSettings,
    store::{AuditQuery, AuditRecord, Store},
};
use serde_json::json;
use sqlx::{Connection, Executor, SqliteConnection};

use crate::client::{Client, Load, free_port};

/// A running `opik-mcp` with its working directory (default SQLite and spill files).
struct Server {
    child: Child,
    client: Client,
    stderr: PathBuf,
}

fn spawn(dir: &Path, extra: &[(&str, &str)], args: &[&str]) -> Server {
    let port = free_port();
    let admin_port = free_port();
    let stderr = dir.join(format!("stderr-{port}.log"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opik-mcp"));
    cmd.current_dir(dir)
        .args(["--transport=sse", "--sse-host=127.0.0.1"])
        .arg(format!("--sse-port={port}"))
        .arg(format!(
            "--sse-log-path={}",
            dir.join("server.log").display()
        ))
        .args(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).expect("stderr file"));
    for var in [
        "RUST_LOG",
        "DATABASE_URL",
        "TRANSPORT",
        "MCP_TRANSPORT",
        "SSE_PORT",
        "OPIK_API_KEY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("OPIK_MCP_ADMIN__PORT", admin_port.to_string())
        .env("OPIK_MCP_AUDIT__RETRY_INTERVAL_MS", "100")
        .env("OPIK_MCP_AUDIT__BATCH_INTERVAL_MS", "20");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn opik-mcp");
    Server {
        child,
        client: Client::new(
            format!("http://127.0.0.1:{port}"),
            format!("http://127.0.0.1:{admin_port}"),
        ),
        stderr,
    }
}

impl Server {
    async fn wait_up(&self) {
        self.client
            .wait_ready("up", Duration::from_secs(20), |s, _| s == 200)
            .await;
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    }

    /// Wait for exit (bounded).
    async fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "server did not exit"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn db_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("opik-mcp.db").display())
}

async fn stored_calls(dir: &Path) -> Vec<AuditRecord> {
    let store = Store::connect(&DatabaseSettings {
        url: db_url(dir).into(),
        ..DatabaseSettings::default()
    })
    .await
    .expect("open the database");
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_audit(&AuditQuery {
                method: Some("tools/call".into()),
                limit: 500,
                after,
                ..AuditQuery::default()
            })
            .await
            .expect("list");
        rows.extend(page.items);
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    store.close().await;
    rows
}

fn ids(rows: &[AuditRecord]) -> Vec<i64> {
    rows.iter()
        .filter_map(|r| r.request_id.as_deref()?.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_stores_every_accepted_call_before_exit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = spawn(dir.path(), &[], &[]);
    server.wait_up().await;
    let mut sessions = Vec::new();
    for _ in 0..4 {
        sessions.push(server.client.initialize().await);
    }
    let load = Load::start(&server.client, sessions);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.signal("-TERM");
    let status = server.wait_exit().await;
    let (accepted, _) = load.finish().await;
    assert!(status.success(), "exit 0 after SIGTERM: {status:?}");
    assert!(accepted.len() > 100, "the load ran: {}", accepted.len());
    let stored = ids(&stored_calls(dir.path()).await);
    let unique: HashSet<i64> = stored.iter().copied().collect();
    assert_eq!(unique.len(), stored.len(), "no duplicates");
    let missing: Vec<&i64> = accepted.iter().filter(|id| !unique.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} accepted calls missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let log = std::fs::read_to_string(&server.stderr).unwrap_or_default();
    assert!(log.contains("audit writer stopped"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_after_a_spill_loses_nothing_the_next_start_replays_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fast_fail = [
        ("OPIK_MCP_DATABASE__BUSY_TIMEOUT_MS", "50"),
        ("OPIK_MCP_AUDIT__WRITE_TIMEOUT_SECS", "1"),
    ];
    let mut first = spawn(dir.path(), &fast_fail, &[]);
    first.wait_up().await;
    let sid = first.client.initialize().await;
    first
        .client
        .wait_ready("written", Duration::from_secs(10), |_, b| {
            b["checks"]["store"]["data"]["written"].as_u64() >= Some(2)
        })
        .await;
    // Make the database unwritable: hold its write lock from another connection.
    let mut lock = SqliteConnection::connect(&db_url(dir.path()))
        .await
        .expect("lock connection");
    lock.execute("BEGIN EXCLUSIVE").await.expect("lock");
    for id in 1..=30 {
        assert!(
            first.client.call(&sid, id, json!({})).await,
            "call {id} accepted"
        );
    }
    first
        .client
        .wait_ready("spilled", Duration::from_secs(15), |_, b| {
            b["checks"]["store"]["data"]["spill_pending"].as_u64() >= Some(30)
                && b["checks"]["store"]["data"]["queued"] == 0
        })
        .await;
    first.signal("-KILL");
    first.wait_exit().await;
    let spill =
        std::fs::read_to_string(dir.path().join("opik-mcp-audit.spill")).expect("spill file");
    assert!(
        spill.lines().count() >= 30,
        "records survived the crash in the spill file"
    );
    lock.execute("ROLLBACK").await.expect("unlock");
    lock.close().await.expect("close");

    let mut second = spawn(dir.path(), &fast_fail, &[]);
    second.wait_up().await;
    second
        .client
        .wait_ready("replayed", Duration::from_secs(20), |_, b| {
            b["checks"]["store"]["data"]["state"] == "ok"
                && b["checks"]["store"]["data"]["spill_pending"] == 0
        })
        .await;
    second.signal("-TERM");
    assert!(second.wait_exit().await.success());
    let mut stored = ids(&stored_calls(dir.path()).await);
    stored.sort();
    assert_eq!(
        stored,
        (1..=30).collect::<Vec<i64>>(),
        "each call exactly once"
    );
    let spill = std::fs::metadata(dir.path().join("opik-mcp-audit.spill")).expect("spill");
    assert_eq!(spill.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_at_most_the_last_batch_and_the_next_start_serves() {
    // Arrange: the real binary under load on 4 sessions.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut first = spawn(dir.path(), &[], &[]);
    first.wait_up().await;
    let mut sessions = Vec::new();
    for _ in 0..4 {
        sessions.push(first.client.initialize().await);
    }
    let load = Load::start(&first.client, sessions);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Act: SIGKILL mid-load (no drain, no flush).
    first.signal("-KILL");
    first.wait_exit().await;
    let (accepted, _) = load.finish().await;
    // Assert: the database is intact and holds accepted calls only, each once; what is lost
    // is what was still in memory (documented: about one `audit.batch_interval_ms`, 20 ms
    // here, of traffic).
    let stored = ids(&stored_calls(dir.path()).await);
    let unique: HashSet<i64> = stored.iter().copied().collect();
    assert_eq!(unique.len(), stored.len(), "no duplicates");
    let accepted: HashSet<i64> = accepted.into_iter().collect();
    assert!(accepted.len() > 100, "the load ran: {}", accepted.len());
    assert!(
        unique.is_subset(&accepted),
        "only accepted calls are stored"
    );
    let lost = accepted.len() - unique.len();
    eprintln!(
        "SIGKILL under load: {} accepted, {} stored, {lost} lost",
        accepted.len(),
        unique.len()
    );
    assert!(
        lost <= 20 + accepted.len() / 10,
        "{lost} of {} lost: more than the last batch",
        accepted.len()
    );
    // The next start opens the same files and serves.
    let mut second = spawn(dir.path(), &[], &[]);
    second.wait_up().await;
    let sid = second.client.initialize().await;
    assert!(second.client.call(&sid, 1, json!({})).await, "serves again");
    second
        .client
        .wait_ready("ready", Duration::from_secs(10), |s, b| {
            s == 200 && b["checks"]["store"]["data"]["state"] == "ok"
        })
        .await;
    second.signal("-TERM");
    assert!(second.wait_exit().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_in_arguments_reach_neither_the_logs_nor_the_table() {
    const KEY: &str = "sk-live-9f8e7d6c5b4a";
    const PASSWORD: &str = "pa55-w0rd-tr0ub4dor";
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = spawn(
        dir.path(),
        &[("OPIK_MCP_AUDIT__LOG_ARGUMENTS", "true")],
        &["--log-filter=trace"],
    );
    server.wait_up().await;
    let sid = server.client.initialize().await;
    let args = json!({"random_string": "x", "apiKey": KEY, "auth": {"password": PASSWORD}});
    server.client.call(&sid, 1, args).await;
    server.signal("-TERM");
    assert!(server.wait_exit().await.success());

    let rows = stored_calls(dir.path()).await;
    assert_eq!(rows.len(), 1);
    let stored = rows[0]
        .arguments
        .as_ref()
        .expect("arguments logged")
        .to_string();
    assert!(
        stored.contains("[REDACTED]") && stored.contains("random_string"),
        "{stored}"
    );
    let mut everything = Vec::new();
    for f in [
        "server.log",
        "opik-mcp.db",
        "opik-mcp.db-wal",
        "opik-mcp-audit.spill",
    ] {
        everything.extend(std::fs::read(dir.path().join(f)).unwrap_or_default());
    }
    everything.extend(std::fs::read(&server.stderr).expect("stderr"));
    let text = String::from_utf8_lossy(&everything);
    assert!(
        text.contains("mcp request"),
        "debug and trace logging were on"
    );
    assert!(
        !text.contains(KEY) && !text.contains(PASSWORD),
        "a secret leaked"
    );
}
