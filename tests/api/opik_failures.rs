//! Failure paths: every way Opik can fail becomes a tool result with `isError: true` and an
//! actionable message, never a protocol error or a hang, and the session keeps working.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{
    fake_opik::{Fault, ids},
    opik_support::{Harness, harness, harness_with},
};

/// The session still answers tool calls after a failure.
async fn still_usable(h: &Harness) {
    let out = h
        .call_ok("get-trace-by-id", json!({"traceId": ids::TRACE_SHORT}))
        .await;
    assert_eq!(out["item"]["name"], "summarise");
}

fn list_traces() -> Value {
    json!({"projectName": "demo-app"})
}

#[tokio::test]
async fn missing_api_key_is_a_401_tool_error_naming_the_key_setting() {
    let h = harness_with(|s| s.opik.api_key = None).await;
    let text = h.call_err("list-projects", json!({})).await;
    assert!(
        text.contains("401") && text.contains("API key should be provided"),
        "{text}"
    );
    assert!(text.contains("OPIK_API_KEY"), "{text}");
    assert!(
        h.fake
            .last("GET", "/v1/private/projects")
            .header("authorization")
            .is_none()
    );
    assert_eq!(
        h.call_ok("get-server-info", json!({})).await["apiKeyConfigured"],
        false
    );
}

#[tokio::test]
async fn wrong_api_key_is_a_401_tool_error() {
    let h = harness_with(|s| s.opik.api_key = Some("wrong".to_string().into())).await;
    let text = h
        .call_err("get-trace-by-id", json!({"traceId": ids::TRACE_SHORT}))
        .await;
    assert!(
        text.starts_with("Opik rejected the credentials (401 Unauthorized)"),
        "{text}"
    );
}

#[tokio::test]
async fn workspace_errors_are_403_tool_errors_explaining_workspaces() {
    let h = harness_with(|s| s.opik.allowed_workspaces = vec!["*".into()]).await;
    let text = h
        .call_err("list-projects", json!({"workspaceName": "nobody"}))
        .await;
    assert!(
        text.contains("403") && text.contains("not allowed to access workspace"),
        "{text}"
    );
    assert!(text.contains("not a project name"), "{text}");
    assert_eq!(
        h.fake
            .last("GET", "/v1/private/projects")
            .header("comet-workspace"),
        Some("nobody")
    );
    h.fake.fail(
        None,
        "/v1/private/traces",
        Fault::Status(
            403,
            json!({"code": 403, "message": "Workspace name should be provided"}),
        ),
        Some(1),
    );
    let text = h.call_err("list-traces", list_traces()).await;
    assert!(text.contains("Workspace name should be provided"), "{text}");
    still_usable(&h).await;
}

#[tokio::test]
async fn not_found_is_decoded_from_both_error_shapes() {
    let h = harness().await;
    let text = h
        .call_err(
            "get-trace-by-id",
            json!({"traceId": "0190a000-0000-7000-8000-0000000000ff"}),
        )
        .await;
    assert!(
        text.starts_with("not found in Opik (404): Trace not found."),
        "{text}"
    );
    assert!(text.contains("list-*"), "{text}");
    // POST /projects/retrieve answers 404 as {"errors": [...]}.
    let text = h
        .call_err("get-metrics", json!({"projectName": "no-such-project"}))
        .await;
    assert!(
        text.starts_with("not found in Opik (404): Project not found."),
        "{text}"
    );
    let read = h
        .read(&format!(
            "opik://trace/{}",
            "0190a000-0000-7000-8000-0000000000ff"
        ))
        .await;
    assert_eq!(read["error"]["code"], -32002, "{read}");
    still_usable(&h).await;
}

#[tokio::test]
async fn missing_project_400_and_an_empty_workspace_are_explained() {
    let h = harness().await;
    let msg = "Either 'project_name' or 'project_id' query params must be provided";
    h.fake.fail(
        Some("GET"),
        "/v1/private/traces",
        Fault::Status(400, json!({"code": 400, "message": msg})),
        Some(1),
    );
    let text = h.call_err("list-traces", list_traces()).await;
    assert!(
        text.contains("(400)") && text.contains(msg) && text.contains("projectName or projectId"),
        "{text}"
    );
    h.fake.state.data.lock().expect("lock").projects.clear();
    let text = h.call_err("list-traces", json!({})).await;
    assert!(text.contains("no projects"), "{text}");
    let text = h.call_err("get-trace-stats", json!({})).await;
    assert!(text.contains("no projects"), "{text}");
}

#[tokio::test]
async fn server_errors_are_tool_errors_and_only_transient_gets_are_retried() {
    let h = harness().await;
    h.fake.fail(
        None,
        "/v1/private/traces",
        Fault::Status(500, json!({"code": 500, "message": "boom"})),
        Some(1),
    );
    let text = h.call_err("list-traces", list_traces()).await;
    assert!(
        text.starts_with("Opik failed (500): boom.") && text.contains("retry later"),
        "{text}"
    );
    assert_eq!(
        h.fake.requests_to("GET", "/v1/private/traces").len(),
        1,
        "500 is not retried"
    );

    h.fake.clear();
    h.fake.fail(
        None,
        "/v1/private/traces",
        Fault::Status(503, json!({"code": 503, "message": "busy"})),
        Some(2),
    );
    let out = h.call_ok("list-traces", list_traces()).await;
    assert_eq!(out["total"], 2);
    assert_eq!(
        h.fake.requests_to("GET", "/v1/private/traces").len(),
        3,
        "two retries then success"
    );

    h.fake.clear();
    h.fake.fail(
        Some("POST"),
        "/v1/private/projects",
        Fault::Status(503, json!({"code": 503, "message": "busy"})),
        Some(1),
    );
    let text = h.call_err("create-project", json!({"name": "x"})).await;
    assert!(text.contains("(503)"), "{text}");
    assert_eq!(
        h.fake.requests_to("POST", "/v1/private/projects").len(),
        1,
        "writes are never retried"
    );
    still_usable(&h).await;
}

#[tokio::test]
async fn a_slow_upstream_times_out_as_a_tool_error_without_hanging() {
    let h = harness_with(|s| s.opik.request_timeout_ms = 300).await;
    h.fake.fail(
        None,
        "/v1/private/traces",
        Fault::Delay(Duration::from_secs(5)),
        Some(1),
    );
    let started = Instant::now();
    let text = h.call_err("list-traces", list_traces()).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        text.contains("did not answer within 300 ms") && text.contains("smaller page size"),
        "{text}"
    );
    still_usable(&h).await;
}

#[tokio::test]
async fn a_refused_connection_is_a_tool_error_naming_the_url_setting() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let h = harness_with(|s| {
        s.opik.api_url = format!("http://127.0.0.1:{port}/api");
        s.opik.retry_backoff_ms = 10;
    })
    .await;
    let text = h.call_err("list-projects", json!({})).await;
    assert!(
        text.starts_with(&format!("cannot reach Opik at http://127.0.0.1:{port}/api")),
        "{text}"
    );
    assert!(text.contains("OPIK_API_BASE_URL"), "{text}");
    assert_eq!(
        h.call_ok("get-opik-help", json!({})).await["text"]
            .as_str()
            .map(|t| t.starts_with("# Opik help")),
        Some(true)
    );
}

#[tokio::test]
async fn a_malformed_body_is_a_tool_error() {
    let h = harness().await;
    h.fake
        .fail(None, "/v1/private/projects", Fault::Malformed, Some(1));
    let text = h.call_err("list-projects", json!({})).await;
    assert!(
        text.starts_with("Opik sent a response that is not the expected JSON"),
        "{text}"
    );
    assert!(text.contains("ending in /api"), "{text}");
    still_usable(&h).await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_whether_or_not_their_length_is_announced() {
    let h = harness_with(|s| s.opik.max_response_bytes = 64 * 1024).await;
    for fault in [Fault::Oversized(200_000), Fault::OversizedStream(200_000)] {
        h.fake.fail(None, "/v1/private/projects", fault, Some(1));
        let text = h.call_err("list-projects", json!({})).await;
        assert!(text.contains("larger than the 65536-byte limit"), "{text}");
    }
    still_usable(&h).await;
}

#[tokio::test]
async fn bad_arguments_fail_before_any_opik_call() {
    let h = harness().await;
    let cases = [
        (
            "get-trace-by-id",
            json!({"traceId": "../projects"}),
            "traceId must be a UUID",
        ),
        (
            "search-traces",
            json!({"projectName": "demo-app", "filters": {"name": {"$like": "x"}}}),
            "$like",
        ),
        (
            "get-trace-stats",
            json!({"projectName": "demo-app", "startDate": "last week"}),
            "startDate must be a date",
        ),
        (
            "add-trace-feedback",
            json!({"traceId": ids::TRACE_SHORT, "scores": []}),
            "scores: expected 1 to 100 items",
        ),
        (
            "get-metrics",
            json!({"metricName": "latency"}),
            "metricName: unknown metric \"latency\"",
        ),
        (
            "create-project",
            json!({"name": "  "}),
            "name must not be empty",
        ),
        (
            "list-traces",
            json!({"project_nme": "typo"}),
            "unknown field",
        ),
    ];
    for (tool, args, needle) in cases {
        let text = h.call_err(tool, args).await;
        assert!(text.contains(needle), "{tool}: {text}");
    }
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}

#[tokio::test]
async fn argument_errors_name_the_json_path_of_the_bad_value_for_classic_tools_too() {
    let h = harness().await;
    h.fake.clear();
    let cases = [
        (
            "add-trace-feedback",
            json!({"traceId": ids::TRACE_SHORT, "scores": [{"name": "a", "value": 1}, {"name": "b", "value": "high"}]}),
            "scores[1].value: invalid type: string \"high\", expected f64",
        ),
        (
            "create-dataset-item",
            json!({"datasetId": ids::DATASET, "input": "not an object"}),
            "input: invalid type: string \"not an object\", expected a map",
        ),
        (
            "run_experiment",
            json!({"experiment_config": {"dataset_name": "d", "prompts": [{"model": "m", "messages": [{"content": "hi"}]}]}}),
            "experiment_config.prompts[0].messages[0]: missing field `role`",
        ),
        (
            "list",
            json!({"entity_type": "trace", "page": "two"}),
            "page: invalid type: string \"two\"",
        ),
    ];
    for (tool, args, needle) in cases {
        let text = h.call_err(tool, args).await;
        assert!(text.contains(needle), "{tool}: {text}");
    }
    assert!(h.fake.requests().is_empty(), "{:?}", h.fake.requests());
}
