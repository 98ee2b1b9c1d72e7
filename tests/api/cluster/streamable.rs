//! Streamable HTTP sessions served by whichever replica a request reaches.

use std::time::Duration;

use futures::{StreamExt, stream};
use serde_json::{Value, json};

use super::Replicas;
use crate::helpers::{PROTOCOL, initialize_request};

const SESSIONS: usize = 100;
/// Requests per session after the handshake, each to the next replica.
const METHODS: [&str; 6] = [
    "tools/list",
    "ping",
    "resources/list",
    "prompts/list",
    "tools/list",
    "ping",
];

/// What a correct answer to `method` looks like.
fn check(method: &str, reply: &Value, tools: usize) -> Result<(), String> {
    let r = &reply["result"];
    let ok = match method {
        "tools/list" => r["tools"].as_array().map(Vec::len) == Some(tools),
        "ping" => r.as_object().is_some_and(|o| o.is_empty()),
        "resources/list" => r["resources"].as_array().is_some_and(|a| !a.is_empty()),
        "prompts/list" => r["prompts"].as_array().is_some_and(|a| !a.is_empty()),
        _ => false,
    };
    ok.then_some(()).ok_or_else(|| format!("{method}: {reply}"))
}

/// One session: initialize on replica `k`, then every message to the next replica.
async fn run_session(r: &Replicas, k: usize, tools: usize) -> Result<String, String> {
    let init = r.at(k).post_mcp(&initialize_request(0), None).await;
    if init.status() != 200 {
        return Err(format!("initialize: {}", init.status()));
    }
    let sid = init.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let status = r.at(k + 1).post_mcp(&note, Some(&sid)).await.status();
    if status != 202 {
        return Err(format!("initialized at replica {}: {status}", (k + 1) % 3));
    }
    for (j, method) in METHODS.iter().enumerate() {
        let id = (k * 100 + j + 1) as i64;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": {}});
        let resp = r.at(k + 2 + j).post_mcp(&body, Some(&sid)).await;
        if resp.status() != 200 {
            return Err(format!("{method} (session {k}): {}", resp.status()));
        }
        let reply: Value = resp.json().await.map_err(|e| e.to_string())?;
        if reply["id"] != id {
            return Err(format!("misrouted: sent {id}, got {}", reply["id"]));
        }
        check(method, &reply, tools)?;
    }
    Ok(sid)
}

#[tokio::test]
async fn a_hundred_streamable_sessions_answer_correctly_on_every_replica_in_turn() {
    let mut r = Replicas::start(3, |_| {}).await;
    // The tool list as one replica alone serves it.
    let sid = r.at(0).initialize().await;
    let tools = r.at(0).rpc(&sid, 1, "tools/list", json!({})).await["result"]["tools"]
        .as_array()
        .expect("tools")
        .len();
    assert!(tools > 0);
    let results: Vec<Result<String, String>> = stream::iter(0..SESSIONS)
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
    // Every replica served requests of sessions it did not create.
    for app in &r.apps {
        assert!(
            app.registry.len() >= SESSIONS,
            "{} local copies",
            app.registry.len()
        );
    }
    r.stop().await;
    // One audit row per request, whichever replica served it: initialize + METHODS per
    // session (the replayed handshakes are not requests of the client).
    let rows = r.request_rows_per_session().await;
    let per_session: Vec<i64> = rows.iter().map(|(_, n)| *n).collect();
    assert_eq!(
        rows.len(),
        SESSIONS + 1,
        "one group per session (and the baseline one)"
    );
    let expected = 1 + METHODS.len() as i64;
    let full = per_session.iter().filter(|n| **n == expected).count();
    assert_eq!(full, SESSIONS, "rows per session: {per_session:?}");
    let total: i64 = per_session.iter().sum();
    assert_eq!(
        total,
        SESSIONS as i64 * expected + 2,
        "no request audited twice"
    );
}

#[tokio::test]
async fn a_stream_on_one_replica_gets_the_session_it_did_not_create() {
    let r = Replicas::start(2, |_| {}).await;
    let sid = r.at(0).initialize().await;
    // GET stream on replica 1, a request on replica 0: a server message for the stream
    // would be relayed; the reply itself still comes on the POST.
    let get = r
        .at(1)
        .client
        .get(r.at(1).url("/mcp"))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &sid)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("GET");
    assert_eq!(get.status(), 200);
    let reply = r.at(0).rpc(&sid, 5, "ping", json!({})).await;
    assert_eq!(reply["id"], 5);
    // Its holder is recorded for relays.
    let mut conn = r.db.connect().await;
    let holders: Vec<Option<String>> =
        sqlx::query_scalar("SELECT stream_instance FROM shared_sessions")
            .fetch_all(&mut conn)
            .await
            .expect("rows");
    assert_eq!(holders.len(), 1);
    assert!(holders[0].is_some(), "GET recorded its replica");
}

#[tokio::test]
async fn delete_on_one_replica_ends_the_session_on_all_of_them() {
    let r = Replicas::start(3, |_| {}).await;
    let sid = r.at(0).initialize().await;
    // Every replica holds a copy before the delete.
    for i in 0..3 {
        assert_eq!(
            r.at(i).rpc(&sid, 10 + i as i64, "ping", json!({})).await["id"],
            10 + i
        );
    }
    let del = r
        .at(1)
        .client
        .delete(r.at(1).url("/mcp"))
        .header("mcp-session-id", &sid)
        .header("mcp-protocol-version", PROTOCOL)
        .send()
        .await
        .expect("DELETE");
    assert_eq!(del.status(), 200);
    let ping = json!({"jsonrpc": "2.0", "id": 20, "method": "ping"});
    for i in [0, 2] {
        // The end notice reaches the other replicas within milliseconds.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        loop {
            let status = r.at(i).post_mcp(&ping, Some(&sid)).await.status();
            if status == 404 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "replica {i} still serves it"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // The row says why it ended.
    let mut conn = r.db.connect().await;
    let ended: i64 =
        sqlx::query_scalar("SELECT count(*) FROM shared_sessions WHERE end_reason = 'deleted'")
            .fetch_one(&mut conn)
            .await
            .expect("count");
    assert_eq!(ended, 1);
}

#[tokio::test]
async fn an_unknown_session_is_404_on_every_replica() {
    let r = Replicas::start(2, |_| {}).await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let unknown = "a".repeat(64);
    for i in 0..2 {
        assert_eq!(r.at(i).post_mcp(&ping, Some(&unknown)).await.status(), 404);
    }
}
