//! `POST /token`: `authorization_code` (single-use code, same client and redirect URI, PKCE
//! S256) and `refresh_token` (rotated on every use; a used one presented again revokes the
//! whole grant). Both answer an ES256 access token for `auth.resource` and a new refresh
//! token. Local only: no call to the upstream provider, so a slow provider cannot hold it.

use std::{collections::HashMap, net::IpAddr, sync::Arc};

use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use poem::{Endpoint, IntoResponse, Request, Response, endpoint::make, http::StatusCode};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::{
    Broker,
    audit::Event,
    clients::Client,
    error::{Code, JsonError, no_store},
    hash, now, random_token,
    registration::HABITUAL_SCOPES,
    rows::{CodeRow, GrantRow, GrantsQuery},
    store::{RefreshRow, Use},
    web,
};
use crate::{
    events::Outcome,
    telemetry::{
        labels::{OAuthRefusal, OAuthStep},
        metrics_oauth,
    },
};

/// Which grant a token response answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// `authorization_code`.
    Code,
    /// `refresh_token`.
    Refresh,
    /// `refresh_token` with a token rotated moments ago (`auth.broker.refresh_reuse_grace_secs`).
    RefreshAgain,
}

/// `POST /token`.
pub fn endpoint() -> impl Endpoint<Output = Response> {
    web::cors(web::post_only(make(|mut req: Request| async move {
        let broker = web::broker(&req);
        match web::read_form(&mut req).await {
            Ok(form) => token(&broker, &req, form)
                .await
                .unwrap_or_else(|e| e.into_response()),
            Err(e) => e.into_response(),
        }
    })))
}

async fn token(
    broker: &Arc<Broker>,
    req: &Request,
    form: HashMap<String, String>,
) -> Result<Response, JsonError> {
    let ip = broker.ip(req);
    let get = |k: &str| form.get(k).map(String::as_str);
    let client = broker
        .authenticate_client(req.headers(), get("client_id"), get("client_secret"))
        .await
        .inspect_err(|e| {
            let event = Event::refused_with(OAuthStep::Token, e, OAuthRefusal::InvalidClient, ip);
            broker.audit(event);
        })?;
    if let Some(r) = get("resource")
        && !broker.is_our_resource(r)
    {
        return Err(broker.refuse(
            ip,
            &client,
            JsonError::new(
                Code::InvalidTarget,
                format!("resource must be {}", broker.resource),
            ),
        ));
    }
    let result = match get("grant_type") {
        Some("authorization_code") => broker.exchange_code(&client, &form, ip).await,
        Some("refresh_token") => broker.refresh(&client, &form, ip).await,
        Some(other) => Err(JsonError::new(
            Code::UnsupportedGrantType,
            format!("grant_type {other:?} is not supported"),
        )),
        None => Err(JsonError::new(
            Code::InvalidRequest,
            "grant_type is required",
        )),
    };
    result.map_err(|e| broker.refuse(ip, &client, e))
}

impl Broker {
    fn refuse(&self, ip: Option<IpAddr>, client: &Client, e: JsonError) -> JsonError {
        // Our own failures (the store) are logged where they happen, not counted as refusals.
        if let Some(reason) = e.refusal() {
            let event = Event::refused(OAuthStep::Token, reason, ip, &e.description);
            self.audit(event.client(&client.id));
        }
        e
    }

    async fn exchange_code(
        &self,
        client: &Client,
        form: &HashMap<String, String>,
        ip: Option<IpAddr>,
    ) -> Result<Response, JsonError> {
        let get = |k: &str| form.get(k).map(String::as_str);
        let code =
            get("code").ok_or_else(|| JsonError::new(Code::InvalidRequest, "code is required"))?;
        let verifier = get("code_verifier").ok_or_else(|| {
            JsonError::new(Code::InvalidRequest, "code_verifier is required (PKCE)")
        })?;
        let grant_err = |d: &str| JsonError::new(Code::InvalidGrant, d);
        let row = match self.store.use_code(&hash(code), now()).await {
            Ok(Use::Fresh(row)) => row,
            Ok(
                Use::Reused(grant)
                | Use::Recent(CodeRow {
                    grant_id: grant, ..
                }),
            ) => {
                self.revoke(&grant, "authorization code used twice", ip)
                    .await;
                return Err(grant_err("the code was already used; its grant is revoked")
                    .because(OAuthRefusal::TokenReuse));
            }
            Ok(Use::Unknown) => return Err(grant_err("unknown code")),
            Err(e) => return Err(JsonError::store(&e)),
        };
        if row.expires_at < now() {
            return Err(grant_err("the code has expired"));
        }
        if row.client_id != client.id {
            return Err(grant_err("the code was issued to another client"));
        }
        if get("redirect_uri").is_some_and(|r| r != row.redirect_uri) {
            return Err(grant_err(
                "redirect_uri differs from the authorization request",
            ));
        }
        let computed = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            verifier.to_owned(),
        ));
        let pkce_ok: bool = computed
            .as_str()
            .as_bytes()
            .ct_eq(row.code_challenge.as_bytes())
            .into();
        if !pkce_ok || !(43..=128).contains(&verifier.len()) {
            return Err(grant_err("code_verifier does not match the code_challenge"));
        }
        let grant = self.active_grant(&row.grant_id).await?;
        self.issue(&grant, ip, Grant::Code).await
    }

    async fn refresh(
        &self,
        client: &Client,
        form: &HashMap<String, String>,
        ip: Option<IpAddr>,
    ) -> Result<Response, JsonError> {
        let token = form
            .get("refresh_token")
            .ok_or_else(|| JsonError::new(Code::InvalidRequest, "refresh_token is required"))?;
        let grant_err = |d: &str| JsonError::new(Code::InvalidGrant, d);
        let grace = self.cfg.refresh_reuse_grace_secs as i64;
        let (row, again) = match self.store.use_refresh(&hash(token), now(), grace).await {
            Ok(Use::Fresh(row)) => (row, false),
            // The same client refreshing from two requests at once: both get tokens.
            Ok(Use::Recent(row)) => (row, true),
            Ok(Use::Reused(grant)) => {
                self.revoke(&grant, "refresh token used twice", ip).await;
                return Err(
                    grant_err("the refresh token was already used; its grant is revoked")
                        .because(OAuthRefusal::TokenReuse),
                );
            }
            Ok(Use::Unknown) => return Err(grant_err("unknown refresh token")),
            Err(e) => return Err(JsonError::store(&e)),
        };
        if row.client_id != client.id {
            return Err(grant_err("the refresh token was issued to another client"));
        }
        if row.expires_at < now() {
            return Err(grant_err("the refresh token has expired"));
        }
        let grant = self.active_grant(&row.grant_id).await?;
        if let Some(asked) = form.get("scope") {
            let had: Vec<&str> = grant.scopes.split_whitespace().collect();
            if let Some(s) = asked
                .split_whitespace()
                .find(|s| !had.contains(s) && !HABITUAL_SCOPES.contains(s))
            {
                return Err(JsonError::new(
                    Code::InvalidScope,
                    format!("scope {s:?} was not granted"),
                ));
            }
        }
        let grant_type = if again {
            Grant::RefreshAgain
        } else {
            Grant::Refresh
        };
        self.issue(&grant, ip, grant_type).await
    }

    /// The grant, if neither revoked nor expired.
    async fn active_grant(&self, id: &str) -> Result<GrantRow, JsonError> {
        let q = GrantsQuery {
            id: Some(id.to_owned()),
            active_only: true,
            now: now(),
            limit: 1,
            ..GrantsQuery::default()
        };
        let grants = self
            .store
            .grants(&q)
            .await
            .map_err(|e| JsonError::store(&e))?;
        grants
            .into_iter()
            .next()
            .ok_or_else(|| JsonError::new(Code::InvalidGrant, "the grant was revoked or expired"))
    }

    /// Revoke a grant (reuse detection, revocation, admin) and record why.
    pub(super) async fn revoke(&self, grant: &str, why: &str, ip: Option<IpAddr>) {
        match self.store.revoke_grant(grant, now(), why).await {
            Ok(true) => self.audit(Event {
                outcome: Outcome::Denied,
                ..Event::done("oauth.revoke", ip, format!("grant {grant} revoked: {why}"))
            }),
            Ok(false) => {}
            Err(e) => tracing::error!(error.cause_chain = ?e, grant, "cannot revoke a grant"),
        }
    }

    /// A new access token and refresh token for `grant`.
    async fn issue(
        &self,
        grant: &GrantRow,
        ip: Option<IpAddr>,
        grant_type: Grant,
    ) -> Result<Response, JsonError> {
        let now = now();
        let ttl = self.cfg.access_token_ttl_secs as i64;
        let mut claims = json!({
            "iss": self.issuer, "sub": grant.subject, "aud": self.resource,
            "iat": now, "nbf": now, "exp": now + ttl,
            "jti": uuid::Uuid::now_v7().to_string(),
            "client_id": grant.client_id, "scope": grant.scopes,
        });
        if let Some(email) = &grant.email {
            claims["email"] = json!(email);
        }
        let access = self.key.sign(&claims).map_err(|e| {
            tracing::error!(error = %e, "cannot sign an access token");
            JsonError::new(Code::ServerError, "internal error")
        })?;
        let refresh = random_token();
        let expires_at = now + self.cfg.refresh_token_ttl_secs as i64;
        let row = RefreshRow {
            grant_id: grant.id.clone(),
            client_id: grant.client_id.clone(),
            expires_at,
        };
        let stored = match self.store.insert_refresh(&hash(&refresh), &row, now).await {
            Ok(()) => self.store.touch_grant(&grant.id, now, expires_at).await,
            Err(e) => Err(e),
        };
        stored.map_err(|e| JsonError::store(&e))?;
        let (what, note) = match grant_type {
            Grant::Code => ("oauth.token", ""),
            Grant::Refresh => ("oauth.refresh", ""),
            Grant::RefreshAgain => (
                "oauth.refresh",
                " (its refresh token was presented again within the reuse grace period)",
            ),
        };
        let detail = format!("tokens issued for grant {}{note}", grant.id);
        let event = Event::done(what, ip, detail).client(&grant.client_id);
        self.audit(event.subject(Some(&grant.subject)));
        if grant_type != Grant::Code {
            metrics_oauth::refresh();
        }
        let body = json!({
            "access_token": access, "token_type": "Bearer", "expires_in": ttl,
            "refresh_token": refresh, "scope": grant.scopes,
        });
        Ok(no_store(Response::builder().status(StatusCode::OK))
            .content_type("application/json")
            .body(body.to_string()))
    }
}
