//! `[cors]`: which web origins may call the MCP endpoints from a browser.

use serde::Deserialize;

use super::ConfigError;

/// Cross-origin (browser) access to the MCP endpoints.
///
/// An origin allowed here is also accepted by the `Origin` check (`server.allowed_origins`
/// is merged in), so one list decides both. Same-origin requests need no entry; when bound to
/// loopback with no `server.allowed_hosts`, loopback origins are allowed too.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsSettings {
    /// Allowed origins, exactly `scheme://host[:port]` (e.g. `https://app.example.com`).
    /// `"*"` allows any origin; it needs authentication (`auth.mode` not `none`) and
    /// `cors.allow_credentials = false`. Env `OPIK_MCP_CORS__ALLOWED_ORIGINS`. Default empty.
    pub allowed_origins: Vec<String>,
    /// Send `Access-Control-Allow-Credentials: true` (cookies / client certificates from the
    /// browser). Bearer tokens do not need it. Env `OPIK_MCP_CORS__ALLOW_CREDENTIALS`.
    /// Default false.
    pub allow_credentials: bool,
    /// Seconds browsers may cache a preflight answer (`Access-Control-Max-Age`). Env
    /// `OPIK_MCP_CORS__MAX_AGE_SECS`. Default 600.
    pub max_age_secs: u32,
}

impl Default for CorsSettings {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            allow_credentials: false,
            max_age_secs: 600,
        }
    }
}

impl CorsSettings {
    /// Whether `"*"` is listed.
    pub fn any_origin(&self) -> bool {
        self.allowed_origins.iter().any(|o| o == "*")
    }

    pub(crate) fn validate(&self, authenticated: bool) -> Result<(), ConfigError> {
        const KEY: &str = "cors.allowed_origins";
        for origin in &self.allowed_origins {
            if origin == "*" {
                if self.allow_credentials {
                    return Err(ConfigError::invalid(
                        KEY,
                        "\"*\" cannot be combined with cors.allow_credentials = true",
                    ));
                }
                if !authenticated {
                    return Err(ConfigError::invalid(
                        KEY,
                        "\"*\" needs authentication (auth.mode jwt, api-key or both): an \
                         unauthenticated server must not be callable from any web page",
                    ));
                }
                continue;
            }
            let url = url::Url::parse(origin)
                .map_err(|e| ConfigError::invalid(KEY, format!("{origin:?} is not a URL: {e}")))?;
            let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
            if !matches!(url.scheme(), "http" | "https")
                || url.host_str().is_none()
                || !bare
                || origin.ends_with('/')
            {
                return Err(ConfigError::invalid(
                    KEY,
                    format!("{origin:?} must be exactly scheme://host[:port], without a path"),
                ));
            }
        }
        if self.max_age_secs > 86_400 {
            return Err(ConfigError::invalid(
                "cors.max_age_secs",
                "must be at most 86400",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_with_credentials_is_refused() {
        let s = CorsSettings {
            allowed_origins: vec!["*".into()],
            allow_credentials: true,
            ..CorsSettings::default()
        };
        assert!(s.validate(true).is_err());
        let s = CorsSettings {
            allow_credentials: false,
            ..s
        };
        assert!(s.validate(true).is_ok());
        assert!(s.validate(false).is_err());
    }

    #[test]
    fn origins_must_be_bare() {
        for bad in [
            "https://a.example/",
            "https://a.example/app",
            "a.example",
            "ftp://a",
        ] {
            let s = CorsSettings {
                allowed_origins: vec![bad.into()],
                ..CorsSettings::default()
            };
            assert!(s.validate(true).is_err(), "{bad}");
        }
        let s = CorsSettings {
            allowed_origins: vec!["http://localhost:5173".into()],
            ..CorsSettings::default()
        };
        assert!(s.validate(false).is_ok());
    }
}
