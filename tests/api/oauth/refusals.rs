//! Bad input gets a clear error and nothing is granted: each failure case of the sign-in.

use opik_mcp::store::Store;
use reqwest::StatusCode;
use serde_json::Value;

use super::{
    BrokerApp, CLIENT_REDIRECT, Pkce, consent_id, flow::refresh_with, location, param,
    spawn_broker, spawn_broker_with,
};

/// Expire every row of `table` (the test reaches past the API to age a credential).
async fn age(b: &BrokerApp, table: &str) {
    let sql = format!("UPDATE {table} SET expires_at = 1");
    match b.app.store.as_ref().expect("store") {
        Store::Sqlite(s) => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(s.pool())
                .await
                .expect("update");
        }
        Store::Postgres(_) => unreachable!("the API tests use SQLite"),
    }
}

fn with(params: &[(String, String)], key: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<_> = params.iter().filter(|(k, _)| k != key).cloned().collect();
    if let Some(v) = value {
        out.push((key.to_owned(), v.to_owned()));
    }
    out
}

async fn error_of(resp: reqwest::Response) -> (StatusCode, String) {
    let status = resp.status();
    let body: Value = resp.json().await.expect("json error");
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn an_unregistered_redirect_uri_or_unknown_client_gets_a_page_never_a_redirect() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let params = BrokerApp::authorize_params(&client_id, &Pkce::new());
    for bad in [
        with(&params, "redirect_uri", Some("https://evil.example/cb")),
        with(&params, "redirect_uri", Some("http://127.0.0.1:9/other")),
        with(&params, "client_id", Some("no-such-client")),
        with(&params, "client_id", None),
    ] {
        let resp = b.authorize(&bad).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert!(resp.headers().get("location").is_none(), "no redirect");
        let page = resp.text().await.expect("page");
        assert!(page.contains("Sign-in failed"), "{page}");
    }
}

#[tokio::test]
async fn pkce_resource_and_scope_errors_go_back_to_the_client() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let params = BrokerApp::authorize_params(&client_id, &Pkce::new());
    for (bad, error) in [
        (with(&params, "code_challenge", None), "invalid_request"),
        (
            with(&params, "code_challenge_method", Some("plain")),
            "invalid_request",
        ),
        (with(&params, "resource", None), "invalid_target"),
        (
            with(&params, "resource", Some("https://other.test/mcp")),
            "invalid_target",
        ),
        (
            with(&params, "scope", Some("opik:read root")),
            "invalid_scope",
        ),
        (
            with(&params, "response_type", Some("token")),
            "unsupported_response_type",
        ),
    ] {
        let resp = b.authorize(&bad).await;
        assert_eq!(resp.status(), StatusCode::FOUND);
        let back = url::Url::parse(&location(&resp)).expect("url");
        assert!(back.as_str().starts_with(CLIENT_REDIRECT));
        assert_eq!(param(&back, "error").as_deref(), Some(error));
        assert_eq!(param(&back, "state").as_deref(), Some("client-state-1"));
        assert!(param(&back, "code").is_none());
    }
}

#[tokio::test]
async fn a_missing_or_wrong_pkce_verifier_gets_invalid_grant() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let pkce = Pkce::new();
    let code = param(&b.sign_in(&client_id, &pkce).await, "code").expect("code");
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CLIENT_REDIRECT),
        ("client_id", client_id.as_str()),
    ];
    let (status, error) = error_of(b.token(&base).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    let wrong = Pkce::new();
    let mut form = base.to_vec();
    form.push(("code_verifier", &wrong.verifier));
    let (status, error) = error_of(b.token(&form).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_it_granted() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let pkce = Pkce::new();
    let code = param(&b.sign_in(&client_id, &pkce).await, "code").expect("code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CLIENT_REDIRECT),
        ("code_verifier", pkce.verifier.as_str()),
        ("client_id", client_id.as_str()),
    ];
    let first: Value = b.token(&form).await.json().await.expect("json");
    let (status, error) = error_of(b.token(&form).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    let refresh = refresh_with(&b, &client_id, first["refresh_token"].as_str().expect("r")).await;
    assert_eq!(
        error_of(refresh).await.1,
        "invalid_grant",
        "the grant went with the code"
    );
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let pkce = Pkce::new();
    let code = param(&b.sign_in(&client_id, &pkce).await, "code").expect("code");
    age(&b, "oauth_codes").await;
    let resp = b
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CLIENT_REDIRECT),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client_id),
        ])
        .await;
    let status = resp.status();
    let body: Value = resp.json().await.expect("json");
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "the code has expired");
}

#[tokio::test]
async fn a_refresh_token_reused_after_the_grace_period_revokes_the_whole_grant() {
    // A grace period of 0: any second use is a reuse (the window itself: rotation.rs).
    let b = spawn_broker_with(|_, s| s.auth.broker.refresh_reuse_grace_secs = 0).await;
    let client_id = b.public_client().await;
    let tokens = b.tokens(&client_id).await;
    let old = tokens["refresh_token"].as_str().expect("refresh");
    let next: Value = refresh_with(&b, &client_id, old)
        .await
        .json()
        .await
        .expect("json");
    // The old token again (a thief, or a replay): refused, and the grant is gone…
    let (status, error) = error_of(refresh_with(&b, &client_id, old).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    // …so the legitimate newer token no longer works either.
    let newest = next["refresh_token"].as_str().expect("refresh");
    assert_eq!(
        error_of(refresh_with(&b, &client_id, newest).await).await.1,
        "invalid_grant"
    );
    let audit = b.app.store.as_ref().expect("store");
    let mut found = false;
    for _ in 0..50 {
        let page = audit
            .list_audit(&opik_mcp::store::AuditQuery {
                name: Some("oauth.revoke".into()),
                ..Default::default()
            })
            .await
            .expect("audit");
        found = page.items.iter().any(|r| {
            r.detail
                .as_deref()
                .is_some_and(|d| d.contains("refresh token used twice"))
        });
        if found {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the revocation is in the audit trail");
}

#[tokio::test]
async fn the_upstream_providers_own_tokens_are_refused_at_mcp() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let ours = b.tokens(&client_id).await;
    assert_eq!(
        b.mcp_with(ours["access_token"].as_str().expect("t"))
            .await
            .status(),
        StatusCode::OK
    );
    let (id_token, access_token) = b.idp.last_tokens();
    for upstream in [id_token, access_token] {
        let resp = b.mcp_with(&upstream).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "no token passthrough"
        );
        let challenge = resp.headers()["www-authenticate"]
            .to_str()
            .expect("hv")
            .to_owned();
        assert!(challenge.contains("invalid_token"), "{challenge}");
    }
}

#[tokio::test]
async fn a_token_request_naming_another_resource_is_refused() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let pkce = Pkce::new();
    let code = param(&b.sign_in(&client_id, &pkce).await, "code").expect("code");
    let (status, error) = error_of(
        b.token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client_id),
            ("resource", "https://other.test/mcp"),
        ])
        .await,
    )
    .await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_target")
    );
}

#[tokio::test]
async fn users_outside_the_allowed_domain_or_groups_get_access_denied() {
    let b = spawn_broker_with(|_, s| {
        s.auth.broker.allowed_domains = vec!["example.com".into()];
        s.auth.broker.allowed_groups = vec!["staff".into()];
    })
    .await;
    let client_id = b.public_client().await;
    for (email, groups) in [
        ("mallory@elsewhere.com", vec!["staff"]),
        ("bob@example.com", vec![]),
    ] {
        b.idp.set(|u| {
            u.email = Some(email.into());
            u.groups = groups.iter().map(|g| (*g).to_owned()).collect();
        });
        let started = b
            .start(&BrokerApp::authorize_params(&client_id, &Pkce::new()))
            .await;
        let back = b.upstream_login(&started).await;
        let resp = b.callback(&back, &started.cookie).await;
        assert_eq!(resp.status(), StatusCode::FOUND, "{email}");
        let to_client = url::Url::parse(&location(&resp)).expect("url");
        assert_eq!(param(&to_client, "error").as_deref(), Some("access_denied"));
        assert!(param(&to_client, "code").is_none());
    }
}

#[tokio::test]
async fn a_tampered_state_or_another_browser_gets_a_page_and_no_code() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let started = b
        .start(&BrokerApp::authorize_params(&client_id, &Pkce::new()))
        .await;
    let back = b.upstream_login(&started).await;
    let mut url = url::Url::parse(&back).expect("url");
    let state = param(&url, "state").expect("state");
    let code = param(&url, "code").expect("code");
    url.query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", &format!("{state}x"));
    let resp = b.callback(url.as_str(), &started.cookie).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
    // The genuine state from a browser without the sign-in cookie.
    let resp = b.callback(&back, "opik-mcp-signin=someone-else").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.text().await.expect("page").contains("another browser"));
    // The sign-in was consumed by that attempt: replaying it finds nothing.
    let resp = b.callback(&back, &started.cookie).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn denying_consent_or_upstream_sends_access_denied() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let started = b
        .start(&BrokerApp::authorize_params(&client_id, &Pkce::new()))
        .await;
    let back = b.upstream_login(&started).await;
    let page = b
        .callback(&back, &started.cookie)
        .await
        .text()
        .await
        .expect("page");
    let id = consent_id(&page);
    let resp = b.consent(&id, &started.cookie, "deny").await;
    let to_client = url::Url::parse(&location(&resp)).expect("url");
    assert_eq!(param(&to_client, "error").as_deref(), Some("access_denied"));
    let again = b.consent(&id, &started.cookie, "allow").await;
    assert_eq!(
        again.status(),
        StatusCode::BAD_REQUEST,
        "a consent is answered once"
    );

    b.idp.set(|u| u.deny = true);
    let started = b
        .start(&BrokerApp::authorize_params(&client_id, &Pkce::new()))
        .await;
    let back = b.upstream_login(&started).await;
    let resp = b.callback(&back, &started.cookie).await;
    let to_client = url::Url::parse(&location(&resp)).expect("url");
    assert_eq!(param(&to_client, "error").as_deref(), Some("access_denied"));
}
