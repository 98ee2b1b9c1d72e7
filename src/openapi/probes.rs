//! The admin listener's operations: liveness, readiness and the Prometheus scrape.

use std::collections::BTreeMap;

use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, payload::Json, payload::PlainText};

use super::{AdminTags, health::Alive, health::Liveness};
use crate::{app::AppState, telemetry::metrics};

/// Whether the service takes traffic.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ReadyStatus {
    /// Every check passed.
    Ready,
    /// Every check passed, but one runs in a fallback mode (the audit trail spilling to its
    /// local file while the database is away): still serving, worth an alert.
    Degraded,
    /// At least one check failed.
    NotReady,
}

/// The outcome of one named check.
#[derive(Object, Debug, Clone)]
pub struct CheckBody {
    /// Whether the check passed.
    pub ok: bool,
    /// How long the check took, milliseconds.
    pub latency_ms: f64,
    /// A short detail (e.g. `3 of 10000 sessions`).
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    /// Structured figures of the check (the `store` check: writer state, queued, spill
    /// pending, written and lost records, whether new requests are accepted).
    #[oai(skip_serializing_if_is_none)]
    pub data: Option<serde_json::Value>,
}

/// Readiness body: the overall status and every check by name.
#[derive(Object, Debug, Clone)]
pub struct ReadinessBody {
    /// `ready`, `degraded` (ready, with a check in a fallback mode) or `not_ready`.
    pub status: ReadyStatus,
    /// Each check by name (`draining`, `sessions`, and those components add).
    pub checks: BTreeMap<String, CheckBody>,
}

/// `/readyz` answers.
#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// Ready: every check passed.
    #[oai(status = 200)]
    Ready(Json<ReadinessBody>),
    /// Not ready: at least one check failed (the body names it).
    #[oai(status = 503)]
    NotReady(Json<ReadinessBody>),
}

/// The admin listener's probes.
pub struct ProbesApi;

#[OpenApi]
impl ProbesApi {
    /// Liveness
    ///
    /// `200 {"status":"ok"}` while the process serves HTTP; a Kubernetes liveness probe.
    #[oai(
        path = "/healthz",
        method = "get",
        tag = "AdminTags::Probes",
        operation_id = "healthz"
    )]
    async fn healthz(&self) -> Json<Liveness> {
        Json(Liveness { status: Alive::Ok })
    }

    /// Readiness
    ///
    /// Runs every named check (each time-boxed) and reports each with its latency; `503`
    /// when any fails (draining, session cap reached, store not writable, ...).
    #[oai(
        path = "/readyz",
        method = "get",
        tag = "AdminTags::Probes",
        operation_id = "readyz"
    )]
    async fn readyz(&self, state: Data<&AppState>) -> ReadyResponse {
        let report = state.readiness.run().await;
        let degraded = report.checks.values().any(|c| c.degraded);
        let checks = report
            .checks
            .into_iter()
            .map(|(name, c)| {
                let body = CheckBody {
                    ok: c.ok,
                    latency_ms: c.latency_ms,
                    detail: c.detail,
                    data: c.data,
                };
                (name, body)
            })
            .collect();
        if report.ready {
            ReadyResponse::Ready(Json(ReadinessBody {
                status: if degraded {
                    ReadyStatus::Degraded
                } else {
                    ReadyStatus::Ready
                },
                checks,
            }))
        } else {
            ReadyResponse::NotReady(Json(ReadinessBody {
                status: ReadyStatus::NotReady,
                checks,
            }))
        }
    }

    /// Prometheus metrics
    ///
    /// Every metric in the Prometheus text exposition format (see docs/observability.md).
    #[oai(
        path = "/metrics",
        method = "get",
        tag = "AdminTags::Probes",
        operation_id = "metrics"
    )]
    async fn metrics(&self, state: Data<&AppState>) -> PlainText<String> {
        let (queued, deepest) = state.registry.queue_depths();
        metrics::queue_depth(queued, deepest);
        metrics::stream_replay_bytes(crate::session::replay_held_bytes());
        metrics::tokio_runtime(&tokio::runtime::Handle::current());
        state.process.collect();
        if let Some(store) = &state.store {
            let (in_use, idle, max) = store.pool_usage();
            metrics::db_pool(in_use, idle, max);
        }
        PlainText(state.prometheus.render())
    }
}
