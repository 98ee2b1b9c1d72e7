//! `[admin]`: the admin listener (`/metrics`, `/healthz`, `/readyz`, the admin API), on its
//! own port so probes and scrapes never compete with MCP traffic and are never exposed
//! publicly by accident.

use serde::Deserialize;

use super::ConfigError;

/// The admin listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// Serve the admin listener. Env `OPIK_MCP_ADMIN__ENABLED`. Default true (HTTP mode only).
    pub enabled: bool,
    /// Interface to bind. Env `OPIK_MCP_ADMIN__HOST`. Default `127.0.0.1`.
    pub host: String,
    /// TCP port; 0 picks a free one. Env `OPIK_MCP_ADMIN__PORT`. Default 9464.
    pub port: u16,
    /// Seconds each readiness check may take before it counts as failed.
    /// Env `OPIK_MCP_ADMIN__READINESS_TIMEOUT_SECS`. Default 2.
    pub readiness_timeout_secs: u64,
    /// Add an `opik` readiness check: `GET {opik.api_url}/is-alive/ping` must answer 2xx in
    /// time. Off by default: an Opik outage would then take every replica out of rotation,
    /// while without it tools only report the outage as errors.
    /// Env `OPIK_MCP_ADMIN__CHECK_OPIK`. Default false.
    pub check_opik: bool,
    /// Host names (without port) accepted in the admin listener's `Host` header, besides IP
    /// literals and `localhost`: a guard against DNS rebinding (a web page that resolves its
    /// own name to the admin address could otherwise read `/metrics`). Add the Service name
    /// if something scrapes by name. Env `OPIK_MCP_ADMIN__ALLOWED_HOSTS`. Default empty.
    pub allowed_hosts: Vec<String>,
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            host: "127.0.0.1".into(),
            port: 9464,
            readiness_timeout_secs: 2,
            check_opik: false,
            allowed_hosts: Vec::new(),
        }
    }
}

impl AdminSettings {
    /// `host:port` as given to the listener.
    pub fn bind_address(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Per-check readiness deadline.
    pub fn readiness_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.readiness_timeout_secs)
    }

    pub(crate) fn validate(&self, public_port: u16) -> Result<(), ConfigError> {
        if !self.enabled {
            return Ok(());
        }
        if self.host.trim().is_empty() {
            return Err(ConfigError::invalid("admin.host", "must not be empty"));
        }
        if self.port != 0 && self.port == public_port {
            return Err(ConfigError::invalid(
                "admin.port",
                format!("{} is already server.port; choose another port", self.port),
            ));
        }
        if self.readiness_timeout_secs == 0 {
            return Err(ConfigError::invalid(
                "admin.readiness_timeout_secs",
                "must be greater than 0",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_port_must_differ_from_the_public_port() {
        let a = AdminSettings {
            port: 3001,
            ..AdminSettings::default()
        };
        let err = a.validate(3001).expect_err("same port").to_string();
        assert!(err.contains("admin.port"), "{err}");
        assert!(a.validate(3002).is_ok());
        let off = AdminSettings {
            enabled: false,
            ..a
        };
        assert!(off.validate(3001).is_ok());
    }
}
