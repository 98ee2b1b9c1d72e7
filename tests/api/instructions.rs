//! Per-session `instructions`: the workspace (the caller's, when its headers name one), today's
//! date and how to choose between the consolidated and the classic tools, in both the
//! `initialize` result and the stateless `server/discover`.

use serde_json::{Value, json};

use crate::helpers::{TestApp, initialize_request, spawn_app_with};

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

async fn initialize_with(app: &TestApp, headers: &[(&str, &str)]) -> String {
    let mut req = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    body["result"]["instructions"]
        .as_str()
        .expect("instructions")
        .to_string()
}

#[tokio::test]
async fn initialize_names_the_workspace_today_and_how_to_choose_tools() {
    let app = spawn_app_with(|s| {
        s.opik.workspace = "team-ws".into();
        s.opik.toolsets = "all".parse().expect("toolsets");
        s.opik.caller_workspace_header = Some("x-opik-workspace".into());
    })
    .await;
    let text = initialize_with(&app, &[]).await;
    assert!(text.contains("Workspace: \"team-ws\""), "{text}");
    assert!(
        text.contains(&format!("Today is {} (UTC)", today())),
        "{text}"
    );
    assert!(text.contains("Consolidated tools (prefer these)"), "{text}");
    assert!(
        text.contains("classic tools the consolidated ones replace (list-traces"),
        "{text}"
    );

    let mine = initialize_with(&app, &[("x-opik-workspace", "my-own-ws")]).await;
    assert!(
        mine.contains("Workspace: \"my-own-ws\""),
        "per session: {mine}"
    );
}

#[tokio::test]
async fn server_discover_carries_the_same_instructions() {
    let app = spawn_app_with(|s| {
        s.opik.workspace = "team-ws".into();
        s.opik.toolsets = "consolidated".parse().expect("toolsets");
    })
    .await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}}}});
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "server/discover")
        .body(body.to_string())
        .send()
        .await
        .expect("POST");
    let reply: Value = resp.json().await.expect("json");
    let text = reply["result"]["instructions"]
        .as_str()
        .expect("instructions");
    assert!(text.contains("Workspace: \"team-ws\""), "{text}");
    assert!(text.contains(&today()), "{text}");
    assert!(
        text.contains("read(entity_type, id)") && !text.contains("classic tools"),
        "{text}"
    );
}
