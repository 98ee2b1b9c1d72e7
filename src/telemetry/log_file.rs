//! The HTTP service's log file (`server.log_path`, the seed's `sseLogPath`): appended to,
//! and reopened on SIGHUP so logrotate's default `create` mode works (rename the file, send
//! HUP, the next line goes to a fresh file at the same path). No size-based rotation: that
//! is logrotate's job, and a renamed file is never written again after the HUP.
//!
//! Hand-written (about 60 lines) because `tracing-appender` only rotates by time and has no
//! reopen-on-signal; this keeps the seed's single fixed path.
//!
//! Opened safely for a shared `/tmp`: the final component is never followed if it is a
//! symlink (`O_NOFOLLOW`: another user cannot point it at a file of ours), a new file is
//! created `0600`, and the opened file must be a regular file owned by this user (a file
//! another user planted would let them read our logs); an existing one of ours that others
//! can read is narrowed to `0600`. The default path lives in a per-user directory
//! (`ServerSettings::default_log_path`) created `0700` and checked the same way.

use std::{
    fs::{File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard},
};

use tracing_subscriber::fmt::MakeWriter;

/// A log file that can be reopened in place; cheap to clone.
#[derive(Clone)]
pub struct LogFile(Arc<Inner>);

struct Inner {
    path: PathBuf,
    file: Mutex<File>,
}

#[cfg(unix)]
mod user {
    /// The effective user id.
    pub fn euid() -> u32 {
        // SAFETY: geteuid has no preconditions, cannot fail and only reads the process's
        // credentials.
        unsafe { libc::geteuid() }
    }
}

#[cfg(unix)]
fn open(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    if path == crate::config::ServerSettings::default_log_path()
        && let Some(dir) = path.parent()
    {
        private_dir(dir)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => io::Error::other("it is a symbolic link (not followed)"),
            _ => e,
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("it is not a regular file"));
    }
    if meta.uid() != user::euid() {
        return Err(io::Error::other(format!(
            "it is owned by uid {}, not this user ({})",
            meta.uid(),
            user::euid()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Create `dir` as `0700`, or check that the existing one is a directory (not a symlink)
/// of this user that no one else can enter.
#[cfg(unix)]
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    let mine = meta.uid() == user::euid();
    if !meta.is_dir() || !mine || meta.mode() & 0o077 != 0 {
        return Err(io::Error::other(format!(
            "{} exists but is not a private (0700) directory of this user; remove it or set \
             server.log_path",
            dir.display()
        )));
    }
    Ok(())
}

impl LogFile {
    /// Open (create or append to) `path`.
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(Self(Arc::new(Inner {
            path: path.to_owned(),
            file: Mutex::new(open(path)?),
        })))
    }

    /// Reopen the path (after logrotate renamed the file). On failure the old handle stays.
    pub fn reopen(&self) -> io::Result<()> {
        let fresh = open(&self.0.path)?;
        *self.0.file.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }

    /// Reopen on every SIGHUP, for the life of the process (HTTP mode only).
    #[cfg(unix)]
    pub fn reopen_on_sighup(self) {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                match self.reopen() {
                    Ok(()) => tracing::info!(path = %self.0.path.display(), "log file reopened"),
                    Err(e) => tracing::error!(error = %e, "log file could not be reopened"),
                }
            }
        });
    }
}

/// A locked handle for one event.
pub struct Guard<'a>(MutexGuard<'a, File>);

impl Write for Guard<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<'a> MakeWriter<'a> for LogFile {
    type Writer = Guard<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Guard(self.0.file.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[cfg(all(test, unix))]
#[path = "log_file_tests.rs"]
mod tests;
