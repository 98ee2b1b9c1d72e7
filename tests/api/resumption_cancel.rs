//! A request the client cancels (`notifications/cancelled`) while it runs: its POST ends
//! without a reply, and a DELETE sent right after the cancellation does not turn that
//! answer into the ended session's 404 (a client closing after a timed-out call reads a 404
//! on the call as an error to deliver, after it has stopped listening).

use std::time::Duration;

use serde_json::json;

use super::notifier_app_with;
use crate::helpers::{PROTOCOL, TestApp, initialize_request};

/// Initialize a session (JSON replies or event streams); returns its id.
async fn session(app: &TestApp) -> String {
    let resp = app.post_mcp(&initialize_request(0), None).await;
    assert_eq!(resp.status(), 200);
    let sid = resp.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(app.post_mcp(&note, Some(&sid)).await.status(), 202);
    sid
}

/// POST a `tools/call` of the notifier that sleeps `sleep_ms`: status, content type, body.
async fn slow_call(base: String, sid: String, id: i64) -> (u16, String, String) {
    let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "notify", "arguments": {"n": 0, "sleep_ms": 5000}}});
    let resp = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &sid)
        .header("mcp-protocol-version", PROTOCOL)
        .body(call.to_string())
        .send()
        .await
        .expect("POST /mcp");
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (status, kind, resp.text().await.expect("body"))
}

/// What a call cancelled and then deleted with its session got.
struct Outcome {
    /// The cancellation's POST: 202, or the ended session's status when the DELETE was
    /// taken first (either order is legitimate; for the failure messages).
    cancel: u16,
    /// The call's POST: status and body.
    call: (u16, String),
    /// Whether the call's POST ended before the DELETE's answer arrived.
    call_first: bool,
}

/// Start a slow call, cancel it, DELETE the session at once.
async fn cancel_then_delete(app: &TestApp, sid: &str) -> Outcome {
    let call = tokio::spawn(slow_call(app.base.clone(), sid.to_owned(), 1));
    // The call is running in the engine before it is cancelled.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !call.is_finished(),
        "the call answered before it was cancelled"
    );
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 1, "reason": "client timeout"}});
    let delete = async {
        let resp = reqwest::Client::new()
            .delete(format!("{}/mcp", app.base))
            .header("mcp-session-id", sid)
            .send()
            .await
            .expect("DELETE");
        (resp.status().as_u16(), call.is_finished())
    };
    let (cancelled, (deleted, call_first)) = tokio::join!(app.post_mcp(&cancel, Some(sid)), delete);
    assert_eq!(deleted, 200);
    let (status, _, body) = tokio::time::timeout(Duration::from_secs(4), call)
        .await
        .expect("the call's POST ended well before its tool would have")
        .expect("call task");
    Outcome {
        cancel: cancelled.status().as_u16(),
        call: (status, body),
        call_first,
    }
}

#[tokio::test]
async fn a_cancelled_call_gets_no_reply_even_when_its_session_is_deleted_at_once() {
    let app = notifier_app_with(|s| s.server.json_response = true).await;
    for round in 0..5 {
        let sid = session(&app).await;
        let got = cancel_then_delete(&app, &sid).await;
        match got.call {
            // No JSON-RPC reply for a cancelled request (what the SDK clients read as
            // "nothing to deliver").
            (202, body) => assert!(
                body.is_empty(),
                "round {round} (cancellation answered {}): {body:?}",
                got.cancel
            ),
            // The DELETE was taken before the cancellation: the call ends as its session
            // did, but only once the DELETE's answer is out.
            (404, body) => {
                assert!(body.contains("session"), "round {round}: {body:?}");
                assert!(
                    !got.call_first,
                    "round {round} (cancellation answered {}): 404 before the DELETE's answer",
                    got.cancel
                );
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_cancelled_call_on_an_event_stream_ends_its_stream_without_an_event() {
    let app = notifier_app_with(|s| s.server.json_response = false).await;
    let sid = session(&app).await;
    let call = tokio::spawn(slow_call(app.base.clone(), sid.clone(), 1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 1}});
    assert_eq!(app.post_mcp(&cancel, Some(&sid)).await.status(), 202);
    let (status, kind, body) = tokio::time::timeout(Duration::from_secs(4), call)
        .await
        .expect("the stream ended at the cancellation")
        .expect("call task");
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    assert!(!body.contains("\"id\""), "no reply on the stream: {body:?}");
    // The session lives on: the same id can be used again.
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    assert_eq!(app.post_mcp(&list, Some(&sid)).await.status(), 200);
}
