//! The figment layering: defaults (serde `Default`s) → config file → environment → flags.

use std::path::PathBuf;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};

use super::{Cli, ConfigError, Settings};

/// Upstream environment names and the key each sets. Later entries win, so the documented
/// `MCP_*` names beat the bare names upstream's code read, and both beat the
/// `STREAMABLE_HTTP_*` names of upstream's later Streamable HTTP release (npm 2.x). The names
/// of upstream's current (Python) server, `OPIK_URL`, `OPIK_WORKSPACE` and its alias
/// `COMET_WORKSPACE`, lose to the TypeScript-era names this server documents.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("STREAMABLE_HTTP_PORT", "server.port"),
    ("STREAMABLE_HTTP_HOST", "server.host"),
    ("STREAMABLE_HTTP_LOG_PATH", "server.log_path"),
    ("TRANSPORT", "transport"),
    ("MCP_TRANSPORT", "transport"),
    ("SSE_PORT", "server.port"),
    ("MCP_SSE_PORT", "server.port"),
    ("SSE_HOST", "server.host"),
    ("MCP_SSE_HOST", "server.host"),
    ("SSE_LOG_PATH", "server.log_path"),
    ("MCP_SSE_LOG_PATH", "server.log_path"),
    ("OPIK_URL", "opik.api_url"),
    ("OPIK_API_BASE_URL", "opik.api_url"),
    ("OPIK_API_KEY", "opik.api_key"),
    ("COMET_WORKSPACE", "opik.workspace"),
    ("OPIK_WORKSPACE", "opik.workspace"),
    ("OPIK_WORKSPACE_NAME", "opik.workspace"),
    ("OPIK_SELF_HOSTED", "opik.self_hosted"),
    ("OPIK_TOOLSETS", "opik.toolsets"),
    ("DATABASE_URL", "database.url"),
];

/// Upstream environment names that hold a base URL: the key gets the value with the suffix
/// appended (upstream's Python server: `COMET_URL_OVERRIDE=https://www.comet.com` means the
/// REST API at `https://www.comet.com/opik/api`). Below every name in [`ENV_VARS`].
pub const BASE_URL_ENV_VARS: &[(&str, &str, &str)] =
    &[("COMET_URL_OVERRIDE", "opik.api_url", "/opik/api")];

/// Every upstream environment name that sets `key`, lowest precedence first.
pub fn env_names(key: &str) -> Vec<&'static str> {
    let derived = BASE_URL_ENV_VARS.iter().map(|(var, k, _)| (*var, *k));
    derived
        .chain(ENV_VARS.iter().copied())
        .filter(|(_, k)| *k == key)
        .map(|(var, _)| var)
        .collect()
}

use super::ENV_PREFIX;

/// Refuse an environment value figment 0.10 cannot parse without panicking: a quoted value
/// holding a backslash escape and a non-ASCII character (its escape parser slices the string
/// at a character index taken as a byte index). Found by the config fuzz harness
/// (tests/fuzz/config.rs); checked before figment sees the value.
pub fn check_env_value(name: &str, value: &str) -> Result<(), ConfigError> {
    let quoted = value.trim_start().starts_with(['"', '\'']);
    if quoted && value.contains('\\') && !value.is_ascii() {
        return Err(ConfigError::Load(format!(
            "{name}: a quoted value may not combine backslash escapes with non-ASCII characters"
        )));
    }
    Ok(())
}

fn check_env() -> Result<(), ConfigError> {
    for (name, value) in std::env::vars_os() {
        let (Some(name), Some(value)) = (name.to_str(), value.to_str()) else {
            continue;
        };
        let setting = name.starts_with(ENV_PREFIX)
            || ENV_VARS.iter().any(|(v, _)| *v == name)
            || BASE_URL_ENV_VARS.iter().any(|(v, _, _)| *v == name);
        if setting {
            check_env_value(name, value)?;
        }
    }
    Ok(())
}

/// Load and validate the settings from every layer.
pub fn load(cli: &Cli) -> Result<Settings, ConfigError> {
    check_env()?;
    let mut fig = Figment::new();
    let file = cli
        .config
        .clone()
        .or_else(|| std::env::var_os("OPIK_MCP_CONFIG").map(PathBuf::from));
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError::invalid(
                "config",
                format!(
                    "config file {} does not exist or is not a file",
                    path.display()
                ),
            ));
        }
        fig = fig.merge(Toml::file_exact(path));
    }
    for &(var, key, suffix) in BASE_URL_ENV_VARS {
        if let Some(base) = std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
            let url = format!("{}{suffix}", base.trim().trim_end_matches('/'));
            fig = fig.merge(Serialized::default(key, url));
        }
    }
    for &(var, key) in ENV_VARS {
        fig = fig.merge(Env::raw().only(&[var]).map(move |_| key.into()));
    }
    // Only `<SECTION>__<KEY>` names (and `TRANSPORT`) are settings: other `OPIK_MCP_*`
    // variables (`OPIK_MCP_CONFIG`, scripts' own like `OPIK_MCP_BIN`) are not, and must not
    // trip `deny_unknown_fields`. A misspelt key inside a section is still an error.
    fig = fig.merge(
        Env::prefixed(ENV_PREFIX)
            .filter(|k| k.as_str().contains("__") || k.as_str() == "transport")
            .split("__"),
    );
    fig = cli.overlay(fig);
    let explicit = super::stdio_defaults::Explicit::of(&fig);
    let mut settings: Settings = fig.extract().map_err(super::errors::from_figment)?;
    super::stdio_defaults::apply(&mut settings, explicit, super::state_dir)?;
    settings
        .validate()
        .map_err(|e| super::errors::locate(e, &fig))?;
    Ok(settings)
}
