//! What guards a call on its way out and what comes back: the credential headers (with the
//! workspace policy and the refusal of values a header cannot carry), the secrets to scrub
//! from upstream text, and the redirect policy (same origin only).

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::{Credentials, OpikClient, OpikError, WORKSPACE_HEADER};

impl OpikClient {
    /// `Accept`, plus `Authorization` and `Comet-Workspace` unless self-hosted. The caller's
    /// credentials win over the configured ones, field by field. Refused before anything is
    /// sent: the server's own key in a workspace `opik.allowed_workspaces` does not allow,
    /// and a key or workspace a header cannot carry (never silently left out).
    pub(super) fn auth_headers(&self, creds: &Credentials) -> Result<HeaderMap, OpikError> {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if self.inner.self_hosted {
            return Ok(h);
        }
        let defaults = &self.inner.defaults;
        let workspace = creds.workspace.as_ref().or(defaults.workspace.as_ref());
        if let Some(ws) = workspace {
            self.check_workspace(creds, ws)?;
            let v = header_value(ws).ok_or(OpikError::InvalidHeaderValue("workspace name"))?;
            h.insert(WORKSPACE_HEADER, v);
        }
        if let Some(key) = creds.api_key.as_ref().or(defaults.api_key.as_ref()) {
            let mut v = header_value(key.expose_secret())
                .ok_or(OpikError::InvalidHeaderValue("Opik API key"))?;
            v.set_sensitive(true);
            h.insert(AUTHORIZATION, v);
        }
        Ok(h)
    }

    /// The server's own key goes only to the allowed workspaces; a caller that brings its
    /// own key may name any workspace (Opik then decides what that key may see).
    fn check_workspace(&self, creds: &Credentials, ws: &str) -> Result<(), OpikError> {
        let (Some(allowed), None) = (&self.inner.allowed_workspaces, &creds.api_key) else {
            return Ok(());
        };
        if allowed.iter().any(|a| a == ws) {
            return Ok(());
        }
        tracing::warn!(
            opik.workspace = %crate::scrub::upstream_text(ws, &[], 64),
            "refused: the server's Opik key in a workspace opik.allowed_workspaces does not list"
        );
        Err(OpikError::WorkspaceNotAllowed {
            workspace: crate::scrub::upstream_text(ws, &[], 64),
            allowed: allowed.join(", "),
        })
    }

    /// The secrets a call carries (its key, the base URL's password), to scrub from
    /// anything the upstream sends back.
    pub(super) fn secrets(&self, creds: &Credentials) -> Vec<SecretString> {
        let key = creds
            .api_key
            .as_ref()
            .or(self.inner.defaults.api_key.as_ref());
        let password = url::Url::parse(&self.inner.base)
            .ok()
            .and_then(|u| u.password().map(|p| SecretString::from(p.to_owned())));
        key.cloned().into_iter().chain(password).collect()
    }
}

/// `v` as a header value when it is printable ASCII only. `HeaderValue::from_str` also
/// takes bytes above 0x7F, which Opik would read as something else or not at all.
fn header_value(v: &str) -> Option<HeaderValue> {
    let printable = v.bytes().all(|b| (0x20..0x7f).contains(&b));
    printable.then(|| HeaderValue::from_str(v).ok()).flatten()
}

/// Follow redirects within the configured origin only (at most 5); a redirect to another
/// scheme, host or port stops and is reported as [`OpikError::Redirected`].
pub(super) fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(url::Url::origin);
        if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else if first.is_some_and(|o| o == attempt.url().origin()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// `scheme://host[:port]` of a redirect target (no path, query or user-info).
pub(super) fn origin_of(location: &str) -> String {
    match url::Url::parse(location) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => "an unparsable location".into(),
    }
}
