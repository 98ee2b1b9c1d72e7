//! Limits: header size (431), slow requests (408), SSE stream lifetime.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::support::*;
use crate::helpers::{initialize_request, spawn_app_with};

#[tokio::test]
async fn oversized_headers_get_431() {
    let app = spawn_app_with(|s| s.limits.max_header_bytes = 2048).await;
    let resp = app
        .client
        .get(app.url("/health"))
        .header("x-padding", "a".repeat(4096))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 431);
    let ok = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("GET");
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_request_whose_body_trickles_in_times_out_with_408() {
    let app = spawn_app_with(|s| s.limits.request_timeout_secs = 1).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut sock = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let body = initialize_request(1).to_string();
    let head = raw_mcp_post_head(&addr, body.len());
    sock.write_all(head.as_bytes()).await.expect("write head");
    sock.write_all(&body.as_bytes()[..5])
        .await
        .expect("write some");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf))
        .await
        .expect("answered before the test deadline")
        .expect("read");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("\"jsonrpc\":\"2.0\""),
        "JSON-RPC error on /mcp: {text}"
    );
}

#[tokio::test]
async fn an_sse_stream_ends_at_its_lifetime_cap() {
    let app = spawn_secure(|s| {
        api_key_mode(s);
        s.limits.sse_max_lifetime_secs = 1;
    })
    .await;
    let resp = app
        .client
        .get(app.url("/sse"))
        .bearer_auth(READ_KEY)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("GET /sse");
    assert_eq!(resp.status(), 200);
    let mut sse = crate::helpers::SseClient::from_response(resp);
    assert_eq!(sse.next_event().await.expect("endpoint").event, "endpoint");
    assert!(
        sse.ends_within(Duration::from_secs(5)).await,
        "stream ended by the cap"
    );
}
