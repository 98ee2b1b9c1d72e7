//! Readiness: a list of named checks, run concurrently (each bounded by a timeout) for
//! `GET /readyz`. Components add their own at start-up with [`Readiness::add`]:
//! the store adds `store` (writable, queue below its bound) and, with `admin.check_opik`,
//! start-up adds `opik` (the Opik API answers its ping). The built-in checks are `draining`
//! and `sessions`.

use std::{
    collections::BTreeMap,
    future::Future,
    pin::Pin,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use tokio_util::sync::CancellationToken;

use crate::session::SessionRegistry;

/// A boxed check future.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = CheckResult> + Send + 'a>>;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// Whether this check passes.
    pub ok: bool,
    /// A short human-readable detail (never a secret).
    pub detail: Option<String>,
    /// Structured figures of the check (e.g. the audit writer's queue), if any.
    pub data: Option<serde_json::Value>,
    /// Passing in a fallback mode (reported as `degraded`).
    pub degraded: bool,
}

impl CheckResult {
    /// Mark a passing check as running in a fallback mode.
    pub fn degraded(mut self, degraded: bool) -> Self {
        self.degraded = degraded;
        self
    }

    /// Attach structured figures.
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }

    /// Passing, with a detail.
    pub fn pass(detail: impl Into<String>) -> Self {
        Self {
            ok: true,
            detail: Some(detail.into()),
            data: None,
            degraded: false,
        }
    }

    /// Failing, with the reason.
    pub fn fail(detail: impl Into<String>) -> Self {
        Self {
            ok: false,
            detail: Some(detail.into()),
            data: None,
            degraded: false,
        }
    }
}

/// One named readiness check. Must be cheap and must not hang (it is also time-boxed).
pub trait ReadinessCheck: Send + Sync + 'static {
    /// Stable name, the key in the `/readyz` body.
    fn name(&self) -> &'static str;
    /// Run the check.
    fn check(&self) -> CheckFuture<'_>;
}

/// A check from a name and an async closure.
pub struct FnCheck<F>(&'static str, F);

/// Make a check from a closure returning a future.
pub fn check_fn<F, Fut>(name: &'static str, f: F) -> FnCheck<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = CheckResult> + Send + 'static,
{
    FnCheck(name, f)
}

impl<F, Fut> ReadinessCheck for FnCheck<F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = CheckResult> + Send + 'static,
{
    fn name(&self) -> &'static str {
        self.0
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin((self.1)())
    }
}

/// The outcome of one check in a report.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Whether it passed.
    pub ok: bool,
    /// How long it took, milliseconds.
    pub latency_ms: f64,
    /// Detail, if any.
    pub detail: Option<String>,
    /// Structured figures, if any.
    pub data: Option<serde_json::Value>,
    /// Passing in a fallback mode.
    pub degraded: bool,
}

/// All checks run once.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every check passed.
    pub ready: bool,
    /// Per-check outcomes by name.
    pub checks: BTreeMap<String, CheckReport>,
}

/// The set of readiness checks; cheap to clone, extensible after start-up.
#[derive(Clone)]
pub struct Readiness {
    checks: Arc<RwLock<Vec<Arc<dyn ReadinessCheck>>>>,
    timeout: Duration,
}

impl Readiness {
    /// An empty set whose checks each get `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self {
            checks: Arc::default(),
            timeout,
        }
    }

    /// Add a check (a check with the same name replaces the earlier one).
    pub fn add(&self, check: impl ReadinessCheck) {
        let mut checks = self.checks.write().unwrap_or_else(|p| p.into_inner());
        checks.retain(|c| c.name() != check.name());
        checks.push(Arc::new(check));
    }

    /// Run every check concurrently.
    pub async fn run(&self) -> Report {
        let checks = self
            .checks
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let timeout = self.timeout;
        let runs = checks.iter().map(|c| async move {
            let t = Instant::now();
            let result = tokio::time::timeout(timeout, c.check())
                .await
                .unwrap_or_else(|_| {
                    CheckResult::fail(format!("timed out after {} ms", timeout.as_millis()))
                });
            let report = CheckReport {
                ok: result.ok,
                latency_ms: t.elapsed().as_secs_f64() * 1000.0,
                detail: result.detail,
                data: result.data,
                degraded: result.ok && result.degraded,
            };
            (c.name().to_owned(), report)
        });
        let checks: BTreeMap<_, _> = futures::future::join_all(runs).await.into_iter().collect();
        Report {
            ready: checks.values().all(|c| c.ok),
            checks,
        }
    }

    /// The built-in checks: not draining, and below the session cap.
    pub fn with_builtin(
        self,
        draining: CancellationToken,
        registry: Arc<SessionRegistry>,
        max: usize,
    ) -> Self {
        self.add(check_fn("draining", move || {
            let draining = draining.is_cancelled();
            async move {
                if draining {
                    CheckResult::fail("shutting down")
                } else {
                    CheckResult::pass("serving")
                }
            }
        }));
        self.add(check_fn("sessions", move || {
            let active = registry.len();
            async move {
                let detail = format!("{active} of {max} sessions");
                if active < max {
                    CheckResult::pass(detail)
                } else {
                    CheckResult::fail(detail)
                }
            }
        }));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failing_or_hanging_check_makes_the_report_not_ready() {
        let r = Readiness::new(Duration::from_millis(50));
        r.add(check_fn("fine", || async { CheckResult::pass("ok") }));
        assert!(r.run().await.ready);
        r.add(check_fn("hangs", || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            CheckResult::pass("never")
        }));
        let report = r.run().await;
        assert!(!report.ready);
        assert!(!report.checks["hangs"].ok);
        assert!(report.checks["fine"].ok);
    }
}
