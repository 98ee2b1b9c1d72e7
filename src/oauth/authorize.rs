//! `GET /authorize`: check the request, remember it, send the browser to the upstream
//! provider. Until the client and its redirect URI are known good, errors are a page (never
//! a redirect to an unchecked URI, RFC 6749 §4.1.2.1); after that they go back to the client.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Request, Response, endpoint::make, http::StatusCode};

use super::{
    Broker,
    audit::Event,
    clients::{Client, Lookup},
    error::{Code, PageError, no_store, redirect_error},
    hash, now, random_token, redirect,
    rows::RequestRow,
    web,
};
use crate::telemetry::labels::{OAuthRefusal, OAuthStep};

/// Longest `state` carried for the client.
const MAX_STATE: usize = 1024;
/// This step, for the audit trail and the metrics.
const STEP: OAuthStep = OAuthStep::Authorize;

#[derive(Debug, Default)]
struct Params {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    state: Option<String>,
    scope: Option<String>,
    resource: Option<String>,
}

/// `GET /authorize`.
pub fn endpoint() -> impl Endpoint<Output = Response> {
    poem::get(make(|req: Request| async move {
        let broker = web::broker(&req);
        let query = req.uri().query().unwrap_or_default().as_bytes();
        let params = match web::form(query) {
            Ok(mut m) => Params {
                response_type: m.remove("response_type"),
                client_id: m.remove("client_id"),
                redirect_uri: m.remove("redirect_uri"),
                code_challenge: m.remove("code_challenge"),
                code_challenge_method: m.remove("code_challenge_method"),
                state: m.remove("state"),
                scope: m.remove("scope"),
                resource: m.remove("resource"),
            },
            Err(why) => {
                let why = format!("The sign-in request is malformed: {why}.");
                let ip = broker.ip(&req);
                broker.audit(Event::refused(STEP, OAuthRefusal::InvalidRequest, ip, &why));
                return PageError::bad(why).into_response();
            }
        };
        authorize(&broker, &req, params).await
    }))
}

async fn authorize(broker: &Arc<Broker>, req: &Request, p: Params) -> Response {
    let ip = broker.ip(req);
    let client = match broker
        .client(p.client_id.as_deref().unwrap_or_default())
        .await
    {
        Ok(c) => c,
        Err(Lookup::Unknown(why)) => {
            broker.audit(Event::refused(STEP, OAuthRefusal::InvalidClient, ip, &why));
            return PageError::bad(format!("This application is not known here: {why}."))
                .into_response();
        }
        Err(Lookup::Store(e)) => return PageError::store(&e).into_response(),
    };
    let Some(redirect_uri) = chosen_redirect(&client, p.redirect_uri.as_deref()) else {
        let why = "redirect_uri not registered";
        let reason = OAuthRefusal::InvalidRedirectUri;
        broker.audit(Event::refused(STEP, reason, ip, why).client(&client.id));
        return PageError::bad(
            "The application's redirect address is not one it registered; the sign-in stops here.",
        )
        .into_response();
    };
    let state = p.state.clone().filter(|s| !s.is_empty());
    if let Err((code, why)) = broker.check(&p) {
        let reason = code.refusal().unwrap_or(OAuthRefusal::InvalidRequest);
        broker.audit(Event::refused(STEP, reason, ip, &why).client(&client.id));
        return redirect_error(&redirect_uri, state.as_deref(), &broker.issuer, code, &why);
    }
    let scopes = p.scope.clone().unwrap_or_default();
    let browser = web::cookie(req, broker.secure()).unwrap_or_else(random_token);
    let id = random_token();
    let nonce = random_token();
    let (url, verifier) = match broker.upstream.authorize_url(id.clone(), &nonce).await {
        Ok(v) => v,
        Err(e) => {
            let why = format!("upstream: {e}");
            broker.audit(Event::refused(STEP, e.refusal(), ip, why).client(&client.id));
            return PageError::upstream(&e).into_response();
        }
    };
    let created_at = now();
    let row = RequestRow {
        id_hash: hash(&id),
        phase: "upstream".into(),
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.clone(),
        code_challenge: p.code_challenge.unwrap_or_default(),
        client_state: state,
        scopes,
        browser_hash: hash(&browser),
        upstream_verifier: verifier,
        nonce,
        subject: None,
        email: None,
        created_at,
        expires_at: created_at + broker.cfg.login_ttl_secs as i64,
    };
    if let Err(e) = broker.store.insert_request(&row).await {
        return PageError::store(&e).into_response();
    }
    no_store(Response::builder().status(StatusCode::FOUND))
        .header("location", url)
        .header(
            "set-cookie",
            web::set_cookie(&browser, broker.secure(), broker.cfg.login_ttl_secs),
        )
        .finish()
}

/// The redirect URI to use: the one given, if registered; else the only one registered.
fn chosen_redirect(client: &Client, given: Option<&str>) -> Option<String> {
    match given {
        Some(uri) => client
            .redirect_uris
            .iter()
            .any(|r| redirect::matches(r, uri))
            .then(|| uri.to_owned()),
        None if client.redirect_uris.len() == 1 => client.redirect_uris.first().cloned(),
        None => None,
    }
}

impl Broker {
    /// The checks whose failures go back to the client.
    fn check(&self, p: &Params) -> Result<(), (Code, String)> {
        if p.response_type.as_deref() != Some("code") {
            return Err((
                Code::UnsupportedResponseType,
                "response_type must be code".into(),
            ));
        }
        if p.state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
            return Err((Code::InvalidRequest, "state longer than 1024 bytes".into()));
        }
        let challenge_ok = p.code_challenge.as_ref().is_some_and(|c| {
            (43..=128).contains(&c.len())
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        });
        if !challenge_ok || p.code_challenge_method.as_deref() != Some("S256") {
            return Err((
                Code::InvalidRequest,
                "PKCE is required: code_challenge with code_challenge_method=S256".into(),
            ));
        }
        match p.resource.as_deref() {
            None => {
                return Err((
                    Code::InvalidTarget,
                    format!("resource is required (RFC 8707): {}", self.resource),
                ));
            }
            Some(r) if !self.is_our_resource(r) => {
                return Err((
                    Code::InvalidTarget,
                    format!("resource must be {}", self.resource),
                ));
            }
            Some(_) => {}
        }
        if let Some(s) = p
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .find(|s| !self.known_scope(s))
        {
            return Err((Code::InvalidScope, format!("scope {s:?} is not offered")));
        }
        Ok(())
    }

    /// Whether `r` names this server (a trailing slash is not a different resource).
    pub(super) fn is_our_resource(&self, r: &str) -> bool {
        r.trim_end_matches('/') == self.resource.trim_end_matches('/')
    }
}
