//! The route of each request, classified once by the outermost middleware and kept in the
//! request extensions: the other middlewares read it ([`route_of`]) to label metrics and
//! logs and to shape refusals (JSON-RPC on the MCP routes) instead of comparing paths again.

use std::sync::Arc;

use poem::{Endpoint, Middleware, Request, Result};

use crate::telemetry::labels::Route;

/// The classifying middleware; `mcp_path` is the Streamable HTTP path.
pub struct ClassifyRoute {
    mcp_path: Arc<str>,
}

impl ClassifyRoute {
    /// Classify with this Streamable HTTP path.
    pub fn new(mcp_path: &str) -> Self {
        Self {
            mcp_path: mcp_path.into(),
        }
    }
}

impl<E: Endpoint> Middleware<E> for ClassifyRoute {
    type Output = ClassifyRouteEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ClassifyRouteEndpoint {
            inner: ep,
            mcp_path: Arc::clone(&self.mcp_path),
        }
    }
}

/// The endpoint wrapped by [`ClassifyRoute`].
pub struct ClassifyRouteEndpoint<E> {
    inner: E,
    mcp_path: Arc<str>,
}

impl<E: Endpoint> Endpoint for ClassifyRouteEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        let route = Route::classify(req.uri().path(), &self.mcp_path);
        req.extensions_mut().insert(route);
        self.inner.call(req).await
    }
}

/// The route [`ClassifyRoute`] gave `req` (`Other` when it did not run).
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
