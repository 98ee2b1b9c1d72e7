//! The write endpoints the consolidated `write` tool calls (`shared/opik/openapi.yaml`):
//! single creates answer `201` + `Location`, batch and state changes `204`, a PATCH of an
//! unknown trace or span `404`. Bodies are recorded by the guard, so tests assert on them.
//!
//! Where the real Opik would fall back to its default project (trace and span writes, patches,
//! batch scores without `project_name`/`project_id`), the fake answers `400` instead, so no
//! test can pass while such a write goes out. Patches change tags like Opik (`tags`,
//! `tags_to_add`, `tags_to_remove`).

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

/// Whether `v` names its project.
fn has_project(v: &Value) -> bool {
    let named = |k: &str| v[k].as_str().is_some_and(|s| !s.trim().is_empty());
    named("project_name") || named("project_id")
}

/// The refusal for a write that would land in the default project.
fn no_project() -> Response {
    error(
        400,
        "fake Opik: no project_name or project_id; the real Opik would write to its default project",
    )
}

/// `201` with `Location: <request path>/<body id>`.
fn created_for(req: &Request, body: &Value) -> Response {
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

/// `201` with `Location: <request path>/<body id>`.
#[handler]
pub(super) fn create_one(req: &Request, Json(body): Json<Value>) -> Response {
    created_for(req, &body)
}

/// `POST traces` / `spans`: [`create_one`], for a body naming its project.
#[handler]
pub(super) fn create_in_project(req: &Request, Json(body): Json<Value>) -> Response {
    if has_project(&body) {
        created_for(req, &body)
    } else {
        no_project()
    }
}

/// `204` for a well-formed JSON body.
#[handler]
pub(super) fn accept(Json(_body): Json<Value>) -> Response {
    no_content()
}

/// Batch creates and batch scores: `204` when every element names its project.
#[handler]
pub(super) fn accept_in_project(Json(body): Json<Value>) -> Response {
    let elements = body
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Value::as_array)
        .flatten();
    let mut elements = elements.peekable();
    if elements.peek().is_none() {
        return error(400, "fake Opik: an empty batch");
    }
    if elements.all(has_project) {
        no_content()
    } else {
        no_project()
    }
}

/// `PATCH` of one trace or span in `list`: `204`, `404` for an unknown id, `400` without a
/// project. Tags change like in Opik, under the one lock (so atomically): `tags` replaces them,
/// `tags_to_add` appends the missing ones, `tags_to_remove` takes its own out.
fn patch(list: &mut [Value], id: &str, body: &Value) -> Response {
    if !has_project(body) {
        return no_project();
    }
    let Some(entity) = list.iter_mut().find(|e| e["id"] == id) else {
        return error(404, "Not found");
    };
    if ["tags", "tags_to_add", "tags_to_remove"]
        .iter()
        .all(|f| body.get(f).is_none())
    {
        return no_content();
    }
    let strings =
        |field: &str| -> Vec<Value> { body[field].as_array().cloned().unwrap_or_default() };
    let mut tags = match body.get("tags") {
        Some(replace) => replace.as_array().cloned().unwrap_or_default(),
        None => entity["tags"].as_array().cloned().unwrap_or_default(),
    };
    for tag in strings("tags_to_add") {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let remove = strings("tags_to_remove");
    tags.retain(|t| !remove.contains(t));
    entity["tags"] = Value::Array(tags);
    no_content()
}

/// `PATCH /v1/private/traces/{id}`.
#[handler]
pub(super) fn update_trace(
    state: Data<&Arc<FakeState>>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let mut data = state.data.lock().expect("lock");
    patch(&mut data.traces, &id, &body)
}

/// `PATCH /v1/private/spans/{id}` (its `trace_id` is required).
#[handler]
pub(super) fn update_span(
    state: Data<&Arc<FakeState>>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if body["trace_id"].as_str().is_none() {
        return error(400, "trace_id must not be null");
    }
    let mut data = state.data.lock().expect("lock");
    patch(&mut data.spans, &id, &body)
}

/// `PUT /v1/private/spans/{id}/feedback-scores`: `204`, `404` for an unknown span.
#[handler]
pub(super) fn score_span(
    state: Data<&Arc<FakeState>>,
    Path(id): Path<String>,
    Json(_body): Json<Value>,
) -> Response {
    let data = state.data.lock().expect("lock");
    if data.spans.iter().any(|s| s["id"] == id.as_str()) {
        no_content()
    } else {
        error(404, "Span not found")
    }
}
