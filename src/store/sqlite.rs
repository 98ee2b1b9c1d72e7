//! The SQLite backend: one file, WAL, `synchronous=FULL`. Times are INTEGER microseconds
//! (UTC), UUIDs 16-byte BLOBs, JSON TEXT (see migrations/sqlite).

use chrono::{DateTime, Utc};
use sqlx::{
    Row, Sqlite,
    migrate::Migrator,
    sqlite::{SqlitePool, SqlitePoolOptions, SqliteRow},
};

use super::{
    AuditQuery, AuditRecord, Op, Page, RecordKind, SessionQuery, SessionRow, StoreError,
    model::parse_outcome,
    page_limit, paginate,
    query::{self, SESSION_COLUMNS},
    sqlite_batch,
};
use crate::config::DatabaseSettings;

static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// SQLite store (a pool over one file).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(v: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_micros(v).ok_or_else(|| StoreError::Corrupt(format!("time {v}")))
}

impl SqliteStore {
    /// Open (creating the file if missing).
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(settings.min_connections)
            .acquire_timeout(settings.acquire_timeout())
            .idle_timeout(settings.idle_timeout())
            .connect_with(settings.sqlite_options()?)
            .await?;
        Ok(Self { pool })
    }

    /// The pool (tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let before = applied(&self.pool).await;
        MIGRATOR.run(&self.pool).await?;
        let after = applied(&self.pool).await;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    pub(crate) async fn write_batch(&self, ops: &[Op]) -> Result<(), StoreError> {
        // IMMEDIATE takes the write lock up front: no deadlock-prone lock upgrade.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for op in ops {
            if let Op::SessionOpened(s) = op {
                sqlx::query(
                    "INSERT INTO sessions (session_hash, transport, subject, client_addr, \
                     instance_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
                     ON CONFLICT (session_hash) DO NOTHING",
                )
                .bind(&s.session_hash)
                .bind(&s.transport)
                .bind(&s.subject)
                .bind(&s.client_addr)
                .bind(&s.instance_id)
                .bind(micros(s.created_at))
                .execute(&mut *tx)
                .await?;
            }
        }
        let audits: Vec<&AuditRecord> = ops
            .iter()
            .filter_map(|op| match op {
                Op::Audit(r) => Some(r),
                _ => None,
            })
            .collect();
        for chunk in sqlite_batch::audit_chunks(&audits) {
            let args = sqlite_batch::audit_arguments(chunk).map_err(sqlx::Error::Encode)?;
            sqlx::query_with(sqlite_batch::audit_insert(chunk.len()), args)
                .execute(&mut *tx)
                .await?;
        }
        for op in ops {
            if let Op::SessionActivity(a) = op {
                let (ended_at, reason) = match &a.ended {
                    Some(e) => (Some(micros(e.ended_at)), Some(e.reason.as_str())),
                    None => (None, None),
                };
                sqlx::query(
                    "UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?1), \
                     request_count = MAX(request_count, ?2), error_count = MAX(error_count, ?3), \
                     protocol_version = COALESCE(protocol_version, ?4), \
                     client_name = COALESCE(client_name, ?5), \
                     client_version = COALESCE(client_version, ?6), \
                     ended_at = COALESCE(ended_at, ?7), end_reason = COALESCE(end_reason, ?8) \
                     WHERE session_hash = ?9",
                )
                .bind(micros(a.last_seen_at))
                .bind(a.request_count)
                .bind(a.error_count)
                .bind(&a.protocol_version)
                .bind(&a.client_name)
                .bind(&a.client_version)
                .bind(ended_at)
                .bind(reason)
                .bind(&a.session_hash)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn list_audit(&self, q: &AuditQuery) -> Result<Page<AuditRecord>, StoreError> {
        let limit = page_limit(q.limit);
        let mut qb = query::audit_select::<Sqlite, _>(q, limit, micros)?;
        let rows = qb.build().fetch_all(&self.pool).await?;
        let records = rows.iter().map(audit_row).collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(records, limit, AuditRecord::cursor))
    }

    pub(crate) async fn list_sessions(
        &self,
        q: &SessionQuery,
    ) -> Result<Page<SessionRow>, StoreError> {
        let limit = page_limit(q.limit);
        let mut qb = query::sessions_select::<Sqlite, _>(q, limit, micros);
        let rows = qb.build().fetch_all(&self.pool).await?;
        let sessions = rows
            .iter()
            .map(session_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(sessions, limit, SessionRow::cursor))
    }

    pub(crate) async fn session(&self, hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE session_hash = ?1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_row).transpose()
    }

    pub(crate) async fn purge_audit(
        &self,
        cutoff: DateTime<Utc>,
        batch: u32,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM audit WHERE id IN \
             (SELECT id FROM audit WHERE occurred_at < ?1 LIMIT ?2)",
        )
        .bind(micros(cutoff))
        .bind(i64::from(batch))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn purge_sessions(
        &self,
        cutoff: DateTime<Utc>,
        batch: u32,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE session_hash IN (SELECT session_hash FROM sessions \
             WHERE COALESCE(ended_at, last_seen_at) < ?1 LIMIT ?2)",
        )
        .bind(micros(cutoff))
        .bind(i64::from(batch))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn count_audit(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit")
            .fetch_one(&self.pool)
            .await?)
    }

    pub(crate) async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) async fn migration_status(&self) -> super::MigrationStatus {
        let applied = applied(&self.pool).await;
        super::MigrationStatus::compare(MIGRATOR.iter().map(|m| m.version), &applied)
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

async fn applied(pool: &SqlitePool) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

fn audit_row(row: &SqliteRow) -> Result<AuditRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let outcome: String = row.try_get("outcome")?;
    let arguments: Option<String> = row.try_get("arguments")?;
    Ok(AuditRecord {
        id: row.try_get("id")?,
        occurred_at: from_micros(row.try_get("occurred_at")?)?,
        kind: RecordKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(kind.clone()))?,
        session_hash: row.try_get("session_hash")?,
        subject: row.try_get("subject")?,
        method: row.try_get("method")?,
        name: row.try_get("name")?,
        arguments_digest: row.try_get("arguments_digest")?,
        arguments: arguments
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        outcome: parse_outcome(&outcome).ok_or_else(|| StoreError::Corrupt(outcome.clone()))?,
        error_code: row.try_get("error_code")?,
        http_status: row.try_get("http_status")?,
        upstream_status: row.try_get("upstream_status")?,
        latency_us: row.try_get("latency_us")?,
        request_id: row.try_get("request_id")?,
        client_addr: row.try_get("client_addr")?,
        detail: row.try_get("detail")?,
    })
}

fn session_row(row: &SqliteRow) -> Result<SessionRow, StoreError> {
    let ended_at: Option<i64> = row.try_get("ended_at")?;
    Ok(SessionRow {
        session_hash: row.try_get("session_hash")?,
        transport: row.try_get("transport")?,
        protocol_version: row.try_get("protocol_version")?,
        subject: row.try_get("subject")?,
        client_name: row.try_get("client_name")?,
        client_version: row.try_get("client_version")?,
        client_addr: row.try_get("client_addr")?,
        instance_id: row.try_get("instance_id")?,
        created_at: from_micros(row.try_get("created_at")?)?,
        last_seen_at: from_micros(row.try_get("last_seen_at")?)?,
        ended_at: ended_at.map(from_micros).transpose()?,
        end_reason: row.try_get("end_reason")?,
        request_count: row.try_get("request_count")?,
        error_count: row.try_get("error_count")?,
    })
}
