//! `opik-mcp healthcheck`: the container HEALTHCHECK probe, run as the real binary against a
//! real listener.

use std::{
    process::{Command, Output},
    time::{Duration, Instant},
};

use crate::helpers::spawn_app;

fn healthcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opik-mcp"))
        .arg("healthcheck")
        .args(args)
        .output()
        .expect("run opik-mcp healthcheck")
}

/// Run the probe off the test's (single-threaded) runtime, which serves the app.
async fn healthcheck_async(url: String) -> Output {
    tokio::task::spawn_blocking(move || healthcheck(&[&url]))
        .await
        .expect("join")
}

#[tokio::test]
async fn healthcheck_exits_0_for_a_healthy_endpoint_and_1_for_a_404() {
    let app = spawn_app().await;
    let ok = healthcheck_async(app.url("/health")).await;
    assert!(ok.status.success(), "{ok:?}");

    let missing = healthcheck_async(app.url("/no-such-endpoint")).await;
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("unhealthy: HTTP 404"), "{stderr}");
}

#[test]
fn healthcheck_exits_1_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let out = healthcheck(&[&format!("http://127.0.0.1:{port}/healthz")]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn healthcheck_gives_up_on_a_silent_server_within_its_timeout() {
    // Accepts the connection and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/healthz", listener.local_addr().expect("addr"));
    let started = Instant::now();
    let out = healthcheck(&["--timeout-secs", "1", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}

#[test]
fn healthcheck_refuses_urls_it_cannot_probe() {
    let out = healthcheck(&["https://127.0.0.1:9464/healthz"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported URL"));
}

#[test]
fn healthcheck_reads_no_configuration() {
    // A broken config file would stop `serve`; the probe must not care.
    let out = Command::new(env!("CARGO_BIN_EXE_opik-mcp"))
        .args(["--config", "/nonexistent/opik-mcp.toml", "healthcheck"])
        .arg("http://127.0.0.1:1/healthz")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("config"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
}
