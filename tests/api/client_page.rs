//! `/client/`: the embedded browser client, served when `server.serve_client` is on, which
//! is the default on a loopback bind.

use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app, spawn_app_with, test_settings};

#[tokio::test]
async fn the_client_is_served_by_default_on_loopback_and_not_when_turned_off() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/client/"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200, "on by default on a loopback bind");
    let app = spawn_app_with(|s| s.server.serve_client = Some(false)).await;
    for path in ["/client/", "/client"] {
        let resp = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(resp.status(), 404, "{path}");
    }
}

#[test]
fn off_loopback_the_client_is_only_served_when_asked_for() {
    let mut s = test_settings();
    s.server.host = "0.0.0.0".into();
    assert!(!s.server.serves_client());
    s.server.serve_client = Some(true);
    assert!(s.server.serves_client());
}

#[tokio::test]
async fn the_enabled_client_is_the_page_with_a_csp_that_admits_only_its_own_script_and_style() {
    let app = spawn_app_with(|s| s.server.serve_client = Some(true)).await;
    let resp = app
        .client
        .get(app.url("/client/"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let csp = header("content-security-policy");
    let body = resp.text().await.expect("body");
    assert!(body.contains("<title>opik-mcp client</title>"));
    assert_eq!(body, include_str!("../../client/index.html"));

    for tag in ["script", "style"] {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        let start = body.find(&open).expect("inline block") + open.len();
        let end = start + body[start..].find(&close).expect("closed");
        let hash = STANDARD.encode(Sha256::digest(&body[start..end]));
        assert!(
            csp.contains(&format!("{tag}-src 'sha256-{hash}'")),
            "{tag} hash {hash} not in CSP {csp}"
        );
    }
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn client_without_slash_redirects_to_the_page() {
    let app = spawn_app_with(|s| s.server.serve_client = Some(true)).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = client.get(app.url("/client")).send().await.expect("GET");
    assert_eq!(resp.status(), 308);
    assert_eq!(resp.headers()["location"], "/client/");
}

#[test]
fn the_mcp_path_cannot_shadow_the_client() {
    let mut s = test_settings();
    s.server.mcp_path = "/client".into();
    let err = s.validate().expect_err("taken path").to_string();
    assert!(err.contains("server.mcp_path"), "{err}");
}
