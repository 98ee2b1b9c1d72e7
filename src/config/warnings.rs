//! Start-up warnings: settings that load fine but are probably not what the user meant. Each
//! is one line naming the variable or setting to change, and never a value (any of them may
//! be a secret). `main` logs them once the subscriber is up; `opik-mcp doctor` prints them.

use super::{
    ENV_PREFIX, Settings, env_names,
    load::{BASE_URL_ENV_VARS, ENV_VARS},
};

/// Environment names without `__` that are not settings but are read: the config file, and
/// the top-level `transport` key.
const OTHER_READ: &[&str] = &["OPIK_MCP_CONFIG", "OPIK_MCP_TRANSPORT"];

/// Names other Opik servers and SDKs read, with what to set here instead.
const HINTS: &[(&str, &str)] = &[
    (
        "OPIK_MCP_PORT",
        "server.port: set SSE_PORT or OPIK_MCP_SERVER__PORT",
    ),
    (
        "OPIK_MCP_HOST",
        "server.host: set SSE_HOST or OPIK_MCP_SERVER__HOST",
    ),
    (
        "OPIK_MCP_HTTP_PATH",
        "server.mcp_path: set OPIK_MCP_SERVER__MCP_PATH",
    ),
    (
        "OPIK_MCP_LOG_LEVEL",
        "log.filter: set RUST_LOG or OPIK_MCP_LOG__FILTER",
    ),
    (
        "OPIK_MCP_ALLOWED_HOSTS",
        "server.allowed_hosts: set OPIK_MCP_SERVER__ALLOWED_HOSTS",
    ),
    (
        "OPIK_MCP_ALLOWED_ORIGINS",
        "server.allowed_origins: set OPIK_MCP_SERVER__ALLOWED_ORIGINS",
    ),
    (
        "OPIK_MCP_RESOURCE_URI",
        "auth.resource: set OPIK_MCP_AUTH__RESOURCE",
    ),
    (
        "OPIK_MCP_AS_URL",
        "auth.authorization_servers: set OPIK_MCP_AUTH__AUTHORIZATION_SERVERS",
    ),
    (
        "OPIK_URL_OVERRIDE",
        "opik.api_url: set OPIK_API_BASE_URL or OPIK_URL",
    ),
    ("COMET_API_KEY", "opik.api_key: set OPIK_API_KEY"),
];

/// The warnings for these settings and the process environment.
pub fn startup_warnings(settings: &Settings) -> Vec<String> {
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    warnings_for(settings, &env)
}

/// [`startup_warnings`] over a given environment (tests).
pub fn warnings_for(settings: &Settings, env: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(w) = missing_api_key(settings) {
        out.push(w);
    }
    let mut names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    out.extend(names.into_iter().filter_map(unread_variable));
    out.extend(conflicts(env));
    out
}

/// Opik Cloud refuses every call without a key; say so once instead of on every tool call.
fn missing_api_key(s: &Settings) -> Option<String> {
    let opik = &s.opik;
    let cloud = url::Url::parse(&opik.api_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| h == "comet.com" || h.ends_with(".comet.com"));
    // With a caller key header, callers bring their own keys.
    let needed = cloud && !opik.self_hosted && opik.caller_key_header.is_none();
    (needed && !opik.has_api_key()).then(|| {
        format!(
            "OPIK_API_KEY is not set: Opik Cloud ({}) refuses requests without an API key, so \
             every Opik tool call will fail. Set OPIK_API_KEY (or --api-key, opik.api_key), or \
             point OPIK_API_BASE_URL at a self-hosted Opik and set OPIK_SELF_HOSTED=true",
            opik.api_url
        )
    })
}

/// A warning for an `OPIK_*` / `COMET_*` name this server does not read.
fn unread_variable(name: &str) -> Option<String> {
    if !(name.starts_with("OPIK_") || name.starts_with("COMET_")) || is_read(name) {
        return None;
    }
    Some(match HINTS.iter().find(|(n, _)| *n == name) {
        Some((_, hint)) => {
            format!("environment variable {name} is not read by opik-mcp; for {hint}")
        }
        None => format!(
            "environment variable {name} is not read by opik-mcp (see docs/configuration.md for \
             the names it reads)"
        ),
    })
}

fn is_read(name: &str) -> bool {
    let generic = name
        .strip_prefix(ENV_PREFIX)
        .is_some_and(|rest| rest.contains("__"));
    generic
        || OTHER_READ.contains(&name)
        || ENV_VARS.iter().any(|(v, _)| *v == name)
        || BASE_URL_ENV_VARS.iter().any(|(v, _, _)| *v == name)
}

/// Two names of one setting set to different values: say which one wins.
fn conflicts(env: &[(String, String)]) -> Vec<String> {
    let value = |name: &str| {
        let raw = env.iter().find(|(k, _)| k == name)?.1.trim().to_owned();
        let suffix = BASE_URL_ENV_VARS
            .iter()
            .find(|(v, _, _)| *v == name)
            .map(|(_, _, s)| *s);
        Some(match suffix {
            Some(s) => format!("{}{s}", raw.trim_end_matches('/')),
            None => raw,
        })
    };
    let mut keys: Vec<&str> = ENV_VARS.iter().map(|(_, k)| *k).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let generic = format!("{ENV_PREFIX}{}", key.to_uppercase().replace('.', "__"));
        let mut set: Vec<(String, String)> = env_names(key)
            .into_iter()
            .map(str::to_owned)
            .chain([generic])
            .filter_map(|n| value(&n).map(|v| (n, v)))
            .collect();
        set.dedup_by(|a, b| a.0 == b.0);
        let Some((winner, won)) = set.last().cloned() else {
            continue;
        };
        let losers: Vec<&str> = set
            .iter()
            .filter(|(_, v)| *v != won)
            .map(|(n, _)| n.as_str())
            .collect();
        if !losers.is_empty() {
            out.push(format!(
                "{} and {winner} set {key} to different values; {winner} wins",
                losers.join(", ")
            ));
        }
    }
    out
}

#[cfg(test)]
#[path = "warnings_tests.rs"]
mod tests;
