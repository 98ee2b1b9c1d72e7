//! Small HTTP pieces the broker's endpoints share: the broker from request data, CORS for
//! the endpoints browser-based clients call (metadata, JWKS, register, token, revoke: no
//! cookies, any origin), form bodies, the browser-binding cookie.

use std::{collections::HashMap, net::IpAddr, sync::Arc};

use poem::{
    Endpoint, EndpointExt, IntoResponse, Request, Response,
    http::{Method, StatusCode},
};

use super::{
    Broker,
    error::{Code, JsonError},
};

/// Largest form body (token, revoke, consent).
pub const MAX_FORM: usize = 16 * 1024;

/// The broker attached to the route (`Broker::register`).
pub fn broker(req: &Request) -> Arc<Broker> {
    #[expect(
        clippy::expect_used,
        reason = "every broker route is registered with the broker as data"
    )]
    req.data::<Arc<Broker>>()
        .cloned()
        .expect("the broker is attached to its routes")
}

/// Answer CORS preflights and let any origin read the answer (these endpoints take no
/// cookies; a browser-based MCP client must be able to call them).
pub fn cors<E: Endpoint + 'static>(ep: E) -> impl Endpoint<Output = Response> {
    ep.around(|ep, req| async move {
        if req.method() == Method::OPTIONS {
            return Ok(Response::builder()
                .status(StatusCode::NO_CONTENT)
                .header("access-control-allow-origin", "*")
                .header("access-control-allow-methods", "GET, POST, OPTIONS")
                .header(
                    "access-control-allow-headers",
                    "authorization, content-type, mcp-protocol-version",
                )
                .header("access-control-max-age", "86400")
                .finish());
        }
        let mut resp = ep.call(req).await?.into_response();
        resp.headers_mut().insert(
            "access-control-allow-origin",
            poem::http::HeaderValue::from_static("*"),
        );
        Ok(resp)
    })
}

/// Answer only POST (and, through [`cors`], its preflight): any other method is a 405 with
/// `Allow: POST`, as RFC 9110 wants, rather than an OAuth error about the body.
pub fn post_only<E: Endpoint<Output = Response> + 'static>(
    ep: E,
) -> impl Endpoint<Output = Response> {
    ep.around(|ep, req| async move {
        if req.method() != Method::POST {
            return Ok(method_not_allowed("POST"));
        }
        ep.call(req).await
    })
}

/// 405 with `Allow`.
pub fn method_not_allowed(allow: &'static str) -> Response {
    let mut resp = JsonError::new(Code::InvalidRequest, format!("use {allow}")).into_response();
    resp.set_status(StatusCode::METHOD_NOT_ALLOWED);
    resp.headers_mut()
        .insert("allow", poem::http::HeaderValue::from_static(allow));
    resp
}

/// Parse a form body; a parameter given twice is refused (RFC 6749 §3.1, §3.2).
pub fn form(body: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("parameter {k} given more than once"));
        }
    }
    Ok(out)
}

/// Read a form body of a POST.
pub async fn read_form(req: &mut Request) -> Result<HashMap<String, String>, JsonError> {
    if *req.method() != Method::POST {
        return Err(JsonError::new(Code::InvalidRequest, "use POST"));
    }
    let ct = req.content_type().unwrap_or_default();
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return Err(JsonError::new(
            Code::InvalidRequest,
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let body = req
        .take_body()
        .into_bytes_limit(MAX_FORM)
        .await
        .map_err(|_| JsonError::new(Code::InvalidRequest, "body larger than 16 KiB"))?;
    form(&body).map_err(|d| JsonError::new(Code::InvalidRequest, d))
}

/// Name of the browser-binding cookie (`__Host-` needs https; on loopback http the plain
/// name).
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-opik-mcp-signin"
    } else {
        "opik-mcp-signin"
    }
}

/// The browser-binding cookie's value, if the request carries it.
pub fn cookie(req: &Request, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    req.headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The `Set-Cookie` value binding the sign-in to this browser (`HttpOnly`; Lax, so it comes
/// back on the provider's top-level redirect to the callback).
pub fn set_cookie(value: &str, secure: bool, max_age: u64) -> String {
    let secure_attr = if secure { "; Secure" } else { "" };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure_attr}",
        cookie_name(secure)
    )
}

impl Broker {
    /// The client IP (behind a proxy, from `rate_limit.client_ip_header`).
    pub(super) fn ip(&self, req: &Request) -> Option<IpAddr> {
        crate::ratelimit::client_ip(req, &self.client_ip)
    }

    /// Whether our own URLs are https (cookies get `Secure` and the `__Host-` prefix).
    pub(super) fn secure(&self) -> bool {
        self.issuer.starts_with("https://")
    }
}
