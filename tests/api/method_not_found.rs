//! `-32601` answers say why a method is missing and what is there (`data.supported`), on the
//! handshake era and on the stateless 2026-07-28 revision alike.

use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn supported(reply: &Value) -> Vec<&str> {
    reply["error"]["data"]["supported"]
        .as_array()
        .expect("data.supported")
        .iter()
        .map(|m| m.as_str().expect("method"))
        .collect()
}

#[tokio::test]
async fn an_unknown_method_names_itself_and_the_supported_methods() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let reply = app.rpc(&sid, 4, "no/such/method", json!({})).await;
    assert_eq!(reply["id"], 4);
    assert_eq!(reply["error"]["code"], -32601);
    let message = reply["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("Method not found: no/such/method: this server does not implement it")
            && message.contains("Supported methods: initialize, ping"),
        "{message}"
    );
    assert_eq!(reply["error"]["data"]["method"], "no/such/method");
    let list = supported(&reply);
    for m in [
        "tools/call",
        "resources/subscribe",
        "completion/complete",
        "logging/setLevel",
    ] {
        assert!(list.contains(&m), "{m} in {list:?}");
    }
}

#[tokio::test]
async fn methods_of_extensions_not_offered_or_of_the_other_direction_say_so() {
    let app = spawn_app().await;
    let sid = app.initialize().await;
    let tasks = app.rpc(&sid, 5, "tasks/list", json!({})).await;
    assert_eq!(tasks["error"]["code"], -32601, "{tasks}");
    let text = tasks["error"]["message"].as_str().expect("message");
    assert!(text.contains("tasks extension is not offered"), "{text}");
    let sampling = app.rpc(&sid, 6, "sampling/createMessage", json!({})).await;
    let text = sampling["error"]["message"].as_str().expect("message");
    assert!(
        text.contains("server sends that request to a client"),
        "{text}"
    );
}

#[tokio::test]
async fn a_stateless_client_gets_the_methods_of_its_revision() {
    let app = spawn_app().await;
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}
    });
    let body =
        json!({"jsonrpc": "2.0", "id": 9, "method": "vendor/thing", "params": {"_meta": meta}});
    let resp = app
        .client
        .post(app.url("/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "vendor/thing")
        .body(body.to_string())
        .send()
        .await
        .expect("POST");
    let reply: Value = resp.json().await.expect("json");
    assert_eq!(reply["error"]["code"], -32601, "{reply}");
    let list = supported(&reply);
    assert!(list.contains(&"server/discover") && list.contains(&"completion/complete"));
    for gone in [
        "initialize",
        "ping",
        "resources/subscribe",
        "logging/setLevel",
    ] {
        assert!(
            !list.contains(&gone),
            "{gone} is not in 2026-07-28: {list:?}"
        );
    }
}
