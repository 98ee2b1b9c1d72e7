//! The one place that maps errors to HTTP status codes and bodies.
//!
//! Two body shapes, both documented in docs/transports.md:
//! - on MCP routes (`/mcp`, `/messages`, `/sse`) a JSON-RPC error object
//!   `{"jsonrpc":"2.0","id":<id|null>,"error":{"code":<int>,"message":<text>}}`;
//! - elsewhere `{"error":{"code":"<snake_case>","message":<text>}}`.

use poem::{IntoResponse, Response, http::StatusCode};
use rmcp::model::{
    ErrorCode, ErrorData, JsonRpcError, JsonRpcMessage, JsonRpcVersion2_0, RequestId,
    ServerJsonRpcMessage,
};
use serde_json::json;

use crate::session::{SendError, TransportKind};

// Declared with the engine, which answers with them too.
pub use crate::mcp::codes;

/// Everything the HTTP side can refuse a request for.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Body is not JSON.
    #[error("parse error: {0}")]
    Parse(String),
    /// JSON, but not a JSON-RPC message acceptable here.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A standard MCP request whose params do not fit its schema.
    #[error("{0}")]
    InvalidParams(String),
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
    /// No such route.
    #[error("not found")]
    NotFound,
    /// Session cap reached or shutting down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The audit trail cannot record requests (`audit.on_failure = fail-closed`).
    #[error("service unavailable: the audit trail cannot record requests right now; retry later")]
    AuditUnavailable,
    /// The session's queue is full (back-pressure).
    #[error("session is busy: too many queued messages; retry shortly")]
    QueueFull,
    /// No or invalid credentials; `challenge` is the `WWW-Authenticate` value.
    #[error("unauthorized: {message}")]
    Unauthenticated {
        /// `WWW-Authenticate` value.
        challenge: String,
        /// Why, without credential content.
        message: String,
    },
    /// Valid credentials lacking a required scope.
    #[error("forbidden: {message}")]
    InsufficientScope {
        /// `WWW-Authenticate` value (`error="insufficient_scope"`).
        challenge: String,
        /// Which scope is missing.
        message: String,
    },
    /// A request quota was exceeded.
    #[error("rate limit exceeded ({limiter}); retry after {retry_after_secs} s")]
    RateLimited {
        /// Which quota.
        limiter: &'static str,
        /// Burst size, for `x-ratelimit-limit`.
        limit: u32,
        /// Seconds until a request is allowed again.
        retry_after_secs: u64,
    },
    /// A per-principal cap on open streams or sessions was reached.
    #[error("too many {0} open for this principal (limit {1}); close some first")]
    TooMany(&'static str, usize),
    /// Request headers larger than the limit.
    #[error("request headers too large: the limit is {0} bytes")]
    HeadersTooLarge(usize),
    /// The request did not complete in time.
    #[error("request timeout: no response within {0} s")]
    RequestTimeout(u64),
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
            | ApiError::InvalidParams(_)
            | ApiError::MissingSessionId(_)
            | ApiError::MalformedSessionId(_)
            | ApiError::UnsupportedProtocolVersion(..) => StatusCode::BAD_REQUEST,
            ApiError::UnknownSession | ApiError::NotFound => StatusCode::NOT_FOUND,
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
            ApiError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            ApiError::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            ApiError::RateLimited { .. } | ApiError::TooMany(..) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// The JSON-RPC error code used on MCP routes.
    pub fn rpc_code(&self) -> i32 {
        match self {
            ApiError::Parse(_) => codes::PARSE_ERROR,
            ApiError::InvalidRequest(_) => codes::INVALID_REQUEST,
            ApiError::InvalidParams(_) => codes::INVALID_PARAMS,
            ApiError::UnknownSession | ApiError::SessionGone(_) => codes::SESSION_NOT_FOUND,
            ApiError::Internal(_) => codes::INTERNAL_ERROR,
            ApiError::RateLimited { .. } | ApiError::TooMany(..) => codes::RATE_LIMITED,
            ApiError::Unauthenticated { .. }
            | ApiError::InsufficientScope { .. }
            | ApiError::HeadersTooLarge(_)
            | ApiError::RequestTimeout(_)
            | ApiError::MissingSessionId(_)
            | ApiError::MalformedSessionId(_)
            | ApiError::NotAcceptable(_)
            | ApiError::UnsupportedMediaType
            | ApiError::PayloadTooLarge(_)
            | ApiError::Forbidden(_)
            | ApiError::UnsupportedProtocolVersion(..)
            | ApiError::StreamConflict
            | ApiError::MethodNotAllowed
            | ApiError::NotFound
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
            ApiError::InvalidParams(_) => "invalid_params",
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
            ApiError::NotFound => "not_found",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::QueueFull => "queue_full",
            ApiError::AuditUnavailable => "audit_unavailable",
            ApiError::Internal(_) => "internal_error",
            ApiError::Unauthenticated { .. } => "unauthorized",
            ApiError::InsufficientScope { .. } => "insufficient_scope",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::TooMany(..) => "too_many",
            ApiError::HeadersTooLarge(_) => "headers_too_large",
            ApiError::RequestTimeout(_) => "request_timeout",
        }
    }

    /// The error for a request poem refused before our handlers ran (no route, wrong
    /// method, unreadable request, a panic), so it gets our body shape too.
    pub fn from_poem(e: &poem::Error) -> Self {
        let status = e.status();
        match status {
            StatusCode::NOT_FOUND => ApiError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::InvalidRequest("body too large".into()),
            s if s.is_client_error() => ApiError::InvalidRequest(e.to_string()),
            _ => ApiError::Internal(anyhow::anyhow!("{status}: {e}")),
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

    /// The same error as a JSON-RPC reply to request `id`, for a stream already open.
    pub fn into_rpc_message(self, id: RequestId) -> ServerJsonRpcMessage {
        self.log();
        let code = ErrorCode(self.rpc_code());
        rpc_error(id, ErrorData::new(code, self.to_string(), None))
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
        let h = resp.headers_mut();
        if let ApiError::Unauthenticated { challenge, .. }
        | ApiError::InsufficientScope { challenge, .. } = &self
            && let Ok(v) = poem::http::HeaderValue::from_str(challenge)
        {
            h.insert("www-authenticate", v);
        }
        if let ApiError::RateLimited {
            limit,
            retry_after_secs,
            ..
        } = &self
        {
            h.insert("retry-after", (*retry_after_secs).into());
            h.insert("x-ratelimit-limit", (*limit).into());
            h.insert("x-ratelimit-remaining", 0u32.into());
            h.insert("x-ratelimit-reset", (*retry_after_secs).into());
        }
        if matches!(self, ApiError::TooMany(..)) {
            h.insert("retry-after", poem::http::HeaderValue::from_static("5"));
        }
        if matches!(self, ApiError::MethodNotAllowed) {
            set_allow(&mut resp, "GET, POST, DELETE");
        }
        resp
    }

    /// A message the session could not take, as the transport answers it: on Streamable
    /// HTTP a closed session is unknown (404: the client starts a new one); on legacy SSE it
    /// is gone with its stream (410).
    pub fn from_send(e: SendError, transport: TransportKind) -> Self {
        match (e, transport) {
            (SendError::QueueFull, _) => ApiError::QueueFull,
            (SendError::Closed, TransportKind::Sse) => ApiError::SessionGone("its stream closed"),
            (SendError::Closed, _) => ApiError::UnknownSession,
            (SendError::DuplicateId, _) => {
                ApiError::InvalidRequest("a request with this id is already in flight".into())
            }
        }
    }
}

/// The `Allow` header of a 405: the methods the route serves.
pub fn set_allow(resp: &mut Response, methods: &'static str) {
    resp.headers_mut()
        .insert("allow", poem::http::HeaderValue::from_static(methods));
}

/// A JSON-RPC error reply to request `id`.
pub fn rpc_error(id: RequestId, error: ErrorData) -> ServerJsonRpcMessage {
    JsonRpcMessage::Error(JsonRpcError {
        jsonrpc: JsonRpcVersion2_0,
        id: Some(id),
        error,
    })
}

/// The HTTP status of a reply on the stateless revision: it follows the JSON-RPC error
/// (SEP-2243): unknown method 404, request problems 400, everything else 200.
pub fn stateless_status(msg: &ServerJsonRpcMessage) -> StatusCode {
    let JsonRpcMessage::Error(e) = msg else {
        return StatusCode::OK;
    };
    match e.error.code {
        ErrorCode::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        ErrorCode::INVALID_PARAMS
        | ErrorCode::INVALID_REQUEST
        | ErrorCode::HEADER_MISMATCH
        | ErrorCode::UNSUPPORTED_PROTOCOL_VERSION
        | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

impl From<crate::session::RegistryError> for ApiError {
    fn from(e: crate::session::RegistryError) -> Self {
        use crate::session::RegistryError;
        match e {
            RegistryError::Full(_) | RegistryError::ShuttingDown => {
                ApiError::Unavailable(e.to_string())
            }
            RegistryError::OwnerFull(n) => ApiError::TooMany("sessions", n),
            RegistryError::AuditUnavailable => ApiError::AuditUnavailable,
        }
    }
}

impl From<crate::app::Unshared> for ApiError {
    fn from(_: crate::app::Unshared) -> Self {
        ApiError::Unavailable("the session store is unavailable; retry later".into())
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
