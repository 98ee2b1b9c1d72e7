//! poem middlewares: one concern per file.

pub mod access_log;
mod auth;
mod cors;
mod edge;
mod guard;
pub mod host;
mod limits;
mod metrics;
mod origin;
mod ratelimit;
mod request_id;
mod route;

pub use access_log::{AccessLog, LogContext};
pub use cors::{ALLOW_HEADERS, ALLOW_METHODS, Cors, EXPOSE_HEADERS};
pub use edge::Edge;
pub use guard::McpGuard;
pub use limits::RequestLimits;
pub use origin::HostOriginCheck;
pub use request_id::{REQUEST_ID_HEADER, RequestId};
pub use route::route_of;
// Worked out with the quotas it keys (the OAuth broker needs it too); the middlewares call
// it from here.
pub use crate::ratelimit::client_ip;

use poem::{IntoResponse, Request, Response};

use crate::error::{ApiError, RpcError};

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
