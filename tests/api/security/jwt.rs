//! JWT authentication: valid tokens of each family, and every refusal with its challenge.

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use opik_mcp::config::PemKeySettings;
use serde_json::{Value, json};

use super::support::*;
use crate::helpers::initialize_request;

async fn refused(app: &SecApp, token: &str) -> String {
    let resp = post_as(app, Some(token), &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401, "token must be refused");
    let c = challenge(&resp);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["jsonrpc"], "2.0", "MCP routes answer JSON-RPC errors");
    c
}

fn assert_invalid(challenge: &str, description: &str) {
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    assert!(
        challenge.contains(&format!(r#"error_description="{description}""#)),
        "{challenge}"
    );
    assert!(
        challenge.contains(
            r#"resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp""#
        ),
        "{challenge}"
    );
    assert!(challenge.contains(r#"scope="opik:read""#), "{challenge}");
}

fn with_public_key(s: &mut opik_mcp::config::Settings, dir: &tempfile::TempDir, key: &TestKey) {
    let path = dir.path().join(format!("{:?}.pem", key.alg));
    std::fs::write(&path, &key.public_pem).expect("write pem");
    s.auth
        .jwt
        .public_keys
        .push(PemKeySettings { path, kid: None });
}

#[tokio::test]
async fn without_a_token_the_challenge_points_at_the_resource_metadata() {
    let app = spawn_secure(jwt_mode).await;
    let resp = post_as(&app, None, &initialize_request(1), None).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        challenge(&resp),
        r#"Bearer resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp", scope="opik:read""#
    );
    let sse = app
        .client
        .get(app.url("/sse"))
        .send()
        .await
        .expect("GET /sse");
    assert_eq!(sse.status(), 401, "legacy SSE is authenticated too");
    assert_eq!(app.events.of("authentication_failed").len(), 2);
}

#[tokio::test]
async fn a_valid_hs256_token_opens_a_session_and_is_checked_on_every_request() {
    let app = spawn_secure(jwt_mode).await;
    let token = hs_token(&claims("alice", "opik:read"));
    let sid = initialize_as(&app, &token).await;
    let list = rpc_as(&app, &token, &sid, 2, "tools/list", json!({})).await;
    assert!(tool_names(&list).contains(&"get-server-info".to_string()));
    // The session is not a credential: the same session without the token is refused.
    let ping = json!({"jsonrpc": "2.0", "id": 3, "method": "ping"});
    assert_eq!(post_as(&app, None, &ping, Some(&sid)).await.status(), 401);
    let ok = app.events.of("authenticated");
    assert!(ok.len() >= 3);
    assert_eq!(ok[0].principal.as_deref(), Some("jwt:alice"));
    let tag = ok[0].credential.clone().expect("credential tag");
    assert_eq!(tag.len(), 12, "only a short hash of the token is recorded");
    assert!(!token.contains(&tag));
}

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_verify_against_pem_public_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ec, ed) = (ec_key(), ed_key());
    let app = spawn_secure(|s| {
        jwt_mode(s);
        s.auth.jwt.hs_secret = None;
        with_public_key(s, &dir, rsa_key());
        with_public_key(s, &dir, &ec);
        with_public_key(s, &dir, &ed);
    })
    .await;
    for key in [rsa_key(), &ec, &ed] {
        let token = sign(key.alg, &key.encoding, &claims("bob", "opik:read"), None);
        let resp = post_as(&app, Some(&token), &initialize_request(1), None).await;
        assert_eq!(resp.status(), 200, "{:?} token", key.alg);
    }
}

#[tokio::test]
async fn expired_not_yet_valid_wrong_audience_and_wrong_issuer_are_each_401() {
    let app = spawn_secure(|s| {
        jwt_mode(s);
        s.auth.jwt.leeway_secs = 5;
    })
    .await;
    let cases: [(&str, Value, &str); 5] = [
        ("exp", json!(now() - 60), "token expired"),
        ("nbf", json!(now() + 600), "token not yet valid"),
        (
            "aud",
            json!("https://other.test/mcp"),
            "token audience is not this server",
        ),
        (
            "iss",
            json!("https://evil.test"),
            "token issuer not accepted",
        ),
        ("sub", Value::Null, "missing or malformed claim"),
    ];
    for (claim, value, description) in cases {
        let mut c = claims("carol", "opik:read");
        match value {
            Value::Null => {
                c.as_object_mut().expect("object").remove(claim);
            }
            v => c[claim] = v,
        }
        let got = refused(&app, &hs_token(&c)).await;
        assert_invalid(&got, description);
    }
}

#[tokio::test]
async fn expiry_within_the_leeway_is_accepted() {
    let app = spawn_secure(|s| {
        jwt_mode(s);
        s.auth.jwt.leeway_secs = 120;
    })
    .await;
    let mut c = claims("dave", "opik:read");
    c["exp"] = json!(now() - 30);
    let resp = post_as(&app, Some(&hs_token(&c)), &initialize_request(1), None).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn alg_none_bad_signature_malformed_header_and_unknown_kid_are_each_401() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ec = ec_key();
    let app = spawn_secure(|s| {
        jwt_mode(s);
        let path = dir.path().join("ec.pem");
        std::fs::write(&path, &ec.public_pem).expect("write");
        s.auth.jwt.public_keys.push(PemKeySettings {
            path,
            kid: Some("k1".into()),
        });
    })
    .await;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let body = b64(&claims("eve", "opik:read"));
    // alg: none, unsigned.
    let none = format!("{}.{body}.", b64(&json!({"alg": "none", "typ": "JWT"})));
    assert_invalid(&refused(&app, &none).await, "malformed token");
    // A header that is not JSON.
    let garbage = format!(
        "{}.{body}.c2ln",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("{not json")
    );
    assert_invalid(&refused(&app, &garbage).await, "malformed token");
    // Right shape, wrong secret.
    let other = EncodingKey::from_secret(b"another-secret-another-secret-123456");
    let forged = sign(Algorithm::HS256, &other, &claims("eve", "opik:read"), None);
    assert_invalid(&refused(&app, &forged).await, "invalid signature");
    // A tampered payload keeps the old signature.
    let good = hs_token(&claims("eve", "opik:read"));
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(&claims("root", "opik:admin")),
        parts[2]
    );
    assert_invalid(&refused(&app, &tampered).await, "invalid signature");
    // Signed by a key we do not know, under an unknown kid.
    let stranger = ec_key();
    let unknown = sign(
        Algorithm::ES256,
        &stranger.encoding,
        &claims("eve", "opik:read"),
        Some("k2"),
    );
    assert_invalid(&refused(&app, &unknown).await, "unknown signing key");
    // The known kid, wrong key.
    let wrong = sign(
        Algorithm::ES256,
        &stranger.encoding,
        &claims("eve", "opik:read"),
        Some("k1"),
    );
    assert_invalid(&refused(&app, &wrong).await, "invalid signature");
    // And the real key works.
    let real = sign(
        Algorithm::ES256,
        &ec.encoding,
        &claims("eve", "opik:read"),
        Some("k1"),
    );
    assert_eq!(
        post_as(&app, Some(&real), &initialize_request(1), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_token_with_critical_header_extensions_is_401() {
    // Arrange: a correctly signed token whose header lists `crit` extensions we do not know.
    let app = spawn_secure(jwt_mode).await;
    let key = EncodingKey::from_secret(HS_SECRET.as_bytes());
    for crit in [
        vec!["urn:example:unknown".to_owned()],
        vec!["exp".to_owned()],
    ] {
        let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
        header.crit = Some(crit);
        let token = jsonwebtoken::encode(&header, &claims("eve", "opik:read"), &key).expect("sign");
        // Act + Assert
        assert_invalid(&refused(&app, &token).await, "unsupported critical header");
    }
    // The same claims without `crit` are accepted.
    let plain = hs_token(&claims("eve", "opik:read"));
    let ok = post_as(&app, Some(&plain), &initialize_request(1), None).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_refused_key_confusion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_secure(|s| {
        jwt_mode(s);
        s.auth.jwt.hs_secret = None;
        with_public_key(s, &dir, rsa_key());
    })
    .await;
    let confused = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(rsa_key().public_pem.as_bytes()),
        &claims("mallory", "opik:read"),
        None,
    );
    assert_invalid(&refused(&app, &confused).await, "algorithm not allowed");
    let ok = sign(
        Algorithm::RS256,
        &rsa_key().encoding,
        &claims("mallory", "opik:read"),
        None,
    );
    assert_eq!(
        post_as(&app, Some(&ok), &initialize_request(1), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_token_in_the_query_string_is_refused_even_with_a_header() {
    let app = spawn_secure(jwt_mode).await;
    let token = hs_token(&claims("alice", "opik:read"));
    let resp = app
        .client
        .post(app.url(&format!("/mcp?access_token={token}")))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(&token)
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 401);
    let c = challenge(&resp);
    assert!(c.contains(r#"error="invalid_request""#), "{c}");
    let resp = app
        .client
        .get(app.url(&format!("/sse?access_token={token}")))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn a_token_without_the_required_scope_gets_403_insufficient_scope() {
    let app = spawn_secure(jwt_mode).await;
    let token = hs_token(&claims("frank", "profile email"));
    let resp = post_as(&app, Some(&token), &initialize_request(1), None).await;
    assert_eq!(resp.status(), 403);
    let c = challenge(&resp);
    assert!(c.contains(r#"error="insufficient_scope""#), "{c}");
    assert!(c.contains(r#"scope="opik:read""#), "{c}");
    assert!(c.contains("resource_metadata="), "{c}");
    assert_eq!(app.events.of("forbidden").len(), 1);
}

#[tokio::test]
async fn protected_resource_metadata_is_served_at_both_well_known_paths() {
    let app = spawn_secure(|s| {
        jwt_mode(s);
        s.auth.authorization_servers = vec!["https://as.test".into()];
    })
    .await;
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let resp = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(resp.status(), 200, "{path}");
        let doc: Value = resp.json().await.expect("json");
        assert_eq!(doc["resource"], RESOURCE);
        assert_eq!(doc["authorization_servers"], json!(["https://as.test"]));
        assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
        let scopes = doc["scopes_supported"].as_array().expect("scopes");
        for s in ["opik:read", "opik:write", "opik:admin"] {
            assert!(scopes.contains(&json!(s)), "{s}");
        }
    }
}

#[tokio::test]
async fn without_jwt_there_is_no_resource_metadata_only_a_challenge() {
    let app = spawn_secure(api_key_mode).await;
    let resp = app
        .client
        .get(app.url("/.well-known/oauth-protected-resource"))
        .send()
        .await
        .expect("GET");
    // Without JWT there is no authorization server to point at: the document does not exist.
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
}
