//! `/client/`: the embedded browser client, served only when `server.serve_client` is on.

use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app, spawn_app_with, test_settings};

#[tokio::test]
async fn the_client_is_not_served_unless_enabled() {
    let app = spawn_app().await;
    for path in ["/client/", "/client"] {
        let resp = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(resp.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn the_enabled_client_is_the_page_with_a_csp_that_admits_only_its_own_script_and_style() {
    let app = spawn_app_with(|s| s.server.serve_client = true).await;
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
    let app = spawn_app_with(|s| s.server.serve_client = true).await;
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
