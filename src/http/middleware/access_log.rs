//! One access-log event per request (target `opik_mcp::access`), with stable fields:
//! `request_id`, `http.method`, `http.route` (a template, never the raw path or query),
//! `http.status_code`, `duration_ms`, `mcp.session` (a hash tag of the session id),
//! `auth.subject_hash`, `http.auth` (a hash tag of the credential), `mcp.method` and
//! `mcp.tool`; absent values are `-`.
//!
//! Handlers fill the MCP fields through the request's [`LogContext`] (`app::context`). Every event logged
//! while the request is handled also carries the request id, from the `request` span.
//! For SSE responses the event is written when the stream starts (status and headers).

use std::{sync::Arc, time::Instant};

use poem::{Request, Response, http::Method};

use super::RequestId;
pub use crate::app::LogContext;
use crate::telemetry::labels::{McpMethod, Route};

/// The access log's level (the route comes from [`super::Edge`]).
#[derive(Default, Clone)]
pub struct AccessLog {
    quiet: bool,
}

impl AccessLog {
    /// Log requests at info level.
    pub fn new() -> Self {
        Self::default()
    }

    /// Log at debug level instead (probe traffic).
    pub fn quiet(self) -> Self {
        Self { quiet: true }
    }

    /// Whether the access event passes the log filter (checked per request: the filter can
    /// be changed at run time).
    fn enabled(&self) -> bool {
        if self.quiet {
            tracing::enabled!(target: "opik_mcp::access", tracing::Level::DEBUG)
        } else {
            tracing::enabled!(target: "opik_mcp::access", tracing::Level::INFO)
        }
    }

    /// Start the event of `req`: `None` when it would be filtered out, so its fields (hashes,
    /// the shared context the handlers fill) are not built; they cost more than the rest of a
    /// `ping` (docs/performance.md).
    pub(super) fn start(&self, req: &mut Request, route: Route) -> Option<Logged> {
        if !self.enabled() {
            return None;
        }
        let start = Instant::now();
        let method = req.method().clone();
        // The credential is logged only as a short hash.
        let auth = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .map(|v| {
                let v = String::from_utf8_lossy(v.as_bytes());
                crate::auth::credential_tag(v.split_once(' ').map_or(&*v, |(_, t)| t.trim()))
            });
        let ctx = Arc::new(LogContext::default());
        req.extensions_mut().insert(Arc::clone(&ctx));
        Some(Logged {
            start,
            method,
            route,
            auth,
            ctx,
        })
    }
}

/// The fields of one access event gathered before the request went on.
pub(super) struct Logged {
    start: Instant,
    method: Method,
    route: Route,
    auth: Option<String>,
    ctx: Arc<LogContext>,
}

impl Logged {
    /// Write the event of the request, answered with `resp`.
    pub(super) fn finish(self, log: &AccessLog, rid: &RequestId, resp: &Response) {
        let Self {
            start,
            method,
            route,
            auth,
            ctx,
        } = self;
        let f = ctx.fields();
        macro_rules! access {
            ($level:expr) => {
                tracing::event!(
                    target: "opik_mcp::access",
                    $level,
                    request_id = %rid,
                    http.method = %method,
                    http.route = route.as_str(),
                    http.status_code = resp.status().as_u16(),
                    duration_ms = start.elapsed().as_secs_f64() * 1000.0,
                    mcp.session = f.session.as_deref().unwrap_or("-"),
                    auth.subject_hash = f.subject_hash.as_deref().unwrap_or("-"),
                    http.auth = auth.as_deref().unwrap_or("-"),
                    mcp.method = f.method.map_or("-", McpMethod::as_str),
                    mcp.tool = f.tool.as_deref().unwrap_or("-"),
                    "request"
                )
            };
        }
        if log.quiet {
            access!(tracing::Level::DEBUG);
        } else {
            access!(tracing::Level::INFO);
        }
    }
}
