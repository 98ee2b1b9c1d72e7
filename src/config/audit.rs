//! `[audit]`: the audit trail (one row per MCP request and per security event) and the
//! session records. See docs/operations.md.

use std::{path::PathBuf, time::Duration};

use secrecy::SecretString;
use serde::Deserialize;

use super::ConfigError;

/// What happens when neither the database nor the spill file can take audit records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    /// New MCP requests (and sessions) get 503 until records can be stored again; nothing
    /// accepted is dropped.
    #[default]
    FailClosed,
    /// Requests keep being served; records that cannot be stored are dropped, logged and
    /// counted in `opik_mcp_audit_lost_total`.
    FailOpen,
}

impl OnFailure {
    /// The setting's value as written in the configuration (`fail-closed`, `fail-open`).
    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::FailClosed => "fail-closed",
            OnFailure::FailOpen => "fail-open",
        }
    }
}

/// Keys whose values never reach the table or the logs (matched case-insensitively, by
/// Unicode confusable skeleton, ignoring separators; entries of more than four characters
/// anywhere in the key name — `x_api_key` matches `apikey` — shorter ones as a whole word:
/// `basic_auth` matches `auth`, `author` does not).
pub const DEFAULT_REDACT_KEYS: &[&str] = &[
    "apikey",
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "token",
    "secret",
    "authorization",
    "auth",
    "bearer",
    "jwt",
    "cookie",
    "credential",
    "privatekey",
    "dsn",
];

/// The audit trail.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// Record sessions and requests in the database. Env `OPIK_MCP_AUDIT__ENABLED`.
    /// Default true.
    pub enabled: bool,
    /// Store each `tools/call`'s arguments (after redaction) as well as their SHA-256 digest.
    /// Default false (digest only).
    pub log_arguments: bool,
    /// Argument keys whose values are replaced by `"[REDACTED]"` (case-insensitive, `_`/`-`
    /// ignored, substring match). Default: apikey, password, passwd, token, secret,
    /// authorization, cookie, credential, privatekey.
    pub redact_keys: Vec<String>,
    /// Days audit rows and ended sessions are kept; 0 keeps them forever. Default 90.
    pub retention_days: u32,
    /// Seconds between retention runs. Default 3600.
    pub retention_interval_secs: u64,
    /// Rows deleted per statement by the retention job (small batches keep locks short).
    /// Default 1000.
    pub retention_batch: u32,
    /// Records queued in memory before `on_failure` applies. Default 100000.
    pub queue_capacity: usize,
    /// Most records per database transaction. Default 500.
    pub batch_size: usize,
    /// Longest a record waits in memory for its batch to fill, milliseconds. Default 100.
    pub batch_interval_ms: u64,
    /// Append-only file records go to (fsync'd) while the database is down or slow; replayed
    /// in order once it is back. Default `opik-mcp-audit.spill` (in the working directory).
    pub spill_path: PathBuf,
    /// Largest spill file, bytes; beyond it the spill counts as failed. Default 1073741824.
    pub spill_max_bytes: u64,
    /// A batch write slower than this counts as failed and is spilled, seconds. Default 5.
    pub write_timeout_secs: u64,
    /// First pause before retrying the database after a failure, milliseconds (doubles up to
    /// 30 s). Default 500.
    pub retry_interval_ms: u64,
    /// On shutdown, how long the writer may take to store what was accepted, seconds
    /// (what the database cannot take by then stays in the spill file). Default 10.
    pub flush_timeout_secs: u64,
    /// Seconds between session last-seen/counter updates (never per message). Default 5.
    pub session_update_secs: u64,
    /// `fail-closed` or `fail-open`, see [`OnFailure`]. Env `OPIK_MCP_AUDIT__ON_FAILURE`.
    /// Default `fail-closed`.
    pub on_failure: OnFailure,
    /// Bearer token of the admin API (`/admin/audit`, `/admin/sessions`); unset disables the
    /// admin API. Env `OPIK_MCP_AUDIT__ADMIN_TOKEN`. Default none. Never logged.
    pub admin_token: Option<SecretString>,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            log_arguments: false,
            redact_keys: DEFAULT_REDACT_KEYS.iter().map(|k| (*k).into()).collect(),
            retention_days: 90,
            retention_interval_secs: 3600,
            retention_batch: 1000,
            queue_capacity: 100_000,
            batch_size: 500,
            batch_interval_ms: 100,
            spill_path: PathBuf::from("opik-mcp-audit.spill"),
            spill_max_bytes: 1 << 30,
            write_timeout_secs: 5,
            retry_interval_ms: 500,
            flush_timeout_secs: 10,
            session_update_secs: 5,
            on_failure: OnFailure::FailClosed,
            admin_token: None,
        }
    }
}

impl AuditSettings {
    /// Batch interval.
    pub fn batch_interval(&self) -> Duration {
        Duration::from_millis(self.batch_interval_ms)
    }

    /// Batch write timeout.
    pub fn write_timeout(&self) -> Duration {
        Duration::from_secs(self.write_timeout_secs)
    }

    /// First retry pause.
    pub fn retry_interval(&self) -> Duration {
        Duration::from_millis(self.retry_interval_ms)
    }

    /// Shutdown flush deadline.
    pub fn flush_timeout(&self) -> Duration {
        Duration::from_secs(self.flush_timeout_secs)
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let positive: [(&'static str, u64); 8] = [
            (
                "audit.retention_interval_secs",
                self.retention_interval_secs,
            ),
            ("audit.retention_batch", u64::from(self.retention_batch)),
            ("audit.queue_capacity", self.queue_capacity as u64),
            ("audit.batch_interval_ms", self.batch_interval_ms),
            ("audit.write_timeout_secs", self.write_timeout_secs),
            ("audit.retry_interval_ms", self.retry_interval_ms),
            ("audit.flush_timeout_secs", self.flush_timeout_secs),
            ("audit.session_update_secs", self.session_update_secs),
        ];
        for (key, v) in positive {
            if v == 0 {
                return Err(ConfigError::invalid(key, "must be greater than 0"));
            }
        }
        // Bounded so one transaction stays short (inserts are chunked by 1000 rows anyway).
        if !(1..=2000).contains(&self.batch_size) {
            return Err(ConfigError::invalid(
                "audit.batch_size",
                "must be between 1 and 2000",
            ));
        }
        if self.spill_path.as_os_str().is_empty() {
            return Err(ConfigError::invalid("audit.spill_path", "must name a file"));
        }
        if self.spill_max_bytes < 4096 {
            return Err(ConfigError::invalid(
                "audit.spill_max_bytes",
                "must be at least 4096",
            ));
        }
        if self.redact_keys.iter().any(|k| k.trim().is_empty()) {
            return Err(ConfigError::invalid(
                "audit.redact_keys",
                "entries must not be empty",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_fail_closed() {
        let s = AuditSettings::default();
        s.validate().expect("valid");
        assert_eq!(s.on_failure, OnFailure::FailClosed);
        assert!(!s.log_arguments);
    }

    #[test]
    fn oversized_batches_are_refused_naming_the_key() {
        let s = AuditSettings {
            batch_size: 5000,
            ..AuditSettings::default()
        };
        let err = s.validate().expect_err("refused");
        assert!(err.to_string().contains("audit.batch_size"), "{err}");
    }

    #[test]
    fn on_failure_parses_kebab_case() {
        let v: OnFailure = serde_json::from_str("\"fail-open\"").expect("parses");
        assert_eq!(v, OnFailure::FailOpen);
    }
}
