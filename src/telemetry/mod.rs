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

/// Install the global subscriber. `file`, when given, receives the same events as stderr
/// (appended, reopened on SIGHUP). `RUST_LOG` overrides `log.filter` when set. JSON lines
/// carry the event's fields at the top level (`request_id`, `http.route`, …).
pub fn init(log: &LogSettings, file: Option<&Path>) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.filter))?
        .add_directive(RMCP_SERVICE_CAP.parse()?);
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
            .with(tracing_subscriber::fmt::layer().with_writer(stderr))
            .try_init(),
        (LogFormat::Json, Some(f)) => tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(stderr.and(f)),
            )
            .try_init(),
        (LogFormat::Json, None) => tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
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
