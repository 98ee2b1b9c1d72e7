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
    let checks = json!({
        "draining": { "ok": !draining, "latency_ms": 0.0 },
        "sessions": {
            "ok": sessions < max,
            "active": sessions,
            "max": max,
            "latency_ms": t.elapsed().as_secs_f64() * 1000.0,
        },
    });
    let ready = !draining && sessions < max;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({ "status": if ready { "ready" } else { "not_ready" }, "checks": checks });
    (status, Json(body))
}
