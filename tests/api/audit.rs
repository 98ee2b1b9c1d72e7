//! End-to-end audit trail: MCP calls through both HTTP transports produce exactly the
//! expected rows; security events; redaction; session ids never stored raw.

use std::time::Duration;

use opik_mcp::{
    config::DatabaseSettings,
    session::Outcome,
    store::{
        AuditQuery, AuditRecord, RecordKind, SecurityEvent, SessionQuery, SessionRow, Store,
        session_hash,
    },
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Open the app's SQLite file (after `stop`, which closed the app's own pool).
pub async fn reopen(app: &TestApp) -> Store {
    let url = format!(
        "sqlite://{}",
        app.data_dir.path().join("audit.db").display()
    );
    let settings = DatabaseSettings {
        url: url.into(),
        ..DatabaseSettings::default()
    };
    Store::connect(&settings)
        .await
        .expect("reopen the audit database")
}

/// Every audit row, oldest first.
pub async fn audit_rows(store: &Store) -> Vec<AuditRecord> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_audit(&AuditQuery {
                limit: 500,
                after,
                ..AuditQuery::default()
            })
            .await
            .expect("list audit");
        rows.extend(page.items);
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    rows.reverse();
    rows
}

/// Every session row.
pub async fn session_rows(store: &Store) -> Vec<SessionRow> {
    store
        .list_sessions(&SessionQuery {
            limit: 500,
            ..SessionQuery::default()
        })
        .await
        .expect("list sessions")
        .items
}

/// The bytes of the database and its WAL.
fn database_bytes(app: &TestApp) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["audit.db", "audit.db-wal", "audit.spill"] {
        if let Ok(b) = std::fs::read(app.data_dir.path().join(name)) {
            all.extend(b);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn sid_hash(sid: &str) -> String {
    hex::encode(Sha256::digest(sid.as_bytes()))
}

fn call(id: i64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

#[tokio::test]
async fn calls_through_both_transports_produce_exactly_the_expected_rows() {
    let mut app = spawn_app().await;
    let sid = app.initialize().await;
    let ok = app
        .rpc(
            &sid,
            1,
            "tools/call",
            json!({"name": "get-server-info", "arguments": {}}),
        )
        .await;
    assert!(ok["result"].is_object());
    let unknown = app
        .rpc(
            &sid,
            2,
            "tools/call",
            json!({"name": "no-such-tool", "arguments": {}}),
        )
        .await;
    let unknown_code = unknown["error"]["code"].as_i64().expect("JSON-RPC error");
    app.rpc(&sid, 3, "tools/list", json!({})).await;
    app.rpc(&sid, 4, "ping", json!({})).await;
    let mut legacy = app.open_sse().await;
    legacy.initialize(&app).await;
    assert_eq!(
        legacy
            .post(&app, &call(9, "get-opik-help", json!({"topic": 5})))
            .await
            .status(),
        202
    );
    let bad_args = legacy.next_message().await;
    assert_eq!(bad_args["result"]["isError"], true);
    let legacy_sid = legacy
        .endpoint
        .split("sessionId=")
        .nth(1)
        .expect("sid")
        .to_owned();

    app.stop().await.expect("stops");
    assert_eq!(app.audit.status().lost, 0);
    let store = reopen(&app).await;
    let rows = audit_rows(&store).await;

    let seen: Vec<(String, Option<&str>, Outcome, Option<&str>)> = rows
        .iter()
        .map(|r| {
            let who = if r.session_hash.as_deref() == Some(&sid_hash(&sid)) {
                "streamable"
            } else {
                "sse"
            };
            (
                format!("{who} {}", r.method.as_deref().unwrap_or("-")),
                r.name.as_deref(),
                r.outcome,
                r.request_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("streamable initialize".into(), None, Outcome::Ok, Some("0")),
            (
                "streamable tools/call".into(),
                Some("get-server-info"),
                Outcome::Ok,
                Some("1")
            ),
            (
                "streamable tools/call".into(),
                Some("no-such-tool"),
                Outcome::ProtocolError,
                Some("2")
            ),
            ("streamable tools/list".into(), None, Outcome::Ok, Some("3")),
            ("streamable ping".into(), None, Outcome::Ok, Some("4")),
            ("sse initialize".into(), None, Outcome::Ok, Some("0")),
            (
                "sse tools/call".into(),
                Some("get-opik-help"),
                Outcome::ToolError,
                Some("9")
            ),
        ],
        "one row per request, none for notifications"
    );
    let failed = &rows[2];
    assert_eq!(failed.error_code, Some(unknown_code as i32));
    assert!(
        rows.iter()
            .all(|r| r.kind == RecordKind::Request && r.latency_us.is_some())
    );
    assert!(rows.iter().all(|r| {
        r.client_addr
            .as_deref()
            .is_some_and(|a| a.starts_with("127.0.0.1:"))
    }));
    assert_eq!(rows[6].session_hash, Some(sid_hash(&legacy_sid)));
    assert!(
        rows[1].arguments_digest.is_some() && rows[1].arguments.is_none(),
        "digest only by default"
    );
    assert!(
        rows[3].arguments_digest.is_none(),
        "no arguments, no digest"
    );

    let sessions = session_rows(&store).await;
    assert_eq!(sessions.len(), 2);
    let streamable = sessions
        .iter()
        .find(|s| s.session_hash == sid_hash(&sid))
        .expect("row");
    assert_eq!(streamable.transport, "streamable-http");
    assert_eq!(streamable.request_count, 5);
    assert_eq!(streamable.error_count, 1);
    assert_eq!(streamable.client_name.as_deref(), Some("opik-mcp-tests"));
    assert_eq!(streamable.protocol_version.as_deref(), Some("2025-11-25"));
    assert_eq!(streamable.end_reason.as_deref(), Some("shutdown"));
    let sse = sessions
        .iter()
        .find(|s| s.session_hash == sid_hash(&legacy_sid))
        .expect("row");
    assert_eq!(
        (sse.transport.as_str(), sse.request_count, sse.error_count),
        ("sse", 2, 1)
    );
    assert!(sse.ended_at.is_some());

    let bytes = database_bytes(&app);
    assert!(
        !contains(&bytes, &sid) && !contains(&bytes, &legacy_sid),
        "raw session ids stored"
    );
}

#[tokio::test]
async fn security_events_are_recorded_as_denied_and_rate_limited_rows() {
    let mut app = spawn_app().await;
    let session = opik_mcp::domain::SessionId::generate();
    app.audit.security_event(SecurityEvent {
        outcome: Outcome::Denied,
        subject: Some("mallory".into()),
        session: Some(session.clone()),
        method: Some("tools/call".into()),
        name: Some("get-server-info".into()),
        http_status: Some(403),
        error_code: None,
        request_id: Some("7".into()),
        client_addr: Some("127.0.0.1:9".into()),
        detail: Some("missing_scope".into()),
    });
    app.audit.security_event(SecurityEvent {
        outcome: Outcome::RateLimited,
        subject: None,
        session: None,
        method: None,
        name: None,
        http_status: Some(429),
        error_code: None,
        request_id: None,
        client_addr: Some("127.0.0.1:10".into()),
        detail: Some("per_ip".into()),
    });
    app.stop().await.expect("stops");
    let rows = audit_rows(&reopen(&app).await).await;
    assert_eq!(rows.len(), 2);
    let (denied, limited) = (&rows[0], &rows[1]);
    assert_eq!(denied.kind, RecordKind::Security);
    assert_eq!(denied.outcome, Outcome::Denied);
    assert_eq!(denied.http_status, Some(403));
    assert_eq!(denied.subject.as_deref(), Some("mallory"));
    assert_eq!(denied.session_hash, Some(session_hash(&session)));
    assert_eq!(denied.detail.as_deref(), Some("missing_scope"));
    assert_eq!(
        (limited.outcome, limited.http_status),
        (Outcome::RateLimited, Some(429))
    );
    assert!(!contains(&database_bytes(&app), session.as_ref()));
}

const SECRET_KEY: &str = "sk-live-0123456789abcdef";
const SECRET_PASSWORD: &str = "hunter2-correct-horse";
/// Secrets only the new rules catch: a short key name, a look-alike key, a DSN, a JWT.
const SECRET_PWD: &str = "pwd-value-31337";
const SECRET_LOOKALIKE: &str = "cyrillic-pass-4242";
const SECRET_DSN_PASSWORD: &str = "dsn-pass-9001";
const SECRET_JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdWRpdCJ9.c2lnbmF0dXJlLWF1ZGl0";

async fn call_with_secrets(log_arguments: bool) -> (TestApp, AuditRecord) {
    let mut app = spawn_app_with(|s| s.audit.log_arguments = log_arguments).await;
    let sid = app.initialize().await;
    let args = json!({"random_string": "x", "apiKey": SECRET_KEY,
                      "nested": {"password": SECRET_PASSWORD, "keep": "visible"},
                      "db_pwd": SECRET_PWD, "раssword": SECRET_LOOKALIKE,
                      "note": format!("postgres://app:{SECRET_DSN_PASSWORD}@db/x"),
                      "header": SECRET_JWT, "author": "kept"});
    app.rpc(
        &sid,
        1,
        "tools/call",
        json!({"name": "get-server-info", "arguments": args}),
    )
    .await;
    app.stop().await.expect("stops");
    let rows = audit_rows(&reopen(&app).await).await;
    let row = rows
        .into_iter()
        .find(|r| r.method.as_deref() == Some("tools/call"))
        .expect("row");
    (app, row)
}

#[tokio::test]
async fn arguments_are_stored_redacted_and_only_when_log_arguments_is_on() {
    let (logged_app, logged) = call_with_secrets(true).await;
    let args = logged.arguments.clone().expect("arguments stored");
    assert_eq!(args["apiKey"], "[REDACTED]");
    assert_eq!(args["nested"]["password"], "[REDACTED]");
    assert_eq!(args["nested"]["keep"], "visible");
    assert_eq!(args["db_pwd"], "[REDACTED]");
    assert_eq!(args["раssword"], "[REDACTED]");
    assert_eq!(args["note"], "postgres://[REDACTED]@db/x");
    assert_eq!(args["header"], "[REDACTED]");
    assert_eq!(args["author"], "kept");
    let (quiet_app, quiet) = call_with_secrets(false).await;
    assert!(quiet.arguments.is_none());
    assert_eq!(
        logged.arguments_digest, quiet.arguments_digest,
        "digest of the redacted form"
    );
    for app in [&logged_app, &quiet_app] {
        let bytes = database_bytes(app);
        for secret in [
            SECRET_KEY,
            SECRET_PASSWORD,
            SECRET_PWD,
            SECRET_LOOKALIKE,
            SECRET_DSN_PASSWORD,
            SECRET_JWT,
        ] {
            assert!(!contains(&bytes, secret), "{secret} stored");
        }
    }
}

#[tokio::test]
async fn session_counters_are_flushed_every_few_seconds_not_per_message() {
    let app = spawn_app_with(|s| s.audit.session_update_secs = 1).await;
    let sid = app.initialize().await;
    for id in 1..=3 {
        app.rpc(&sid, id, "ping", json!({})).await;
    }
    let store = app.store.clone().expect("store");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let row = store.session(&sid_hash(&sid)).await.expect("read");
        if row.as_ref().is_some_and(|r| r.request_count == 4) {
            let row = row.expect("row");
            assert!(row.ended_at.is_none(), "still live");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "counters never flushed: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
