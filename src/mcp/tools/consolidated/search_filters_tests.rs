use serde_json::json;

use super::*;

fn filters(v: Value) -> SearchFilters {
    serde_json::from_value(v).expect("filters")
}

#[test]
fn each_filter_maps_to_opik_s_filter_language() {
    let f = filters(json!({
        "error": true,
        "feedback_score": {"name": "helpfulness", "operator": "<", "value": 0.5},
        "name_contains": "chat", "tags": ["prod", "vip"], "metadata": {"region": "eu", "v": 2},
        "min_duration_ms": 1000, "max_cost": 0.01, "thread_id": "t-1"
    }));
    f.check(SearchType::Trace).expect("valid for traces");
    assert_eq!(
        Value::Array(f.to_opik()),
        json!([
            {"field": "error_info", "operator": "is_not_empty", "value": ""},
            {"field": "feedback_scores", "operator": "<", "value": "0.5", "key": "helpfulness"},
            {"field": "name", "operator": "contains", "value": "chat"},
            {"field": "tags", "operator": "contains", "value": "prod"},
            {"field": "tags", "operator": "contains", "value": "vip"},
            {"field": "metadata", "operator": "=", "value": "eu", "key": "region"},
            {"field": "metadata", "operator": "=", "value": "2", "key": "v"},
            {"field": "thread_id", "operator": "=", "value": "t-1"},
            {"field": "duration", "operator": ">=", "value": "1000"},
            {"field": "total_estimated_cost", "operator": "<=", "value": "0.01"},
        ])
    );
}

#[test]
fn filters_that_do_not_apply_name_the_ones_that_do() {
    let err = filters(json!({"model": "gpt-4o"}))
        .check(SearchType::Trace)
        .expect_err("model is a span field");
    assert!(
        err.message
            .contains("filters.model: does not apply to traces")
            && err
                .message
                .contains("their filters are: error, feedback_score"),
        "{}",
        err.message
    );
    let err = filters(json!({"error": false}))
        .check(SearchType::Thread)
        .expect_err("threads have no error");
    assert!(err.message.contains("filters.error"), "{}", err.message);
    let err = filters(json!({"metadata": {"k": {"nested": 1}}}))
        .check(SearchType::Span)
        .expect_err("scalar values only");
    assert!(
        err.message.contains("filters.metadata.k"),
        "{}",
        err.message
    );
    let unknown =
        serde_json::from_value::<SearchFilters>(json!({"colour": "red"})).expect_err("unknown key");
    assert!(
        unknown.to_string().contains("expected one of `error`"),
        "{unknown}"
    );
}

#[test]
fn sort_takes_a_field_and_a_direction() {
    let (_, s) = sorting(SearchType::Trace, "duration").expect("default desc");
    assert_eq!(s, r#"[{"direction":"DESC","field":"duration"}]"#);
    let (_, s) = sorting(SearchType::Span, "feedback_scores.accuracy:asc").expect("score");
    assert!(s.contains("feedback_scores.accuracy") && s.contains("ASC"));
    let err = sorting(SearchType::Thread, "model").expect_err("not for threads");
    assert!(
        err.message.contains("use one of start_time"),
        "{}",
        err.message
    );
    assert!(sorting(SearchType::Trace, "duration:up").is_err());
}
