//! `[opik]`: the upstream Opik REST API the tools call.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

use super::{ConfigError, Toolsets};

/// Default Opik Cloud API base URL.
pub const DEFAULT_API_URL: &str = "https://www.comet.com/opik/api";

/// The upstream Opik API.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpikSettings {
    /// Base URL of the REST API. Flag `--apiUrl`, env `OPIK_API_BASE_URL`.
    /// Default `https://www.comet.com/opik/api`; self-hosted e.g. `http://localhost:5173/api`.
    pub api_url: String,
    /// API key sent as the raw `Authorization` value. Flag `--apiKey`, env `OPIK_API_KEY`.
    /// Default none. Never logged.
    #[serde(deserialize_with = "secret_from_scalar")]
    pub api_key: Option<SecretString>,
    /// Workspace sent as `Comet-Workspace`. Flag `--workspace`, env `OPIK_WORKSPACE_NAME`.
    /// Default `default`.
    #[serde(deserialize_with = "string_from_scalar")]
    pub workspace: String,
    /// Self-hosted Opik: no API key, no workspace header. Flag `--selfHosted`,
    /// env `OPIK_SELF_HOSTED`. Default false.
    pub self_hosted: bool,
    /// Enabled toolsets, comma-separated. Flag `--toolsets`, env `OPIK_TOOLSETS`. Default `core`.
    pub toolsets: Toolsets,
}

impl Default for OpikSettings {
    fn default() -> Self {
        Self {
            api_url: DEFAULT_API_URL.into(),
            api_key: None,
            workspace: "default".into(),
            self_hosted: false,
            toolsets: Toolsets::default(),
        }
    }
}

impl OpikSettings {
    /// Whether an API key is configured (the key itself never leaves this struct in logs).
    pub fn has_api_key(&self) -> bool {
        self.api_key
            .as_ref()
            .is_some_and(|k| !k.expose_secret().is_empty())
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let url = url::Url::parse(&self.api_url)
            .map_err(|e| ConfigError::invalid("opik.api_url", format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ConfigError::invalid(
                "opik.api_url",
                format!("must be an http(s) URL with a host, got {}", self.api_url),
            ));
        }
        if self.workspace.trim().is_empty() {
            return Err(ConfigError::invalid("opik.workspace", "must not be empty"));
        }
        if self.workspace.len() > 256 || self.workspace.chars().any(char::is_control) {
            return Err(ConfigError::invalid(
                "opik.workspace",
                "must be at most 256 printable characters",
            ));
        }
        Ok(())
    }
}

/// Env values are parsed by figment, so `12345` arrives as a number; keys and workspace
/// names are strings whatever they look like. Surrounding quotes are stripped as upstream did.
fn string_from_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        S(String),
        I(i64),
        F(f64),
    }
    let s = match Scalar::deserialize(d)? {
        Scalar::S(s) => s,
        Scalar::I(i) => i.to_string(),
        Scalar::F(f) => f.to_string(),
    };
    Ok(s.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
}

fn secret_from_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    let s = string_from_scalar(d)?;
    Ok((!s.is_empty()).then(|| SecretString::from(s)))
}
