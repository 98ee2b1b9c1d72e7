//! Resources pass the same authorization as the tool they mirror: the tool's scope (a
//! refused read looks like an unknown resource and reaches no upstream), the tool's per-tool
//! quota (`-32029`), a security event on each refusal, and resources/list shows only what
//! the caller may read.

use opik_mcp::config::{Limit, Settings};
use serde_json::{Value, json};

use super::support::*;
use crate::fake_opik::{FakeOpik, KEY, WORKSPACE};

/// API keys, the fake Opik behind the server, and `list-projects` made an admin tool.
fn projects_for_admins(fake: &FakeOpik) -> impl FnOnce(&mut Settings) {
    let url = fake.api_url();
    move |s| {
        api_key_mode(s);
        s.opik.api_url = url;
        s.opik.api_key = Some(KEY.to_string().into());
        s.opik.workspace = WORKSPACE.into();
        s.auth
            .scopes
            .tools
            .insert("list-projects".into(), "opik:admin".into());
    }
}

fn read(uri: &str) -> Value {
    json!({ "uri": uri })
}

fn uris(list: &Value, key: &str, field: &str) -> Vec<String> {
    list["result"][key]
        .as_array()
        .unwrap_or_else(|| panic!("{key}: {list}"))
        .iter()
        .map(|r| r[field].as_str().expect("uri").to_owned())
        .collect()
}

#[tokio::test]
async fn a_read_only_key_cannot_read_the_resource_of_an_admin_tool_and_opik_sees_no_call() {
    let fake = FakeOpik::start().await;
    let app = spawn_secure(projects_for_admins(&fake)).await;
    let sid = initialize_as(&app, READ_KEY).await;

    let refused = rpc_as(
        &app,
        READ_KEY,
        &sid,
        2,
        "resources/read",
        read("opik://projects-list"),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32002, "looks unknown: {refused}");
    assert!(refused.get("result").is_none(), "{refused}");
    let page = rpc_as(
        &app,
        READ_KEY,
        &sid,
        3,
        "resources/read",
        read("opik://projects/1/5"),
    )
    .await;
    assert_eq!(page["error"]["code"], -32002, "the template too: {page}");
    let sub = rpc_as(
        &app,
        READ_KEY,
        &sid,
        4,
        "resources/subscribe",
        read("opik://projects-list"),
    );
    assert_eq!(sub.await["error"]["code"], -32002, "nor subscribe to it");
    assert!(
        fake.requests_to("GET", "/v1/private/projects").is_empty(),
        "no upstream call on a refusal: {:?}",
        fake.requests()
    );

    let denied = app.events.of("tool_denied");
    assert_eq!(denied.len(), 3, "each refusal is audited");
    assert_eq!(denied[0].principal.as_deref(), Some("key:reader"));
    assert_eq!(denied[0].target, "opik://projects-list");
    assert_eq!(denied[0].reason, "opik:admin");

    let admin = initialize_as(&app, ADMIN_KEY).await;
    let ok = rpc_as(
        &app,
        ADMIN_KEY,
        &admin,
        2,
        "resources/read",
        read("opik://projects-list"),
    )
    .await;
    assert!(ok["result"]["contents"][0]["text"].is_string(), "{ok}");
    assert_eq!(fake.requests_to("GET", "/v1/private/projects").len(), 1);
}

#[tokio::test]
async fn resources_list_shows_only_what_the_caller_may_read() {
    let fake = FakeOpik::start().await;
    let app = spawn_secure(projects_for_admins(&fake)).await;
    let sid = initialize_as(&app, READ_KEY).await;
    let list = rpc_as(&app, READ_KEY, &sid, 2, "resources/list", json!({})).await;
    assert_eq!(uris(&list, "resources", "uri"), ["opik://workspace-info"]);
    let templates = rpc_as(
        &app,
        READ_KEY,
        &sid,
        3,
        "resources/templates/list",
        json!({}),
    )
    .await;
    let templates = uris(&templates, "resourceTemplates", "uriTemplate");
    assert!(
        !templates.iter().any(|t| t.starts_with("opik://projects/")),
        "{templates:?}"
    );
    assert!(
        templates.iter().any(|t| t == "opik://trace/{traceId}"),
        "{templates:?}"
    );

    let admin = initialize_as(&app, ADMIN_KEY).await;
    let list = rpc_as(&app, ADMIN_KEY, &admin, 2, "resources/list", json!({})).await;
    assert_eq!(
        uris(&list, "resources", "uri"),
        ["opik://workspace-info", "opik://projects-list"]
    );
}

#[tokio::test]
async fn a_per_tool_burst_applies_to_the_resource_that_mirrors_the_tool() {
    let fake = FakeOpik::start().await;
    let url = fake.api_url();
    let app = spawn_secure(move |s| {
        api_key_mode(s);
        s.opik.api_url = url;
        s.opik.api_key = Some(KEY.to_string().into());
        s.opik.workspace = WORKSPACE.into();
        s.rate_limit.per_tool = Limit::new(6, 3);
    })
    .await;
    let sid = initialize_as(&app, READ_KEY).await;
    // The tool and its resource share one bucket: two reads and a call use the burst of 3.
    for id in 1..=2 {
        let ok = rpc_as(
            &app,
            READ_KEY,
            &sid,
            id,
            "resources/read",
            read("opik://projects-list"),
        )
        .await;
        assert!(ok["result"]["contents"].is_array(), "{ok}");
    }
    let call = json!({"name": "list-projects", "arguments": {}});
    let ok = rpc_as(&app, READ_KEY, &sid, 3, "tools/call", call).await;
    assert_eq!(ok["result"]["isError"], false, "{ok}");
    let calls = fake.requests_to("GET", "/v1/private/projects").len();

    let over = rpc_as(
        &app,
        READ_KEY,
        &sid,
        4,
        "resources/read",
        read("opik://projects-list"),
    )
    .await;
    assert_eq!(over["error"]["code"], -32029, "{over}");
    assert!(
        over["error"]["data"]["retryAfterSecs"].as_u64().is_some(),
        "{over}"
    );
    assert_eq!(
        fake.requests_to("GET", "/v1/private/projects").len(),
        calls,
        "no upstream call over quota"
    );
    let hits = app.events.of("rate_limited");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].target, "list-projects");
    assert_eq!(hits[0].reason, "per_tool");
}
