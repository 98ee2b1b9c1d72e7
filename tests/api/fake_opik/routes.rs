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

use super::{FakeState, data};

type Q = Query<HashMap<String, String>>;
type St<'a> = Data<&'a Arc<FakeState>>;

/// The routes, relative to the `/opik/api` prefix.
pub fn api() -> Route {
    Route::new()
        .at(
            "/v1/private/projects",
            get(list_projects).post(create_project),
        )
        .at("/v1/private/projects/retrieve", post(retrieve_project))
        .at("/v1/private/projects/:id/metrics", post(project_metrics))
        .at("/v1/private/traces", get(list_traces))
        .at("/v1/private/traces/stats", get(trace_stats))
        .at("/v1/private/traces/threads", get(list_threads))
        .at("/v1/private/traces/threads/retrieve", post(get_thread))
        .at("/v1/private/traces/:id", get(get_trace))
        .at("/v1/private/traces/:id/feedback-scores", put(add_feedback))
        .at("/v1/private/prompts", get(list_prompts).post(create_prompt))
        .at("/v1/private/prompts/versions", post(create_version))
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
}

/// An `ErrorMessage` body.
pub fn error(code: u16, message: &str) -> Response {
    json_response(code, json!({"code": code, "message": message}))
}

/// An `ErrorMessage_Detailed` body.
fn errors(code: u16, message: &str) -> Response {
    json_response(code, json!({"errors": [message]}))
}

fn json_response(code: u16, body: Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).expect("status"))
        .content_type("application/json")
        .body(Body::from_string(body.to_string()))
}

fn ok(body: Value) -> Response {
    json_response(200, body)
}

fn no_content() -> Response {
    Response::builder().status(StatusCode::NO_CONTENT).finish()
}

fn created(req: &Request, kind: &str, id: &str) -> Response {
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

fn paging(q: &Q) -> (usize, usize) {
    let n = |k: &str, d: usize| {
        q.get(k)
            .and_then(|v| v.parse().ok())
            .filter(|v| *v >= 1)
            .unwrap_or(d)
    };
    (n("page", 1), n("size", 10))
}

fn find<'a>(list: &'a [Value], key: &str, value: &str) -> Option<&'a Value> {
    list.iter().find(|v| v[key] == value)
}

fn project_filter(state: &FakeState, q: &HashMap<String, String>) -> Result<String, Box<Response>> {
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
fn project_metrics(state: St<'_>, Path(id): Path<String>, Json(body): Json<Value>) -> Response {
    let data = state.data.lock().expect("lock");
    if find(&data.projects, "id", &id).is_none() {
        return error(404, "Project not found");
    }
    let metric = body["metric_type"].as_str().unwrap_or("TRACE_COUNT");
    ok(data::metric(
        &id,
        metric,
        body["interval"].as_str().unwrap_or("DAILY"),
    ))
}

#[handler]
fn list_traces(state: St<'_>, q: Q) -> Response {
    let project = match project_filter(&state, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let items = data
        .traces
        .iter()
        .filter(|t| t["project_id"] == project.as_str())
        .cloned()
        .collect();
    ok(data::page(items, page, size))
}

#[handler]
fn trace_stats(state: St<'_>, q: Q) -> Response {
    let project = match project_filter(&state, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let data = state.data.lock().expect("lock");
    ok(data::trace_stats(
        data.traces
            .iter()
            .filter(|t| t["project_id"] == project.as_str())
            .count(),
    ))
}

#[handler]
fn list_threads(state: St<'_>, q: Q) -> Response {
    let project = match project_filter(&state, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let items = data
        .threads
        .iter()
        .filter(|t| t["project_id"] == project.as_str())
        .cloned()
        .collect();
    ok(data::page(items, page, size))
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

#[handler]
fn list_prompts(state: St<'_>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let items = data.prompts.iter().filter(|p| {
        q.get("name")
            .is_none_or(|n| p["name"].as_str().unwrap_or("").contains(n.as_str()))
    });
    ok(data::page(items.cloned().collect(), page, size))
}

#[handler]
fn create_prompt(req: &Request, state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let name = body["name"].as_str().unwrap_or_default().to_string();
    if find(&data.prompts, "name", &name).is_some() {
        return error(409, "Prompt already exists");
    }
    let id = data.new_id();
    data.prompts.push(json!({
        "id": id, "name": name, "description": body.get("description").cloned().unwrap_or(json!("")),
        "tags": body.get("tags").cloned().unwrap_or(json!([])), "template_structure": "text",
        "version_count": 0, "created_at": "2025-06-02T00:00:00Z", "last_updated_at": "2025-06-02T00:00:00Z"
    }));
    created(req, "prompts", &id)
}

#[handler]
fn get_prompt(state: St<'_>, Path(id): Path<String>) -> Response {
    let data = state.data.lock().expect("lock");
    let Some(prompt) = find(&data.prompts, "id", &id) else {
        return error(404, "Prompt not found");
    };
    let mut prompt = prompt.clone();
    if let Some(v) = data
        .versions
        .iter()
        .rev()
        .find(|v| v["prompt_id"] == id.as_str())
    {
        prompt["latest_version"] = v.clone();
    }
    ok(prompt)
}

#[handler]
fn delete_prompt(state: St<'_>, Path(id): Path<String>) -> Response {
    let mut data = state.data.lock().expect("lock");
    data.prompts.retain(|p| p["id"] != id.as_str());
    data.versions.retain(|v| v["prompt_id"] != id.as_str());
    no_content()
}

#[handler]
fn create_version(state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let name = body["name"].as_str().unwrap_or_default().to_string();
    let prompt_id = match find(&data.prompts, "name", &name) {
        Some(p) => p["id"].as_str().unwrap_or_default().to_string(),
        None => {
            let id = data.new_id();
            data.prompts
                .push(json!({"id": id, "name": name, "template_structure": "text"}));
            id
        }
    };
    let (id, commit) = (data.new_id(), data.new_commit());
    let template = body["version"]["template"].as_str().unwrap_or_default();
    let mut v = data::version(&id, &prompt_id, &commit, template);
    for key in ["change_description", "metadata", "type"] {
        if let Some(x) = body["version"].get(key) {
            v[key] = x.clone();
        }
    }
    data.versions.push(v.clone());
    ok(v)
}

#[handler]
fn retrieve_version(state: St<'_>, Json(body): Json<Value>) -> Response {
    let data = state.data.lock().expect("lock");
    let Some(prompt) = find(
        &data.prompts,
        "name",
        body["name"].as_str().unwrap_or_default(),
    ) else {
        return error(404, "Prompt not found");
    };
    let found = data.versions.iter().rev().find(|v| {
        v["prompt_id"] == prompt["id"] && body.get("commit").is_none_or(|c| v["commit"] == *c)
    });
    match found {
        Some(v) => ok(v.clone()),
        None => error(404, "Prompt version not found"),
    }
}

#[handler]
fn list_datasets(state: St<'_>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let items = data.datasets.iter().filter(|d| {
        q.get("name")
            .is_none_or(|n| d["name"].as_str().unwrap_or("").contains(n.as_str()))
    });
    ok(data::page(items.cloned().collect(), page, size))
}

#[handler]
fn create_dataset(req: &Request, state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let id = data.new_id();
    data.datasets.push(json!({
        "id": id, "name": body["name"], "description": body.get("description").cloned().unwrap_or(json!("")),
        "tags": [], "dataset_items_count": 0, "experiment_count": 0,
        "created_at": "2025-06-02T00:00:00Z", "last_updated_at": "2025-06-02T00:00:00Z"
    }));
    created(req, "datasets", &id)
}

#[handler]
fn get_dataset(state: St<'_>, Path(id): Path<String>) -> Response {
    let data = state.data.lock().expect("lock");
    match find(&data.datasets, "id", &id) {
        Some(d) => ok(d.clone()),
        None => error(404, "Dataset not found"),
    }
}

#[handler]
fn delete_dataset(state: St<'_>, Path(id): Path<String>) -> Response {
    let mut data = state.data.lock().expect("lock");
    data.datasets.retain(|d| d["id"] != id.as_str());
    data.items.retain(|i| i["dataset_id"] != id.as_str());
    no_content()
}

#[handler]
fn list_items(state: St<'_>, Path(id): Path<String>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    if find(&data.datasets, "id", &id).is_none() {
        return error(404, "Dataset not found");
    }
    let items = data
        .items
        .iter()
        .filter(|i| i["dataset_id"] == id.as_str())
        .cloned()
        .collect();
    let mut body = data::page(items, page, size);
    body["columns"] = json!([]);
    ok(body)
}

#[handler]
fn put_items(state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let dataset = body["dataset_id"].as_str().unwrap_or_default().to_string();
    if find(&data.datasets, "id", &dataset).is_none() {
        return error(404, "Dataset not found");
    }
    for item in body["items"].as_array().cloned().unwrap_or_default() {
        let id = item["id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| data.new_id());
        data.items
            .push(data::item(&id, &dataset, item["data"].clone()));
    }
    no_content()
}

#[handler]
fn delete_items(state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let ids: Vec<Value> = body["item_ids"].as_array().cloned().unwrap_or_default();
    data.items.retain(|i| !ids.contains(&i["id"]));
    no_content()
}
