//! The admin HTTP API over the store, declared with poem-openapi: list and filter the audit
//! trail (cursor pagination), list active and recent sessions, end a session.
//!
//! Self-contained: [`AdminApi`] is one `#[OpenApi]` impl and [`admin_endpoint`] mounts it
//! (with its own spec at `openapi.json`) on the admin listener under `/admin`, only when
//! `audit.admin_token` is set, behind that bearer token. The admin listener's document
//! (`openapi::admin_docs`) includes these operations too; [`admin_service`] needs no store
//! for that, because the handlers take the store and the registry from request data.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::{Endpoint, EndpointExt, Route, web::Data};
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi, OpenApiService, SecurityScheme, Tags,
    auth::Bearer,
    param::{Path, Query},
    payload::Json,
};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{
    AuditQuery, AuditRecord, Cursor, RecordKind, SessionQuery, SessionRow, SessionState, Store,
    StoreError,
};
use crate::session::{EndReason, Outcome, SessionRegistry};

#[derive(Tags)]
enum AdminTags {
    /// The audit trail: one record per MCP request and per security event.
    Audit,
    /// Stored sessions (hashed ids).
    Sessions,
}

/// The expected admin token, attached to the admin routes as request data.
#[derive(Clone)]
struct AdminSecret(Arc<SecretString>);

/// Bearer token from `audit.admin_token`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_token")]
struct AdminToken(());

async fn check_token(req: &poem::Request, bearer: Bearer) -> Option<()> {
    let expected = req.data::<AdminSecret>()?;
    let ok: bool = bearer
        .token
        .as_bytes()
        .ct_eq(expected.0.expose_secret().as_bytes())
        .into();
    ok.then_some(())
}

/// An audit record.
#[derive(Object)]
struct AuditItem {
    /// UUIDv7 of the record.
    id: Uuid,
    /// When it happened (UTC).
    occurred_at: DateTime<Utc>,
    /// `request` or `security`.
    kind: String,
    /// SHA-256 (hex) of the session id.
    #[oai(skip_serializing_if_is_none)]
    session_hash: Option<String>,
    /// Authenticated subject.
    #[oai(skip_serializing_if_is_none)]
    subject: Option<String>,
    /// JSON-RPC method.
    #[oai(skip_serializing_if_is_none)]
    method: Option<String>,
    /// Tool, resource or prompt name.
    #[oai(skip_serializing_if_is_none)]
    name: Option<String>,
    /// SHA-256 of the canonical JSON of the redacted arguments.
    #[oai(skip_serializing_if_is_none)]
    arguments_digest: Option<String>,
    /// The redacted arguments (only with `audit.log_arguments`).
    #[oai(skip_serializing_if_is_none)]
    arguments: Option<serde_json::Value>,
    /// `ok`, `tool_error`, `protocol_error`, `denied` or `rate_limited`.
    outcome: String,
    /// JSON-RPC error code.
    #[oai(skip_serializing_if_is_none)]
    error_code: Option<i32>,
    /// HTTP status of a refusal.
    #[oai(skip_serializing_if_is_none)]
    http_status: Option<i32>,
    /// HTTP status of the upstream Opik call.
    #[oai(skip_serializing_if_is_none)]
    upstream_status: Option<i32>,
    /// Latency in microseconds.
    #[oai(skip_serializing_if_is_none)]
    latency_us: Option<i64>,
    /// JSON-RPC id as JSON text.
    #[oai(skip_serializing_if_is_none)]
    request_id: Option<String>,
    /// Client address.
    #[oai(skip_serializing_if_is_none)]
    client_addr: Option<String>,
    /// Reason of a security event.
    #[oai(skip_serializing_if_is_none)]
    detail: Option<String>,
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
struct AuditPage {
    /// The records.
    items: Vec<AuditItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    next_cursor: Option<String>,
}

/// A stored session.
#[derive(Object)]
struct SessionItem {
    /// SHA-256 (hex) of the session id.
    session_hash: String,
    /// `sse`, `streamable-http` or `stdio`.
    transport: String,
    /// Protocol version from `initialize`.
    #[oai(skip_serializing_if_is_none)]
    protocol_version: Option<String>,
    /// Owning subject.
    #[oai(skip_serializing_if_is_none)]
    subject: Option<String>,
    /// `clientInfo.name`.
    #[oai(skip_serializing_if_is_none)]
    client_name: Option<String>,
    /// `clientInfo.version`.
    #[oai(skip_serializing_if_is_none)]
    client_version: Option<String>,
    /// Client address.
    #[oai(skip_serializing_if_is_none)]
    client_addr: Option<String>,
    /// The replica serving it.
    instance_id: String,
    /// Created (UTC).
    created_at: DateTime<Utc>,
    /// Last request (updated every few seconds).
    last_seen_at: DateTime<Utc>,
    /// Ended.
    #[oai(skip_serializing_if_is_none)]
    ended_at: Option<DateTime<Utc>>,
    /// Why it ended.
    #[oai(skip_serializing_if_is_none)]
    end_reason: Option<String>,
    /// Requests answered.
    request_count: i64,
    /// Requests that failed.
    error_count: i64,
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
struct SessionPage {
    /// The sessions.
    items: Vec<SessionItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    next_cursor: Option<String>,
}

/// Which sessions to list.
#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "lowercase")]
enum StateFilter {
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
enum OutcomeFilter {
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
enum KindFilter {
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
struct ErrorBody {
    // No doc comment: with one, poem-openapi emits `allOf` instead of the plain `$ref` the
    // hand-written `Error` of the public document has.
    error: ErrorDetail,
}

/// Code and explanation of an error.
#[derive(Object)]
#[oai(rename = "ErrorDetail")]
struct ErrorDetail {
    /// Stable `snake_case` code, e.g. `invalid_cursor`.
    code: String,
    /// Human-readable explanation.
    message: String,
}

fn err(code: &str, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message: message.into(),
        },
    })
}

#[derive(ApiResponse)]
enum ListAuditResponse {
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
enum ListSessionsResponse {
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
enum EndSessionResponse {
    /// The session was live on this replica and has ended.
    #[oai(status = 204)]
    Ended,
    /// No live session with this hash on this replica.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
}

fn internal(e: StoreError) -> Json<ErrorBody> {
    tracing::error!(error.cause_chain = ?e, "admin API store error");
    err("internal_error", "internal error")
}

fn decode_cursor(raw: Option<String>) -> Result<Option<Cursor>, Json<ErrorBody>> {
    raw.map(|c| Cursor::decode(&c).ok_or_else(|| err("invalid_cursor", "invalid cursor")))
        .transpose()
}

/// The admin API. Stateless: the store and the session registry come from request data
/// (attached by [`admin_endpoint`]), so the document can be built without them.
pub struct AdminApi;

#[OpenApi]
impl AdminApi {
    /// List audit records, newest first, filtered by any combination of subject, tool,
    /// method, outcome, kind, session and time range.
    #[oai(path = "/audit", method = "get", tag = "AdminTags::Audit")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one parameter per documented filter"
    )]
    async fn list_audit(
        &self,
        _auth: AdminToken,
        store: Data<&Store>,
        /// Exact subject.
        subject: Query<Option<String>>,
        /// Exact tool, resource or prompt name.
        tool: Query<Option<String>>,
        /// Exact JSON-RPC method, e.g. `tools/call`.
        method: Query<Option<String>>,
        /// `ok`, `tool_error`, `protocol_error`, `denied` or `rate_limited`.
        outcome: Query<Option<OutcomeFilter>>,
        /// `request` or `security`.
        kind: Query<Option<KindFilter>>,
        /// Session hash (SHA-256 hex of the session id).
        session: Query<Option<String>>,
        /// At or after this time (RFC 3339).
        since: Query<Option<DateTime<Utc>>>,
        /// Before this time (RFC 3339).
        until: Query<Option<DateTime<Utc>>>,
        /// Page size, 1–500 (default 100).
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page (opaque; anything else is refused with 400
        /// `invalid_cursor`).
        cursor: Query<Option<String>>,
    ) -> ListAuditResponse {
        let after = match decode_cursor(cursor.0) {
            Ok(c) => c,
            Err(e) => return ListAuditResponse::BadRequest(e),
        };
        let q = AuditQuery {
            subject: subject.0,
            name: tool.0,
            method: method.0,
            outcome: outcome.0.map(Outcome::from),
            kind: kind.0.map(RecordKind::from),
            session_hash: session.0,
            since: since.0,
            until: until.0,
            limit: limit.0.unwrap_or(0),
            after,
        };
        match store.list_audit(&q).await {
            Ok(page) => ListAuditResponse::Ok(Json(AuditPage {
                next_cursor: page.next.map(|c| c.encode()),
                items: page.items.into_iter().map(AuditItem::from).collect(),
            })),
            Err(StoreError::BadCursor) => {
                ListAuditResponse::BadRequest(err("invalid_cursor", "invalid cursor"))
            }
            Err(e) => ListAuditResponse::Internal(internal(e)),
        }
    }

    /// List sessions, newest first: active (not ended), ended, or all.
    #[oai(path = "/sessions", method = "get", tag = "AdminTags::Sessions")]
    async fn list_sessions(
        &self,
        _auth: AdminToken,
        store: Data<&Store>,
        /// `active`, `ended` or `all` (default).
        state: Query<Option<StateFilter>>,
        /// Exact subject.
        subject: Query<Option<String>>,
        /// Page size, 1–500 (default 100).
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page (opaque; anything else is refused with 400
        /// `invalid_cursor`).
        cursor: Query<Option<String>>,
    ) -> ListSessionsResponse {
        let after = match decode_cursor(cursor.0) {
            Ok(c) => c,
            Err(e) => return ListSessionsResponse::BadRequest(e),
        };
        let q = SessionQuery {
            state: match state.0.unwrap_or(StateFilter::All) {
                StateFilter::Active => SessionState::Active,
                StateFilter::Ended => SessionState::Ended,
                StateFilter::All => SessionState::All,
            },
            subject: subject.0,
            limit: limit.0.unwrap_or(0),
            after,
        };
        match store.list_sessions(&q).await {
            Ok(page) => ListSessionsResponse::Ok(Json(SessionPage {
                next_cursor: page.next.map(|c| c.encode()),
                items: page.items.into_iter().map(SessionItem::from).collect(),
            })),
            Err(e) => ListSessionsResponse::Internal(internal(e)),
        }
    }

    /// End a live session on this replica (its client gets "session has ended (admin)").
    #[oai(
        path = "/sessions/:session_hash",
        method = "delete",
        tag = "AdminTags::Sessions"
    )]
    async fn end_session(
        &self,
        _auth: AdminToken,
        registry: Data<&Arc<SessionRegistry>>,
        /// SHA-256 (hex) of the session id, as listed.
        session_hash: Path<String>,
    ) -> EndSessionResponse {
        let wanted = session_hash.0.to_ascii_lowercase();
        let id = registry
            .live_ids()
            .into_iter()
            .find(|id| super::session_hash(id) == wanted);
        match id {
            Some(id) if registry.end(&id, EndReason::Admin) => EndSessionResponse::Ended,
            _ => EndSessionResponse::NotFound(err(
                "session_not_found",
                "no live session with this hash on this replica",
            )),
        }
    }
}

/// The admin API service (for mounting, and for the OpenAPI documents), paths under
/// `/admin`.
pub fn admin_service() -> OpenApiService<AdminApi, ()> {
    OpenApiService::new(AdminApi, "opik-mcp admin API", env!("CARGO_PKG_VERSION"))
        .url_prefix("/admin")
}

/// The admin routes, to nest at `/admin`: the API plus its spec at `/admin/openapi.json`,
/// all behind `token`.
pub fn admin_endpoint(
    store: Store,
    registry: Arc<SessionRegistry>,
    token: SecretString,
) -> impl Endpoint + 'static {
    let service = admin_service();
    let spec = service.spec_endpoint();
    Route::new()
        .at("/openapi.json", spec)
        .nest("/", service)
        .data(AdminSecret(Arc::new(token)))
        .data(store)
        .data(registry)
}
