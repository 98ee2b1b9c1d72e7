//! `[tls]`: HTTPS for the HTTP service, optional client certificates (mTLS), hot reload.

use std::{path::PathBuf, time::Duration};

use serde::Deserialize;

use super::ConfigError;

/// Whether and how client certificates are checked (when `tls.client_ca_path` is set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// A client certificate signed by the CA bundle is required to connect.
    #[default]
    Required,
    /// A certificate is verified when presented; clients without one may connect.
    Optional,
}

/// Lowest TLS protocol version accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
pub enum TlsVersion {
    /// TLS 1.2 and 1.3.
    #[default]
    #[serde(rename = "1.2")]
    V1_2,
    /// TLS 1.3 only.
    #[serde(rename = "1.3")]
    V1_3,
}

/// HTTPS settings. TLS is on when `cert_path` and `key_path` are set; otherwise the service
/// speaks plain HTTP (for a TLS-terminating proxy in front, or loopback use).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM certificate chain (leaf first). Flag `--tls-cert`, env `OPIK_MCP_TLS__CERT_PATH`.
    /// Default none (plain HTTP).
    pub cert_path: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1). Flag `--tls-key`, env `OPIK_MCP_TLS__KEY_PATH`.
    /// Default none.
    pub key_path: Option<PathBuf>,
    /// PEM bundle of the CAs that sign client certificates; enables mTLS. Flag
    /// `--tls-client-ca`, env `OPIK_MCP_TLS__CLIENT_CA_PATH`. Default none (no client certs).
    pub client_ca_path: Option<PathBuf>,
    /// `required` or `optional` client certificates (with `client_ca_path`). Env
    /// `OPIK_MCP_TLS__CLIENT_AUTH`. Default `required`.
    pub client_auth: ClientAuth,
    /// Lowest protocol version, `"1.2"` or `"1.3"`. Env `OPIK_MCP_TLS__MIN_VERSION`.
    /// Default `"1.2"`.
    pub min_version: TlsVersion,
    /// Seconds between checks of the certificate, key and CA files for changes; a valid change
    /// is served to new connections without a restart, an invalid one is logged, counted and
    /// ignored. 0 disables reloading. Env `OPIK_MCP_TLS__RELOAD_INTERVAL_SECS`. Default 10.
    pub reload_interval_secs: u64,
    /// Seconds a client gets to finish the TLS handshake. Env
    /// `OPIK_MCP_TLS__HANDSHAKE_TIMEOUT_SECS`. Default 10.
    pub handshake_timeout_secs: u64,
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self {
            cert_path: None,
            key_path: None,
            client_ca_path: None,
            client_auth: ClientAuth::Required,
            min_version: TlsVersion::V1_2,
            reload_interval_secs: 10,
            handshake_timeout_secs: 10,
        }
    }
}

impl TlsSettings {
    /// Whether HTTPS is configured.
    pub fn enabled(&self) -> bool {
        self.cert_path.is_some()
    }

    /// Handshake deadline.
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.handshake_timeout_secs)
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        match (&self.cert_path, &self.key_path) {
            (Some(_), None) => {
                return Err(ConfigError::invalid(
                    "tls.key_path",
                    "is required when tls.cert_path is set",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::invalid(
                    "tls.cert_path",
                    "is required when tls.key_path is set",
                ));
            }
            _ => {}
        }
        if self.client_ca_path.is_some() && self.cert_path.is_none() {
            return Err(ConfigError::invalid(
                "tls.client_ca_path",
                "client certificates need TLS: set tls.cert_path and tls.key_path too",
            ));
        }
        if self.handshake_timeout_secs == 0 {
            return Err(ConfigError::invalid(
                "tls.handshake_timeout_secs",
                "must be greater than 0",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_without_key_names_the_missing_key() {
        let s = TlsSettings {
            cert_path: Some("c.pem".into()),
            ..TlsSettings::default()
        };
        let err = s.validate().expect_err("invalid").to_string();
        assert!(err.contains("tls.key_path"), "{err}");
    }

    #[test]
    fn client_ca_needs_tls() {
        let s = TlsSettings {
            client_ca_path: Some("ca.pem".into()),
            ..TlsSettings::default()
        };
        let err = s.validate().expect_err("invalid").to_string();
        assert!(err.contains("tls.client_ca_path"), "{err}");
    }
}
