//! The layers every request of a listener goes through, outermost first: route classification
//! (once, into the request extensions, read by every later step) → catch-panic → request id →
//! access log → metrics → request limits (header size, then the timeout) → the app.
//!
//! One endpoint rather than a poem middleware per step: each middleware is a future of its
//! own holding its own copy of the request (about half a kilobyte), and the whole stack is
//! moved to the heap for every request. Each step keeps its own file (`route.rs`,
//! `request_id.rs`, `access_log.rs`, `metrics.rs`, `limits.rs`); this only runs them.

use std::{any::Any, panic::AssertUnwindSafe, sync::Arc};

use futures::FutureExt;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tracing::Instrument;

use super::{AccessLog, RequestLimits, metrics::Measure, request_id};
use crate::{error::ApiError, telemetry::labels::Route};

/// The outer layers of a listener.
pub struct Edge {
    mcp_path: Arc<str>,
    log: AccessLog,
    limits: RequestLimits,
}

impl Edge {
    /// With this Streamable HTTP path (to classify routes) and these limits; the access log
    /// at info level.
    pub fn new(mcp_path: &str, limits: RequestLimits) -> Self {
        Self {
            mcp_path: mcp_path.into(),
            log: AccessLog::new(),
            limits,
        }
    }

    /// Log requests at debug level instead (probe traffic).
    pub fn quiet(self) -> Self {
        Self {
            log: self.log.quiet(),
            ..self
        }
    }
}

impl<E: Endpoint> Middleware<E> for Edge {
    type Output = EdgeEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        EdgeEndpoint {
            inner: ep,
            mcp_path: Arc::clone(&self.mcp_path),
            log: self.log.clone(),
            limits: self.limits.clone(),
        }
    }
}

/// The endpoint wrapped by [`Edge`].
pub struct EdgeEndpoint<E> {
    inner: E,
    mcp_path: Arc<str>,
    log: AccessLog,
    limits: RequestLimits,
}

impl<E: Endpoint> Endpoint for EdgeEndpoint<E> {
    type Output = Response;

    // An `async fn`, not the future built here and wrapped: wrapping moves the whole future
    // (several kilobytes) once per wrapper, where an `async fn` builds its inner future in
    // place when first polled.
    async fn call(&self, mut req: Request) -> Result<Response> {
        let route = Route::classify(req.uri().path(), &self.mcp_path);
        req.extensions_mut().insert(route);
        let observed = AssertUnwindSafe(self.observed(req, route)).catch_unwind();
        Ok(observed.await.unwrap_or_else(panic_response))
    }
}

impl<E: Endpoint> EdgeEndpoint<E> {
    /// Request id, access log and metrics around the limited request.
    async fn observed(&self, mut req: Request, route: Route) -> Response {
        let id = request_id::of_request(&req);
        req.extensions_mut().insert(id.clone());
        let span = tracing::info_span!("request", request_id = %id);
        let logged = self.log.start(&mut req, route);
        let measure = Measure::start(&req, route);
        let resp = match self.limits.refusal(&req) {
            Some(refused) => refused,
            None => {
                let uri = req.uri().clone();
                let limited = tokio::time::timeout(self.limits.timeout, self.inner.call(req));
                match limited.instrument(span.clone()).await {
                    Ok(Ok(r)) => r.into_response(),
                    Ok(Err(e)) => e.into_response(),
                    Err(_) => span.in_scope(|| self.limits.timed_out(&uri, route)),
                }
            }
        };
        let mut resp = measure.finish(resp);
        if let Some(logged) = logged {
            logged.finish(&self.log, &id, &resp);
        }
        request_id::stamp(&mut resp, &id);
        resp
    }
}

/// The answer to a request whose handler panicked: an opaque 500.
fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}
