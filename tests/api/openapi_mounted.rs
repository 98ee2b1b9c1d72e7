//! The documents with every optional route mounted (JWT metadata, browser client, audit
//! admin API): each listener's document lists exactly what it serves, and every operation
//! declares its errors with the one shape of its route.

use opik_mcp::config::{AuthMode, Settings};
use serde_json::Value;

use super::json_doc;
use crate::helpers::{spawn_app, spawn_app_with};

const ADMIN_TOKEN: &str = "openapi-admin-token-0123456789";

/// Everything optional mounted: JWTs (so the metadata routes), the browser client and the
/// audit admin API.
fn everything_mounted(s: &mut Settings) {
    s.auth.mode = AuthMode::Jwt;
    s.auth.resource = Some("https://mcp.test/mcp".into());
    s.auth.jwt.issuer = Some("https://issuer.test".into());
    s.auth.jwt.hs_secret = Some("0123456789abcdef0123456789abcdef".to_string().into());
    s.server.serve_client = Some(true);
    s.audit.admin_token = Some(ADMIN_TOKEN.to_string().into());
}

/// Every operation of `doc` as (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            ops.push((path.clone(), method.clone(), op.clone()));
        }
    }
    ops
}

fn sorted_paths(doc: &Value) -> Vec<String> {
    let mut paths: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    paths.sort_unstable();
    paths
}

#[tokio::test]
async fn documents_with_everything_mounted_match_their_snapshots() {
    let app = spawn_app_with(everything_mounted).await;
    let public = json_doc(&app, &app.base).await;
    insta::assert_snapshot!(
        "public_openapi_everything_mounted",
        serde_json::to_string_pretty(&public).expect("pretty")
    );
    let admin = json_doc(&app, &app.admin).await;
    insta::assert_snapshot!(
        "admin_openapi_everything_mounted",
        serde_json::to_string_pretty(&admin).expect("pretty")
    );
}

#[tokio::test]
async fn the_documents_describe_exactly_the_routes_each_listener_mounts() {
    let app = spawn_app_with(everything_mounted).await;
    let public = json_doc(&app, &app.base).await;
    assert_eq!(
        sorted_paths(&public),
        [
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
            "/client",
            "/client/",
            "/docs",
            "/health",
            "/mcp",
            "/messages",
            "/openapi.json",
            "/openapi.yaml",
            "/sse",
        ]
    );
    let admin = json_doc(&app, &app.admin).await;
    assert_eq!(
        sorted_paths(&admin),
        [
            "/admin/audit",
            "/admin/openapi.json",
            "/admin/sessions",
            "/admin/sessions/{session_hash}",
            "/docs",
            "/healthz",
            "/metrics",
            "/openapi.json",
            "/openapi.yaml",
            "/readyz",
        ]
    );
    // Every GET without parameters answers as its document says (and so is really there).
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for (base, doc) in [(&app.base, &public), (&app.admin, &admin)] {
        for (path, method, op) in operations(doc) {
            let tags = op["tags"].as_array().expect("tags");
            if method != "get" || path.contains('{') || tags.iter().any(|t| t == "Mcp") {
                continue;
            }
            let resp = client
                .get(format!("{base}{path}"))
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .expect("GET");
            let status = resp.status().as_str().to_owned();
            assert!(
                op["responses"][&status].is_object(),
                "{path}: {status} is not declared"
            );
        }
    }
}

#[tokio::test]
async fn the_metadata_document_has_the_declared_shape() {
    let app = spawn_app_with(everything_mounted).await;
    let doc = json_doc(&app, &app.base).await;
    let schema = &doc["components"]["schemas"]["ProtectedResourceMetadata"];
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .map(|v| v.as_str().expect("name"))
        .collect();
    required.sort_unstable();
    let body: Value = app
        .client
        .get(app.url("/.well-known/oauth-protected-resource/mcp"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, required, "every key declared and required");
    assert_eq!(body["resource"], "https://mcp.test/mcp");
    assert_eq!(
        body["authorization_servers"],
        serde_json::json!(["https://issuer.test"])
    );
}

#[tokio::test]
async fn optional_routes_are_left_out_when_not_mounted() {
    let app = spawn_app().await;
    let public = json_doc(&app, &app.base).await;
    assert!(public["components"]["schemas"]["ProtectedResourceMetadata"].is_null());
    let status = app
        .client
        .get(app.url("/.well-known/oauth-protected-resource"))
        .send()
        .await
        .expect("GET")
        .status();
    assert_eq!(status, 404, "not described, not served");
    let admin = json_doc(&app, &app.admin).await;
    assert!(admin["paths"].get("/admin/audit").is_none());
}

#[tokio::test]
async fn every_operation_declares_its_errors_with_the_one_shape_of_its_route() {
    let app = spawn_app_with(everything_mounted).await;
    let public = json_doc(&app, &app.base).await;
    let admin = json_doc(&app, &app.admin).await;
    // The hand-written `Error` (public) and the one generated from the admin API are one shape.
    let shape = |doc: &Value| {
        let e = &doc["components"]["schemas"];
        (
            e["Error"]["required"].clone(),
            e["Error"]["properties"]["error"]["$ref"].clone(),
            e["ErrorDetail"]["required"].clone(),
        )
    };
    assert_eq!(shape(&public), shape(&admin));
    assert_eq!(shape(&public).1, "#/components/schemas/ErrorDetail");
    for (doc, listener_errors) in [
        (&public, &["408", "431", "500"][..]),
        (&admin, &["500"][..]),
    ] {
        for (path, method, op) in operations(doc) {
            let responses = op["responses"].as_object().expect("responses");
            let mcp = op["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .any(|t| t == "Mcp");
            let expected_errors: &[&str] = if mcp {
                &["408", "429", "431", "500"]
            } else {
                listener_errors
            };
            for code in expected_errors {
                assert!(
                    responses.contains_key(*code),
                    "{method} {path} lacks {code}"
                );
            }
            let schema = if mcp { "JsonRpcErrorResponse" } else { "Error" };
            for (code, resp) in responses {
                if code.starts_with('4') || code.starts_with('5') {
                    // poem-openapi writes `application/json; charset=utf-8`.
                    let declared = resp["content"]
                        .as_object()
                        .and_then(|c| c.iter().find(|(ty, _)| ty.starts_with("application/json")))
                        .and_then(|(_, m)| m["schema"]["$ref"].as_str())
                        .unwrap_or_default();
                    // /readyz's 503 carries the readiness report, on purpose.
                    if path != "/readyz" {
                        assert_eq!(
                            declared,
                            format!("#/components/schemas/{schema}"),
                            "{method} {path} {code}"
                        );
                    }
                }
            }
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            assert_eq!(
                responses.contains_key("401"),
                secured,
                "{method} {path}: 401 iff secured"
            );
        }
    }
}

#[tokio::test]
async fn admin_api_errors_have_the_documented_error_shape() {
    let app = spawn_app_with(everything_mounted).await;
    let cases = [
        (
            "/admin/audit?cursor=zz",
            Some(ADMIN_TOKEN),
            400,
            "invalid_cursor",
        ),
        (
            "/admin/audit?outcome=maybe",
            Some(ADMIN_TOKEN),
            400,
            "invalid_request",
        ),
        ("/admin/audit", None, 401, ""),
        ("/admin/sessions", Some("wrong"), 401, ""),
    ];
    for (path, token, status, code) in cases {
        let mut req = app.client.get(app.admin_url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("GET");
        assert_eq!(resp.status(), status, "{path}");
        let body: Value = resp.json().await.expect("JSON error body");
        assert_eq!(body.as_object().expect("object").len(), 1, "{body}");
        assert!(body["error"]["message"].is_string(), "{body}");
        if !code.is_empty() {
            assert_eq!(body["error"]["code"], code);
        }
    }
    let gone = app
        .client
        .delete(app.admin_url(&format!("/admin/sessions/{}", "ab".repeat(32))))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(gone.status(), 404);
    let body: Value = gone.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "session_not_found");
}
