//! The binary's CLI and config: help, validation errors that name the key, port conflicts,
//! SIGTERM.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

#[path = "cli/config_docs.rs"]
mod config_docs;
#[path = "cli/startup.rs"]
mod startup;

/// The binary. These tests are about the CLI and configuration, so the audit trail (whose
/// default SQLite file would land in the working directory) is off; tests/faults covers the
/// binary with its defaults.
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_opik-mcp"));
    c.current_dir(env!("CARGO_TARGET_TMPDIR"))
        .env("OPIK_MCP_AUDIT__ENABLED", "false");
    for var in [
        "TRANSPORT",
        "MCP_TRANSPORT",
        "SSE_PORT",
        "MCP_SSE_PORT",
        "STREAMABLE_HTTP_PORT",
        "STREAMABLE_HTTP_HOST",
        "SSE_HOST",
        "OPIK_API_KEY",
        "DATABASE_URL",
    ] {
        c.env_remove(var);
    }
    // Parallel tests must not compete for the default admin port.
    c.env("OPIK_MCP_ADMIN__PORT", "0");
    c
}

#[test]
fn help_documents_every_option_with_env_and_default() {
    let out = bin().arg("--help").output().expect("run");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--transport",
        "env: TRANSPORT, MCP_TRANSPORT",
        "default: stdio",
        "--sse-port",
        "env: SSE_PORT, MCP_SSE_PORT",
        "default: 3001",
        "--sse-host",
        "env: SSE_HOST, MCP_SSE_HOST",
        "default: localhost",
        "--sse-log-path",
        "env: SSE_LOG_PATH, MCP_SSE_LOG_PATH",
        "default: /tmp/opik-mcp-sse.log",
        "--api-url",
        "env: OPIK_API_BASE_URL",
        "--api-key",
        "env: OPIK_API_KEY",
        "--workspace",
        "env: OPIK_WORKSPACE_NAME",
        "--self-hosted",
        "env: OPIK_SELF_HOSTED",
        "--toolsets",
        "env: OPIK_TOOLSETS",
        "--database-url",
        "env: DATABASE_URL, OPIK_MCP_DATABASE__URL",
        "default: sqlite://opik-mcp.db",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn upstream_camel_case_flags_are_accepted() {
    let out = bin()
        .args(["--transport=sse", "--ssePort=notaport"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sse-port") || err.contains("ssePort"), "{err}");
}

#[test]
fn invalid_env_value_fails_start_up_naming_the_key() {
    let out = bin()
        .env("TRANSPORT", "carrier-pigeon")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        err.contains("transport") && err.contains("carrier-pigeon"),
        "{err}"
    );

    let out = bin()
        .env("OPIK_TOOLSETS", "core,bogus")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(err.contains("toolsets") && err.contains("bogus"), "{err}");

    let out = bin()
        .env("OPIK_API_BASE_URL", "ftp://x")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("opik.api_url"));

    let out = bin()
        .env("OPIK_MCP_SERVER__MAX_SESSIONS", "0")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.max_sessions"));
}

#[test]
fn missing_config_file_is_named() {
    let out = bin()
        .args(["--config", "/nonexistent/opik.toml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/opik.toml"));
}

#[test]
fn config_file_is_read_and_flags_win_over_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("opik.toml");
    std::fs::write(&path, "transport = \"sse\"\n[server]\nmax_sessions = 0\n").expect("write");
    let out = bin().arg("--config").arg(&path).output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(2),
        "the file's bad value is reported"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.max_sessions"));
}

#[test]
fn port_already_in_use_fails_with_a_clear_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = bin()
        .args(["--transport=sse", "--sse-host=127.0.0.1", "--sse-log-path="])
        .args(["--sse-port", &port])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already in use") && err.contains(&port),
        "{err}"
    );
}

#[test]
fn upstream_streamable_http_port_is_read_and_the_sse_name_wins_over_it() {
    let taken = |_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let (a, b) = (taken(0), taken(1));
    let port = |l: &std::net::TcpListener| l.local_addr().expect("addr").port().to_string();
    let run = |envs: &[(&str, String)]| {
        let mut c = bin();
        c.args(["--transport=sse", "--sse-host=127.0.0.1", "--sse-log-path="]);
        for (k, v) in envs {
            c.env(k, v);
        }
        let out = c.output().expect("run");
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let alone = run(&[("STREAMABLE_HTTP_PORT", port(&a))]);
    assert!(
        alone.contains(&format!("127.0.0.1:{}", port(&a))),
        "{alone}"
    );
    let both = run(&[("STREAMABLE_HTTP_PORT", port(&a)), ("SSE_PORT", port(&b))]);
    assert!(both.contains(&format!("127.0.0.1:{}", port(&b))), "{both}");
}

#[test]
fn secrets_never_reach_the_logs() {
    let child = bin()
        .args([
            "--transport=sse",
            "--sse-host=127.0.0.1",
            "--sse-port=0",
            "--sse-log-path=",
        ])
        .env("OPIK_API_KEY", "sekrit-key-123")
        .env("RUST_LOG", "trace")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(800));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "SIGTERM exits 0");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("listening"), "{all}");
    assert!(!all.contains("sekrit-key-123"));
}

#[test]
fn sigterm_closes_an_open_sse_stream_and_exits_zero() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().expect("tmp");
    let log = dir.path().join("sse.log");
    let mut child = bin()
        .args(["--transport=sse", "--sse-host=127.0.0.1", "--sse-port=0"])
        .arg(format!("--sse-log-path={}", log.display()))
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("a log line").expect("utf8");
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().expect("addr").to_owned();
        }
    };
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    write!(stream, "GET /sse HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("write");
    let mut buf = [0u8; 512];
    let n = stream.read(&mut buf).expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("200"));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    let status = child.wait().expect("wait");
    assert!(status.success(), "exit code 0 after SIGTERM");
    let logged = std::fs::read_to_string(&log).expect("log file written");
    assert!(
        logged.contains("listening") && logged.contains("server stopped"),
        "{logged}"
    );
}

#[test]
fn unrelated_opik_mcp_variables_are_not_settings_but_misspelt_keys_are_errors() {
    let out = bin()
        .env("OPIK_MCP_BIN", "/some/path")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bin()
        .env("OPIK_MCP_SERVER__MAX_SESIONS", "5")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("max_sesions")
    );
}

#[test]
fn the_mcp_token_header_can_never_carry_caller_opik_credentials() {
    let out = bin()
        .env("OPIK_MCP_OPIK__CALLER_KEY_HEADER", "Authorization")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("opik.caller_key_header"));
}

/// Regression (found by the config fuzz harness): figment 0.10 panicked on this value.
#[test]
fn a_quoted_env_value_mixing_escapes_and_non_ascii_is_an_error_not_a_panic() {
    let out = bin().env("TRANSPORT", "\"¡\\ \"").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TRANSPORT") && !err.contains("panicked"),
        "{err}"
    );
}
