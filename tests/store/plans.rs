//! Query plans: the audit listings the admin API filters most (by tool name, by failure)
//! use their partial indexes, which leave out the rows that have no name or an `ok` outcome.

use opik_mcp::store::Store;
use sqlx::{Executor, Row};

use crate::db::Ctx;

/// The admin API's listing shape (see `store::query::audit_select`) with one filter.
const BY_NAME: &str = "SELECT id FROM audit WHERE 1 = 1 AND name = $1 \
    ORDER BY occurred_at DESC, id DESC LIMIT 11";
const BY_FAILURE: &str = "SELECT id FROM audit WHERE 1 = 1 AND outcome = $1 \
    AND outcome <> 'ok' ORDER BY occurred_at DESC, id DESC LIMIT 11";

/// The plan of `sql` with `value` bound as its one parameter, as one text.
async fn plan(store: &Store, sql: &str, value: &str) -> String {
    match store {
        Store::Sqlite(s) => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "EXPLAIN QUERY PLAN {}",
                sql.replace("$1", "?")
            )))
            .bind(value)
            .fetch_all(s.pool())
            .await
            .expect("explain");
            rows.iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Store::Postgres(s) => {
            // One connection for the session settings. With an empty table a sequential scan
            // is cheapest, so it is ruled out; the generic plan is the one made for a bound
            // parameter without knowing its value.
            let mut conn = s.pool().acquire().await.expect("connection");
            conn.execute("SET enable_seqscan = off").await.expect("set");
            conn.execute("SET plan_cache_mode = force_generic_plan")
                .await
                .expect("set");
            conn.execute(sqlx::AssertSqlSafe(format!(
                "PREPARE listing(text) AS {sql}"
            )))
            .await
            .expect("prepare");
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "EXPLAIN EXECUTE listing('{value}')"
            )))
            .fetch_all(&mut *conn)
            .await
            .expect("explain");
            conn.execute("DEALLOCATE listing")
                .await
                .expect("deallocate");
            rows.iter()
                .map(|r| r.get::<String, _>(0))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

/// The definition of index `name`, as the database reports it.
async fn index_definition(store: &Store, name: &str) -> String {
    match store {
        Store::Sqlite(s) => sqlx::query("SELECT sql FROM sqlite_master WHERE name = ?")
            .bind(name)
            .fetch_one(s.pool())
            .await
            .expect("index exists")
            .get(0),
        Store::Postgres(s) => sqlx::query("SELECT indexdef FROM pg_indexes WHERE indexname = $1")
            .bind(name)
            .fetch_one(s.pool())
            .await
            .expect("index exists")
            .get(0),
    }
}

pub async fn listings_by_name_or_failure_use_their_partial_indexes(ctx: Ctx) {
    let store = ctx.migrated().await;
    // Partial: rows without a name and `ok` rows get no entry.
    let name_idx = index_definition(store, "audit_name_idx").await;
    assert!(
        name_idx.contains("WHERE") && name_idx.contains("IS NOT NULL"),
        "{name_idx}"
    );
    let outcome_idx = index_definition(store, "audit_outcome_idx").await;
    assert!(
        outcome_idx.contains("WHERE") && outcome_idx.contains("'ok'"),
        "{outcome_idx}"
    );
    let by_name = plan(store, BY_NAME, "search").await;
    assert!(by_name.contains("audit_name_idx"), "{by_name}");
    let by_failure = plan(store, BY_FAILURE, "denied").await;
    assert!(by_failure.contains("audit_outcome_idx"), "{by_failure}");
}
