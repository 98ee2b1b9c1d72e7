//! Two replicas on one PostgreSQL database: any replica serves any step of a sign-in, and
//! both sign and verify with the one key the first of them generated.

use reqwest::StatusCode;
use serde_json::Value;

use super::{
    BrokerApp, CLIENT_REDIRECT, FakeIdp, ORIGIN, Pkce, broker_settings, consent_id, location, param,
};
use crate::{cluster::TempDb, helpers::spawn_app_with};

#[tokio::test]
async fn each_step_of_a_sign_in_can_land_on_another_replica() {
    let db = TempDb::create().await;
    let idp = FakeIdp::start(&format!("{ORIGIN}/oauth/callback")).await;
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let app = spawn_app_with(|s| {
            broker_settings(s, &idp);
            s.database.url = db.url.clone().into();
            // Any second use is a reuse (the grace period is rotation.rs's subject).
            s.auth.broker.refresh_reuse_grace_secs = 0;
        })
        .await;
        replicas.push(BrokerApp::new(app, idp.clone()));
    }
    let (a, b) = (&replicas[0], &replicas[1]);
    let client_id = a.public_client().await;
    let pkce = Pkce::new();
    let started = a
        .start(&BrokerApp::authorize_params(&client_id, &pkce))
        .await;
    let back_on_a = a.upstream_login(&started).await;
    let back_on_b = back_on_a.replace(&a.app.base, &b.app.base);
    let page = b.callback(&back_on_b, &started.cookie).await;
    assert_eq!(page.status(), StatusCode::OK);
    let id = consent_id(&page.text().await.expect("page"));
    let resp = a.consent(&id, &started.cookie, "allow").await;
    let code = param(&url::Url::parse(&location(&resp)).expect("url"), "code").expect("code");
    let resp = b
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CLIENT_REDIRECT),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client_id),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.expect("json");
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(
        a.mcp_with(access).await.status(),
        StatusCode::OK,
        "B's token works on A"
    );
    let refresh = tokens["refresh_token"].as_str().expect("refresh");
    let resp = super::flow::refresh_with(a, &client_id, refresh).await;
    assert_eq!(resp.status(), StatusCode::OK);
    // The spent token presented to the other replica is still a reuse.
    let resp = super::flow::refresh_with(b, &client_id, refresh).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}
