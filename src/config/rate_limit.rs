//! `[rate_limit]`: request quotas per client IP, per principal and per tool, and the cap on
//! concurrent SSE streams.

use std::{collections::BTreeMap, num::NonZeroU32, time::Duration};

use serde::Deserialize;

use super::ConfigError;

/// One quota: a sustained rate and a burst (GCRA, as `governor` implements it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// Sustained requests per minute; 0 disables this quota.
    pub per_minute: u32,
    /// Requests allowed at once on top of an idle bucket (at least 1).
    pub burst: u32,
}

impl Limit {
    /// A quota.
    pub const fn new(per_minute: u32, burst: u32) -> Self {
        Self { per_minute, burst }
    }

    /// The `governor` quota, or `None` when disabled.
    pub fn quota(&self) -> Option<governor::Quota> {
        let burst = NonZeroU32::new(self.burst)?;
        if self.per_minute == 0 {
            return None;
        }
        let period = Duration::from_secs_f64(60.0 / f64::from(self.per_minute));
        governor::Quota::with_period(period).map(|q| q.allow_burst(burst))
    }

    fn validate(&self, key: &str) -> Result<(), ConfigError> {
        if self.per_minute > 0 && self.burst == 0 {
            return Err(ConfigError::Invalid {
                key: "rate_limit",
                message: format!("{key}.burst must be at least 1 when {key}.per_minute > 0"),
            });
        }
        Ok(())
    }
}

/// Request quotas. Exceeding one gets `429` with `Retry-After` and `x-ratelimit-*` headers
/// (over MCP, an over-quota tool call gets a JSON-RPC error carrying the retry time).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Master switch. Env `OPIK_MCP_RATE_LIMIT__ENABLED`. Default true.
    pub enabled: bool,
    /// Every request to the MCP endpoints per client IP, checked before authentication (caps
    /// floods of bad credentials). Env `OPIK_MCP_RATE_LIMIT__PER_IP__PER_MINUTE` / `__BURST`.
    /// Default 1200/min, burst 200.
    pub per_ip: Limit,
    /// Requests per principal (JWT subject, API-key name; client IP when anonymous), after
    /// authentication. Default 600/min, burst 100.
    pub per_principal: Limit,
    /// `tools/call` per principal and tool. Default 120/min, burst 30.
    pub per_tool: Limit,
    /// Per-tool overrides of `per_tool`, by tool name, e.g.
    /// `tools."get-opik-help" = { per_minute = 10, burst = 2 }`. Default empty.
    pub tools: BTreeMap<String, Limit>,
    /// Concurrent SSE streams (`GET /sse`, `GET /mcp`) one principal may hold; more gets 429.
    /// Env `OPIK_MCP_RATE_LIMIT__MAX_STREAMS_PER_PRINCIPAL`. Default 16.
    pub max_streams_per_principal: usize,
    /// Most keys each limiter remembers. Keys idle long enough to have a full bucket are
    /// evicted every `sweep_interval_secs`; past the cap, unseen keys share one overflow
    /// bucket, so a flood of distinct keys cannot grow memory. Env
    /// `OPIK_MCP_RATE_LIMIT__MAX_KEYS`. Default 100000.
    pub max_keys: usize,
    /// Seconds between sweeps of idle keys. Env `OPIK_MCP_RATE_LIMIT__SWEEP_INTERVAL_SECS`.
    /// Default 10.
    pub sweep_interval_secs: u64,
    /// Exempt loopback clients from the per-IP quota, and anonymous loopback clients from
    /// every quota and the stream cap (local tools and tests on an unauthenticated loopback
    /// server). Authenticated principals are always limited. Behind a proxy on the same host,
    /// set `client_ip_header` so clients are not seen as loopback. Env
    /// `OPIK_MCP_RATE_LIMIT__EXEMPT_LOOPBACK`. Default true.
    pub exempt_loopback: bool,
    /// Request header holding the client IP, set by a trusted reverse proxy (e.g.
    /// `x-forwarded-for`, rightmost entry used). Only set this behind a proxy that overwrites
    /// it. Env `OPIK_MCP_RATE_LIMIT__CLIENT_IP_HEADER`. Default none (the socket address).
    pub client_ip_header: Option<String>,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_ip: Limit::new(1200, 200),
            per_principal: Limit::new(600, 100),
            per_tool: Limit::new(120, 30),
            tools: BTreeMap::new(),
            max_streams_per_principal: 16,
            max_keys: 100_000,
            sweep_interval_secs: 10,
            exempt_loopback: true,
            client_ip_header: None,
        }
    }
}

impl RateLimitSettings {
    /// The share of every quota one of `replicas` replicas enforces: rate and burst divided
    /// by `replicas` (rounded up, so a quota never drops to zero). With no shared counter,
    /// a principal spread evenly over the replicas gets the configured quota cluster-wide;
    /// one pinned to a single replica gets `1/replicas` of it (docs/scaling.md).
    pub fn per_replica(&self, replicas: u32) -> Self {
        let n = replicas.max(1);
        let share = |l: Limit| Limit::new(l.per_minute.div_ceil(n), l.burst.div_ceil(n));
        Self {
            per_ip: share(self.per_ip),
            per_principal: share(self.per_principal),
            per_tool: share(self.per_tool),
            tools: self
                .tools
                .iter()
                .map(|(k, l)| (k.clone(), share(*l)))
                .collect(),
            ..self.clone()
        }
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.per_ip.validate("rate_limit.per_ip")?;
        self.per_principal.validate("rate_limit.per_principal")?;
        self.per_tool.validate("rate_limit.per_tool")?;
        for (name, limit) in &self.tools {
            limit.validate(&format!("rate_limit.tools.{name}"))?;
        }
        if self.max_keys < 16 {
            return Err(ConfigError::invalid(
                "rate_limit.max_keys",
                "must be at least 16",
            ));
        }
        if self.max_streams_per_principal == 0 {
            return Err(ConfigError::invalid(
                "rate_limit.max_streams_per_principal",
                "must be greater than 0",
            ));
        }
        if self.sweep_interval_secs == 0 {
            return Err(ConfigError::invalid(
                "rate_limit.sweep_interval_secs",
                "must be greater than 0",
            ));
        }
        if let Some(h) = &self.client_ip_header
            && poem::http::HeaderName::from_bytes(h.as_bytes()).is_err()
        {
            return Err(ConfigError::invalid(
                "rate_limit.client_ip_header",
                format!("{h:?} is not a valid header name"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_replica_enforces_its_share_of_every_quota() {
        let mut s = RateLimitSettings::default();
        s.tools.insert("x".into(), Limit::new(10, 2));
        let third = s.per_replica(3);
        assert_eq!(third.per_principal, Limit::new(200, 34));
        assert_eq!(third.per_ip, Limit::new(400, 67));
        assert_eq!(third.per_tool, Limit::new(40, 10));
        assert_eq!(third.tools["x"], Limit::new(4, 1));
        assert_eq!(s.per_replica(1).per_principal, s.per_principal);
    }

    #[test]
    fn zero_rate_disables_and_zero_burst_is_refused() {
        assert!(Limit::new(0, 5).quota().is_none());
        assert!(Limit::new(60, 5).quota().is_some());
        let s = RateLimitSettings {
            per_tool: Limit::new(60, 0),
            ..RateLimitSettings::default()
        };
        let err = s.validate().expect_err("invalid").to_string();
        assert!(err.contains("rate_limit.per_tool.burst"), "{err}");
    }
}
