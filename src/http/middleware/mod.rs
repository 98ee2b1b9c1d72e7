//! poem middlewares: one concern per file.

pub mod access_log;
mod auth;
mod cors;
pub mod host;
mod limits;
mod metrics;
mod origin;
mod ratelimit;
mod request_id;
mod route;

pub use access_log::{AccessLog, LogContext};
pub use auth::Authenticate;
pub use cors::{ALLOW_HEADERS, ALLOW_METHODS, Cors, EXPOSE_HEADERS};
pub use limits::RequestLimits;
pub use metrics::HttpMetrics;
pub use origin::HostOriginCheck;
pub use ratelimit::{IpRateLimit, PrincipalRateLimit};
pub use request_id::{REQUEST_ID_HEADER, RequestId, RequestIdLayer};
pub use route::{ClassifyRoute, route_of};

use std::net::IpAddr;

use poem::{IntoResponse, Request, Response};

use crate::{
    config::RateLimitSettings,
    error::{ApiError, RpcError},
};

/// The error response for a request refused by a middleware, shaped for its route.
pub(crate) fn refuse(req: &Request, e: ApiError) -> Response {
    refuse_on(route_of(req), e)
}

/// [`refuse`], for a request already handed on (its route read before).
pub(crate) fn refuse_on(route: crate::telemetry::labels::Route, e: ApiError) -> Response {
    if route::is_mcp(route) {
        RpcError(e, None).into_response()
    } else {
        e.into_response()
    }
}

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
