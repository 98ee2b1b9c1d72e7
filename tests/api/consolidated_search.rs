//! The `search` tool against the fake Opik's support-bot week: failed traces with a low
//! feedback score, spans by model and type, threads by score and tag, time windows, sorting,
//! the next-page call (taken from the footer and made as given), and refused filters.

use serde_json::{Value, json};

use crate::{
    fake_opik::analysis::ids,
    opik_support::{Harness, harness},
};

async fn search(h: &Harness, args: Value) -> String {
    h.call_text("search", args).await
}

fn filters_sent(h: &Harness, path: &str) -> Value {
    let q = &h.fake.last("GET", path).query;
    serde_json::from_str(&q["filters"]).expect("filters JSON")
}

#[tokio::test]
async fn failed_traces_with_a_low_score_are_found_with_the_matched_values() {
    let h = harness().await;
    let text = search(
        &h,
        json!({"entity_type": "trace", "project_name": ids::PROJECT_NAME, "filters": {
            "error": true, "feedback_score": {"name": "helpfulness", "operator": "<", "value": 0.5}}}),
    )
    .await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0], "id | name | start_time | duration | total_estimated_cost | error | helpfulness",
        "{text}"
    );
    assert_eq!(lines.len(), 2 + 2 + 1, "traces 2 and 5 only: {text}");
    assert!(
        lines[2].contains("TimeoutError: model call timed out"),
        "{text}"
    );
    assert!(
        text.contains("0190a000-0000-7000-8000-000000000202"),
        "{text}"
    );
    assert!(
        text.contains("0190a000-0000-7000-8000-000000000205"),
        "{text}"
    );
    assert!(
        text.ends_with("-- 2 trace(s) match, page 1 of 1, 2 shown; last page"),
        "{text}"
    );
    assert_eq!(
        filters_sent(&h, "/v1/private/traces"),
        json!([
            {"field": "error_info", "operator": "is_not_empty", "value": ""},
            {"field": "feedback_scores", "operator": "<", "value": "0.5", "key": "helpfulness"}
        ])
    );
    let q = &h.fake.last("GET", "/v1/private/traces").query;
    assert_eq!(q["project_name"], ids::PROJECT_NAME);
    assert_eq!(q["truncate"], "true");
}

#[tokio::test]
async fn spans_are_found_by_model_and_type_and_sorted() {
    let h = harness().await;
    let text = search(
        &h,
        json!({"entity_type": "span", "project_id": ids::PROJECT,
               "filters": {"model": "claude", "type": "llm"}, "sort": "duration:asc"}),
    )
    .await;
    let rows: Vec<&str> = text
        .lines()
        .skip(2)
        .filter(|l| !l.starts_with("--"))
        .collect();
    assert_eq!(rows.len(), 4, "traces 0, 3, 6 and 9 used claude: {text}");
    assert!(
        rows.iter()
            .all(|r| r.contains("claude-3-5-sonnet") && r.contains("| llm |"))
    );
    assert!(rows[0].contains(ids::TRACE_0), "ascending: {text}");
    let q = &h.fake.last("GET", "/v1/private/spans").query;
    assert_eq!(q["type"], "llm");
    assert_eq!(q["sorting"], r#"[{"direction":"ASC","field":"duration"}]"#);
    assert_eq!(
        filters_sent(&h, "/v1/private/spans"),
        json!([{"field": "model", "operator": "contains", "value": "claude"}])
    );
}

#[tokio::test]
async fn threads_are_found_by_score_and_tag() {
    let h = harness().await;
    let text = search(
        &h,
        json!({"entity_type": "thread", "project_name": ids::PROJECT_NAME, "filters": {
            "feedback_score": [{"name": "resolved", "operator": "=", "value": 1}], "tags": ["vip"]}}),
    )
    .await;
    assert!(
        text.starts_with(
            "id | number_of_messages | status | start_time | duration | resolved | tags"
        ),
        "{text}"
    );
    assert!(text.contains("ticket-1 |"), "{text}");
    assert!(
        text.ends_with("-- 1 thread(s) match, page 1 of 1, 1 shown; last page"),
        "{text}"
    );
}

#[tokio::test]
async fn a_time_window_is_sent_as_from_and_to_time_and_a_day_ends_at_its_last_millisecond() {
    let h = harness().await;
    let text = search(
        &h,
        json!({"entity_type": "trace", "project_name": ids::PROJECT_NAME,
               "filters": {"start": "2025-06-03T00:00:00Z", "end": "2025-06-04"}}),
    )
    .await;
    assert!(
        text.ends_with("-- 4 trace(s) match, page 1 of 1, 4 shown; last page"),
        "{text}"
    );
    let q = &h.fake.last("GET", "/v1/private/traces").query;
    assert_eq!(q["from_time"], "2025-06-03T00:00:00.000Z");
    assert_eq!(q["to_time"], "2025-06-04T23:59:59.999Z");
    assert!(!q.contains_key("filters"), "{q:?}");
}

#[tokio::test]
async fn the_next_page_call_in_the_footer_works_as_given() {
    let h = harness().await;
    let args = json!({"entity_type": "trace", "project_name": ids::PROJECT_NAME,
                      "filters": {"tags": ["prod"]}, "sort": "start_time:asc", "size": 4});
    let first = search(&h, args).await;
    let (_, next) = first.rsplit_once("; next: search(").expect("a next call");
    assert!(
        first.contains("-- 9 trace(s) match, page 1 of 3, 4 shown"),
        "{first}"
    );
    let next: Value = serde_json::from_str(next.trim_end_matches(')')).expect("JSON arguments");
    assert_eq!(next["page"], 2);
    let second = search(&h, next).await;
    assert!(second.contains("page 2 of 3, 4 shown"), "{second}");
    assert_eq!(h.fake.last("GET", "/v1/private/traces").query["page"], "2");
}

#[tokio::test]
async fn bad_searches_say_what_is_valid_and_send_nothing() {
    let h = harness().await;
    h.fake.clear();
    let cases = [
        (json!({"entity_type": "trace"}), "needs a project"),
        (
            json!({"entity_type": "trace", "project_name": "p", "filters": {"model": "gpt-4o"}}),
            "filters.model: does not apply to traces; their filters are: error, feedback_score",
        ),
        (
            json!({"entity_type": "trace", "project_name": "p", "filters": {"colour": "red"}}),
            "unknown field `colour`, expected one of `error`",
        ),
        (
            json!({"entity_type": "span", "project_name": "p", "filters": {
                "feedback_score": {"name": "x", "operator": "~", "value": 1}}}),
            "filters.feedback_score: operator: unknown variant `~`, expected one of `<`",
        ),
        (
            json!({"entity_type": "thread", "project_name": "p", "sort": "model"}),
            "sort: \"model\" is not sortable for threads; use one of start_time",
        ),
        (
            json!({"entity_type": "trace", "project_name": "p", "filters": {"start": "yesterday"}}),
            "filters.start: expected an ISO 8601 time with an offset",
        ),
    ];
    for (args, needle) in cases {
        let text = h.call_err("search", args.clone()).await;
        assert!(text.contains(needle), "{args}: {text}");
    }
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}
