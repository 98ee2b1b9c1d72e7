//! What Opik (or its URL) carries must not leak: credentials inside `opik.api_url`, an
//! upstream error body that echoes the key, and redirects to another host.

use serde_json::{Value, json};

use crate::{
    fake_opik::{FakeOpik, Fault, KEY},
    opik_support::harness_with,
};

/// The password placed in the API URL's user-info.
const URL_PASSWORD: &str = "url-pass-5f3a9";

fn with_userinfo(url: &str) -> String {
    url.replacen("http://", &format!("http://opik-user:{URL_PASSWORD}@"), 1)
}

#[tokio::test]
async fn credentials_in_the_api_url_never_reach_tools_resources_or_errors() {
    // Arrange: the fake's URL with user-info; a second app whose Opik refuses connections.
    let h = harness_with(|s| s.opik.api_url = with_userinfo(&s.opik.api_url)).await;
    // Act
    let info = h.call_ok("get-server-info", json!({})).await.to_string();
    let resource = h.read("opik://workspace-info").await.to_string();
    let dead = harness_with(|s| {
        s.opik.api_url = format!("http://opik-user:{URL_PASSWORD}@127.0.0.1:1/api");
        s.opik.retries = 0;
    })
    .await;
    let refused = dead.call_err("list-projects", json!({})).await;
    // Assert: masked everywhere, and the real calls still went out with the key.
    for text in [&info, &resource, &refused] {
        assert!(!text.contains(URL_PASSWORD), "leaked: {text}");
    }
    assert!(info.contains("http://[REDACTED]@127.0.0.1"), "{info}");
    assert!(
        refused.contains("cannot reach Opik at http://[REDACTED]@"),
        "{refused}"
    );
    h.call_ok("list-projects", json!({})).await;
    assert_eq!(
        h.fake
            .last("GET", "/v1/private/projects")
            .header("authorization"),
        Some(KEY)
    );
}

#[tokio::test]
async fn an_upstream_error_that_echoes_the_key_is_scrubbed_and_capped() {
    // Arrange: Opik answers 400 quoting the key, a JWT, a CRLF and 20 kB of text.
    let h = harness_with(|_| {}).await;
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
    let message = format!(
        "invalid key {KEY} (token {jwt})\r\nX-Injected: yes {}",
        "y".repeat(20_000)
    );
    h.fake.fail(
        Some("GET"),
        "/v1/private/projects",
        Fault::Status(400, json!({"code": 400, "message": message})),
        Some(1),
    );
    // Act
    let text = h.call_err("list-projects", json!({})).await;
    // Assert
    assert!(!text.contains(KEY), "{text}");
    assert!(!text.contains(jwt), "{text}");
    assert!(
        text.contains("invalid key [REDACTED] (token [REDACTED])"),
        "{text}"
    );
    assert!(!text.contains('\r') && !text.contains('\n'), "{text}");
    assert!(
        text.chars().count() < 1_000,
        "{} chars",
        text.chars().count()
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_but_one_within_opik_is() {
    // Arrange: a second server that must never see the request.
    let h = harness_with(|s| s.opik.retries = 0).await;
    let elsewhere = FakeOpik::start().await;
    let target = format!("{}/v1/private/projects", elsewhere.api_url());
    h.fake.fail(
        Some("GET"),
        "/v1/private/projects",
        Fault::Redirect(target.clone()),
        Some(1),
    );
    // Act
    let text = h.call_err("list-projects", json!({})).await;
    // Assert: refused, naming only the origin; nothing reached the other host.
    assert!(
        text.contains("redirected the request to another host"),
        "{text}"
    );
    assert!(
        text.contains(&format!("http://{}", elsewhere.addr)),
        "{text}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
    // A redirect within the same origin is followed.
    let same = format!("{}/v1/private/projects?page=1&size=10", h.fake.api_url());
    h.fake.fail(
        Some("GET"),
        "/v1/private/projects",
        Fault::Redirect(same),
        Some(1),
    );
    let ok: Value = h.call_ok("list-projects", json!({})).await;
    assert!(ok["items"].is_array(), "{ok}");
}
