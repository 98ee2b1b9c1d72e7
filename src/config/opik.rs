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
    /// Milliseconds to establish a TCP/TLS connection to Opik.
    /// Env `OPIK_MCP_OPIK__CONNECT_TIMEOUT_MS`. Default 5000.
    pub connect_timeout_ms: u64,
    /// Milliseconds one Opik request may take, body included; must stay below
    /// `server.request_timeout_secs`. Env `OPIK_MCP_OPIK__REQUEST_TIMEOUT_MS`. Default 20000.
    pub request_timeout_ms: u64,
    /// Extra attempts for idempotent GETs after a refused connection or a 429/502/503/504
    /// (never for writes, never after a timeout). Env `OPIK_MCP_OPIK__RETRIES`. Default 2.
    pub retries: u32,
    /// Milliseconds before the first retry; doubles for each further one.
    /// Env `OPIK_MCP_OPIK__RETRY_BACKOFF_MS`. Default 200.
    pub retry_backoff_ms: u64,
    /// Largest Opik response body read, bytes; larger fails the call.
    /// Env `OPIK_MCP_OPIK__MAX_RESPONSE_BYTES`. Default 8388608 (8 MiB).
    pub max_response_bytes: usize,
    /// Idle pooled connections kept per Opik host. Env `OPIK_MCP_OPIK__POOL_MAX_IDLE`. Default 32.
    pub pool_max_idle: usize,
    /// Largest page size a tool asks Opik for; larger requests are reduced and say so.
    /// Env `OPIK_MCP_OPIK__MAX_PAGE_SIZE`. Default 100.
    pub max_page_size: u32,
    /// Longest string (characters) a tool returns; longer ones are cut with a marker and the
    /// result says how many were cut. Env `OPIK_MCP_OPIK__MAX_STRING_CHARS`. Default 4000.
    pub max_string_chars: usize,
    /// Header from which a caller may supply its own Opik API key for its calls (e.g.
    /// `x-opik-api-key`); unset: callers cannot, the server's key is used. Enable only
    /// behind authentication. Never `Authorization`: the MCP token is never forwarded.
    /// Env `OPIK_MCP_OPIK__CALLER_KEY_HEADER`. Default none.
    pub caller_key_header: Option<String>,
    /// Header from which a caller may choose its Opik workspace (e.g. `x-opik-workspace`);
    /// unset: callers cannot (the `workspaceName` tool argument still works).
    /// Env `OPIK_MCP_OPIK__CALLER_WORKSPACE_HEADER`. Default none.
    pub caller_workspace_header: Option<String>,
    /// Milliseconds a `completion/complete` request waits for Opik before answering with an
    /// empty list. Env `OPIK_MCP_OPIK__COMPLETION_TIMEOUT_MS`. Default 2000.
    pub completion_timeout_ms: u64,
    /// Seconds a completion list fetched from Opik is reused (per workspace, credential,
    /// source and typed text); 0 fetches every time. Env `OPIK_MCP_OPIK__COMPLETION_CACHE_SECS`.
    /// Default 30.
    pub completion_cache_secs: u64,
    /// Seconds between two reads of a subscribed resource (`resources/subscribe`); a change
    /// sends `notifications/resources/updated`. Env `OPIK_MCP_OPIK__SUBSCRIPTION_POLL_SECS`.
    /// Default 30.
    pub subscription_poll_secs: u64,
    /// Workspaces besides `opik.workspace` in which the server's own API key may be used,
    /// when a caller names one (`workspaceName`, or `opik.caller_workspace_header`); `["*"]`
    /// allows any. A caller that brings its own key (`opik.caller_key_header`) may name any
    /// workspace. Env `OPIK_MCP_OPIK__ALLOWED_WORKSPACES`. Default empty: only
    /// `opik.workspace`.
    pub allowed_workspaces: Vec<String>,
}

impl Default for OpikSettings {
    fn default() -> Self {
        Self {
            api_url: DEFAULT_API_URL.into(),
            api_key: None,
            workspace: "default".into(),
            self_hosted: false,
            toolsets: Toolsets::default(),
            connect_timeout_ms: 5_000,
            request_timeout_ms: 20_000,
            retries: 2,
            retry_backoff_ms: 200,
            max_response_bytes: 8 * 1024 * 1024,
            pool_max_idle: 32,
            max_page_size: 100,
            max_string_chars: 4_000,
            caller_key_header: None,
            caller_workspace_header: None,
            completion_timeout_ms: 2_000,
            completion_cache_secs: 30,
            subscription_poll_secs: 30,
            allowed_workspaces: Vec::new(),
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

    /// `api_url` with any user-info (`https://user:pw@host`) masked: the form every message,
    /// tool result and log shows.
    pub fn api_url_display(&self) -> String {
        crate::scrub::mask_userinfo(&self.api_url).into_owned()
    }

    /// The workspaces the server's key may be used in (`opik.workspace` first), or `None`
    /// when `opik.allowed_workspaces` holds `"*"`.
    pub fn workspace_allowlist(&self) -> Option<Vec<String>> {
        if self.allowed_workspaces.iter().any(|w| w == "*") {
            return None;
        }
        let mut all = vec![self.workspace.clone()];
        all.extend(
            self.allowed_workspaces
                .iter()
                .filter(|w| **w != self.workspace)
                .cloned(),
        );
        Some(all)
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let headers = [
            ("opik.caller_key_header", &self.caller_key_header),
            (
                "opik.caller_workspace_header",
                &self.caller_workspace_header,
            ),
        ];
        for (key, name) in headers {
            let Some(name) = name else { continue };
            let valid = poem::http::HeaderName::from_bytes(name.as_bytes()).is_ok();
            let reserved = ["authorization", "cookie", "host", "mcp-session-id"]
                .contains(&name.to_ascii_lowercase().as_str());
            if !valid || reserved {
                return Err(ConfigError::invalid(
                    key,
                    format!("{name:?} is not a usable header name (and never Authorization)"),
                ));
            }
        }
        let url = url::Url::parse(&self.api_url)
            .map_err(|e| ConfigError::invalid("opik.api_url", format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ConfigError::invalid(
                "opik.api_url",
                format!(
                    "must be an http(s) URL with a host, got {}",
                    self.api_url_display()
                ),
            ));
        }
        if self.workspace.trim().is_empty() {
            return Err(ConfigError::invalid("opik.workspace", "must not be empty"));
        }
        if !header_safe(&self.workspace) {
            return Err(ConfigError::invalid(
                "opik.workspace",
                "must be 1 to 256 printable ASCII characters (it is sent as a header)",
            ));
        }
        if let Some(bad) = self.allowed_workspaces.iter().find(|w| !header_safe(w)) {
            return Err(ConfigError::invalid(
                "opik.allowed_workspaces",
                format!("{bad:?} is not 1 to 256 printable ASCII characters"),
            ));
        }
        self.validate_limits()
    }

    fn validate_limits(&self) -> Result<(), ConfigError> {
        let checks: [(&'static str, bool, &str); 10] = [
            (
                "opik.connect_timeout_ms",
                (1..=60_000).contains(&self.connect_timeout_ms),
                "must be 1..=60000",
            ),
            (
                "opik.request_timeout_ms",
                (1..=600_000).contains(&self.request_timeout_ms),
                "must be 1..=600000",
            ),
            ("opik.retries", self.retries <= 5, "must be at most 5"),
            (
                "opik.retry_backoff_ms",
                self.retry_backoff_ms <= 10_000,
                "must be at most 10000",
            ),
            (
                "opik.max_response_bytes",
                self.max_response_bytes >= 1024,
                "must be at least 1024",
            ),
            (
                "opik.max_page_size",
                (1..=1000).contains(&self.max_page_size),
                "must be 1..=1000",
            ),
            (
                "opik.max_string_chars",
                self.max_string_chars >= 64,
                "must be at least 64",
            ),
            (
                "opik.completion_timeout_ms",
                (1..=60_000).contains(&self.completion_timeout_ms),
                "must be 1..=60000",
            ),
            (
                "opik.completion_cache_secs",
                self.completion_cache_secs <= 3_600,
                "must be at most 3600",
            ),
            (
                "opik.subscription_poll_secs",
                (1..=86_400).contains(&self.subscription_poll_secs),
                "must be 1..=86400",
            ),
        ];
        match checks.into_iter().find(|(_, ok, _)| !ok) {
            Some((key, _, message)) => Err(ConfigError::invalid(key, message)),
            None => Ok(()),
        }
    }

    /// Cross-section check: an Opik call must fail (as a tool error) before the MCP request
    /// that carries it times out, or the caller sees a transport timeout instead.
    pub(crate) fn validate_against(&self, request_timeout_secs: u64) -> Result<(), ConfigError> {
        if self.request_timeout_ms >= request_timeout_secs.saturating_mul(1000) {
            return Err(ConfigError::invalid(
                "opik.request_timeout_ms",
                format!(
                    "must be below server.request_timeout_secs ({request_timeout_secs} s), \
                     got {} ms",
                    self.request_timeout_ms
                ),
            ));
        }
        Ok(())
    }

    /// How long a completion waits for Opik.
    pub fn completion_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.completion_timeout_ms)
    }

    /// How long a fetched completion list is reused.
    pub fn completion_cache_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.completion_cache_secs)
    }

    /// The interval between two reads of a subscribed resource.
    pub fn subscription_poll(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.subscription_poll_secs)
    }
}

/// Whether `v` can be sent as a header value as it is: 1 to 256 printable ASCII characters.
fn header_safe(v: &str) -> bool {
    !v.is_empty() && v.len() <= 256 && v.bytes().all(|b| (0x20..0x7f).contains(&b))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(e: ConfigError) -> &'static str {
        match e {
            ConfigError::Invalid { key, .. } => key,
            ConfigError::Load(m) => panic!("unexpected load error {m}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_build_a_client() {
        let s = OpikSettings::default();
        assert!(s.validate().is_ok());
        assert!(s.validate_against(60).is_ok());
        assert_eq!(s.client().expect("client").base_url(), DEFAULT_API_URL);
    }

    #[test]
    fn out_of_range_limits_name_their_key() {
        let bad = [
            OpikSettings {
                max_page_size: 0,
                ..OpikSettings::default()
            },
            OpikSettings {
                retries: 9,
                ..OpikSettings::default()
            },
            OpikSettings {
                max_string_chars: 10,
                ..OpikSettings::default()
            },
        ];
        let keys: Vec<_> = bad
            .into_iter()
            .map(|s| key_of(s.validate().expect_err("invalid")))
            .collect();
        assert_eq!(
            keys,
            [
                "opik.max_page_size",
                "opik.retries",
                "opik.max_string_chars"
            ]
        );
    }

    #[test]
    fn opik_timeout_must_end_before_the_mcp_request_timeout() {
        let s = OpikSettings {
            request_timeout_ms: 60_000,
            ..OpikSettings::default()
        };
        let e = s.validate_against(60).expect_err("too long");
        assert_eq!(key_of(e), "opik.request_timeout_ms");
    }
}
