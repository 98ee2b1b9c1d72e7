//! Legacy HTTP+SSE (2024-11-05): endpoint event, 202s, per-session replies, error codes.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{initialize_request, spawn_app};

#[tokio::test]
async fn stream_starts_with_endpoint_event_and_sse_headers() {
    let app = spawn_app().await;
    let resp = app.client.get(app.url("/sse")).send().await.expect("GET");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert!(
        resp.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("no-cache")
    );
    assert_eq!(resp.headers()["x-accel-buffering"], "no");
    let mut stream = crate::helpers::SseClient::from_response(resp);
    let first = stream.next_event().await.expect("event");
    assert_eq!(first.event, "endpoint");
    assert!(
        first.data.starts_with("/messages?sessionId="),
        "{}",
        first.data
    );
    assert_eq!(app.registry.len(), 1);
}

#[tokio::test]
async fn post_answers_202_and_the_reply_arrives_as_a_message_event() {
    let app = spawn_app().await;
    let mut sse = app.open_sse().await;
    sse.initialize(&app).await;
    let resp = sse
        .post(
            &app,
            &json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "get-server-info", "arguments": {}}}),
        )
        .await;
    assert_eq!(resp.status(), 202);
    assert_eq!(resp.text().await.expect("body"), "Accepted");
    let reply = sse.next_message().await;
    assert_eq!(reply["id"], 2);
    assert_eq!(reply["result"]["structuredContent"]["name"], "opik-mcp");
}

#[tokio::test]
async fn replies_go_to_their_own_session_only() {
    let app = spawn_app().await;
    let mut a = app.open_sse().await;
    let mut b = app.open_sse().await;
    a.initialize(&app).await;
    b.initialize(&app).await;
    a.post(
        &app,
        &json!({"jsonrpc": "2.0", "id": "a-1", "method": "ping"}),
    )
    .await;
    b.post(
        &app,
        &json!({"jsonrpc": "2.0", "id": "b-1", "method": "ping"}),
    )
    .await;
    assert_eq!(a.next_message().await["id"], "a-1");
    assert_eq!(b.next_message().await["id"], "b-1");
}

#[tokio::test]
async fn missing_or_malformed_session_id_is_400() {
    let app = spawn_app().await;
    for path in [
        "/messages",
        "/messages?sessionId=",
        "/messages?sessionId=xyz",
        "/messages?other=1",
    ] {
        let resp = app
            .client
            .post(app.url(path))
            .header("content-type", "application/json")
            .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
            .send()
            .await
            .expect("POST");
        assert_eq!(resp.status(), 400, "{path}");
        let body: Value = resp.json().await.expect("json");
        assert!(
            body["error"]["message"]
                .as_str()
                .expect("msg")
                .contains("sessionId"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_session_id_is_404() {
    let app = spawn_app().await;
    let path = format!("/messages?sessionId={}", "b".repeat(64));
    let resp = app
        .client
        .post(app.url(&path))
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn closed_stream_ends_the_session_and_posts_get_410() {
    // A client that went away is noticed at the next write: the keep-alive bounds the delay.
    let app = crate::helpers::spawn_app_with(|s| s.server.keep_alive_secs = 1).await;
    let sse = app.open_sse().await;
    let endpoint = sse.endpoint.clone();
    assert_eq!(app.registry.len(), 1);
    drop(sse);
    for _ in 0..250 {
        if app.registry.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.registry.len(), 0, "closing the stream ends the session");
    let resp = app
        .client
        .post(app.url(&endpoint))
        .header("content-type", "application/json")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 410);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("ended")
    );
}

#[tokio::test]
async fn notification_before_initialize_is_refused_and_the_session_stays_usable() {
    let app = spawn_app().await;
    let mut sse = app.open_sse().await;
    let resp = sse
        .post(
            &app,
            &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        )
        .await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("initialize")
    );
    sse.initialize(&app).await;
}

#[tokio::test]
async fn bad_json_is_400_and_wrong_content_type_is_415() {
    let app = spawn_app().await;
    let sse = app.open_sse().await;
    let bad = app
        .client
        .post(app.url(&sse.endpoint))
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .expect("POST");
    assert_eq!(bad.status(), 400);
    let text = app
        .client
        .post(app.url(&sse.endpoint))
        .header("content-type", "text/plain")
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(text.status(), 415);
}

#[tokio::test]
async fn idle_stream_receives_keep_alive_comments() {
    let app = crate::helpers::spawn_app_with(|s| s.server.keep_alive_secs = 1).await;
    let resp = app.client.get(app.url("/sse")).send().await.expect("GET");
    let mut body = resp.bytes_stream();
    use futures::StreamExt;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !seen.contains("\n:") && !seen.starts_with(':') {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("keep-alive in time");
        seen.push_str(&String::from_utf8_lossy(
            &chunk.expect("chunk").expect("bytes"),
        ));
    }
    assert!(seen.contains("event: endpoint"));
}

#[tokio::test]
async fn session_cap_gives_503_with_a_clear_body() {
    let app = crate::helpers::spawn_app_with(|s| s.server.max_sessions = 2).await;
    let _a = app.open_sse().await;
    let _b = app.open_sse().await;
    let resp = app.client.get(app.url("/sse")).send().await.expect("GET");
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("limit of 2")
    );
    let streamable = app.post_mcp(&initialize_request(1), None).await;
    assert_eq!(
        streamable.status(),
        503,
        "the cap is shared by both transports"
    );
}
