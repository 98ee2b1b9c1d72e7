//! The write endpoints the consolidated `write` tool calls (`shared/opik/openapi.yaml`):
//! single creates answer `201` + `Location`, batch and state changes `204`, a PATCH of an
//! unknown trace `404`. Bodies are recorded by the guard, so tests assert on them.

use std::sync::Arc;

use poem::{
    Request, Response, handler,
    web::{Data, Json, Path},
};
use serde_json::Value;

use super::{
    FakeState,
    routes::{created, error, no_content},
};

/// `201` with `Location: <request path>/<body id>`.
#[handler]
pub(super) fn create_one(req: &Request, Json(body): Json<Value>) -> Response {
    let id = body["id"]
        .as_str()
        .unwrap_or("00000000-0000-7000-8000-000000000000");
    let kind = req
        .uri()
        .path()
        .split("/v1/private/")
        .nth(1)
        .unwrap_or("")
        .to_string();
    created(req, &kind, id)
}

/// `204` for a well-formed JSON body.
#[handler]
pub(super) fn accept(Json(_body): Json<Value>) -> Response {
    no_content()
}

/// `PATCH /v1/private/traces/{id}`: `204`, or `404` for an unknown trace.
#[handler]
pub(super) fn update_trace(
    state: Data<&Arc<FakeState>>,
    Path(id): Path<String>,
    Json(_body): Json<Value>,
) -> Response {
    let data = state.data.lock().expect("lock");
    if data.traces.iter().any(|t| t["id"] == id.as_str()) {
        no_content()
    } else {
        error(404, "Trace not found")
    }
}
