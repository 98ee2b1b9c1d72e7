//! `[server]` and `[log]`: the HTTP service and its logs.

use std::{net::IpAddr, path::PathBuf, time::Duration};

use serde::Deserialize;

use super::ConfigError;

/// The HTTP service (legacy SSE + Streamable HTTP).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Interface to bind. Env `SSE_HOST`, `MCP_SSE_HOST`, `STREAMABLE_HTTP_HOST`. Default
    /// `localhost`.
    pub host: String,
    /// TCP port; 0 picks a free one. Env `SSE_PORT`, `MCP_SSE_PORT`, `STREAMABLE_HTTP_PORT`.
    /// Default 3001.
    pub port: u16,
    /// File the HTTP service appends its log to, as well as stderr; empty disables.
    /// Env `SSE_LOG_PATH`, `MCP_SSE_LOG_PATH`, `STREAMABLE_HTTP_LOG_PATH`. Default
    /// `/tmp/opik-mcp-sse.log`.
    pub log_path: PathBuf,
    /// Path of the Streamable HTTP endpoint. Default `/mcp`.
    pub mcp_path: String,
    /// Seconds between `:` keep-alive comments on idle SSE streams. Default 15.
    pub keep_alive_secs: u64,
    /// Seconds without a request after which a session without an open stream ends. Default 600.
    pub session_idle_ttl_secs: u64,
    /// Most concurrent sessions (both HTTP transports); more gets 503. Default 10000.
    pub max_sessions: usize,
    /// Messages a session may have queued for the MCP engine before new ones are refused. Default 256.
    pub session_queue: usize,
    /// Seconds a request may wait for its JSON-RPC reply. Default 60.
    pub request_timeout_secs: u64,
    /// Seconds in-flight requests get to finish on SIGTERM/SIGINT. Default 10.
    pub shutdown_grace_secs: u64,
    /// Largest accepted request body, bytes; larger gets 413. Default 4194304 (4 MiB).
    pub max_body_bytes: usize,
    /// Accepted `Host` header names (without port). Empty: loopback names when bound to
    /// loopback, anything otherwise. Default empty.
    pub allowed_hosts: Vec<String>,
    /// Accepted `Origin` values (e.g. `https://app.example.com`), besides same-origin requests
    /// and, when bound to loopback, loopback origins. Default empty.
    pub allowed_origins: Vec<String>,
    /// Answer Streamable HTTP requests with `application/json` (true) or a one-event
    /// `text/event-stream` (false). Default true.
    pub json_response: bool,
    /// Serve the browser client (`client/index.html`, embedded in the binary) at `/client/`.
    /// Flag `--serve-client`, env `OPIK_MCP_SERVER__SERVE_CLIENT`. Default unset: served on a
    /// loopback bind (a local user's first look at the server), not elsewhere.
    pub serve_client: Option<bool>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 3001,
            log_path: PathBuf::from("/tmp/opik-mcp-sse.log"),
            mcp_path: "/mcp".into(),
            keep_alive_secs: 15,
            session_idle_ttl_secs: 600,
            max_sessions: 10_000,
            session_queue: 256,
            request_timeout_secs: 60,
            shutdown_grace_secs: 10,
            max_body_bytes: 4 * 1024 * 1024,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            json_response: true,
            serve_client: None,
        }
    }
}

impl ServerSettings {
    /// `host:port` as given to the listener.
    pub fn bind_address(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Whether the configured host is a loopback name or address.
    pub fn binds_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// Whether `/client/` is served: as configured, else on a loopback bind only.
    pub fn serves_client(&self) -> bool {
        self.serve_client.unwrap_or_else(|| self.binds_loopback())
    }

    /// Keep-alive period.
    pub fn keep_alive(&self) -> Duration {
        Duration::from_secs(self.keep_alive_secs)
    }

    /// Idle TTL of a session.
    pub fn session_idle_ttl(&self) -> Duration {
        Duration::from_secs(self.session_idle_ttl_secs)
    }

    /// Per-request reply deadline.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.host.trim().is_empty() {
            return Err(ConfigError::invalid("server.host", "must not be empty"));
        }
        if !self.mcp_path.starts_with('/') || self.mcp_path.len() < 2 {
            return Err(ConfigError::invalid(
                "server.mcp_path",
                format!(
                    "must start with '/' and name a path, got {:?}",
                    self.mcp_path
                ),
            ));
        }
        if [
            "/sse",
            "/messages",
            "/health",
            "/healthz",
            "/readyz",
            "/client",
        ]
        .contains(&self.mcp_path.as_str())
        {
            return Err(ConfigError::invalid(
                "server.mcp_path",
                format!("{} is taken by another endpoint", self.mcp_path),
            ));
        }
        let positive: [(&'static str, u64); 4] = [
            ("server.keep_alive_secs", self.keep_alive_secs),
            ("server.session_idle_ttl_secs", self.session_idle_ttl_secs),
            ("server.request_timeout_secs", self.request_timeout_secs),
            ("server.max_sessions", self.max_sessions as u64),
        ];
        for (key, v) in positive {
            if v == 0 {
                return Err(ConfigError::invalid(key, "must be greater than 0"));
            }
        }
        if self.session_queue == 0 {
            return Err(ConfigError::invalid(
                "server.session_queue",
                "must be greater than 0",
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::invalid(
                "server.max_body_bytes",
                "must be at least 1024",
            ));
        }
        Ok(())
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// `[log]`: format and filter.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` or `json`. Env `OPIK_MCP_LOG__FORMAT`. Default `pretty`.
    pub format: LogFormat,
    /// `RUST_LOG`-style filter; `RUST_LOG` itself wins when set. Default `info`.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            filter: "info".into(),
        }
    }
}

impl LogSettings {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        tracing_subscriber::EnvFilter::try_new(&self.filter)
            .map(|_| ())
            .map_err(|e| ConfigError::invalid("log.filter", e.to_string()))
    }
}
