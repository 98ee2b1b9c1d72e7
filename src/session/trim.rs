//! Handing memory freed by ended sessions back to the operating system.
//!
//! glibc's allocator keeps freed small blocks in its arenas and only returns the top of each
//! heap by itself, so after 10,000 SSE streams close the process keeps its peak RSS (the
//! memory is reused by new sessions, but never shrinks). `malloc_trim(0)` releases
//! every whole free page of every arena. It runs on a blocking thread, at most every
//! [`CHECK_EVERY`], and only after [`AFTER_SESSIONS`] sessions have ended since the last run.

use std::time::Duration;

/// How often the registry checks whether to trim.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(5);
/// Ended sessions that make a trim worthwhile.
pub(crate) const AFTER_SESSIONS: usize = 256;

/// Return freed heap pages to the OS (glibc only; a no-op elsewhere).
pub(crate) async fn release_freed_memory() {
    let _ = tokio::task::spawn_blocking(trim).await;
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: `malloc_trim` takes no pointers and only walks glibc's own arenas under their
    // locks; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
