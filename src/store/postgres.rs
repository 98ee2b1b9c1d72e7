//! The PostgreSQL backend: native TIMESTAMPTZ, UUID and JSONB (see migrations/postgres).

use chrono::{DateTime, Utc};
use sqlx::{
    Postgres, Row,
    migrate::Migrator,
    postgres::{PgPool, PgPoolOptions, PgRow},
    types::Json,
};

use super::{
    AuditQuery, AuditRecord, Op, Page, RecordKind, SessionQuery, SessionRow, StoreError,
    model::parse_outcome,
    page_limit, paginate, pg_batch,
    query::{self, SESSION_COLUMNS},
};
use crate::config::DatabaseSettings;

static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// PostgreSQL store.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connect.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .min_connections(settings.min_connections)
            .acquire_timeout(settings.acquire_timeout())
            .idle_timeout(settings.idle_timeout())
            .connect_with(settings.pg_options()?)
            .await?;
        Ok(Self { pool })
    }

    /// The pool (tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let before = applied(&self.pool).await;
        // sqlx takes an advisory lock: replicas starting together migrate once.
        MIGRATOR.run(&self.pool).await?;
        let after = applied(&self.pool).await;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// One transaction, at most three statements (`pg_batch`); the ops are idempotent, so a
    /// retried batch leaves the same rows.
    pub(crate) async fn write_batch(&self, ops: &[Op]) -> Result<(), StoreError> {
        let (mut opened, mut audits, mut activity) = (Vec::new(), Vec::new(), Vec::new());
        for op in ops {
            match op {
                Op::SessionOpened(s) => opened.push(s),
                Op::Audit(r) => audits.push(r),
                Op::SessionActivity(a) => activity.push(a),
            }
        }
        let mut tx = self.pool.begin().await?;
        pg_batch::insert_sessions(&mut tx, &opened).await?;
        pg_batch::insert_audit(&mut tx, &audits).await?;
        pg_batch::update_sessions(&mut tx, &activity).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn list_audit(&self, q: &AuditQuery) -> Result<Page<AuditRecord>, StoreError> {
        let limit = page_limit(q.limit);
        let mut qb = query::audit_select::<Postgres, _>(q, limit, |t| t)?;
        let rows = qb.build().fetch_all(&self.pool).await?;
        let records = rows.iter().map(audit_row).collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(records, limit, AuditRecord::cursor))
    }

    pub(crate) async fn list_sessions(
        &self,
        q: &SessionQuery,
    ) -> Result<Page<SessionRow>, StoreError> {
        let limit = page_limit(q.limit);
        let mut qb = query::sessions_select::<Postgres, _>(q, limit, |t| t);
        let rows = qb.build().fetch_all(&self.pool).await?;
        let sessions = rows
            .iter()
            .map(session_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(paginate(sessions, limit, SessionRow::cursor))
    }

    pub(crate) async fn session(&self, hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE session_hash = $1");
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
             (SELECT id FROM audit WHERE occurred_at < $1 LIMIT $2)",
        )
        .bind(cutoff)
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
             WHERE COALESCE(ended_at, last_seen_at) < $1 LIMIT $2)",
        )
        .bind(cutoff)
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

async fn applied(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

fn audit_row(row: &PgRow) -> Result<AuditRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let outcome: String = row.try_get("outcome")?;
    let arguments: Option<Json<serde_json::Value>> = row.try_get("arguments")?;
    Ok(AuditRecord {
        id: row.try_get("id")?,
        occurred_at: row.try_get("occurred_at")?,
        kind: RecordKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(kind.clone()))?,
        session_hash: row.try_get("session_hash")?,
        subject: row.try_get("subject")?,
        method: row.try_get("method")?,
        name: row.try_get("name")?,
        arguments_digest: row.try_get("arguments_digest")?,
        arguments: arguments.map(|j| j.0),
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

fn session_row(row: &PgRow) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        session_hash: row.try_get("session_hash")?,
        transport: row.try_get("transport")?,
        protocol_version: row.try_get("protocol_version")?,
        subject: row.try_get("subject")?,
        client_name: row.try_get("client_name")?,
        client_version: row.try_get("client_version")?,
        client_addr: row.try_get("client_addr")?,
        instance_id: row.try_get("instance_id")?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        ended_at: row.try_get("ended_at")?,
        end_reason: row.try_get("end_reason")?,
        request_count: row.try_get("request_count")?,
        error_count: row.try_get("error_count")?,
    })
}
