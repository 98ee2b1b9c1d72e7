//! Defaults of stdio mode. Desktop clients start a stdio server in a working directory of
//! their choosing (Claude Desktop uses `/`, editors the user's project folder), so stdio mode
//! writes nothing there:
//!
//! - the audit trail is off unless configured (`audit.enabled = true`, or a `database.url`);
//! - when it is on, the SQLite file and the spill file that were not given a location live
//!   in the platform's state directory: `$XDG_STATE_HOME/opik-mcp` (default
//!   `~/.local/state/opik-mcp`) on Linux, `~/Library/Application Support/opik-mcp` on macOS,
//!   `%LOCALAPPDATA%\opik-mcp` on Windows.
//!
//! The HTTP service keeps its working-directory defaults: an operator chooses that directory
//! (a container's `WORKDIR`, a unit's `WorkingDirectory`).

use std::path::{Path, PathBuf};

use figment::Figment;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use secrecy::SecretString;

use super::{ConfigError, Settings, TransportMode};

/// Characters with a meaning in an `sqlite://` URL (sqlx percent-decodes the path).
const URL_SPECIAL: &AsciiSet = &CONTROLS.add(b'%').add(b'?').add(b'#');

/// Which of the audit trail's settings some layer (file, environment, flag) set.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Explicit {
    audit_enabled: bool,
    database_url: bool,
    spill_path: bool,
}

impl Explicit {
    /// Read from the merged layers, before defaults fill in.
    pub(crate) fn of(fig: &Figment) -> Self {
        Self {
            audit_enabled: fig.contains("audit.enabled"),
            database_url: fig.contains("database.url"),
            spill_path: fig.contains("audit.spill_path"),
        }
    }
}

/// This application's directory in the platform's state directory, if there is a home.
pub fn state_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let base = etcetera::base_strategy::choose_native_strategy().ok()?;
    // macOS and Windows have no state directory; Windows' per-machine (not roaming) data
    // folder is %LOCALAPPDATA%, which etcetera calls the cache directory.
    let dir = base.state_dir().unwrap_or_else(|| {
        if cfg!(windows) {
            base.cache_dir()
        } else {
            base.data_dir()
        }
    });
    Some(dir.join("opik-mcp"))
}

/// Apply the stdio defaults (see the module docs). `state_dir` is [`state_dir`] outside tests.
pub(crate) fn apply(
    settings: &mut Settings,
    explicit: Explicit,
    state_dir: impl FnOnce() -> Option<PathBuf>,
) -> Result<(), ConfigError> {
    if settings.transport != TransportMode::Stdio {
        return Ok(());
    }
    if !explicit.audit_enabled && !explicit.database_url {
        settings.audit.enabled = false;
        return Ok(());
    }
    if !settings.audit.enabled || (explicit.database_url && explicit.spill_path) {
        return Ok(());
    }
    let key = if explicit.database_url {
        "audit.spill_path"
    } else {
        "database.url"
    };
    let dir = state_dir().ok_or_else(|| {
        ConfigError::invalid(
            key,
            "stdio mode keeps the audit trail in the platform's state directory, but no home \
             directory was found; set database.url and audit.spill_path to absolute paths",
        )
    })?;
    create_private_dir(&dir)
        .map_err(|e| ConfigError::invalid(key, format!("cannot create {}: {e}", dir.display())))?;
    if !explicit.database_url {
        settings.database.url = SecretString::from(sqlite_url(&dir.join("opik-mcp.db")));
    }
    if !explicit.spill_path {
        settings.audit.spill_path = dir.join("opik-mcp-audit.spill");
    }
    Ok(())
}

/// `sqlite://` URL of an absolute path.
fn sqlite_url(path: &Path) -> String {
    let path = path.to_string_lossy();
    format!("sqlite://{}", utf8_percent_encode(&path, URL_SPECIAL))
}

/// The audit trail holds who called which tool: readable by its owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
#[path = "stdio_defaults_tests.rs"]
mod tests;
