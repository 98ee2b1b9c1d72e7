//! The whole sign-in as an MCP client does it: discovery → registration → authorize →
//! upstream login → callback → consent → code → token → MCP call → refresh with rotation.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{
    BrokerApp, CLIENT_REDIRECT, ORIGIN, Pkce, RESOURCE, consent_id, location, param, spawn_broker,
};

#[tokio::test]
async fn an_mcp_client_signs_in_through_the_broker_and_refreshes_with_rotation() {
    let b = spawn_broker().await;
    // 401 → protected-resource metadata → authorization-server metadata.
    let resp = b.mcp_with("not-a-token").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let prm: Value = b
        .http
        .get(b.app.url("/.well-known/oauth-protected-resource/mcp"))
        .send()
        .await
        .expect("prm")
        .json()
        .await
        .expect("json");
    assert_eq!(prm["authorization_servers"], serde_json::json!([ORIGIN]));
    let meta: Value = b
        .http
        .get(b.app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .expect("as metadata")
        .json()
        .await
        .expect("json");
    assert_eq!(meta["issuer"], ORIGIN);
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(meta["client_id_metadata_document_supported"], true);
    assert!(
        meta["scopes_supported"]
            .as_array()
            .expect("scopes")
            .contains(&"opik:read".into())
    );
    let register = meta["registration_endpoint"]
        .as_str()
        .expect("registration");
    assert_eq!(register, format!("{ORIGIN}/register"));

    // Registration, then the browser's part.
    let client_id = b.public_client().await;
    let pkce = Pkce::new();
    let started = b
        .start(&BrokerApp::authorize_params(&client_id, &pkce))
        .await;
    let upstream = url::Url::parse(&started.upstream).expect("url");
    assert!(
        param(&upstream, "code_challenge").is_some(),
        "PKCE towards the provider too"
    );
    assert_eq!(
        param(&upstream, "resource"),
        None,
        "the client's resource is not forwarded"
    );
    let back = b.upstream_login(&started).await;
    let page = b.callback(&back, &started.cookie).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let page = page.text().await.expect("page");
    assert!(
        page.contains("Test MCP client"),
        "the consent page names the client"
    );
    assert!(page.contains("alice@example.com"), "and the user");
    assert!(
        page.contains("http://127.0.0.1"),
        "and where the browser goes"
    );
    let resp = b
        .consent(&consent_id(&page), &started.cookie, "allow")
        .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let to_client = url::Url::parse(&location(&resp)).expect("url");
    assert!(to_client.as_str().starts_with(CLIENT_REDIRECT));
    assert_eq!(
        param(&to_client, "state").as_deref(),
        Some("client-state-1")
    );
    assert_eq!(param(&to_client, "iss").as_deref(), Some(ORIGIN));
    let code = param(&to_client, "code").expect("code");

    // Code → tokens.
    let resp = b
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CLIENT_REDIRECT),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client_id),
            ("resource", RESOURCE),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let tokens: Value = resp.json().await.expect("json");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "opik:read opik:write");
    let access = tokens["access_token"].as_str().expect("access");
    let claims = claims(access);
    assert_eq!(claims["aud"], RESOURCE);
    assert_eq!(claims["iss"], ORIGIN);
    assert_eq!(claims["sub"], "user-1");
    assert_eq!(claims["client_id"], client_id.as_str());

    // The token works at /mcp.
    let resp = b.mcp_with(access).await;
    assert_eq!(resp.status(), StatusCode::OK);

    // Refresh: a new pair; the old refresh token is spent.
    let refresh = tokens["refresh_token"].as_str().expect("refresh");
    let next = refresh_with(&b, &client_id, refresh).await;
    assert_eq!(next.status(), StatusCode::OK);
    let next: Value = next.json().await.expect("json");
    let new_access = next["access_token"].as_str().expect("access");
    assert_ne!(next["refresh_token"], tokens["refresh_token"], "rotated");
    assert_eq!(b.mcp_with(new_access).await.status(), StatusCode::OK);
    let second = refresh_with(&b, &client_id, next["refresh_token"].as_str().expect("r")).await;
    assert_eq!(
        second.status(),
        StatusCode::OK,
        "the rotated token works once"
    );
}

/// POST a refresh.
pub async fn refresh_with(b: &BrokerApp, client_id: &str, refresh: &str) -> reqwest::Response {
    b.token(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", client_id),
    ])
    .await
}

/// The payload of a JWT (not verified: the server did that).
pub fn claims(jwt: &str) -> Value {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json")
}

#[tokio::test]
async fn the_jwks_publishes_the_key_our_tokens_are_signed_with() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let tokens = b.tokens(&client_id).await;
    let jwks: Value = b
        .http
        .get(b.app.url("/.well-known/jwks.json"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["alg"], "ES256");
    assert!(key.get("d").is_none(), "no private part");
    let header =
        jsonwebtoken::decode_header(tokens["access_token"].as_str().expect("t")).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.clone()).expect("jwk");
    let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).expect("key");
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.set_audience(&[RESOURCE]);
    v.set_issuer(&[ORIGIN]);
    jsonwebtoken::decode::<Value>(tokens["access_token"].as_str().expect("t"), &decoding, &v)
        .expect("verifies with the published key");
}

#[tokio::test]
async fn a_second_sign_in_skips_consent_and_the_admin_api_lists_and_revokes_grants() {
    let b = spawn_broker().await;
    let client_id = b.public_client().await;
    let first = b.tokens(&client_id).await;
    // Same user, same client, same scopes: straight back to the client.
    let pkce = Pkce::new();
    let started = b
        .start(&BrokerApp::authorize_params(&client_id, &pkce))
        .await;
    let back = b.upstream_login(&started).await;
    let resp = b.callback(&back, &started.cookie).await;
    assert_eq!(
        resp.status(),
        StatusCode::FOUND,
        "no consent page the second time"
    );

    let list: Value = b
        .admin(
            Method::GET,
            &format!("/admin/oauth/grants?client_id={client_id}"),
        )
        .await
        .json()
        .await
        .expect("json");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["email"], "alice@example.com");
    assert_eq!(items[0]["active"], true);
    let unauth = b
        .http
        .get(b.app.admin_url("/admin/oauth/grants"))
        .send()
        .await
        .expect("admin");
    assert_eq!(unauth.status(), StatusCode::UNAUTHORIZED);

    // Revoke the first grant: its refresh token stops working.
    // Newest first: the first sign-in's grant is the second item.
    let id = items[1]["id"].as_str().expect("id");
    let resp = b
        .admin(Method::DELETE, &format!("/admin/oauth/grants/{id}"))
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let again = b
        .admin(Method::DELETE, &format!("/admin/oauth/grants/{id}"))
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let refresh = refresh_with(&b, &client_id, first["refresh_token"].as_str().expect("r")).await;
    assert_eq!(refresh.status(), StatusCode::BAD_REQUEST);
    let body: Value = refresh.json().await.expect("json");
    assert_eq!(body["error"], "invalid_grant");
}
