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
    /// Receive messages relayed by the other replicas straight over TCP on this address
    /// (`host:port`, e.g. `0.0.0.0:3002`) instead of through PostgreSQL `NOTIFY`: a relayed
    /// legacy SSE reply then costs no database work. Unset (the default): relays go through
    /// PostgreSQL. Env `OPIK_MCP_CLUSTER__RELAY_LISTEN`.
    pub relay_listen: Option<String>,
    /// The `host:port` the other replicas dial to reach `relay_listen` (on Kubernetes, the
    /// pod's IP). Default: `relay_listen` itself, which must then name an address (not
    /// `0.0.0.0` or `::`). Env `OPIK_MCP_CLUSTER__RELAY_ADVERTISE`.
    pub relay_advertise: Option<String>,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        Self {
            shared_sessions: false,
            replicas: 1,
            heartbeat_secs: 2,
            dead_after_secs: 10,
            inline_bytes: 7000,
            relay_listen: None,
            relay_advertise: None,
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
            if self.relay_listen.is_some() {
                return Err(ConfigError::invalid(
                    "cluster.shared_sessions",
                    "must be true when cluster.relay_listen is set (relays are between \
                     replicas sharing sessions)",
                ));
            }
            return Ok(());
        }
        self.validate_relay()?;
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

impl ClusterSettings {
    fn validate_relay(&self) -> Result<(), ConfigError> {
        let Some(listen) = &self.relay_listen else {
            return Ok(());
        };
        let addr: std::net::SocketAddr = listen.parse().map_err(|_| {
            ConfigError::invalid(
                "cluster.relay_listen",
                "must be an address and port, such as 0.0.0.0:3002",
            )
        })?;
        match &self.relay_advertise {
            Some(a) if !is_host_port(a) => Err(ConfigError::invalid(
                "cluster.relay_advertise",
                "must be a host and a port other than 0, such as 10.1.2.3:3002",
            )),
            None if addr.ip().is_unspecified() => Err(ConfigError::invalid(
                "cluster.relay_advertise",
                "must be set when cluster.relay_listen listens on every address (the other \
                 replicas need one they can dial, such as the pod's IP)",
            )),
            _ => Ok(()),
        }
    }

    /// Where the other replicas reach this one's relay, given the address it is bound to.
    pub fn relay_address(&self, bound: std::net::SocketAddr) -> String {
        self.relay_advertise
            .clone()
            .unwrap_or_else(|| bound.to_string())
    }
}

/// `host:port` with a port that is not 0.
fn is_host_port(s: &str) -> bool {
    s.rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0))
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

    #[test]
    fn a_relay_listener_needs_shared_sessions_and_a_dialable_address() {
        let pg = DatabaseSettings {
            url: "postgres://u@h/db".to_owned().into(),
            ..DatabaseSettings::default()
        };
        let relay = |listen: &str, advertise: Option<&str>, shared: bool| ClusterSettings {
            shared_sessions: shared,
            relay_listen: Some(listen.to_owned()),
            relay_advertise: advertise.map(str::to_owned),
            ..ClusterSettings::default()
        };
        let refused = |c: ClusterSettings, field: &str| {
            let err = c.validate(&pg).expect_err(field).to_string();
            assert!(err.contains(field), "{err}");
        };
        refused(relay("127.0.0.1:0", None, false), "cluster.shared_sessions");
        refused(relay("localhost", None, true), "cluster.relay_listen");
        refused(relay("0.0.0.0:3002", None, true), "cluster.relay_advertise");
        refused(
            relay("0.0.0.0:3002", Some("10.1.2.3"), true),
            "cluster.relay_advertise",
        );
        refused(
            relay("0.0.0.0:3002", Some("10.1.2.3:0"), true),
            "cluster.relay_advertise",
        );
        relay("0.0.0.0:3002", Some("10.1.2.3:3002"), true)
            .validate(&pg)
            .expect("advertised");
        let own = relay("127.0.0.1:0", None, true);
        own.validate(&pg).expect("an address of its own");
        let bound = "127.0.0.1:41234".parse().expect("addr");
        assert_eq!(own.relay_address(bound), "127.0.0.1:41234");
        let pod = relay("0.0.0.0:3002", Some("pod:3002"), true);
        assert_eq!(pod.relay_address(bound), "pod:3002");
    }
}
