//! Legacy SSE sessions: the stream stays on the replica that opened it; messages posted to
//! any replica are processed there and their replies relayed to the stream.

use std::ops::RangeInclusive;

use futures::{StreamExt, stream};
use serde_json::{Value, json};

use super::Replicas;
use crate::helpers::{SseClient, initialize_request};

const SESSIONS: usize = 100;
const METHODS: [&str; 4] = ["tools/list", "ping", "prompts/list", "tools/list"];

/// One session: stream on replica `k`, each message posted to the next replica; every reply
/// must arrive on this session's stream with this session's ids.
pub(super) async fn run_session(r: &Replicas, k: usize, tools: usize) -> Result<(), String> {
    let mut sse: SseClient = r.at(k).open_sse().await;
    let status = sse.post(r.at(k + 1), &initialize_request(0)).await.status();
    if status != 202 {
        return Err(format!("initialize at replica {}: {status}", (k + 1) % 3));
    }
    let reply = sse.next_message().await;
    if reply["id"] != 0 || reply["result"]["serverInfo"]["name"] != "opik-mcp" {
        return Err(format!("initialize reply: {reply}"));
    }
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let status = sse.post(r.at(k + 2), &note).await.status();
    if status != 202 {
        return Err(format!("initialized: {status}"));
    }
    for (j, method) in METHODS.iter().enumerate() {
        let id = (k * 100 + j + 1) as i64;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": {}});
        let status = sse.post(r.at(k + 3 + j), &body).await.status();
        if status != 202 {
            return Err(format!("{method}: {status}"));
        }
        let reply: Value = sse.next_message().await;
        if reply["id"] != id {
            return Err(format!("misrouted: sent {id}, got {}", reply["id"]));
        }
        let ok = match *method {
            "tools/list" => reply["result"]["tools"].as_array().map(Vec::len) == Some(tools),
            "ping" => reply["result"].as_object().is_some_and(|o| o.is_empty()),
            _ => reply["result"]["prompts"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
        };
        if !ok {
            return Err(format!("{method}: {reply}"));
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_hundred_legacy_sse_sessions_get_every_reply_on_their_own_stream() {
    let mut r = Replicas::start(3, |_| {}).await;
    let sid = r.at(0).initialize().await;
    let tools = r.at(0).rpc(&sid, 1, "tools/list", json!({})).await["result"]["tools"]
        .as_array()
        .expect("tools")
        .len();
    let results: Vec<Result<(), String>> = stream::iter(0..SESSIONS)
        .map(|k| {
            let r = &r;
            async move { run_session(r, k, tools).await }
        })
        .buffer_unordered(12)
        .collect()
        .await;
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    r.stop().await;
    let rows = r.request_rows_per_session().await;
    let expected = 1 + METHODS.len() as i64;
    let full = rows.iter().filter(|(_, n)| *n == expected).count();
    assert_eq!(full, SESSIONS, "rows per session: {rows:?}");
    let total: i64 = rows.iter().map(|(_, n)| n).sum();
    assert_eq!(
        total,
        SESSIONS as i64 * expected + 2,
        "no request audited twice"
    );
}

/// A legacy SSE session with its stream on replica 0, initialized through replica 1, then a
/// `tools/list` for each of `ids` posted to replica 1: the replies (all relayed to replica 0),
/// each checked to carry its id and the tool list.
pub(super) async fn relayed_tool_lists(r: &Replicas, ids: RangeInclusive<i64>) -> Vec<Value> {
    let mut sse = r.at(0).open_sse().await;
    assert_eq!(
        sse.post(r.at(1), &initialize_request(0)).await.status(),
        202
    );
    assert_eq!(sse.next_message().await["id"], 0);
    let mut replies = Vec::new();
    for id in ids {
        let list = json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"});
        assert_eq!(sse.post(r.at(1), &list).await.status(), 202);
        let reply = sse.next_message().await;
        assert_eq!(reply["id"], id);
        assert!(
            reply["result"]["tools"]
                .as_array()
                .is_some_and(|a| a.len() > 5)
        );
        replies.push(reply);
    }
    replies
}

#[tokio::test]
async fn a_large_reply_is_relayed_by_reference() {
    // A tools/list reply is far over 512 bytes: forced through relay_messages.
    let r = Replicas::start(2, |s| s.cluster.inline_bytes = 512).await;
    relayed_tool_lists(&r, 2..=2).await;
    // It went by reference, and the receiver deleted the row as it delivered it.
    let used: bool = sqlx::query_scalar("SELECT is_called FROM relay_messages_id_seq")
        .fetch_one(&mut r.db.connect().await)
        .await
        .expect("sequence");
    assert!(used, "a relay_messages row was written");
    let mut conn = r.db.connect().await;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM relay_messages")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(left, 0);
    // Counted (one recorder for the test process: both replicas' events land in it).
    let metrics = r
        .at(0)
        .admin_get("/metrics")
        .await
        .text()
        .await
        .expect("text");
    for event in ["relayed", "relay_delivered", "adopted"] {
        let line = format!("opik_mcp_cluster_events_total{{event=\"{event}\"}}");
        assert!(metrics.contains(&line), "{event} missing");
    }
}

#[tokio::test]
async fn a_reply_over_one_notification_travels_in_parts_without_the_table() {
    let r = Replicas::start(2, |_| {}).await;
    // tools/list is several times the 7,000 bytes a notification carries.
    for reply in relayed_tool_lists(&r, 1..=3).await {
        assert!(serde_json::to_string(&reply).expect("json").len() > 7000);
    }
    // The table's sequence was never used: no message went by reference.
    let mut conn = r.db.connect().await;
    let used: bool = sqlx::query_scalar("SELECT is_called FROM relay_messages_id_seq")
        .fetch_one(&mut conn)
        .await
        .expect("sequence");
    assert!(!used, "no relay_messages row was ever written");
}

#[tokio::test]
async fn closing_the_stream_ends_the_session_on_the_other_replicas() {
    let r = Replicas::start(2, |_| {}).await;
    let mut sse = r.at(0).open_sse().await;
    sse.initialize(r.at(1)).await;
    let endpoint = sse.endpoint.clone();
    drop(sse);
    let ping = json!({"jsonrpc": "2.0", "id": 3, "method": "ping"});
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let status = r
            .at(1)
            .client
            .post(r.at(1).url(&endpoint))
            .header("content-type", "application/json")
            .body(ping.to_string())
            .send()
            .await
            .expect("POST")
            .status();
        if status == 404 || status == 410 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {status}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
