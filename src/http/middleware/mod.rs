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

pub use access_log::{AccessLog, LogContext};
pub use auth::Authenticate;
pub use cors::{ALLOW_HEADERS, ALLOW_METHODS, Cors, EXPOSE_HEADERS};
pub use limits::RequestLimits;
pub use metrics::HttpMetrics;
pub use origin::HostOriginCheck;
pub use ratelimit::{IpRateLimit, PrincipalRateLimit};
pub use request_id::{REQUEST_ID_HEADER, RequestId, RequestIdLayer};

use std::net::IpAddr;

use poem::{IntoResponse, Request, Response};

use crate::{
    config::RateLimitSettings,
    error::{ApiError, RpcError},
};

/// Whether `path` is one of the MCP endpoints (their errors are JSON-RPC shaped).
pub(crate) fn is_mcp_path(path: &str, mcp_path: &str) -> bool {
    path == "/sse" || path == "/messages" || path == mcp_path
}

/// The error response for a request refused by a middleware, shaped for its route.
pub(crate) fn refuse(path: &str, mcp_path: &str, e: ApiError) -> Response {
    if is_mcp_path(path, mcp_path) {
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
