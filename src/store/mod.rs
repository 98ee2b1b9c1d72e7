//! Durable sessions and the audit trail over sqlx: SQLite (embedded, the default) or
//! PostgreSQL (production), each with native types and its own migrations. Not `sqlx::Any`:
//! see shared notes, stack-probe §6.
//!
//! - [`Store`]: the two backends behind one enum (`sqlite.rs`, `postgres.rs`).
//! - [`AuditSink`]: the non-blocking front of the batch writer (`writer.rs`) with its spill
//!   file (`spill.rs`); [`AuditObserver`] and [`SessionsWriter`] feed it from the session
//!   events; security events come in through [`AuditSink::security_event`].
//! - [`retention`]: deletes old rows in small batches. [`api`]: the admin HTTP API.
//! - [`Persistence`]: all of it started together, and flushed on shutdown.
//!
//! Queries are runtime-checked (`sqlx::query`, not `query!`): compile-time checking needs
//! one database per crate, and this crate has two. Both backends run the same test suite
//! against real databases instead (tests/store/).

pub mod api;
mod error;
mod model;
mod observer;
mod pg_batch;
mod postgres;
mod query;
mod redact;
pub mod retention;
pub mod service;
mod sessions;
mod sink;
mod spill;
mod sqlite;
mod sqlite_batch;
mod writer;

pub use error::StoreError;
pub use model::{
    AuditQuery, AuditRecord, Cursor, Op, Page, RecordKind, SessionActivity, SessionEnd,
    SessionOpened, SessionQuery, SessionRow, SessionState, parse_outcome, session_hash,
};
pub use observer::AuditObserver;
pub use postgres::PgStore;
pub use redact::Redactor;
pub use service::{Persistence, migrate_command};
pub use sessions::SessionsWriter;
pub use sink::{AuditSink, AuditStatus, SecurityEvent, WriterState};
pub use sqlite::SqliteStore;

use chrono::{DateTime, Utc};

use crate::config::{Backend, DatabaseSettings};

/// The database: SQLite or PostgreSQL. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub enum Store {
    /// Embedded SQLite file.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PgStore),
}

impl Store {
    /// Pool connections (in use, idle, configured maximum), sampled for the metrics.
    pub fn pool_usage(&self) -> (u32, u32, u32) {
        fn usage(size: u32, idle: usize, max: u32) -> (u32, u32, u32) {
            let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
            (size - idle, idle, max)
        }
        match self {
            Store::Sqlite(s) => {
                let p = s.pool();
                usage(p.size(), p.num_idle(), p.options().get_max_connections())
            }
            Store::Postgres(s) => {
                let p = s.pool();
                usage(p.size(), p.num_idle(), p.options().get_max_connections())
            }
        }
    }
}

/// Dispatch a method call to the backend.
macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// Connect (creating an SQLite file if missing). Fails if the database cannot be reached
    /// within `database.acquire_timeout_secs`.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        Ok(match settings.backend()? {
            Backend::Sqlite => Store::Sqlite(SqliteStore::connect(settings).await?),
            Backend::Postgres => Store::Postgres(PgStore::connect(settings).await?),
        })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Apply the embedded migrations that are not applied yet; returns their versions.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, s => s.migrate().await)
    }

    /// Write a batch in one transaction. Idempotent: writing it again changes nothing.
    pub async fn write_batch(&self, ops: &[Op]) -> Result<(), StoreError> {
        dispatch!(self, s => s.write_batch(ops).await)
    }

    /// A page of audit rows, newest first.
    pub async fn list_audit(&self, q: &AuditQuery) -> Result<Page<AuditRecord>, StoreError> {
        dispatch!(self, s => s.list_audit(q).await)
    }

    /// A page of sessions, newest first.
    pub async fn list_sessions(&self, q: &SessionQuery) -> Result<Page<SessionRow>, StoreError> {
        dispatch!(self, s => s.list_sessions(q).await)
    }

    /// One session by hash.
    pub async fn session(&self, hash: &str) -> Result<Option<SessionRow>, StoreError> {
        dispatch!(self, s => s.session(hash).await)
    }

    /// Delete up to `batch` audit rows older than `cutoff`; returns how many went.
    pub async fn purge_audit(&self, cutoff: DateTime<Utc>, batch: u32) -> Result<u64, StoreError> {
        dispatch!(self, s => s.purge_audit(cutoff, batch).await)
    }

    /// Delete up to `batch` sessions that ended before `cutoff`, or were last seen before it
    /// without an end (their replica died); returns how many went.
    pub async fn purge_sessions(
        &self,
        cutoff: DateTime<Utc>,
        batch: u32,
    ) -> Result<u64, StoreError> {
        dispatch!(self, s => s.purge_sessions(cutoff, batch).await)
    }

    /// Count audit rows (tests, benchmarks, operations).
    pub async fn count_audit(&self) -> Result<i64, StoreError> {
        dispatch!(self, s => s.count_audit().await)
    }

    /// A round trip to the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.ping().await)
    }

    /// How the database's applied migrations compare with this build's (changes nothing).
    pub async fn migration_status(&self) -> MigrationStatus {
        dispatch!(self, s => s.migration_status().await)
    }

    /// Close the pool (waits for connections in use).
    pub async fn close(&self) {
        dispatch!(self, s => s.close().await)
    }
}

/// This build's migrations against a database's applied ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationStatus {
    /// Known here, not applied yet (start-up or `opik-mcp migrate` applies them).
    pub pending: Vec<i64>,
    /// Applied, but unknown to this build: a newer opik-mcp migrated the database.
    pub unknown: Vec<i64>,
}

impl MigrationStatus {
    pub(crate) fn compare(known: impl IntoIterator<Item = i64>, applied: &[i64]) -> Self {
        let known: Vec<i64> = known.into_iter().collect();
        Self {
            pending: known
                .iter()
                .copied()
                .filter(|v| !applied.contains(v))
                .collect(),
            unknown: applied
                .iter()
                .copied()
                .filter(|v| !known.contains(v))
                .collect(),
        }
    }
}

/// Rows per page when the client does not say, and the most it may ask for.
pub const DEFAULT_PAGE: u32 = 100;
/// Upper bound of a page.
pub const MAX_PAGE: u32 = 500;

/// Clamp a requested page size.
pub(crate) fn page_limit(limit: u32) -> u32 {
    match limit {
        0 => DEFAULT_PAGE,
        n => n.min(MAX_PAGE),
    }
}

/// Split the fetched rows (one more than the limit was asked for) into a page.
pub(crate) fn paginate<T>(
    mut rows: Vec<T>,
    limit: u32,
    cursor_of: impl Fn(&T) -> Cursor,
) -> Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(cursor_of)
    } else {
        None
    };
    Page { items: rows, next }
}

#[cfg(test)]
mod migration_tests {
    use super::MigrationStatus;

    #[test]
    fn pending_and_unknown_migrations_are_told_apart() {
        let s = MigrationStatus::compare([1, 2, 3], &[1, 4]);
        assert_eq!(s.pending, [2, 3]);
        assert_eq!(s.unknown, [4]);
        assert_eq!(
            MigrationStatus::compare([1], &[1]),
            MigrationStatus::default()
        );
    }
}
