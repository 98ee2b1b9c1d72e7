//! The admin HTTP API over the store, declared with poem-openapi: list and filter the audit
//! trail (cursor pagination), list active and recent sessions, end a session.
//!
//! Self-contained: [`AdminApi`] is one `#[OpenApi]` impl and [`admin_endpoint`] mounts it
//! (with its spec at `openapi.json`). Until the admin listener exists it is served on the
//! main listener under `/admin`, only when `audit.admin_token` is set, behind that bearer
//! token.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::{Endpoint, EndpointExt, Route};
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
    StoreError, parse_outcome,
};
use crate::session::{EndReason, SessionRegistry};

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
    session_hash: Option<String>,
    /// Authenticated subject.
    subject: Option<String>,
    /// JSON-RPC method.
    method: Option<String>,
    /// Tool, resource or prompt name.
    name: Option<String>,
    /// SHA-256 of the canonical JSON of the redacted arguments.
    arguments_digest: Option<String>,
    /// The redacted arguments (only with `audit.log_arguments`).
    arguments: Option<serde_json::Value>,
    /// `ok`, `tool_error`, `protocol_error`, `denied` or `rate_limited`.
    outcome: String,
    /// JSON-RPC error code.
    error_code: Option<i32>,
    /// HTTP status of a refusal.
    http_status: Option<i32>,
    /// HTTP status of the upstream Opik call.
    upstream_status: Option<i32>,
    /// Latency in microseconds.
    latency_us: Option<i64>,
    /// JSON-RPC id as JSON text.
    request_id: Option<String>,
    /// Client address.
    client_addr: Option<String>,
    /// Reason of a security event.
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
    protocol_version: Option<String>,
    /// Owning subject.
    subject: Option<String>,
    /// `clientInfo.name`.
    client_name: Option<String>,
    /// `clientInfo.version`.
    client_version: Option<String>,
    /// Client address.
    client_addr: Option<String>,
    /// The replica serving it.
    instance_id: String,
    /// Created (UTC).
    created_at: DateTime<Utc>,
    /// Last request (updated every few seconds).
    last_seen_at: DateTime<Utc>,
    /// Ended.
    ended_at: Option<DateTime<Utc>>,
    /// Why it ended.
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

/// An error body.
#[derive(Object)]
struct ErrorBody {
    /// Stable code.
    code: String,
    /// What went wrong.
    message: String,
}

fn err(code: &str, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        code: code.into(),
        message: message.into(),
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

/// The admin API.
pub struct AdminApi {
    store: Store,
    registry: Arc<SessionRegistry>,
}

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
        /// Exact subject.
        subject: Query<Option<String>>,
        /// Exact tool, resource or prompt name.
        tool: Query<Option<String>>,
        /// Exact JSON-RPC method, e.g. `tools/call`.
        method: Query<Option<String>>,
        /// `ok`, `tool_error`, `protocol_error`, `denied` or `rate_limited`.
        outcome: Query<Option<String>>,
        /// `request` or `security`.
        kind: Query<Option<String>>,
        /// Session hash (SHA-256 hex of the session id).
        session: Query<Option<String>>,
        /// At or after this time (RFC 3339).
        since: Query<Option<DateTime<Utc>>>,
        /// Before this time (RFC 3339).
        until: Query<Option<DateTime<Utc>>>,
        /// Page size, 1–500 (default 100).
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ListAuditResponse {
        let outcome = match outcome.0.as_deref().map(|o| parse_outcome(o).ok_or(o)) {
            Some(Err(o)) => {
                return ListAuditResponse::BadRequest(err("invalid_outcome", format!("{o:?}")));
            }
            Some(Ok(o)) => Some(o),
            None => None,
        };
        let kind = match kind.0.as_deref().map(|k| RecordKind::parse(k).ok_or(k)) {
            Some(Err(k)) => {
                return ListAuditResponse::BadRequest(err("invalid_kind", format!("{k:?}")));
            }
            Some(Ok(k)) => Some(k),
            None => None,
        };
        let after = match decode_cursor(cursor.0) {
            Ok(c) => c,
            Err(e) => return ListAuditResponse::BadRequest(e),
        };
        let q = AuditQuery {
            subject: subject.0,
            name: tool.0,
            method: method.0,
            outcome,
            kind,
            session_hash: session.0,
            since: since.0,
            until: until.0,
            limit: limit.0.unwrap_or(0),
            after,
        };
        match self.store.list_audit(&q).await {
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
        /// `active`, `ended` or `all` (default).
        state: Query<Option<StateFilter>>,
        /// Exact subject.
        subject: Query<Option<String>>,
        /// Page size, 1–500 (default 100).
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
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
        match self.store.list_sessions(&q).await {
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
        /// SHA-256 (hex) of the session id, as listed.
        session_hash: Path<String>,
    ) -> EndSessionResponse {
        let wanted = session_hash.0.to_ascii_lowercase();
        let id = self
            .registry
            .live_ids()
            .into_iter()
            .find(|id| super::session_hash(id) == wanted);
        match id {
            Some(id) if self.registry.end(&id, EndReason::Admin) => EndSessionResponse::Ended,
            _ => EndSessionResponse::NotFound(err(
                "session_not_found",
                "no live session with this hash on this replica",
            )),
        }
    }
}

/// The admin API service (for mounting, and for the OpenAPI document).
pub fn admin_service(store: Store, registry: Arc<SessionRegistry>) -> OpenApiService<AdminApi, ()> {
    OpenApiService::new(
        AdminApi { store, registry },
        "opik-mcp admin API",
        env!("CARGO_PKG_VERSION"),
    )
    .url_prefix("/admin")
}

/// The admin routes, to nest at `/admin`: the API plus its spec at `/admin/openapi.json`,
/// all behind `token`.
pub fn admin_endpoint(
    store: Store,
    registry: Arc<SessionRegistry>,
    token: SecretString,
) -> impl Endpoint + 'static {
    let service = admin_service(store, registry);
    let spec = service.spec_endpoint();
    Route::new()
        .at("/openapi.json", spec)
        .nest("/", service)
        .data(AdminSecret(Arc::new(token)))
}
