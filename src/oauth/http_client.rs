//! The `oauth2` crate's HTTP-client hook over our reqwest 0.13 client. Its own reqwest
//! integration is for reqwest 0.12 and would bring a second HTTP and TLS stack.

use std::time::Duration;

use futures::StreamExt;

/// Largest upstream response read (token and discovery answers are a few KB).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// Why an upstream request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No answer in time.
    #[error("no answer within the timeout")]
    Timeout,
    /// Connection refused, DNS, TLS…
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// An answer larger than [`MAX_RESPONSE_BYTES`].
    #[error("response too large")]
    TooLarge,
    /// An error status without an OAuth error body (a proxy's or load balancer's page, an
    /// outage): the status is what tells the operator what happened.
    #[error("the token endpoint answered HTTP {0}")]
    Status(reqwest::StatusCode),
}

impl HttpError {
    fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            HttpError::Timeout
        } else {
            // The chain says what failed (connect refused, certificate…); no secrets in it.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            HttpError::Unreachable(text)
        }
    }
}

/// A client for the upstream provider: bounded in time, no redirects followed.
pub fn upstream_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Send one request and read at most [`MAX_RESPONSE_BYTES`] of the answer.
pub async fn send(
    req: reqwest::RequestBuilder,
    max: usize,
) -> Result<(reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>), HttpError> {
    let resp = req.send().await.map_err(HttpError::from_reqwest)?;
    let status = resp.status();
    let headers = resp.headers().clone();
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(HttpError::TooLarge);
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(HttpError::from_reqwest)?;
        if body.len() + chunk.len() > max {
            return Err(HttpError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, body))
}

/// Perform an `oauth2` request with `client`. An error status whose body is not JSON is an
/// [`HttpError::Status`]: the `oauth2` crate would only say it could not parse the body.
pub async fn execute(
    client: reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let req = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body);
    let (status, headers, body) = send(req, MAX_RESPONSE_BYTES).await?;
    if !status.is_success() && serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return Err(HttpError::Status(status));
    }
    let mut resp = oauth2::HttpResponse::new(body);
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    Ok(resp)
}
