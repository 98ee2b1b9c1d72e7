//! Telemetry: logs with `tracing` (stderr always, plus the HTTP service's log file),
//! Prometheus metrics ([`metrics`]) and the MCP observer that feeds them ([`observer`]).

pub mod labels;
mod log_file;
pub mod metrics;
pub mod metrics_oauth;
pub mod observer;

use std::path::Path;

use anyhow::Context;
use tracing_subscriber::{EnvFilter, fmt::writer::MakeWriterExt, prelude::*};

pub use log_file::LogFile;
pub use observer::MetricsObserver;

use crate::config::{LogFormat, LogSettings};

/// rmcp logs every received request in full (tool arguments included, secrets and all) at
/// debug level under this target. This more specific directive wins over any broader one
/// (`debug`, `rmcp=trace`), so arguments never reach the logs; the audit trail records
/// requests instead, redacted.
pub const RMCP_SERVICE_CAP: &str = "rmcp::service=info";

/// Whether human-readable logs may carry ANSI colour codes: only when stderr is a terminal
/// and `NO_COLOR` is unset or empty (<https://no-color.org>). Desktop MCP clients capture a
/// stdio server's stderr into their log files, where escape codes are noise.
pub fn use_ansi(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// rmcp's own INFO lines are Rust `Debug` dumps of protocol structs (`peer_info:
/// Some(InitializeRequestParams { .. })`, every received notification): unless the filter
/// names `rmcp` itself, it logs warnings and errors only. Our access log and session events
/// already say what happened, in plain fields.
pub const RMCP_DEFAULT: &str = "rmcp=warn";

/// The filter: `RUST_LOG` when set, else `log.filter`; rmcp at `warn` unless the filter asks
/// for it by name, and its request dumps capped either way.
fn log_filter(configured: &str) -> anyhow::Result<EnvFilter> {
    // An unparsable RUST_LOG falls back to `log.filter` (validated at start-up), as before.
    let text = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty() && EnvFilter::try_new(v).is_ok())
        .unwrap_or_else(|| configured.to_owned());
    let mut filter = EnvFilter::try_new(&text)?;
    if !text.contains("rmcp") {
        filter = filter
            .add_directive(RMCP_DEFAULT.parse()?)
            .add_directive("rmcp::service=warn".parse()?);
    } else {
        filter = filter.add_directive(RMCP_SERVICE_CAP.parse()?);
    }
    Ok(filter)
}

/// Install the global subscriber. `file`, when given, receives the same events as stderr
/// (appended, reopened on SIGHUP). `RUST_LOG` overrides `log.filter` when set. JSON lines
/// carry the event's fields at the top level (`request_id`, `http.route`, …). Colours only
/// on a terminal ([`use_ansi`]).
pub fn init(log: &LogSettings, file: Option<&Path>) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let ansi = use_ansi(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let filter = log_filter(&log.filter)?;
    let file = match file {
        Some(path) if !path.as_os_str().is_empty() => {
            Some(LogFile::open(path).with_context(|| {
                format!("server.log_path: cannot open log file {}", path.display())
            })?)
        }
        _ => None,
    };
    #[cfg(unix)]
    if let Some(f) = &file
        && tokio::runtime::Handle::try_current().is_ok()
    {
        f.clone().reopen_on_sighup();
    }
    let stderr = std::io::stderr;
    let result = match (log.format, file) {
        (LogFormat::Pretty, Some(f)) => tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(stderr.and(f))
                    .with_ansi(false),
            )
            .try_init(),
        (LogFormat::Pretty, None) => tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(stderr)
                    .with_ansi(ansi),
            )
            .try_init(),
        (LogFormat::Json, Some(f)) => tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_ansi(false)
                    .with_writer(stderr.and(f)),
            )
            .try_init(),
        (LogFormat::Json, None) => tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_ansi(false)
                    .with_writer(stderr),
            )
            .try_init(),
    };
    // A subscriber already installed (tests) is fine.
    let _ = result;
    Ok(())
}

/// A short, non-reversible tag of an authenticated subject for logs: the first 12 hex
/// characters of SHA-256(subject). Never log the subject itself.
pub fn subject_hash(subject: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(subject.as_bytes())[..6])
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::use_ansi;

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(use_ansi(true, None));
        assert!(
            use_ansi(true, Some(OsStr::new(""))),
            "an empty NO_COLOR is unset"
        );
        assert!(!use_ansi(true, Some(OsStr::new("1"))));
        assert!(
            !use_ansi(false, None),
            "a redirected stderr gets no escape codes"
        );
    }
}
