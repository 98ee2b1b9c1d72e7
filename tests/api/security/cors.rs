//! CORS preflight and actual requests, from allowed and disallowed origins; Host checks.

use super::support::*;
use crate::helpers::initialize_request;

const ALLOWED: &str = "https://app.example";

async fn app() -> SecApp {
    spawn_secure(|s| {
        jwt_mode(s);
        s.cors.allowed_origins = vec![ALLOWED.into()];
    })
    .await
}

async fn preflight(app: &SecApp, origin: &str, headers: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/mcp"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", headers)
        .send()
        .await
        .expect("OPTIONS")
}

#[tokio::test]
async fn preflight_from_an_allowed_origin_lists_methods_and_headers() {
    let app = app().await;
    let resp = preflight(
        &app,
        ALLOWED,
        "authorization, content-type, mcp-session-id, mcp-protocol-version, last-event-id",
    )
    .await;
    assert_eq!(resp.status(), 204);
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], ALLOWED);
    let allow = h["access-control-allow-headers"]
        .to_str()
        .expect("ascii")
        .to_ascii_lowercase();
    for want in [
        "authorization",
        "mcp-session-id",
        "mcp-protocol-version",
        "last-event-id",
        "content-type",
    ] {
        assert!(allow.contains(want), "{want} in {allow}");
    }
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .expect("ascii")
            .contains("POST")
    );
    assert!(
        h.get("access-control-allow-credentials").is_none(),
        "no credentials by default"
    );
}

#[tokio::test]
async fn preflight_from_a_disallowed_origin_or_for_an_unknown_header_is_403() {
    let app = app().await;
    assert_eq!(
        preflight(&app, "https://evil.example", "authorization")
            .await
            .status(),
        403
    );
    assert_eq!(
        preflight(&app, ALLOWED, "x-custom-thing").await.status(),
        403
    );
}

#[tokio::test]
async fn actual_requests_expose_the_mcp_headers_even_on_401() {
    let app = app().await;
    let token = hs_token(&claims("alice", "opik:read"));
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("origin", ALLOWED)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(&token)
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], ALLOWED);
    let expose = resp.headers()["access-control-expose-headers"]
        .to_str()
        .expect("ascii")
        .to_ascii_lowercase();
    for want in ["mcp-session-id", "mcp-protocol-version", "www-authenticate"] {
        assert!(expose.contains(want), "{want} in {expose}");
    }
    // A browser must be able to read the challenge of a 401.
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("origin", ALLOWED)
        .header("content-type", "application/json")
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["access-control-allow-origin"], ALLOWED);
}

#[tokio::test]
async fn actual_request_from_a_disallowed_origin_is_403_without_cors_headers() {
    let app = app().await;
    let token = hs_token(&claims("alice", "opik:read"));
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .bearer_auth(&token)
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_foreign_host_header_is_403_on_a_loopback_bind() {
    let app = app().await;
    let token = hs_token(&claims("alice", "opik:read"));
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("host", "attacker.example")
        .header("content-type", "application/json")
        .bearer_auth(&token)
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 403);
}
