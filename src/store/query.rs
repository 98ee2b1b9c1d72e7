//! The SQL both backends share: the column lists and the SELECTs of the admin API. Only the
//! placeholder syntax (which `QueryBuilder` handles) and the encodings differ (PostgreSQL
//! binds `TIMESTAMPTZ`, SQLite INTEGER microseconds), so each backend passes its encoder.
//! The batched writes are each backend's own: `sqlite_batch` and `pg_batch`.

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

use super::{AuditQuery, SessionQuery, SessionState, StoreError};
use crate::events::Outcome;

/// The columns of an audit row, in the order both backends select and insert them.
pub(crate) const AUDIT_COLUMNS: &str = "id, occurred_at, kind, session_hash, subject, method, \
    name, arguments_digest, arguments, outcome, error_code, http_status, upstream_status, \
    latency_us, request_id, client_addr, detail";

/// The columns of a session row, in the order both backends select them.
pub(crate) const SESSION_COLUMNS: &str = "session_hash, transport, protocol_version, subject, \
    client_name, client_version, client_addr, instance_id, created_at, last_seen_at, ended_at, \
    end_reason, request_count, error_count";

/// `SELECT … FROM audit` with the query's filters, keyset cursor, order and `limit + 1`.
pub(crate) fn audit_select<DB, T>(
    q: &AuditQuery,
    limit: u32,
    time: impl Fn(DateTime<Utc>) -> T,
) -> Result<QueryBuilder<DB>, StoreError>
where
    DB: Database,
    <DB as Database>::Arguments: Default,
    T: for<'t> Encode<'t, DB> + Type<DB>,
    String: for<'t> Encode<'t, DB> + Type<DB>,
    &'static str: for<'t> Encode<'t, DB> + Type<DB>,
    Uuid: for<'t> Encode<'t, DB> + Type<DB>,
    i64: for<'t> Encode<'t, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::<DB>::new(format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE 1 = 1"));
    let text_filters = [
        ("subject", &q.subject),
        ("name", &q.name),
        ("method", &q.method),
        ("session_hash", &q.session_hash),
    ];
    for (column, value) in text_filters {
        if let Some(v) = value {
            qb.push(format!(" AND {column} = ")).push_bind(v.clone());
        }
    }
    if let Some(o) = q.outcome {
        qb.push(" AND outcome = ").push_bind(o.as_str());
        if o != Outcome::Ok {
            // The outcome index is partial (failures only): a planner cannot tell that a bound
            // parameter differs from 'ok', so the query states the index's condition itself.
            qb.push(" AND outcome <> 'ok'");
        }
    }
    if let Some(k) = q.kind {
        qb.push(" AND kind = ").push_bind(k.as_str());
    }
    if let Some(t) = q.since {
        qb.push(" AND occurred_at >= ").push_bind(time(t));
    }
    if let Some(t) = q.until {
        qb.push(" AND occurred_at < ").push_bind(time(t));
    }
    if let Some(c) = &q.after {
        let id = Uuid::parse_str(&c.key).map_err(|_| StoreError::BadCursor)?;
        qb.push(" AND (occurred_at, id) < (")
            .push_bind(time(c.at))
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    qb.push(" ORDER BY occurred_at DESC, id DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    Ok(qb)
}

/// `SELECT … FROM sessions` with the state and subject filters, keyset cursor, order and
/// `limit + 1`.
pub(crate) fn sessions_select<DB, T>(
    q: &SessionQuery,
    limit: u32,
    time: impl Fn(DateTime<Utc>) -> T,
) -> QueryBuilder<DB>
where
    DB: Database,
    <DB as Database>::Arguments: Default,
    T: for<'t> Encode<'t, DB> + Type<DB>,
    String: for<'t> Encode<'t, DB> + Type<DB>,
    i64: for<'t> Encode<'t, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::<DB>::new(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE 1 = 1"
    ));
    match q.state {
        SessionState::Active => qb.push(" AND ended_at IS NULL"),
        SessionState::Ended => qb.push(" AND ended_at IS NOT NULL"),
        SessionState::All => &mut qb,
    };
    if let Some(s) = &q.subject {
        qb.push(" AND subject = ").push_bind(s.clone());
    }
    if let Some(c) = &q.after {
        qb.push(" AND (created_at, session_hash) < (")
            .push_bind(time(c.at))
            .push(", ")
            .push_bind(c.key.clone())
            .push(")");
    }
    qb.push(" ORDER BY created_at DESC, session_hash DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    qb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_outcome_filters_state_the_partial_index_condition_and_ok_does_not() {
        let sql = |outcome| {
            let q = AuditQuery {
                outcome: Some(outcome),
                ..AuditQuery::default()
            };
            audit_select::<sqlx::Sqlite, _>(&q, 10, |t| t.timestamp_micros())
                .expect("query")
                .into_string()
        };
        for failure in [
            Outcome::ToolError,
            Outcome::ProtocolError,
            Outcome::Denied,
            Outcome::RateLimited,
        ] {
            assert!(sql(failure).contains("AND outcome <> 'ok'"), "{failure:?}");
        }
        assert!(!sql(Outcome::Ok).contains("<>"), "{}", sql(Outcome::Ok));
    }
}
