//! Fresh databases for the store tests.

use std::{future::Future, panic::AssertUnwindSafe};

use futures::FutureExt;
use opik_mcp::{config::DatabaseSettings, store::Store};
use sqlx::{Connection, Executor, PgConnection};

/// The PostgreSQL server the tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A connected store on an empty (unmigrated) database, and the settings that reach it.
pub struct Ctx {
    pub store: Store,
    pub settings: DatabaseSettings,
}

impl Ctx {
    /// The store, migrated.
    pub async fn migrated(&self) -> &Store {
        self.store.migrate().await.expect("migrations apply");
        &self.store
    }
}

fn settings(url: String) -> DatabaseSettings {
    DatabaseSettings {
        url: url.into(),
        max_connections: 4,
        ..DatabaseSettings::default()
    }
}

/// Run `test` on a new SQLite file in a temp dir.
pub async fn with_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let s = settings(format!("sqlite://{}", dir.path().join("t.db").display()));
    let store = Store::connect(&s).await.expect("sqlite opens");
    test(Ctx { store, settings: s }).await;
}

/// A uuid-named database on the test server, dropped by [`drop_pg_database`].
pub async fn create_pg_database() -> (String, String) {
    let name = format!("opik_mcp_test_{}", uuid::Uuid::new_v4().simple());
    let admin = pg_admin_url();
    let mut conn = PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (start it with .ci/run)");
    conn.execute(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
        .await
        .expect("create database");
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).expect("TEST_PG_URL is a URL");
    url.set_path(&name);
    (name, url.to_string())
}

/// Drop a database made by [`create_pg_database`] (ending its connections).
pub async fn drop_pg_database(name: &str) {
    let mut conn = PgConnection::connect(&pg_admin_url())
        .await
        .expect("admin connection");
    conn.execute(sqlx::AssertSqlSafe(format!(
        r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
    )))
    .await
    .expect("drop database");
    conn.close().await.ok();
}

/// Run `test` on a fresh PostgreSQL database, dropped afterwards even if the test fails.
pub async fn with_postgres<F, Fut>(test: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()>,
{
    let (name, url) = create_pg_database().await;
    let s = settings(url);
    let store = Store::connect(&s).await.expect("postgres connects");
    let outcome = AssertUnwindSafe(test(Ctx {
        store: store.clone(),
        settings: s,
    }))
    .catch_unwind()
    .await;
    store.close().await;
    drop_pg_database(&name).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
