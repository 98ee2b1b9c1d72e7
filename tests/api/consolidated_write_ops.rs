//! Every `write` operation, table-driven from its own `schema`: sent single (as its dry run
//! said) and batched (two elements), refused for a missing field, a wrong type and a batch over
//! 1,000 — with nothing sent on refusal. Lookups (`GET`s of a trace's or span's project)
//! are reads; the assertions count the writes.

use serde_json::{Value, json};

use crate::{
    fake_opik::{Recorded, ids},
    opik_support::{Harness, harness},
};

pub const OPS: [&str; 13] = [
    "trace.create",
    "trace.update",
    "span.create",
    "span.update",
    "score.create",
    "comment.create",
    "prompt_version.save",
    "test_suite.create",
    "test_suite_item.upsert",
    "experiment.create",
    "experiment_item.create",
    "thread.close",
    "thread.open",
];

/// The operation's schema and its example, adjusted to entities the fake knows.
pub async fn schema_and_example(h: &Harness, op: &str) -> (Value, Value) {
    let s = h.call_ok("schema", json!({"operation": op})).await;
    let mut example = s["example"].clone();
    match op {
        "trace.update" => example["id"] = json!(ids::TRACE_SHORT),
        "span.create" => example["trace_id"] = json!(ids::TRACE_SHORT),
        "span.update" => example["id"] = json!(ids::SPAN_1),
        "test_suite_item.upsert" => example["test_suite_name"] = json!(ids::DATASET_NAME),
        _ => {}
    }
    (s, example)
}

/// The requests that write (lookups are `GET`s).
pub fn writes(h: &Harness) -> Vec<Recorded> {
    h.fake
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

/// Top-level keys of a body (generated ids and start times differ between calls; keys do not).
fn keys(body: &Value) -> Vec<String> {
    let mut k: Vec<String> = body
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

#[tokio::test]
async fn every_operation_sends_one_element_as_its_dry_run_described() {
    let h = harness().await;
    for op in OPS {
        let (_, example) = schema_and_example(&h, op).await;
        let dry = h
            .call_ok(
                "write",
                json!({"operation": op, "data": example.clone(), "dry_run": true}),
            )
            .await;
        let planned = &dry["would_send"][0];
        h.fake.clear();
        let out = h
            .call_ok("write", json!({"operation": op, "data": example}))
            .await;
        let seen = writes(&h);
        assert_eq!(seen.len(), 1, "{op}: {seen:?}");
        assert_eq!(
            seen[0].method,
            planned["method"].as_str().expect("method"),
            "{op}"
        );
        assert_eq!(
            seen[0].path,
            planned["path"].as_str().expect("path"),
            "{op}"
        );
        let body = seen[0].body.as_ref().expect("body");
        assert_eq!(
            keys(body),
            keys(&planned["body"]),
            "{op}: {body} vs {planned}"
        );
        assert_eq!(out["sent"][0]["path"], planned["path"], "{op}");
        assert_eq!(out["ids"].as_array().expect("ids").len(), 1, "{op}");
    }
}

#[tokio::test]
async fn every_operation_sends_a_batch_of_two() {
    let h = harness().await;
    for op in OPS {
        let (s, example) = schema_and_example(&h, op).await;
        h.fake.clear();
        let out = h
            .call_ok(
                "write",
                json!({"operation": op, "data": [example.clone(), example], "idempotency_key": "b"}),
            )
            .await;
        assert_eq!(out["item_count"], 2, "{op}: {out}");
        assert_eq!(out["ids"].as_array().expect("ids").len(), 2, "{op}");
        let sent = out["sent"].as_array().expect("sent");
        let seen = writes(&h);
        assert_eq!(seen.len(), sent.len(), "{op}: {seen:?}");
        if s["supports_batch"] == true {
            assert_eq!(sent.len(), 1, "{op} is one batch request: {out}");
            assert_eq!(seen[0].header("idempotency-key"), Some("b"), "{op}");
            let body = seen[0].body.as_ref().expect("body");
            let elements = body
                .as_object()
                .expect("object")
                .values()
                .find_map(Value::as_array)
                .expect("an array of elements");
            assert_eq!(elements.len(), 2, "{op}: {body}");
        } else {
            assert_eq!(sent.len(), 2, "{op} is one request per element: {out}");
            assert_eq!(seen[1].header("idempotency-key"), Some("b-1"), "{op}");
        }
        for r in &seen {
            assert!(r.path.starts_with("/v1/private/"), "{op}: {}", r.path);
        }
    }
}

#[tokio::test]
async fn every_operation_refuses_a_missing_field_a_wrong_type_and_a_batch_over_1000() {
    let h = harness().await;
    for op in OPS {
        let (s, example) = schema_and_example(&h, op).await;
        let required = s["schema"]["required"].as_array().expect("required");
        let field = required
            .iter()
            .filter_map(Value::as_str)
            .find(|f| example.get(*f).is_some())
            .unwrap_or_else(|| panic!("{op}: no required field in {s}"));
        h.fake.clear();

        let mut missing = example.clone();
        missing.as_object_mut().expect("object").remove(field);
        let err = h
            .call_err(
                "write",
                json!({"operation": op, "data": [example.clone(), missing]}),
            )
            .await;
        assert!(
            err.contains("data[1]") && err.contains(&format!("missing field `{field}`")),
            "{op}: {err}"
        );
        assert!(
            err.contains(&format!("schema(operation=\"{op}\")")),
            "{op}: {err}"
        );

        let mut wrong = example.clone();
        wrong[field] = json!([1, 2]);
        let err = h
            .call_err("write", json!({"operation": op, "data": wrong}))
            .await;
        assert!(
            err.contains(&format!("data[0].{field}")) && err.contains("invalid type"),
            "{op}: {err}"
        );

        let many: Vec<Value> = (0..1001).map(|_| example.clone()).collect();
        let err = h
            .call_err("write", json!({"operation": op, "data": many}))
            .await;
        assert!(
            err.contains("1001") && err.contains("limit is 1000"),
            "{op}: {err}"
        );
        assert!(
            h.fake.requests().is_empty(),
            "{op} sent {:?}",
            h.fake.requests()
        );
    }
}
