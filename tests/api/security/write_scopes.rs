//! Per-operation scopes of the consolidated `write` tool: with `write` opened to readers by
//! configuration, each operation needs its own scope (or `opik:write`) and a refusal names it.

use serde_json::{Value, json};

use super::support::*;

fn consolidated_for_readers(s: &mut opik_mcp::config::Settings) {
    jwt_mode(s);
    s.opik.toolsets = "consolidated".parse().expect("toolsets");
    s.auth
        .scopes
        .tools
        .insert("write".into(), "opik:read".into());
}

/// `example` naming its project (and a span's trace) and merging no tags, so a dry run needs
/// no lookup (there is no Opik here to read from).
fn without_lookups(op: &str, mut example: Value) -> Value {
    if matches!(op, "trace.update" | "span.create" | "span.update") {
        example["project_name"] = json!("my-app");
        let fields = example.as_object_mut().expect("object");
        fields.retain(|k, _| !k.starts_with("tags_to_"));
    }
    if op == "span.update" {
        example["trace_id"] = json!("0190babc-62a0-71d2-832a-0feffa4676eb");
    }
    example
}

fn dry_run(op: &str, data: Value) -> Value {
    json!({"name": "write", "arguments": {"operation": op, "data": data, "dry_run": true}})
}

#[tokio::test]
async fn each_write_operation_needs_its_scope_and_a_refusal_names_it() {
    let app = spawn_secure(consolidated_for_readers).await;
    let logger = hs_token(&claims("logger", "opik:read opik:trace_span_thread_log"));
    let sid = initialize_as(&app, &logger).await;
    let trace = dry_run("trace.create", json!({"name": "t", "project_name": "p"}));
    let ok = rpc_as(&app, &logger, &sid, 2, "tools/call", trace.clone()).await;
    assert_eq!(ok["result"]["isError"], false, "{ok}");

    let score = dry_run(
        "score.create",
        json!({"target": "trace", "id": "0190babc-62a0-71d2-832a-0feffa4676eb",
               "name": "x", "value": 1}),
    );
    let refused = rpc_as(&app, &logger, &sid, 3, "tools/call", score.clone()).await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    let text = refused["result"]["content"][0]["text"]
        .as_str()
        .expect("text");
    assert!(
        text.contains("opik:trace_span_thread_annotate") && text.contains("score.create"),
        "{text}"
    );

    let writer = hs_token(&claims("writer", "opik:read opik:write"));
    let sid2 = initialize_as(&app, &writer).await;
    let ok = rpc_as(&app, &writer, &sid2, 2, "tools/call", score).await;
    assert_eq!(
        ok["result"]["isError"], false,
        "the general write scope covers all: {ok}"
    );
}

/// Every operation, from its own `schema`: a reader is refused with the operation's scope
/// named, a token with exactly that scope passes (dry run), and `run_experiment` needs
/// `opik:experiment_create` the same way.
#[tokio::test]
async fn every_operation_and_run_experiment_name_their_scope_when_refused() {
    let app = spawn_secure(|s| {
        consolidated_for_readers(s);
        s.auth
            .scopes
            .tools
            .insert("run_experiment".into(), "opik:read".into());
    })
    .await;
    let reader = hs_token(&claims("reader", "opik:read"));
    let sid = initialize_as(&app, &reader).await;
    let ops = [
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
    let mut id = 10;
    for op in ops {
        id += 1;
        let schema = json!({"name": "schema", "arguments": {"operation": op}});
        let s = rpc_as(&app, &reader, &sid, id, "tools/call", schema).await;
        let s = &s["result"]["structuredContent"];
        let scope = s["required_scope"].as_str().expect("scope").to_string();
        let call = dry_run(op, without_lookups(op, s["example"].clone()));
        id += 1;
        let refused = rpc_as(&app, &reader, &sid, id, "tools/call", call.clone()).await;
        assert_eq!(refused["result"]["isError"], true, "{op}: {refused}");
        let text = refused["result"]["content"][0]["text"]
            .as_str()
            .expect("text");
        assert!(text.contains(&scope) && text.contains(op), "{op}: {text}");

        let holder = hs_token(&claims("holder", &format!("opik:read {scope}")));
        let sid2 = initialize_as(&app, &holder).await;
        let ok = rpc_as(&app, &holder, &sid2, 2, "tools/call", call).await;
        assert_eq!(ok["result"]["isError"], false, "{op} with {scope}: {ok}");
    }
    let run = json!({"name": "run_experiment", "arguments": {"experiment_config": {
        "dataset_name": "d", "prompts": [{"model": "m", "messages": [{"role": "user", "content": "x"}]}]}}});
    let refused = rpc_as(&app, &reader, &sid, 99, "tools/call", run).await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    let text = refused["result"]["content"][0]["text"]
        .as_str()
        .expect("text");
    assert!(
        text.contains("opik:experiment_create") && text.contains("run_experiment"),
        "{text}"
    );
}
