//! The upstream provider's redirect back to us: take the sign-in (single use, same browser),
//! exchange the provider's code, check the user against the policy, then ask for consent
//! (or skip it when this user already granted this client the same scopes).

use std::{collections::HashMap, sync::Arc};

use poem::{Endpoint, IntoResponse, Request, Response, endpoint::make, http::StatusCode};

use super::{
    Broker, CONSENT_PATH,
    audit::Event,
    clients::Lookup,
    error::{Code, PageError, redirect_error},
    hash, now, pages, policy, random_token,
    rows::{GrantsQuery, RequestRow},
    upstream::clip,
    web,
};
use crate::telemetry::labels::{OAuthConsent, OAuthRefusal, OAuthStep};

/// This step, for the audit trail and the metrics.
const STEP: OAuthStep = OAuthStep::Callback;

/// `GET <auth.broker.callback_path>`.
pub fn endpoint() -> impl Endpoint<Output = Response> {
    poem::get(make(|req: Request| async move {
        let broker = web::broker(&req);
        let query = req.uri().query().unwrap_or_default().as_bytes();
        match web::form(query) {
            Ok(params) => callback(&broker, &req, params).await,
            Err(why) => {
                let why = format!("The sign-in response is malformed: {why}.");
                let ip = broker.ip(&req);
                broker.audit(Event::refused(STEP, OAuthRefusal::InvalidRequest, ip, &why));
                PageError::bad(why).into_response()
            }
        }
    }))
}

async fn callback(broker: &Arc<Broker>, req: &Request, mut p: HashMap<String, String>) -> Response {
    let ip = broker.ip(req);
    let row = match broker.take_sign_in(req, p.remove("state")).await {
        Ok(row) => row,
        Err(page) => return page,
    };
    let back = |code: Code, reason: OAuthRefusal, why: &str, who: Option<&str>| {
        let event = Event::refused(STEP, reason, ip, why).client(&row.client_id);
        broker.audit(event.subject(who));
        redirect_error(
            &row.redirect_uri,
            row.client_state.as_deref(),
            &broker.issuer,
            code,
            why,
        )
    };
    if let Some(err) = p.remove("error") {
        let (code, reason) = match err.as_str() {
            "access_denied" => (Code::AccessDenied, OAuthRefusal::UserDenied),
            _ => (Code::TemporarilyUnavailable, OAuthRefusal::UpstreamError),
        };
        // Its description is what tells an operator a misconfiguration (an unknown scope…).
        let said = p
            .remove("error_description")
            .map(|d| format!(" ({})", clip(&d, 200)));
        let why = format!(
            "the sign-in provider answered {}{}",
            clip(&err, 64),
            said.unwrap_or_default()
        );
        return back(code, reason, &why, None);
    }
    let Some(code) = p.remove("code") else {
        let why = "the sign-in provider sent no code";
        return back(Code::InvalidRequest, OAuthRefusal::UpstreamError, why, None);
    };
    let identity = match broker
        .upstream
        .sign_in(code, row.upstream_verifier.clone(), &row.nonce)
        .await
    {
        Ok(id) => id,
        Err(e) => {
            let why = format!("upstream: {e}");
            broker.audit(Event::refused(STEP, e.refusal(), ip, why).client(&row.client_id));
            return PageError::upstream(&e).into_response();
        }
    };
    let scopes = match policy::admit(&broker.cfg, &identity, &broker.required) {
        Ok(s) => s,
        Err(why) => {
            let who = Some(identity.subject.as_str());
            return back(Code::AccessDenied, OAuthRefusal::NotAllowed, &why, who);
        }
    };
    let row = RequestRow {
        scopes: scopes.join(" "),
        subject: Some(identity.subject),
        email: identity.email,
        ..row
    };
    match broker.consented(&row).await {
        Ok(true) => {
            broker
                .finish_sign_in(row, ip, OAuthConsent::Remembered)
                .await
        }
        Ok(false) => broker.ask_consent(row).await,
        Err(e) => PageError::store(&e).into_response(),
    }
}

impl Broker {
    /// The sign-in this callback's `state` names (single use), if this browser started it
    /// in time; else the page to show.
    async fn take_sign_in(
        &self,
        req: &Request,
        state: Option<String>,
    ) -> Result<RequestRow, Response> {
        let refuse = |why: &str, page: PageError| {
            let ip = self.ip(req);
            self.audit(Event::refused(STEP, OAuthRefusal::BadState, ip, why));
            page.into_response()
        };
        let Some(state) = state else {
            let page = PageError::bad("The sign-in response carries no state.");
            return Err(refuse("callback without state", page));
        };
        let row = match self.store.take_request(&hash(&state), "upstream").await {
            Ok(Some(row)) => row,
            Ok(None) => {
                let page = PageError::bad(
                    "This sign-in is not known here, or was already completed. Start again \
                     from your application.",
                );
                return Err(refuse("unknown or reused state", page));
            }
            Err(e) => return Err(PageError::store(&e).into_response()),
        };
        match self.same_browser(req, &row) {
            Ok(()) => Ok(row),
            Err(page) => Err(refuse(
                "sign-in finished in another browser or too late",
                page,
            )),
        }
    }

    /// The sign-in must end in the browser that started it, in time.
    pub(super) fn same_browser(&self, req: &Request, row: &RequestRow) -> Result<(), PageError> {
        let cookie = web::cookie(req, self.secure()).map(|c| hash(&c));
        if cookie.as_deref() != Some(row.browser_hash.as_str()) {
            return Err(PageError::bad(
                "This sign-in was started in another browser (or cookies are blocked). Start \
                 again from your application.",
            ));
        }
        if row.expires_at < now() {
            return Err(PageError::bad(
                "This sign-in took too long. Start again from your application.",
            ));
        }
        Ok(())
    }

    /// Whether this user already granted this client at least these scopes.
    async fn consented(&self, row: &RequestRow) -> Result<bool, crate::store::StoreError> {
        let grants = self
            .store
            .grants(&GrantsQuery {
                subject: row.subject.clone(),
                client_id: Some(row.client_id.clone()),
                active_only: true,
                now: now(),
                limit: 20,
                ..GrantsQuery::default()
            })
            .await?;
        Ok(grants.iter().any(|g| {
            let had: Vec<&str> = g.scopes.split_whitespace().collect();
            row.scopes.split_whitespace().all(|s| had.contains(&s))
        }))
    }

    /// Store the sign-in under a fresh id only the consent form carries, and show the form.
    async fn ask_consent(&self, row: RequestRow) -> Response {
        let client = match self.client(&row.client_id).await {
            Ok(c) => c,
            Err(Lookup::Unknown(why)) => return PageError::bad(why).into_response(),
            Err(Lookup::Store(e)) => return PageError::store(&e).into_response(),
        };
        let consent_id = random_token();
        let row = RequestRow {
            id_hash: hash(&consent_id),
            phase: "consent".into(),
            ..row
        };
        if let Err(e) = self.store.insert_request(&row).await {
            return PageError::store(&e).into_response();
        }
        let scopes: Vec<String> = row.scopes.split_whitespace().map(str::to_owned).collect();
        let user = row
            .email
            .as_deref()
            .or(row.subject.as_deref())
            .unwrap_or_default();
        let body = pages::consent(&pages::Consent {
            client_name: client.name.as_deref(),
            client_id: &client.id,
            redirect_uri: &row.redirect_uri,
            user,
            scopes: &scopes,
            consent_id: &consent_id,
            action: CONSENT_PATH,
        });
        pages::html(StatusCode::OK, &body)
    }
}
