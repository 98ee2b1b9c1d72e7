//! `X-Request-Id`: kept when sane, minted otherwise, returned on every response.

use crate::helpers::{initialize_request, spawn_app};

fn rid(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("x-request-id")
        .expect("x-request-id header")
        .to_str()
        .expect("ascii")
        .to_owned()
}

#[tokio::test]
async fn a_sane_incoming_request_id_is_returned_unchanged() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "client-42.a:b")
        .send()
        .await
        .expect("GET");
    assert_eq!(rid(&resp), "client-42.a:b");
}

#[tokio::test]
async fn a_missing_or_unsafe_request_id_is_replaced_by_a_minted_one() {
    let app = spawn_app().await;
    let plain = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .expect("GET");
    let minted = rid(&plain);
    assert_eq!(minted.len(), 32);
    assert!(minted.bytes().all(|b| b.is_ascii_hexdigit()));
    let evil = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "x\" injected=1 {}")
        .send()
        .await
        .expect("GET");
    let replaced = rid(&evil);
    assert_ne!(replaced, "x\" injected=1 {}");
    assert_eq!(replaced.len(), 32);
    assert_ne!(replaced, minted);
}

#[tokio::test]
async fn errors_on_both_listeners_carry_a_request_id_too() {
    let app = spawn_app().await;
    let not_found = app.client.get(app.url("/nope")).send().await.expect("GET");
    assert_eq!(not_found.status(), 404);
    assert_eq!(rid(&not_found).len(), 32);
    let refused = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "text/plain")
        .header("accept", "application/json, text/event-stream")
        .header("x-request-id", "mcp-415")
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status(), 415);
    assert_eq!(rid(&refused), "mcp-415");
    let admin = app.admin_get("/nope").await;
    assert_eq!(admin.status(), 404);
    assert_eq!(rid(&admin).len(), 32);
}
