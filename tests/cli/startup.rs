//! What a new user meets at start-up: stdio mode started by a desktop client from any working
//! directory (read-only, as an unprivileged user) writes nothing there; logs carry no ANSI
//! codes when stderr is not a terminal; one warning for a missing Opik key and one per
//! environment name this server does not read; upstream's current names are read.

use std::{
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Command, Output, Stdio},
};

use serde_json::{Value, json};

use super::bin;

/// `bin()` without the caller's own `OPIK_*` / `COMET_*` variables, so warnings are exact.
fn clean_bin() -> Command {
    let mut c = bin();
    for (name, _) in std::env::vars() {
        let ours = ["OPIK_MCP_AUDIT__ENABLED", "OPIK_MCP_ADMIN__PORT"].contains(&name.as_str());
        if (name.starts_with("OPIK_") || name.starts_with("COMET_")) && !ours {
            c.env_remove(name);
        }
    }
    c.env_remove("NO_COLOR");
    c
}

/// Speak initialize → initialized → tools/list over the child's pipes, then close stdin.
/// Returns the tools/list reply and the finished process's output.
fn initialize_and_list_tools(mut cmd: Command) -> (Value, Output) {
    let mut child = cmd
        .arg("--transport=stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "startup-test", "version": "1"}}});
    writeln!(stdin, "{init}").expect("write");
    let reply: Value = serde_json::from_str(&lines.next().expect("a line").expect("read"))
        .expect("initialize reply is JSON");
    assert_eq!(reply["result"]["serverInfo"]["name"], "opik-mcp", "{reply}");
    writeln!(
        stdin,
        "{}\n{}",
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    )
    .expect("write");
    let tools: Value = serde_json::from_str(&lines.next().expect("a line").expect("read"))
        .expect("tools/list reply is JSON");
    drop(stdin);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.is_empty(), "nothing else on stdout: {rest:?}");
    (tools, child.wait_with_output().expect("wait"))
}

fn tool_count(reply: &Value) -> usize {
    reply["result"]["tools"].as_array().map_or(0, Vec::len)
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// A directory nobody may write to (root's writes would still succeed, so the tests also
/// check it stays empty).
fn read_only_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).expect("chmod");
    dir
}

#[test]
fn stdio_from_a_read_only_directory_as_an_unprivileged_user_works_and_writes_nothing() {
    use std::os::unix::process::CommandExt;
    let cwd = read_only_dir();
    let mut cmd = clean_bin();
    cmd.current_dir(cwd.path())
        .env_remove("OPIK_MCP_AUDIT__ENABLED")
        .env("HOME", "/nonexistent")
        .env_remove("XDG_STATE_HOME");
    // As root, run as `nobody` (std also drops root's supplementary groups).
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        cmd.uid(65534).gid(65534);
    }
    let (tools, out) = initialize_and_list_tools(cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tool_count(&tools) > 5, "{tools}");
    assert_eq!(entries(cwd.path()), Vec::<String>::new());
}

#[test]
fn stdio_with_the_audit_trail_on_keeps_it_in_the_state_directory_not_the_working_one() {
    let cwd = read_only_dir();
    let state = tempfile::tempdir().expect("tmp");
    let mut cmd = clean_bin();
    cmd.current_dir(cwd.path())
        .env("OPIK_MCP_AUDIT__ENABLED", "true")
        .env("XDG_STATE_HOME", state.path());
    let (tools, out) = initialize_and_list_tools(cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tool_count(&tools) > 5);
    assert_eq!(entries(cwd.path()), Vec::<String>::new());
    let db = state.path().join("opik-mcp").join("opik-mcp.db");
    assert!(db.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_missing_opik_key_is_one_plain_warning_line_naming_opik_api_key() {
    let (_, out) = initialize_and_list_tools(clean_bin());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains('\u{1b}'),
        "no ANSI codes on a redirected stderr: {err:?}"
    );
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains(" WARN ")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("OPIK_API_KEY is not set"), "{err}");
}

/// On a terminal (a pseudo-terminal from util-linux `script`), logs are coloured unless
/// `NO_COLOR` is set: the check above is not merely "never colour".
#[test]
fn a_terminal_gets_colours_unless_no_color_is_set() {
    let script = Path::new("/usr/bin/script");
    if !script.is_file() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let run = |no_color: Option<&str>| {
        let cmd = format!(
            "{} --transport=stdio </dev/null",
            env!("CARGO_BIN_EXE_opik-mcp")
        );
        let mut c = Command::new(script);
        c.args(["-q", "-e", "-c", &cmd, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TERM", "xterm");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        let out = c.output().expect("run script");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = run(None);
    assert!(
        coloured.contains("\u{1b}["),
        "colours on a terminal: {coloured:?}"
    );
    let plain = run(Some("1"));
    assert!(
        plain.contains("OPIK_API_KEY") && !plain.contains('\u{1b}'),
        "{plain:?}"
    );
}

#[test]
fn a_set_key_gives_no_warning_and_never_appears_in_the_logs() {
    let mut cmd = clean_bin();
    cmd.env("OPIK_API_KEY", "key-value-that-must-not-leak")
        .env("RUST_LOG", "debug");
    let (_, out) = initialize_and_list_tools(cmd);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains(" WARN "), "{err}");
    assert!(!err.contains("key-value-that-must-not-leak"));
}

#[test]
fn unread_opik_and_comet_variables_are_each_named_in_a_warning() {
    let mut cmd = clean_bin();
    cmd.env("OPIK_API_KEY", "k")
        .env("OPIK_MCP_PORT", "8080")
        .env("COMET_SOMETHING", "secret-ish");
    let (_, out) = initialize_and_list_tools(cmd);
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains(" WARN ")).collect();
    assert_eq!(warnings.len(), 2, "{err}");
    assert!(warnings[0].contains("COMET_SOMETHING"), "{err}");
    assert!(
        warnings[1].contains("OPIK_MCP_PORT") && warnings[1].contains("SSE_PORT"),
        "{err}"
    );
    assert!(!err.contains("secret-ish"), "values are never logged");
}

#[test]
fn upstream_python_server_url_names_are_read() {
    let out = clean_bin()
        .env("COMET_URL_OVERRIDE", "ftp://comet.example/")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ftp://comet.example/opik/api"), "{err}");
    let out = clean_bin()
        .env("COMET_URL_OVERRIDE", "ftp://comet.example")
        .env("OPIK_URL", "gopher://opik.example/api")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("opik.api_url") && err.contains("gopher://opik.example/api"),
        "OPIK_URL wins over COMET_URL_OVERRIDE: {err}"
    );
}
