//! The HTTP service's log file (`server.log_path`, the seed's `sseLogPath`): appended to,
//! and reopened on SIGHUP so logrotate's default `create` mode works (rename the file, send
//! HUP, the next line goes to a fresh file at the same path). No size-based rotation: that
//! is logrotate's job, and a renamed file is never written again after the HUP.
//!
//! Hand-written (about 60 lines) because `tracing-appender` only rotates by time and has no
//! reopen-on-signal; this keeps the seed's single fixed path.

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

fn open(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
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
