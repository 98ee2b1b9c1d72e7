//! `last_seen_at`, the cluster-wide idle clock: refreshed by whichever replica serves a
//! session, at most every `min(ttl/4, 5 s)` per replica, counted from the row's own value when
//! a replica creates or adopts the session.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Replicas;

/// An idle TTL of 8 s: a replica refreshes a session at most every 2 s.
const TTL_SECS: u64 = 8;
const EVERY: Duration = Duration::from_secs(2);
/// Long enough for a refresh (written off the request path) to have landed.
const SETTLE: Duration = Duration::from_millis(400);

async fn last_seen(r: &Replicas) -> DateTime<Utc> {
    let mut conn = r.db.connect().await;
    sqlx::query_scalar("SELECT last_seen_at FROM shared_sessions")
        .fetch_one(&mut conn)
        .await
        .expect("one shared session")
}

#[tokio::test]
async fn a_fresh_row_is_not_rewritten_by_each_replica_and_activity_past_the_interval_is() {
    let r = Replicas::start(3, |s| s.server.session_idle_ttl_secs = TTL_SECS).await;
    let sid = r.at(0).initialize().await;
    let created = last_seen(&r).await;
    // Every replica serves the session within the interval: replicas 1 and 2 adopt it.
    for i in 1..=6 {
        let reply = r.at(i).rpc(&sid, i as i64, "ping", json!({})).await;
        assert_eq!(reply["id"], i as i64);
    }
    tokio::time::sleep(SETTLE).await;
    assert_eq!(
        last_seen(&r).await,
        created,
        "no replica rewrote a row written less than {EVERY:?} ago"
    );
    // Past the interval, a request on any replica refreshes it.
    tokio::time::sleep(EVERY).await;
    r.at(2).rpc(&sid, 10, "ping", json!({})).await;
    tokio::time::sleep(SETTLE).await;
    let refreshed = last_seen(&r).await;
    assert!(refreshed >= created + EVERY, "{created} -> {refreshed}");
}

#[tokio::test]
async fn a_replica_adopting_a_row_older_than_the_interval_refreshes_it_at_once() {
    let r = Replicas::start(2, |s| s.server.session_idle_ttl_secs = TTL_SECS).await;
    let sid = r.at(0).initialize().await;
    let created = last_seen(&r).await;
    tokio::time::sleep(EVERY + Duration::from_millis(300)).await;
    // Replica 1 has never seen the session: this request adopts it.
    r.at(1).rpc(&sid, 1, "ping", json!({})).await;
    tokio::time::sleep(SETTLE).await;
    let refreshed = last_seen(&r).await;
    assert!(refreshed >= created + EVERY, "{created} -> {refreshed}");
    // The session is alive on both replicas.
    assert_eq!(r.at(0).rpc(&sid, 2, "ping", json!({})).await["id"], 2);
    assert_eq!(r.at(1).rpc(&sid, 3, "ping", json!({})).await["id"], 3);
}
