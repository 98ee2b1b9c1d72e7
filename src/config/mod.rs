//! Layered, validated settings: defaults → optional config file → environment → CLI flags.
//!
//! Every section is a plain serde struct with `#[serde(default)]`; [`load`] merges the layers with
//! figment and [`Settings::validate`] runs the cross-field checks whose errors name the key.

mod admin;
mod audit;
mod auth;
mod broker;
mod cli;
mod cluster;
mod cors;
mod database;
mod errors;
mod limits;
mod load;
mod opik;
mod rate_limit;
mod server;
mod stdio_defaults;
mod tls;
mod toolsets;
mod warnings;

/// Prefix of the generic environment names: `OPIK_MCP_<SECTION>__<KEY>` (the loader reads
/// them, the error messages and warnings name them).
pub(crate) const ENV_PREFIX: &str = "OPIK_MCP_";

pub use admin::AdminSettings;
pub use audit::{AuditSettings, DEFAULT_REDACT_KEYS, OnFailure};
pub use broker::BrokerSettings;
pub use cli::{Cli, Command, HealthcheckArgs};
pub use cluster::ClusterSettings;
pub use database::{Backend, DEFAULT_DATABASE_URL, DatabaseSettings};
pub use load::{BASE_URL_ENV_VARS, ENV_VARS, check_env_value, env_names, load};
pub use opik::OpikSettings;
pub use server::{LogFormat, LogSettings, ServerSettings};
pub use stdio_defaults::state_dir;
pub use toolsets::{Toolset, Toolsets};
pub use warnings::{startup_warnings, warnings_for};

pub use auth::{
    ApiKeySettings, AuthMode, AuthSettings, JwtSettings, PemKeySettings, ScopeSettings,
};
pub use cors::CorsSettings;
pub use limits::LimitsSettings;
pub use rate_limit::{Limit, RateLimitSettings};
pub use tls::{ClientAuth, TlsSettings, TlsVersion};

use serde::Deserialize;

/// Which transport the process serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TransportMode {
    /// Newline-delimited JSON-RPC on stdin/stdout (default, as upstream).
    #[default]
    Stdio,
    /// The HTTP service (legacy SSE + Streamable HTTP); the upstream name.
    Sse,
    /// The HTTP service (same as `sse`); `http` is accepted as an alias.
    #[serde(alias = "http")]
    StreamableHttp,
}

impl TransportMode {
    /// Whether this mode starts the HTTP service.
    pub fn is_http(self) -> bool {
        !matches!(self, TransportMode::Stdio)
    }
}

/// All settings of the process.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `stdio`, `sse` or `streamable-http` (`http`). Env `TRANSPORT`, `MCP_TRANSPORT`. Default `stdio`.
    pub transport: TransportMode,
    /// The HTTP service.
    pub server: ServerSettings,
    /// The upstream Opik API.
    pub opik: OpikSettings,
    /// Logging.
    pub log: LogSettings,
    /// HTTPS.
    pub tls: TlsSettings,
    /// Authentication and scopes.
    pub auth: AuthSettings,
    /// Browser cross-origin access.
    pub cors: CorsSettings,
    /// Request quotas.
    pub rate_limit: RateLimitSettings,
    /// Resource bounds.
    pub limits: LimitsSettings,
    /// The admin listener (metrics, probes, admin API).
    pub admin: AdminSettings,
    /// The database of sessions and the audit trail.
    pub database: DatabaseSettings,
    /// The audit trail.
    pub audit: AuditSettings,
    /// Sessions shared between replicas.
    pub cluster: ClusterSettings,
}

/// A configuration error that names the offending key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value failed a check.
    #[error("invalid configuration: {key}: {message}")]
    Invalid {
        /// Dotted key, e.g. `server.port`.
        key: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
    /// figment could not read or deserialize a layer.
    #[error("invalid configuration: {0}")]
    Load(String),
}

impl ConfigError {
    pub(crate) fn invalid(key: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            key,
            message: message.into(),
        }
    }
}

impl Settings {
    /// Cross-field checks; fail at start-up, never per request.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.server.validate()?;
        self.opik.validate()?;
        self.opik
            .validate_against(self.server.request_timeout_secs)?;
        self.log.validate()?;
        self.tls.validate()?;
        self.auth.validate()?;
        self.cors.validate(self.auth.mode != AuthMode::None)?;
        self.rate_limit.validate()?;
        self.limits.validate(self.server.keep_alive_secs)?;
        self.admin.validate(self.server.port)?;
        self.database.validate()?;
        self.audit.validate()?;
        self.cluster.validate(&self.database)?;
        Ok(())
    }
}
