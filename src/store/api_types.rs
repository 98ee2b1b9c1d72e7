//! The admin API's bodies, filters and responses (`store::api`), with their conversions from
//! the store's rows.

use chrono::{DateTime, Utc};
use poem_openapi::{ApiResponse, Enum, Object, payload::Json};
use uuid::Uuid;

use crate::{
    events::Outcome,
    store::{AuditRecord, Cursor, RecordKind, SessionRow, StoreError},
};

/// An audit record.
#[derive(Object)]
pub(super) struct AuditItem {
    /// UUIDv7 of the record.
    pub(super) id: Uuid,
    /// When it happened (UTC).
    pub(super) occurred_at: DateTime<Utc>,
    /// `request` or `security`.
    pub(super) kind: String,
    /// SHA-256 (hex) of the session id.
    #[oai(skip_serializing_if_is_none)]
    pub(super) session_hash: Option<String>,
    /// Authenticated subject.
    #[oai(skip_serializing_if_is_none)]
    pub(super) subject: Option<String>,
    /// JSON-RPC method.
    #[oai(skip_serializing_if_is_none)]
    pub(super) method: Option<String>,
    /// Tool, resource or prompt name.
    #[oai(skip_serializing_if_is_none)]
    pub(super) name: Option<String>,
    /// SHA-256 of the canonical JSON of the redacted arguments.
    #[oai(skip_serializing_if_is_none)]
    pub(super) arguments_digest: Option<String>,
    /// The redacted arguments (only with `audit.log_arguments`).
    #[oai(skip_serializing_if_is_none)]
    pub(super) arguments: Option<serde_json::Value>,
    /// `ok`, `tool_error`, `protocol_error`, `denied` or `rate_limited`.
    pub(super) outcome: String,
    /// JSON-RPC error code.
    #[oai(skip_serializing_if_is_none)]
    pub(super) error_code: Option<i32>,
    /// HTTP status of a refusal.
    #[oai(skip_serializing_if_is_none)]
    pub(super) http_status: Option<i32>,
    /// HTTP status of the upstream Opik call.
    #[oai(skip_serializing_if_is_none)]
    pub(super) upstream_status: Option<i32>,
    /// Latency in microseconds.
    #[oai(skip_serializing_if_is_none)]
    pub(super) latency_us: Option<i64>,
    /// JSON-RPC id as JSON text.
    #[oai(skip_serializing_if_is_none)]
    pub(super) request_id: Option<String>,
    /// Client address.
    #[oai(skip_serializing_if_is_none)]
    pub(super) client_addr: Option<String>,
    /// Reason of a security event.
    #[oai(skip_serializing_if_is_none)]
    pub(super) detail: Option<String>,
}

impl From<AuditRecord> for AuditItem {
    fn from(r: AuditRecord) -> Self {
        Self {
            id: r.id,
            occurred_at: r.occurred_at,
            kind: r.kind.as_str().into(),
            session_hash: r.session_hash,
            subject: r.subject,
            method: r.method,
            name: r.name,
            arguments_digest: r.arguments_digest,
            arguments: r.arguments,
            outcome: r.outcome.as_str().into(),
            error_code: r.error_code,
            http_status: r.http_status,
            upstream_status: r.upstream_status,
            latency_us: r.latency_us,
            request_id: r.request_id,
            client_addr: r.client_addr,
            detail: r.detail,
        }
    }
}

/// A page of audit records, newest first.
#[derive(Object)]
pub(super) struct AuditPage {
    /// The records.
    pub(super) items: Vec<AuditItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub(super) next_cursor: Option<String>,
}

/// A stored session.
#[derive(Object)]
pub(super) struct SessionItem {
    /// SHA-256 (hex) of the session id.
    pub(super) session_hash: String,
    /// `sse`, `streamable-http` or `stdio`.
    pub(super) transport: String,
    /// Protocol version from `initialize`.
    #[oai(skip_serializing_if_is_none)]
    pub(super) protocol_version: Option<String>,
    /// Owning subject.
    #[oai(skip_serializing_if_is_none)]
    pub(super) subject: Option<String>,
    /// `clientInfo.name`.
    #[oai(skip_serializing_if_is_none)]
    pub(super) client_name: Option<String>,
    /// `clientInfo.version`.
    #[oai(skip_serializing_if_is_none)]
    pub(super) client_version: Option<String>,
    /// Client address.
    #[oai(skip_serializing_if_is_none)]
    pub(super) client_addr: Option<String>,
    /// The replica serving it.
    pub(super) instance_id: String,
    /// Created (UTC).
    pub(super) created_at: DateTime<Utc>,
    /// Last request (updated every few seconds).
    pub(super) last_seen_at: DateTime<Utc>,
    /// Ended.
    #[oai(skip_serializing_if_is_none)]
    pub(super) ended_at: Option<DateTime<Utc>>,
    /// Why it ended.
    #[oai(skip_serializing_if_is_none)]
    pub(super) end_reason: Option<String>,
    /// Requests answered.
    pub(super) request_count: i64,
    /// Requests that failed.
    pub(super) error_count: i64,
}

impl From<SessionRow> for SessionItem {
    fn from(s: SessionRow) -> Self {
        Self {
            session_hash: s.session_hash,
            transport: s.transport,
            protocol_version: s.protocol_version,
            subject: s.subject,
            client_name: s.client_name,
            client_version: s.client_version,
            client_addr: s.client_addr,
            instance_id: s.instance_id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            ended_at: s.ended_at,
            end_reason: s.end_reason,
            request_count: s.request_count,
            error_count: s.error_count,
        }
    }
}

/// A page of sessions, newest first.
#[derive(Object)]
pub(super) struct SessionPage {
    /// The sessions.
    pub(super) items: Vec<SessionItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub(super) next_cursor: Option<String>,
}

/// Which sessions to list.
#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "lowercase")]
pub(super) enum StateFilter {
    /// Not ended.
    Active,
    /// Ended.
    Ended,
    /// Both.
    All,
}

/// How a request ended (filter).
#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub(super) enum OutcomeFilter {
    /// Answered with a result.
    Ok,
    /// A tool reported an error.
    ToolError,
    /// Answered with a JSON-RPC error.
    ProtocolError,
    /// Refused by authentication or authorization.
    Denied,
    /// Refused by a rate limit.
    RateLimited,
}

impl From<OutcomeFilter> for Outcome {
    fn from(f: OutcomeFilter) -> Self {
        match f {
            OutcomeFilter::Ok => Outcome::Ok,
            OutcomeFilter::ToolError => Outcome::ToolError,
            OutcomeFilter::ProtocolError => Outcome::ProtocolError,
            OutcomeFilter::Denied => Outcome::Denied,
            OutcomeFilter::RateLimited => Outcome::RateLimited,
        }
    }
}

/// Kind of audit record (filter).
#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "lowercase")]
pub(super) enum KindFilter {
    /// An MCP request.
    Request,
    /// A security event.
    Security,
}

impl From<KindFilter> for RecordKind {
    fn from(f: KindFilter) -> Self {
        match f {
            KindFilter::Request => RecordKind::Request,
            KindFilter::Security => RecordKind::Security,
        }
    }
}

/// The error body of every non-MCP route, the same shape as `ApiError`'s plain responses
/// (`{"error": {"code", "message"}}`), so the listener's document declares one `Error`.
#[derive(Object)]
#[oai(rename = "Error")]
pub(crate) struct ErrorBody {
    // No doc comment: with one, poem-openapi emits `allOf` instead of the plain `$ref` the
    // hand-written `Error` of the public document has.
    pub(super) error: ErrorDetail,
}

/// Code and explanation of an error.
#[derive(Object)]
#[oai(rename = "ErrorDetail")]
pub(crate) struct ErrorDetail {
    /// Stable `snake_case` code, e.g. `invalid_cursor`.
    pub(super) code: String,
    /// Human-readable explanation.
    pub(super) message: String,
}

pub(crate) fn err(code: &str, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message: message.into(),
        },
    })
}

#[derive(ApiResponse)]
pub(super) enum ListAuditResponse {
    /// A page of records.
    #[oai(status = 200)]
    Ok(Json<AuditPage>),
    /// A filter or the cursor is invalid.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// The store failed (details are logged).
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

#[derive(ApiResponse)]
pub(super) enum ListSessionsResponse {
    /// A page of sessions.
    #[oai(status = 200)]
    Ok(Json<SessionPage>),
    /// The cursor is invalid.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// The store failed (details are logged).
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

#[derive(ApiResponse)]
pub(super) enum EndSessionResponse {
    /// The session was live on this replica and has ended.
    #[oai(status = 204)]
    Ended,
    /// No live session with this hash on this replica.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

pub(super) fn internal(e: StoreError) -> Json<ErrorBody> {
    tracing::error!(error.cause_chain = ?e, "admin API store error");
    err("internal_error", "internal error")
}

pub(super) fn decode_cursor(raw: Option<String>) -> Result<Option<Cursor>, Json<ErrorBody>> {
    raw.map(|c| Cursor::decode(&c).ok_or_else(|| err("invalid_cursor", "invalid cursor")))
        .transpose()
}
