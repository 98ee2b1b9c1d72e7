//! The broker's error shapes, in one place. They are not [`crate::error::ApiError`]'s: OAuth
//! fixes them (RFC 6749 §4.1.2.1 redirects with `error`, §5.2 JSON bodies, RFC 7591 §3.2.2),
//! and a browser step that must not redirect (unknown client, bad redirect URI, an upstream
//! failure) answers a readable page instead.

use poem::{IntoResponse, Response, http::StatusCode};
use serde_json::json;

use super::{pages, upstream::UpstreamError};
use crate::{store::StoreError, telemetry::labels::OAuthRefusal};

/// An OAuth error code (RFC 6749 §4.1.2.1, §5.2; RFC 8707; RFC 7591).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Malformed or missing parameter.
    InvalidRequest,
    /// Client authentication failed (401).
    InvalidClient,
    /// Code or refresh token invalid, expired, used, or for another client.
    InvalidGrant,
    /// Grant type not supported.
    UnsupportedGrantType,
    /// `response_type` other than `code`.
    UnsupportedResponseType,
    /// Unknown scope.
    InvalidScope,
    /// `resource` is not this server (RFC 8707).
    InvalidTarget,
    /// The user or the policy said no.
    AccessDenied,
    /// Registration: a redirect URI we do not accept.
    InvalidRedirectUri,
    /// Registration: other bad metadata.
    InvalidClientMetadata,
    /// Our own failure.
    ServerError,
    /// The upstream provider failed.
    TemporarilyUnavailable,
}

impl Code {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidRequest => "invalid_request",
            Code::InvalidClient => "invalid_client",
            Code::InvalidGrant => "invalid_grant",
            Code::UnsupportedGrantType => "unsupported_grant_type",
            Code::UnsupportedResponseType => "unsupported_response_type",
            Code::InvalidScope => "invalid_scope",
            Code::InvalidTarget => "invalid_target",
            Code::AccessDenied => "access_denied",
            Code::InvalidRedirectUri => "invalid_redirect_uri",
            Code::InvalidClientMetadata => "invalid_client_metadata",
            Code::ServerError => "server_error",
            Code::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }

    /// The refusal it reports (for the metric); `None` for our own failure.
    pub fn refusal(self) -> Option<OAuthRefusal> {
        Some(match self {
            Code::InvalidRequest => OAuthRefusal::InvalidRequest,
            Code::InvalidClient => OAuthRefusal::InvalidClient,
            Code::InvalidGrant => OAuthRefusal::InvalidGrant,
            Code::UnsupportedGrantType | Code::UnsupportedResponseType => {
                OAuthRefusal::UnsupportedType
            }
            Code::InvalidScope => OAuthRefusal::InvalidScope,
            Code::InvalidTarget => OAuthRefusal::InvalidTarget,
            Code::AccessDenied => OAuthRefusal::NotAllowed,
            Code::InvalidRedirectUri => OAuthRefusal::InvalidRedirectUri,
            Code::InvalidClientMetadata => OAuthRefusal::InvalidClientMetadata,
            Code::TemporarilyUnavailable => OAuthRefusal::UpstreamError,
            Code::ServerError => return None,
        })
    }

    fn status(self) -> StatusCode {
        match self {
            Code::InvalidClient => StatusCode::UNAUTHORIZED,
            Code::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Code::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::InvalidRequest
            | Code::InvalidGrant
            | Code::UnsupportedGrantType
            | Code::UnsupportedResponseType
            | Code::InvalidScope
            | Code::InvalidTarget
            | Code::AccessDenied
            | Code::InvalidRedirectUri
            | Code::InvalidClientMetadata => StatusCode::BAD_REQUEST,
        }
    }
}

/// A JSON error of the token, revocation or registration endpoint.
#[derive(Debug)]
pub struct JsonError {
    /// The code.
    pub code: Code,
    /// Human-readable text (never a secret).
    pub description: String,
    /// Why, when the code alone does not say it (a reused token, a rate limit).
    because: Option<OAuthRefusal>,
}

impl JsonError {
    /// `code` with `description`.
    pub fn new(code: Code, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            because: None,
        }
    }

    /// Count this refusal as `reason` rather than as its code.
    pub fn because(mut self, reason: OAuthRefusal) -> Self {
        self.because = Some(reason);
        self
    }

    /// The refusal it reports; `None` for our own failure (not a refusal).
    pub fn refusal(&self) -> Option<OAuthRefusal> {
        self.because.or(self.code.refusal())
    }

    /// A store failure: logged in full, answered opaquely.
    pub fn store(e: &StoreError) -> Self {
        tracing::error!(error.cause_chain = ?e, "oauth broker: database error");
        Self::new(Code::ServerError, "internal error")
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.code.as_str(), "error_description": self.description});
        let mut resp = no_store(Response::builder().status(self.code.status()))
            .content_type("application/json")
            .body(body.to_string());
        if self.code == Code::InvalidClient {
            // RFC 6749 §5.2: a 401 names the scheme the client may retry with.
            resp.headers_mut().insert(
                "www-authenticate",
                poem::http::HeaderValue::from_static(r#"Basic realm="opik-mcp""#),
            );
        }
        resp
    }
}

/// `Cache-Control: no-store` (RFC 6749 §5.1) on anything carrying or refusing credentials.
pub fn no_store(b: poem::ResponseBuilder) -> poem::ResponseBuilder {
    b.header("cache-control", "no-store")
        .header("pragma", "no-cache")
}

/// A browser step that failed where no redirect is allowed: a page saying why.
#[derive(Debug)]
pub struct PageError {
    /// 400 for a bad request, 502/504 for the upstream provider, 500 for ours.
    pub status: StatusCode,
    /// What went wrong, for the user.
    pub message: String,
}

impl PageError {
    /// A bad request (400).
    pub fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// A store failure (500), logged in full.
    pub fn store(e: &StoreError) -> Self {
        tracing::error!(error.cause_chain = ?e, "oauth broker: database error");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "The sign-in service failed. Try again in a moment.".into(),
        }
    }

    /// The upstream provider failed: 504 when it was slow, 502 otherwise.
    pub fn upstream(e: &UpstreamError) -> Self {
        tracing::warn!(error = %e, "oauth broker: upstream sign-in provider failed");
        let status = match e {
            UpstreamError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            UpstreamError::Unavailable(_)
            | UpstreamError::Refused(_)
            | UpstreamError::BadIdToken(_) => StatusCode::BAD_GATEWAY,
        };
        Self {
            status,
            message: format!(
                "{e}. Try signing in again; if this persists, tell your administrator."
            ),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        pages::html(
            self.status,
            &pages::message("Sign-in failed", &self.message),
        )
    }
}

/// Send the browser back to the client with an error (RFC 6749 §4.1.2.1; RFC 9207 `iss`).
pub fn redirect_error(
    redirect_uri: &str,
    state: Option<&str>,
    issuer: &str,
    code: Code,
    description: &str,
) -> Response {
    let mut params = vec![("error", code.as_str()), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    params.push(("iss", issuer));
    redirect(redirect_uri, &params)
}

/// A 302 to `uri` with `params` added to its query.
pub fn redirect(uri: &str, params: &[(&str, &str)]) -> Response {
    let target = match url::Url::parse(uri) {
        Ok(mut u) => {
            u.query_pairs_mut().extend_pairs(params);
            u.to_string()
        }
        Err(_) => uri.to_owned(),
    };
    no_store(Response::builder().status(StatusCode::FOUND))
        .header("location", target)
        .finish()
}
