//! `resources/subscribe` / `unsubscribe` over Streamable HTTP against the fake Opik: a change
//! (and a deletion) of a subscribed entity sends `notifications/resources/updated` on the
//! session's GET stream, unsubscribing stops it, unknown URIs are resource-not-found naming
//! the URI, the per-session limit holds, and with subscriptions off nothing is advertised.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    fake_opik::ids,
    helpers::{SseClient, initialize_request, spawn_app_with},
    opik_support::{Harness, harness_with},
};

async fn get_stream(h: &Harness) -> SseClient {
    let resp = h
        .app
        .client
        .get(h.app.url("/mcp"))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &h.sid)
        .send()
        .await
        .expect("GET /mcp");
    assert_eq!(resp.status(), 200);
    SseClient::from_response(resp)
}

/// The next `notifications/resources/updated` on `stream`, if one comes within `within`.
async fn next_update(stream: &mut SseClient, within: Duration) -> Option<Value> {
    tokio::time::timeout(within, async {
        loop {
            let msg = stream.next_message().await;
            if msg["method"] == "notifications/resources/updated" {
                return msg;
            }
        }
    })
    .await
    .ok()
}

fn set_dataset_description(h: &Harness, text: &str) {
    let mut data = h.fake.state.data.lock().expect("lock");
    let d = data
        .datasets
        .iter_mut()
        .find(|d| d["id"] == ids::DATASET)
        .expect("seeded dataset");
    d["description"] = json!(text);
}

#[tokio::test]
async fn a_changed_or_deleted_subscribed_resource_is_notified_until_unsubscribed() {
    let h = harness_with(|s| s.opik.subscription_poll_secs = 1).await;
    let mut stream = get_stream(&h).await;
    let uri = format!("opik://dataset/{}", ids::DATASET);
    let reply = h.rpc("resources/subscribe", json!({"uri": uri})).await;
    assert_eq!(reply["result"], json!({}), "{reply}");
    assert!(
        next_update(&mut stream, Duration::from_millis(2500))
            .await
            .is_none(),
        "nothing changed yet"
    );

    set_dataset_description(&h, "changed by someone");
    let update = next_update(&mut stream, Duration::from_secs(5))
        .await
        .expect("an update");
    assert_eq!(update["params"]["uri"], uri.as_str());

    h.fake.state.data.lock().expect("lock").datasets.clear();
    let gone = next_update(&mut stream, Duration::from_secs(5))
        .await
        .expect("deletion notified");
    assert_eq!(gone["params"]["uri"], uri.as_str());

    let reply = h.rpc("resources/unsubscribe", json!({"uri": uri})).await;
    assert_eq!(reply["result"], json!({}), "{reply}");
    let again = h.rpc("resources/unsubscribe", json!({"uri": uri})).await;
    assert_eq!(again["result"], json!({}), "unsubscribing twice is fine");
    *h.fake.state.data.lock().expect("lock") = crate::fake_opik::data::Data::seeded();
    assert!(
        next_update(&mut stream, Duration::from_millis(2500))
            .await
            .is_none(),
        "no update after unsubscribing"
    );
}

#[tokio::test]
async fn unknown_or_missing_resources_are_resource_not_found_naming_the_uri() {
    let h = harness_with(|_| {}).await;
    let missing = "opik://dataset/0190a000-0000-7000-8000-0000000000ff".to_string();
    for (method, uri) in [
        ("resources/subscribe", "opik://nothing/here".to_string()),
        ("resources/subscribe", missing.clone()),
        ("resources/unsubscribe", "file:///etc/passwd".to_string()),
    ] {
        let reply = h.rpc(method, json!({"uri": uri})).await;
        assert_eq!(reply["error"]["code"], -32002, "{method} {uri}: {reply}");
        let message = reply["error"]["message"].as_str().expect("message");
        assert!(message.contains(&uri), "{message}");
        assert_eq!(reply["error"]["data"]["uri"], uri.as_str());
    }
}

#[tokio::test]
async fn a_session_holds_at_most_the_configured_number_of_subscriptions() {
    let h = harness_with(|s| s.limits.max_subscriptions_per_session = 2).await;
    for uri in [
        "opik://workspace-info",
        "opik://projects-list",
        "opik://workspace-info",
    ] {
        let reply = h.rpc("resources/subscribe", json!({"uri": uri})).await;
        assert_eq!(reply["result"], json!({}), "{uri}: {reply}");
    }
    let reply = h
        .rpc("resources/subscribe", json!({"uri": "opik://projects/1/5"}))
        .await;
    assert_eq!(reply["error"]["code"], -32000, "{reply}");
    assert_eq!(reply["error"]["data"]["limit"], 2);
    let freed = h
        .rpc(
            "resources/unsubscribe",
            json!({"uri": "opik://workspace-info"}),
        )
        .await;
    assert_eq!(freed["result"], json!({}));
    let reply = h
        .rpc("resources/subscribe", json!({"uri": "opik://projects/1/5"}))
        .await;
    assert_eq!(
        reply["result"],
        json!({}),
        "room again after unsubscribing: {reply}"
    );
}

#[tokio::test]
async fn with_subscriptions_off_they_are_not_advertised_and_the_methods_say_so() {
    let app = spawn_app_with(|s| s.limits.max_subscriptions_per_session = 0).await;
    let resp = app.post_mcp(&initialize_request(1), None).await;
    let body: Value = resp.json().await.expect("json");
    let resources = &body["result"]["capabilities"]["resources"];
    assert!(
        resources.is_object() && resources.get("subscribe").is_none(),
        "{resources}"
    );
    let sid = app.initialize().await;
    let reply = app
        .rpc(
            &sid,
            2,
            "resources/subscribe",
            json!({"uri": "opik://workspace-info"}),
        )
        .await;
    assert_eq!(reply["error"]["code"], -32601);
    let message = reply["error"]["message"].as_str().expect("message");
    assert!(message.contains("turned off"), "{message}");
    let supported = reply["error"]["data"]["supported"]
        .as_array()
        .expect("list");
    assert!(!supported.contains(&json!("resources/subscribe")));
}
