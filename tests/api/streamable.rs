//! Streamable HTTP: every status code of the spec, headers and bodies.

use serde_json::{Value, json};

use crate::helpers::{PROTOCOL, SseClient, initialize_request, spawn_app, spawn_app_with};

fn ping(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "ping"})
}

#[tokio::test]
async fn initialize_mints_a_visible_ascii_session_id_and_names_the_server() {
    let app = spawn_app().await;
    let resp = app.post_mcp(&initialize_request(1), None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let sid = resp.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(sid.len() >= 32 && sid.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["id"], 1);
    assert_eq!(body["result"]["protocolVersion"], PROTOCOL);
    assert_eq!(body["result"]["serverInfo"]["name"], "opik-mcp");
    assert_eq!(
        body["result"]["serverInfo"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        body["result"]["instructions"]
            .as_str()
            .expect("instructions")
            .contains("Opik")
    );
}

#[tokio::test]
async fn two_initializes_get_two_different_sessions() {
    let app = spawn_app().await;
    let a = app.initialize().await;
    let b = app.initialize().await;
    assert_ne!(a, b);
    assert_eq!(app.registry.len(), 2);
}

#[tokio::test]
async fn tools_list_and_get_server_info_work_on_a_session() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let list = app.rpc(&sid, 2, "tools/list", json!({})).await;
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert!(names.contains(&"get-server-info") && names.contains(&"get-opik-help"));
    let info = app
        .rpc(
            &sid,
            3,
            "tools/call",
            json!({"name": "get-server-info", "arguments": {}}),
        )
        .await;
    let sc = &info["result"]["structuredContent"];
    assert_eq!(sc["name"], "opik-mcp");
    assert_eq!(sc["workspaceName"], "default");
    assert_eq!(sc["apiKeyConfigured"], false);
    assert_eq!(info["result"]["isError"], false);
}

#[tokio::test]
async fn notification_is_accepted_with_202_and_no_body() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let resp = app.post_mcp(&note, Some(&sid)).await;
    assert_eq!(resp.status(), 202);
    assert!(resp.bytes().await.expect("body").is_empty());
}

#[tokio::test]
async fn request_without_session_id_is_400() {
    let app = spawn_app().await;
    let resp = app.post_mcp(&ping(1), None).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["jsonrpc"], "2.0");
    assert_eq!(body["id"], 1);
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("Mcp-Session-Id")
    );
}

#[tokio::test]
async fn unknown_session_id_is_404() {
    let app = spawn_app().await;
    let resp = app.post_mcp(&ping(1), Some(&"a".repeat(64))).await;
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], -32001);
}

#[tokio::test]
async fn session_id_with_invisible_characters_is_400() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", "bad id")
        .body(ping(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn unsupported_protocol_version_header_is_400_and_lists_supported() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &sid)
        .header("mcp-protocol-version", "1999-01-01")
        .body(ping(5).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    let msg = body["error"]["message"].as_str().expect("msg");
    assert!(
        msg.contains("1999-01-01") && msg.contains(PROTOCOL),
        "{msg}"
    );
}

#[tokio::test]
async fn post_without_both_accept_types_is_406() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 406);
    assert_eq!(app.registry.len(), 0, "no session created");
}

#[tokio::test]
async fn post_with_non_json_content_type_is_415() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "text/plain")
        .header("accept", "application/json, text/event-stream")
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 415);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = spawn_app_with(|s| s.server.max_body_bytes = 4096).await;
    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"pad": "x".repeat(10_000)}});
    let resp = app.post_mcp(&big, None).await;
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("4096")
    );
}

#[tokio::test]
async fn malformed_json_is_400_parse_error_and_the_session_stays_usable() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &sid)
        .body("{\"jsonrpc\": ")
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], -32700);
    let pong = app.rpc(&sid, 9, "ping", json!({})).await;
    assert_eq!(pong["id"], 9);
    assert!(pong["result"].is_object());
}

#[tokio::test]
async fn batch_is_refused_with_400_invalid_request() {
    let app = spawn_app().await;
    let resp = app.post_mcp(&json!([ping(1), ping(2)]), None).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], -32600);
}

#[tokio::test]
async fn unsupported_http_method_is_405() {
    let app = spawn_app().await;
    let resp = app.client.put(app.url("/mcp")).send().await.expect("PUT");
    assert_eq!(resp.status(), 405);
    assert!(resp.headers().contains_key("allow"));
}

#[tokio::test]
async fn foreign_origin_is_403_and_loopback_origin_is_accepted() {
    let app = spawn_app().await;
    let send = |origin: &'static str| {
        app.client
            .post(app.url("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("origin", origin)
            .body(initialize_request(1).to_string())
            .send()
    };
    assert_eq!(
        send("https://evil.example").await.expect("POST").status(),
        403
    );
    assert_eq!(
        send("http://localhost:5173").await.expect("POST").status(),
        200
    );
}

#[tokio::test]
async fn non_loopback_host_header_is_403_when_bound_to_loopback() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("host", "evil.example")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(initialize_request(1).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 403);
    assert_eq!(app.registry.len(), 0);
}

#[tokio::test]
async fn delete_ends_the_session_and_later_requests_get_404() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let resp = app
        .client
        .delete(app.url("/mcp"))
        .header("mcp-session-id", &sid)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(resp.status(), 200);
    assert_eq!(app.registry.len(), 0);
    assert_eq!(app.post_mcp(&ping(2), Some(&sid)).await.status(), 404);
    let again = app
        .client
        .delete(app.url("/mcp"))
        .header("mcp-session-id", &sid)
        .send()
        .await;
    assert_eq!(again.expect("DELETE").status(), 404);
}

#[tokio::test]
async fn delete_without_session_id_is_400() {
    let app = spawn_app().await;
    let resp = app
        .client
        .delete(app.url("/mcp"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn get_stream_opens_once_per_session_and_second_is_409() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let open = || {
        app.client
            .get(app.url("/mcp"))
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &sid)
            .send()
    };
    let first = open().await.expect("GET");
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "text/event-stream");
    assert_eq!(first.headers()["x-accel-buffering"], "no");
    let second = open().await.expect("GET");
    assert_eq!(second.status(), 409);
    drop(first);
}

#[tokio::test]
async fn get_without_event_stream_accept_is_406() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let resp = app
        .client
        .get(app.url("/mcp"))
        .header("accept", "application/json")
        .header("mcp-session-id", &sid)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), 406);
}

#[tokio::test]
async fn get_stream_ends_when_the_session_is_deleted() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let resp = app
        .client
        .get(app.url("/mcp"))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &sid)
        .send()
        .await
        .expect("GET");
    let mut stream = SseClient::from_response(resp);
    app.client
        .delete(app.url("/mcp"))
        .header("mcp-session-id", &sid)
        .send()
        .await
        .expect("DELETE");
    assert!(stream.ends_within(std::time::Duration::from_secs(5)).await);
}

#[tokio::test]
async fn sse_response_mode_answers_with_one_message_event() {
    let app = spawn_app_with(|s| s.server.json_response = false).await;
    let resp = app.post_mcp(&initialize_request(1), None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut stream = SseClient::from_response(resp);
    let msg = stream.next_message().await;
    assert_eq!(msg["id"], 1);
    assert_eq!(msg["result"]["serverInfo"]["name"], "opik-mcp");
}

#[tokio::test]
async fn request_before_initialize_on_a_new_session_is_impossible_and_second_initialize_is_refused()
{
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &sid)
        .body(initialize_request(7).to_string())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 400);
    let pong = app.rpc(&sid, 8, "ping", json!({})).await;
    assert_eq!(pong["id"], 8);
}

#[tokio::test]
async fn unknown_tool_is_reported_as_unknown() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let reply = app
        .rpc(
            &sid,
            4,
            "tools/call",
            json!({"name": "no-such-tool", "arguments": {}}),
        )
        .await;
    assert_eq!(reply["error"]["code"], -32602);
    assert!(
        reply["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("Unknown tool")
    );
}

#[tokio::test]
async fn unknown_method_is_a_json_rpc_method_not_found() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let reply = app.rpc(&sid, 4, "no/such/method", json!({})).await;
    assert_eq!(reply["error"]["code"], -32601);
}
