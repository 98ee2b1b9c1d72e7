//! Session binding: a session answers only to the principal that created it.

use serde_json::json;

use super::support::*;

#[tokio::test]
async fn another_subject_gets_404_on_mcp_and_the_owner_is_unaffected() {
    let app = spawn_secure(jwt_mode).await;
    let alice = hs_token(&claims("alice", "opik:read"));
    let bob = hs_token(&claims("bob", "opik:read"));
    let sid = initialize_as(&app, &alice).await;
    let ping = json!({"jsonrpc": "2.0", "id": 7, "method": "ping"});
    let stolen = post_as(&app, Some(&bob), &ping, Some(&sid)).await;
    assert_eq!(stolen.status(), 404);
    let stolen_body: serde_json::Value = stolen.json().await.expect("json");
    // Exactly the answer for a session that does not exist.
    let unknown = "0".repeat(64);
    let missing = post_as(&app, Some(&bob), &ping, Some(&unknown)).await;
    assert_eq!(missing.status(), 404);
    let missing_body: serde_json::Value = missing.json().await.expect("json");
    assert_eq!(stolen_body, missing_body);
    // GET stream and DELETE by bob are refused the same way.
    let get = app
        .client
        .get(app.url("/mcp"))
        .bearer_auth(&bob)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &sid)
        .send()
        .await
        .expect("GET");
    assert_eq!(get.status(), 404);
    let del = app
        .client
        .delete(app.url("/mcp"))
        .bearer_auth(&bob)
        .header("mcp-session-id", &sid)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), 404);
    // Alice's session still works.
    let reply = rpc_as(&app, &alice, &sid, 8, "ping", json!({})).await;
    assert_eq!(reply["id"], 8);
    assert!(reply.get("result").is_some());
    let violations = app.events.of("session_binding_violation");
    assert_eq!(violations.len(), 3);
    assert_eq!(violations[0].principal.as_deref(), Some("jwt:bob"));
}

#[tokio::test]
async fn a_binding_violation_names_the_client_ip_the_middleware_settled_on() {
    let app = spawn_secure(jwt_mode).await;
    let alice = hs_token(&claims("alice", "opik:read"));
    let bob = hs_token(&claims("bob", "opik:read"));
    let sid = initialize_as(&app, &alice).await;
    let ping = json!({"jsonrpc": "2.0", "id": 7, "method": "ping"});
    assert_eq!(
        post_as(&app, Some(&bob), &ping, Some(&sid)).await.status(),
        404
    );
    let violations = app.events.of("session_binding_violation");
    assert_eq!(violations.len(), 1);
    let loopback: std::net::IpAddr = "127.0.0.1".parse().expect("ip");
    assert_eq!(violations[0].client_ip, Some(loopback));
}

#[tokio::test]
async fn another_subject_gets_404_on_legacy_messages() {
    let app = spawn_secure(jwt_mode).await;
    let alice = hs_token(&claims("alice", "opik:read"));
    let bob = hs_token(&claims("bob", "opik:read"));
    let resp = app
        .client
        .get(app.url("/sse"))
        .bearer_auth(&alice)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("GET /sse");
    assert_eq!(resp.status(), 200);
    let mut sse = crate::helpers::SseClient::from_response(resp);
    let endpoint = sse.next_event().await.expect("endpoint").data;
    let post = |token: String, body: serde_json::Value| {
        let app = &app;
        let endpoint = endpoint.clone();
        async move {
            app.client
                .post(app.url(&endpoint))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("POST /messages")
        }
    };
    let init = crate::helpers::initialize_request(0);
    assert_eq!(post(bob.clone(), init.clone()).await.status(), 404);
    // Bob's attempt did not consume or disturb anything: Alice initializes normally.
    assert_eq!(post(alice.clone(), init).await.status(), 202);
    let reply = sse.next_message().await;
    assert_eq!(reply["id"], 0);
    assert_eq!(reply["result"]["serverInfo"]["name"], "opik-mcp");
    assert_eq!(app.events.of("session_binding_violation").len(), 1);
    // Without any token: 401 before the session is even looked up.
    let anon = app
        .client
        .post(app.url(&endpoint))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("POST");
    assert_eq!(anon.status(), 401);
}

#[tokio::test]
async fn sessions_per_principal_are_capped() {
    let app = spawn_secure(|s| {
        jwt_mode(s);
        s.limits.max_sessions_per_principal = 2;
    })
    .await;
    let alice = hs_token(&claims("alice", "opik:read"));
    initialize_as(&app, &alice).await;
    initialize_as(&app, &alice).await;
    let third = post_as(
        &app,
        Some(&alice),
        &crate::helpers::initialize_request(1),
        None,
    )
    .await;
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));
    let bob = hs_token(&claims("bob", "opik:read"));
    initialize_as(&app, &bob).await;
}
