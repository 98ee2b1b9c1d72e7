//! PostgreSQL stopped in the middle of a load of tool calls, then restarted: the service
//! stays up (degraded), and afterwards every accepted call has exactly one audit row.

use std::{collections::HashSet, time::Duration};

use opik_mcp::{
    config::{DatabaseSettings, Settings, TransportMode},
    startup::Application,
    store::{AuditQuery, Store},
};

use crate::{
    client::{Client, Load},
    pg_cluster::PrivatePg,
};

fn settings(db_url: String, spill: std::path::PathBuf) -> Settings {
    let mut s = Settings {
        transport: TransportMode::Sse,
        ..Settings::default()
    };
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    s.admin.port = 0;
    s.server.log_path = "".into();
    s.database.url = db_url.into();
    s.database.acquire_timeout_secs = 1;
    s.audit.spill_path = spill;
    s.audit.write_timeout_secs = 1;
    s.audit.retry_interval_ms = 100;
    s.audit.batch_interval_ms = 20;
    s
}

/// Request ids of every stored `tools/call` row.
async fn stored_call_ids(url: String) -> Vec<i64> {
    let store = Store::connect(&DatabaseSettings {
        url: url.into(),
        ..DatabaseSettings::default()
    })
    .await
    .expect("connect to the private cluster");
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_audit(&AuditQuery {
                method: Some("tools/call".into()),
                limit: 500,
                after,
                ..AuditQuery::default()
            })
            .await
            .expect("list");
        ids.extend(
            page.items
                .iter()
                .filter_map(|r| r.request_id.as_deref()?.parse::<i64>().ok()),
        );
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    store.close().await;
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_postgres_mid_load_loses_and_duplicates_nothing() {
    let pg = PrivatePg::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let app = Application::build(settings(pg.url(), dir.path().join("audit.spill")))
        .await
        .expect("app builds on the private cluster");
    let admin = app.admin_addr().expect("admin listener");
    let client = Client::new(
        format!("http://{}", app.local_addr()),
        format!("http://{admin}"),
    );
    let audit = app.audit();
    let shutdown = app.shutdown_token();
    let server = tokio::spawn(app.run_until_stopped());

    let mut sessions = Vec::new();
    for _ in 0..4 {
        sessions.push(client.initialize().await);
    }
    let load = Load::start(&client, sessions);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before_outage = load.accepted_count();
    pg.halt();
    let degraded = client
        .wait_ready("degraded", Duration::from_secs(15), |s, b| {
            s == 200 && b["checks"]["store"]["data"]["state"] == "spilling"
        })
        .await;
    assert_eq!(degraded["status"], "degraded");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let during_outage = load.accepted_count();
    pg.resume();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (accepted, refused) = load.finish().await;
    client
        .wait_ready("replayed", Duration::from_secs(60), |s, b| {
            s == 200
                && b["checks"]["store"]["data"]["state"] == "ok"
                && b["checks"]["store"]["data"]["spill_pending"] == 0
        })
        .await;
    shutdown.cancel();
    server.await.expect("server task").expect("clean stop");

    assert!(
        before_outage > 50,
        "load ran before the outage: {before_outage}"
    );
    assert!(
        during_outage > before_outage + 50,
        "calls kept being served during the outage"
    );
    assert_eq!(
        refused, 0,
        "no call refused: the spill file took the records"
    );
    assert_eq!(audit.status().lost, 0);
    let stored = stored_call_ids(pg.url()).await;
    let unique: HashSet<i64> = stored.iter().copied().collect();
    assert_eq!(unique.len(), stored.len(), "no duplicate rows");
    let accepted: HashSet<i64> = accepted.into_iter().collect();
    assert_eq!(
        unique,
        accepted,
        "exactly one row per accepted call ({} calls)",
        accepted.len()
    );
}
