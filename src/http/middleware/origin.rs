//! Host and Origin checks against DNS rebinding and cross-site requests (MCP spec
//! 2025-11-25: an invalid `Origin` MUST get 403). Applied to the MCP routes only.
//!
//! - `Host`: if `server.allowed_hosts` is set, the host name must be listed; otherwise, when
//!   bound to loopback, it must be a loopback name; otherwise any host is accepted.
//! - `Origin` (when present): listed in `server.allowed_origins`, or same-origin with the
//!   request's `Host`, or (bound to loopback, no explicit host list) a loopback origin.

use std::collections::HashSet;

use poem::{IntoResponse, Request, Response};

use super::host::{self, is_loopback_name};
use crate::{
    config::ServerSettings,
    error::{ApiError, RpcError},
    telemetry::{labels::OriginRejection, metrics},
};

/// Configuration of the check, built once from settings.
#[derive(Clone, Debug)]
pub struct HostOriginCheck {
    allowed_hosts: HashSet<String>,
    allowed_origins: HashSet<String>,
    any_origin: bool,
    loopback_only: bool,
}

impl HostOriginCheck {
    /// Build from `[server]`.
    pub fn from_settings(s: &ServerSettings) -> Self {
        Self {
            allowed_hosts: s
                .allowed_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            allowed_origins: s
                .allowed_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
            any_origin: false,
            loopback_only: s.binds_loopback() && s.allowed_hosts.is_empty(),
        }
    }

    /// Also accept these origins (`cors.allowed_origins`; `"*"` accepts any origin).
    pub fn with_origins<'a>(mut self, origins: impl IntoIterator<Item = &'a String>) -> Self {
        for o in origins {
            if o == "*" {
                self.any_origin = true;
            } else {
                self.allowed_origins
                    .insert(o.trim_end_matches('/').to_ascii_lowercase());
            }
        }
        self
    }

    /// Whether a cross-origin browser request from `origin` gets CORS headers: a listed
    /// origin, any origin with `"*"`, or a loopback origin on a loopback bind.
    pub fn cors_allows(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.any_origin || self.allowed_origins.contains(&origin) {
            return true;
        }
        self.loopback_only
            && origin
                .split_once("://")
                .is_some_and(|(_, a)| is_loopback_name(host_name(a)))
    }

    fn check(&self, req: &Request) -> std::result::Result<(), (OriginRejection, ApiError)> {
        let host_err = |m: String| (OriginRejection::Host, ApiError::Forbidden(m));
        let origin_err = |m: String| (OriginRejection::Origin, ApiError::Forbidden(m));
        // Strictly parsed: a doubled or malformed `Host` (`[::1]evil.example`) or an
        // absolute-form target is refused here too, not read leniently.
        let authority = host::authority(req)
            .map_err(|m| (OriginRejection::Host, ApiError::InvalidRequest(m)))?
            .unwrap_or_default();
        let (name, host) = (&*authority.host, &*authority.raw);
        if !self.allowed_hosts.is_empty() && !self.allowed_hosts.contains(name) {
            return Err(host_err(format!("Host {name:?} is not allowed")));
        }
        if self.loopback_only && !is_loopback_name(name) {
            return Err(host_err(format!(
                "Host {name:?} is not allowed: this server is bound to loopback"
            )));
        }
        let Some(origin) = req.headers().get(poem::http::header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin
            .to_str()
            .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
            .map_err(|_| origin_err("Origin is not valid".into()))?;
        if self.any_origin || self.allowed_origins.contains(&origin) {
            return Ok(());
        }
        let Some(origin_authority) = origin.split_once("://").map(|(_, a)| a) else {
            return Err(origin_err(format!("Origin {origin:?} is not allowed")));
        };
        if origin_authority == host {
            return Ok(());
        }
        if self.loopback_only && is_loopback_name(host_name(origin_authority)) {
            return Ok(());
        }
        Err(origin_err(format!("Origin {origin:?} is not allowed")))
    }
}

/// The host name of `host[:port]` / `[v6]:port`.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

impl HostOriginCheck {
    /// The refusal of `req` (counted and logged), or `None` when it passes. The first step of
    /// [`super::McpGuard`].
    pub(super) fn refusal(&self, req: &Request) -> Option<Response> {
        let (kind, e) = self.check(req).err()?;
        metrics::origin_rejected(kind);
        tracing::warn!(reason = %e, "request refused by Host/Origin check");
        Some(RpcError(e, None).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> HostOriginCheck {
        HostOriginCheck::from_settings(&ServerSettings {
            host: "127.0.0.1".into(),
            ..ServerSettings::default()
        })
    }

    fn req(host: &str, origin: Option<&str>) -> Request {
        let b = Request::builder().header("host", host);
        match origin {
            Some(o) => b.header("origin", o).finish(),
            None => b.finish(),
        }
    }

    #[test]
    fn loopback_bind_accepts_loopback_hosts_only() {
        let c = loopback();
        assert!(c.check(&req("localhost:3001", None)).is_ok());
        assert!(c.check(&req("127.0.0.1:3001", None)).is_ok());
        assert!(c.check(&req("[::1]:3001", None)).is_ok());
        assert!(c.check(&req("evil.example:3001", None)).is_err());
    }

    #[test]
    fn foreign_origin_is_refused_but_loopback_origin_is_not() {
        let c = loopback();
        assert!(
            c.check(&req("localhost:3001", Some("http://localhost:5173")))
                .is_ok()
        );
        assert!(
            c.check(&req("localhost:3001", Some("https://evil.example")))
                .is_err()
        );
        assert!(c.check(&req("localhost:3001", Some("null"))).is_err());
    }

    #[test]
    fn public_bind_allows_same_origin_and_listed_origins() {
        let c = HostOriginCheck::from_settings(&ServerSettings {
            host: "0.0.0.0".into(),
            allowed_origins: vec!["https://app.example".into()],
            ..ServerSettings::default()
        });
        assert!(
            c.check(&req("mcp.example", Some("https://mcp.example")))
                .is_ok()
        );
        assert!(
            c.check(&req("mcp.example", Some("https://app.example/")))
                .is_ok()
        );
        assert!(
            c.check(&req("mcp.example", Some("https://other.example")))
                .is_err()
        );
    }

    #[test]
    fn explicit_host_list_is_enforced() {
        let c = HostOriginCheck::from_settings(&ServerSettings {
            host: "0.0.0.0".into(),
            allowed_hosts: vec!["mcp.example".into()],
            ..ServerSettings::default()
        });
        assert!(c.check(&req("mcp.example:443", None)).is_ok());
        assert!(c.check(&req("attacker.example", None)).is_err());
    }
}
