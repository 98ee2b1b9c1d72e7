//! Snapshot of everything the server lists (tools with their descriptions, input and output
//! schemas and annotations; resources, templates and prompts), so any change to the surface a
//! client sees shows up in review. Update with `INSTA_UPDATE=always cargo nextest run
//! tool_inventory` (or `cargo insta review`) after an intended change.

use serde_json::{Value, json};

use crate::helpers::spawn_app_with;

async fn listed(method: &str, key: &str) -> Value {
    let app = spawn_app_with(|s| s.opik.toolsets = "all".parse().expect("toolsets")).await;
    let sid = app.initialize().await;
    let reply = app.rpc(&sid, 1, method, json!({})).await;
    reply["result"][key].clone()
}

/// The consolidated tools (snapshotted apart from the classic 28).
const CONSOLIDATED: [&str; 5] = ["read", "list", "schema", "write", "run_experiment"];

fn split_tools(tools: Value) -> (Vec<Value>, Vec<Value>) {
    tools
        .as_array()
        .expect("tools")
        .iter()
        .cloned()
        .partition(|t| !CONSOLIDATED.contains(&t["name"].as_str().unwrap_or("")))
}

#[tokio::test]
async fn tool_inventory_matches_the_snapshot() {
    let (classic, _) = split_tools(listed("tools/list", "tools").await);
    assert_eq!(classic.len(), 28);
    insta::assert_json_snapshot!("tools", classic);
}

#[tokio::test]
async fn consolidated_tool_inventory_matches_the_snapshot() {
    let (_, consolidated) = split_tools(listed("tools/list", "tools").await);
    assert_eq!(consolidated.len(), CONSOLIDATED.len());
    insta::assert_json_snapshot!("consolidated_tools", consolidated);
}

#[tokio::test]
async fn resource_and_prompt_inventory_matches_the_snapshot() {
    let inventory = json!({
        "resources": listed("resources/list", "resources").await,
        "resourceTemplates": listed("resources/templates/list", "resourceTemplates").await,
        "prompts": listed("prompts/list", "prompts").await,
    });
    insta::assert_json_snapshot!("resources_and_prompts", inventory);
}
