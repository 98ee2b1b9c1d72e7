//! Dynamic client registration (RFC 7591), rate-limited per client IP. Public clients
//! (`token_endpoint_auth_method: none`, what MCP clients ask for) get no secret; a client
//! asking for `client_secret_basic`/`client_secret_post` (or naming none, RFC 7591's default
//! being `client_secret_basic`) gets one, shown once and stored hashed.

use std::{net::IpAddr, sync::Arc};

use poem::{
    Endpoint, EndpointExt, IntoResponse, Request, Response, endpoint::make, http::StatusCode,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Broker,
    audit::Event,
    error::{Code, JsonError, no_store},
    hash, now, random_token, redirect,
    rows::ClientRow,
    web,
};
use crate::{
    ratelimit::Decision,
    telemetry::{
        labels::{OAuthRefusal, OAuthStep},
        metrics_oauth,
    },
};

/// Largest registration body.
const MAX_BODY: usize = 16 * 1024;
/// Scopes clients ask for out of habit; accepted and ignored (refresh tokens are issued
/// without `offline_access`, and we are no OIDC provider).
pub(super) const HABITUAL_SCOPES: [&str; 4] = ["offline_access", "openid", "profile", "email"];
/// Most redirect URIs per client.
const MAX_REDIRECTS: usize = 10;

#[derive(Deserialize)]
struct Registration {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// `POST /register` (and the CORS preflight).
pub fn endpoint() -> impl Endpoint<Output = Response> {
    web::cors(make(|mut req: Request| async move {
        let broker = web::broker(&req);
        let body = req.take_body().into_bytes_limit(MAX_BODY).await;
        match body {
            Ok(body) => register(&broker, &req, &body).await,
            Err(_) => refuse(
                &broker,
                broker.ip(&req),
                JsonError::new(
                    Code::InvalidClientMetadata,
                    "the registration body must be JSON of at most 16 KiB",
                ),
            ),
        }
    }))
    .map_to_response()
}

/// Record a refused registration and answer it.
fn refuse(broker: &Broker, ip: Option<IpAddr>, e: JsonError) -> Response {
    let fallback = OAuthRefusal::InvalidClientMetadata;
    broker.audit(Event::refused_with(OAuthStep::Register, &e, fallback, ip));
    e.into_response()
}

async fn register(broker: &Arc<Broker>, req: &Request, body: &[u8]) -> Response {
    if *req.method() != poem::http::Method::POST {
        return web::method_not_allowed("POST");
    }
    let ip = broker.ip(req);
    let key: Arc<str> = ip.map_or_else(|| "unknown".into(), |ip| ip.to_string().into());
    if let Decision::Limited { retry_after, .. } = broker.registrations.check(&key) {
        let e = JsonError::new(
            Code::InvalidRequest,
            "too many registrations from this address",
        );
        let mut resp = refuse(broker, ip, e.because(OAuthRefusal::RateLimited));
        resp.set_status(StatusCode::TOO_MANY_REQUESTS);
        let secs = retry_after.as_secs().max(1).to_string();
        if let Ok(v) = secs.parse() {
            resp.headers_mut().insert("retry-after", v);
        }
        return resp;
    }
    let checked = serde_json::from_slice::<Registration>(body)
        .map_err(|e| JsonError::new(Code::InvalidClientMetadata, format!("invalid JSON: {e}")))
        .and_then(|reg| broker.validate(reg));
    let (row, secret) = match checked {
        Ok(v) => v,
        Err(e) => return refuse(broker, ip, e),
    };
    if let Err(e) = broker
        .store
        .insert_client(&row, ip.map(|i| i.to_string()).as_deref())
        .await
    {
        return JsonError::store(&e).into_response();
    }
    let detail = format!("registered ({})", row.auth_method);
    broker.audit(Event::done("oauth.register", ip, detail).client(&row.client_id));
    metrics_oauth::registration();
    registered(&row, secret)
}

/// The RFC 7591 §3.2.1 answer.
fn registered(row: &ClientRow, secret: Option<String>) -> Response {
    let mut body = json!({
        "client_id": row.client_id,
        "client_id_issued_at": row.created_at,
        "redirect_uris": row.redirect_uris,
        "token_endpoint_auth_method": row.auth_method,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some(name) = &row.client_name {
        body["client_name"] = Value::from(name.as_str());
    }
    if let Some(secret) = secret {
        body["client_secret"] = Value::from(secret);
        body["client_secret_expires_at"] = Value::from(0);
    }
    no_store(Response::builder().status(StatusCode::CREATED))
        .content_type("application/json")
        .body(body.to_string())
}

impl Broker {
    /// Check a registration; the row to store and the secret to show once.
    fn validate(&self, r: Registration) -> Result<(ClientRow, Option<String>), JsonError> {
        let meta = |d: String| JsonError::new(Code::InvalidClientMetadata, d);
        if r.redirect_uris.is_empty() || r.redirect_uris.len() > MAX_REDIRECTS {
            return Err(JsonError::new(
                Code::InvalidRedirectUri,
                "redirect_uris must list 1 to 10 URIs",
            ));
        }
        for uri in &r.redirect_uris {
            redirect::check(uri, &self.cfg.redirect_schemes)
                .map_err(|d| JsonError::new(Code::InvalidRedirectUri, d))?;
        }
        let method = r
            .token_endpoint_auth_method
            .unwrap_or_else(|| "client_secret_basic".into());
        if !["none", "client_secret_basic", "client_secret_post"].contains(&method.as_str()) {
            return Err(meta(format!(
                "token_endpoint_auth_method {method:?} is not supported (none, \
                 client_secret_basic, client_secret_post)"
            )));
        }
        let grants = r
            .grant_types
            .unwrap_or_else(|| vec!["authorization_code".into()]);
        if let Some(g) = grants
            .iter()
            .find(|g| !["authorization_code", "refresh_token"].contains(&g.as_str()))
        {
            return Err(meta(format!("grant type {g:?} is not supported")));
        }
        let responses = r.response_types.unwrap_or_else(|| vec!["code".into()]);
        if responses.iter().any(|t| t != "code") {
            return Err(meta("only the \"code\" response type is supported".into()));
        }
        if let Some(scope) = &r.scope
            && let Some(s) = scope.split_whitespace().find(|s| !self.known_scope(s))
        {
            return Err(meta(format!("scope {s:?} is not offered by this server")));
        }
        let name = r.client_name.filter(|n| !n.trim().is_empty());
        if name
            .as_ref()
            .is_some_and(|n| n.chars().count() > 200 || n.chars().any(char::is_control))
        {
            return Err(meta(
                "client_name must be at most 200 printable characters".into(),
            ));
        }
        let secret = (method != "none").then(random_token);
        Ok((
            ClientRow {
                client_id: uuid::Uuid::now_v7().to_string(),
                secret_hash: secret.as_deref().map(hash),
                client_name: name,
                redirect_uris: r.redirect_uris,
                auth_method: method,
                created_at: now(),
            },
            secret,
        ))
    }

    /// Whether a requested scope is acceptable: one of ours, or one clients add out of habit
    /// and that changes nothing here.
    pub(super) fn known_scope(&self, s: &str) -> bool {
        self.supported.iter().any(|k| k == s) || HABITUAL_SCOPES.contains(&s)
    }
}
