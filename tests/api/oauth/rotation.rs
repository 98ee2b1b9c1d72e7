//! Refresh-token rotation meets a client that refreshes from two requests at once (the
//! TypeScript SDK does, when two calls meet the expired access token): within
//! `auth.broker.refresh_reuse_grace_secs` both get tokens and the grant survives.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{BrokerApp, flow::refresh_with, spawn_broker, spawn_broker_with};
use crate::cluster::TempDb;

#[tokio::test]
async fn a_refresh_token_presented_twice_at_once_gets_tokens_both_times() {
    racing_refreshes_both_get_tokens(&spawn_broker().await).await;
}

#[tokio::test]
async fn on_postgresql_too_racing_refreshes_both_get_tokens() {
    let db = TempDb::create().await;
    let url = db.url.clone();
    let b = spawn_broker_with(move |_, s| s.database.url = url.into()).await;
    racing_refreshes_both_get_tokens(&b).await;
}

async fn racing_refreshes_both_get_tokens(b: &BrokerApp) {
    let client_id = b.public_client().await;
    let tokens = b.tokens(&client_id).await;
    let old = tokens["refresh_token"].as_str().expect("refresh token");
    let (one, two) = tokio::join!(
        refresh_with(b, &client_id, old),
        refresh_with(b, &client_id, old)
    );
    assert_eq!(
        (one.status(), two.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let one: Value = one.json().await.expect("json");
    let two: Value = two.json().await.expect("json");
    let (a, c) = (&one["refresh_token"], &two["refresh_token"]);
    assert_ne!(a, c, "each got its own refresh token");
    // Both new tokens work, and the grant is still active.
    for next in [a, c] {
        let resp = refresh_with(b, &client_id, next.as_str().expect("token")).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let grants = grants(b, "").await;
    assert_eq!(grants["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(grants["items"][0]["active"], true);
}

#[tokio::test]
async fn within_the_grace_period_another_client_still_gets_nothing() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let other = b.public_client().await;
    let tokens = b.tokens(&client_id).await;
    let old = tokens["refresh_token"].as_str().expect("refresh token");
    assert_eq!(
        refresh_with(&b, &client_id, old).await.status(),
        StatusCode::OK
    );
    let resp = refresh_with(&b, &other, old).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn without_a_grace_period_the_second_of_two_racing_refreshes_revokes_the_grant() {
    let b = spawn_broker_with(|_, s| s.auth.broker.refresh_reuse_grace_secs = 0).await;
    let client_id = b.public_client().await;
    let tokens = b.tokens(&client_id).await;
    let old = tokens["refresh_token"].as_str().expect("refresh token");
    let (one, two) = tokio::join!(
        refresh_with(&b, &client_id, old),
        refresh_with(&b, &client_id, old)
    );
    let mut statuses = [one.status(), two.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::BAD_REQUEST]);
    let grants = grants(&b, "?all=true").await;
    assert_eq!(grants["items"][0]["active"], false, "{grants}");
}

/// The admin API's grant list.
async fn grants(b: &BrokerApp, query: &str) -> Value {
    let path = format!("/admin/oauth/grants{query}");
    let resp = b.admin(Method::GET, &path).await;
    resp.json().await.expect("json")
}
