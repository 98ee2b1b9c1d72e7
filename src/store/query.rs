//! The SQL both backends share: the SELECTs of the admin API, and the audit trail's multi-row
//! INSERT (used by SQLite; PostgreSQL binds one array per column instead, see `pg_batch`).
//! Only the placeholder syntax (which `QueryBuilder` handles for the SELECTs, and the
//! backend's [`AuditInsertSql`] for the INSERT) and the encodings differ (PostgreSQL binds
//! `TIMESTAMPTZ` and `JSONB`, SQLite INTEGER microseconds and TEXT), so each backend passes
//! its encoders.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sqlx::{Arguments, Database, Encode, QueryBuilder, Type, error::BoxDynError};
use uuid::Uuid;

use super::{AuditQuery, AuditRecord, SessionQuery, SessionState, StoreError};
use crate::events::Outcome;

/// The columns of an audit row, in the order both backends select and insert them.
pub(crate) const AUDIT_COLUMNS: &str = "id, occurred_at, kind, session_hash, subject, method, \
    name, arguments_digest, arguments, outcome, error_code, http_status, upstream_status, \
    latency_us, request_id, client_addr, detail";

/// The columns of a session row, in the order both backends select them.
pub(crate) const SESSION_COLUMNS: &str = "session_hash, transport, protocol_version, subject, \
    client_name, client_version, client_addr, instance_id, created_at, last_seen_at, ended_at, \
    end_reason, request_count, error_count";

/// How many columns [`AUDIT_COLUMNS`] names (one bind parameter each per row).
const AUDIT_COLUMN_COUNT: usize = {
    let bytes = AUDIT_COLUMNS.as_bytes();
    let (mut i, mut commas) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b',' {
            commas += 1;
        }
        i += 1;
    }
    commas + 1
};

/// Most rows in one multi-row INSERT: 512 × 17 columns stays under SQLite's 32766 bind
/// parameters (and PostgreSQL's 65535).
pub(crate) const MAX_CHUNK: usize = 512;

const _: () = assert!(
    MAX_CHUNK * AUDIT_COLUMN_COUNT <= 32766,
    "SQLite's bind limit"
);

/// Distinct chunk lengths: 1, 2, 4 … [`MAX_CHUNK`].
const LENGTHS: usize = MAX_CHUNK.trailing_zeros() as usize + 1;

/// `records` cut into chunks whose lengths are powers of two, largest first (`MAX_CHUNK`
/// while more are left). A multi-row INSERT's text depends on its row count, and sqlx caches
/// prepared statements by text: one statement per batch length was parsed again for most
/// batches (small batches vary in length), about 18,000 instructions per record. With these
/// lengths every batch uses at most ten distinct statement texts, each parsed once per
/// connection.
pub(crate) fn audit_chunks<T>(mut records: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if records.is_empty() {
            return None;
        }
        let len = records.len().min(MAX_CHUNK);
        let (chunk, rest) = records.split_at(1 << len.ilog2());
        records = rest;
        Some(chunk)
    })
}

/// The text of the audit INSERT for each chunk length, built once per process.
pub(crate) struct AuditInsertSql {
    texts: [OnceLock<String>; LENGTHS],
    /// Writes the placeholder of the `n`th (1-based) parameter.
    placeholder: fn(&mut String, usize),
}

impl AuditInsertSql {
    /// Statements with this backend's placeholder syntax.
    pub(crate) const fn new(placeholder: fn(&mut String, usize)) -> Self {
        Self {
            texts: [const { OnceLock::new() }; LENGTHS],
            placeholder,
        }
    }

    /// `INSERT INTO audit … VALUES …` for `rows` rows (a length [`audit_chunks`] yields),
    /// ignoring ids already stored (a retried batch).
    pub(crate) fn get(&'static self, rows: usize) -> &'static str {
        debug_assert!(rows.is_power_of_two() && rows <= MAX_CHUNK);
        self.texts[rows.ilog2() as usize].get_or_init(|| {
            let columns = AUDIT_COLUMN_COUNT;
            let mut sql = format!("INSERT INTO audit ({AUDIT_COLUMNS}) VALUES ");
            for row in 0..rows {
                sql.push_str(if row == 0 { "(" } else { ", (" });
                for column in 0..columns {
                    if column > 0 {
                        sql.push_str(", ");
                    }
                    (self.placeholder)(&mut sql, row * columns + column + 1);
                }
                sql.push(')');
            }
            sql.push_str(" ON CONFLICT (id) DO NOTHING");
            sql
        })
    }
}

/// The arguments of [`AuditInsertSql::get`] for `chunk`, in column order. Text is bound by
/// reference: PostgreSQL encodes it straight into the message, SQLite copies it once.
pub(crate) fn audit_arguments<'r, DB, T, A>(
    chunk: &[&'r AuditRecord],
    time: impl Fn(DateTime<Utc>) -> T,
    arguments: impl Fn(&'r serde_json::Value) -> A,
) -> Result<<DB as Database>::Arguments, BoxDynError>
where
    DB: Database,
    T: Encode<'r, DB> + Type<DB>,
    Option<A>: Encode<'r, DB> + Type<DB>,
    Uuid: Encode<'r, DB> + Type<DB>,
    &'static str: Encode<'r, DB> + Type<DB>,
    Option<&'r str>: Encode<'r, DB> + Type<DB>,
    Option<i32>: Encode<'r, DB> + Type<DB>,
    Option<i64>: Encode<'r, DB> + Type<DB>,
{
    let mut args = <DB as Database>::Arguments::default();
    args.reserve(chunk.len() * AUDIT_COLUMN_COUNT, 0);
    for &r in chunk {
        args.add(r.id)?;
        args.add(time(r.occurred_at))?;
        args.add(r.kind.as_str())?;
        args.add(r.session_hash.as_deref())?;
        args.add(r.subject.as_deref())?;
        args.add(r.method.as_deref())?;
        args.add(r.name.as_deref())?;
        args.add(r.arguments_digest.as_deref())?;
        args.add(r.arguments.as_ref().map(&arguments))?;
        args.add(r.outcome.as_str())?;
        args.add(r.error_code)?;
        args.add(r.http_status)?;
        args.add(r.upstream_status)?;
        args.add(r.latency_us)?;
        args.add(r.request_id.as_deref())?;
        args.add(r.client_addr.as_deref())?;
        args.add(r.detail.as_deref())?;
    }
    Ok(args)
}

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
    fn audit_chunks_are_powers_of_two_in_order_and_cover_every_record() {
        for n in [0, 1, 2, 3, 7, 42, 500, 512, 513, 1200, 8000] {
            let records: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = audit_chunks(&records).collect();
            assert!(
                chunks
                    .iter()
                    .all(|c| c.len().is_power_of_two() && c.len() <= MAX_CHUNK),
                "{n}: {:?}",
                chunks.iter().map(|c| c.len()).collect::<Vec<_>>()
            );
            assert_eq!(chunks.concat(), records, "{n}: order and coverage");
            assert!(chunks.windows(2).all(|w| w[0].len() >= w[1].len()));
        }
    }

    #[test]
    fn audit_insert_text_has_one_placeholder_per_value() {
        static PG: AuditInsertSql = AuditInsertSql::new(|sql, n| sql.push_str(&format!("${n}")));
        let columns = AUDIT_COLUMNS.split(',').count();
        let one = PG.get(1);
        assert!(
            one.starts_with("INSERT INTO audit (id, occurred_at,"),
            "{one}"
        );
        assert!(
            one.ends_with(&format!("${columns}) ON CONFLICT (id) DO NOTHING")),
            "{one}"
        );
        let four = PG.get(4);
        assert_eq!(four.matches('$').count(), 4 * columns);
        assert!(four.contains(&format!("${}), (${}", 2 * columns, 2 * columns + 1)));
        assert!(std::ptr::eq(four, PG.get(4)), "built once");
    }

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

    #[test]
    fn the_column_count_is_the_column_list_s() {
        assert_eq!(AUDIT_COLUMN_COUNT, AUDIT_COLUMNS.split(',').count());
        assert_eq!(AUDIT_COLUMN_COUNT, 17);
    }
}
