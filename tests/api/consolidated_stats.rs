//! The `stats` tool against the fake's support-bot week: counts, error rate, latency
//! percentiles, cost and tokens over a window, breakdowns by model and tag, the requests Opik
//! received, and refused arguments.

use serde_json::{Value, json};

use crate::{
    fake_opik::analysis::ids,
    opik_support::{Harness, harness},
};

async fn stats(h: &Harness, args: Value) -> String {
    h.call_text("stats", args).await
}

#[tokio::test]
async fn a_week_of_a_project_with_a_breakdown_by_model() {
    let h = harness().await;
    let text = stats(
        &h,
        json!({"project_name": ids::PROJECT_NAME, "start": "2025-06-01", "end": "2025-06-07",
               "breakdown": "model"}),
    )
    .await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "[stats: project support-bot ({}) · window 2025-06-01T00:00:00.000Z → \
             2025-06-07T23:59:59.999Z (7.0 days, UTC) · granularity: totals over the window · \
             units: durations in ms, costs in USD (Opik's estimates), tokens per trace (average)]",
            ids::PROJECT
        )
    );
    assert_eq!(lines[1], "traces: 12 · failed: 3 (25.0%) · spans: 24");
    assert_eq!(
        lines[2],
        "trace latency (ms): p50 4000 · p90 6000 · p99 6500"
    );
    assert_eq!(lines[3], "cost (USD): total 0.078 · per trace 0.0065");
    assert_eq!(
        lines[4],
        "tokens per trace (average): completion_tokens 20 · prompt_tokens 105.5 · total_tokens 125.5"
    );
    assert_eq!(lines[5], "feedback scores (average): helpfulness 0.495");
    assert!(
        text.contains("by model (span figures; the 2 largest groups):"),
        "{text}"
    );
    assert!(
        text.contains("model | spans | cost_usd | p50_ms | p90_ms | total_tokens_avg"),
        "{text}"
    );
    assert!(text.contains("\ngpt-4o | 8 | 0.056 |"), "{text}");
    assert!(text.contains("\nclaude-3-5-sonnet | 4 | 0.022 |"), "{text}");

    let lookup = h.fake.last("GET", "/v1/private/projects");
    assert_eq!(lookup.query["name"], ids::PROJECT_NAME);
    let stats_calls = h.fake.requests_to("GET", "/v1/private/traces/stats");
    assert_eq!(stats_calls.len(), 2, "all traces, then the failed ones");
    let q = &stats_calls[0].query;
    assert_eq!(q["project_id"], ids::PROJECT);
    assert_eq!(q["from_time"], "2025-06-01T00:00:00.000Z");
    assert_eq!(q["to_time"], "2025-06-07T23:59:59.999Z");
    let errors: Value = serde_json::from_str(&stats_calls[1].query["filters"]).expect("JSON");
    assert_eq!(
        errors,
        json!([{"field": "error_info", "operator": "is_not_empty", "value": ""}])
    );
    let metrics = h.fake.last(
        "POST",
        &format!("/v1/private/projects/{}/metrics", ids::PROJECT),
    );
    assert_eq!(
        metrics.body.expect("body"),
        json!({"metric_type": "SPAN_COUNT", "interval": "TOTAL",
               "interval_start": "2025-06-01T00:00:00.000Z",
               "interval_end": "2025-06-07T23:59:59.999Z", "breakdown": {"field": "model"}})
    );
    let per_model = h.fake.requests_to("GET", "/v1/private/spans/stats");
    assert_eq!(per_model.len(), 3, "all spans, then one call per model");
    assert!(per_model[1].query["filters"].contains("\"field\":\"model\""));
}

#[tokio::test]
async fn a_narrow_window_and_a_breakdown_by_tag() {
    let h = harness().await;
    let text = stats(
        &h,
        json!({"project_id": ids::PROJECT, "start": "2025-06-03T00:00:00Z",
               "end": "2025-06-04T00:00:00Z", "breakdown": "tag"}),
    )
    .await;
    assert!(
        text.contains("(24 hours, UTC)") || text.contains("(24.0 hours, UTC)"),
        "{text}"
    );
    assert!(
        text.contains("\ntraces: 3 · failed: 1 (33.3%) · spans: 6\n"),
        "{text}"
    );
    assert!(
        text.contains("by tag (trace figures; the 2 largest groups):"),
        "{text}"
    );
    assert!(text.contains("\nprod | 3 |"), "{text}");
    assert!(
        h.fake.requests_to("GET", "/v1/private/projects").is_empty(),
        "an id needs no lookup"
    );
}

#[tokio::test]
async fn bad_stats_arguments_are_refused_before_any_call() {
    let h = harness().await;
    h.fake.clear();
    let cases = [
        (
            json!({"start": "last 7d", "end": "now"}),
            "stats needs a project",
        ),
        (
            json!({"project_name": "p", "start": "now", "end": "last 7d"}),
            "start (",
        ),
        (
            json!({"project_name": "p", "start": "last 7d", "end": "now", "breakdown": "region"}),
            "breakdown: unknown variant `region`, expected one of `model`, `provider`, `tag`",
        ),
        (
            json!({"project_name": "p", "start": "last 7d"}),
            "missing field `end`",
        ),
    ];
    for (args, needle) in cases {
        let text = h.call_err("stats", args.clone()).await;
        assert!(text.contains(needle), "{args}: {text}");
    }
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}
