//! End to end: one MCP session over Streamable HTTP calls every tool, reads every resource and
//! gets every prompt against the fake Opik, checking results and the requests Opik received.
//! `tests/suites/20-opik-contract.sh` runs this file through a Prism proxy that validates each
//! request and response against the official spec.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::{
    fake_opik::{KEY, WORKSPACE, data::LONG_INPUT_CHARS, ids},
    opik_support::{Harness, harness},
};

/// Call a tool that must succeed and must have sent `method path` to Opik with the configured
/// credentials; records the tool as covered.
async fn check(
    h: &Harness,
    seen: &mut BTreeSet<String>,
    tool: &str,
    args: Value,
    method: &str,
    path: &str,
) -> Value {
    h.fake.clear();
    let out = h.call_ok(tool, args).await;
    let described = ["summary", "text", "metrics", "name"]
        .iter()
        .any(|k| out.get(*k).is_some());
    assert!(described, "{tool}: {out}");
    if !path.is_empty() {
        let req = h.fake.last(method, path);
        assert_eq!(
            req.header("authorization"),
            Some(KEY),
            "{tool}: raw key, no Bearer"
        );
        assert_eq!(req.header("comet-workspace"), Some(WORKSPACE), "{tool}");
    } else {
        assert!(h.fake.requests().is_empty(), "{tool} should not call Opik");
    }
    seen.insert(tool.to_string());
    out
}

#[tokio::test]
async fn every_tool_works_end_to_end_against_the_fake() {
    let h = harness().await;
    let mut seen = BTreeSet::new();
    let s = &mut seen;

    // core: capabilities
    let info = check(&h, s, "get-server-info", json!({}), "", "").await;
    assert_eq!(info["enabledTools"].as_array().expect("tools").len(), 28);
    let help = check(&h, s, "get-opik-help", json!({"topic": "traces"}), "", "").await;
    assert!(help["text"].as_str().expect("text").contains("Traces"));
    let ex = check(
        &h,
        s,
        "get-opik-examples",
        json!({"task": "create prompt"}),
        "",
        "",
    )
    .await;
    assert!(
        ex["text"]
            .as_str()
            .expect("text")
            .contains("save-prompt-version")
    );
    let m = check(
        &h,
        s,
        "get-opik-metrics-info",
        json!({"metric": "hallucination"}),
        "",
        "",
    )
    .await;
    assert_eq!(m["metrics"][0]["name"], "Hallucination");
    let t = check(
        &h,
        s,
        "get-opik-tracing-info",
        json!({"topic": "spans"}),
        "",
        "",
    )
    .await;
    assert!(t["text"].as_str().expect("text").starts_with("## Spans"));
    let docs = check(&h, s, "opik-integration-docs", json!({}), "", "").await;
    assert!(
        docs["text"]
            .as_str()
            .expect("text")
            .contains("pip install opik")
    );

    // projects
    let p = check(
        &h,
        s,
        "list-projects",
        json!({"page": 1, "size": 5}),
        "GET",
        "/v1/private/projects",
    )
    .await;
    assert_eq!(p["total"], 2);
    assert_eq!(p["items"][0]["name"], "demo-app");
    let created = check(
        &h,
        s,
        "create-project",
        json!({"name": "new-app", "description": "d"}),
        "POST",
        "/v1/private/projects",
    )
    .await;
    assert!(
        created["id"].as_str().is_some_and(|id| id.len() == 36),
        "{created}"
    );
    assert_eq!(
        h.fake.last("POST", "/v1/private/projects").body,
        Some(json!({"name": "new-app", "description": "d"}))
    );

    // traces
    let traces = check(
        &h,
        s,
        "list-traces",
        json!({"projectName": "demo-app"}),
        "GET",
        "/v1/private/traces",
    )
    .await;
    assert_eq!(traces["total"], 2);
    let trace = check(
        &h,
        s,
        "get-trace-by-id",
        json!({"traceId": ids::TRACE_SHORT}),
        "GET",
        &format!("/v1/private/traces/{}", ids::TRACE_SHORT),
    )
    .await;
    assert_eq!(trace["item"]["name"], "summarise");
    assert_eq!(trace["item"]["input"]["question"], "short question");
    let stats = check(
        &h,
        s,
        "get-trace-stats",
        json!({"projectId": ids::PROJECT_DEMO, "startDate": "2025-06-01", "endDate": "2025-06-30"}),
        "GET",
        "/v1/private/traces/stats",
    )
    .await;
    assert_eq!(stats["item"]["stats"][0]["value"], 2);
    let threads = check(
        &h,
        s,
        "get-trace-threads",
        json!({"projectName": "demo-app"}),
        "GET",
        "/v1/private/traces/threads",
    )
    .await;
    assert_eq!(threads["items"][0]["id"], ids::THREAD);
    let one = check(
        &h,
        s,
        "get-trace-threads",
        json!({"projectName": "demo-app", "threadId": ids::THREAD}),
        "POST",
        "/v1/private/traces/threads/retrieve",
    )
    .await;
    assert_eq!(one["items"][0]["number_of_messages"], 2);
    let found = check(&h, s, "search-traces", json!({"projectName": "demo-app", "query": "chat", "filters": {"duration": {"$gt": 1000}}, "sortBy": "duration"}), "GET", "/v1/private/traces").await;
    assert_eq!(found["total"], 2);
    let fb = check(&h, s, "add-trace-feedback", json!({"traceId": ids::TRACE_SHORT, "scores": [{"name": "relevance", "value": 0.8, "reason": "on topic"}, {"name": "tone", "value": 1}]}), "PUT", &format!("/v1/private/traces/{}/feedback-scores", ids::TRACE_SHORT)).await;
    assert!(
        fb["summary"]
            .as_str()
            .expect("summary")
            .contains("relevance=0.8")
    );

    // prompts
    let prompts = check(
        &h,
        s,
        "get-prompts",
        json!({"name": "greet"}),
        "GET",
        "/v1/private/prompts",
    )
    .await;
    assert_eq!(prompts["items"][0]["name"], ids::PROMPT_NAME);
    let np = check(
        &h,
        s,
        "create-prompt",
        json!({"name": "farewell", "description": "Says bye", "tags": ["b", "a"]}),
        "POST",
        "/v1/private/prompts",
    )
    .await;
    let new_prompt = np["id"].as_str().expect("id").to_string();
    let saved = check(&h, s, "save-prompt-version", json!({"name": "farewell", "template": "Bye {{name}}", "changeDescription": "first", "type": "mustache", "metadata": {"k": 1}}), "POST", "/v1/private/prompts/versions").await;
    let commit = saved["item"]["commit"]
        .as_str()
        .expect("commit")
        .to_string();
    let v = check(
        &h,
        s,
        "get-prompt-version",
        json!({"name": "farewell", "commit": commit}),
        "POST",
        "/v1/private/prompts/versions/retrieve",
    )
    .await;
    assert_eq!(v["item"]["template"], "Bye {{name}}");
    let byid = check(
        &h,
        s,
        "get-prompt-by-id",
        json!({"promptId": ids::PROMPT}),
        "GET",
        &format!("/v1/private/prompts/{}", ids::PROMPT),
    )
    .await;
    assert_eq!(byid["item"]["latest_version"]["commit"], ids::COMMIT);
    check(
        &h,
        s,
        "delete-prompt",
        json!({"promptId": new_prompt}),
        "DELETE",
        &format!("/v1/private/prompts/{new_prompt}"),
    )
    .await;

    // datasets
    let ds = check(
        &h,
        s,
        "list-datasets",
        json!({}),
        "GET",
        "/v1/private/datasets",
    )
    .await;
    assert_eq!(ds["items"][0]["name"], ids::DATASET_NAME);
    let one = check(
        &h,
        s,
        "get-dataset-by-id",
        json!({"datasetId": ids::DATASET}),
        "GET",
        &format!("/v1/private/datasets/{}", ids::DATASET),
    )
    .await;
    assert_eq!(one["item"]["dataset_items_count"], 2);
    let nd = check(
        &h,
        s,
        "create-dataset",
        json!({"name": "scratch"}),
        "POST",
        "/v1/private/datasets",
    )
    .await;
    let new_dataset = nd["id"].as_str().expect("id").to_string();
    let item = check(
        &h,
        s,
        "create-dataset-item",
        json!({"datasetId": ids::DATASET, "input": {"q": "1+1?"}, "expectedOutput": {"a": "2"}}),
        "PUT",
        "/v1/private/datasets/items",
    )
    .await;
    let new_item = item["id"].as_str().expect("id").to_string();
    let items = check(
        &h,
        s,
        "list-dataset-items",
        json!({"datasetId": ids::DATASET}),
        "GET",
        &format!("/v1/private/datasets/{}/items", ids::DATASET),
    )
    .await;
    assert_eq!(items["total"], 3);
    assert!(
        items["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["id"] == new_item.as_str())
    );
    check(
        &h,
        s,
        "delete-dataset-item",
        json!({"itemId": new_item}),
        "POST",
        "/v1/private/datasets/items/delete",
    )
    .await;
    check(
        &h,
        s,
        "delete-dataset",
        json!({"datasetId": new_dataset}),
        "DELETE",
        &format!("/v1/private/datasets/{new_dataset}"),
    )
    .await;

    // metrics
    let metrics = check(
        &h,
        s,
        "get-metrics",
        json!({"metricName": "tokens", "projectName": "demo-app", "startDate": "2025-06-01"}),
        "POST",
        &format!("/v1/private/projects/{}/metrics", ids::PROJECT_DEMO),
    )
    .await;
    assert_eq!(metrics["item"]["metric_type"], "TOKEN_USAGE");

    let listed: BTreeSet<String> = h.tool_names().await.into_iter().collect();
    assert_eq!(listed.len(), 28);
    assert_eq!(seen, listed, "every listed tool must be called");
}

#[tokio::test]
async fn every_resource_reads_end_to_end() {
    let h = harness().await;
    let list = h.rpc("resources/list", json!({})).await;
    let statics: Vec<&str> = list["result"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["uri"].as_str().expect("uri"))
        .collect();
    assert_eq!(statics, ["opik://workspace-info", "opik://projects-list"]);
    let templates = h.rpc("resources/templates/list", json!({})).await;
    let templates: BTreeSet<String> = templates["result"]["resourceTemplates"]
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| t["uriTemplate"].as_str().expect("uri").to_string())
        .collect();
    assert_eq!(templates.len(), 9);

    let ws = h.read_json("opik://workspace-info").await;
    assert_eq!(ws["name"], WORKSPACE);
    assert_eq!(h.read_json("opik://projects-list").await["total"], 2);
    assert_eq!(
        h.fake.last("GET", "/v1/private/projects").query["size"],
        "25"
    );
    let cases = [
        (
            "opik://projects/{page}/{size}",
            "opik://projects/1/1".to_string(),
            "total",
            json!(2),
        ),
        (
            "opik://prompts/{page}/{size}",
            "opik://prompts/1/10".into(),
            "total",
            json!(1),
        ),
        (
            "opik://prompt/{name}",
            format!("opik://prompt/{}", ids::PROMPT_NAME),
            "summary",
            json!(format!("Prompt \"greeting\" at commit {}", ids::COMMIT)),
        ),
        (
            "opik://prompt/{name}/{commit}",
            format!("opik://prompt/{}/{}", ids::PROMPT_NAME, ids::COMMIT),
            "summary",
            json!(format!("Prompt \"greeting\" at commit {}", ids::COMMIT)),
        ),
        (
            "opik://datasets/{page}/{size}",
            "opik://datasets/1/10".into(),
            "total",
            json!(1),
        ),
        (
            "opik://dataset/{datasetId}",
            format!("opik://dataset/{}", ids::DATASET),
            "summary",
            json!("Dataset \"qa-golden\""),
        ),
        (
            "opik://dataset/{datasetId}/items/{page}/{size}",
            format!("opik://dataset/{}/items/1/25", ids::DATASET),
            "total",
            json!(2),
        ),
        (
            "opik://trace/{traceId}",
            format!("opik://trace/{}", ids::TRACE_SHORT),
            "summary",
            json!(format!("Trace {} (summarise)", ids::TRACE_SHORT)),
        ),
        (
            "opik://traces/{projectId}/{page}/{size}",
            format!("opik://traces/{}/1/10", ids::PROJECT_DEMO),
            "total",
            json!(2),
        ),
    ];
    let mut covered = BTreeSet::new();
    for (template, uri, field, want) in cases {
        let body = h.read_json(&uri).await;
        assert_eq!(body[field], want, "{uri}: {body}");
        covered.insert(template.to_string());
    }
    assert_eq!(covered, templates, "every template must be read");
    let req = h.fake.last("GET", "/v1/private/traces");
    assert_eq!(req.query["project_id"], ids::PROJECT_DEMO);
    assert_eq!(req.header("authorization"), Some(KEY));
}

#[tokio::test]
async fn every_prompt_renders_with_its_arguments() {
    let h = harness().await;
    let list = h.rpc("prompts/list", json!({})).await;
    let prompts = list["result"]["prompts"].as_array().expect("prompts");
    let names: Vec<&str> = prompts
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["opik-triage-workflow", "opik-dataset-maintenance"]);
    assert_eq!(
        prompts[0]["arguments"][0],
        json!({"name": "goal", "description": "What the user wants to achieve with Opik.", "required": true})
    );

    let triage = h
        .prompt(
            "opik-triage-workflow",
            json!({"goal": "find slow traces", "scope": "traces"}),
        )
        .await;
    let text = triage["result"]["messages"][0]["content"]["text"]
        .as_str()
        .expect("text");
    assert!(
        text.contains("Goal: find slow traces") && text.contains("Scope: traces"),
        "{text}"
    );
    assert_eq!(triage["result"]["messages"][0]["role"], "user");

    let ds = h
        .prompt(
            "opik-dataset-maintenance",
            json!({"datasetName": "qa-golden"}),
        )
        .await;
    let text = ds["result"]["messages"][0]["content"]["text"]
        .as_str()
        .expect("text");
    assert!(
        text.contains("Dataset: qa-golden") && text.contains("Find low-quality items"),
        "{text}"
    );

    let missing = h.prompt("opik-dataset-maintenance", json!({})).await;
    assert_eq!(missing["error"]["code"], -32602, "{missing}");
    assert!(
        missing["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("datasetName")
    );
    assert!(h.fake.requests().is_empty(), "prompts make no Opik calls");
}

#[tokio::test]
async fn long_trace_input_is_truncated_with_a_marker_and_a_note() {
    let h = harness().await;
    let out = h
        .call_ok("get-trace-by-id", json!({"traceId": ids::TRACE_LONG}))
        .await;
    let input = out["item"]["input"]["question"].as_str().expect("input");
    let cut = LONG_INPUT_CHARS - 4000;
    assert!(
        input.ends_with(&format!("…[truncated {cut} chars]")),
        "{}",
        &input[input.len() - 40..]
    );
    assert_eq!(
        input.chars().count(),
        4000 + format!("…[truncated {cut} chars]").chars().count()
    );
    let notes = out["notes"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .expect("note")
            .contains("1 long text value(s) were cut")),
        "{notes:?}"
    );
}
