//! CORS for the MCP endpoints. Our own small middleware rather than poem's `Cors` because
//! the decision must be the one the Origin check takes (listed origins, `*`, loopback origins
//! on a loopback bind), and same-origin requests, which browsers also send with `Origin`,
//! must pass untouched: poem's `Cors` decides on the origin alone and would refuse them.

use poem::{
    Request, Response,
    http::{HeaderValue, Method, StatusCode, header},
};

use super::{HostOriginCheck, refuse};
use crate::{config::CorsSettings, error::ApiError};

/// Request headers a browser client may send (besides the CORS-safelisted ones).
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type, Accept, Mcp-Session-Id, \
MCP-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name";
/// Response headers a browser client may read.
pub const EXPOSE_HEADERS: &str = "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, \
Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";
/// Methods of the MCP endpoints.
pub const ALLOW_METHODS: &str = "GET, POST, DELETE";

/// The CORS layer.
#[derive(Clone)]
pub struct Cors {
    check: HostOriginCheck,
    allow_credentials: bool,
    max_age: u32,
}

impl Cors {
    /// From `[cors]` and the Origin policy.
    pub fn new(s: &CorsSettings, check: HostOriginCheck) -> Self {
        Self {
            check,
            allow_credentials: s.allow_credentials,
            max_age: s.max_age_secs,
        }
    }

    fn preflight(&self, req: &Request, origin: &HeaderValue) -> Response {
        let method_ok = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|m| ["GET", "POST", "DELETE"].contains(&m));
        let allowed: Vec<String> = ALLOW_HEADERS
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let headers_ok = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .map(|v| v.to_str().unwrap_or("\u{0}"))
            .unwrap_or_default()
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .all(|h| allowed.contains(&h));
        if !method_ok || !headers_ok {
            return refuse(
                req,
                ApiError::Forbidden("CORS preflight: method or headers not allowed".into()),
            );
        }
        let mut resp = Response::builder()
            .status(StatusCode::NO_CONTENT)
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone())
            .header(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS)
            .header(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS)
            .header(header::ACCESS_CONTROL_MAX_AGE, self.max_age)
            .header(header::VARY, "Origin")
            .finish();
        if self.allow_credentials {
            resp.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        resp
    }
}

impl Cors {
    /// Before the request goes on: `Err` with the answer to a preflight (or its refusal);
    /// otherwise the `Origin` to echo in [`Cors::after`] when the request is a cross-origin
    /// one that is allowed.
    #[expect(
        clippy::result_large_err,
        reason = "the Err is the response poem sends as is; boxing it would only add an allocation"
    )]
    pub(super) fn before(
        &self,
        req: &Request,
    ) -> std::result::Result<Option<HeaderValue>, Response> {
        let origin = req.headers().get(header::ORIGIN);
        let cross_allowed = origin
            .and_then(|o| o.to_str().ok())
            .is_some_and(|o| self.check.cors_allows(o));
        let is_preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if is_preflight {
            return Err(match (origin, cross_allowed) {
                (Some(o), true) => self.preflight(req, o),
                _ => refuse(
                    req,
                    ApiError::Forbidden("CORS preflight from an origin that is not allowed".into()),
                ),
            });
        }
        Ok(origin.filter(|_| cross_allowed).cloned())
    }

    /// The CORS headers of a response to an allowed cross-origin request.
    pub(super) fn after(&self, resp: &mut Response, origin: Option<HeaderValue>) {
        let Some(o) = origin else {
            return;
        };
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        if self.allow_credentials {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }
}
