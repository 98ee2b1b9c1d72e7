//! Graceful shutdown: streams close, the server returns, sessions end.

use std::time::Duration;

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn shutdown_closes_open_sse_streams_and_returns_ok() {
    let mut app = spawn_app().await;
    let mut legacy = app.open_sse().await;
    legacy.initialize(&app).await;
    let sid = app.initialize().await;
    let get = app
        .client
        .get(app.url("/mcp"))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &sid)
        .send()
        .await
        .expect("GET");
    let mut get_stream = crate::helpers::SseClient::from_response(get);
    let stopped = app.stop();
    let (result, legacy_ended, get_ended) = tokio::join!(
        stopped,
        legacy.ends_within(Duration::from_secs(10)),
        get_stream.ends_within(Duration::from_secs(10)),
    );
    result.expect("run_until_stopped returns Ok");
    assert!(legacy_ended, "legacy SSE stream closed");
    assert!(get_ended, "GET stream closed");
    assert_eq!(app.registry.len(), 0, "sessions ended");
}

#[tokio::test]
async fn no_new_sessions_after_shutdown() {
    let mut app = spawn_app().await;
    let url = app.url("/mcp");
    app.stop().await.expect("stops");
    let resp = app
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await;
    assert!(resp.is_err(), "listener is closed");
}
