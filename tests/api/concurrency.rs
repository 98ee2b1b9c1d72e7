//! 100 concurrent sessions per transport: every reply reaches only its own session.

use std::collections::HashSet;

use futures::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{SseClient, TestApp, spawn_app};

const SESSIONS: usize = 100;
const REQUESTS: usize = 10;

fn request(session: usize, k: usize) -> Value {
    let method = if k.is_multiple_of(2) {
        "ping"
    } else {
        "tools/list"
    };
    json!({"jsonrpc": "2.0", "id": format!("s{session}-r{k}"), "method": method})
}

/// Returns (replies received, misrouted replies) and the still open stream.
async fn legacy_session(app: &TestApp, s: usize) -> (usize, usize, SseClient) {
    let mut sse = app.open_sse().await;
    sse.initialize(app).await;
    let bodies: Vec<Value> = (0..REQUESTS).map(|k| request(s, k)).collect();
    let posts = bodies.iter().map(|b| sse.post(app, b));
    for resp in join_all(posts).await {
        assert_eq!(resp.status(), 202);
    }
    let own: HashSet<String> = (0..REQUESTS).map(|k| format!("s{s}-r{k}")).collect();
    let (mut got, mut misrouted) = (0, 0);
    for _ in 0..REQUESTS {
        let msg = sse.next_message().await;
        got += 1;
        if !own.contains(msg["id"].as_str().unwrap_or_default()) {
            misrouted += 1;
        }
    }
    (got, misrouted, sse)
}

async fn streamable_session(app: &TestApp, s: usize) -> (usize, usize) {
    let sid = app.initialize().await;
    let calls = (0..REQUESTS).map(|k| {
        let sid = sid.clone();
        async move {
            let resp = app.post_mcp(&request(s, k), Some(&sid)).await;
            assert_eq!(resp.status(), 200);
            let body: Value = resp.json().await.expect("json");
            body["id"] == format!("s{s}-r{k}")
        }
    });
    let results = join_all(calls).await;
    let misrouted = results.iter().filter(|ok| !**ok).count();
    (results.len(), misrouted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_legacy_sse_sessions_get_only_their_own_replies() {
    let app = spawn_app().await;
    let results = join_all((0..SESSIONS).map(|s| legacy_session(&app, s))).await;
    let got: usize = results.iter().map(|r| r.0).sum();
    let misrouted: usize = results.iter().map(|r| r.1).sum();
    assert_eq!(got, SESSIONS * REQUESTS);
    assert_eq!(misrouted, 0, "misrouted replies");
    // The streams are still open (held in `results`): a closed one ends its session at once.
    assert_eq!(app.registry.len(), SESSIONS);
    drop(results);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_streamable_sessions_get_only_their_own_replies() {
    let app = spawn_app().await;
    let results = join_all((0..SESSIONS).map(|s| streamable_session(&app, s))).await;
    let got: usize = results.iter().map(|r| r.0).sum();
    let misrouted: usize = results.iter().map(|r| r.1).sum();
    assert_eq!(got, SESSIONS * REQUESTS);
    assert_eq!(misrouted, 0, "misrouted replies");
}
