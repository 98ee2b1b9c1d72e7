//! Client registration (RFC 7591): what is accepted, what is refused and why, the rate limit,
//! and confidential clients at the token endpoint.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{CLIENT_REDIRECT, Pkce, param, spawn_broker, spawn_broker_with};

#[tokio::test]
async fn registrations_with_bad_metadata_are_refused_with_the_reason() {
    let b = spawn_broker().await;
    for (body, error, says) in [
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}),
            "invalid_redirect_uri",
            "https",
        ),
        (
            json!({"redirect_uris": ["javascript:alert(1)"]}),
            "invalid_redirect_uri",
            "https",
        ),
        (
            json!({"redirect_uris": []}),
            "invalid_redirect_uri",
            "1 to 10",
        ),
        (json!({}), "invalid_redirect_uri", "1 to 10"),
        (
            json!({"redirect_uris": [CLIENT_REDIRECT], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
            "not supported",
        ),
        (
            json!({"redirect_uris": [CLIENT_REDIRECT], "grant_types": ["client_credentials"]}),
            "invalid_client_metadata",
            "client_credentials",
        ),
        (
            json!({"redirect_uris": [CLIENT_REDIRECT], "scope": "opik:read superuser"}),
            "invalid_client_metadata",
            "superuser",
        ),
        (
            json!(["not", "an", "object"]),
            "invalid_client_metadata",
            "invalid JSON",
        ),
    ] {
        let resp = b.register(&body).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
        let err: Value = resp.json().await.expect("json");
        assert_eq!(err["error"], error, "{body}");
        let text = err["error_description"].as_str().unwrap_or_default();
        assert!(text.contains(says), "{body}: {text}");
    }
}

#[tokio::test]
async fn registration_is_rate_limited_per_address() {
    let b = spawn_broker_with(|_, s| s.auth.broker.registrations_per_hour = 2).await;
    b.public_client().await;
    b.public_client().await;
    let resp = b
        .register(&json!({"redirect_uris": [CLIENT_REDIRECT]}))
        .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("hv")
        .parse()
        .expect("seconds");
    assert!(retry > 60, "about half an hour at 2 per hour: {retry}");
}

#[tokio::test]
async fn a_confidential_client_must_present_its_secret_at_the_token_endpoint() {
    let b = spawn_broker().await;
    let resp = b
        .register(&json!({"redirect_uris": [CLIENT_REDIRECT], "client_name": "Server app"}))
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let reg: Value = resp.json().await.expect("json");
    assert_eq!(reg["token_endpoint_auth_method"], "client_secret_basic");
    let client_id = reg["client_id"].as_str().expect("id").to_owned();
    let secret = reg["client_secret"].as_str().expect("secret").to_owned();
    let pkce = Pkce::new();
    let code = param(&b.sign_in(&client_id, &pkce).await, "code").expect("code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CLIENT_REDIRECT),
        ("code_verifier", pkce.verifier.as_str()),
        ("client_id", client_id.as_str()),
    ];
    let resp = b.token(&form).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("www-authenticate"));
    let resp = b
        .http
        .post(b.app.url("/token"))
        .basic_auth(&client_id, Some("wrong-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(super::encode(form.iter().copied()))
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = b
        .http
        .post(b.app.url("/token"))
        .basic_auth(&client_id, Some(&secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(super::encode(form.iter().copied()))
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), StatusCode::OK, "{:?}", resp.text().await);
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_grant() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let tokens = b.tokens(&client_id).await;
    let refresh = tokens["refresh_token"].as_str().expect("refresh");
    let resp = b
        .http
        .post(b.app.url("/revoke"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(super::encode([
            ("token", refresh),
            ("client_id", client_id.as_str()),
        ]))
        .send()
        .await
        .expect("revoke");
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = super::flow::refresh_with(&b, &client_id, refresh).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Unknown tokens are answered 200 too (RFC 7009 §2.2).
    let resp = b
        .http
        .post(b.app.url("/revoke"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(super::encode([
            ("token", "nonsense"),
            ("client_id", client_id.as_str()),
        ]))
        .send()
        .await
        .expect("revoke");
    assert_eq!(resp.status(), StatusCode::OK);
}
