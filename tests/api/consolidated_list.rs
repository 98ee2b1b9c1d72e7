//! The consolidated `list` and `run_experiment` tools against the fake Opik: every listable
//! type as a table with a pagination footer, project-scoped types refused without a project,
//! name filters, and the exact `experiments/execute` request.

use serde_json::{Value, json};

use crate::{
    fake_opik::{WORKSPACE, analysis, ids},
    opik_support::{Harness, harness},
};

async fn list(h: &Harness, args: Value) -> String {
    h.call_text("list", args).await
}

#[tokio::test]
async fn every_listable_type_is_a_table_with_a_footer() {
    let h = harness().await;
    let cases = [
        (
            json!({"entity_type": "project"}),
            "id | name | last_updated_trace_at",
            ids::PROJECT_DEMO,
            3,
        ),
        (
            json!({"entity_type": "trace", "project_name": "demo-app"}),
            "id | name | start_time",
            ids::TRACE_LONG,
            2,
        ),
        (
            json!({"entity_type": "thread", "project_id": ids::PROJECT_DEMO}),
            "id | number_of_messages",
            ids::THREAD,
            1,
        ),
        (
            json!({"entity_type": "span", "trace_id": ids::TRACE_LONG}),
            "id | name | type | parent_span_id",
            ids::SPAN_1,
            2,
        ),
        (
            json!({"entity_type": "test_suite"}),
            "id | name | dataset_items_count",
            ids::DATASET,
            2,
        ),
        (
            json!({"entity_type": "test_suite_item", "test_suite_id": ids::DATASET}),
            "id | data | source",
            ids::ITEM_1,
            2,
        ),
        (
            json!({"entity_type": "experiment"}),
            "id | name | dataset_name | status",
            ids::EXPERIMENT,
            5,
        ),
        (
            json!({"entity_type": "prompt"}),
            "id | name | version_count",
            ids::PROMPT,
            1,
        ),
        (
            json!({"entity_type": "prompt_version", "prompt_id": ids::PROMPT}),
            "id | commit",
            ids::COMMIT,
            1,
        ),
    ];
    for (args, columns, expected, total) in cases {
        let kind = args["entity_type"].as_str().expect("type").to_string();
        let text = list(&h, args).await;
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with(columns), "{kind}: {text}");
        assert!(lines[1].starts_with("---|"), "{kind}: {text}");
        assert!(text.contains(expected), "{kind}: {text}");
        assert_eq!(lines.len(), 2 + total + 1, "{kind}: {text}");
        let footer = lines.last().expect("footer");
        assert_eq!(
            *footer,
            format!("-- {total} {kind}(s), page 1 of 1, {total} shown; last page"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn spans_beyond_the_first_two_hundred_of_a_trace_are_reachable_page_by_page() {
    let h = harness().await;
    let big = "0190a000-0000-7000-8000-0000000002fe";
    analysis::seed_big_trace(&mut h.fake.state.data.lock().expect("lock"), big, 300, 100);
    h.fake.clear();
    let text = list(
        &h,
        json!({"entity_type": "span", "trace_id": big, "page": 3, "size": 100}),
    )
    .await;
    assert!(
        text.contains("step-299") && text.contains("step-200"),
        "{text}"
    );
    assert!(!text.contains("step-199 "), "{text}");
    assert!(
        text.ends_with("-- 300 span(s), page 3 of 3, 100 shown; last page"),
        "{text}"
    );
    let lookup = h.fake.last("GET", &format!("/v1/private/traces/{big}"));
    assert_eq!(
        lookup.method, "GET",
        "the project is looked up from the trace"
    );
    let q = &h.fake.last("GET", "/v1/private/spans").query;
    assert_eq!(q["project_id"], analysis::ids::PROJECT);
    assert_eq!(q["trace_id"], big);
    assert_eq!((q["page"].as_str(), q["size"].as_str()), ("3", "100"));
    let first = list(
        &h,
        json!({"entity_type": "span", "trace_id": big, "size": 100}),
    )
    .await;
    assert!(
        first.ends_with(&format!(
            "next: list(entity_type=\"span\", page=2, size=100, trace_id=\"{big}\")"
        )),
        "{first}"
    );
    let refused = h.call_err("list", json!({"entity_type": "span"})).await;
    assert!(refused.contains("needs trace_id"), "{refused}");
}

#[tokio::test]
async fn the_footer_names_the_next_page_call() {
    let h = harness().await;
    let text = list(
        &h,
        json!({"entity_type": "experiment", "size": 2, "name": "n"}),
    )
    .await;
    assert!(
        text.ends_with(
            "-- 3 experiment(s), page 1 of 2, 2 shown; next: list(entity_type=\"experiment\", \
             page=2, size=2, name=\"n\")"
        ),
        "{text}"
    );
    let q = &h.fake.last("GET", "/v1/private/experiments").query;
    assert_eq!(
        (q["page"].as_str(), q["size"].as_str(), q["name"].as_str()),
        ("1", "2", "n")
    );
}

#[tokio::test]
async fn project_scoped_lists_without_a_project_are_refused_and_send_nothing() {
    let h = harness().await;
    h.fake.clear();
    for kind in ["trace", "thread"] {
        let err = h.call_err("list", json!({"entity_type": kind})).await;
        assert!(
            err.contains(&format!("list(entity_type=\"{kind}\") needs a project"))
                && err.contains("project_name or project_id"),
            "{err}"
        );
    }
    let err = h
        .call_err("list", json!({"entity_type": "test_suite_item"}))
        .await;
    assert!(err.contains("needs test_suite_id"), "{err}");
    let err = h
        .call_err("list", json!({"entity_type": "prompt_version"}))
        .await;
    assert!(err.contains("needs prompt_id"), "{err}");
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}

#[tokio::test]
async fn name_filters_and_parent_names_reach_opik() {
    let h = harness().await;
    let text = list(
        &h,
        json!({"entity_type": "trace", "project_name": "demo-app", "name": "summ"}),
    )
    .await;
    assert!(
        text.contains(ids::TRACE_SHORT) && !text.contains(ids::TRACE_LONG),
        "{text}"
    );
    let q = &h.fake.last("GET", "/v1/private/traces").query;
    let filters: Value = serde_json::from_str(&q["filters"]).expect("filters");
    assert_eq!(
        filters,
        json!([{"field": "name", "operator": "contains", "value": "summ"}])
    );

    let text = list(
        &h,
        json!({"entity_type": "test_suite_item", "test_suite_id": ids::DATASET_NAME}),
    )
    .await;
    assert!(
        text.contains(ids::ITEM_2),
        "a test suite name resolves: {text}"
    );
    h.fake.last(
        "GET",
        &format!("/v1/private/datasets/{}/items", ids::DATASET),
    );

    let text = list(
        &h,
        json!({"entity_type": "experiment", "test_suite_id": ids::DATASET}),
    )
    .await;
    assert!(text.contains(ids::EXPERIMENT), "{text}");
    assert_eq!(
        h.fake.last("GET", "/v1/private/experiments").query["datasetId"],
        ids::DATASET
    );
}

/// Message contents are objects and there are no `configs` here: the spec declares both as
/// `JsonNode`, which its generator renders as `type: object` (the contract suite validates
/// against it); strings and numbers are covered by [`run_experiment_passes_string_content_through`].
fn config() -> Value {
    let content = json!({"type": "text", "text": "{{input}}"});
    json!({"experiment_config": {
        "dataset_name": ids::DATASET_NAME,
        "project_name": "demo-app",
        "prompts": [
            {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}],
             "prompt_version_id": ids::PROMPT_VERSION},
            {"model": "gpt-4o", "messages": [{"role": "system", "content": {"text": "Be brief"}},
                                              {"role": "user", "content": content}]}
        ]
    }})
}

#[tokio::test]
async fn run_experiment_posts_the_spec_body_and_returns_ids_and_a_results_link() {
    let h = harness().await;
    let out = h.call_ok("run_experiment", config()).await;
    let body = h
        .fake
        .last("POST", "/v1/private/experiments/execute")
        .body
        .expect("body");
    assert_eq!(
        body,
        json!({
            "dataset_name": ids::DATASET_NAME,
            "dataset_id": ids::DATASET,
            "project_name": "demo-app",
            "prompts": [
                {"model": "gpt-4o-mini",
                 "messages": [{"role": "user", "content": {"type": "text", "text": "{{input}}"}}],
                 "prompt_versions": [{"id": ids::PROMPT_VERSION}]},
                {"model": "gpt-4o",
                 "messages": [{"role": "system", "content": {"text": "Be brief"}},
                              {"role": "user", "content": {"type": "text", "text": "{{input}}"}}]}
            ]
        })
    );
    let exp_ids = out["experiment_ids"].as_array().expect("ids");
    assert_eq!(exp_ids.len(), 2, "{out}");
    assert_eq!(out["prompt_indexes"], json!([0, 1]));
    assert_eq!(out["total_items"], 2);
    let url = out["results_url"].as_str().expect("url");
    let api = h.fake.api_url();
    let ui = api.strip_suffix("/api").unwrap_or(&api);
    let id = |i: usize| exp_ids[i].as_str().expect("id").to_string();
    assert_eq!(
        url,
        format!(
            "{ui}/{WORKSPACE}/redirect/experiments?experiments=%5B%22{}%22%2C%22{}%22%5D",
            id(0),
            id(1)
        )
    );
}

/// Not in the contract suite (the spec's `JsonNode` is `type: object`): plain-text contents and
/// numeric model configs, as Opik's own playground sends them, go through unchanged, and a
/// dataset id alone is enough.
#[tokio::test]
async fn run_experiment_passes_string_content_through() {
    let h = harness().await;
    let args = json!({"experiment_config": {"dataset_id": ids::DATASET,
        "prompts": [{"model": "m", "messages": [{"role": "user", "content": "Say {{input}}"}],
                     "configs": {"temperature": 0.2, "max_tokens": 50}}]}});
    let out = h.call_ok("run_experiment", args).await;
    assert_eq!(out["experiment_ids"].as_array().expect("ids").len(), 1);
    let body = h
        .fake
        .last("POST", "/v1/private/experiments/execute")
        .body
        .expect("body");
    assert_eq!(
        body["prompts"][0]["messages"][0]["content"],
        "Say {{input}}"
    );
    assert_eq!(
        body["dataset_name"],
        ids::DATASET_NAME,
        "looked up from the id"
    );
}

#[tokio::test]
async fn run_experiment_validates_before_sending() {
    let h = harness().await;
    h.fake.clear();
    let mut none = config();
    none["experiment_config"]["prompts"] = json!([]);
    let err = h.call_err("run_experiment", none).await;
    assert!(
        err.contains("experiment_config.prompts: expected 1 to 10"),
        "{err}"
    );
    let mut no_dataset = config();
    no_dataset["experiment_config"]
        .as_object_mut()
        .expect("obj")
        .remove("dataset_name");
    let err = h.call_err("run_experiment", no_dataset).await;
    assert!(err.contains("expected dataset_name or dataset_id"), "{err}");
    let mut bad = config();
    bad["experiment_config"]["prompts"][1]["messages"] = json!([]);
    let err = h.call_err("run_experiment", bad).await;
    assert!(err.contains("prompts[1].messages"), "{err}");
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}
