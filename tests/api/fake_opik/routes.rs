//! The fake's endpoints: the subset of `shared/opik/openapi.yaml` the tools call, with the
//! backend behaviours that matter (traces/threads/stats need a project, creates answer `201` +
//! `Location`, unknown ids answer 404 in the documented error shape of each endpoint).

use std::{collections::HashMap, sync::Arc};

use poem::{
    Body, Request, Response, Route, get, handler,
    http::StatusCode,
    post, put,
    web::{Data, Json, Path, Query},
};
use serde_json::{Value, json};

use super::{
    FakeState, data,
    filters::{THREAD_FIELDS, TRACE_FIELDS, select},
    library::{
        create_dataset, create_prompt, create_version, delete_dataset, delete_items, delete_prompt,
        get_dataset, get_prompt, list_datasets, list_items, list_prompts, put_items,
        retrieve_version,
    },
    reads::{
        execute, get_experiment, get_project, get_span, list_experiments, list_spans, list_versions,
    },
    stats::{compare_items, project_metrics, score_names, span_stats, trace_stats},
    writes::{
        accept, accept_in_project, create_in_project, create_one, score_span, update_span,
        update_trace,
    },
};

pub(super) type Q = Query<HashMap<String, String>>;
type St<'a> = Data<&'a Arc<FakeState>>;

/// The routes, relative to the `/opik/api` prefix.
pub fn api() -> Route {
    Route::new()
        .at(
            "/v1/private/projects",
            get(list_projects).post(create_project),
        )
        .at("/v1/private/projects/retrieve", post(retrieve_project))
        .at("/v1/private/projects/:id", get(get_project))
        .at("/v1/private/projects/:id/metrics", post(project_metrics))
        .at(
            "/v1/private/traces",
            get(list_traces).post(create_in_project),
        )
        .at("/v1/private/traces/batch", post(accept_in_project))
        .at("/v1/private/traces/feedback-scores", put(accept_in_project))
        .at(
            "/v1/private/traces/threads/feedback-scores",
            put(accept_in_project),
        )
        .at("/v1/private/traces/threads/close", put(accept))
        .at("/v1/private/traces/threads/open", put(accept))
        .at("/v1/private/traces/:id/comments", post(create_one))
        .at("/v1/private/spans", get(list_spans).post(create_in_project))
        .at("/v1/private/spans/stats", get(span_stats))
        .at("/v1/private/spans/:id", get(get_span).patch(update_span))
        .at("/v1/private/spans/:id/feedback-scores", put(score_span))
        .at("/v1/private/spans/batch", post(accept_in_project))
        .at("/v1/private/spans/feedback-scores", put(accept_in_project))
        .at("/v1/private/spans/:id/comments", post(create_one))
        .at(
            "/v1/private/experiments",
            get(list_experiments).post(create_one),
        )
        .at("/v1/private/experiments/execute", post(execute))
        .at("/v1/private/experiments/:id", get(get_experiment))
        .at("/v1/private/experiments/items", post(accept))
        .at(
            "/v1/private/experiments/feedback-scores/names",
            get(score_names),
        )
        .at("/v1/private/traces/stats", get(trace_stats))
        .at("/v1/private/traces/threads", get(list_threads))
        .at("/v1/private/traces/threads/retrieve", post(get_thread))
        .at("/v1/private/traces/:id", get(get_trace).patch(update_trace))
        .at("/v1/private/traces/:id/feedback-scores", put(add_feedback))
        .at("/v1/private/prompts", get(list_prompts).post(create_prompt))
        .at("/v1/private/prompts/versions", post(create_version))
        .at("/v1/private/prompts/:id/versions", get(list_versions))
        .at(
            "/v1/private/prompts/versions/retrieve",
            post(retrieve_version),
        )
        .at(
            "/v1/private/prompts/:id",
            get(get_prompt).delete(delete_prompt),
        )
        .at(
            "/v1/private/datasets",
            get(list_datasets).post(create_dataset),
        )
        .at("/v1/private/datasets/items", put(put_items))
        .at("/v1/private/datasets/items/delete", post(delete_items))
        .at(
            "/v1/private/datasets/:id",
            get(get_dataset).delete(delete_dataset),
        )
        .at("/v1/private/datasets/:id/items", get(list_items))
        .at(
            "/v1/private/datasets/:id/items/experiments/items",
            get(compare_items),
        )
}

/// An `ErrorMessage` body.
pub fn error(code: u16, message: &str) -> Response {
    json_response(code, json!({"code": code, "message": message}))
}

/// An `ErrorMessage_Detailed` body.
fn errors(code: u16, message: &str) -> Response {
    json_response(code, json!({"errors": [message]}))
}

pub(super) fn json_response(code: u16, body: Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).expect("status"))
        .content_type("application/json")
        .body(Body::from_string(body.to_string()))
}

pub(super) fn ok(body: Value) -> Response {
    json_response(200, body)
}

pub(super) fn no_content() -> Response {
    Response::builder().status(StatusCode::NO_CONTENT).finish()
}

pub(super) fn created(req: &Request, kind: &str, id: &str) -> Response {
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    Response::builder()
        .status(StatusCode::CREATED)
        .header(
            "Location",
            format!("http://{host}{}/v1/private/{kind}/{id}", super::PREFIX),
        )
        .finish()
}

pub(super) fn paging(q: &Q) -> (usize, usize) {
    let n = |k: &str, d: usize| {
        q.get(k)
            .and_then(|v| v.parse().ok())
            .filter(|v| *v >= 1)
            .unwrap_or(d)
    };
    (n("page", 1), n("size", 10))
}

pub(super) fn find<'a>(list: &'a [Value], key: &str, value: &str) -> Option<&'a Value> {
    list.iter().find(|v| v[key] == value)
}

pub(super) fn project_filter(
    state: &FakeState,
    q: &HashMap<String, String>,
) -> Result<String, Box<Response>> {
    let data = state.data.lock().expect("lock");
    if let Some(id) = q.get("project_id") {
        return Ok(id.clone());
    }
    if let Some(name) = q.get("project_name") {
        return find(&data.projects, "name", name)
            .map(|p| p["id"].as_str().unwrap_or_default().to_string())
            .ok_or_else(|| Box::new(error(404, "Project not found")));
    }
    Err(Box::new(error(
        400,
        "Either 'project_name' or 'project_id' query params must be provided",
    )))
}

#[handler]
fn list_projects(state: St<'_>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let items = data.projects.iter().filter(|p| {
        q.get("name")
            .is_none_or(|n| p["name"].as_str().unwrap_or("").contains(n.as_str()))
    });
    ok(data::page(items.cloned().collect(), page, size))
}

#[handler]
fn create_project(req: &Request, state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let name = body["name"].as_str().unwrap_or_default().to_string();
    if find(&data.projects, "name", &name).is_some() {
        return error(409, "Project already exists");
    }
    let id = data.new_id();
    data.projects.push(data::project(&id, &name));
    created(req, "projects", &id)
}

#[handler]
fn retrieve_project(state: St<'_>, Json(body): Json<Value>) -> Response {
    let data = state.data.lock().expect("lock");
    match find(
        &data.projects,
        "name",
        body["name"].as_str().unwrap_or_default(),
    ) {
        Some(p) => ok(p.clone()),
        None => errors(404, "Project not found"),
    }
}

#[handler]
fn list_traces(state: St<'_>, q: Q) -> Response {
    let project = match project_filter(&state, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let of_project = data
        .traces
        .iter()
        .filter(|t| t["project_id"] == project.as_str());
    match select(of_project, &q, TRACE_FIELDS) {
        Ok(items) => ok(data::page(items, page, size)),
        Err(m) => error(400, &m),
    }
}

#[handler]
fn list_threads(state: St<'_>, q: Q) -> Response {
    let project = match project_filter(&state, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let of_project = data
        .threads
        .iter()
        .filter(|t| t["project_id"] == project.as_str());
    match select(of_project, &q, THREAD_FIELDS) {
        Ok(items) => ok(data::page(items, page, size)),
        Err(m) => error(400, &m),
    }
}

#[handler]
fn get_thread(state: St<'_>, Json(body): Json<Value>) -> Response {
    let data = state.data.lock().expect("lock");
    match find(
        &data.threads,
        "id",
        body["thread_id"].as_str().unwrap_or_default(),
    ) {
        Some(t) => ok(t.clone()),
        None => error(404, "Trace thread not found"),
    }
}

#[handler]
fn get_trace(state: St<'_>, Path(id): Path<String>) -> Response {
    let data = state.data.lock().expect("lock");
    match find(&data.traces, "id", &id) {
        Some(t) => ok(t.clone()),
        None => error(404, "Trace not found"),
    }
}

#[handler]
fn add_feedback(state: St<'_>, Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let Some(trace) = data.traces.iter_mut().find(|t| t["id"] == id.as_str()) else {
        return error(404, "Trace not found");
    };
    let scores = trace["feedback_scores"].as_array_mut().expect("array");
    scores.retain(|s| s["name"] != body["name"]);
    scores.push(json!({"name": body["name"], "value": body["value"], "source": body["source"]}));
    no_content()
}
