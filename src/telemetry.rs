//! Logging with `tracing`: stderr always, plus the HTTP service's log file.

use std::{fs::OpenOptions, path::Path, sync::Mutex};

use anyhow::Context;
use tracing_subscriber::{EnvFilter, fmt::writer::MakeWriterExt, prelude::*};

use crate::config::{LogFormat, LogSettings};

/// rmcp logs every received request in full (tool arguments included, secrets and all) at
/// debug level under this target. This more specific directive wins over any broader one
/// (`debug`, `rmcp=trace`), so arguments never reach the logs; the audit trail records
/// requests instead, redacted.
pub const RMCP_SERVICE_CAP: &str = "rmcp::service=info";

/// Install the global subscriber. `file`, when given, receives the same events as stderr
/// (appended). `RUST_LOG` overrides `log.filter` when set.
pub fn init(log: &LogSettings, file: Option<&Path>) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.filter))?
        .add_directive(RMCP_SERVICE_CAP.parse()?);
    let file = match file {
        Some(path) if !path.as_os_str().is_empty() => Some(Mutex::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| {
                    format!("server.log_path: cannot open log file {}", path.display())
                })?,
        )),
        _ => None,
    };
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
                    .with_writer(stderr.and(f)),
            )
            .try_init(),
        (LogFormat::Json, None) => tracing_subscriber::registry()
            .with(filter)
            .with(tracing_subscriber::fmt::layer().json().with_writer(stderr))
            .try_init(),
    };
    // A subscriber already installed (tests) is fine.
    let _ = result;
    Ok(())
}
