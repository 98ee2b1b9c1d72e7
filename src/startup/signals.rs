//! Shutdown signals: SIGTERM/SIGINT cancel the root token (graceful drain).

use tokio_util::sync::CancellationToken;

/// SIGTERM and SIGINT streams, registered when made (tokio's `ctrl_c()` would register only
/// when first polled, inside a task that may not have run yet).
pub(super) struct ShutdownSignals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignals {
    pub(super) fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }
}

/// Cancel `token` on the first SIGTERM or SIGINT.
pub(super) async fn shutdown_on_signal(signals: ShutdownSignals, token: CancellationToken) {
    #[cfg(unix)]
    {
        let ShutdownSignals { term, int } = signals;
        let (Some(mut term), Some(mut int)) = (term, int) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = int.recv() => tracing::info!("SIGINT: shutting down"),
            _ = token.cancelled() => return,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = signals;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = token.cancelled() => return,
        }
    }
    token.cancel();
}
