//! Request quotas (governor GCRA limiters with bounded key sets) and the per-principal cap
//! on concurrent SSE streams. HTTP-agnostic: the HTTP middleware and the MCP engine (per-tool
//! quotas) both use it.

mod keyed;
mod streams;

pub use keyed::{Decision, KeyedLimiter};
pub use streams::{StreamPermit, StreamSlots};

use std::{collections::HashMap, net::IpAddr, sync::Arc, time::Duration};

use poem::Request;

use tokio_util::sync::CancellationToken;

use crate::config::{Limit, RateLimitSettings};

/// The client IP: from the trusted proxy header when `rate_limit.client_ip_header` is set
/// (the rightmost `X-Forwarded-For` entry, the one our proxy appended), else the socket.
pub fn client_ip(req: &Request, s: &RateLimitSettings) -> Option<IpAddr> {
    if let Some(name) = &s.client_ip_header
        && let Some(ip) = req
            .headers()
            .get_all(name.as_str())
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return Some(ip);
    }
    req.remote_addr().as_socket_addr().map(|a| a.ip())
}

fn limiter(name: &'static str, limit: &Limit, s: &RateLimitSettings) -> Option<Arc<KeyedLimiter>> {
    if !s.enabled {
        return None;
    }
    limit
        .quota()
        .map(|q| Arc::new(KeyedLimiter::new(name, q, s.max_keys)))
}

fn check(limiter: Option<&Arc<KeyedLimiter>>, key: &Arc<str>) -> Decision {
    match limiter {
        Some(l) => l.check(key),
        None => Decision::Unlimited,
    }
}

/// Whether `principal` is exempt from quotas (`rate_limit.exempt_loopback`).
pub fn exempt(s: &RateLimitSettings, principal: &crate::auth::Principal) -> bool {
    s.exempt_loopback && principal.is_anonymous_loopback()
}

/// The HTTP quotas: per client IP (before auth) and per principal (after auth).
pub struct HttpLimits {
    per_ip: Option<Arc<KeyedLimiter>>,
    per_principal: Option<Arc<KeyedLimiter>>,
    /// Concurrent SSE streams per principal.
    pub streams: StreamSlots,
}

impl HttpLimits {
    /// Build from settings.
    pub fn new(s: &RateLimitSettings) -> Self {
        Self {
            per_ip: limiter("per_ip", &s.per_ip, s),
            per_principal: limiter("per_principal", &s.per_principal, s),
            streams: StreamSlots::new(s.max_streams_per_principal),
        }
    }

    /// Count a request from `ip` (key `ip:<addr>`).
    pub fn check_ip(&self, key: &Arc<str>) -> Decision {
        check(self.per_ip.as_ref(), key)
    }

    /// Count a request of a principal (its id).
    pub fn check_principal(&self, key: &Arc<str>) -> Decision {
        check(self.per_principal.as_ref(), key)
    }

    /// The limiters, for the sweeper and for measurements.
    pub fn limiters(&self) -> Vec<Arc<KeyedLimiter>> {
        self.per_ip
            .iter()
            .chain(self.per_principal.iter())
            .cloned()
            .collect()
    }
}

/// `tools/call` quotas per principal and tool.
pub struct ToolLimits {
    default: Option<Arc<KeyedLimiter>>,
    per_tool: HashMap<String, Option<Arc<KeyedLimiter>>>,
}

impl ToolLimits {
    /// Build from settings.
    pub fn new(s: &RateLimitSettings) -> Self {
        Self {
            default: limiter("per_tool", &s.per_tool, s),
            per_tool: s
                .tools
                .iter()
                .map(|(name, l)| (name.clone(), limiter("per_tool_override", l, s)))
                .collect(),
        }
    }

    /// Count one call of `tool` by `principal` (its id).
    pub fn check(&self, principal: &str, tool: &str) -> Decision {
        match self.per_tool.get(tool) {
            Some(l) => check(l.as_ref(), &Arc::from(principal)),
            None => {
                let key: Arc<str> = format!("{principal}\u{1f}{tool}").into();
                check(self.default.as_ref(), &key)
            }
        }
    }

    /// The limiters, for the sweeper and for measurements.
    pub fn limiters(&self) -> Vec<Arc<KeyedLimiter>> {
        self.default
            .iter()
            .chain(self.per_tool.values().flatten())
            .cloned()
            .collect()
    }
}

/// Evict idle keys from every limiter every `every` until `stop`.
pub async fn run_sweeper(
    limiters: Vec<Arc<KeyedLimiter>>,
    every: Duration,
    stop: CancellationToken,
) {
    if limiters.is_empty() {
        return;
    }
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {
                for l in &limiters {
                    let n = l.evict_idle();
                    if n > 0 {
                        tracing::debug!(limiter = l.name(), evicted = n, left = l.len(), "rate-limit keys evicted");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
