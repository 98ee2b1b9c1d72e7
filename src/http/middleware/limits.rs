//! Request bounds that apply to every route: total header size (431) and the time until a
//! response starts (408). Streaming bodies (SSE) are not cut by the timeout: the handler
//! returns their headers at once; their lifetime is capped in `ratelimit.rs`.

use std::time::Duration;

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};

use super::refuse;
use crate::error::ApiError;

/// Header-size and request-time bounds.
#[derive(Clone, Debug)]
pub struct RequestLimits {
    /// Largest total header size, bytes.
    pub max_header_bytes: usize,
    /// Deadline for the response to start.
    pub timeout: Duration,
}

impl<E: Endpoint> Middleware<E> for RequestLimits {
    type Output = RequestLimitsEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        RequestLimitsEndpoint {
            inner: ep,
            limits: self.clone(),
        }
    }
}

/// The endpoint wrapped by [`RequestLimits`].
pub struct RequestLimitsEndpoint<E> {
    inner: E,
    limits: RequestLimits,
}

impl<E: Endpoint> Endpoint for RequestLimitsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let l = &self.limits;
        let size: usize = req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum();
        if size > l.max_header_bytes {
            return Ok(refuse(&req, ApiError::HeadersTooLarge(l.max_header_bytes)));
        }
        let path = req.uri().path().to_owned();
        let route = super::route_of(&req);
        match tokio::time::timeout(l.timeout, self.inner.call(req)).await {
            Ok(r) => Ok(r?.into_response()),
            Err(_) => {
                tracing::warn!(http.path = %path, timeout_s = l.timeout.as_secs(), "request timed out");
                Ok(super::refuse_on(
                    route,
                    ApiError::RequestTimeout(l.timeout.as_secs()),
                ))
            }
        }
    }
}
