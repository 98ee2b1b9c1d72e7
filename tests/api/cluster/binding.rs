//! Session binding holds across replicas: another subject's session id is as unknown on every
//! replica as on the one that created it.

use serde_json::json;

use super::Replicas;
use crate::security::support::{claims, hs_token, initialize_as, jwt_mode, post_as, rpc_as};

#[tokio::test]
async fn another_subjects_streamable_session_is_404_on_every_replica() {
    let r = Replicas::start(3, jwt_mode).await;
    let alice = hs_token(&claims("alice", "opik:read"));
    let bob = hs_token(&claims("bob", "opik:read"));
    let sid = initialize_as(r.at(0), &alice).await;
    let ping = json!({"jsonrpc": "2.0", "id": 7, "method": "ping"});
    let unknown = "0".repeat(64);
    for i in 0..3 {
        let stolen = post_as(r.at(i), Some(&bob), &ping, Some(&sid)).await;
        assert_eq!(stolen.status(), 404, "replica {i}");
        let stolen: serde_json::Value = stolen.json().await.expect("json");
        let missing = post_as(r.at(i), Some(&bob), &ping, Some(&unknown)).await;
        let missing: serde_json::Value = missing.json().await.expect("json");
        assert_eq!(stolen, missing, "indistinguishable from an unknown session");
        // Alice's session works on the same replica, before and after the attempt.
        let reply = rpc_as(r.at(i), &alice, &sid, 10 + i as i64, "ping", json!({})).await;
        assert_eq!(reply["id"], 10 + i as i64);
    }
    // Anonymous callers do not get it either.
    let anon = post_as(r.at(2), None, &ping, Some(&sid)).await;
    assert_eq!(anon.status(), 401);
}

#[tokio::test]
async fn another_subjects_legacy_session_is_404_on_every_replica() {
    let r = Replicas::start(3, jwt_mode).await;
    let alice = hs_token(&claims("alice", "opik:read"));
    let bob = hs_token(&claims("bob", "opik:read"));
    let resp = r
        .at(0)
        .client
        .get(r.at(0).url("/sse"))
        .bearer_auth(&alice)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("GET /sse");
    assert_eq!(resp.status(), 200);
    let mut sse = crate::helpers::SseClient::from_response(resp);
    let endpoint = sse.next_event().await.expect("endpoint").data;
    let post = |i: usize, token: &str, body: &serde_json::Value| {
        r.at(i)
            .client
            .post(r.at(i).url(&endpoint))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let init = crate::helpers::initialize_request(0);
    for i in 0..3 {
        let status = post(i, &bob, &init).await.expect("POST").status();
        assert_eq!(status, 404, "replica {i}");
    }
    // Alice initializes through replica 2; the reply comes on her stream on replica 0.
    assert_eq!(post(2, &alice, &init).await.expect("POST").status(), 202);
    let reply = sse.next_message().await;
    assert_eq!(reply["id"], 0);
    assert_eq!(reply["result"]["serverInfo"]["name"], "opik-mcp");
}
