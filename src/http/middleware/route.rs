//! The route of each request, classified once by the outermost layer ([`super::Edge`]) and kept in the
//! request extensions: the other middlewares read it ([`route_of`]) to label metrics and
//! logs and to shape refusals (JSON-RPC on the MCP routes) instead of comparing paths again.

use poem::Request;

use crate::telemetry::labels::Route;

/// The route [`super::Edge`] gave `req` (`Other` when it did not run).
pub fn route_of(req: &Request) -> Route {
    req.extensions()
        .get::<Route>()
        .copied()
        .unwrap_or(Route::Other)
}

/// Whether `route` is one of the MCP endpoints (their errors are JSON-RPC shaped).
pub fn is_mcp(route: Route) -> bool {
    matches!(route, Route::Mcp | Route::Sse | Route::Messages)
}
