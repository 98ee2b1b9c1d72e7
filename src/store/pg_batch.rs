//! A batch of writes to PostgreSQL in at most three statements, whatever its size: the rows go
//! as one array per column and `UNNEST` turns them back into rows on the server.
//!
//! A multi-row `VALUES` list has a text that depends on the row count (so batches were cut in
//! power-of-two chunks, up to ten statements and round trips per batch), and an `UPDATE` per
//! active session was one more round trip each. With arrays, each statement's text is fixed:
//! prepared once per connection, one round trip per kind of row.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction, types::Json};
use uuid::Uuid;

use super::{AuditRecord, SessionActivity, SessionOpened};

const INSERT_SESSIONS: &str = "INSERT INTO sessions (session_hash, transport, subject, \
    client_addr, instance_id, created_at, last_seen_at) \
    SELECT h, t, s, a, i, c, c FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], \
    $5::text[], $6::timestamptz[]) AS u(h, t, s, a, i, c) \
    ON CONFLICT (session_hash) DO NOTHING";

const INSERT_AUDIT: &str = "INSERT INTO audit (id, occurred_at, kind, session_hash, subject, \
    method, name, arguments_digest, arguments, outcome, error_code, http_status, \
    upstream_status, latency_us, request_id, client_addr, detail) \
    SELECT * FROM UNNEST($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], \
    $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::int4[], $12::int4[], \
    $13::int4[], $14::int8[], $15::text[], $16::text[], $17::text[]) \
    ON CONFLICT (id) DO NOTHING";

const UPDATE_SESSIONS: &str = "UPDATE sessions SET \
    last_seen_at = GREATEST(sessions.last_seen_at, u.l), \
    request_count = GREATEST(sessions.request_count, u.r), \
    error_count = GREATEST(sessions.error_count, u.e), \
    protocol_version = COALESCE(sessions.protocol_version, u.p), \
    client_name = COALESCE(sessions.client_name, u.n), \
    client_version = COALESCE(sessions.client_version, u.v), \
    ended_at = COALESCE(sessions.ended_at, u.x), \
    end_reason = COALESCE(sessions.end_reason, u.y) \
    FROM UNNEST($1::text[], $2::timestamptz[], $3::int8[], $4::int8[], $5::text[], \
    $6::text[], $7::text[], $8::timestamptz[], $9::text[]) AS u(h, l, r, e, p, n, v, x, y) \
    WHERE sessions.session_hash = u.h";

/// Insert the opened sessions (existing ones are left alone).
pub(super) async fn insert_sessions(
    tx: &mut Transaction<'_, Postgres>,
    opened: &[&SessionOpened],
) -> Result<(), sqlx::Error> {
    if opened.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&SessionOpened) -> Option<&str>| -> Vec<Option<&str>> {
        opened.iter().map(|s| f(s)).collect()
    };
    sqlx::query(INSERT_SESSIONS)
        .bind(column(|s| Some(&s.session_hash)))
        .bind(column(|s| Some(&s.transport)))
        .bind(column(|s| s.subject.as_deref()))
        .bind(column(|s| s.client_addr.as_deref()))
        .bind(column(|s| Some(&s.instance_id)))
        .bind(opened.iter().map(|s| s.created_at).collect::<Vec<_>>())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Insert the audit records (ids already stored are ignored: a retried batch).
pub(super) async fn insert_audit(
    tx: &mut Transaction<'_, Postgres>,
    records: &[&AuditRecord],
) -> Result<(), sqlx::Error> {
    if records.is_empty() {
        return Ok(());
    }
    let text = |f: fn(&AuditRecord) -> Option<&str>| -> Vec<Option<&str>> {
        records.iter().map(|r| f(r)).collect()
    };
    let int = |f: fn(&AuditRecord) -> Option<i32>| -> Vec<Option<i32>> {
        records.iter().map(|r| f(r)).collect()
    };
    sqlx::query(INSERT_AUDIT)
        .bind(records.iter().map(|r| r.id).collect::<Vec<Uuid>>())
        .bind(records.iter().map(|r| r.occurred_at).collect::<Vec<_>>())
        .bind(text(|r| Some(r.kind.as_str())))
        .bind(text(|r| r.session_hash.as_deref()))
        .bind(text(|r| r.subject.as_deref()))
        .bind(text(|r| r.method.as_deref()))
        .bind(text(|r| r.name.as_deref()))
        .bind(text(|r| r.arguments_digest.as_deref()))
        .bind(
            records
                .iter()
                .map(|r| r.arguments.as_ref().map(Json))
                .collect::<Vec<_>>(),
        )
        .bind(text(|r| Some(r.outcome.as_str())))
        .bind(int(|r| r.error_code))
        .bind(int(|r| r.http_status))
        .bind(int(|r| r.upstream_status))
        .bind(records.iter().map(|r| r.latency_us).collect::<Vec<_>>())
        .bind(text(|r| r.request_id.as_deref()))
        .bind(text(|r| r.client_addr.as_deref()))
        .bind(text(|r| r.detail.as_deref()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One session's activity in a batch: several updates of one session merged as applying them
/// in order would (`UPDATE … FROM` applies at most one source row per target row).
struct Merged<'a> {
    last_seen_at: DateTime<Utc>,
    request_count: i64,
    error_count: i64,
    protocol_version: Option<&'a str>,
    client_name: Option<&'a str>,
    client_version: Option<&'a str>,
    ended_at: Option<DateTime<Utc>>,
    end_reason: Option<&'a str>,
}

/// The updates of `activity` merged per session, in order of first appearance.
fn merge<'a>(activity: &[&'a SessionActivity]) -> Vec<(&'a str, Merged<'a>)> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(activity.len());
    let mut merged: Vec<(&str, Merged<'_>)> = Vec::with_capacity(activity.len());
    for a in activity {
        let (ended_at, end_reason) = match &a.ended {
            Some(e) => (Some(e.ended_at), Some(e.reason.as_str())),
            None => (None, None),
        };
        let Some(&i) = index.get(a.session_hash.as_str()) else {
            index.insert(&a.session_hash, merged.len());
            merged.push((
                &a.session_hash,
                Merged {
                    last_seen_at: a.last_seen_at,
                    request_count: a.request_count,
                    error_count: a.error_count,
                    protocol_version: a.protocol_version.as_deref(),
                    client_name: a.client_name.as_deref(),
                    client_version: a.client_version.as_deref(),
                    ended_at,
                    end_reason,
                },
            ));
            continue;
        };
        let m = &mut merged[i].1;
        m.last_seen_at = m.last_seen_at.max(a.last_seen_at);
        m.request_count = m.request_count.max(a.request_count);
        m.error_count = m.error_count.max(a.error_count);
        m.protocol_version = m.protocol_version.or(a.protocol_version.as_deref());
        m.client_name = m.client_name.or(a.client_name.as_deref());
        m.client_version = m.client_version.or(a.client_version.as_deref());
        if m.ended_at.is_none() {
            (m.ended_at, m.end_reason) = (ended_at, end_reason);
        }
    }
    merged
}

/// Raise counters and last-seen times, fill client info, set ends once.
pub(super) async fn update_sessions<'a>(
    tx: &mut Transaction<'_, Postgres>,
    activity: &[&'a SessionActivity],
) -> Result<(), sqlx::Error> {
    if activity.is_empty() {
        return Ok(());
    }
    let merged = merge(activity);
    let text = |f: fn(&Merged<'a>) -> Option<&'a str>| -> Vec<Option<&'a str>> {
        merged.iter().map(|(_, m)| f(m)).collect()
    };
    sqlx::query(UPDATE_SESSIONS)
        .bind(merged.iter().map(|(h, _)| *h).collect::<Vec<&str>>())
        .bind(
            merged
                .iter()
                .map(|(_, m)| m.last_seen_at)
                .collect::<Vec<_>>(),
        )
        .bind(
            merged
                .iter()
                .map(|(_, m)| m.request_count)
                .collect::<Vec<_>>(),
        )
        .bind(
            merged
                .iter()
                .map(|(_, m)| m.error_count)
                .collect::<Vec<_>>(),
        )
        .bind(text(|m| m.protocol_version))
        .bind(text(|m| m.client_name))
        .bind(text(|m| m.client_version))
        .bind(merged.iter().map(|(_, m)| m.ended_at).collect::<Vec<_>>())
        .bind(text(|m| m.end_reason))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::SessionEnd;

    fn activity(hash: &str, secs: i64, requests: i64, client: Option<&str>) -> SessionActivity {
        SessionActivity {
            session_hash: hash.into(),
            last_seen_at: Utc.timestamp_opt(secs, 0).unwrap(),
            request_count: requests,
            error_count: 0,
            protocol_version: None,
            client_name: client.map(Into::into),
            client_version: None,
            ended: None,
        }
    }

    #[test]
    fn updates_of_one_session_merge_as_if_applied_in_order() {
        let first = activity("a", 20, 5, None);
        let other = activity("b", 1, 1, Some("other"));
        let mut second = activity("a", 10, 7, Some("first-name"));
        second.ended = Some(SessionEnd {
            ended_at: Utc.timestamp_opt(30, 0).unwrap(),
            reason: "deleted".into(),
        });
        let mut third = activity("a", 15, 6, Some("second-name"));
        third.ended = Some(SessionEnd {
            ended_at: Utc.timestamp_opt(40, 0).unwrap(),
            reason: "admin".into(),
        });
        let merged = merge(&[&first, &other, &second, &third]);
        assert_eq!(merged.len(), 2, "one row per session");
        let (hash, a) = &merged[0];
        assert_eq!(*hash, "a");
        assert_eq!(
            a.last_seen_at,
            Utc.timestamp_opt(20, 0).unwrap(),
            "greatest"
        );
        assert_eq!(a.request_count, 7, "greatest");
        assert_eq!(a.client_name, Some("first-name"), "first value set wins");
        assert_eq!(a.ended_at, Some(Utc.timestamp_opt(30, 0).unwrap()));
        assert_eq!(a.end_reason, Some("deleted"), "the end is set once");
        assert_eq!(merged[1].0, "b");
        assert_eq!(merged[1].1.client_name, Some("other"));
    }
}
