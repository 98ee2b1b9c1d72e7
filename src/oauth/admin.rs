//! The broker's admin API on the admin listener, under `/admin/oauth` behind
//! `audit.admin_token` (like the audit API): list grants, revoke one. Its own OpenAPI
//! document is at `/admin/oauth/openapi.json`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::{Endpoint, EndpointExt, Route, web::Data};
use poem_openapi::{
    ApiResponse, Object, OpenApi, OpenApiService, Tags,
    param::{Path, Query},
    payload::Json,
};
use secrecy::SecretString;

use super::{Broker, audit::Event, now, rows::GrantsQuery};
use crate::store::api::{AdminSecret, AdminToken, ErrorBody, err};

#[derive(Tags)]
enum OAuthTags {
    /// Sign-ins through the OAuth broker: one grant per user and client.
    Grants,
}

/// One user's authorization of one client.
#[derive(Object)]
struct GrantItem {
    /// Grant id.
    id: String,
    /// The MCP client (a registered id, or the URL of its metadata document).
    client_id: String,
    /// The client's name when granted.
    #[oai(skip_serializing_if_is_none)]
    client_name: Option<String>,
    /// The user (the upstream provider's `sub`).
    subject: String,
    /// The user's email, when the provider gave one.
    #[oai(skip_serializing_if_is_none)]
    email: Option<String>,
    /// Granted scopes.
    scopes: Vec<String>,
    /// When it was granted.
    created_at: DateTime<Utc>,
    /// When a token was last issued for it.
    last_used_at: DateTime<Utc>,
    /// When its newest refresh token expires.
    expires_at: DateTime<Utc>,
    /// When it was revoked.
    #[oai(skip_serializing_if_is_none)]
    revoked_at: Option<DateTime<Utc>>,
    /// Why it was revoked.
    #[oai(skip_serializing_if_is_none)]
    revoked_reason: Option<String>,
    /// Neither revoked nor expired.
    active: bool,
}

/// Grants, newest first.
#[derive(Object)]
struct GrantList {
    /// The grants.
    items: Vec<GrantItem>,
}

#[derive(ApiResponse)]
enum ListGrantsResponse {
    /// Grants matching the filters.
    #[oai(status = 200)]
    Ok(Json<GrantList>),
    /// A parameter is malformed (`all` not a boolean, `limit` not a number from 1 to 500).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// The store failed (details are logged).
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

#[derive(ApiResponse)]
enum RevokeGrantResponse {
    /// Revoked: its refresh tokens no longer work; access tokens already issued expire on
    /// their own (at most `auth.broker.access_token_ttl_secs`).
    #[oai(status = 204)]
    Revoked,
    /// No active grant with this id.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The store failed (details are logged).
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

fn time(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// The broker's admin API.
pub struct OAuthAdminApi;

#[OpenApi]
impl OAuthAdminApi {
    /// List grants, newest first, by user and client; active ones only unless `all`.
    #[oai(path = "/grants", method = "get", tag = "OAuthTags::Grants")]
    async fn list_grants(
        &self,
        _auth: AdminToken,
        broker: Data<&Arc<Broker>>,
        /// Exact subject.
        subject: Query<Option<String>>,
        /// Exact client id.
        client_id: Query<Option<String>>,
        /// Include revoked and expired grants (default false).
        all: Query<Option<bool>>,
        /// Most grants returned, 1–500 (default 100).
        limit: Query<Option<u32>>,
    ) -> ListGrantsResponse {
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return ListGrantsResponse::BadRequest(err(
                "invalid_request",
                "limit must be a number from 1 to 500",
            ));
        }
        let now = now();
        let q = GrantsQuery {
            subject: subject.0,
            client_id: client_id.0,
            active_only: !all.0.unwrap_or(false),
            now,
            limit,
            ..GrantsQuery::default()
        };
        match broker.store.grants(&q).await {
            Ok(rows) => ListGrantsResponse::Ok(Json(GrantList {
                items: rows
                    .into_iter()
                    .map(|g| GrantItem {
                        active: g.revoked_at.is_none() && g.expires_at > now,
                        scopes: g.scopes.split_whitespace().map(str::to_owned).collect(),
                        created_at: time(g.created_at),
                        last_used_at: time(g.last_used_at),
                        expires_at: time(g.expires_at),
                        revoked_at: g.revoked_at.map(time),
                        id: g.id,
                        client_id: g.client_id,
                        client_name: g.client_name,
                        subject: g.subject,
                        email: g.email,
                        revoked_reason: g.revoked_reason,
                    })
                    .collect(),
            })),
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, "admin: cannot list grants");
                ListGrantsResponse::Internal(err("internal", "internal error"))
            }
        }
    }

    /// Revoke a grant.
    #[oai(path = "/grants/:id", method = "delete", tag = "OAuthTags::Grants")]
    async fn revoke_grant(
        &self,
        _auth: AdminToken,
        broker: Data<&Arc<Broker>>,
        /// Grant id, as listed.
        id: Path<String>,
    ) -> RevokeGrantResponse {
        match broker
            .store
            .revoke_grant(&id.0, now(), "revoked by an administrator")
            .await
        {
            Ok(true) => {
                let detail = format!("grant {} revoked by an administrator", id.0);
                broker.audit(Event::done("oauth.admin_revoke", None, detail));
                RevokeGrantResponse::Revoked
            }
            Ok(false) => RevokeGrantResponse::NotFound(err(
                "grant_not_found",
                "no active grant with this id",
            )),
            Err(e) => {
                tracing::error!(error.cause_chain = ?e, "admin: cannot revoke a grant");
                RevokeGrantResponse::Internal(err("internal", "internal error"))
            }
        }
    }
}

fn service() -> OpenApiService<OAuthAdminApi, ()> {
    OpenApiService::new(
        OAuthAdminApi,
        "opik-mcp OAuth broker admin API",
        env!("CARGO_PKG_VERSION"),
    )
    .url_prefix("/admin/oauth")
}

/// The grants API's OpenAPI document (merged into the admin listener's).
pub fn admin_spec() -> String {
    service().spec()
}

/// The routes to nest at `/admin/oauth`: the API and its document, behind `token`.
pub fn admin_endpoint(broker: Arc<Broker>, token: SecretString) -> impl Endpoint + 'static {
    let service = service();
    let spec = service.spec_endpoint();
    Route::new()
        .at("/openapi.json", poem::get(spec))
        .nest("/", service)
        .data(AdminSecret(Arc::new(token)))
        .data(broker)
}
