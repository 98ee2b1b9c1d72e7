//! Session lifecycle: idle expiry and teardown.

use std::time::Duration;

use serde_json::json;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn idle_sessions_expire_and_then_answer_404() {
    let app = spawn_app_with(|s| s.server.session_idle_ttl_secs = 1).await;
    let sid = app.initialize().await;
    assert_eq!(app.registry.len(), 1);
    let mut expired = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if app.registry.is_empty() {
            expired = true;
            break;
        }
    }
    assert!(
        expired,
        "session expired within the TTL plus a sweep period"
    );
    let resp = app
        .post_mcp(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}),
            Some(&sid),
        )
        .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn active_sessions_do_not_expire() {
    let app = spawn_app_with(|s| s.server.session_idle_ttl_secs = 1).await;
    let sid = app.initialize().await;
    for i in 0..8 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let reply = app.rpc(&sid, i, "ping", json!({})).await;
        assert_eq!(reply["id"], i);
    }
}

#[tokio::test]
async fn legacy_sessions_with_an_open_stream_are_not_idle() {
    let app = spawn_app_with(|s| s.server.session_idle_ttl_secs = 1).await;
    let mut sse = app.open_sse().await;
    sse.initialize(&app).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(app.registry.len(), 1);
    sse.post(&app, &json!({"jsonrpc": "2.0", "id": 5, "method": "ping"}))
        .await;
    assert_eq!(sse.next_message().await["id"], 5);
}
