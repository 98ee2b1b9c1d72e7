//! The effective configuration as `(key, value)` lines, secrets masked: the settings a user
//! most often gets wrong, after every layer (file, environment, flags) is applied.

use std::path::Path;

use crate::config::{AuthMode, Settings};

/// Shown instead of any secret.
const MASKED: &str = "******** (set)";

/// The lines, in display order.
pub(super) fn lines(s: &Settings, config_file: Option<&Path>) -> Vec<(&'static str, String)> {
    let http = s.transport.is_http();
    let unused = |v: String| match http {
        true => v,
        false => format!("{v} (not used in stdio mode)"),
    };
    let mut out = vec![
        (
            "config file",
            config_file.map_or("none".into(), |p| p.display().to_string()),
        ),
        ("transport", kebab(&s.transport)),
        ("server", unused(s.server.bind_address())),
        ("admin", unused(admin(s))),
        ("opik.api_url", s.opik.api_url.clone()),
        ("opik.api_key", secret(s.opik.has_api_key())),
        ("opik.workspace", s.opik.workspace.clone()),
        ("opik.self_hosted", s.opik.self_hosted.to_string()),
        ("opik.toolsets", s.opik.toolsets.names().join(",")),
        ("auth.mode", unused(auth(s))),
        ("tls", unused(tls(s))),
        ("audit.enabled", s.audit.enabled.to_string()),
    ];
    if s.audit.enabled {
        out.push(("database.url", s.database.display_url()));
        out.push(("audit.spill_path", s.audit.spill_path.display().to_string()));
    }
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.is_empty() => format!("{v} (RUST_LOG)"),
        _ => s.log.filter.clone(),
    };
    out.push((
        "log",
        format!("{:?}, filter {filter}", s.log.format).to_lowercase(),
    ));
    out
}

/// A config enum's own spelling (`streamable-http`, `api-key`).
fn kebab(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn secret(set: bool) -> String {
    match set {
        true => MASKED.into(),
        false => "not set".into(),
    }
}

fn admin(s: &Settings) -> String {
    match s.admin.enabled {
        true => s.admin.bind_address(),
        false => "off".into(),
    }
}

fn auth(s: &Settings) -> String {
    let a = &s.auth;
    let mut v = kebab(&a.mode);
    if a.mode.jwt() {
        let issuer = a.jwt.issuer.as_deref().unwrap_or("?");
        v.push_str(&format!(", issuer {issuer}"));
        if let Some(url) = &a.jwt.jwks_url {
            v.push_str(&format!(", JWKS {url}"));
        }
    }
    if a.mode.api_key() {
        v.push_str(&format!(", {} API key(s)", a.api_keys.len()));
    }
    if a.mode == AuthMode::None && a.allow_unauthenticated {
        v.push_str(", allow_unauthenticated");
    }
    v
}

fn tls(s: &Settings) -> String {
    let show =
        |p: &Option<std::path::PathBuf>| p.as_ref().map_or("-".into(), |p| p.display().to_string());
    match s.tls.enabled() {
        true => format!(
            "cert {}, key {}, client CA {}",
            show(&s.tls.cert_path),
            show(&s.tls.key_path),
            show(&s.tls.client_ca_path)
        ),
        false => "off".into(),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    #[test]
    fn secrets_are_masked_and_passwords_hidden() {
        let mut s = Settings::default();
        s.opik.api_key = Some(SecretString::from("opik-key-value"));
        s.database.url = SecretString::from("postgres://app:db-password@db/opik");
        let shown = format!("{:?}", lines(&s, None));
        assert!(shown.contains(MASKED), "{shown}");
        assert!(
            !shown.contains("opik-key-value") && !shown.contains("db-password"),
            "{shown}"
        );
        assert!(shown.contains("app:***@db"), "{shown}");
    }

    #[test]
    fn stdio_marks_the_listener_settings_unused() {
        let shown = lines(&Settings::default(), None);
        let server = shown
            .iter()
            .find(|(k, _)| *k == "server")
            .expect("server line");
        assert_eq!(server.1, "localhost:3001 (not used in stdio mode)");
    }
}
