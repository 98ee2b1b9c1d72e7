//! Request quotas at the HTTP layer: per client IP before authentication, per principal after
//! it, plus the per-principal cap on concurrent SSE streams and the SSE lifetime cap.
//! Refusals are `429` with `Retry-After` and `x-ratelimit-*`; allowed requests carry the
//! `x-ratelimit-*` headers of the principal quota.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use poem::{
    Body, Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, Method},
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

/// Per-IP quota (before authentication).
pub struct IpRateLimit(pub AppState);

/// Per-principal quota, SSE stream cap and SSE lifetime cap (after authentication).
pub struct PrincipalRateLimit(pub AppState);

/// The endpoint wrapped by [`IpRateLimit`].
pub struct IpRateLimitEndpoint<E> {
    inner: E,
    state: AppState,
}

/// The endpoint wrapped by [`PrincipalRateLimit`].
pub struct PrincipalRateLimitEndpoint<E> {
    inner: E,
    state: AppState,
}

impl<E: Endpoint> Middleware<E> for IpRateLimit {
    type Output = IpRateLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        IpRateLimitEndpoint {
            inner: ep,
            state: self.0.clone(),
        }
    }
}

impl<E: Endpoint> Middleware<E> for PrincipalRateLimit {
    type Output = PrincipalRateLimitEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        PrincipalRateLimitEndpoint {
            inner: ep,
            state: self.0.clone(),
        }
    }
}

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

impl<E: Endpoint> Endpoint for IpRateLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let state = &self.state;
        let ip = client_ip(&req, &state.settings.rate_limit);
        // Handed on to the transports (session-binding events name the client).
        req.extensions_mut().insert(crate::app::ClientIp(ip));
        if state.settings.rate_limit.exempt_loopback && ip.is_some_and(|ip| ip.is_loopback()) {
            return Ok(self.inner.call(req).await?.into_response());
        }
        let key = ip_key(ip);
        if let Decision::Limited { limit, retry_after } = state.limits.check_ip(&key) {
            return Ok(limited(state, &req, None, "per_ip", limit, retry_after));
        }
        Ok(self.inner.call(req).await?.into_response())
    }
}

/// The per-IP key. An IPv6 client usually holds a whole /64, so IPv6 addresses are keyed by
/// their /64 prefix: otherwise one client could mint 2^64 keys.
fn ip_key(ip: Option<std::net::IpAddr>) -> Arc<str> {
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

impl<E: Endpoint> Endpoint for PrincipalRateLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let state = &self.state;
        let principal = match req.extensions().get::<Principal>() {
            Some(p) => p.clone(),
            None => Principal::anonymous(client_ip(&req, &state.settings.rate_limit)),
        };
        let key: Arc<str> = Arc::from(principal.id());
        let exempt = crate::ratelimit::exempt(&state.settings.rate_limit, &principal);
        let decision = match exempt {
            true => Decision::Unlimited,
            false => state.limits.check_principal(&key),
        };
        if let Decision::Limited { limit, retry_after } = decision {
            return Ok(limited(
                state,
                &req,
                Some(&principal),
                "per_principal",
                limit,
                retry_after,
            ));
        }
        let permit = match !exempt && opens_stream(&req) {
            true => match state.limits.streams.acquire(&key) {
                Some(p) => Some(p),
                None => {
                    emit_cap(state, &req, &principal);
                    let max = state.limits.streams.max();
                    return Ok(
                        RpcError(ApiError::TooMany("SSE streams", max), None).into_response()
                    );
                }
            },
            false => None,
        };
        let mut resp = self.inner.call(req).await?.into_response();
        if let Decision::Allowed {
            limit,
            remaining,
            reset_secs,
        } = decision
        {
            let h = resp.headers_mut();
            h.insert("x-ratelimit-limit", HeaderValue::from(limit));
            h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
            h.insert("x-ratelimit-reset", HeaderValue::from(reset_secs));
        }
        if is_event_stream(&resp) {
            let lifetime = state.settings.limits.sse_max_lifetime();
            resp = capped_stream(resp, permit, lifetime);
        }
        Ok(resp)
    }
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
            .get("content-type")
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
}
