//! Snapshot of everything the server lists (tools with their descriptions, input and output
//! schemas and annotations; resources, templates and prompts), so any change to the surface a
//! client sees shows up in review. Update with `INSTA_UPDATE=always cargo nextest run
//! tool_inventory` (or `cargo insta review`) after an intended change. Also: no preset lists
//! two tools for one job, and docs/tools.md's size table matches the measured sizes.

use serde_json::{Value, json};

use crate::{helpers::spawn_app_with, opik_support::harness};

/// The classic toolsets (upstream's 28 tools).
const CLASSIC: &str = "core,expert-prompts,expert-datasets,expert-trace-actions,\
                       expert-project-actions,integration,metrics";

async fn listed_with(toolsets: &str, method: &str, key: &str) -> Value {
    let sets = toolsets.to_string();
    let app = spawn_app_with(move |s| s.opik.toolsets = sets.parse().expect("toolsets")).await;
    let sid = app.initialize().await;
    let reply = app.rpc(&sid, 1, method, json!({})).await;
    reply["result"][key].clone()
}

fn names(tools: &Value) -> Vec<String> {
    tools
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn tool_inventory_matches_the_snapshot() {
    let classic = listed_with(CLASSIC, "tools/list", "tools").await;
    assert_eq!(names(&classic).len(), 28);
    insta::assert_json_snapshot!("tools", classic);
}

#[tokio::test]
async fn consolidated_tool_inventory_matches_the_snapshot() {
    let consolidated = listed_with("consolidated", "tools/list", "tools").await;
    assert_eq!(
        names(&consolidated),
        [
            "compare_experiments",
            "list",
            "read",
            "run_experiment",
            "schema",
            "search",
            "stats",
            "write"
        ]
    );
    insta::assert_json_snapshot!("consolidated_tools", consolidated);
}

#[tokio::test]
async fn resource_and_prompt_inventory_matches_the_snapshot() {
    let inventory = json!({
        "resources": listed_with("all", "resources/list", "resources").await,
        "resourceTemplates": listed_with("all", "resources/templates/list", "resourceTemplates").await,
        "prompts": listed_with("all", "prompts/list", "prompts").await,
    });
    insta::assert_json_snapshot!("resources_and_prompts", inventory);
}

#[tokio::test]
async fn no_preset_lists_two_tools_for_one_job_and_classic_names_still_answer() {
    let all = names(&listed_with("all", "tools/list", "tools").await);
    for twin in [
        "list-traces",
        "get-trace-by-id",
        "search-traces",
        "get-metrics",
        "list-datasets",
    ] {
        assert!(
            !all.contains(&twin.to_string()),
            "{twin} listed beside its consolidated tool"
        );
    }
    for unique in [
        "get-server-info",
        "delete-prompt",
        "create-project",
        "search",
        "stats",
    ] {
        assert!(
            all.contains(&unique.to_string()),
            "{unique} missing: {all:?}"
        );
    }
    assert_eq!(all.len(), 19, "{all:?}");
    let both = names(&listed_with("core,consolidated", "tools/list", "tools").await);
    assert!(!both.contains(&"list-projects".to_string()), "{both:?}");
    let h = harness().await;
    let out = h.call_ok("list-projects", json!({"size": 1})).await;
    assert_eq!(
        out["total"], 3,
        "an unlisted classic name is still callable: {out}"
    );
    let info = h.call_ok("get-server-info", json!({})).await;
    let unlisted = info["callableUnlistedTools"].as_array().expect("list");
    assert!(unlisted.contains(&json!("list-projects")), "{info}");
}

/// docs/tools.md prints each toolset's size; it must stay within 10% of what is measured
/// (descriptions change a little without anyone re-measuring, but not a lot).
#[tokio::test]
async fn the_documented_toolset_sizes_match_the_measured_ones() {
    let h = harness().await;
    let info = h.call_ok("get-server-info", json!({})).await;
    let doc = include_str!("../../docs/tools.md");
    let mut expected = String::new();
    for s in info["toolsetSizes"].as_array().expect("sizes") {
        let (set, tools) = (s["toolset"].as_str().expect("name"), &s["tools"]);
        let (tokens, out) = (
            s["tokens"].as_i64().expect("n"),
            s["outputSchemaTokens"].as_i64().expect("n"),
        );
        expected.push_str(&format!("| `{set}` | {tools} | {tokens} | {out} |\n"));
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{set}` | ")) && l.matches('|').count() == 5)
            .unwrap_or_else(|| {
                panic!("docs/tools.md has no size row for {set}; measured:\n{expected}")
            });
        let cells: Vec<i64> = row
            .split('|')
            .skip(2)
            .filter_map(|c| c.trim().replace(',', "").parse().ok())
            .collect();
        let near = |doc: i64, real: i64| (doc - real).abs() * 10 <= real.max(10);
        assert!(
            cells.len() == 3
                && cells[0] == tools.as_i64().expect("n")
                && near(cells[1], tokens)
                && near(cells[2], out),
            "docs/tools.md row {row:?} drifted; measured: | `{set}` | {tools} | {tokens} | {out} |"
        );
    }
}
