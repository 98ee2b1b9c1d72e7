//! Host parsing and the admin listener's edge, over raw sockets (an HTTP client library would
//! not send these requests): a doubled `Host`, `[::1]evil.example`, absolute-form targets, a
//! DNS-rebinding `Host` on the admin port, oversized admin headers, and the admin API's 401
//! challenge.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::{TestApp, spawn_app_with};

/// Send `head` (CRLF-separated lines, without the final blank line) to `base` and return the
/// whole response.
async fn raw(base: &str, head: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let request = format!("{head}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("answered in time")
        .expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

fn status(resp: &str) -> &str {
    resp.split(' ').nth(1).unwrap_or_default()
}

async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.audit.admin_token = Some("admin-token-0123456789abcdef".into());
        s.admin.allowed_hosts = vec!["opik-mcp-admin.monitoring".into()];
    })
    .await
}

#[tokio::test]
async fn a_doubled_host_header_is_refused_with_400_on_every_route() {
    let app = app().await;
    for path in ["/health", "/mcp"] {
        let head = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nHost: evil.example");
        let resp = raw(&app.base, &head).await;
        assert_eq!(status(&resp), "400", "{path}: {resp}");
        assert!(resp.contains("more than one Host"), "{resp}");
    }
}

#[tokio::test]
async fn a_bracketed_host_with_trailing_text_is_refused_not_read_as_loopback() {
    let app = app().await;
    for host in ["[::1]evil.example", "[::1]:3001evil", "localhost:99999"] {
        let head = format!("GET /mcp HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream");
        let resp = raw(&app.base, &head).await;
        assert_eq!(status(&resp), "400", "{host}: {resp}");
        assert!(
            resp.contains("\"jsonrpc\""),
            "JSON-RPC shaped on /mcp: {resp}"
        );
    }
    // A well-formed loopback host still works.
    let ok = raw(&app.base, "GET /health HTTP/1.1\r\nHost: [::1]:3001").await;
    assert_eq!(status(&ok), "200", "{ok}");
}

#[tokio::test]
async fn absolute_form_request_targets_are_refused() {
    let app = app().await;
    for target in ["http://evil.example/health", "http://localhost/mcp"] {
        let head = format!("GET {target} HTTP/1.1\r\nHost: localhost");
        let resp = raw(&app.base, &head).await;
        assert_eq!(status(&resp), "400", "{target}: {resp}");
        assert!(resp.contains("absolute-form"), "{resp}");
    }
}

#[tokio::test]
async fn the_admin_listener_refuses_a_rebinding_host_name_but_not_addresses() {
    let app = app().await;
    let evil = raw(
        &app.admin,
        "GET /metrics HTTP/1.1\r\nHost: evil.example:9464",
    )
    .await;
    assert_eq!(status(&evil), "403", "{evil}");
    assert!(!evil.contains("opik_mcp_"), "no metrics leaked: {evil}");
    for host in [
        "127.0.0.1:9464",
        "10.1.2.3:9464",
        "[::1]:9464",
        "localhost",
        "opik-mcp-admin.monitoring:9464",
    ] {
        let head = format!("GET /metrics HTTP/1.1\r\nHost: {host}");
        let resp = raw(&app.admin, &head).await;
        assert_eq!(status(&resp), "200", "{host}: {resp}");
    }
    let doubled = raw(
        &app.admin,
        "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example",
    )
    .await;
    assert_eq!(status(&doubled), "400", "{doubled}");
}

#[tokio::test]
async fn the_admin_listener_caps_request_headers() {
    let app = spawn_app_with(|s| s.limits.max_header_bytes = 4096).await;
    let big = "x".repeat(8000);
    let head = format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {big}");
    let resp = raw(&app.admin, &head).await;
    assert_eq!(status(&resp), "431", "{resp}");
}

#[tokio::test]
async fn an_admin_api_401_says_how_to_authenticate() {
    let app = app().await;
    let resp = app.admin_get("/admin/audit").await;
    assert_eq!(resp.status(), 401);
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .expect("WWW-Authenticate on 401")
        .to_str()
        .expect("ascii");
    assert_eq!(challenge, "Bearer realm=\"opik-mcp-admin\"");
}
