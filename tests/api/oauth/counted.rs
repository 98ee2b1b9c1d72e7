//! What the broker counts (`opik_mcp_oauth_*`) after a scripted set of sign-ins, and that a
//! refused registration is in the audit trail like every other refusal.

use opik_mcp::{session::Outcome, store::AuditQuery};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{flow::refresh_with as refresh, spawn_broker, spawn_broker_with};
use crate::metrics::{scrape, value};

#[tokio::test]
async fn sign_ins_refreshes_and_refusals_are_counted_by_step_and_reason() {
    // No grace period: a second use of a refresh token is a reuse at once.
    let b = spawn_broker_with(|_, s| s.auth.broker.refresh_reuse_grace_secs = 0).await;
    let client_id = b.public_client().await;
    let refused = b
        .register(&json!({"redirect_uris": ["http://example.com/cb"]}))
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    // First sign-in: the consent page; second: remembered.
    let first = b.tokens(&client_id).await;
    b.tokens(&client_id).await;
    let old = first["refresh_token"].as_str().expect("refresh token");
    assert_eq!(refresh(&b, &client_id, old).await.status(), StatusCode::OK);
    // The same refresh token again: reuse, the grant is revoked.
    assert_eq!(
        refresh(&b, &client_id, old).await.status(),
        StatusCode::BAD_REQUEST
    );

    let (_, s) = scrape(&b.app).await;
    let refusal = |step, reason| {
        value(
            &s,
            "opik_mcp_oauth_refusals_total",
            &[("step", step), ("reason", reason)],
        )
    };
    assert_eq!(value(&s, "opik_mcp_oauth_registrations_total", &[]), 1.0);
    let sign_ins = |consent| value(&s, "opik_mcp_oauth_sign_ins_total", &[("consent", consent)]);
    assert_eq!((sign_ins("asked"), sign_ins("remembered")), (1.0, 1.0));
    assert_eq!(value(&s, "opik_mcp_oauth_refreshes_total", &[]), 1.0);
    assert_eq!(refusal("register", "invalid_redirect_uri"), 1.0);
    assert_eq!(refusal("token", "token_reuse"), 1.0);
    assert_eq!(
        refusal("token", "invalid_grant"),
        0.0,
        "reuse is not a plain invalid_grant"
    );
}

#[tokio::test]
async fn a_refused_registration_is_an_audit_record_naming_why() {
    let b = spawn_broker().await;
    let resp = b
        .register(&json!({"redirect_uris": ["javascript:alert(1)"], "client_name": "x"}))
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "invalid_redirect_uri");
    let store = b.app.store.as_ref().expect("store");
    let query = AuditQuery {
        name: Some("oauth.register".into()),
        outcome: Some(Outcome::Denied),
        limit: 10,
        ..AuditQuery::default()
    };
    // The audit writer batches: wait for the record.
    for _ in 0..50 {
        let page = store.list_audit(&query).await.expect("audit");
        if let Some(r) = page.items.first() {
            let detail = r.detail.as_deref().unwrap_or_default();
            assert!(detail.contains("javascript:alert(1)"), "{detail}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no audit record of the refused registration");
}
