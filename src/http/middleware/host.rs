//! The request's authority (`Host`), parsed strictly, and the checks built on it.
//!
//! RFC 9112 §3.2: a request with more than one `Host` line, or an invalid `Host` value, gets
//! `400`. Lenient parsing is how DNS-rebinding checks are bypassed: `[::1]evil.example` read
//! as "host `::1`", or an absolute-form target (`GET http://evil.example/mcp`) whose authority
//! the server is meant to prefer over `Host`. So here: one `Host` at most; an HTTP/1 request
//! target must be origin-form (a path), never absolute- or authority-form; an HTTP/2
//! `:authority` must agree with a `Host` sent beside it; and the value must be
//! `reg-name[:port]`, `IPv4[:port]` or `[IPv6][:port]` with nothing else around it.
//!
//! [`syntax_refusal`] applies this to every request of the public listener; the MCP routes' Host/Origin
//! check and the admin listener's host check read the parsed name from [`authority`].

use std::{
    borrow::Cow,
    net::{IpAddr, Ipv6Addr},
    sync::Arc,
};

use poem::{Endpoint, IntoResponse, Request, Response, Result, http::Version};

use super::refuse;
use crate::{
    error::ApiError,
    telemetry::{labels::OriginRejection, metrics},
};

/// A request's authority, as the client sent it: borrowed from the request unless it had to
/// be lower-cased (every request's `Host` is parsed, twice on the MCP routes; two `String`s
/// each time showed in the request path's profile).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Authority<'a> {
    /// The host, lower-cased, without brackets or port (`localhost`, `::1`, `10.0.0.1`).
    pub host: Cow<'a, str>,
    /// The whole authority, lower-cased (`localhost:3001`, `[::1]:3001`).
    pub raw: Cow<'a, str>,
}

impl Authority<'_> {
    /// Whether the host is an IP address literal.
    pub fn is_ip(&self) -> bool {
        self.host.parse::<IpAddr>().is_ok()
    }

    /// Whether the host is `localhost` or a loopback address.
    pub fn is_loopback(&self) -> bool {
        is_loopback_name(&self.host)
    }
}

/// Whether `name` (a host without port or brackets) is `localhost` or a loopback address.
pub fn is_loopback_name(name: &str) -> bool {
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The request's authority: `Host`, or the HTTP/2 `:authority` when no `Host` was sent.
/// `Ok(None)` when there is neither (HTTP/1.0). Errors say what is wrong, for a `400`.
pub fn authority(req: &Request) -> Result<Option<Authority<'_>>, String> {
    let mut hosts = req.headers().get_all(poem::http::header::HOST).iter();
    let header = hosts.next();
    if hosts.next().is_some() {
        return Err("more than one Host header".into());
    }
    // Inside a nested route poem rewrites `uri`; the original keeps what the client sent.
    let uris = [req.original_uri(), req.uri()];
    let target = uris.iter().find_map(|u| u.authority());
    let absolute = uris.iter().any(|u| u.scheme().is_some()) || target.is_some();
    if req.version() < Version::HTTP_2 && absolute {
        return Err("the request target must be a path (absolute-form is not accepted)".into());
    }
    let header = match header {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| "the Host header is not valid text".to_owned())?,
        ),
        None => None,
    };
    let value = match (header, target) {
        (Some(h), Some(t)) if !h.eq_ignore_ascii_case(t.as_str()) => {
            return Err("the Host header differs from the request's :authority".into());
        }
        (Some(h), _) => h,
        (None, Some(t)) => t.as_str(),
        (None, None) if req.version() == Version::HTTP_11 => {
            return Err("the Host header is required".into());
        }
        (None, None) => return Ok(None),
    };
    parse(value)
        .map(Some)
        .ok_or_else(|| format!("the Host header {value:?} is not a valid host[:port]"))
}

/// Parse `host[:port]` strictly (see the module doc).
pub fn parse(value: &str) -> Option<Authority<'_>> {
    if !value.bytes().any(|b| b.is_ascii_uppercase()) {
        return parse_lower(value);
    }
    let lower = value.to_ascii_lowercase();
    let host = parse_lower(&lower)?.host.into_owned();
    Some(Authority {
        host: Cow::Owned(host),
        raw: Cow::Owned(lower),
    })
}

/// [`parse`] of a value without upper-case letters.
fn parse_lower(raw: &str) -> Option<Authority<'_>> {
    let (host, port) = match raw.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            v6.parse::<Ipv6Addr>().ok()?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':')?),
            };
            (v6, port)
        }
        None => match raw.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (raw, None),
        },
    };
    let name_ok = |h: &str| {
        !h.is_empty()
            && h.len() <= 253
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
    };
    if !raw.starts_with('[') && !name_ok(host) {
        return None;
    }
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return None;
    }
    Some(Authority {
        host: Cow::Borrowed(host),
        raw: Cow::Borrowed(raw),
    })
}

/// The `400` of a request whose authority is missing, doubled or malformed (on the MCP
/// routes with a JSON-RPC body).
pub fn syntax_refusal(req: &Request) -> Option<Response> {
    let why = authority(req).err()?;
    tracing::debug!(reason = %why, "request refused: bad Host");
    Some(refuse(req, ApiError::InvalidRequest(why)))
}

/// The admin listener's DNS-rebinding guard: a browser tricked into calling the admin port
/// under an attacker's domain sends that domain as `Host`. Accepted: IP literals (probes
/// and Prometheus scrape by address), `localhost`, the names in `admin.allowed_hosts`, and
/// no `Host` at all (HTTP/1.0 tools; browsers always send one).
#[derive(Debug, Clone)]
pub struct AdminHosts(Arc<Vec<String>>);

impl AdminHosts {
    /// From `admin.allowed_hosts`.
    pub fn new(names: &[String]) -> Self {
        Self(Arc::new(
            names.iter().map(|n| n.to_ascii_lowercase()).collect(),
        ))
    }

    fn allows(&self, a: &Authority<'_>) -> bool {
        a.is_ip() || a.host == "localhost" || self.0.iter().any(|n| *n == a.host)
    }

    /// Refuse a request whose `Host` is malformed (`400`) or a name not allowed (`403`).
    pub async fn check<E: Endpoint>(self, ep: Arc<E>, req: Request) -> Result<Response> {
        let refused = match authority(&req) {
            Err(why) => Some(ApiError::InvalidRequest(why)),
            Ok(Some(a)) if !self.allows(&a) => Some(ApiError::Forbidden(format!(
                "Host {:?} is not allowed on the admin listener (admin.allowed_hosts)",
                a.host
            ))),
            Ok(_) => None,
        };
        if let Some(e) = refused {
            metrics::origin_rejected(OriginRejection::Host);
            tracing::warn!(reason = %e, "admin request refused by the Host check");
            return Ok(e.into_response());
        }
        Ok(ep.call(req).await?.into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(target: &str, hosts: &[&str]) -> Request {
        let mut b = Request::builder().uri(target.parse().expect("uri"));
        for h in hosts {
            b = b.header("host", *h);
        }
        b.finish()
    }

    #[test]
    fn ordinary_hosts_parse_with_and_without_ports() {
        for (v, host) in [
            ("localhost:3001", "localhost"),
            ("MCP.Example.com", "mcp.example.com"),
            ("127.0.0.1:80", "127.0.0.1"),
            ("[::1]:3001", "::1"),
            ("[::1]", "::1"),
        ] {
            assert_eq!(parse(v).expect(v).host, host);
        }
        // Lower-cased values are borrowed; the whole authority is lower-cased too.
        let mixed = parse("MCP.Example.com:8080").expect("valid");
        assert_eq!(mixed.raw, "mcp.example.com:8080");
        assert!(matches!(
            parse("localhost:1").expect("valid").raw,
            Cow::Borrowed(_)
        ));
        assert_eq!(parse("[::1]:3001").expect("valid").raw, "[::1]:3001");
    }

    #[test]
    fn bracket_tricks_ports_and_stray_characters_are_refused() {
        for v in [
            "[::1]evil.com",
            "[::1]:80evil",
            "[evil.com]",
            "localhost:",
            "localhost:99999",
            "localhost:80:80",
            "evil.com@localhost",
            "local host",
            "localhost/x",
            "",
            "::1",
        ] {
            assert!(parse(v).is_none(), "{v:?} accepted");
        }
    }

    #[test]
    fn duplicate_hosts_and_absolute_form_targets_are_refused() {
        assert!(authority(&req("/mcp", &["localhost", "localhost"])).is_err());
        assert!(authority(&req("http://evil.example/mcp", &["localhost"])).is_err());
        assert!(
            authority(&req("/mcp", &[])).is_err(),
            "HTTP/1.1 needs a Host"
        );
        let r = req("/mcp", &["localhost:3001"]);
        let ok = authority(&r).expect("valid");
        assert!(ok.expect("some").is_loopback());
    }
}
