//! Header and body checks shared by the MCP routes.

use poem::{
    Body, Request,
    http::{HeaderName, header},
};

use crate::error::ApiError;

// Header names as `HeaderName`s: a lookup by `&str` parses the name on every call (it showed
// in the request path's profile, ≈ 300 instructions a lookup).
/// The session header (case-insensitive on the wire).
pub static SESSION_HEADER: HeaderName = HeaderName::from_static("mcp-session-id");
/// The protocol version header.
pub static VERSION_HEADER: HeaderName = HeaderName::from_static("mcp-protocol-version");
/// Asks a proxy in front (nginx) not to buffer an event stream.
pub static X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// Whether `Accept` allows `mime` (exact, `type/*` or `*/*`; parameters ignored).
pub fn accepts(req: &Request, mime: &str) -> bool {
    let major = mime.split_once('/').map_or(mime, |(t, _)| t).as_bytes();
    let allows = |item: &[u8]| {
        let m = item
            .split(|&b| b == b';')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        m.eq_ignore_ascii_case(mime.as_bytes())
            || m == b"*/*"
            || m.strip_suffix(b"/*")
                .is_some_and(|t| t.eq_ignore_ascii_case(major))
    };
    req.headers()
        .get_all(header::ACCEPT)
        .iter()
        .any(|v| v.as_bytes().split(|&b| b == b',').any(allows))
}

/// `Content-Type` must be `application/json` (parameters such as charset allowed).
pub fn require_json_content(req: &Request) -> Result<(), ApiError> {
    let ok = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.as_bytes().split(|&b| b == b';').next())
        .is_some_and(|m| m.trim_ascii().eq_ignore_ascii_case(b"application/json"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// Read the whole body, refusing more than `limit` bytes with 413.
///
/// Not poem's `Body::into_bytes_limit`: it copies every body through a 4 KiB buffer that is
/// part of its future, and that future is moved into poem's box on every request (4,288 of
/// the 5,136 bytes of a Streamable POST's future). Here a body that arrives as one frame —
/// the usual JSON-RPC message — is kept as it came, without a copy.
pub async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    use futures::StreamExt;

    let too_large = || ApiError::PayloadTooLarge(limit);
    let failed =
        |e: std::io::Error| ApiError::InvalidRequest(format!("could not read the body: io: {e}"));
    let mut frames = std::pin::pin!(body.into_bytes_stream());
    let Some(first) = frames.next().await.transpose().map_err(failed)? else {
        return Ok(bytes::Bytes::new());
    };
    if first.len() > limit {
        return Err(too_large());
    }
    let Some(second) = frames.next().await.transpose().map_err(failed)? else {
        return Ok(first);
    };
    let mut data = bytes::BytesMut::from(first);
    let mut next = Some(second);
    while let Some(frame) = next {
        if data.len() + frame.len() > limit {
            return Err(too_large());
        }
        data.extend_from_slice(&frame);
        next = frames.next().await.transpose().map_err(failed)?;
    }
    Ok(data.freeze())
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
        // Case, blanks around items and parameters, several Accept headers.
        assert!(accepts(
            &with_accept("TEXT/Event-Stream ; q=1"),
            "text/event-stream"
        ));
        assert!(accepts(
            &with_accept(" text/plain ,\tapplication/json"),
            "application/json"
        ));
        assert!(!accepts(&with_accept("application/*"), "text/event-stream"));
        assert!(!accepts(
            &with_accept("text/event-streams"),
            "text/event-stream"
        ));
        assert!(!accepts(&with_accept(""), "application/json"));
        let two = Request::builder()
            .header("accept", "text/html")
            .header("accept", "application/json")
            .finish();
        assert!(accepts(&two, "application/json"));
        assert!(!accepts(&two, "text/event-stream"));
    }

    fn frames(parts: &[&'static str]) -> Body {
        let parts: Vec<_> = parts
            .iter()
            .map(|p| Ok::<_, std::io::Error>(bytes::Bytes::from_static(p.as_bytes())))
            .collect();
        Body::from_bytes_stream(futures::stream::iter(parts))
    }

    #[tokio::test]
    async fn a_body_is_read_whole_in_one_frame_or_several_up_to_its_limit() {
        let one = read_body(frames(&["{\"a\":1}"]), 7)
            .await
            .expect("at the limit");
        assert_eq!(&one[..], b"{\"a\":1}");
        let many = read_body(frames(&["ab", "", "cd", "e"]), 5)
            .await
            .expect("at the limit");
        assert_eq!(&many[..], b"abcde");
        let none = read_body(frames(&[]), 0).await.expect("empty");
        assert!(none.is_empty());
        for body in [
            frames(&["12345678"]),
            frames(&["1234", "5678"]),
            frames(&["1", "2", "345678"]),
        ] {
            let err = read_body(body, 7).await.expect_err("over the limit");
            assert!(matches!(err, ApiError::PayloadTooLarge(7)), "{err:?}");
        }
        let broken = Body::from_bytes_stream(futures::stream::iter([
            Ok(bytes::Bytes::from_static(b"ab")),
            Err(std::io::Error::other("reset")),
        ]));
        let err = read_body(broken, 100).await.expect_err("a failed read");
        assert!(
            err.to_string()
                .contains("could not read the body: io: reset"),
            "{err}"
        );
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
