//! Request quotas at the HTTP layer: per client IP before authentication, per principal after
//! it, plus the per-principal cap on concurrent SSE streams and the SSE lifetime cap.
//! Refusals are `429` with `Retry-After` and `x-ratelimit-*`; allowed requests carry the
//! `x-ratelimit-*` headers of the principal quota.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use poem::{
    Body, IntoResponse, Request, Response,
    http::{HeaderName, HeaderValue, Method},
};

use super::{client_ip, route_of};
use crate::telemetry::labels::Route;
use crate::{
    auth::Principal,
    error::{ApiError, RpcError},
    http::AppState,
    ratelimit::{Decision, StreamPermit},
    session::{SecurityEvent, SecurityEventKind},
};

// Set on every admitted request: names parsed once, not per insert.
static LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

fn limited(
    state: &AppState,
    req: &Request,
    principal: Option<&Principal>,
    limiter: &'static str,
    limit: u32,
    retry_after: Duration,
) -> Response {
    state.observers.security_event(&SecurityEvent {
        kind: SecurityEventKind::RateLimited,
        principal: principal.map(Principal::id),
        client_ip: client_ip(req, &state.settings.rate_limit),
        credential: principal.and_then(Principal::credential_tag),
        reason: limiter,
        target: req.uri().path(),
        session: None,
    });
    let retry_after_secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    RpcError(
        ApiError::RateLimited {
            limiter,
            limit,
            retry_after_secs,
        },
        None,
    )
    .into_response()
}

/// The per-IP quota (before authentication): records the client address for the
/// transports, then the refusal when the quota is spent.
pub(super) fn ip_admit(state: &AppState, req: &mut Request) -> Option<Response> {
    let ip = client_ip(req, &state.settings.rate_limit);
    // Handed on to the transports (session-binding events name the client).
    req.extensions_mut().insert(crate::app::ClientIp(ip));
    if state.settings.rate_limit.exempt_loopback && ip.is_some_and(|ip| ip.is_loopback()) {
        return None;
    }
    let key = ip_key(ip);
    match state.limits.check_ip(&key) {
        Decision::Limited { limit, retry_after } => {
            Some(limited(state, req, None, "per_ip", limit, retry_after))
        }
        _ => None,
    }
}

/// The per-IP key. An IPv6 client usually holds a whole /64, so IPv6 addresses are keyed by
/// their /64 prefix: otherwise one client could mint 2^64 keys. The last key made on this
/// thread is handed out again while the address is the same (formatting it was ≈ 1,600
/// instructions a request).
fn ip_key(ip: Option<std::net::IpAddr>) -> Arc<str> {
    thread_local! {
        static LAST: crate::memo::Slot<Option<std::net::IpAddr>, Arc<str>> =
            const { std::cell::RefCell::new(None) };
    }
    crate::memo::last_per_thread(&LAST, ip, fresh_ip_key)
}

fn fresh_ip_key(ip: Option<std::net::IpAddr>) -> Arc<str> {
    match ip {
        Some(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("ip6:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]).into()
        }
        Some(ip) => format!("ip:{}", ip.to_canonical()).into(),
        None => Arc::from("ip:unknown"),
    }
}

/// Whether `req` opens a long-lived SSE stream (`GET /sse`, `GET <mcp_path>`).
fn opens_stream(req: &Request) -> bool {
    req.method() == Method::GET && matches!(route_of(req), Route::Sse | Route::Mcp)
}

/// What the per-principal quota admitted a request with: the quota's headers and the SSE
/// stream slot, applied by [`principal_finish`].
pub(super) struct Admitted {
    decision: Decision,
    permit: Option<StreamPermit>,
}

/// The per-principal quota and SSE stream cap (after authentication): `Err` with the
/// refusal.
#[expect(
    clippy::result_large_err,
    reason = "the Err is the response poem sends as is; boxing it would only add an allocation"
)]
pub(super) fn principal_admit(
    state: &AppState,
    req: &Request,
) -> std::result::Result<Admitted, Response> {
    let principal = match req.extensions().get::<Principal>() {
        Some(p) => p.clone(),
        None => Principal::anonymous(client_ip(req, &state.settings.rate_limit)),
    };
    let key: Arc<str> = Arc::from(principal.id());
    let exempt = crate::ratelimit::exempt(&state.settings.rate_limit, &principal);
    let decision = match exempt {
        true => Decision::Unlimited,
        false => state.limits.check_principal(&key),
    };
    if let Decision::Limited { limit, retry_after } = decision {
        return Err(limited(
            state,
            req,
            Some(&principal),
            "per_principal",
            limit,
            retry_after,
        ));
    }
    let permit = match !exempt && opens_stream(req) {
        true => match state.limits.streams.acquire(&key) {
            Some(p) => Some(p),
            None => {
                emit_cap(state, req, &principal);
                let max = state.limits.streams.max();
                return Err(RpcError(ApiError::TooMany("SSE streams", max), None).into_response());
            }
        },
        false => None,
    };
    Ok(Admitted { decision, permit })
}

/// The response of an admitted request: the quota's `x-ratelimit-*` headers, and an SSE
/// body capped in lifetime that holds the stream slot.
pub(super) fn principal_finish(
    state: &AppState,
    mut resp: Response,
    admitted: Admitted,
) -> Response {
    if let Decision::Allowed {
        limit,
        remaining,
        reset_secs,
    } = admitted.decision
    {
        let h = resp.headers_mut();
        h.insert(LIMIT.clone(), HeaderValue::from(limit));
        h.insert(REMAINING.clone(), HeaderValue::from(remaining));
        h.insert(RESET.clone(), HeaderValue::from(reset_secs));
    }
    if is_event_stream(&resp) {
        let lifetime = state.settings.limits.sse_max_lifetime();
        resp = capped_stream(resp, admitted.permit, lifetime);
    }
    resp
}

fn emit_cap(state: &AppState, req: &Request, p: &Principal) {
    state.observers.security_event(&SecurityEvent {
        kind: SecurityEventKind::CapReached,
        principal: Some(p.id()),
        client_ip: client_ip(req, &state.settings.rate_limit),
        credential: p.credential_tag(),
        reason: "max_streams_per_principal",
        target: req.uri().path(),
        session: None,
    });
}

fn is_event_stream(resp: &Response) -> bool {
    resp.status().is_success()
        && resp
            .headers()
            .get(poem::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// End the SSE body after `lifetime`, and hold the stream slot until the body is dropped.
fn capped_stream(mut resp: Response, permit: Option<StreamPermit>, lifetime: Duration) -> Response {
    let body = resp.take_body().into_bytes_stream();
    let capped = body
        .take_until(tokio::time::sleep(lifetime))
        .map(move |chunk| {
            let _slot = &permit;
            chunk
        });
    resp.set_body(Body::from_bytes_stream(capped));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_prefix() {
        let a = ip_key(Some("2001:db8:1:2:aaaa::1".parse().expect("ip")));
        let b = ip_key(Some("2001:db8:1:2:bbbb::9".parse().expect("ip")));
        let c = ip_key(Some("2001:db8:1:3::1".parse().expect("ip")));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            &*ip_key(Some("::ffff:10.0.0.1".parse().expect("ip"))),
            "ip:10.0.0.1"
        );
    }

    #[test]
    fn a_reused_key_is_the_addresses_own() {
        let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().expect("ip"));
        let first = ip_key(ip("10.0.0.7"));
        assert!(Arc::ptr_eq(&first, &ip_key(ip("10.0.0.7"))), "reused");
        assert_eq!(&*ip_key(ip("10.0.0.8")), "ip:10.0.0.8");
        assert_eq!(&*ip_key(None), "ip:unknown");
        assert_eq!(&*ip_key(ip("10.0.0.7")), "ip:10.0.0.7");
    }
}
