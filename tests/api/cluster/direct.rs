//! The direct relay (`cluster.relay_listen`): replies for a legacy SSE stream on another replica
//! go over a TCP connection to it instead of through PostgreSQL; a connection without the
//! holder's token delivers nothing; an unreachable relay falls back to PostgreSQL.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt, stream};
use serde_json::json;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use super::Replicas;
use crate::helpers::TestApp;

/// Each replica receives relays on a port of its own on loopback.
fn direct(s: &mut opik_mcp::config::Settings) {
    s.cluster.relay_listen = Some("127.0.0.1:0".into());
}

/// The value of `opik_mcp_cluster_events_total{event=...}` (0 when absent).
async fn cluster_events(app: &TestApp, event: &str) -> u64 {
    let text = app.admin_get("/metrics").await.text().await.expect("text");
    let prefix = format!("opik_mcp_cluster_events_total{{event=\"{event}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |v| v.trim().parse().expect("a count"))
}

#[tokio::test]
async fn legacy_sse_replies_travel_over_the_direct_relay_and_not_through_postgres() {
    let mut r = Replicas::start(3, direct).await;
    let sid = r.at(0).initialize().await;
    let tools = r.at(0).rpc(&sid, 1, "tools/list", json!({})).await["result"]["tools"]
        .as_array()
        .expect("tools")
        .len();
    let results: Vec<Result<(), String>> = stream::iter(0..30)
        .map(|k| {
            let r = &r;
            async move { super::sse::run_session(r, k, tools).await }
        })
        .buffer_unordered(10)
        .collect()
        .await;
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failures.is_empty(), "{failures:?}");
    // Per session (stream on replica k): the replies to initialize (posted to k+1) and to the
    // methods posted to k+4 and k+5 come from another replica; those posted to k+3 and k+6
    // are served where the stream is.
    let direct = cluster_events(r.at(0), "relayed_direct").await;
    assert_eq!(direct, 30 * 3, "relayed directly");
    assert_eq!(
        cluster_events(r.at(0), "relayed").await,
        0,
        "nothing via NOTIFY"
    );
    assert_eq!(cluster_events(r.at(0), "relay_dropped").await, 0);
    let mut conn = r.db.connect().await;
    let points: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT relay_addr, relay_token FROM cluster_instances")
            .fetch_all(&mut conn)
            .await
            .expect("instances");
    assert_eq!(points.len(), 3);
    for (addr, token) in &points {
        assert!(addr.as_deref().is_some_and(|a| a.starts_with("127.0.0.1:")));
        assert_eq!(token.as_deref().map(str::len), Some(64));
    }
    r.stop().await;
}

/// The relay address, token and session hash of the one session's stream holder.
async fn holder_point(r: &Replicas) -> (String, String, String) {
    sqlx::query_as(
        "SELECT i.relay_addr, i.relay_token, s.session_hash FROM shared_sessions s \
         JOIN cluster_instances i ON i.instance_id = s.stream_instance",
    )
    .fetch_one(&mut r.db.connect().await)
    .await
    .expect("the stream holder's relay")
}

/// A relay connection presenting `token`, then sending one message for `hash`.
async fn relay_once(
    addr: &str,
    token: &str,
    hash: &str,
    msg: &serde_json::Value,
) -> Framed<tokio::net::TcpStream, LengthDelimitedCodec> {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut link = Framed::new(tcp, LengthDelimitedCodec::new());
    link.send(Bytes::from(token.to_owned()))
        .await
        .expect("token");
    let frame = format!("{hash}\n{msg}");
    // The server may already have closed a refused connection: the write can fail.
    let _ = link.send(Bytes::from(frame)).await;
    link
}

#[tokio::test]
async fn a_relay_connection_without_the_holders_token_is_closed_and_delivers_nothing() {
    let r = Replicas::start(2, direct).await;
    let mut sse = r.at(0).open_sse().await;
    sse.initialize(r.at(1)).await;
    let (addr, token, hash) = holder_point(&r).await;
    let forged = json!({"jsonrpc": "2.0", "id": 999, "result": {}});
    let wrong = "0".repeat(token.len());
    let mut link = relay_once(&addr, &wrong, &hash, &forged).await;
    let closed = tokio::time::timeout(Duration::from_secs(5), link.next()).await;
    assert!(
        matches!(closed, Ok(None) | Ok(Some(Err(_)))),
        "a refused connection is closed"
    );
    assert!(cluster_events(r.at(0), "relay_refused").await >= 1);
    // With the token, a message does arrive: the first message after the forged one.
    let genuine = json!({"jsonrpc": "2.0", "id": 777, "result": {}});
    let _link = relay_once(&addr, &token, &hash, &genuine).await;
    assert_eq!(
        sse.next_message().await["id"],
        777,
        "the forged message never came"
    );
}

#[tokio::test]
async fn an_unreachable_relay_falls_back_to_postgres_and_nothing_is_lost() {
    // The first replica advertises a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let dead = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let n = AtomicUsize::new(0);
    let r = Replicas::start(2, |s| {
        direct(s);
        if n.fetch_add(1, Ordering::SeqCst) == 0 {
            s.cluster.relay_advertise = Some(dead.clone());
        }
    })
    .await;
    super::sse::relayed_tool_lists(&r, 1..=3).await;
    assert_eq!(
        cluster_events(r.at(0), "relayed").await,
        4,
        "all through NOTIFY"
    );
    assert_eq!(cluster_events(r.at(0), "relayed_direct").await, 0);
}
