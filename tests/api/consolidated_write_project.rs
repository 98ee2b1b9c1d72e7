//! `write` never lets Opik fall back to its default project: traces must name theirs, spans
//! and patches take the project of their trace or span (read first), scores without one go to
//! the trace's or span's own endpoint. The fake refuses any default-project write with 400, and
//! each test also checks the recorded requests carry the right project.

use serde_json::{Value, json};

use crate::{
    consolidated_write_ops::writes,
    fake_opik::{FakeOpik, ids},
    opik_support::harness,
};

/// Endpoints where Opik would use its default project for a body without one.
const DEFAULTING: [&str; 6] = [
    "/v1/private/traces",
    "/v1/private/traces/batch",
    "/v1/private/spans",
    "/v1/private/spans/batch",
    "/v1/private/traces/feedback-scores",
    "/v1/private/spans/feedback-scores",
];

fn names_project(v: &Value) -> bool {
    v["project_name"].as_str().is_some_and(|s| !s.is_empty()) || v["project_id"].is_string()
}

/// Every write the fake saw to a defaulting endpoint (or a PATCH) names its project.
fn assert_every_write_names_a_project(fake: &FakeOpik) {
    for r in fake.requests().iter().filter(|r| r.method != "GET") {
        let patch = r.method == "PATCH";
        if !patch && !DEFAULTING.contains(&r.path.as_str()) {
            continue;
        }
        let body = r.body.clone().unwrap_or_default();
        let elements: Vec<Value> = match body
            .as_object()
            .and_then(|m| m.values().find_map(Value::as_array))
        {
            Some(list) if !patch => list.clone(),
            _ => vec![body.clone()],
        };
        for e in &elements {
            assert!(
                names_project(e),
                "{} {} without a project: {body}",
                r.method,
                r.path
            );
        }
    }
}

#[tokio::test]
async fn a_trace_without_project_name_is_refused_before_anything_is_sent() {
    let h = harness().await;
    h.fake.clear();
    let err = h
        .call_err(
            "write",
            json!({"operation": "trace.create", "data": [{"name": "a", "project_name": "demo-app"}, {"name": "b"}]}),
        )
        .await;
    assert!(
        err.contains("data[1]: missing field `project_name`"),
        "{err}"
    );
    let blank = h
        .call_err(
            "write",
            json!({"operation": "trace.create", "data": {"name": "a", "project_name": " "}}),
        )
        .await;
    assert!(
        blank.contains("data[0].project_name: expected a non-empty string"),
        "{blank}"
    );
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}

#[tokio::test]
async fn spans_without_a_project_are_logged_in_the_project_of_their_trace() {
    let h = harness().await;
    h.fake.clear();
    let spans = json!([
        {"trace_id": ids::TRACE_SHORT, "name": "a"},
        {"trace_id": ids::TRACE_OTHER, "name": "b"},
        {"trace_id": ids::TRACE_SHORT, "name": "c"},
        {"trace_id": ids::TRACE_OTHER, "name": "d", "project_name": "named-by-caller"}
    ]);
    h.call_ok("write", json!({"operation": "span.create", "data": spans}))
        .await;
    let body = h
        .fake
        .last("POST", "/v1/private/spans/batch")
        .body
        .expect("body");
    let projects: Vec<&str> = body["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .map(|s| s["project_name"].as_str().expect("project_name"))
        .collect();
    assert_eq!(
        projects,
        ["demo-app", "other-app", "demo-app", "named-by-caller"]
    );
    // Each trace and each project was read once.
    let gets: Vec<String> = h
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(gets.len(), 4, "{gets:?}");
    for id in [ids::TRACE_SHORT, ids::TRACE_OTHER] {
        assert!(
            gets.contains(&format!("/v1/private/traces/{id}")),
            "{gets:?}"
        );
    }
    for id in [ids::PROJECT_DEMO, ids::PROJECT_OTHER] {
        assert!(
            gets.contains(&format!("/v1/private/projects/{id}")),
            "{gets:?}"
        );
    }
    assert_every_write_names_a_project(&h.fake);
}

#[tokio::test]
async fn a_span_of_an_unknown_trace_fails_naming_the_element_and_writes_nothing() {
    let h = harness().await;
    h.fake.clear();
    let unknown = "0190a000-0000-7000-8000-0000000000ee";
    let err = h
        .call_err(
            "write",
            json!({"operation": "span.create", "dry_run": true,
                   "data": [{"trace_id": ids::TRACE_SHORT, "name": "a"}, {"trace_id": unknown, "name": "b"}]}),
        )
        .await;
    assert!(
        err.contains(&format!("data[1].trace_id: no trace {unknown}"))
            && err.contains("project_name"),
        "{err}"
    );
    assert!(writes(&h).is_empty(), "{:?}", writes(&h));
}

#[tokio::test]
async fn trace_and_span_updates_name_the_project_read_from_the_entity() {
    let h = harness().await;
    h.fake.clear();
    h.call_ok(
        "write",
        json!({"operation": "trace.update", "data": {"id": ids::TRACE_OTHER, "name": "renamed"}}),
    )
    .await;
    let body = h
        .fake
        .last("PATCH", &format!("/v1/private/traces/{}", ids::TRACE_OTHER))
        .body
        .expect("body");
    assert_eq!(body["project_id"], ids::PROJECT_OTHER, "{body}");
    assert!(body.get("project_name").is_none(), "{body}");

    h.call_ok(
        "write",
        json!({"operation": "span.update", "data": {"id": ids::SPAN_2, "output": {"text": "x"}}}),
    )
    .await;
    let body = h
        .fake
        .last("PATCH", &format!("/v1/private/spans/{}", ids::SPAN_2))
        .body
        .expect("body");
    assert_eq!(body["project_id"], ids::PROJECT_DEMO, "{body}");
    assert_eq!(body["trace_id"], ids::TRACE_LONG, "{body}");

    // A caller's project_name is used as given, without a lookup.
    h.fake.clear();
    h.call_ok(
        "write",
        json!({"operation": "trace.update",
               "data": {"id": ids::TRACE_SHORT, "name": "n", "project_name": "demo-app"}}),
    )
    .await;
    let seen = h.fake.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].body.as_ref().expect("body")["project_name"],
        "demo-app"
    );
    assert_every_write_names_a_project(&h.fake);
}

#[tokio::test]
async fn scores_without_a_project_go_to_the_trace_or_span_endpoint() {
    let h = harness().await;
    h.fake.clear();
    let scores = json!([
        {"target": "trace", "id": ids::TRACE_SHORT, "name": "relevance", "value": 0.5},
        {"target": "span", "id": ids::SPAN_1, "name": "relevance", "value": 1},
        {"target": "trace", "id": ids::TRACE_LONG, "name": "relevance", "value": 1,
         "project_name": "demo-app"}
    ]);
    let out = h
        .call_ok(
            "write",
            json!({"operation": "score.create", "data": scores}),
        )
        .await;
    let paths: Vec<&str> = out["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .map(|r| r["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        paths,
        [
            "/v1/private/traces/feedback-scores".to_string(),
            format!("/v1/private/traces/{}/feedback-scores", ids::TRACE_SHORT),
            format!("/v1/private/spans/{}/feedback-scores", ids::SPAN_1),
        ]
    );
    let single = h
        .fake
        .last(
            "PUT",
            &format!("/v1/private/traces/{}/feedback-scores", ids::TRACE_SHORT),
        )
        .body
        .expect("body");
    assert_eq!(
        single,
        json!({"name": "relevance", "value": 0.5, "source": "sdk"})
    );
    let batch = h
        .fake
        .last("PUT", "/v1/private/traces/feedback-scores")
        .body
        .expect("body");
    assert_eq!(
        batch["scores"].as_array().expect("scores").len(),
        1,
        "{batch}"
    );
    assert_eq!(batch["scores"][0]["project_name"], "demo-app");
    assert!(
        h.fake.requests().iter().all(|r| r.method != "GET"),
        "no lookups needed"
    );
    assert_every_write_names_a_project(&h.fake);
}
