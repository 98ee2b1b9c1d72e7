//! The admin API of the audit trail: token, filters, cursor pagination, sessions, ending a
//! session, and its OpenAPI document.

use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const TOKEN: &str = "admin-test-token-0123456789";

async fn admin_app() -> TestApp {
    spawn_app_with(|s| s.audit.admin_token = Some(TOKEN.into())).await
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}{path}", app.admin));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("GET admin")
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let resp = get(app, path, Some(TOKEN)).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.expect("json")
}

/// Poll an audit listing until it has `n` items (records reach the database in batches).
async fn wait_for_items(app: &TestApp, path: &str, n: usize) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let body = get_json(app, path).await;
        let len = body["items"].as_array().map_or(0, Vec::len);
        if len >= n {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path}: {len} of {n} items: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn admin_api_is_absent_without_a_configured_token() {
    let app = spawn_app().await;
    assert_eq!(get(&app, "/admin/audit", Some(TOKEN)).await.status(), 404);
}

#[tokio::test]
async fn admin_api_requires_the_bearer_token() {
    let app = admin_app().await;
    assert_eq!(get(&app, "/admin/audit", None).await.status(), 401);
    assert_eq!(get(&app, "/admin/audit", Some("wrong")).await.status(), 401);
    assert_eq!(
        get(&app, "/admin/sessions", Some("wrong")).await.status(),
        401
    );
    assert_eq!(get(&app, "/admin/audit", Some(TOKEN)).await.status(), 200);
}

#[tokio::test]
async fn audit_listing_filters_and_pages_with_a_cursor() {
    let app = admin_app().await;
    let sid = app.initialize().await;
    for id in 1..=3 {
        app.rpc(
            &sid,
            id,
            "tools/call",
            json!({"name": "get-server-info", "arguments": {}}),
        )
        .await;
    }
    app.rpc(
        &sid,
        4,
        "tools/call",
        json!({"name": "get-opik-help", "arguments": {"topic": 5}}),
    )
    .await;
    let all = wait_for_items(&app, "/admin/audit", 5).await;
    assert_eq!(all["items"].as_array().expect("items").len(), 5);
    assert!(all["next_cursor"].is_null());

    let info = get_json(&app, "/admin/audit?tool=get-server-info").await;
    assert_eq!(info["items"].as_array().expect("items").len(), 3);
    let errors = get_json(&app, "/admin/audit?outcome=tool_error").await;
    let errors = errors["items"].as_array().expect("items");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["name"], "get-opik-help");
    assert_eq!(errors[0]["request_id"], "4");
    let future = get_json(&app, "/admin/audit?since=2999-01-01T00:00:00Z").await;
    assert!(future["items"].as_array().expect("items").is_empty());

    let mut ids = Vec::new();
    let mut path = "/admin/audit?method=tools/call&limit=2".to_owned();
    loop {
        let page = get_json(&app, &path).await;
        ids.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|r| r["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/admin/audit?method=tools/call&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(ids.len(), 4);
    ids.dedup();
    assert_eq!(ids.len(), 4, "no row twice");

    for bad in [
        "/admin/audit?cursor=zz",
        "/admin/audit?outcome=maybe",
        "/admin/audit?kind=x",
    ] {
        assert_eq!(get(&app, bad, Some(TOKEN)).await.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn sessions_are_listed_and_an_operator_can_end_one() {
    let app = admin_app().await;
    let sid = app.initialize().await;
    let hash = hex::encode(Sha256::digest(sid.as_bytes()));
    let active = wait_for_items(&app, "/admin/sessions?state=active", 1).await;
    assert_eq!(active["items"][0]["session_hash"], hash.as_str());
    assert_eq!(active["items"][0]["transport"], "streamable-http");

    let url = format!("{}/admin/sessions/{hash}", app.admin);
    let ended = app
        .client
        .delete(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(ended.status(), 204);
    let again = app
        .client
        .delete(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(again.status(), 404, "no longer live");
    let body = json!({"jsonrpc": "2.0", "id": 5, "method": "ping"});
    assert_eq!(
        app.post_mcp(&body, Some(&sid)).await.status(),
        404,
        "client sees it ended"
    );

    let ended = wait_for_items(&app, "/admin/sessions?state=ended", 1).await;
    assert_eq!(ended["items"][0]["end_reason"], "admin");
}

#[tokio::test]
async fn admin_openapi_document_declares_the_endpoints() {
    let app = admin_app().await;
    let spec = get_json(&app, "/admin/openapi.json").await;
    let paths = spec["paths"].as_object().expect("paths");
    let mut names: Vec<&str> = paths.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "/admin/audit",
            "/admin/sessions",
            "/admin/sessions/{session_hash}"
        ]
    );
    assert!(paths["/admin/sessions/{session_hash}"]["delete"].is_object());
    let params: Vec<&str> = paths["/admin/audit"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    for p in [
        "subject", "tool", "outcome", "since", "until", "cursor", "limit",
    ] {
        assert!(params.contains(&p), "{p} missing from {params:?}");
    }
    assert!(spec["components"]["securitySchemes"].is_object());
}
