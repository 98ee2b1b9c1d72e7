//! The stateless 2026-07-28 revision on /mcp, beside the handshake era.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const V: &str = "2026-07-28";

fn meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": V,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "modern-test", "version": "1"}
    })
}

async fn post(
    app: &TestApp,
    body: Value,
    headers: &[(&str, &str)],
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.body(body.to_string()).send().await.expect("POST");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.json().await.unwrap_or(Value::Null), headers)
}

fn call(id: i64, method: &str, mut params: Value) -> Value {
    params["_meta"] = meta();
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[tokio::test]
async fn discover_lists_versions_capabilities_and_server_info_without_a_session() {
    let app = spawn_app().await;
    let (status, body, headers) = post(
        &app,
        call(1, "server/discover", json!({})),
        &[
            ("mcp-protocol-version", V),
            ("mcp-method", "server/discover"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !headers.contains_key("mcp-session-id"),
        "no session id is minted"
    );
    let versions = body["result"]["supportedVersions"]
        .as_array()
        .expect("versions");
    assert!(versions.contains(&json!(V)) && versions.contains(&json!("2025-11-25")));
    assert!(body["result"]["capabilities"]["tools"].is_object());
    assert_eq!(
        body["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "opik-mcp"
    );
    assert_eq!(app.registry.len(), 0, "nothing is registered");
}

#[tokio::test]
async fn stateless_tools_list_and_call_work_and_carry_cache_hints() {
    let app = spawn_app().await;
    let (status, list, _) = post(
        &app,
        call(2, "tools/list", json!({})),
        &[("mcp-protocol-version", V), ("mcp-method", "tools/list")],
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert!(
        list["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .any(|t| t["name"] == "get-server-info")
    );
    assert_eq!(list["result"]["cacheScope"], "public");
    assert!(list["result"]["ttlMs"].as_u64().expect("ttl") > 0);
    let (status, info, _) = post(
        &app,
        call(
            3,
            "tools/call",
            json!({"name": "get-server-info", "arguments": {}}),
        ),
        &[
            ("mcp-protocol-version", V),
            ("mcp-method", "tools/call"),
            ("mcp-name", "get-server-info"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["id"], 3);
    assert_eq!(info["result"]["structuredContent"]["name"], "opik-mcp");
}

#[tokio::test]
async fn header_that_disagrees_with_the_body_is_400_header_mismatch() {
    let app = spawn_app().await;
    type Headers<'a> = Vec<(&'a str, &'a str)>;
    let cases: [(&str, Value, Headers<'_>); 4] = [
        (
            "method mismatch",
            call(4, "tools/list", json!({})),
            vec![("mcp-protocol-version", V), ("mcp-method", "prompts/list")],
        ),
        (
            "method missing",
            call(5, "tools/list", json!({})),
            vec![("mcp-protocol-version", V)],
        ),
        (
            "name mismatch",
            call(
                6,
                "tools/call",
                json!({"name": "get-server-info", "arguments": {}}),
            ),
            vec![
                ("mcp-protocol-version", V),
                ("mcp-method", "tools/call"),
                ("mcp-name", "get-opik-help"),
            ],
        ),
        (
            "base64 name mismatch",
            call(
                7,
                "tools/call",
                json!({"name": "get-server-info", "arguments": {}}),
            ),
            vec![
                ("mcp-protocol-version", V),
                ("mcp-method", "tools/call"),
                ("mcp-name", "=?base64?b3RoZXI=?="),
            ],
        ),
    ];
    for (name, body, headers) in cases {
        let (status, reply, _) = post(&app, body.clone(), &headers).await;
        assert_eq!(status, 400, "{name}: {reply}");
        assert_eq!(reply["error"]["code"], -32020, "{name}");
        assert_eq!(
            reply["id"], body["id"],
            "{name}: the error carries the request id"
        );
    }
    let ok = call(
        8,
        "tools/call",
        json!({"name": "get-server-info", "arguments": {}}),
    );
    let (status, _, _) = post(
        &app,
        ok,
        &[
            ("mcp-protocol-version", V),
            ("mcp-method", "tools/call"),
            ("mcp-name", "=?base64?Z2V0LXNlcnZlci1pbmZv?="),
        ],
    )
    .await;
    assert_eq!(
        status, 200,
        "a base64-encoded Mcp-Name that matches is accepted"
    );
}

#[tokio::test]
async fn unsupported_version_is_400_with_the_supported_list_and_the_requested_echo() {
    let app = spawn_app().await;
    let mut body = call(9, "server/discover", json!({}));
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let (status, reply, _) = post(
        &app,
        body,
        &[
            ("mcp-protocol-version", "2099-01-01"),
            ("mcp-method", "server/discover"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(reply["error"]["code"], -32022);
    assert_eq!(reply["error"]["data"]["requested"], "2099-01-01");
    assert!(
        reply["error"]["data"]["supported"]
            .as_array()
            .expect("list")
            .contains(&json!(V))
    );
}

#[tokio::test]
async fn missing_meta_is_400_invalid_params_and_removed_methods_are_404() {
    let app = spawn_app().await;
    let bare = json!({"jsonrpc": "2.0", "id": 10, "method": "tools/list", "params": {}});
    let (status, reply, _) = post(
        &app,
        bare,
        &[("mcp-protocol-version", V), ("mcp-method", "tools/list")],
    )
    .await;
    assert_eq!(
        (status, reply["error"]["code"].clone()),
        (400, json!(-32602))
    );
    for method in ["initialize", "ping", "logging/setLevel", "no/such/method"] {
        let (status, reply, _) = post(
            &app,
            call(11, method, json!({})),
            &[("mcp-protocol-version", V), ("mcp-method", method)],
        )
        .await;
        assert_eq!(status, 404, "{method}: {reply}");
        assert_eq!(reply["error"]["code"], -32601, "{method}");
        assert_eq!(reply["id"], 11);
    }
}

#[tokio::test]
async fn one_server_answers_a_2025_session_and_a_2026_client_side_by_side() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let (status, modern, _) = post(
        &app,
        call(12, "tools/list", json!({})),
        &[("mcp-protocol-version", V), ("mcp-method", "tools/list")],
    )
    .await;
    assert_eq!(status, 200);
    let legacy = app.rpc(&sid, 13, "tools/list", json!({})).await;
    assert_eq!(legacy["result"]["tools"], modern["result"]["tools"]);
    assert!(
        legacy["result"].get("cacheScope").is_none(),
        "2025 results carry no 2026 fields"
    );
    assert_eq!(app.registry.len(), 1, "only the 2025 session is registered");
}
