//! `[limits]`: bounds on headers, request time, sessions per principal and stream lifetime.
//! (Body size and the per-session queue are `server.max_body_bytes` and
//! `server.session_queue`.)

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;

/// Resource bounds of the HTTP service.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSettings {
    /// Largest total size of the request headers (names + values), bytes; more gets 431.
    /// Env `OPIK_MCP_LIMITS__MAX_HEADER_BYTES`. Default 32768.
    pub max_header_bytes: usize,
    /// Seconds a client has to send a complete request head (request line and headers),
    /// counted from the connection's accept (a TLS handshake included) and, on an HTTP/1
    /// keep-alive connection, from the end of the previous response; the connection is then
    /// closed. Bounds silent connections, slowloris clients and idle keep-alive connections;
    /// it never cuts a body or a response stream. Env
    /// `OPIK_MCP_LIMITS__HEADER_READ_TIMEOUT_SECS`. Default 10.
    pub header_read_timeout_secs: u64,
    /// Seconds a request may take until its response starts (reading the body included);
    /// longer gets 408. Streams (SSE bodies) are not cut by this. Env
    /// `OPIK_MCP_LIMITS__REQUEST_TIMEOUT_SECS`. Default 90.
    pub request_timeout_secs: u64,
    /// Most live sessions one authenticated principal may hold; more gets 429. Anonymous
    /// sessions are bounded only by `server.max_sessions`. Env
    /// `OPIK_MCP_LIMITS__MAX_SESSIONS_PER_PRINCIPAL`. Default 100.
    pub max_sessions_per_principal: usize,
    /// Longest life of one SSE stream, seconds; it then ends and the client reconnects.
    /// Env `OPIK_MCP_LIMITS__SSE_MAX_LIFETIME_SECS`. Default 86400.
    pub sse_max_lifetime_secs: u64,
    /// Seconds a connection may stay without any byte read or written before it is closed.
    /// Must exceed `server.keep_alive_secs`. Env `OPIK_MCP_LIMITS__IDLE_CONNECTION_SECS`.
    /// Default 300.
    pub idle_connection_secs: u64,
    /// Most resources one session may subscribe to (`resources/subscribe`), each read from
    /// Opik every `opik.subscription_poll_secs`; 0 turns subscriptions off (the capability is
    /// not advertised). Env `OPIK_MCP_LIMITS__MAX_SUBSCRIPTIONS_PER_SESSION`. Default 20.
    pub max_subscriptions_per_session: usize,
    /// Most open connections one client address may hold on a listener (IPv6: per /64);
    /// more are closed at accept. Counted per socket address, so behind a reverse proxy it
    /// bounds the proxy: the default leaves room for one proxy carrying thousands of SSE
    /// streams; lower it when clients connect directly. 0 disables the bound. Env
    /// `OPIK_MCP_LIMITS__MAX_CONNECTIONS_PER_IP`. Default 4096.
    pub max_connections_per_ip: usize,
    /// Events kept per Streamable HTTP session (GET stream and POST replies together) for
    /// resumption (`Last-Event-ID`); older
    /// ones are dropped. 0 keeps none (event ids are still sent). Env
    /// `OPIK_MCP_LIMITS__STREAM_REPLAY_EVENTS`. Default 100.
    pub stream_replay_events: usize,
    /// Seconds an event stays resumable; older ones are dropped. Env
    /// `OPIK_MCP_LIMITS__STREAM_REPLAY_SECS`. Default 300.
    pub stream_replay_secs: u64,
    /// The `retry` (milliseconds) sent on the streams of sessions negotiated at 2025-11-25
    /// or later: how long a client waits before it resumes a closed stream. Env
    /// `OPIK_MCP_LIMITS__STREAM_RETRY_MS`. Default 1000.
    pub stream_retry_ms: u64,
}

impl Default for LimitsSettings {
    fn default() -> Self {
        Self {
            max_header_bytes: 32 * 1024,
            header_read_timeout_secs: 10,
            request_timeout_secs: 90,
            max_sessions_per_principal: 100,
            sse_max_lifetime_secs: 86_400,
            idle_connection_secs: 300,
            max_subscriptions_per_session: 20,
            max_connections_per_ip: 4096,
            stream_replay_events: 100,
            stream_replay_secs: 300,
            stream_retry_ms: 1000,
        }
    }
}

impl LimitsSettings {
    /// The request deadline.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The request-head deadline.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    /// The idle-connection deadline.
    pub fn idle_connection(&self) -> Duration {
        Duration::from_secs(self.idle_connection_secs)
    }

    /// How long an event stays resumable.
    pub fn stream_replay_age(&self) -> Duration {
        Duration::from_secs(self.stream_replay_secs)
    }

    /// The SSE stream lifetime cap.
    pub fn sse_max_lifetime(&self) -> Duration {
        Duration::from_secs(self.sse_max_lifetime_secs)
    }

    pub(crate) fn validate(&self, keep_alive_secs: u64) -> Result<(), ConfigError> {
        if self.max_header_bytes < 1024 {
            return Err(ConfigError::invalid(
                "limits.max_header_bytes",
                "must be at least 1024",
            ));
        }
        let positive: [(&'static str, u64); 4] = [
            (
                "limits.header_read_timeout_secs",
                self.header_read_timeout_secs,
            ),
            ("limits.request_timeout_secs", self.request_timeout_secs),
            (
                "limits.max_sessions_per_principal",
                self.max_sessions_per_principal as u64,
            ),
            ("limits.sse_max_lifetime_secs", self.sse_max_lifetime_secs),
        ];
        for (key, v) in positive {
            if v == 0 {
                return Err(ConfigError::invalid(key, "must be greater than 0"));
            }
        }
        if self.stream_replay_events > 10_000 {
            return Err(ConfigError::invalid(
                "limits.stream_replay_events",
                "must be at most 10000",
            ));
        }
        if self.max_subscriptions_per_session > 1_000 {
            return Err(ConfigError::invalid(
                "limits.max_subscriptions_per_session",
                "must be at most 1000",
            ));
        }
        if self.idle_connection_secs <= keep_alive_secs {
            return Err(ConfigError::invalid(
                "limits.idle_connection_secs",
                format!(
                    "must be greater than server.keep_alive_secs ({keep_alive_secs}), or idle \
                     SSE streams would be cut"
                ),
            ));
        }
        Ok(())
    }
}
