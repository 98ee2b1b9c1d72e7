//! The fake's endpoints for the consolidated `read`/`list`/`run_experiment` tools: projects,
//! spans, experiments and prompt versions by id or page, `filters` on trace and thread lists,
//! and `POST experiments/execute` (one experiment per prompt variant, `202`).

use std::sync::Arc;

use poem::{
    Response, handler,
    web::{Data, Json, Path},
};
use serde_json::{Value, json};

use super::{
    FakeState, data,
    filters::{SPAN_FIELDS, select},
    routes::{Q, error, find, json_response, ok, paging, project_filter},
};

type St<'a> = Data<&'a Arc<FakeState>>;

fn by_name(list: &[Value], q: &Q) -> Vec<Value> {
    list.iter()
        .filter(|v| {
            q.get("name")
                .is_none_or(|n| v["name"].as_str().unwrap_or("").contains(n.as_str()))
        })
        .cloned()
        .collect()
}

#[handler]
pub(super) fn get_project(state: St<'_>, Path(id): Path<String>) -> Response {
    let data = state.data.lock().expect("lock");
    match find(&data.projects, "id", &id) {
        Some(p) => ok(p.clone()),
        None => error(404, "Project not found"),
    }
}

#[handler]
pub(super) fn list_spans(state: St<'_>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let project = match project_filter(&state, &q) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let data = state.data.lock().expect("lock");
    let of_trace = data.spans.iter().filter(|s| {
        s["project_id"] == project.as_str()
            && q.get("trace_id")
                .is_none_or(|t| s["trace_id"] == t.as_str())
            && q.get("type").is_none_or(|t| s["type"] == t.as_str())
    });
    match select(of_trace, &q, SPAN_FIELDS) {
        Ok(items) => ok(data::page(items, page, size)),
        Err(m) => error(400, &m),
    }
}

#[handler]
pub(super) fn get_span(state: St<'_>, Path(id): Path<String>) -> Response {
    let data = state.data.lock().expect("lock");
    match find(&data.spans, "id", &id) {
        Some(s) => ok(s.clone()),
        None => error(404, "Span not found"),
    }
}

#[handler]
pub(super) fn list_experiments(state: St<'_>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let items = by_name(&data.experiments, &q)
        .into_iter()
        .filter(|e| {
            q.get("datasetId")
                .is_none_or(|d| e["dataset_id"] == d.as_str())
        })
        .collect();
    ok(data::page(items, page, size))
}

#[handler]
pub(super) fn get_experiment(state: St<'_>, Path(id): Path<String>) -> Response {
    let data = state.data.lock().expect("lock");
    match find(&data.experiments, "id", &id) {
        Some(e) => ok(e.clone()),
        None => error(404, "Experiment not found"),
    }
}

#[handler]
pub(super) fn list_versions(state: St<'_>, Path(id): Path<String>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    if find(&data.prompts, "id", &id).is_none() {
        return error(404, "Prompt not found");
    }
    // Newest first, like Opik.
    let items = data
        .versions
        .iter()
        .rev()
        .filter(|v| v["prompt_id"] == id.as_str())
        .cloned()
        .collect();
    ok(data::page(items, page, size))
}

/// `202`: one new experiment per prompt variant over the dataset's items.
#[handler]
pub(super) fn execute(state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let dataset = body["dataset_id"].as_str().unwrap_or_default().to_string();
    let total = data
        .items
        .iter()
        .filter(|i| i["dataset_id"] == dataset.as_str())
        .count();
    let prompts = body["prompts"].as_array().map_or(0, Vec::len);
    let mut experiments = Vec::new();
    for i in 0..prompts {
        let id = data.new_id();
        let mut e = data::experiment(&id, &format!("run-{i}"));
        e["status"] = json!("running");
        data.experiments.push(e);
        experiments.push(json!({"experiment_id": id, "prompt_index": i}));
    }
    json_response(
        202,
        json!({"experiments": experiments, "total_items": total}),
    )
}
