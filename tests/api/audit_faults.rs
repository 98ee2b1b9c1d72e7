//! The audit trail under faults, with a real SQLite file made unwritable by holding its
//! write lock from another connection: records spill and are replayed once, fail-closed
//! refuses new requests with 503 when the spill file cannot be written either, fail-open
//! keeps serving and counts what it loses.

use std::{collections::HashSet, time::Duration};

use opik_mcp::config::{OnFailure, Settings};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, SqliteConnection};

use crate::{
    audit::{audit_rows, reopen},
    helpers::{TestApp, spawn_app_with},
};

/// Fast failure detection for tests.
fn fault_settings(s: &mut Settings) {
    s.database.busy_timeout_ms = 50;
    s.audit.write_timeout_secs = 1;
    s.audit.retry_interval_ms = 100;
    s.audit.batch_interval_ms = 20;
}

/// Holds SQLite's write lock on the app's database until dropped or released.
struct WriteLock(Option<SqliteConnection>);

impl WriteLock {
    async fn take(app: &TestApp) -> Self {
        let path = app.data_dir.path().join("audit.db");
        let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("second connection");
        conn.execute("BEGIN EXCLUSIVE")
            .await
            .expect("take the write lock");
        Self(Some(conn))
    }

    async fn release(mut self) {
        if let Some(mut c) = self.0.take() {
            c.execute("ROLLBACK").await.expect("release");
            c.close().await.expect("close");
        }
    }
}

async fn readyz(app: &TestApp) -> (u16, Value) {
    let resp = app
        .client
        .get(format!("{}/readyz", app.admin))
        .send()
        .await
        .expect("readyz");
    (resp.status().as_u16(), resp.json().await.expect("json"))
}

/// Poll `/readyz` until `pred` holds (10 s at most).
async fn wait_ready(app: &TestApp, what: &str, pred: impl Fn(u16, &Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = readyz(app).await;
        if pred(status, &body) {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never {what}: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One unlabelled sample from the admin listener's `/metrics`.
async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app
        .admin_get("/metrics")
        .await
        .text()
        .await
        .expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} not exported"))
}

async fn call(app: &TestApp, sid: &str, id: i64) -> reqwest::Response {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                      "params": {"name": "get-server-info", "arguments": {}}});
    app.post_mcp(&body, Some(sid)).await
}

async fn call_ids(app: &TestApp) -> Vec<String> {
    audit_rows(&reopen(app).await)
        .await
        .into_iter()
        .filter(|r| r.method.as_deref() == Some("tools/call"))
        .filter_map(|r| r.request_id)
        .collect()
}

#[tokio::test]
async fn a_locked_database_spills_to_file_and_every_record_is_replayed_once() {
    let mut app = spawn_app_with(fault_settings).await;
    let sid = app.initialize().await;
    wait_ready(&app, "written", |_, b| {
        b["checks"]["store"]["data"]["written"].as_u64() >= Some(2)
    })
    .await;
    let lock = WriteLock::take(&app).await;
    for id in 1..=40 {
        assert_eq!(
            call(&app, &sid, id).await.status(),
            200,
            "served while the DB is locked"
        );
    }
    let degraded = wait_ready(&app, "spilling", |s, b| {
        s == 200
            && b["status"] == "degraded"
            && b["checks"]["store"]["data"]["spill_pending"].as_u64() >= Some(40)
    })
    .await;
    assert_eq!(degraded["checks"]["store"]["data"]["state"], "spilling");
    lock.release().await;
    wait_ready(&app, "replayed", |s, b| {
        s == 200
            && b["checks"]["store"]["data"]["state"] == "ok"
            && b["checks"]["store"]["data"]["spill_pending"] == 0
    })
    .await;
    // The declared store metrics count what happened (what the dashboard and alerts read).
    let spilled = metric(&app, "opik_mcp_audit_spilled_total").await;
    assert!(spilled >= 40.0, "spilled {spilled}");
    assert_eq!(metric(&app, "opik_mcp_audit_replayed_total").await, spilled);
    assert!(metric(&app, "opik_mcp_audit_batch_size_count").await >= 2.0);
    assert_eq!(metric(&app, "opik_mcp_audit_lost_total").await, 0.0);
    app.stop().await.expect("stops");
    assert_eq!(app.audit.status().lost, 0);
    let ids = call_ids(&app).await;
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 40, "one row per call");
    assert_eq!(unique.len(), 40, "no duplicates after replay");
    let spill = std::fs::metadata(app.data_dir.path().join("audit.spill")).expect("spill file");
    assert_eq!(spill.len(), 0, "spill file emptied after replay");
}

#[tokio::test]
async fn fail_closed_refuses_new_requests_with_503_while_nothing_can_store_records() {
    let mut app = spawn_app_with(|s| {
        fault_settings(s);
        // A directory that does not exist: every spill append fails.
        s.audit.spill_path = s.audit.spill_path.with_file_name("missing/audit.spill");
        s.audit.on_failure = OnFailure::FailClosed;
    })
    .await;
    let sid = app.initialize().await;
    wait_ready(&app, "written", |_, b| {
        b["checks"]["store"]["data"]["written"].as_u64() >= Some(2)
    })
    .await;
    let lock = WriteLock::take(&app).await;
    assert_eq!(
        call(&app, &sid, 1).await.status(),
        200,
        "accepted before the failure is known"
    );
    let failing = wait_ready(&app, "failing", |s, _| s == 503).await;
    assert_eq!(failing["checks"]["store"]["data"]["state"], "failing");
    assert_eq!(failing["checks"]["store"]["data"]["accepting"], false);

    let refused = call(&app, &sid, 2).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["id"], 2);
    assert_eq!(body["error"]["code"], -32000);
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("audit")
    );
    let new_session = app
        .post_mcp(&crate::helpers::initialize_request(0), None)
        .await;
    assert_eq!(new_session.status(), 503, "no new sessions either");

    lock.release().await;
    wait_ready(&app, "recovered", |s, b| {
        s == 200 && b["checks"]["store"]["data"]["state"] == "ok"
    })
    .await;
    assert_eq!(call(&app, &sid, 3).await.status(), 200, "accepting again");
    app.stop().await.expect("stops");
    assert_eq!(app.audit.status().lost, 0, "fail-closed loses nothing");
    let mut ids = call_ids(&app).await;
    ids.sort();
    assert_eq!(ids, ["1", "3"], "the accepted calls, not the refused one");
}

#[tokio::test]
async fn fail_open_keeps_serving_and_counts_every_lost_record() {
    let mut app = spawn_app_with(|s| {
        fault_settings(s);
        s.audit.spill_path = s.audit.spill_path.with_file_name("missing/audit.spill");
        s.audit.on_failure = OnFailure::FailOpen;
    })
    .await;
    let sid = app.initialize().await;
    wait_ready(&app, "written", |_, b| {
        b["checks"]["store"]["data"]["written"].as_u64() >= Some(2)
    })
    .await;
    let lock = WriteLock::take(&app).await;
    assert_eq!(call(&app, &sid, 1).await.status(), 200);
    let degraded = wait_ready(&app, "lost", |_, b| {
        b["checks"]["store"]["data"]["lost"].as_u64() >= Some(1)
    })
    .await;
    let (status, _) = readyz(&app).await;
    assert_eq!(status, 200, "fail-open stays ready: {degraded}");
    let lost_now = degraded["checks"]["store"]["data"]["lost"]
        .as_u64()
        .unwrap_or(0) as f64;
    assert!(metric(&app, "opik_mcp_audit_lost_total").await >= lost_now);
    assert_eq!(call(&app, &sid, 2).await.status(), 200, "still serving");
    lock.release().await;
    wait_ready(&app, "recovered", |_, b| {
        b["checks"]["store"]["data"]["state"] == "ok"
    })
    .await;
    assert_eq!(call(&app, &sid, 3).await.status(), 200);
    app.stop().await.expect("stops");
    let lost = app.audit.status().lost;
    let ids = call_ids(&app).await;
    assert!(ids.contains(&"3".to_owned()), "records flow again: {ids:?}");
    assert!(
        !ids.contains(&"1".to_owned()),
        "the first call's record was dropped"
    );
    assert!(
        lost >= 1 && lost as usize + ids.len() >= 3,
        "every drop counted: lost={lost}"
    );
}

/// A 16 KiB tmpfs, filled to the last byte; unmounted on drop. `None` where mounting is not
/// permitted (not root, or no `CAP_SYS_ADMIN` in the container).
struct FullDisk {
    dir: tempfile::TempDir,
    filler: std::path::PathBuf,
}

impl FullDisk {
    fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().expect("mount point");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
        let filler = dir.path().join("filler");
        let mut f = std::fs::File::create(&filler).expect("filler");
        while std::io::Write::write_all(&mut f, &[0u8; 1024]).is_ok() {}
        Some(Self { dir, filler })
    }

    /// Make room again.
    fn free(&self) {
        std::fs::remove_file(&self.filler).expect("remove filler");
    }
}

impl Drop for FullDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_under_the_spill_file_refuses_new_requests_and_loses_nothing() {
    // Arrange: the spill file on a full filesystem, fail-closed (the default policy).
    let Some(disk) = FullDisk::mount() else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
        return;
    };
    let spill = disk.dir.path().join("audit.spill");
    let mut app = spawn_app_with(|s| {
        fault_settings(s);
        s.audit.spill_path = spill.clone();
        s.audit.on_failure = OnFailure::FailClosed;
    })
    .await;
    let sid = app.initialize().await;
    wait_ready(&app, "written", |_, b| {
        b["checks"]["store"]["data"]["written"].as_u64() >= Some(2)
    })
    .await;
    // Act: the database stops taking writes; the spill append hits ENOSPC.
    let lock = WriteLock::take(&app).await;
    assert_eq!(call(&app, &sid, 1).await.status(), 200);
    let failing = wait_ready(&app, "failing", |s, _| s == 503).await;
    // Assert: the documented fail-closed policy: not ready, new requests refused with 503.
    assert_eq!(failing["checks"]["store"]["data"]["state"], "failing");
    let error = failing["checks"]["store"]["data"]["error"].to_string();
    assert!(
        error.to_lowercase().contains("space"),
        "the error says why: {error}"
    );
    assert_eq!(call(&app, &sid, 2).await.status(), 503);
    // Room on the disk again: records spill, requests are accepted while the DB is locked.
    disk.free();
    wait_ready(&app, "spilling", |s, b| {
        s == 200 && b["checks"]["store"]["data"]["state"] == "spilling"
    })
    .await;
    assert_eq!(call(&app, &sid, 3).await.status(), 200);
    // The database back: everything replayed once, nothing lost.
    lock.release().await;
    wait_ready(&app, "recovered", |s, b| {
        s == 200
            && b["checks"]["store"]["data"]["state"] == "ok"
            && b["checks"]["store"]["data"]["spill_pending"] == 0
    })
    .await;
    app.stop().await.expect("stops");
    assert_eq!(app.audit.status().lost, 0, "fail-closed loses nothing");
    let mut ids = call_ids(&app).await;
    ids.sort();
    assert_eq!(
        ids,
        ["1", "3"],
        "accepted calls once each, not the refused one"
    );
}
