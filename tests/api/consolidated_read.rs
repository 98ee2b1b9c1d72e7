//! The consolidated `read` tool against the fake Opik: every entity type, composites, name
//! resolution (unique, ambiguous, missing), `opik://` URIs (the resource forms too) and Opik UI
//! links. The budget on large traces is in `consolidated_read_budget.rs`.

use serde_json::{Value, json};

use crate::{
    fake_opik::{WORKSPACE, ids},
    opik_support::{Harness, harness},
};

/// The header line and the parsed JSON of a `read` answer.
async fn read(h: &Harness, args: Value) -> (String, Value) {
    h.call_budgeted("read", args).await
}

#[tokio::test]
async fn every_entity_type_is_read_by_uuid() {
    let h = harness().await;
    let (header, v) = read(
        &h,
        json!({"entity_type": "project", "id": ids::PROJECT_DEMO}),
    )
    .await;
    assert!(
        header.starts_with(&format!("[read: project {}", ids::PROJECT_DEMO)),
        "{header}"
    );
    assert!(
        header.contains("tier full") && header.contains("cut: nothing"),
        "{header}"
    );
    assert_eq!(v["name"], "demo-app");

    let (_, v) = read(&h, json!({"entity_type": "span", "id": ids::SPAN_1})).await;
    assert_eq!(v["name"], "retrieve");
    let (_, v) = read(&h, json!({"entity_type": "test_suite", "id": ids::DATASET})).await;
    assert_eq!(v["name"], ids::DATASET_NAME);
    let (_, v) = read(
        &h,
        json!({"entity_type": "experiment", "id": ids::EXPERIMENT}),
    )
    .await;
    assert_eq!(v["name"], ids::EXPERIMENT_NAME);

    let (_, v) = read(&h, json!({"entity_type": "trace", "id": ids::TRACE_LONG})).await;
    assert_eq!(v["trace"]["id"], ids::TRACE_LONG);
    let spans: Vec<&str> = v["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(spans, [ids::SPAN_1, ids::SPAN_2]);
    assert_eq!(v["spans_truncated"], false);
    let q = &h.fake.last("GET", "/v1/private/spans").query;
    assert_eq!(q["trace_id"], ids::TRACE_LONG);
    assert_eq!(q["project_id"], ids::PROJECT_DEMO, "spans need the project");

    let (_, v) = read(&h, json!({"entity_type": "prompt", "id": ids::PROMPT})).await;
    assert_eq!(v["prompt"]["name"], ids::PROMPT_NAME);
    assert_eq!(v["versions"][0]["commit"], ids::COMMIT);
    assert_eq!(v["versions_truncated"], false);

    let (_, v) = read(
        &h,
        json!({"entity_type": "thread", "id": ids::THREAD, "project_name": "demo-app"}),
    )
    .await;
    assert_eq!(v["thread"]["id"], ids::THREAD);
    let messages = v["messages"].as_array().expect("messages");
    assert_eq!(
        messages.len(),
        2,
        "both demo traces carry the thread id: {v}"
    );
    assert!(
        messages
            .iter()
            .all(|m| m["trace_id"].is_string() && m["input"].is_object())
    );
    let r = h.fake.last("GET", "/v1/private/traces");
    assert_eq!(r.query["project_name"], "demo-app");
    let filters: Value = serde_json::from_str(&r.query["filters"]).expect("filters JSON");
    assert_eq!(
        filters,
        json!([{"field": "thread_id", "operator": "=", "value": ids::THREAD}])
    );
}

#[tokio::test]
async fn names_resolve_with_a_second_call_and_ambiguous_or_missing_names_are_explained() {
    let h = harness().await;
    h.fake.clear();
    let (header, v) = read(&h, json!({"entity_type": "prompt", "id": ids::PROMPT_NAME})).await;
    assert_eq!(v["prompt"]["id"], ids::PROMPT);
    assert!(
        header.contains(ids::PROMPT),
        "the header names the resolved id: {header}"
    );
    let lookup = h.fake.last("GET", "/v1/private/prompts");
    assert_eq!(lookup.query["name"], ids::PROMPT_NAME);
    h.fake
        .last("GET", &format!("/v1/private/prompts/{}", ids::PROMPT));

    let (_, v) = read(
        &h,
        json!({"entity_type": "test_suite", "id": ids::DATASET_NAME}),
    )
    .await;
    assert_eq!(v["id"], ids::DATASET);
    let (_, v) = read(&h, json!({"entity_type": "project", "id": "other-app"})).await;
    assert_eq!(v["id"], ids::PROJECT_OTHER);

    let ambiguous = h
        .call_err(
            "read",
            json!({"entity_type": "experiment", "id": ids::AMBIGUOUS_NAME}),
        )
        .await;
    assert!(
        ambiguous.contains("2 experiments are named \"baseline\"")
            && ambiguous.contains(ids::EXPERIMENT_B1)
            && ambiguous.contains(ids::EXPERIMENT_B2),
        "{ambiguous}"
    );
    let missing = h
        .call_err(
            "read",
            json!({"entity_type": "test_suite", "id": "no-such-suite"}),
        )
        .await;
    assert!(
        missing.contains("no test_suite is named \"no-such-suite\"")
            && missing.contains("list(entity_type=\"test_suite\")"),
        "{missing}"
    );
    let similar = h
        .call_err("read", json!({"entity_type": "experiment", "id": "gpt-4o"}))
        .await;
    assert!(
        similar.contains("no experiment is named exactly") && similar.contains(ids::EXPERIMENT),
        "{similar}"
    );
}

#[tokio::test]
async fn opik_uris_and_ui_links_name_entities() {
    let h = harness().await;
    let (_, v) = read(
        &h,
        json!({"entity_type": "trace", "id": format!("opik://traces/{}", ids::TRACE_SHORT)}),
    )
    .await;
    assert_eq!(v["trace"]["name"], "summarise");
    let uri = format!(
        "opik://projects/{}/threads/{}",
        ids::PROJECT_DEMO,
        ids::THREAD
    );
    let (_, v) = read(&h, json!({"entity_type": "thread", "id": uri})).await;
    assert_eq!(v["thread"]["id"], ids::THREAD);
    let retrieve = h.fake.last("POST", "/v1/private/traces/threads/retrieve");
    assert_eq!(
        retrieve.body.expect("body"),
        json!({"project_id": ids::PROJECT_DEMO, "thread_id": ids::THREAD})
    );

    let ui = format!("https://www.comet.com/opik/{WORKSPACE}");
    let trace_link = format!(
        "{ui}/projects/{}/traces?trace={}&span={}",
        ids::PROJECT_DEMO,
        ids::TRACE_LONG,
        ids::SPAN_2
    );
    let (_, v) = read(&h, json!({"entity_type": "span", "id": trace_link})).await;
    assert_eq!(v["name"], "llm-call");
    let thread_link = format!(
        "{ui}/projects/{}/traces?type=threads&thread={}",
        ids::PROJECT_DEMO,
        ids::THREAD
    );
    let (_, v) = read(&h, json!({"entity_type": "thread", "id": thread_link})).await;
    assert_eq!(v["messages"].as_array().expect("messages").len(), 2);
    let exp_link = format!(
        "{ui}/experiments/{}/compare?experiments=%5B%22{}%22%5D",
        ids::DATASET,
        ids::EXPERIMENT
    );
    let (_, v) = read(&h, json!({"entity_type": "experiment", "id": exp_link})).await;
    assert_eq!(v["id"], ids::EXPERIMENT);
    let ds_link = format!("{ui}/datasets/{}/items", ids::DATASET);
    let (_, v) = read(&h, json!({"entity_type": "test_suite", "id": ds_link})).await;
    assert_eq!(v["id"], ids::DATASET);

    let mismatch = h
        .call_err(
            "read",
            json!({"entity_type": "prompt", "id": format!("opik://traces/{}", ids::TRACE_LONG)}),
        )
        .await;
    assert!(mismatch.contains("entity_type is prompt"), "{mismatch}");
}

#[tokio::test]
async fn a_thread_without_a_project_and_bad_arguments_are_refused_before_any_call() {
    let h = harness().await;
    h.fake.clear();
    let thread = h
        .call_err("read", json!({"entity_type": "thread", "id": ids::THREAD}))
        .await;
    assert!(
        thread.contains("pass project_name or project_id"),
        "{thread}"
    );
    let span = h
        .call_err("read", json!({"entity_type": "span", "id": "a-span-name"}))
        .await;
    assert!(span.contains("span ids are UUIDs"), "{span}");
    let budget = h
        .call_err(
            "read",
            json!({"entity_type": "project", "id": ids::PROJECT_DEMO, "max_tokens": 50}),
        )
        .await;
    assert!(budget.contains("between 100 and 200000"), "{budget}");
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}

/// Not in the contract suite: the spec documents no 404 for `GET spans/{id}`.
#[tokio::test]
async fn an_unknown_span_is_an_upstream_refusal_reported_as_not_found() {
    let h = harness().await;
    let unknown = h
        .call_err(
            "read",
            json!({"entity_type": "span", "id": "0190a000-0000-7000-8000-0000000000ff"}),
        )
        .await;
    assert!(unknown.to_lowercase().contains("not found"), "{unknown}");
}

#[tokio::test]
async fn the_legacy_resource_uris_are_read_forms_and_page_uris_name_the_list_call() {
    let h = harness().await;
    let (_, v) = read(
        &h,
        json!({"entity_type": "trace", "id": format!("opik://trace/{}", ids::TRACE_SHORT)}),
    )
    .await;
    assert_eq!(
        v["trace"]["id"],
        ids::TRACE_SHORT,
        "the resource form reads too"
    );
    let (_, v) = read(
        &h,
        json!({"entity_type": "test_suite", "id": format!("opik://dataset/{}", ids::DATASET)}),
    )
    .await;
    assert_eq!(v["name"], ids::DATASET_NAME);
    let (_, v) = read(
        &h,
        json!({"entity_type": "prompt", "id": format!("opik://prompt/{}/{}", ids::PROMPT_NAME, ids::COMMIT)}),
    )
    .await;
    assert_eq!(
        v["version"]["commit"],
        ids::COMMIT,
        "the commit picks the version"
    );
    let page = h
        .call_err(
            "read",
            json!({"entity_type": "trace", "id": format!("opik://traces/{}/1/10", ids::PROJECT_DEMO)}),
        )
        .await;
    assert!(
        page.contains("is a page, not one entity: use list(entity_type=\"trace\""),
        "{page}"
    );
}
