//! The fake's prompt-library and dataset endpoints.

use std::sync::Arc;

use poem::{
    Request, Response, handler,
    web::{Data, Json, Path},
};
use serde_json::{Value, json};

use super::{
    FakeState, data,
    routes::{Q, created, error, find, no_content, ok, paging},
};

type St<'a> = Data<&'a Arc<FakeState>>;

#[handler]
pub(super) fn list_prompts(state: St<'_>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let items = data.prompts.iter().filter(|p| {
        q.get("name")
            .is_none_or(|n| p["name"].as_str().unwrap_or("").contains(n.as_str()))
    });
    ok(data::page(items.cloned().collect(), page, size))
}

#[handler]
pub(super) fn create_prompt(req: &Request, state: St<'_>, Json(body): Json<Value>) -> Response {
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
pub(super) fn get_prompt(state: St<'_>, Path(id): Path<String>) -> Response {
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
pub(super) fn delete_prompt(state: St<'_>, Path(id): Path<String>) -> Response {
    let mut data = state.data.lock().expect("lock");
    data.prompts.retain(|p| p["id"] != id.as_str());
    data.versions.retain(|v| v["prompt_id"] != id.as_str());
    no_content()
}

#[handler]
pub(super) fn create_version(state: St<'_>, Json(body): Json<Value>) -> Response {
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
pub(super) fn retrieve_version(state: St<'_>, Json(body): Json<Value>) -> Response {
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
pub(super) fn list_datasets(state: St<'_>, q: Q) -> Response {
    let (page, size) = paging(&q);
    let data = state.data.lock().expect("lock");
    let items = data.datasets.iter().filter(|d| {
        q.get("name")
            .is_none_or(|n| d["name"].as_str().unwrap_or("").contains(n.as_str()))
    });
    ok(data::page(items.cloned().collect(), page, size))
}

#[handler]
pub(super) fn create_dataset(req: &Request, state: St<'_>, Json(body): Json<Value>) -> Response {
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
pub(super) fn get_dataset(state: St<'_>, Path(id): Path<String>) -> Response {
    let data = state.data.lock().expect("lock");
    match find(&data.datasets, "id", &id) {
        Some(d) => ok(d.clone()),
        None => error(404, "Dataset not found"),
    }
}

#[handler]
pub(super) fn delete_dataset(state: St<'_>, Path(id): Path<String>) -> Response {
    let mut data = state.data.lock().expect("lock");
    data.datasets.retain(|d| d["id"] != id.as_str());
    data.items.retain(|i| i["dataset_id"] != id.as_str());
    no_content()
}

#[handler]
pub(super) fn list_items(state: St<'_>, Path(id): Path<String>, q: Q) -> Response {
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
pub(super) fn put_items(state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    // Opik takes `dataset_name` or `dataset_id`.
    let dataset = match body["dataset_name"].as_str() {
        Some(name) => find(&data.datasets, "name", name)
            .and_then(|d| d["id"].as_str())
            .unwrap_or_default()
            .to_string(),
        None => body["dataset_id"].as_str().unwrap_or_default().to_string(),
    };
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
pub(super) fn delete_items(state: St<'_>, Json(body): Json<Value>) -> Response {
    let mut data = state.data.lock().expect("lock");
    let ids: Vec<Value> = body["item_ids"].as_array().cloned().unwrap_or_default();
    data.items.retain(|i| !ids.contains(&i["id"]));
    no_content()
}
