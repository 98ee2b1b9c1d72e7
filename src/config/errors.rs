//! Configuration errors in the user's own terms: the flag, environment variable or file key
//! they actually set (`SSE_PORT=70000`, not `SERVER.PORT`), what was expected in words
//! ("a whole number from 0 to 65535", not `u16`), and never a Rust source path or type name
//! (figment's own text names the `Serialized` provider by its source location).

use std::fmt::Write as _;

use figment::{
    Source,
    error::{Actual, Kind},
};

use super::{ConfigError, ENV_PREFIX};

/// Flags and the setting each one sets (the flags of `Cli::overlay`).
const FLAGS: &[(&str, &str)] = &[
    ("transport", "--transport"),
    ("server.port", "--sse-port"),
    ("server.host", "--sse-host"),
    ("server.log_path", "--sse-log-path"),
    ("server.mcp_path", "--mcp-path"),
    ("opik.api_url", "--api-url"),
    ("opik.api_key", "--api-key"),
    ("opik.workspace", "--workspace"),
    ("opik.self_hosted", "--self-hosted"),
    ("opik.toolsets", "--toolsets"),
    ("server.serve_client", "--serve-client"),
    ("log.format", "--log-format"),
    ("log.filter", "--log-filter"),
    ("auth.mode", "--auth-mode"),
    ("auth.allow_unauthenticated", "--allow-unauthenticated"),
    ("auth.resource", "--resource-url"),
    ("auth.jwt.issuer", "--jwt-issuer"),
    ("auth.jwt.jwks_url", "--jwks-url"),
    ("tls.cert_path", "--tls-cert"),
    ("tls.key_path", "--tls-key"),
    ("tls.client_ca_path", "--tls-client-ca"),
    ("database.url", "--database-url"),
];

/// Every figment error, each rewritten as one line.
pub(crate) fn from_figment(e: figment::Error) -> ConfigError {
    let lines: Vec<String> = e.into_iter().map(|e| describe(&e)).collect();
    ConfigError::Load(lines.join("; "))
}

fn describe(e: &figment::Error) -> String {
    let key = e.path.join(".");
    with_origin(&key, e.metadata.as_ref(), &what(&e.kind))
}

/// A validation error (which names the dotted key) prefixed with where the value came from,
/// as the merged `fig` knows it.
pub(crate) fn locate(e: ConfigError, fig: &figment::Figment) -> ConfigError {
    match e {
        ConfigError::Invalid { key, message } => {
            let line = with_origin(key, fig.find_metadata(key), &message);
            ConfigError::Load(line)
        }
        other => other,
    }
}

/// `<origin>: <message> (setting <key>)`; the origin is the flag, environment variable
/// (with its value) or file the value came from.
fn with_origin(key: &str, meta: Option<&figment::Metadata>, message: &str) -> String {
    let source = meta.map(|m| (m.name.as_ref(), m.source.as_ref()));
    let path: Vec<String> = key.split('.').map(str::to_owned).collect();
    let origin = match source {
        Some((_, Some(Source::File(file)))) => format!("{key} in {}", file.display()),
        Some((_, Some(Source::Code(_)))) => flag_of(key),
        Some((name, _)) if name.contains(ENV_PREFIX) => prefixed_env(&path),
        Some((name, _)) if name.contains("environment") => upstream_env(key),
        _ => key.to_owned(),
    };
    let mut out = format!("{origin}: {message}");
    if !origin.starts_with(key) && !key.is_empty() {
        let _ = write!(out, " (setting {key})");
    }
    out
}

/// The flag that sets `key`, with the value given when it can be shown.
fn flag_of(key: &str) -> String {
    FLAGS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| key.to_owned(), |(_, flag)| (*flag).to_owned())
}

/// `OPIK_MCP_SECTION__KEY=value` for a generic environment name.
fn prefixed_env(path: &[String]) -> String {
    let name = format!("{ENV_PREFIX}{}", path.join("__").to_ascii_uppercase());
    with_value(&name)
}

/// The upstream environment name the user set for `key` (the last one set wins, as in
/// `load`), with its value.
fn upstream_env(key: &str) -> String {
    super::ENV_VARS
        .iter()
        .rev()
        .find(|(var, k)| *k == key && std::env::var_os(var).is_some())
        .map_or_else(|| key.to_owned(), |(var, _)| with_value(var))
}

/// `NAME=value`, the value shown unless the name suggests a secret (URL user-info masked).
fn with_value(name: &str) -> String {
    let secret = ["KEY", "SECRET", "TOKEN", "PASSWORD"]
        .iter()
        .any(|s| name.contains(s));
    match std::env::var(name) {
        Ok(v) if !secret => format!("{name}={}", crate::scrub::mask_userinfo(&v)),
        _ => name.to_owned(),
    }
}

/// What went wrong, in words.
fn what(kind: &Kind) -> String {
    match kind {
        Kind::Message(m) => m.clone(),
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            format!(
                "expected {}, got {}",
                expected_words(expected),
                found(actual)
            )
        }
        Kind::InvalidLength(n, expected) => format!("expected {expected}, got {n} items"),
        Kind::UnknownVariant(v, allowed) => {
            format!(
                "unknown value {v:?}; expected one of: {}",
                allowed.join(", ")
            )
        }
        Kind::UnknownField(f, allowed) => {
            format!("unknown setting {f:?}; known here: {}", allowed.join(", "))
        }
        Kind::MissingField(f) => format!("{f} is required"),
        Kind::DuplicateField(f) => format!("{f} is given twice"),
        Kind::ISizeOutOfRange(n) => format!("{n} is out of range"),
        Kind::USizeOutOfRange(n) => format!("{n} is out of range"),
        Kind::Unsupported(a) | Kind::UnsupportedKey(a, _) => {
            format!("{} is not supported here", found(a))
        }
    }
}

/// serde's expectation (often a Rust type name) in words.
fn expected_words(expected: &str) -> String {
    let words = match expected.trim_start_matches("a ").trim_start_matches("an ") {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "usize" | "u128" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" | "i128" => "a whole number",
        "f32" | "f64" => "a number",
        "bool" | "boolean" => "true or false",
        "string" | "str" | "char" => "text",
        "sequence" => "a list",
        "map" => "a table",
        other => other,
    };
    words.to_owned()
}

/// The value found, without its Rust type.
fn found(actual: &Actual) -> String {
    match actual {
        Actual::Bool(b) => b.to_string(),
        Actual::Unsigned(n) => n.to_string(),
        Actual::Signed(n) => n.to_string(),
        Actual::Float(n) => n.to_string(),
        Actual::Char(c) => format!("{c:?}"),
        Actual::Str(s) => format!("{:?}", crate::scrub::mask_userinfo(s)),
        Actual::Seq => "a list".into(),
        Actual::Map => "a table".into(),
        Actual::Unit | Actual::Option => "nothing".into(),
        _ => "a value of another kind".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_type_names_become_words() {
        assert_eq!(expected_words("u16"), "a whole number from 0 to 65535");
        assert_eq!(expected_words("a boolean"), "true or false");
        assert_eq!(found(&Actual::Str("x".into())), "\"x\"");
        assert_eq!(found(&Actual::Unsigned(70000)), "70000");
        let msg = what(&Kind::InvalidValue(Actual::Unsigned(70000), "u16".into()));
        assert_eq!(msg, "expected a whole number from 0 to 65535, got 70000");
    }
}
