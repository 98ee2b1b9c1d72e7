//! Shared sessions: three in-process replicas on one fresh PostgreSQL database,
//! every request of a session sent to a different replica.

mod binding;
mod direct;
mod faults;
mod refresh;
mod sse;
mod streamable;

use opik_mcp::config::Settings;
use sqlx::{Connection, Executor, PgConnection};

use crate::helpers::{TestApp, spawn_app_with};

/// The PostgreSQL server the tests create their databases on.
pub fn pg_admin_url() -> String {
    std::env::var("TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A uuid-named database, dropped (connections and all) when this is dropped.
pub struct TempDb {
    pub name: String,
    pub url: String,
}

impl TempDb {
    pub async fn create() -> Self {
        let name = format!("opik_mcp_cluster_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&pg_admin_url())
            .await
            .expect("PostgreSQL on 127.0.0.1:5432");
        conn.execute(sqlx::AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
            .await
            .expect("create database");
        conn.close().await.ok();
        let mut url = url::Url::parse(&pg_admin_url()).expect("URL");
        url.set_path(&name);
        Self {
            name,
            url: url.to_string(),
        }
    }

    /// A connection to this database.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop cannot await: a short-lived runtime on its own thread does the DROP.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&pg_admin_url()).await {
                    let sql = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                    let _ = c.execute(sqlx::AssertSqlSafe(sql)).await;
                }
            });
        })
        .join();
    }
}

/// `n` replicas sharing sessions through one database.
pub struct Replicas {
    pub apps: Vec<TestApp>,
    pub db: TempDb,
}

/// Settings of a replica in the shared database.
pub fn shared(s: &mut Settings, url: &str) {
    s.database.url = url.to_owned().into();
    s.database.max_connections = 6;
    s.cluster.shared_sessions = true;
}

impl Replicas {
    /// Start `n` replicas, each adjusted by `tweak` after the shared-session settings.
    pub async fn start(n: usize, tweak: impl Fn(&mut Settings)) -> Self {
        let db = TempDb::create().await;
        let mut apps = Vec::with_capacity(n);
        for _ in 0..n {
            apps.push(
                spawn_app_with(|s| {
                    shared(s, &db.url);
                    tweak(s);
                })
                .await,
            );
        }
        Self { apps, db }
    }

    /// The replica serving the `i`-th request (round robin).
    pub fn at(&self, i: usize) -> &TestApp {
        &self.apps[i % self.apps.len()]
    }

    /// Stop every replica (their audit records are flushed to the database).
    pub async fn stop(&mut self) {
        for app in &mut self.apps {
            app.stop().await.expect("replica stops cleanly");
        }
    }

    /// Audit rows of kind `request`, per session hash.
    pub async fn request_rows_per_session(&self) -> Vec<(String, i64)> {
        let mut conn = self.db.connect().await;
        sqlx::query_as(
            "SELECT session_hash, count(*) FROM audit WHERE kind = 'request' \
             GROUP BY session_hash ORDER BY session_hash",
        )
        .fetch_all(&mut conn)
        .await
        .expect("audit rows")
    }
}
