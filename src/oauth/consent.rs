//! `POST /oauth/consent`: the user's answer. The consent id is single use and bound to the
//! browser; "allow" creates the grant and sends the code to the client, "deny" sends
//! `access_denied`.

use std::{net::IpAddr, sync::Arc};

use poem::{Endpoint, IntoResponse, Request, Response, endpoint::make};

use super::{
    Broker,
    audit::Event,
    error::{Code, PageError, redirect, redirect_error},
    hash, now, random_token,
    rows::{CodeRow, GrantRow, RequestRow},
    web,
};
use crate::telemetry::{
    labels::{OAuthConsent, OAuthRefusal, OAuthStep},
    metrics_oauth,
};

/// This step, for the audit trail and the metrics.
const STEP: OAuthStep = OAuthStep::Consent;

/// `POST /oauth/consent`.
pub fn endpoint() -> impl Endpoint<Output = Response> {
    web::post_only(make(|mut req: Request| async move {
        let broker = web::broker(&req);
        match web::read_form(&mut req).await {
            Ok(form) => {
                let id = form.get("consent_id").cloned().unwrap_or_default();
                let allow = form.get("decision").map(String::as_str) == Some("allow");
                answer(&broker, &req, &id, allow).await
            }
            Err(e) => {
                let ip = broker.ip(&req);
                let reason = OAuthRefusal::InvalidRequest;
                broker.audit(Event::refused(STEP, reason, ip, &e.description));
                PageError::bad(e.description).into_response()
            }
        }
    }))
}

async fn answer(broker: &Arc<Broker>, req: &Request, id: &str, allow: bool) -> Response {
    let ip = broker.ip(req);
    let row = match broker.store.take_request(&hash(id), "consent").await {
        Ok(Some(row)) => row,
        Ok(None) => {
            let why = "unknown or reused consent";
            broker.audit(Event::refused(STEP, OAuthRefusal::BadState, ip, why));
            return PageError::bad(
                "This consent was already answered or is not known. Start again from your \
                 application.",
            )
            .into_response();
        }
        Err(e) => return PageError::store(&e).into_response(),
    };
    if let Err(page) = broker.same_browser(req, &row) {
        let why = "consent from another browser or too late";
        let event = Event::refused(STEP, OAuthRefusal::BadState, ip, why);
        broker.audit(event.client(&row.client_id));
        return page.into_response();
    }
    if !allow {
        let why = "the user denied access";
        broker.audit(
            Event::refused(STEP, OAuthRefusal::UserDenied, ip, why)
                .client(&row.client_id)
                .subject(row.subject.as_deref()),
        );
        return redirect_error(
            &row.redirect_uri,
            row.client_state.as_deref(),
            &broker.issuer,
            Code::AccessDenied,
            why,
        );
    }
    broker.finish_sign_in(row, ip, OAuthConsent::Asked).await
}

impl Broker {
    /// Create the grant and its code, and send the browser back to the client with it.
    pub(super) async fn finish_sign_in(
        &self,
        row: RequestRow,
        ip: Option<IpAddr>,
        consent: OAuthConsent,
    ) -> Response {
        let client_name = match self.client(&row.client_id).await {
            Ok(c) => c.name.clone(),
            Err(_) => None,
        };
        let created_at = now();
        let grant = GrantRow {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: row.client_id.clone(),
            client_name,
            subject: row.subject.clone().unwrap_or_default(),
            email: row.email.clone(),
            scopes: row.scopes.clone(),
            created_at,
            last_used_at: created_at,
            expires_at: created_at + self.cfg.refresh_token_ttl_secs as i64,
            revoked_at: None,
            revoked_reason: None,
        };
        let code = random_token();
        let code_row = CodeRow {
            code_hash: hash(&code),
            grant_id: grant.id.clone(),
            client_id: row.client_id.clone(),
            redirect_uri: row.redirect_uri.clone(),
            code_challenge: row.code_challenge.clone(),
            expires_at: created_at + self.cfg.code_ttl_secs as i64,
        };
        let stored = match self.store.insert_grant(&grant).await {
            Ok(()) => self.store.insert_code(&code_row).await,
            Err(e) => Err(e),
        };
        if let Err(e) = stored {
            return PageError::store(&e).into_response();
        }
        let detail = format!(
            "signed in{}; grant {}; scopes {}; consent {}",
            grant
                .email
                .as_deref()
                .map(|e| format!(" as {e}"))
                .unwrap_or_default(),
            grant.id,
            grant.scopes,
            consent.as_str(),
        );
        self.audit(
            Event::done("oauth.sign_in", ip, detail)
                .client(&grant.client_id)
                .subject(Some(&grant.subject)),
        );
        metrics_oauth::sign_in(consent);
        let mut params = vec![("code", code.as_str())];
        if let Some(s) = row.client_state.as_deref() {
            params.push(("state", s));
        }
        params.push(("iss", self.issuer.as_str()));
        redirect(&row.redirect_uri, &params)
    }
}
