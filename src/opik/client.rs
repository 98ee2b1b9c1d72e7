//! `OpikClient`: the one HTTP client every tool and resource uses to reach Opik.
//!
//! reqwest (rustls + aws-lc-rs, HTTP/2 via ALPN) with a connection pool, connect and request
//! timeouts, bounded retries with exponential backoff for idempotent GETs only, and a response
//! size cap enforced while streaming the body. Auth follows Opik's convention (its REST
//! API's, as its own SDKs send it): the raw key is the whole `Authorization` value (no
//! `Bearer`), the workspace goes in `Comet-Workspace`, and self-hosted Opik gets neither.

use std::{sync::Arc, time::Duration};

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use reqwest::{
    Method, StatusCode,
    header::{CONTENT_TYPE, HeaderMap, LOCATION},
};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{Credentials, OpikError, error::MAX_MESSAGE};
use crate::{
    config::OpikSettings,
    telemetry::{labels::UpstreamEndpoint, metrics},
};

#[path = "client_guard.rs"]
mod guard;

use guard::{origin_of, same_origin_redirects};

/// The workspace header Opik reads (`RequestContext.WORKSPACE_HEADER` in the backend).
pub const WORKSPACE_HEADER: &str = "Comet-Workspace";

/// A cheap-to-clone handle on the shared HTTP client and its settings.
#[derive(Clone)]
pub struct OpikClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Base URL without a trailing slash; every path starts with `/`. May hold user-info
    /// (`https://user:pw@host`), so it is only ever used for requests.
    base: String,
    /// [`Self::base`] with any user-info masked: what messages and tools show.
    display: String,
    defaults: Credentials,
    /// Workspaces the server's own key may be used in (always including the configured
    /// one); `None`: any (`opik.allowed_workspaces = ["*"]`).
    allowed_workspaces: Option<Vec<String>>,
    self_hosted: bool,
    retries: u32,
    backoff: Duration,
    timeout: Duration,
    max_bytes: usize,
}

/// A successful (2xx) answer.
#[derive(Debug)]
pub struct Reply {
    /// The 2xx status.
    pub status: u16,
    /// The `Location` header of a `201 Created`.
    pub location: Option<String>,
    /// The body (at most `opik.max_response_bytes`).
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> Result<Value, OpikError> {
        if self.body.is_empty() {
            return Err(OpikError::Malformed(format!(
                "empty body with status {}",
                self.status
            )));
        }
        serde_json::from_slice(&self.body).map_err(|e| OpikError::Malformed(e.to_string()))
    }

    /// The id of a created entity: the last segment of `Location` (creates answer
    /// `201` + `Location: <base>/v1/private/<kind>/<id>` with an empty body).
    pub fn created_id(&self) -> Option<String> {
        let loc = self.location.as_deref()?;
        let last = loc.trim_end_matches('/').rsplit('/').next()?;
        (!last.is_empty()).then(|| last.to_string())
    }
}

/// One request: method, path under the base URL, query pairs and an optional JSON body.
#[derive(Debug)]
pub struct Call<'a> {
    method: Method,
    path: &'a str,
    query: Vec<(&'static str, String)>,
    body: Option<&'a Value>,
    idempotency_key: Option<String>,
}

impl<'a> Call<'a> {
    /// `GET path`.
    pub fn get(path: &'a str) -> Self {
        Self::new(Method::GET, path)
    }

    /// `method path` with no query or body yet.
    pub fn new(method: Method, path: &'a str) -> Self {
        Self {
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotency_key: None,
        }
    }

    /// Add a query pair.
    pub fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    /// Add a query pair when the value is present.
    pub fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Send `Idempotency-Key: key`; it also makes the request safe to retry.
    pub fn idempotency_key(mut self, key: String) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    /// Send `body` as JSON.
    pub fn body(mut self, body: &'a Value) -> Self {
        self.body = Some(body);
        self
    }
}

impl OpikClient {
    /// Build the client from validated settings.
    pub fn new(s: &OpikSettings) -> Result<Self, OpikError> {
        let timeout = Duration::from_millis(s.request_timeout_ms);
        let http = reqwest::Client::builder()
            .redirect(same_origin_redirects())
            .user_agent(concat!("opik-mcp/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_millis(s.connect_timeout_ms))
            .timeout(timeout)
            .pool_max_idle_per_host(s.pool_max_idle)
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .map_err(|e| OpikError::Build(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base: s.api_url.trim_end_matches('/').to_string(),
                display: s.api_url_display().trim_end_matches('/').to_string(),
                defaults: Credentials {
                    api_key: s.api_key.clone(),
                    workspace: Some(s.workspace.clone()),
                },
                allowed_workspaces: s.workspace_allowlist(),
                self_hosted: s.self_hosted,
                retries: s.retries,
                backoff: Duration::from_millis(s.retry_backoff_ms),
                timeout,
                max_bytes: s.max_response_bytes,
            }),
        })
    }

    /// The configured base URL, any user-info in it masked.
    pub fn base_url(&self) -> &str {
        &self.inner.display
    }

    /// The configured (server-wide) credentials.
    pub fn defaults(&self) -> &Credentials {
        &self.inner.defaults
    }

    /// GET `path` and parse the JSON body.
    pub async fn get_json(&self, creds: &Credentials, call: Call<'_>) -> Result<Value, OpikError> {
        self.send(creds, call).await?.json()
    }

    /// `GET /is-alive/ping` with the server's credentials: whether Opik answers at all.
    pub async fn ping(&self) -> Result<(), OpikError> {
        self.send(&Credentials::default(), Call::get("/is-alive/ping"))
            .await
            .map(|_| ())
    }

    /// Send one request; GETs (and requests with an idempotency key) are retried on refused
    /// connections and 429/502/503/504.
    pub async fn send(&self, creds: &Credentials, call: Call<'_>) -> Result<Reply, OpikError> {
        let headers = self.auth_headers(creds)?;
        let attempts = if call.method == Method::GET || call.idempotency_key.is_some() {
            self.inner.retries + 1
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = std::time::Instant::now();
            let result = self.attempt(creds, &headers, &call).await;
            tracing::debug!(
                opik.method = %call.method,
                opik.path = call.path,
                opik.status = result.as_ref().map(|r| r.status).ok().or_else(|| result.as_ref().err().and_then(OpikError::status)),
                opik.attempt = attempt,
                duration_ms = started.elapsed().as_millis() as u64,
                "opik call"
            );
            let endpoint = UpstreamEndpoint::of_path(call.path);
            let status = match &result {
                Ok(r) => Some(r.status),
                Err(e) => e.status(),
            };
            metrics::upstream_request(endpoint, status, started.elapsed());
            if matches!(result, Err(OpikError::Timeout(_))) {
                metrics::upstream_timeout(endpoint);
            }
            match result {
                Err(e) if attempt < attempts && retryable(&e) => {
                    metrics::upstream_retry(endpoint);
                    let delay = self.inner.backoff * 2u32.saturating_pow(attempt - 1);
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    // One line per failed call (not per attempt); the error text is already
                    // scrubbed of credentials.
                    tracing::warn!(
                        opik.method = %call.method,
                        opik.endpoint = endpoint.as_str(),
                        opik.status = e.status().map_or_else(|| "none".to_owned(), |s| s.to_string()),
                        opik.attempts = attempt,
                        error = %e,
                        "opik call failed"
                    );
                    return Err(e);
                }
                ok => return ok,
            }
        }
    }

    async fn attempt(
        &self,
        creds: &Credentials,
        headers: &HeaderMap,
        call: &Call<'_>,
    ) -> Result<Reply, OpikError> {
        let mut url = url::Url::parse(&format!("{}{}", self.inner.base, call.path))
            .map_err(|e| OpikError::Build(format!("bad URL for {}: {e}", call.path)))?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        let mut req = self
            .inner
            .http
            .request(call.method.clone(), url)
            .headers(headers.clone());
        if let Some(key) = &call.idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        if let Some(body) = call.body {
            let bytes = serde_json::to_vec(body).map_err(|e| OpikError::Build(e.to_string()))?;
            req = req.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| self.transport_error(creds, e))?;
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if status.is_redirection() {
            // Only a redirect the policy stopped gets here: one to another host.
            return Err(OpikError::Redirected {
                status: status.as_u16(),
                target: location
                    .as_deref()
                    .map_or_else(|| "unknown".into(), origin_of),
            });
        }
        let body = self.read_capped(creds, resp).await?;
        if status.is_success() {
            Ok(Reply {
                status: status.as_u16(),
                location,
                body,
            })
        } else {
            let secrets = self.secrets(creds);
            let secrets: Vec<&str> = secrets.iter().map(|s| s.expose_secret()).collect();
            Err(OpikError::from_upstream(status.as_u16(), &body, &secrets))
        }
    }

    /// Read the body, failing as soon as it exceeds the cap (checked against
    /// `Content-Length` first, then while streaming, so a huge body is never buffered).
    async fn read_capped(
        &self,
        creds: &Credentials,
        resp: reqwest::Response,
    ) -> Result<Bytes, OpikError> {
        let limit = self.inner.max_bytes;
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(OpikError::TooLarge { limit });
        }
        let mut buf = BytesMut::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.transport_error(creds, e))?;
            if buf.len() + chunk.len() > limit {
                return Err(OpikError::TooLarge { limit });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }

    fn transport_error(&self, creds: &Credentials, e: reqwest::Error) -> OpikError {
        // The innermost cause rarely quotes anything, but a proxy's or resolver's message
        // may carry the URL: scrub it like an upstream body.
        let secrets = self.secrets(creds);
        let secrets: Vec<&str> = secrets.iter().map(|s| s.expose_secret()).collect();
        let reason = crate::scrub::upstream_text(&root_cause(&e), &secrets, MAX_MESSAGE);
        if e.is_timeout() {
            OpikError::Timeout(self.inner.timeout)
        } else if e.is_connect() {
            OpikError::Connect {
                url: self.inner.display.clone(),
                reason,
            }
        } else {
            OpikError::Transport(reason)
        }
    }
}

/// Worth another attempt for an idempotent request: the request surely did not run
/// (refused connection) or Opik asked us to come back (429, 502, 503, 504). Timeouts are not
/// retried: the caller's MCP request would time out first.
fn retryable(e: &OpikError) -> bool {
    match e {
        OpikError::Connect { .. } | OpikError::RateLimited { .. } => true,
        OpikError::Server { status, .. } => [
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::GATEWAY_TIMEOUT,
        ]
        .iter()
        .any(|s| s.as_u16() == *status),
        _ => false,
    }
}

/// The innermost error message (reqwest's own text is "error sending request for url (…)").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
