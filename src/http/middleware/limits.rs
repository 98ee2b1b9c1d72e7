//! Request bounds that apply to every route: total header size (431) and the time until a
//! response starts (408). Streaming bodies (SSE) are not cut by the timeout: the handler
//! returns their headers at once; their lifetime is capped in `ratelimit.rs`.

use std::time::Duration;

use poem::{Request, Response, http::Uri};

use super::refuse;
use crate::{error::ApiError, telemetry::labels::Route};

/// Header-size and request-time bounds.
#[derive(Clone, Debug)]
pub struct RequestLimits {
    /// Largest total header size, bytes.
    pub max_header_bytes: usize,
    /// Deadline for the response to start.
    pub timeout: Duration,
}

impl RequestLimits {
    /// The `431` of a request whose headers are larger than allowed.
    pub(super) fn refusal(&self, req: &Request) -> Option<Response> {
        let size: usize = req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum();
        (size > self.max_header_bytes)
            .then(|| refuse(req, ApiError::HeadersTooLarge(self.max_header_bytes)))
    }

    /// The `408` of a request to `uri` on `route` that got no response in time (logged).
    pub(super) fn timed_out(&self, uri: &Uri, route: Route) -> Response {
        let timeout_s = self.timeout.as_secs();
        tracing::warn!(http.path = %uri.path(), timeout_s, "request timed out");
        super::refuse_on(route, ApiError::RequestTimeout(timeout_s))
    }
}
