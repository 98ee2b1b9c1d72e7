//! The config loader: random values (env-style strings, as figment's `Env` provider parses
//! them) and random TOML documents must never panic extraction or `Settings::validate`,
//! and an error for a well-formed layer must name the offending key.

use figment::{
    Figment,
    providers::{Format, Toml},
    value::Value,
};
use opik_mcp::config::{ConfigError, Settings, check_env_value};
use proptest::prelude::*;

/// Every documented key (section.key), plus a few that do not exist.
const KEYS: &[&str] = &[
    "transport",
    "server.host",
    "server.port",
    "server.mcp_path",
    "server.keep_alive_secs",
    "server.session_idle_ttl_secs",
    "server.max_sessions",
    "server.session_queue",
    "server.request_timeout_secs",
    "server.shutdown_grace_secs",
    "server.max_body_bytes",
    "server.allowed_hosts",
    "server.allowed_origins",
    "server.json_response",
    "log.format",
    "log.filter",
    "opik.api_url",
    "opik.api_key",
    "opik.workspace",
    "opik.self_hosted",
    "opik.toolsets",
    "opik.connect_timeout_ms",
    "opik.request_timeout_ms",
    "opik.retries",
    "opik.max_response_bytes",
    "opik.max_page_size",
    "limits.max_header_bytes",
    "limits.header_read_timeout_secs",
    "limits.request_timeout_secs",
    "limits.max_sessions_per_principal",
    "limits.sse_max_lifetime_secs",
    "limits.idle_connection_secs",
    "rate_limit.per_minute",
    "rate_limit.burst",
    "rate_limit.enabled",
    "rate_limit.max_streams_per_principal",
    "rate_limit.client_ip_header",
    "cors.allowed_origins",
    "cors.max_age_secs",
    "admin.enabled",
    "admin.port",
    "tls.cert_path",
    "tls.client_auth",
    "tls.min_version",
    "auth.mode",
    "auth.resource",
    "auth.jwt.algorithms",
    "auth.jwt.leeway_secs",
    "auth.jwt.max_token_bytes",
    "auth.jwt.jwks_url",
    "auth.scopes.required",
    "server.no_such_key",
    "nosection.key",
];

/// Env-style values: what a person might type, and noise.
fn env_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("0".into()),
        Just("-1".into()),
        Just("18446744073709551616".into()),
        Just("true".into()),
        Just("[1, \"a\"]".into()),
        Just("{a=1}".into()),
        Just("ftp://x".into()),
        "[0-9]{1,6}",
        ".{0,24}",
    ]
}

fn check(fig: Figment, keys: &[&str]) -> Result<(), TestCaseError> {
    let result = fig
        .extract::<Settings>()
        .map_err(|e| ConfigError::Load(e.to_string()))
        .and_then(|s| s.validate());
    if let Err(e) = result {
        let msg = e.to_string();
        let named = keys
            .iter()
            .any(|k| k.split('.').any(|seg| msg.contains(seg)))
            || matches!(e, ConfigError::Invalid { .. });
        prop_assert!(named, "error names no key: {msg} (set {keys:?})");
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn random_env_values_never_panic_and_errors_name_a_key(
        pairs in prop::collection::vec((prop::sample::select(KEYS), env_value()), 1..4)
    ) {
        let mut fig = Figment::new();
        for (k, v) in &pairs {
            // Values figment cannot parse are refused before it sees them, naming the key.
            if let Err(e) = check_env_value(k, v) {
                prop_assert!(e.to_string().contains(k), "{e}");
                return Ok(());
            }
            // The same parse figment's `Env` provider applies to a variable's value.
            let value: Value = v.parse().expect("infallible");
            fig = fig.merge((*k, value));
        }
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
        check(fig, &keys)?;
    }

    #[test]
    fn random_toml_never_panics(doc in "(\\[[a-z_.]{0,12}\\]\n)?([a-z_]{1,12} = .{0,16}\n){0,4}") {
        // Syntax errors have no key to name; only the absence of a panic is checked.
        let _ = Figment::from(Toml::string(&doc))
            .extract::<Settings>()
            .map(|s| s.validate());
    }
}
