//! `/health` (the seed's contract), `/healthz` (liveness) and `/readyz` (readiness).

use std::time::Instant;

use poem::{handler, http::StatusCode, web::Json};
use serde_json::{Value, json};

use super::State;

/// `GET /health` → `200 {"status":"ok"}`, exactly as the upstream server documents it.
#[handler]
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /healthz`: the process serves HTTP.
#[handler]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: ready to take new sessions. Each check is named with its latency.
#[handler]
pub async fn readyz(state: State<'_>) -> (StatusCode, Json<Value>) {
    let t = Instant::now();
    let draining = state.draining.is_cancelled();
    let sessions = state.registry.len();
    let max = state.settings.server.max_sessions;
    let mut checks: Value = json!({
        "draining": { "ok": !draining, "latency_ms": 0.0 },
        "sessions": {
            "ok": sessions < max,
            "active": sessions,
            "max": max,
            "latency_ms": t.elapsed().as_secs_f64() * 1000.0,
        },
    });
    let (store, store_ok, degraded) = store_check(&state);
    checks["store"] = store;
    let ready = !draining && sessions < max && store_ok;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = match (ready, degraded) {
        (false, _) => "not_ready",
        (true, true) => "degraded",
        (true, false) => "ready",
    };
    let body = json!({ "status": word, "checks": checks });
    (status, Json(body))
}

/// The audit store: `ok`; `spilling` (database down, records go to the spill file: still
/// ready, status `degraded`); `failing` (nothing can take records: not ready when
/// fail-closed, degraded when fail-open); `disabled`. Returns (check, ok, degraded).
fn store_check(state: &State<'_>) -> (Value, bool, bool) {
    use crate::store::WriterState;
    let t = Instant::now();
    let s = state.audit.status();
    let (ok, degraded) = match s.state {
        WriterState::Ok | WriterState::Disabled => (true, false),
        WriterState::Spilling => (true, true),
        WriterState::Failing => (s.accepting, true),
    };
    let check = json!({
        "ok": ok,
        "state": s.state.as_str(),
        "backend": state.store.as_ref().map(|db| db.backend().as_str()),
        "queued": s.queued,
        "spill_pending": s.spill_pending,
        "written": s.written,
        "lost": s.lost,
        "accepting": s.accepting,
        "error": s.last_error,
        "latency_ms": t.elapsed().as_secs_f64() * 1000.0,
    });
    (check, ok, degraded)
}
