//! Request ids: accept the caller's `X-Request-Id` when it is sane, otherwise mint one; store
//! it in the request's extensions (for the access log and handlers) and return it on every
//! response.
//!
//! Not poem's `RequestId` middleware: that one copies any incoming value unchecked (log
//! injection, unbounded length) and drops the header when the inner endpoint errors.

use std::sync::Arc;

use poem::{
    Request, Response,
    http::{HeaderName, HeaderValue},
};

/// The header carrying the id, both ways (a `HeaderName`: looked up and set on every request).
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Longest incoming id we keep.
const MAX_LEN: usize = 128;

/// The id of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// A fresh id: 128 random bits as 32 hex characters (encoded in place: `format!` cost
    /// ≈ 800 instructions a request).
    pub fn mint() -> Self {
        let mut hex = [0u8; 32];
        let bits = rand::random::<u128>().to_be_bytes();
        hex::encode_to_slice(bits, &mut hex).expect("32 hex digits for 16 bytes");
        Self(std::str::from_utf8(&hex).expect("hex is ASCII").into())
    }

    /// An incoming id, if it is 1–128 characters of `[A-Za-z0-9._:+/=@-]`.
    pub fn accept(value: &str) -> Option<Self> {
        let ok = !value.is_empty()
            && value.len() <= MAX_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._:+/=@-".contains(&b));
        ok.then(|| Self(value.into()))
    }

    /// The id of `req` (set by [`super::Edge`]), if any.
    pub fn of(req: &Request) -> Option<&Self> {
        req.extensions().get::<Self>()
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of `req`: its `X-Request-Id` when sane, else a fresh one.
pub(super) fn of_request(req: &Request) -> RequestId {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::accept)
        .unwrap_or_else(RequestId::mint)
}

/// Return the id on the response.
pub(super) fn stamp(resp: &mut Response, id: &RequestId) {
    if let Ok(v) = HeaderValue::from_str(id.as_str()) {
        resp.headers_mut().insert(REQUEST_ID_HEADER.clone(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_incoming_ids_are_kept_and_others_refused() {
        assert!(RequestId::accept("req-42_a.b:c").is_some());
        assert!(RequestId::accept("").is_none());
        assert!(RequestId::accept("a b").is_none());
        assert!(RequestId::accept("line\nforged").is_none());
        assert!(RequestId::accept(&"x".repeat(129)).is_none());
    }

    #[test]
    fn minted_ids_are_32_hex_and_differ() {
        let (a, b) = (RequestId::mint(), RequestId::mint());
        assert_eq!(a.as_str().len(), 32);
        assert!(
            a.as_str()
                .bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }
}
