//! `completion/complete` against the fake Opik: the capability is advertised, prompt arguments
//! and template variables complete from Opik (then from the cache), fixed lists complete
//! without Opik, bad references are invalid params, and an unreachable or slow Opik gives an
//! empty list in bounded time.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{
    fake_opik::{Fault, analysis, ids},
    helpers::{initialize_request, spawn_app_with},
    opik_support::{Harness, harness, harness_with},
};

fn prompt_ref(name: &str, arg: &str, value: &str) -> Value {
    json!({"ref": {"type": "ref/prompt", "name": name}, "argument": {"name": arg, "value": value}})
}

fn template_ref(uri: &str, var: &str, value: &str) -> Value {
    json!({"ref": {"type": "ref/resource", "uri": uri}, "argument": {"name": var, "value": value}})
}

/// The completion's values (fails on a JSON-RPC error).
async fn complete(h: &Harness, params: Value) -> (Vec<String>, Value) {
    let reply = h.rpc("completion/complete", params).await;
    let completion = reply["result"]["completion"].clone();
    assert!(completion.is_object(), "{reply}");
    let values = completion["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| v.as_str().expect("string").to_owned())
        .collect();
    (values, completion)
}

#[tokio::test]
async fn initialize_advertises_completions_and_resource_subscriptions() {
    let app = spawn_app_with(|_| {}).await;
    let resp = app.post_mcp(&initialize_request(1), None).await;
    let body: Value = resp.json().await.expect("json");
    let caps = &body["result"]["capabilities"];
    assert!(caps["completions"].is_object(), "{caps}");
    assert_eq!(caps["resources"]["subscribe"], true, "{caps}");
}

#[tokio::test]
async fn prompt_arguments_complete_from_opik_then_from_the_cache() {
    let h = harness().await;
    h.fake.clear();
    let (values, info) = complete(
        &h,
        prompt_ref("opik-dataset-maintenance", "datasetName", "qa"),
    )
    .await;
    assert_eq!(values, [ids::DATASET_NAME]);
    assert_eq!(info["hasMore"], false);
    let asked = h.fake.last("GET", "/v1/private/datasets");
    assert_eq!(asked.query["name"], "qa");
    assert_eq!(
        asked.header("comet-workspace"),
        Some(crate::fake_opik::WORKSPACE)
    );
    // The same text again: answered from the cache, Opik is not asked twice.
    let (again, _) = complete(
        &h,
        prompt_ref("opik-dataset-maintenance", "datasetName", "qa"),
    )
    .await;
    assert_eq!(again, values);
    assert_eq!(h.fake.requests_to("GET", "/v1/private/datasets").len(), 1);
    // Two experiments share a name: one suggestion.
    let (experiments, _) = complete(
        &h,
        prompt_ref("opik-dataset-maintenance", "experimentName", "base"),
    )
    .await;
    assert_eq!(experiments, [ids::AMBIGUOUS_NAME]);
}

#[tokio::test]
async fn template_variables_complete_names_and_ids_and_fixed_lists_need_no_opik() {
    let h = harness().await;
    let (prompts, _) = complete(&h, template_ref("opik://prompt/{name}", "name", "gre")).await;
    assert_eq!(prompts, [ids::PROMPT_NAME]);
    let traces = "opik://traces/{projectId}/{page}/{size}";
    let (projects, info) = complete(&h, template_ref(traces, "projectId", "")).await;
    assert_eq!(
        projects,
        [
            ids::PROJECT_DEMO,
            ids::PROJECT_OTHER,
            analysis::ids::PROJECT
        ]
    );
    assert_eq!(info["total"], 3);
    let (other, _) = complete(&h, template_ref(traces, "projectId", "other")).await;
    assert_eq!(
        other,
        [ids::PROJECT_OTHER],
        "ids of the projects whose name matches"
    );
    h.fake.clear();
    let (scopes, _) = complete(&h, prompt_ref("opik-triage-workflow", "scope", "tr")).await;
    assert_eq!(scopes, ["traces", "metrics"], "prefix matches first");
    let (none, _) = complete(&h, template_ref(traces, "page", "1")).await;
    assert!(none.is_empty());
    assert!(
        h.fake.requests().is_empty(),
        "fixed and empty sources never call Opik"
    );
}

#[tokio::test]
async fn unknown_prompts_templates_and_arguments_are_invalid_params() {
    let h = harness().await;
    for params in [
        prompt_ref("no-such-prompt", "x", ""),
        prompt_ref("opik-triage-workflow", "nope", ""),
        template_ref("opik://nothing/{x}", "x", ""),
        template_ref("opik://prompt/{name}", "commitz", ""),
    ] {
        let reply = h.rpc("completion/complete", params.clone()).await;
        assert_eq!(reply["error"]["code"], -32602, "{params}: {reply}");
    }
}

#[tokio::test]
async fn an_unreachable_opik_completes_to_an_empty_list() {
    let h = harness_with(|s| s.opik.api_url = "http://127.0.0.1:9/opik/api".into()).await;
    let started = Instant::now();
    let (values, info) = complete(
        &h,
        prompt_ref("opik-dataset-maintenance", "datasetName", "q"),
    )
    .await;
    assert!(values.is_empty());
    assert_eq!(info["total"], 0);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_slow_opik_completes_to_an_empty_list_within_the_completion_timeout() {
    let h = harness_with(|s| s.opik.completion_timeout_ms = 300).await;
    h.fake.fail(
        Some("GET"),
        "/v1/private/prompts",
        Fault::Delay(Duration::from_secs(5)),
        None,
    );
    let started = Instant::now();
    let (values, _) = complete(&h, template_ref("opik://prompt/{name}", "name", "g")).await;
    assert!(values.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
