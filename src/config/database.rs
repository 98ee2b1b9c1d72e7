//! `[database]`: where sessions and the audit trail are stored.
//!
//! SQLite (a file, embedded, nothing to run) is the default; PostgreSQL is for production and
//! for several replicas. See docs/operations.md for the choice, backups and sizing.

use std::{str::FromStr, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sqlx::{
    postgres::PgConnectOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};

use super::ConfigError;

/// Default URL: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://opik-mcp.db";

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Stable name for logs and `/readyz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The database connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` (created if missing) or
    /// `postgres://user:password@host:5432/db?sslmode=verify-full` (TLS via rustls).
    /// Flag `--database-url`, env `DATABASE_URL` or `OPIK_MCP_DATABASE__URL`.
    /// Default `sqlite://opik-mcp.db` (in the working directory). Never logged with its password.
    pub url: SecretString,
    /// Most pooled connections. Default 10.
    pub max_connections: u32,
    /// Connections kept open while idle. Default 0.
    pub min_connections: u32,
    /// Seconds to wait for a pooled connection (and to connect at start-up). Default 5.
    pub acquire_timeout_secs: u64,
    /// Seconds an idle pooled connection is kept. Default 600.
    pub idle_timeout_secs: u64,
    /// PostgreSQL only: `statement_timeout` of every connection, seconds; 0 disables.
    /// Default 30.
    pub statement_timeout_secs: u64,
    /// SQLite only: how long a write waits for the file lock, milliseconds. Default 5000.
    pub busy_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: SecretString::from(DEFAULT_DATABASE_URL),
            max_connections: 10,
            min_connections: 0,
            acquire_timeout_secs: 5,
            idle_timeout_secs: 600,
            statement_timeout_secs: 30,
            busy_timeout_ms: 5000,
        }
    }
}

impl DatabaseSettings {
    /// The backend the URL names.
    pub fn backend(&self) -> Result<Backend, ConfigError> {
        let url = self.url.expose_secret();
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(ConfigError::invalid(
                "database.url",
                "must start with sqlite:// or postgres:// (postgresql://)",
            ))
        }
    }

    /// The URL without its password, for logs and errors.
    pub fn display_url(&self) -> String {
        let raw = self.url.expose_secret();
        match url::Url::parse(raw) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            _ => raw.to_owned(),
        }
    }

    /// Pool acquire (and connect) timeout.
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.acquire_timeout_secs)
    }

    /// Idle timeout of pooled connections.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    /// SQLite connection options: created if missing, WAL, `synchronous=FULL` (a committed
    /// audit batch survives power loss), busy timeout, foreign keys on.
    pub fn sqlite_options(&self) -> Result<SqliteConnectOptions, ConfigError> {
        let opts = SqliteConnectOptions::from_str(self.url.expose_secret())
            .map_err(|e| ConfigError::invalid("database.url", e.to_string()))?;
        Ok(opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_millis(self.busy_timeout_ms))
            .foreign_keys(true))
    }

    /// PostgreSQL connection options (TLS per `sslmode` in the URL, through rustls).
    pub fn pg_options(&self) -> Result<PgConnectOptions, ConfigError> {
        let opts = PgConnectOptions::from_str(self.url.expose_secret())
            .map_err(|e| ConfigError::invalid("database.url", e.to_string()))?
            .application_name("opik-mcp");
        if self.statement_timeout_secs == 0 {
            return Ok(opts);
        }
        let timeout = format!("{}s", self.statement_timeout_secs);
        Ok(opts.options([("statement_timeout", timeout.as_str())]))
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        match self.backend()? {
            Backend::Sqlite => {
                self.sqlite_options()?;
            }
            Backend::Postgres => {
                self.pg_options()?;
            }
        }
        if self.max_connections == 0 {
            return Err(ConfigError::invalid(
                "database.max_connections",
                "must be greater than 0",
            ));
        }
        if self.min_connections > self.max_connections {
            return Err(ConfigError::invalid(
                "database.min_connections",
                "must not exceed database.max_connections",
            ));
        }
        if self.acquire_timeout_secs == 0 {
            return Err(ConfigError::invalid(
                "database.acquire_timeout_secs",
                "must be greater than 0",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str) -> DatabaseSettings {
        DatabaseSettings {
            url: SecretString::from(url),
            ..DatabaseSettings::default()
        }
    }

    #[test]
    fn default_is_an_sqlite_file_in_the_working_directory() {
        let s = DatabaseSettings::default();
        assert_eq!(s.backend().expect("valid"), Backend::Sqlite);
        s.validate().expect("default validates");
    }

    #[test]
    fn unknown_schemes_are_refused_naming_the_key() {
        let err = with_url("mysql://x/y").validate().expect_err("refused");
        assert!(err.to_string().contains("database.url"), "{err}");
    }

    #[test]
    fn display_url_hides_the_password() {
        let s = with_url("postgres://app:s3cret@db:5432/opik");
        assert_eq!(s.backend().expect("pg"), Backend::Postgres);
        let shown = s.display_url();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("app:***@db"), "{shown}");
    }
}
