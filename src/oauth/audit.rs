//! Every sign-in, refusal, refresh and revocation is a security record in the audit trail
//! (kind `security`; `name` says which step, `detail` the client and the reason) and a log
//! line. Never a token, code or secret. Refusals are counted too
//! (`opik_mcp_oauth_refusals_total{step, reason}`).

use std::net::IpAddr;

use super::{Broker, error::JsonError};
use crate::{
    events::Outcome,
    store::SecurityEvent,
    telemetry::{
        labels::{OAuthRefusal, OAuthStep},
        metrics_oauth,
    },
};

/// One broker event.
#[derive(Debug)]
pub struct Event {
    /// `Ok` for a success, `Denied` for a refusal.
    pub outcome: Outcome,
    /// The step: `oauth.register`, `oauth.sign_in`, `oauth.token`, `oauth.refresh`,
    /// `oauth.revoke`, `oauth.admin_revoke`.
    pub what: &'static str,
    /// The user, when known.
    pub subject: Option<String>,
    /// The client, when known.
    pub client: Option<String>,
    /// The caller's address.
    pub ip: Option<IpAddr>,
    /// What happened, for people.
    pub detail: String,
    /// A refusal's step and reason (the metric's labels).
    pub refusal: Option<(OAuthStep, OAuthRefusal)>,
}

impl Event {
    /// A success (or a revocation) at `what`.
    pub fn done(what: &'static str, ip: Option<IpAddr>, detail: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Ok,
            what,
            subject: None,
            client: None,
            ip,
            detail: detail.into(),
            refusal: None,
        }
    }

    /// `step` refused for `reason` (name the client and user with the builders below).
    pub fn refused(
        step: OAuthStep,
        reason: OAuthRefusal,
        ip: Option<IpAddr>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            outcome: Outcome::Denied,
            what: audit_name(step),
            refusal: Some((step, reason)),
            ..Self::done("", ip, detail)
        }
    }

    /// `step` refused with `e` (its reason, else `fallback`; its description).
    pub fn refused_with(
        step: OAuthStep,
        e: &JsonError,
        fallback: OAuthRefusal,
        ip: Option<IpAddr>,
    ) -> Self {
        let reason = e.refusal().unwrap_or(fallback);
        Self::refused(step, reason, ip, &e.description)
    }

    /// Name the client.
    pub fn client(mut self, client: &str) -> Self {
        self.client = Some(client.to_owned());
        self
    }

    /// Name the user.
    pub fn subject(mut self, subject: Option<&str>) -> Self {
        self.subject = subject.map(str::to_owned);
        self
    }
}

/// The audit trail's name of a step.
fn audit_name(step: OAuthStep) -> &'static str {
    match step {
        OAuthStep::Register => "oauth.register",
        OAuthStep::Authorize => "oauth.authorize",
        OAuthStep::Callback => "oauth.sign_in",
        OAuthStep::Consent => "oauth.consent",
        OAuthStep::Token => "oauth.token",
        OAuthStep::Revoke => "oauth.revoke",
    }
}

impl Broker {
    /// Record `e` in the audit trail and the log (and count it if it is a refusal).
    pub(super) fn audit(&self, e: Event) {
        if let Some((step, reason)) = e.refusal {
            metrics_oauth::refusal(step, reason);
        }
        let client = e.client.as_deref().unwrap_or("-");
        let detail = format!("{}: client {client}: {}", e.what, e.detail);
        if e.outcome == Outcome::Ok {
            tracing::info!(oauth.event = e.what, oauth.client = client,
                subject = e.subject.as_deref().unwrap_or_default(), client.ip = ?e.ip,
                "{}", e.detail);
        } else {
            tracing::warn!(oauth.event = e.what, oauth.client = client,
                subject = e.subject.as_deref().unwrap_or_default(), client.ip = ?e.ip,
                "refused: {}", e.detail);
        }
        self.audit.security_event(SecurityEvent {
            outcome: e.outcome,
            subject: e.subject,
            session: None,
            method: None,
            name: Some(e.what.to_owned()),
            http_status: None,
            error_code: None,
            request_id: None,
            client_addr: e.ip.map(|ip| ip.to_string()),
            detail: Some(detail),
        });
    }
}
