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
    OpenApi, OpenApiService, SecurityScheme, Tags,
    auth::Bearer,
    param::{Path, Query},
    payload::Json,
};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::{AuditQuery, RecordKind, SessionQuery, SessionState, Store, StoreError};
use crate::events::Outcome;

#[path = "api_types.rs"]
mod types;
use types::*;
pub(crate) use types::{ErrorBody, err};

#[derive(Tags)]
enum AdminTags {
    /// The audit trail: one record per MCP request and per security event.
    Audit,
    /// Stored sessions (hashed ids).
    Sessions,
}

/// The expected admin token, attached to the admin routes as request data.
#[derive(Clone)]
pub(crate) struct AdminSecret(pub(crate) Arc<SecretString>);

/// Bearer token from `audit.admin_token`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_token")]
pub(crate) struct AdminToken(());

async fn check_token(req: &poem::Request, bearer: Bearer) -> Option<()> {
    let expected = req.data::<AdminSecret>()?;
    let ok: bool = bearer
        .token
        .as_bytes()
        .ct_eq(expected.0.expose_secret().as_bytes())
        .into();
    ok.then_some(())
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
        registry: Data<&Arc<dyn LiveSessions>>,
        /// SHA-256 (hex) of the session id, as listed.
        session_hash: Path<String>,
    ) -> EndSessionResponse {
        if registry.end_by_hash(&session_hash.0.to_ascii_lowercase()) {
            EndSessionResponse::Ended
        } else {
            EndSessionResponse::NotFound(err(
                "session_not_found",
                "no live session with this hash on this replica",
            ))
        }
    }
}

/// The live sessions of this replica, as the admin API sees them (implemented by the session
/// registry, which sits above the store).
pub trait LiveSessions: Send + Sync + 'static {
    /// End the live session whose id hashes to `hash` (lowercase hex SHA-256) on behalf of an
    /// operator; false if there is none.
    fn end_by_hash(&self, hash: &str) -> bool;
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
    registry: Arc<dyn LiveSessions>,
    token: SecretString,
) -> impl Endpoint + 'static {
    let service = admin_service();
    let spec = service.spec_endpoint();
    Route::new()
        // GET only (the bare endpoint would answer any method).
        .at("/openapi.json", poem::get(spec))
        .nest("/", service)
        .data(AdminSecret(Arc::new(token)))
        .data(store)
        .data(registry)
}
