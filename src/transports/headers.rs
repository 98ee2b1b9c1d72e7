//! Header and body checks shared by the MCP routes.

use poem::{Body, Request};

use crate::error::ApiError;

/// The session header (case-insensitive on the wire).
pub const SESSION_HEADER: &str = "mcp-session-id";
/// The protocol version header.
pub const VERSION_HEADER: &str = "mcp-protocol-version";

/// Whether `Accept` allows `mime` (exact, `type/*` or `*/*`).
pub fn accepts(req: &Request, mime: &str) -> bool {
    let major = mime.split('/').next().unwrap_or_default();
    req.headers()
        .get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|item| item.split(';').next().unwrap_or_default().trim())
        .any(|m| {
            m.eq_ignore_ascii_case(mime)
                || m == "*/*"
                || m.strip_suffix("/*")
                    .is_some_and(|t| t.eq_ignore_ascii_case(major))
        })
}

/// `Content-Type` must be `application/json` (parameters such as charset allowed).
pub fn require_json_content(req: &Request) -> Result<(), ApiError> {
    let ok = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// Read the whole body, refusing more than `limit` bytes with 413.
pub async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    body.into_bytes_limit(limit).await.map_err(|e| match e {
        poem::error::ReadBodyError::PayloadTooLarge => ApiError::PayloadTooLarge(limit),
        other => ApiError::InvalidRequest(format!("could not read the body: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accept(v: &str) -> Request {
        Request::builder().header("accept", v).finish()
    }

    #[test]
    fn accept_matches_exact_wildcards_and_lists() {
        let r = with_accept("application/json, text/event-stream;q=0.9");
        assert!(accepts(&r, "application/json"));
        assert!(accepts(&r, "text/event-stream"));
        assert!(accepts(&with_accept("*/*"), "text/event-stream"));
        assert!(accepts(&with_accept("text/*"), "text/event-stream"));
        assert!(!accepts(&with_accept("text/html"), "application/json"));
        assert!(!accepts(&Request::builder().finish(), "application/json"));
    }

    #[test]
    fn content_type_allows_parameters_but_not_other_types() {
        let ok = Request::builder()
            .header("content-type", "application/json; charset=utf-8")
            .finish();
        assert!(require_json_content(&ok).is_ok());
        let bad = Request::builder()
            .header("content-type", "text/plain")
            .finish();
        assert!(require_json_content(&bad).is_err());
    }
}
