//! What a strict OAuth client reads before it signs in: the `WWW-Authenticate` challenge, the
//! protected-resource metadata it points at, RFC 8707 audience binding, and, on a server that
//! takes API keys only, an answer that ends the client's discovery with the real reason.

use serde_json::{Value, json};

use super::support::*;
use crate::helpers::initialize_request;

/// The path part of a URL on the test resource's host (`https://mcp.test/…`).
fn path_of(url: &str) -> String {
    url.strip_prefix("https://mcp.test")
        .unwrap_or_else(|| panic!("{url} is not on the resource's host"))
        .to_owned()
}

/// The value of `name="…"` in a challenge.
fn param(challenge: &str, name: &str) -> Option<String> {
    let start = challenge.find(&format!("{name}=\""))? + name.len() + 2;
    let len = challenge[start..].find('"')?;
    Some(challenge[start..start + len].to_owned())
}

#[tokio::test]
async fn the_challenge_points_at_metadata_that_names_this_resource_and_its_issuer() {
    let app = spawn_secure(jwt_mode).await;
    let resp = post_as(&app, None, &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401);
    let c = challenge(&resp);
    assert!(c.starts_with("Bearer "), "{c}");
    assert_eq!(
        param(&c, "error"),
        None,
        "no error code without credentials"
    );
    assert_eq!(param(&c, "scope").as_deref(), Some("opik:read"));
    let url = param(&c, "resource_metadata").expect("resource_metadata");
    // The client follows the URL exactly as given.
    let doc: Value = app
        .client
        .get(app.url(&path_of(&url)))
        .send()
        .await
        .expect("GET metadata")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["resource"], RESOURCE, "exactly auth.resource");
    assert_eq!(
        doc["authorization_servers"],
        json!([ISSUER]),
        "defaults to the issuer"
    );
    assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
    let scopes = doc["scopes_supported"]
        .as_array()
        .expect("scopes_supported");
    assert!(scopes.contains(&json!("opik:read")), "{scopes:?}");
}

#[tokio::test]
async fn a_refused_token_gets_invalid_token_with_the_same_pointers() {
    let app = spawn_secure(jwt_mode).await;
    let mut c = claims("alice", "opik:read");
    c["exp"] = json!(now() - 600);
    let resp = post_as(&app, Some(&hs_token(&c)), &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401);
    let c = challenge(&resp);
    assert_eq!(param(&c, "error").as_deref(), Some("invalid_token"));
    assert_eq!(
        param(&c, "error_description").as_deref(),
        Some("token expired")
    );
    assert!(param(&c, "resource_metadata").is_some(), "{c}");
    assert_eq!(param(&c, "scope").as_deref(), Some("opik:read"));
}

#[tokio::test]
async fn the_challenge_asks_for_the_configured_scopes_which_the_metadata_lists() {
    let app = spawn_secure(|s| {
        jwt_mode(s);
        s.auth.scopes.challenge = vec!["opik:read".into(), "opik:write".into()];
    })
    .await;
    let resp = post_as(&app, None, &initialize_request(1), None).await;
    let c = challenge(&resp);
    assert_eq!(param(&c, "scope").as_deref(), Some("opik:read opik:write"));
    let doc: Value = app
        .client
        .get(app.url("/.well-known/oauth-protected-resource/mcp"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let scopes = doc["scopes_supported"].as_array().expect("scopes");
    for s in ["opik:read", "opik:write"] {
        assert!(scopes.contains(&json!(s)), "{s} in {scopes:?}");
    }
    // A token with only the required scope still passes: the challenge is what to ask for.
    let token = hs_token(&claims("bob", "opik:read"));
    assert_eq!(
        post_as(&app, Some(&token), &initialize_request(1), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn challenge_scopes_without_the_required_ones_fail_start_up_naming_the_key() {
    let mut settings = crate::helpers::test_settings();
    jwt_mode(&mut settings);
    settings.auth.scopes.challenge = vec!["opik:write".into()];
    let err = settings.validate().expect_err("refused").to_string();
    assert!(err.contains("auth.scopes.challenge"), "{err}");
    assert!(err.contains("opik:read"), "{err}");
}
