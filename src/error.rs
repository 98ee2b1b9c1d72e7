//! The one place that maps errors to HTTP status codes and bodies.
//!
//! Two body shapes, both documented in docs/transports.md:
//! - on MCP routes (`/mcp`, `/messages`, `/sse`) a JSON-RPC error object
//!   `{"jsonrpc":"2.0","id":<id|null>,"error":{"code":<int>,"message":<text>}}`;
//! - elsewhere `{"error":{"code":"<snake_case>","message":<text>}}`.

use poem::{IntoResponse, Response, http::StatusCode};
use rmcp::model::RequestId;
use serde_json::json;

/// JSON-RPC error codes used by the HTTP layer.
pub mod codes {
    /// Invalid JSON.
    pub const PARSE_ERROR: i32 = -32700;
    /// Valid JSON, but not an acceptable JSON-RPC message here.
    pub const INVALID_REQUEST: i32 = -32600;
    /// Internal error.
    pub const INTERNAL_ERROR: i32 = -32603;
    /// Transport-level refusal (headers, limits, session rules).
    pub const TRANSPORT: i32 = -32000;
    /// Unknown or ended session.
    pub const SESSION_NOT_FOUND: i32 = -32001;
}

/// Everything the HTTP side can refuse a request for.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Body is not JSON.
    #[error("parse error: {0}")]
    Parse(String),
    /// JSON, but not a JSON-RPC message acceptable here.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Session id required but absent.
    #[error("bad request: {0} is required")]
    MissingSessionId(&'static str),
    /// Session id not in the expected format.
    #[error("bad request: {0} is malformed")]
    MalformedSessionId(&'static str),
    /// No such session (or not yours).
    #[error("session not found; start a new session")]
    UnknownSession,
    /// The session existed and has ended.
    #[error("session has ended ({0}); start a new session")]
    SessionGone(&'static str),
    /// `Accept` does not allow what we must send.
    #[error("not acceptable: {0}")]
    NotAcceptable(&'static str),
    /// `Content-Type` is not JSON.
    #[error("unsupported media type: Content-Type must be application/json")]
    UnsupportedMediaType,
    /// Body larger than the limit.
    #[error("payload too large: the limit is {0} bytes")]
    PayloadTooLarge(usize),
    /// Host or Origin not allowed.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// `MCP-Protocol-Version` not supported.
    #[error("bad request: unsupported MCP-Protocol-Version {0:?}; supported: {1}")]
    UnsupportedProtocolVersion(String, String),
    /// The session already has its one stream.
    #[error("conflict: this session already has an open stream")]
    StreamConflict,
    /// Method not allowed on this path.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Session cap reached or shutting down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The audit trail cannot record requests (`audit.on_failure = fail-closed`).
    #[error("service unavailable: the audit trail cannot record requests right now; retry later")]
    AuditUnavailable,
    /// The session's queue is full (back-pressure).
    #[error("session is busy: too many queued messages; retry shortly")]
    QueueFull,
    /// Unexpected failure; details are logged, not returned.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The HTTP status; exhaustive on purpose (no `_` arm).
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Parse(_)
            | ApiError::InvalidRequest(_)
            | ApiError::MissingSessionId(_)
            | ApiError::MalformedSessionId(_)
            | ApiError::UnsupportedProtocolVersion(..) => StatusCode::BAD_REQUEST,
            ApiError::UnknownSession => StatusCode::NOT_FOUND,
            ApiError::SessionGone(_) => StatusCode::GONE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::StreamConflict => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) | ApiError::QueueFull | ApiError::AuditUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON-RPC error code used on MCP routes.
    pub fn rpc_code(&self) -> i32 {
        match self {
            ApiError::Parse(_) => codes::PARSE_ERROR,
            ApiError::InvalidRequest(_) => codes::INVALID_REQUEST,
            ApiError::UnknownSession | ApiError::SessionGone(_) => codes::SESSION_NOT_FOUND,
            ApiError::Internal(_) => codes::INTERNAL_ERROR,
            ApiError::MissingSessionId(_)
            | ApiError::MalformedSessionId(_)
            | ApiError::NotAcceptable(_)
            | ApiError::UnsupportedMediaType
            | ApiError::PayloadTooLarge(_)
            | ApiError::Forbidden(_)
            | ApiError::UnsupportedProtocolVersion(..)
            | ApiError::StreamConflict
            | ApiError::MethodNotAllowed
            | ApiError::Unavailable(_)
            | ApiError::QueueFull
            | ApiError::AuditUnavailable => codes::TRANSPORT,
        }
    }

    /// The stable `snake_case` code used on non-MCP routes.
    pub fn code_name(&self) -> &'static str {
        match self {
            ApiError::Parse(_) => "parse_error",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::MissingSessionId(_) => "missing_session_id",
            ApiError::MalformedSessionId(_) => "malformed_session_id",
            ApiError::UnknownSession => "session_not_found",
            ApiError::SessionGone(_) => "session_gone",
            ApiError::NotAcceptable(_) => "not_acceptable",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::UnsupportedProtocolVersion(..) => "unsupported_protocol_version",
            ApiError::StreamConflict => "stream_conflict",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::QueueFull => "queue_full",
            ApiError::AuditUnavailable => "audit_unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn log(&self) {
        if let ApiError::Internal(e) = self {
            tracing::error!(error.cause_chain = ?e, "internal error");
        }
    }

    /// A JSON-RPC error response (MCP routes), carrying the request id when known.
    pub fn into_rpc_response(self, id: Option<RequestId>) -> Response {
        self.log();
        let body = json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": self.rpc_code(), "message": self.to_string() },
        });
        self.finish(body)
    }

    /// A plain JSON error response (non-MCP routes).
    pub fn into_plain_response(self) -> Response {
        self.log();
        let body = json!({ "error": { "code": self.code_name(), "message": self.to_string() } });
        self.finish(body)
    }

    fn finish(self, body: serde_json::Value) -> Response {
        let mut resp = Response::builder()
            .status(self.status())
            .content_type("application/json")
            .body(body.to_string());
        if matches!(
            self,
            ApiError::QueueFull | ApiError::Unavailable(_) | ApiError::AuditUnavailable
        ) {
            resp.headers_mut()
                .insert("retry-after", poem::http::HeaderValue::from_static("1"));
        }
        if matches!(self, ApiError::MethodNotAllowed) {
            resp.headers_mut().insert(
                "allow",
                poem::http::HeaderValue::from_static("GET, POST, DELETE"),
            );
        }
        resp
    }
}

/// An [`ApiError`] on an MCP route: renders as a JSON-RPC error.
#[derive(Debug)]
pub struct RpcError(pub ApiError, pub Option<RequestId>);

impl From<ApiError> for RpcError {
    fn from(e: ApiError) -> Self {
        RpcError(e, None)
    }
}

impl IntoResponse for RpcError {
    fn into_response(self) -> Response {
        self.0.into_rpc_response(self.1)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_plain_response()
    }
}
