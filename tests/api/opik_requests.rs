//! The exact requests tools send: Opik's JSON `filters`/`sorting` encodings, dates, bodies,
//! credentials headers, page-size caps and toolset gating.

use serde_json::{Value, json};

use crate::{
    fake_opik::{KEY, OTHER_WORKSPACE, ids},
    opik_support::{harness, harness_with},
};

fn json_param(v: &str) -> Value {
    serde_json::from_str(v).expect("JSON query parameter")
}

#[tokio::test]
async fn search_traces_sends_json_filters_sorting_and_full_text_search() {
    let h = harness().await;
    let args = json!({
        "projectName": "demo-app", "query": "timeout",
        "filters": {"duration": {"$gte": 1000}, "metadata.model": "gpt-4o", "tags": {"$contains": "prod"}},
        "sortBy": "created_at", "sortOrder": "asc", "page": 2, "size": 5
    });
    h.call_ok("search-traces", args).await;
    let q = h.fake.last("GET", "/v1/private/traces").query;
    assert_eq!(q["project_name"], "demo-app");
    assert_eq!(q["search"], "timeout");
    assert_eq!((q["page"].as_str(), q["size"].as_str()), ("2", "5"));
    assert_eq!(
        json_param(&q["filters"]),
        json!([
            {"field": "duration", "operator": ">=", "value": "1000"},
            {"field": "metadata", "operator": "=", "key": "model", "value": "gpt-4o"},
            {"field": "tags", "operator": "contains", "value": "prod"}
        ])
    );
    assert_eq!(
        json_param(&q["sorting"]),
        json!([{"field": "start_time", "direction": "ASC"}])
    );
    assert!(
        !q.contains_key("sort_by") && !q.contains_key("sort_order"),
        "{q:?}"
    );
}

#[tokio::test]
async fn trace_stats_send_iso_time_windows_and_list_projects_sorting() {
    let h = harness().await;
    h.call_ok(
        "get-trace-stats",
        json!({"projectName": "demo-app", "startDate": "2025-06-01", "endDate": "2025-06-07"}),
    )
    .await;
    let q = h.fake.last("GET", "/v1/private/traces/stats").query;
    assert_eq!(q["from_time"], "2025-06-01T00:00:00.000Z");
    assert_eq!(q["to_time"], "2025-06-07T23:59:59.999Z");
    h.call_ok("list-projects", json!({"sortBy": "last_updated_trace_at"}))
        .await;
    let q = h.fake.last("GET", "/v1/private/projects").query;
    assert_eq!(
        json_param(&q["sorting"]),
        json!([{"field": "last_updated_trace_at", "direction": "DESC"}])
    );
}

#[tokio::test]
async fn trace_tools_without_a_project_use_the_first_one_and_say_so() {
    let h = harness().await;
    let out = h.call_ok("list-traces", json!({})).await;
    assert_eq!(
        h.fake.last("GET", "/v1/private/traces").query["project_id"],
        ids::PROJECT_DEMO
    );
    let notes = out["notes"].to_string();
    assert!(notes.contains("used project \\\"demo-app\\\""), "{notes}");
    assert_eq!(
        h.fake.last("GET", "/v1/private/projects").query["size"],
        "1"
    );
}

#[tokio::test]
async fn write_tools_send_the_documented_bodies() {
    let h = harness().await;
    h.call_ok(
        "add-trace-feedback",
        json!({"traceId": ids::TRACE_SHORT, "scores": [
            {"name": "relevance", "value": 0.5, "reason": "ok", "categoryName": "quality"},
            {"name": "tone", "value": -2.5, "source": "ui"}
        ]}),
    )
    .await;
    let path = format!("/v1/private/traces/{}/feedback-scores", ids::TRACE_SHORT);
    let bodies: Vec<Value> = h
        .fake
        .requests_to("PUT", &path)
        .into_iter()
        .map(|r| r.body.expect("body"))
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"name": "relevance", "value": 0.5, "source": "sdk", "reason": "ok", "category_name": "quality"}),
            json!({"name": "tone", "value": -2.5, "source": "ui"}),
        ]
    );

    h.call_ok(
        "create-prompt",
        json!({"name": "p2", "tags": ["x", "a", "x"]}),
    )
    .await;
    assert_eq!(
        h.fake.last("POST", "/v1/private/prompts").body,
        Some(json!({"name": "p2", "tags": ["a", "x"]}))
    );

    h.call_ok("save-prompt-version", json!({"name": "p2", "template": "Hi {{n}}", "change_description": "alias", "type": "jinja2"})).await;
    assert_eq!(
        h.fake.last("POST", "/v1/private/prompts/versions").body,
        Some(
            json!({"name": "p2", "version": {"template": "Hi {{n}}", "change_description": "alias", "type": "jinja2"}})
        )
    );

    let out = h
        .call_ok(
            "create-dataset-item",
            json!({"datasetId": ids::DATASET, "input": {"q": 1}, "metadata": {"m": true}}),
        )
        .await;
    let body = h
        .fake
        .last("PUT", "/v1/private/datasets/items")
        .body
        .expect("body");
    assert_eq!(body["dataset_id"], ids::DATASET);
    assert_eq!(body["items"][0]["source"], "manual");
    assert_eq!(
        body["items"][0]["data"],
        json!({"input": {"q": 1}, "metadata": {"m": true}})
    );
    assert_eq!(body["items"][0]["id"], out["id"]);
    assert_eq!(
        uuid::Uuid::parse_str(out["id"].as_str().expect("id"))
            .expect("uuid")
            .get_version_num(),
        7
    );

    h.call_ok("delete-dataset-item", json!({"itemId": ids::ITEM_2}))
        .await;
    assert_eq!(
        h.fake
            .last("POST", "/v1/private/datasets/items/delete")
            .body,
        Some(json!({"item_ids": [ids::ITEM_2]}))
    );
}

#[tokio::test]
async fn get_metrics_resolves_the_project_name_and_asks_the_real_metrics_endpoint() {
    let h = harness().await;
    let out = h.call_ok("get-metrics", json!({"projectName": "other-app", "metricName": "feedback", "interval": "WEEKLY", "startDate": "2025-05-01", "endDate": "2025-05-31"})).await;
    assert_eq!(
        h.fake.last("POST", "/v1/private/projects/retrieve").body,
        Some(json!({"name": "other-app"}))
    );
    let body = h
        .fake
        .last(
            "POST",
            &format!("/v1/private/projects/{}/metrics", ids::PROJECT_OTHER),
        )
        .body;
    assert_eq!(
        body,
        Some(json!({
            "metric_type": "FEEDBACK_SCORES", "interval": "WEEKLY",
            "interval_start": "2025-05-01T00:00:00.000Z", "interval_end": "2025-05-31T23:59:59.999Z"
        }))
    );
    assert_eq!(out["item"]["results"][0]["data"][1]["value"], 5.0);
    assert!(h.fake.requests_to("GET", "/v1/private/metrics").is_empty());
}

#[tokio::test]
async fn workspace_name_argument_switches_the_workspace_header() {
    let h = harness_with(|s| s.opik.allowed_workspaces = vec![OTHER_WORKSPACE.into()]).await;
    h.call_ok("list-datasets", json!({"workspaceName": OTHER_WORKSPACE}))
        .await;
    assert_eq!(
        h.fake
            .last("GET", "/v1/private/datasets")
            .header("comet-workspace"),
        Some(OTHER_WORKSPACE)
    );
}

#[tokio::test]
async fn self_hosted_opik_gets_no_credentials_headers() {
    let h = harness_with(|s| s.opik.self_hosted = true).await;
    h.fake.without_auth();
    h.call_ok("list-projects", json!({})).await;
    let req = h.fake.last("GET", "/v1/private/projects");
    assert!(
        req.header("authorization").is_none() && req.header("comet-workspace").is_none(),
        "{req:?}"
    );
    assert_eq!(req.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn page_sizes_are_capped_and_the_result_says_so() {
    let h = harness_with(|s| s.opik.max_page_size = 20).await;
    let out = h
        .call_ok(
            "list-dataset-items",
            json!({"datasetId": ids::DATASET, "size": 500}),
        )
        .await;
    assert_eq!(
        h.fake
            .last(
                "GET",
                &format!("/v1/private/datasets/{}/items", ids::DATASET)
            )
            .query["size"],
        "20"
    );
    assert!(
        out["notes"][0]
            .as_str()
            .expect("note")
            .contains("size 500 reduced to the limit of 20")
    );
    assert_eq!(out["size"], 20);
}

#[tokio::test]
async fn tools_outside_the_enabled_toolsets_are_unknown_like_missing_ones() {
    let h = harness_with(|s| s.opik.toolsets = "core".parse().expect("toolsets")).await;
    let names = h.tool_names().await;
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n == "search-traces" || n == "create-project")
    );
    let disabled = h
        .rpc(
            "tools/call",
            json!({"name": "create-project", "arguments": {"name": "x"}}),
        )
        .await;
    let missing = h
        .rpc(
            "tools/call",
            json!({"name": "no-such-tool", "arguments": {}}),
        )
        .await;
    assert_eq!(disabled["error"]["code"], missing["error"]["code"]);
    assert_eq!(disabled["error"]["message"], "Unknown tool: create-project");
    let templates = h.rpc("resources/templates/list", json!({})).await;
    assert_eq!(
        templates["result"]["resourceTemplates"]
            .as_array()
            .expect("list")
            .len(),
        3
    );
    let read = h.read(&format!("opik://dataset/{}", ids::DATASET)).await;
    assert_eq!(
        read["error"]["code"], -32002,
        "disabled resource reads as unknown: {read}"
    );
    assert!(
        h.fake
            .requests_to("POST", "/v1/private/projects")
            .is_empty()
    );
}

/// A `tools/call list-projects` on the harness session with extra request headers.
pub(crate) async fn list_projects_with_headers(
    h: &crate::opik_support::Harness,
    headers: &[(&str, &str)],
) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "list-projects", "arguments": {}}});
    let mut req = h
        .app
        .client
        .post(h.app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &h.sid)
        .header("mcp-protocol-version", crate::helpers::PROTOCOL);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.body(body.to_string()).send().await.expect("POST");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("json")
}

const SERVER_KEY: &str = "server-key-the-fake-refuses";

#[tokio::test]
async fn caller_credentials_from_the_configured_headers_replace_the_servers() {
    let h = harness_with(|s| {
        s.opik.api_key = Some(SERVER_KEY.to_string().into());
        s.opik.caller_key_header = Some("x-opik-api-key".into());
        s.opik.caller_workspace_header = Some("x-opik-workspace".into());
    })
    .await;
    let headers = [
        ("x-opik-api-key", KEY),
        ("x-opik-workspace", OTHER_WORKSPACE),
    ];
    let reply = list_projects_with_headers(&h, &headers).await;
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let sent = h.fake.last("GET", "/v1/private/projects");
    assert_eq!(sent.header("authorization"), Some(KEY));
    assert_eq!(sent.header("comet-workspace"), Some(OTHER_WORKSPACE));
}

#[tokio::test]
async fn caller_credential_headers_are_ignored_unless_configured() {
    let h = harness_with(|s| s.opik.api_key = Some(SERVER_KEY.to_string().into())).await;
    let headers = [
        ("x-opik-api-key", KEY),
        ("x-opik-workspace", OTHER_WORKSPACE),
    ];
    let reply = list_projects_with_headers(&h, &headers).await;
    assert_eq!(
        reply["result"]["isError"], true,
        "the server's (refused) key was used: {reply}"
    );
    let sent = h.fake.last("GET", "/v1/private/projects");
    assert_eq!(sent.header("authorization"), Some(SERVER_KEY));
    assert_ne!(sent.header("comet-workspace"), Some(OTHER_WORKSPACE));
}
