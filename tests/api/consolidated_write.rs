//! The consolidated `schema` and `write` tools against the fake Opik: every operation's
//! example through a dry run, single and batched writes with the exact requests Opik sees,
//! validation errors that send nothing, the idempotency key, and toolset selection.

use serde_json::{Value, json};

use crate::{
    consolidated_write_ops::{OPS, schema_and_example, writes},
    fake_opik::ids,
    helpers::spawn_app_with,
    opik_support::{Harness, harness, harness_with},
};

fn is_v7(id: &Value) -> bool {
    id.as_str()
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .is_some_and(|u| u.get_version_num() == 7)
}

async fn write(h: &Harness, args: Value) -> Value {
    h.call_ok("write", args).await
}

#[tokio::test]
async fn every_operation_has_a_schema_whose_example_passes_a_dry_run_that_writes_nothing() {
    let h = harness().await;
    h.fake.clear();
    for op in OPS {
        let (s, example) = schema_and_example(&h, op).await;
        assert_eq!(s["operation"], op);
        assert_eq!(s["schema"]["type"], "object", "{op}: {s}");
        assert!(
            s["required_scope"]
                .as_str()
                .expect("scope")
                .starts_with("opik:")
        );
        assert_eq!(s["max_elements"], 1000);
        let out = write(
            &h,
            json!({"operation": op, "data": example, "dry_run": true}),
        )
        .await;
        assert_eq!(out["dry_run"], true, "{op}");
        assert_eq!(out["item_count"], 1, "{op}");
        let req = &out["would_send"][0];
        assert!(
            req["path"]
                .as_str()
                .expect("path")
                .starts_with("/v1/private/"),
            "{op}: {out}"
        );
        assert!(req["body"].is_object(), "{op}: {out}");
    }
    assert!(writes(&h).is_empty(), "{:?}", writes(&h));
}

#[tokio::test]
async fn schema_refuses_an_unknown_operation() {
    let h = harness().await;
    let reply = h
        .rpc(
            "tools/call",
            json!({"name": "schema", "arguments": {"operation": "trace.delete"}}),
        )
        .await;
    let text = reply.to_string();
    assert!(
        text.contains("trace.delete") || text.contains("unknown variant"),
        "{text}"
    );
}

#[tokio::test]
async fn a_single_trace_is_posted_with_a_client_v7_id_and_the_idempotency_key() {
    let h = harness().await;
    let out = write(
        &h,
        json!({"operation": "trace.create", "idempotency_key": "run-1",
               "data": {"name": "chat", "project_name": "demo", "input": {"q": "hi"}}}),
    )
    .await;
    assert!(is_v7(&out["ids"][0]), "{out}");
    let r = h.fake.last("POST", "/v1/private/traces");
    assert_eq!(r.header("idempotency-key"), Some("run-1"));
    let body = r.body.expect("body");
    assert_eq!(body["id"], out["ids"][0]);
    assert_eq!(body["name"], "chat");
    assert_eq!(body["input"]["q"], "hi");
    assert!(
        body["start_time"].is_string(),
        "start_time defaults to now: {body}"
    );
    assert_eq!(out["sent"][0]["status"], 201);
}

#[tokio::test]
async fn arrays_go_to_the_batch_endpoints_in_one_request() {
    let h = harness().await;
    let traces: Vec<Value> = (0..3)
        .map(|i| json!({"name": format!("t{i}"), "project_name": "demo-app"}))
        .collect();
    let out = write(&h, json!({"operation": "trace.create", "data": traces})).await;
    assert_eq!(out["batch"], true);
    let body = h
        .fake
        .last("POST", "/v1/private/traces/batch")
        .body
        .expect("body");
    let sent = body["traces"].as_array().expect("traces");
    assert_eq!(sent.len(), 3);
    for (i, t) in sent.iter().enumerate() {
        assert_eq!(t["id"], out["ids"][i]);
        assert!(is_v7(&t["id"]));
    }

    let spans: Vec<Value> = (0..2)
        .map(|i| json!({"trace_id": ids::TRACE_SHORT, "name": format!("s{i}"), "type": "llm"}))
        .collect();
    write(&h, json!({"operation": "span.create", "data": spans})).await;
    let body = h
        .fake
        .last("POST", "/v1/private/spans/batch")
        .body
        .expect("body");
    assert_eq!(body["spans"][1]["type"], "llm");
    assert_eq!(body["spans"][0]["trace_id"], ids::TRACE_SHORT);

    let scores = json!([
        {"target": "trace", "id": ids::TRACE_SHORT, "name": "relevance", "value": 0.5,
         "project_name": "demo-app"},
        {"target": "thread", "id": ids::THREAD, "name": "ok", "value": 1, "project_name": "demo"},
        {"target": "trace", "id": ids::TRACE_LONG, "name": "relevance", "value": 1,
         "project_name": "demo-app"}
    ]);
    let out = write(&h, json!({"operation": "score.create", "data": scores})).await;
    assert_eq!(out["sent"].as_array().expect("sent").len(), 2, "{out}");
    let t = h
        .fake
        .last("PUT", "/v1/private/traces/feedback-scores")
        .body
        .expect("body");
    assert_eq!(t["scores"].as_array().expect("scores").len(), 2);
    assert_eq!(t["scores"][0]["source"], "sdk");
    let th = h
        .fake
        .last("PUT", "/v1/private/traces/threads/feedback-scores")
        .body
        .expect("body");
    assert_eq!(th["scores"][0]["thread_id"], ids::THREAD);

    let items = json!([
        {"test_suite_name": ids::DATASET_NAME, "data": {"input": "a"}},
        {"test_suite_name": ids::DATASET_NAME, "data": {"input": "b"}}
    ]);
    let out = write(
        &h,
        json!({"operation": "test_suite_item.upsert", "data": items}),
    )
    .await;
    let body = h
        .fake
        .last("PUT", "/v1/private/datasets/items")
        .body
        .expect("body");
    assert_eq!(body["dataset_name"], ids::DATASET_NAME);
    assert_eq!(body["items"][1]["id"], out["ids"][1]);
}

#[tokio::test]
async fn per_element_operations_send_one_request_each_with_distinct_keys() {
    let h = harness().await;
    let threads = json!([
        {"thread_id": "a", "project_name": "demo"},
        {"thread_id": "b", "project_name": "demo"}
    ]);
    let out = write(
        &h,
        json!({"operation": "thread.close", "data": threads, "idempotency_key": "k"}),
    )
    .await;
    assert_eq!(out["ids"], json!(["a", "b"]));
    let sent = h
        .fake
        .requests_to("PUT", "/v1/private/traces/threads/close");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].header("idempotency-key"), Some("k-0"));
    assert_eq!(sent[1].header("idempotency-key"), Some("k-1"));
    assert_eq!(sent[1].body.as_ref().expect("body")["thread_id"], "b");
}

#[tokio::test]
async fn validation_errors_name_the_element_path_and_type_and_send_nothing() {
    let h = harness().await;
    h.fake.clear();
    let missing = h
        .call_err(
            "write",
            json!({"operation": "trace.create",
                   "data": [{"name": "ok", "project_name": "p"}, {"input": {}, "project_name": "p"}]}),
        )
        .await;
    assert!(
        missing.contains("data[1]") && missing.contains("missing field `name`"),
        "{missing}"
    );
    assert!(
        missing.contains("schema(operation=\"trace.create\")"),
        "{missing}"
    );

    let wrong = h
        .call_err(
            "write",
            json!({"operation": "score.create",
                   "data": {"target": "trace", "id": ids::TRACE_SHORT, "name": "x", "value": "high"}}),
        )
        .await;
    assert!(
        wrong.contains("data[0].value") && wrong.contains("expected f64"),
        "{wrong}"
    );
    assert!(
        wrong.contains("\"relevance\""),
        "carries an example: {wrong}"
    );

    let bad_uuid = h
        .call_err(
            "write",
            json!({"operation": "span.create", "data": {"trace_id": "nope", "name": "s"}}),
        )
        .await;
    assert!(
        bad_uuid.contains("data[0].trace_id: expected a UUID"),
        "{bad_uuid}"
    );

    let unknown = h
        .call_err(
            "write",
            json!({"operation": "thread.open", "data": {"thread_id": "a", "project_name": "p", "x": 1}}),
        )
        .await;
    assert!(
        unknown.contains("data[0].x") && unknown.contains("unknown field"),
        "{unknown}"
    );

    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"name": format!("t{i}"), "project_name": "p"}))
        .collect();
    let over = h
        .call_err("write", json!({"operation": "trace.create", "data": many}))
        .await;
    assert!(over.contains("1001") && over.contains("1000"), "{over}");
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}

#[tokio::test]
async fn a_thousand_traces_are_one_batch_request() {
    let h = harness().await;
    let many: Vec<Value> = (0..1000)
        .map(|i| json!({"name": format!("t{i}"), "project_name": "demo-app"}))
        .collect();
    let out = write(&h, json!({"operation": "trace.create", "data": many})).await;
    assert_eq!(out["item_count"], 1000);
    let sent = h.fake.requests_to("POST", "/v1/private/traces/batch");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body.as_ref().expect("body")["traces"]
            .as_array()
            .expect("a")
            .len(),
        1000
    );
}

/// Not in the contract suite: the spec documents no 404 for `PATCH traces/{id}`. With
/// `project_name` given, nothing is looked up first, so the second PATCH is what fails.
#[tokio::test]
async fn an_upstream_refusal_says_which_request_failed() {
    let h = harness().await;
    let err = h
        .call_err(
            "write",
            json!({"operation": "trace.update",
                   "data": [{"id": ids::TRACE_SHORT, "name": "x", "project_name": "demo-app"},
                            {"id": "0190a000-0000-7000-8000-0000000000ff", "name": "y",
                             "project_name": "demo-app"}]}),
        )
        .await;
    assert!(
        err.contains("request 2 of 2") && err.contains("after 1 succeeded"),
        "{err}"
    );
    assert_eq!(
        h.fake
            .requests_to("PATCH", &format!("/v1/private/traces/{}", ids::TRACE_SHORT))
            .len(),
        1
    );
}

#[tokio::test]
async fn the_consolidated_toolset_selects_exactly_its_tools() {
    let h = harness_with(|s| s.opik.toolsets = "consolidated".parse().expect("toolsets")).await;
    let mut names = h.tool_names().await;
    names.sort();
    assert_eq!(
        names,
        [
            "compare_experiments",
            "list",
            "read",
            "run_experiment",
            "schema",
            "search",
            "stats",
            "write"
        ]
    );
    // A plain app (one fake per test: the contract suite binds the fake to a fixed port).
    let core = spawn_app_with(|s| s.opik.toolsets = "core".parse().expect("toolsets")).await;
    let sid = core.initialize().await;
    let list = core.rpc(&sid, 2, "tools/list", json!({})).await;
    let tools = list["result"]["tools"].as_array().expect("tools");
    assert!(
        !tools.is_empty() && !tools.iter().any(|t| t["name"] == "write"),
        "{list}"
    );
}
