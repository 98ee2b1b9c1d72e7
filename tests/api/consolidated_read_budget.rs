//! The token budget of `read` on large traces: 1,000 spans of 4,000 characters, 300 spans whose
//! first 200 alone exceed the 8 MiB response cap, and one long string.

use serde_json::{Value, json};

use crate::{
    fake_opik::{analysis, data, ids},
    opik_support::{Harness, harness},
};

async fn read(h: &Harness, args: Value) -> (String, Value) {
    h.call_budgeted("read", args).await
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
