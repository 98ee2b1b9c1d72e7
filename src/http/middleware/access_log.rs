//! One access-log event per request.

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

/// Logs method, path, status and duration of every request.
pub struct AccessLog;

impl<E: Endpoint> Middleware<E> for AccessLog {
    type Output = AccessLogEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        AccessLogEndpoint(ep)
    }
}

/// The endpoint wrapped by [`AccessLog`].
pub struct AccessLogEndpoint<E>(E);

impl<E: Endpoint> Endpoint for AccessLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let start = Instant::now();
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        // The credential is logged only as a short hash.
        let auth = req.headers().get("authorization").map(|v| {
            let v = String::from_utf8_lossy(v.as_bytes());
            crate::auth::credential_tag(v.split_once(' ').map_or(&*v, |(_, t)| t.trim()))
        });
        let resp = match self.0.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        tracing::info!(
            http.method = %method,
            http.path = %path,
            http.status_code = resp.status().as_u16(),
            http.auth = auth.as_deref().unwrap_or_default(),
            duration_ms = start.elapsed().as_secs_f64() * 1000.0,
            "request"
        );
        Ok(resp)
    }
}
