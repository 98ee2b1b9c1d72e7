//! The consolidated `read` tool against the fake Opik: every entity type, composites, name
//! resolution (unique, ambiguous, missing), `opik://` URIs and Opik UI links, and the token
//! budget on a trace with 1,000 large spans.

use serde_json::{Value, json};

use crate::{
    fake_opik::{WORKSPACE, analysis, data, ids},
    opik_support::{Harness, harness},
};

/// The header line and the parsed JSON of a `read` answer.
async fn read(h: &Harness, args: Value) -> (String, Value) {
    let result = h.call("read", args.clone()).await;
    assert_eq!(result["isError"], false, "read {args} failed: {result}");
    let text = result["content"][0]["text"].as_str().expect("text");
    let (header, body) = text.split_once('\n').expect("header line");
    let value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (header.to_string(), value)
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

/// 1,000 spans of 4,000 characters each (about a million tokens of JSON) under one trace.
fn seed_large_trace(h: &Harness) {
    let mut d = h.fake.state.data.lock().expect("lock");
    d.spans.retain(|s| s["trace_id"] != ids::TRACE_SHORT);
    for i in 0..1000 {
        let id = format!("0190a000-0000-7000-8000-00000001{i:04}");
        let mut s = data::span(&id, ids::TRACE_SHORT, ids::PROJECT_DEMO, "step", "");
        s["input"] = json!({"text": format!("{i}:{}", "lorem ipsum ".repeat(333))});
        d.spans.push(s);
    }
}

#[tokio::test]
async fn a_trace_with_a_thousand_large_spans_stays_within_the_token_budget() {
    let h = harness().await;
    seed_large_trace(&h);
    for (max_tokens, expected_tier) in [(None, "tier "), (Some(2000), "tier skeleton")] {
        let mut args = json!({"entity_type": "trace", "id": ids::TRACE_SHORT});
        if let Some(m) = max_tokens {
            args["max_tokens"] = json!(m);
        }
        let result = h.call("read", args).await;
        assert_eq!(result["isError"], false, "{result}");
        let text = result["content"][0]["text"].as_str().expect("text");
        let budget = max_tokens.unwrap_or(8000);
        let chars = text.chars().count();
        assert!(
            chars <= budget * 4,
            "{chars} characters exceed {budget} tokens × 4"
        );
        assert!(
            chars > budget * 2,
            "the budget is used, not wasted: {chars}"
        );
        let (header, body) = text.split_once('\n').expect("header");
        assert!(header.contains(expected_tier), "{header}");
        assert!(header.contains("estimated as characters/4"), "{header}");
        assert!(
            header.contains("spans: first 200 of 1000 (cap 200)"),
            "{header}"
        );
        assert!(!header.contains("tier full"), "{header}");
        let v: Value = serde_json::from_str(body).expect("JSON body");
        assert_eq!(v["spans_truncated"], true);
        assert_eq!(v["spans_total"], 1000);
        assert_eq!(v["trace"]["id"], ids::TRACE_SHORT);
    }
    let pages = h.fake.requests_to("GET", "/v1/private/spans");
    assert!(
        pages
            .iter()
            .all(|r| r.query["size"] == "50" && r.query["truncate"] == "true"),
        "spans are paged 50 at a time, truncated by Opik: {:?}",
        pages.iter().map(|r| &r.query).collect::<Vec<_>>()
    );
}

/// 300 spans of ~60,000 characters: 18 MB of spans, and the first 200 alone over the 8 MiB
/// response cap that made `read` fail before spans were truncated and paged.
#[tokio::test]
async fn a_trace_whose_spans_exceed_the_response_cap_is_read_within_the_budget() {
    let h = harness().await;
    let big = "0190a000-0000-7000-8000-0000000002ff";
    analysis::seed_big_trace(
        &mut h.fake.state.data.lock().expect("lock"),
        big,
        300,
        60_000,
    );
    h.fake.clear();
    let (header, v) = read(&h, json!({"entity_type": "trace", "id": big})).await;
    assert!(
        header.starts_with(&format!("[read: trace {big} · tier skeleton")),
        "{header}"
    );
    assert!(
        header.contains("spans: first 200 of 300 (cap 200)"),
        "{header}"
    );
    let kept = v["spans"].as_array().expect("spans").len();
    assert!(
        header.contains(&format!("more: {kept} of 300 spans shown")),
        "the header says how many are shown and how to fetch the rest: {header}"
    );
    assert!(
        header.contains(&format!("list(entity_type=\"span\", trace_id=\"{big}\"")),
        "{header}"
    );
    let input = v["trace"]["input"]["task"]
        .as_str()
        .expect("the trace input is kept");
    assert!(
        input.starts_with("xxxx") && input.contains("cut at $.trace.input.task"),
        "{input}"
    );
    assert!(v["trace"]["output"]["result"].is_string(), "{v}");
    let spans = v["spans"].as_array().expect("spans");
    assert!(spans.len() > 10, "{} spans kept", spans.len());
    for s in spans {
        assert!(
            s.get("trace_id").is_none() && s.get("project_id").is_none(),
            "{s}"
        );
        assert!(s["id"].is_string() && s["name"].is_string(), "{s}");
    }
    let body = serde_json::to_string(&v).expect("json");
    assert!(body.len() < 8000 * 4);
    let text = h
        .call("read", json!({"entity_type": "trace", "id": big}))
        .await;
    let raw = text["content"][0]["text"].as_str().expect("text");
    let json_part = raw.split_once('\n').expect("header").1;
    assert!(
        json_part.starts_with("{\"trace\":{\"id\""),
        "the trace comes first: {}",
        &json_part[..60]
    );
    let requests = h.fake.requests_to("GET", "/v1/private/spans");
    assert!(requests.len() >= 4, "paged: {}", requests.len());
    assert!(requests.iter().all(|r| r.query["truncate"] == "true"));
}

#[tokio::test]
async fn a_long_string_is_shortened_with_its_json_path() {
    let h = harness().await;
    let (header, v) = read(
        &h,
        json!({"entity_type": "trace", "id": ids::TRACE_LONG, "max_tokens": 1500}),
    )
    .await;
    assert!(header.contains("tier medium"), "{header}");
    let input = v["trace"]["input"]["question"].as_str().expect("question");
    assert!(
        input.contains("chars cut at $.trace.input.question]"),
        "{input}"
    );
}
