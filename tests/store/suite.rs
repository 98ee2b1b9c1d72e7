//! Backend-independent store tests (each runs on SQLite and PostgreSQL, see main.rs).

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use opik_mcp::{
    session::Outcome,
    store::{
        AuditQuery, AuditRecord, Cursor, Op, RecordKind, SessionActivity, SessionEnd,
        SessionOpened, SessionQuery, SessionState, Store, StoreError, retention,
    },
};
use serde_json::json;
use uuid::Uuid;

use crate::db::Ctx;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

fn record(at: DateTime<Utc>) -> AuditRecord {
    AuditRecord {
        id: Uuid::now_v7(),
        occurred_at: at,
        kind: RecordKind::Request,
        session_hash: Some("a".repeat(64)),
        subject: Some("alice".into()),
        method: Some("tools/call".into()),
        name: Some("get-server-info".into()),
        arguments_digest: Some("d".repeat(64)),
        arguments: None,
        outcome: Outcome::Ok,
        error_code: None,
        http_status: None,
        upstream_status: None,
        latency_us: Some(1234),
        request_id: Some("1".into()),
        client_addr: Some("127.0.0.1:5555".into()),
        detail: None,
    }
}

fn audit_ops(records: &[AuditRecord]) -> Vec<Op> {
    records.iter().cloned().map(Op::Audit).collect()
}

async fn all_ids(store: &Store, q: AuditQuery) -> Vec<Uuid> {
    let page = store
        .list_audit(&AuditQuery { limit: 500, ..q })
        .await
        .expect("list");
    assert!(page.next.is_none(), "test data fits one page");
    page.items.into_iter().map(|r| r.id).collect()
}

fn opened(hash: &str, at: DateTime<Utc>) -> Op {
    Op::SessionOpened(SessionOpened {
        session_hash: hash.into(),
        transport: "streamable-http".into(),
        subject: Some("alice".into()),
        client_addr: Some("127.0.0.1:1".into()),
        instance_id: "host:3001".into(),
        created_at: at,
    })
}

fn activity(hash: &str, seen: DateTime<Utc>, requests: i64, ended: Option<&str>) -> Op {
    Op::SessionActivity(SessionActivity {
        session_hash: hash.into(),
        last_seen_at: seen,
        request_count: requests,
        error_count: requests / 2,
        protocol_version: Some("2025-11-25".into()),
        client_name: Some("client".into()),
        client_version: Some("1.0".into()),
        ended: ended.map(|r| SessionEnd {
            ended_at: seen,
            reason: r.into(),
        }),
    })
}

pub async fn migrations_apply_on_an_empty_database_and_are_idempotent(ctx: Ctx) {
    let first = ctx.store.migrate().await.expect("first run");
    // Both get the OAuth broker's tables and the partial outcome and name indexes; SQLite the
    // audit table rebuilt (its outcome check as comparisons); PostgreSQL the shared-session
    // tables (cluster.shared_sessions) and the direct relay's columns.
    let expected = match ctx.store.backend() {
        opik_mcp::config::Backend::Sqlite => 5,
        opik_mcp::config::Backend::Postgres => 6,
    };
    assert_eq!(
        first.len(),
        expected,
        "every migration applied on an empty database"
    );
    assert_eq!(
        ctx.store.count_audit().await.expect("audit table exists"),
        0
    );
    let again = ctx.store.migrate().await.expect("second run");
    assert!(again.is_empty(), "nothing applied twice: {again:?}");
    // A second process (another replica) connecting later finds it up to date too.
    let other = Store::connect(&ctx.settings).await.expect("connect");
    assert!(other.migrate().await.expect("third run").is_empty());
    other.close().await;
}

pub async fn a_batch_writes_every_record_once_and_replaying_it_adds_nothing(ctx: Ctx) {
    let store = ctx.migrated().await;
    // More than one multi-row INSERT chunk (1000 rows).
    let records: Vec<AuditRecord> = (0..1200)
        .map(|i| record(base() + Duration::milliseconds(i)))
        .collect();
    let ops = audit_ops(&records);
    store.write_batch(&ops).await.expect("write");
    assert_eq!(store.count_audit().await.expect("count"), 1200);
    store.write_batch(&ops).await.expect("replay is accepted");
    store.write_batch(&ops[..10]).await.expect("partial replay");
    assert_eq!(
        store.count_audit().await.expect("count"),
        1200,
        "no duplicates"
    );
}

pub async fn records_read_back_exactly_as_written(ctx: Ctx) {
    let store = ctx.migrated().await;
    let mut full = record(base());
    full.kind = RecordKind::Security;
    full.outcome = Outcome::Denied;
    full.arguments = Some(json!({"q": "naïve ✓", "n": [1, 2.5, null], "nested": {"k": true}}));
    full.error_code = Some(-32001);
    full.http_status = Some(403);
    full.upstream_status = Some(502);
    full.request_id = Some("\"abc\"".into());
    full.detail = Some("missing_scope".into());
    let mut sparse = record(base() + Duration::seconds(1));
    sparse.session_hash = None;
    sparse.subject = None;
    sparse.method = None;
    sparse.name = None;
    sparse.arguments_digest = None;
    sparse.latency_us = None;
    sparse.request_id = None;
    sparse.client_addr = None;
    store
        .write_batch(&audit_ops(&[full.clone(), sparse.clone()]))
        .await
        .expect("write");
    let page = store
        .list_audit(&AuditQuery::default())
        .await
        .expect("list");
    assert_eq!(
        page.items,
        vec![sparse, full],
        "newest first, every field intact"
    );
}

pub async fn audit_filters_combine_subject_tool_outcome_kind_session_and_time(ctx: Ctx) {
    let store = ctx.migrated().await;
    let mut rows = Vec::new();
    for i in 0..12i64 {
        let mut r = record(base() + Duration::minutes(i));
        r.subject = Some(if i % 2 == 0 { "alice" } else { "bob" }.into());
        r.name = Some(
            if i % 3 == 0 {
                "search"
            } else {
                "get-server-info"
            }
            .into(),
        );
        r.outcome = match i % 4 {
            0 => Outcome::Ok,
            1 => Outcome::ToolError,
            2 => Outcome::Denied,
            _ => Outcome::RateLimited,
        };
        r.kind = if i % 4 >= 2 {
            RecordKind::Security
        } else {
            RecordKind::Request
        };
        r.session_hash = Some(format!("{:064}", i % 3));
        rows.push(r);
    }
    store.write_batch(&audit_ops(&rows)).await.expect("write");
    let expect = |pred: &dyn Fn(&AuditRecord) -> bool| -> Vec<Uuid> {
        rows.iter()
            .rev()
            .filter(|r| pred(r))
            .map(|r| r.id)
            .collect()
    };
    let q = |f: fn(&mut AuditQuery)| {
        let mut q = AuditQuery::default();
        f(&mut q);
        q
    };
    assert_eq!(
        all_ids(store, q(|q| q.subject = Some("alice".into()))).await,
        expect(&|r| r.subject.as_deref() == Some("alice"))
    );
    assert_eq!(
        all_ids(store, q(|q| q.name = Some("search".into()))).await,
        expect(&|r| r.name.as_deref() == Some("search"))
    );
    assert_eq!(
        all_ids(store, q(|q| q.outcome = Some(Outcome::RateLimited))).await,
        expect(&|r| r.outcome == Outcome::RateLimited)
    );
    // `ok` is not in the partial outcome index: its listing walks the time index instead.
    assert_eq!(
        all_ids(store, q(|q| q.outcome = Some(Outcome::Ok))).await,
        expect(&|r| r.outcome == Outcome::Ok)
    );
    assert_eq!(
        all_ids(store, q(|q| q.kind = Some(RecordKind::Security))).await,
        expect(&|r| r.kind == RecordKind::Security)
    );
    let since = base() + Duration::minutes(3);
    let until = base() + Duration::minutes(9);
    let mut ranged = AuditQuery {
        subject: Some("bob".into()),
        session_hash: Some(format!("{:064}", 1)),
        since: Some(since),
        until: Some(until),
        ..AuditQuery::default()
    };
    ranged.method = Some("tools/call".into());
    assert_eq!(
        all_ids(store, ranged).await,
        expect(&|r| r.subject.as_deref() == Some("bob")
            && r.session_hash == Some(format!("{:064}", 1))
            && r.occurred_at >= since
            && r.occurred_at < until),
        "filters combine with AND; since is inclusive, until exclusive"
    );
    assert!(
        all_ids(store, q(|q| q.subject = Some("nobody".into())))
            .await
            .is_empty()
    );
}

pub async fn cursor_pagination_walks_every_row_once_newest_first(ctx: Ctx) {
    let store = ctx.migrated().await;
    // Groups of five rows share a timestamp: the id breaks the tie.
    let rows: Vec<AuditRecord> = (0..250)
        .map(|i| record(base() + Duration::seconds(i / 5)))
        .collect();
    store.write_batch(&audit_ops(&rows)).await.expect("write");
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_audit(&AuditQuery {
                limit: 40,
                after: after.take(),
                ..AuditQuery::default()
            })
            .await
            .expect("page");
        pages += 1;
        assert!(page.items.len() <= 40);
        seen.extend(page.items.iter().map(|r| (r.occurred_at, r.id)));
        match page.next {
            Some(c) => after = Some(Cursor::decode(&c.encode()).expect("cursor round trip")),
            None => break,
        }
    }
    assert_eq!(pages, 7, "250 rows in pages of 40");
    let unique: HashSet<Uuid> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(unique.len(), 250, "every row exactly once");
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, ties by id");
}

pub async fn a_cursor_the_server_did_not_make_is_refused(ctx: Ctx) {
    let store = ctx.migrated().await;
    let forged = Cursor {
        at: base(),
        key: "not-a-uuid".into(),
    };
    let err = store
        .list_audit(&AuditQuery {
            after: Some(forged),
            ..AuditQuery::default()
        })
        .await
        .expect_err("refused");
    assert!(matches!(err, StoreError::BadCursor), "{err}");
}

pub async fn session_updates_are_idempotent_and_monotone(ctx: Ctx) {
    let store = ctx.migrated().await;
    let h = "b".repeat(64);
    let t0 = base();
    let ops = vec![
        opened(&h, t0),
        activity(&h, t0 + Duration::seconds(10), 5, None),
        // An older update replayed late must not move anything back.
        activity(&h, t0 + Duration::seconds(5), 3, None),
        activity(&h, t0 + Duration::seconds(20), 8, Some("deleted")),
        // The first end wins.
        activity(&h, t0 + Duration::seconds(30), 8, Some("shutdown")),
    ];
    store.write_batch(&ops).await.expect("write");
    store.write_batch(&ops).await.expect("replay");
    let s = store.session(&h).await.expect("read").expect("row");
    assert_eq!(s.created_at, t0);
    assert_eq!(s.last_seen_at, t0 + Duration::seconds(30));
    assert_eq!(s.request_count, 8);
    assert_eq!(s.error_count, 4);
    assert_eq!(s.end_reason.as_deref(), Some("deleted"));
    assert_eq!(s.ended_at, Some(t0 + Duration::seconds(20)));
    assert_eq!(s.protocol_version.as_deref(), Some("2025-11-25"));
    assert_eq!(s.client_name.as_deref(), Some("client"));
    assert_eq!(s.transport, "streamable-http");
    assert!(
        store
            .session(&"c".repeat(64))
            .await
            .expect("read")
            .is_none()
    );
}

pub async fn sessions_list_active_and_ended_newest_first_with_pagination(ctx: Ctx) {
    let store = ctx.migrated().await;
    let mut ops = Vec::new();
    for i in 0..30i64 {
        let h = format!("{i:064}");
        ops.push(opened(&h, base() + Duration::seconds(i)));
        if i % 3 == 0 {
            ops.push(activity(
                &h,
                base() + Duration::seconds(i + 1),
                1,
                Some("idle_timeout"),
            ));
        }
    }
    store.write_batch(&ops).await.expect("write");
    let list = |state, after| SessionQuery {
        state,
        subject: None,
        limit: 7,
        after,
    };
    let mut active = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_sessions(&list(SessionState::Active, after.take()))
            .await
            .expect("page");
        assert!(page.items.iter().all(|s| s.ended_at.is_none()));
        active.extend(page.items.into_iter().map(|s| s.session_hash));
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let expected: Vec<String> = (0..30i64)
        .rev()
        .filter(|i| i % 3 != 0)
        .map(|i| format!("{i:064}"))
        .collect();
    assert_eq!(active, expected);
    let ended = store
        .list_sessions(&SessionQuery {
            state: SessionState::Ended,
            limit: 100,
            ..SessionQuery::default()
        })
        .await
        .expect("ended");
    assert_eq!(ended.items.len(), 10);
    assert!(
        ended
            .items
            .iter()
            .all(|s| s.end_reason.as_deref() == Some("idle_timeout"))
    );
    let alice = store
        .list_sessions(&SessionQuery {
            subject: Some("alice".into()),
            limit: 100,
            ..SessionQuery::default()
        })
        .await
        .expect("by subject");
    assert_eq!(alice.items.len(), 30);
}

pub async fn retention_deletes_only_old_rows_in_small_batches(ctx: Ctx) {
    let store = ctx.migrated().await;
    let now = Utc::now();
    let old = now - Duration::days(100);
    let recent = now - Duration::days(1);
    let mut ops: Vec<Op> = (0..25)
        .map(|i| Op::Audit(record(old + Duration::seconds(i))))
        .collect();
    let keep: Vec<AuditRecord> = (0..5)
        .map(|i| record(recent + Duration::seconds(i)))
        .collect();
    ops.extend(audit_ops(&keep));
    let [old_ended, new_ended, old_active, new_active] = ["1", "2", "3", "4"].map(|c| c.repeat(64));
    ops.extend([
        opened(&old_ended, old),
        activity(&old_ended, old, 1, Some("deleted")),
        opened(&new_ended, old),
        activity(&new_ended, recent, 1, Some("deleted")),
        opened(&old_active, old),
        opened(&new_active, old),
        activity(&new_active, recent, 1, None),
    ]);
    store.write_batch(&ops).await.expect("write");
    let cutoff = now - Duration::days(90);
    let purged = retention::purge(store, cutoff, 10).await.expect("purge");
    assert_eq!(purged.audit, 25);
    assert_eq!(
        purged.sessions, 2,
        "the old ended one and the one whose replica went away"
    );
    assert_eq!(store.count_audit().await.expect("count"), 5);
    let mut left = all_ids(store, AuditQuery::default()).await;
    left.sort();
    let mut kept: Vec<Uuid> = keep.iter().map(|r| r.id).collect();
    kept.sort();
    assert_eq!(left, kept);
    assert!(store.session(&old_ended).await.expect("read").is_none());
    assert!(store.session(&old_active).await.expect("read").is_none());
    assert!(store.session(&new_ended).await.expect("read").is_some());
    assert!(store.session(&new_active).await.expect("read").is_some());
    let again = retention::purge(store, cutoff, 10).await.expect("purge");
    assert_eq!((again.audit, again.sessions), (0, 0));
}
