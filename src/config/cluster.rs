//! `[cluster]`: several replicas sharing stateful MCP sessions through PostgreSQL
//! (see docs/scaling.md). Off by default: a single process keeps its sessions in memory.

use std::time::Duration;

use serde::Deserialize;

use super::{Backend, ConfigError, DatabaseSettings};

/// Sharing sessions between replicas.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterSettings {
    /// Share Streamable HTTP and legacy SSE sessions with the other replicas through the
    /// PostgreSQL database (`database.url` must be PostgreSQL): any replica then serves any
    /// session and no session affinity is needed. Env `OPIK_MCP_CLUSTER__SHARED_SESSIONS`.
    /// Default false.
    pub shared_sessions: bool,
    /// How many replicas run. Each replica enforces `1/replicas` of every rate-limit quota,
    /// so a principal's cluster-wide quota is the configured one (see docs/scaling.md).
    /// Env `OPIK_MCP_CLUSTER__REPLICAS`. Default 1.
    pub replicas: u32,
    /// Seconds between heartbeats of this replica in the database.
    /// Env `OPIK_MCP_CLUSTER__HEARTBEAT_SECS`. Default 2.
    pub heartbeat_secs: u64,
    /// A replica whose heartbeat is older than this many seconds counts as dead: the legacy
    /// SSE streams it held are gone. Env `OPIK_MCP_CLUSTER__DEAD_AFTER_SECS`. Default 10.
    pub dead_after_secs: u64,
    /// Relayed messages up to this many bytes travel inside the notification; larger ones go
    /// through the `relay_messages` table (PostgreSQL caps a notification at 8000 bytes).
    /// Env `OPIK_MCP_CLUSTER__INLINE_BYTES`. Default 7000.
    pub inline_bytes: usize,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        Self {
            shared_sessions: false,
            replicas: 1,
            heartbeat_secs: 2,
            dead_after_secs: 10,
            inline_bytes: 7000,
        }
    }
}

impl ClusterSettings {
    /// Heartbeat period.
    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.heartbeat_secs.max(1))
    }

    /// Age of a heartbeat after which its replica counts as dead.
    pub fn dead_after(&self) -> Duration {
        Duration::from_secs(self.dead_after_secs)
    }

    pub(crate) fn validate(&self, db: &DatabaseSettings) -> Result<(), ConfigError> {
        if self.replicas == 0 {
            return Err(ConfigError::invalid(
                "cluster.replicas",
                "must be at least 1",
            ));
        }
        if !self.shared_sessions {
            return Ok(());
        }
        if !matches!(db.backend(), Ok(Backend::Postgres)) {
            return Err(ConfigError::invalid(
                "database.url",
                "must be PostgreSQL when cluster.shared_sessions = true (SQLite is one process \
                 only)",
            ));
        }
        if self.dead_after_secs < self.heartbeat_secs.max(1) * 2 {
            return Err(ConfigError::invalid(
                "cluster.dead_after_secs",
                "must be at least twice cluster.heartbeat_secs",
            ));
        }
        if !(512..=7900).contains(&self.inline_bytes) {
            return Err(ConfigError::invalid(
                "cluster.inline_bytes",
                "must be between 512 and 7900 (PostgreSQL notifications hold 8000 bytes)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_sessions_need_postgres() {
        let on = ClusterSettings {
            shared_sessions: true,
            ..ClusterSettings::default()
        };
        let err = on
            .validate(&DatabaseSettings::default())
            .expect_err("sqlite refused");
        let err = err.to_string();
        assert!(err.contains("database.url: must be PostgreSQL"), "{err}");
        assert!(err.contains("cluster.shared_sessions"), "{err}");
        let pg = DatabaseSettings {
            url: "postgres://u@h/db".to_owned().into(),
            ..DatabaseSettings::default()
        };
        on.validate(&pg).expect("postgres accepted");
        ClusterSettings::default()
            .validate(&DatabaseSettings::default())
            .expect("off: sqlite is fine");
    }

    #[test]
    fn zero_replicas_and_a_short_dead_after_are_refused() {
        let zero = ClusterSettings {
            replicas: 0,
            ..ClusterSettings::default()
        };
        assert!(zero.validate(&DatabaseSettings::default()).is_err());
        let pg = DatabaseSettings {
            url: "postgres://u@h/db".to_owned().into(),
            ..DatabaseSettings::default()
        };
        let short = ClusterSettings {
            shared_sessions: true,
            dead_after_secs: 3,
            ..ClusterSettings::default()
        };
        let err = short.validate(&pg).expect_err("too short");
        assert!(err.to_string().contains("cluster.dead_after_secs"), "{err}");
    }
}
