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
    web,
};

/// `GET <auth.broker.callback_path>`.
pub fn endpoint() -> impl Endpoint<Output = Response> {
    poem::get(make(|req: Request| async move {
        let broker = web::broker(&req);
        let query = req.uri().query().unwrap_or_default().as_bytes();
        match web::form(query) {
            Ok(params) => callback(&broker, &req, params).await,
            Err(why) => {
                PageError::bad(format!("The sign-in response is malformed: {why}.")).into_response()
            }
        }
    }))
}

async fn callback(broker: &Arc<Broker>, req: &Request, mut p: HashMap<String, String>) -> Response {
    let ip = broker.ip(req);
    let refuse = |why: &str| {
        broker.audit(Event::refused("oauth.sign_in", ip, why.to_owned()));
    };
    let Some(state) = p.remove("state") else {
        refuse("callback without state");
        return PageError::bad("The sign-in response carries no state.").into_response();
    };
    let row = match broker.store.take_request(&hash(&state), "upstream").await {
        Ok(Some(row)) => row,
        Ok(None) => {
            refuse("unknown or reused state");
            return PageError::bad(
                "This sign-in is not known here, or was already completed. Start again from \
                 your application.",
            )
            .into_response();
        }
        Err(e) => return PageError::store(&e).into_response(),
    };
    if let Err(page) = broker.same_browser(req, &row) {
        refuse("sign-in finished in another browser or too late");
        return page.into_response();
    }
    let back = |code: Code, why: &str| {
        broker.audit(Event::refused("oauth.sign_in", ip, why.to_owned()).client(&row.client_id));
        redirect_error(
            &row.redirect_uri,
            row.client_state.as_deref(),
            &broker.issuer,
            code,
            why,
        )
    };
    if let Some(err) = p.remove("error") {
        let code = match err.as_str() {
            "access_denied" => Code::AccessDenied,
            _ => Code::TemporarilyUnavailable,
        };
        return back(code, &format!("the sign-in provider answered {err}"));
    }
    let Some(code) = p.remove("code") else {
        return back(Code::InvalidRequest, "the sign-in provider sent no code");
    };
    let identity = match broker
        .upstream
        .sign_in(code, row.upstream_verifier.clone(), &row.nonce)
        .await
    {
        Ok(id) => id,
        Err(e) => {
            refuse(&format!("upstream: {e}"));
            return PageError::upstream(&e).into_response();
        }
    };
    let scopes = match policy::admit(&broker.cfg, &identity, &broker.required) {
        Ok(s) => s,
        Err(why) => {
            broker.audit(
                Event::refused("oauth.sign_in", ip, why.clone())
                    .client(&row.client_id)
                    .subject(Some(&identity.subject)),
            );
            return back(Code::AccessDenied, &why);
        }
    };
    let row = RequestRow {
        scopes: scopes.join(" "),
        subject: Some(identity.subject),
        email: identity.email,
        ..row
    };
    match broker.consented(&row).await {
        Ok(true) => broker.finish_sign_in(row, ip).await,
        Ok(false) => broker.ask_consent(row).await,
        Err(e) => PageError::store(&e).into_response(),
    }
}

impl Broker {
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
