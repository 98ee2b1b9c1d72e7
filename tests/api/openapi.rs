//! The OpenAPI documents: pinned by snapshots (changes are reviewed), consistent across
//! JSON/YAML, truthful about paths and error shapes, and browsable at `/docs`.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

#[path = "openapi_mounted.rs"]
mod mounted;

pub(super) async fn document(app: &TestApp, base: &str, path: &str) -> reqwest::Response {
    let resp = app
        .client
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 200, "{path}");
    resp
}

pub(crate) async fn json_doc(app: &TestApp, base: &str) -> Value {
    document(app, base, "/openapi.json")
        .await
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn public_document_matches_its_snapshot() {
    let app = spawn_app().await;
    let doc = json_doc(&app, &app.base).await;
    insta::assert_snapshot!(
        "public_openapi",
        serde_json::to_string_pretty(&doc).expect("pretty")
    );
}

#[tokio::test]
async fn admin_document_matches_its_snapshot() {
    let app = spawn_app().await;
    let doc = json_doc(&app, &app.admin).await;
    insta::assert_snapshot!(
        "admin_openapi",
        serde_json::to_string_pretty(&doc).expect("pretty")
    );
}

#[tokio::test]
async fn yaml_and_json_are_the_same_document() {
    let app = spawn_app().await;
    for base in [&app.base, &app.admin] {
        let json = json_doc(&app, base).await;
        let resp = document(&app, base, "/openapi.yaml").await;
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .contains("yaml")
        );
        let yaml: Value = serde_yaml::from_str(&resp.text().await.expect("text")).expect("YAML");
        assert_eq!(json, yaml);
    }
}

#[tokio::test]
async fn public_document_describes_the_mcp_endpoints_with_headers_and_security() {
    let app = spawn_app().await;
    let doc = json_doc(&app, &app.base).await;
    assert_eq!(doc["openapi"], "3.0.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut listed: Vec<&str> = paths.keys().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        [
            // The browser client: served by default on a loopback bind, as here.
            "/client",
            "/client/",
            "/docs",
            "/health",
            "/mcp",
            "/messages",
            "/openapi.json",
            "/openapi.yaml",
            "/sse"
        ]
    );
    for method in ["post", "get", "delete"] {
        let op = &doc["paths"]["/mcp"][method];
        let params = op["parameters"].as_array().expect("params");
        assert!(
            params.iter().any(|p| p["name"] == "Mcp-Session-Id"),
            "{method}"
        );
        assert_eq!(op["security"][1]["bearerAuth"], serde_json::json!([]));
        assert!(op["responses"]["404"].is_object(), "{method} documents 404");
    }
    let post = &doc["paths"]["/mcp"]["post"];
    // The documented revisions are the served ones (2026-07-28 is stateless, POST only).
    let params = post["parameters"].as_array().expect("params");
    let version = params
        .iter()
        .find(|p| p["name"] == "MCP-Protocol-Version")
        .expect("version header");
    let served: Vec<String> = opik_mcp::mcp::all_versions()
        .iter()
        .map(|v| v.as_str().to_owned())
        .collect();
    assert_eq!(version["schema"]["enum"], serde_json::json!(served));
    assert!(params.iter().any(|p| p["name"] == "Mcp-Method"));
    for code in [
        "200", "202", "400", "403", "404", "406", "413", "415", "503",
    ] {
        assert!(post["responses"][code]["description"].is_string(), "{code}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Error"].is_object());
    assert!(doc["components"]["schemas"]["JsonRpcErrorResponse"].is_object());
}

#[tokio::test]
async fn the_document_follows_the_configured_mcp_path() {
    let app = spawn_app_with(|s| s.server.mcp_path = "/api/mcp".into()).await;
    let doc = json_doc(&app, &app.base).await;
    assert!(doc["paths"]["/api/mcp"]["post"].is_object());
    assert!(doc["paths"].get("/mcp").is_none());
}

#[tokio::test]
async fn admin_document_lists_the_probes_and_metrics() {
    let app = spawn_app().await;
    let doc = json_doc(&app, &app.admin).await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut listed: Vec<&str> = paths.keys().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(
        listed,
        [
            "/docs",
            "/healthz",
            "/metrics",
            "/openapi.json",
            "/openapi.yaml",
            "/readyz"
        ]
    );
    assert!(doc["paths"]["/readyz"]["get"]["responses"]["503"].is_object());
}

#[tokio::test]
async fn the_explorer_page_embeds_the_merged_document() {
    let app = spawn_app().await;
    let resp = document(&app, &app.base, "/docs").await;
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = resp.text().await.expect("html");
    assert!(html.contains("SwaggerUIBundle"));
    assert!(
        html.contains("\"mcpPost\""),
        "MCP operations are in the explorer"
    );
    let admin = document(&app, &app.admin, "/docs")
        .await
        .text()
        .await
        .expect("html");
    assert!(admin.contains("\"readyz\""));
}

#[tokio::test]
async fn errors_outside_mcp_routes_have_the_documented_error_shape() {
    let app = spawn_app().await;
    let cases = [
        (app.client.get(app.url("/nope")), 404, "not_found"),
        (
            app.client.post(app.url("/health")),
            405,
            "method_not_allowed",
        ),
        (app.client.get(app.admin_url("/nope")), 404, "not_found"),
        (
            app.client.delete(app.admin_url("/readyz")),
            405,
            "method_not_allowed",
        ),
    ];
    for (req, status, code) in cases {
        let resp = req.send().await.expect("send");
        assert_eq!(resp.status(), status);
        if status == 405 {
            assert_eq!(resp.headers()["allow"], "GET");
        }
        let body: Value = resp.json().await.expect("JSON error body");
        let obj = body.as_object().expect("object");
        assert_eq!(obj.len(), 1, "{body}");
        assert_eq!(body["error"]["code"], code);
        assert!(body["error"]["message"].is_string());
        assert_eq!(body["error"].as_object().expect("error").len(), 2);
    }
}

#[tokio::test]
async fn errors_on_mcp_routes_are_json_rpc_errors() {
    let app = spawn_app().await;
    let resp = app.client.put(app.url("/sse")).send().await.expect("PUT");
    assert_eq!(resp.status(), 405);
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(body["jsonrpc"], "2.0");
    assert!(body["error"]["code"].is_i64());
    assert!(body.get("id").is_some());
}

#[tokio::test]
async fn the_explorer_can_send_a_real_initialize_and_docs_slash_redirects() {
    // Arrange
    let app = spawn_app_with(|s| s.server.mcp_path = "/api/mcp".into()).await;
    let doc = json_doc(&app, &app.base).await;
    // Assert: one example body per MCP operation, none mixing request and response fields.
    let examples =
        &doc["paths"]["/api/mcp"]["post"]["requestBody"]["content"]["application/json"]["examples"];
    for (name, method) in [("initialize", "initialize"), ("tools_list", "tools/list")] {
        let body = &examples[name]["value"];
        assert_eq!(body["method"], method, "{examples}");
        assert!(body.get("result").is_none() && body.get("error").is_none());
    }
    let page = document(&app, &app.base, "/docs")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("requestInterceptor"), "the page fixes Accept");
    assert!(page.contains("\"/api/mcp\""), "for the configured path");
    // `/docs/` is not a 404 on either listener.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for base in [&app.base, &app.admin] {
        let resp = no_redirect
            .get(format!("{base}/docs/"))
            .send()
            .await
            .expect("GET /docs/");
        assert_eq!(resp.status(), 308, "{base}");
        assert_eq!(resp.headers()["location"], "/docs");
    }
}
