//! Every tool, called once or more through one session.

use std::collections::BTreeSet;

use serde_json::json;

use super::check;
use crate::{
    fake_opik::ids,
    opik_support::{Harness, harness_with},
};

#[tokio::test]
async fn every_tool_works_end_to_end_against_the_fake() {
    // The classic 28 (`all` would add the consolidated tools, tested in consolidated_write).
    let classic = "core,expert-prompts,expert-datasets,expert-trace-actions,\
                   expert-project-actions,integration,metrics";
    let h = harness_with(|s| s.opik.toolsets = classic.parse().expect("toolsets")).await;
    let mut seen = BTreeSet::new();
    capabilities(&h, &mut seen).await;
    projects_and_traces(&h, &mut seen).await;
    prompts(&h, &mut seen).await;
    datasets_and_metrics(&h, &mut seen).await;
    let listed: BTreeSet<String> = h.tool_names().await.into_iter().collect();
    assert_eq!(listed.len(), 28);
    assert_eq!(seen, listed, "every listed tool must be called");
}

/// The static tools: no Opik call at all.
async fn capabilities(h: &Harness, s: &mut BTreeSet<String>) {
    let info = check(h, s, "get-server-info", json!({}), "", "").await;
    assert_eq!(info["enabledTools"].as_array().expect("tools").len(), 28);
    let help = check(h, s, "get-opik-help", json!({"topic": "traces"}), "", "").await;
    assert!(help["text"].as_str().expect("text").contains("Traces"));
    let ex = check(
        h,
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
        h,
        s,
        "get-opik-metrics-info",
        json!({"metric": "hallucination"}),
        "",
        "",
    )
    .await;
    assert_eq!(m["metrics"][0]["name"], "Hallucination");
    let t = check(
        h,
        s,
        "get-opik-tracing-info",
        json!({"topic": "spans"}),
        "",
        "",
    )
    .await;
    assert!(t["text"].as_str().expect("text").starts_with("## Spans"));
    let docs = check(h, s, "opik-integration-docs", json!({}), "", "").await;
    assert!(
        docs["text"]
            .as_str()
            .expect("text")
            .contains("pip install opik")
    );
}

/// Projects, traces, threads, search and feedback.
async fn projects_and_traces(h: &Harness, s: &mut BTreeSet<String>) {
    let p = check(
        h,
        s,
        "list-projects",
        json!({"page": 1, "size": 5}),
        "GET",
        "/v1/private/projects",
    )
    .await;
    assert_eq!(p["total"], 3);
    assert_eq!(p["items"][0]["name"], "demo-app");
    let created = check(
        h,
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

    let traces = check(
        h,
        s,
        "list-traces",
        json!({"projectName": "demo-app"}),
        "GET",
        "/v1/private/traces",
    )
    .await;
    assert_eq!(traces["total"], 2);
    let trace = check(
        h,
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
        h,
        s,
        "get-trace-stats",
        json!({"projectId": ids::PROJECT_DEMO, "startDate": "2025-06-01", "endDate": "2025-06-30"}),
        "GET",
        "/v1/private/traces/stats",
    )
    .await;
    assert_eq!(stats["item"]["stats"][0]["value"], 2);
    let threads = check(
        h,
        s,
        "get-trace-threads",
        json!({"projectName": "demo-app"}),
        "GET",
        "/v1/private/traces/threads",
    )
    .await;
    assert_eq!(threads["items"][0]["id"], ids::THREAD);
    let one = check(
        h,
        s,
        "get-trace-threads",
        json!({"projectName": "demo-app", "threadId": ids::THREAD}),
        "POST",
        "/v1/private/traces/threads/retrieve",
    )
    .await;
    assert_eq!(one["items"][0]["number_of_messages"], 2);
    let found = check(h, s, "search-traces", json!({"projectName": "demo-app", "query": "chat", "filters": {"duration": {"$gt": 1000}}, "sortBy": "duration"}), "GET", "/v1/private/traces").await;
    assert_eq!(
        found["total"], 1,
        "only chat-turn mentions \"chat\": {found}"
    );
    let fb = check(h, s, "add-trace-feedback", json!({"traceId": ids::TRACE_SHORT, "scores": [{"name": "relevance", "value": 0.8, "reason": "on topic"}, {"name": "tone", "value": 1}]}), "PUT", &format!("/v1/private/traces/{}/feedback-scores", ids::TRACE_SHORT)).await;
    assert!(
        fb["summary"]
            .as_str()
            .expect("summary")
            .contains("relevance=0.8")
    );
}

/// The prompt library, ending with deleting the prompt it created.
async fn prompts(h: &Harness, s: &mut BTreeSet<String>) {
    let prompts = check(
        h,
        s,
        "get-prompts",
        json!({"name": "greet"}),
        "GET",
        "/v1/private/prompts",
    )
    .await;
    assert_eq!(prompts["items"][0]["name"], ids::PROMPT_NAME);
    let np = check(
        h,
        s,
        "create-prompt",
        json!({"name": "farewell", "description": "Says bye", "tags": ["b", "a"]}),
        "POST",
        "/v1/private/prompts",
    )
    .await;
    let new_prompt = np["id"].as_str().expect("id").to_string();
    let saved = check(h, s, "save-prompt-version", json!({"name": "farewell", "template": "Bye {{name}}", "changeDescription": "first", "type": "mustache", "metadata": {"k": 1}}), "POST", "/v1/private/prompts/versions").await;
    let commit = saved["item"]["commit"]
        .as_str()
        .expect("commit")
        .to_string();
    let v = check(
        h,
        s,
        "get-prompt-version",
        json!({"name": "farewell", "commit": commit}),
        "POST",
        "/v1/private/prompts/versions/retrieve",
    )
    .await;
    assert_eq!(v["item"]["template"], "Bye {{name}}");
    let byid = check(
        h,
        s,
        "get-prompt-by-id",
        json!({"promptId": ids::PROMPT}),
        "GET",
        &format!("/v1/private/prompts/{}", ids::PROMPT),
    )
    .await;
    assert_eq!(byid["item"]["latest_version"]["commit"], ids::COMMIT);
    check(
        h,
        s,
        "delete-prompt",
        json!({"promptId": new_prompt}),
        "DELETE",
        &format!("/v1/private/prompts/{new_prompt}"),
    )
    .await;
}

/// Datasets and items (created, listed, deleted) and metrics.
async fn datasets_and_metrics(h: &Harness, s: &mut BTreeSet<String>) {
    let ds = check(
        h,
        s,
        "list-datasets",
        json!({}),
        "GET",
        "/v1/private/datasets",
    )
    .await;
    assert_eq!(ds["items"][0]["name"], ids::DATASET_NAME);
    let one = check(
        h,
        s,
        "get-dataset-by-id",
        json!({"datasetId": ids::DATASET}),
        "GET",
        &format!("/v1/private/datasets/{}", ids::DATASET),
    )
    .await;
    assert_eq!(one["item"]["dataset_items_count"], 2);
    let nd = check(
        h,
        s,
        "create-dataset",
        json!({"name": "scratch"}),
        "POST",
        "/v1/private/datasets",
    )
    .await;
    let new_dataset = nd["id"].as_str().expect("id").to_string();
    let item = check(
        h,
        s,
        "create-dataset-item",
        json!({"datasetId": ids::DATASET, "input": {"q": "1+1?"}, "expectedOutput": {"a": "2"}}),
        "PUT",
        "/v1/private/datasets/items",
    )
    .await;
    let new_item = item["id"].as_str().expect("id").to_string();
    let items = check(
        h,
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
        h,
        s,
        "delete-dataset-item",
        json!({"itemId": new_item}),
        "POST",
        "/v1/private/datasets/items/delete",
    )
    .await;
    check(
        h,
        s,
        "delete-dataset",
        json!({"datasetId": new_dataset}),
        "DELETE",
        &format!("/v1/private/datasets/{new_dataset}"),
    )
    .await;

    let metrics = check(
        h,
        s,
        "get-metrics",
        json!({"metricName": "tokens", "projectName": "demo-app", "startDate": "2025-06-01"}),
        "POST",
        &format!("/v1/private/projects/{}/metrics", ids::PROJECT_DEMO),
    )
    .await;
    assert_eq!(metrics["item"]["metric_type"], "TOKEN_USAGE");
}
