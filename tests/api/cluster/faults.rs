//! What the cluster does when its notices go missing, and when a session id is presented on
//! the wrong transport.

use std::time::Duration;

use serde_json::json;

use super::Replicas;

#[tokio::test]
async fn after_its_listener_reconnects_a_replica_drops_copies_of_sessions_ended_meanwhile() {
    let r = Replicas::start(2, |_| {}).await;
    let sid = r.at(0).initialize().await;
    assert_eq!(r.at(1).rpc(&sid, 1, "ping", json!({})).await["id"], 1);
    let mut conn = r.db.connect().await;
    // An end whose notice is lost: the row changes, nobody is told.
    sqlx::query("UPDATE shared_sessions SET ended_at = now(), end_reason = 'deleted'")
        .execute(&mut conn)
        .await
        .expect("end silently");
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert_eq!(
        r.at(1).post_mcp(&ping, Some(&sid)).await.status(),
        200,
        "the local copy does not know yet"
    );
    // Cut every LISTEN connection: the replicas reconnect and resync from the table.
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .execute(&mut conn)
    .await
    .expect("terminate listeners");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    for i in 0..2 {
        loop {
            if r.at(i).post_mcp(&ping, Some(&sid)).await.status() == 404 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "replica {i} still serves it"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_legacy_session_id_on_mcp_is_unknown_everywhere_and_adopts_nothing() {
    let r = Replicas::start(2, |_| {}).await;
    let sse = r.at(0).open_sse().await;
    let sid = sse
        .endpoint
        .split("sessionId=")
        .nth(1)
        .expect("session id")
        .to_owned();
    let before = r.at(1).registry.len();
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    for i in 0..2 {
        assert_eq!(r.at(i).post_mcp(&ping, Some(&sid)).await.status(), 404);
    }
    assert_eq!(
        r.at(1).registry.len(),
        before,
        "no copy made for the wrong transport"
    );
}

#[tokio::test]
async fn a_message_for_a_stream_whose_replica_is_dead_gets_410_and_ends_the_session() {
    let r = Replicas::start(2, |_| {}).await;
    let mut sse = r.at(0).open_sse().await;
    sse.initialize(r.at(0)).await;
    // The stream's replica stops heartbeating (as a killed one does).
    let mut conn = r.db.connect().await;
    sqlx::query("UPDATE shared_sessions SET stream_instance = 'replica-that-died'")
        .execute(&mut conn)
        .await
        .expect("orphan the stream");
    let ping = json!({"jsonrpc": "2.0", "id": 5, "method": "ping"});
    let resp = sse.post(r.at(1), &ping).await;
    assert_eq!(resp.status(), 410);
    let body: serde_json::Value = resp.json().await.expect("json");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("stream_closed"), "{body}");
    let reason: Option<String> = sqlx::query_scalar("SELECT end_reason FROM shared_sessions")
        .fetch_one(&mut conn)
        .await
        .expect("row");
    assert_eq!(reason.as_deref(), Some("stream_closed"));
}

#[tokio::test]
async fn a_replica_that_shuts_down_leaves_and_its_streams_sessions_are_gone_elsewhere() {
    let mut r = Replicas::start(2, |_| {}).await;
    let mut sse = r.at(0).open_sse().await;
    sse.initialize(r.at(1)).await;
    let endpoint = sse.endpoint.clone();
    r.apps[0].stop().await.expect("replica 0 stops");
    assert!(
        sse.ends_within(Duration::from_secs(5)).await,
        "its stream ended"
    );
    // The other replica learns it from the end notice, or at its next heartbeat round.
    let ping = json!({"jsonrpc": "2.0", "id": 9, "method": "ping"});
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
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
        if [404, 410].contains(&status.as_u16()) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Marked dead at once, not after cluster.dead_after_secs.
    let mut conn = r.db.connect().await;
    let dead: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cluster_instances WHERE heartbeat_at < now() - interval '1 hour'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(dead, 1);
}
