//! Turning `write` data into the exact Opik requests: every element is validated (with its
//! index, JSON path, expected type and an example) before anything is sent.

use std::collections::BTreeMap;

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value, json};

use super::{
    ops::{
        CommentCreate, CommentTarget, ExperimentCreate, ExperimentItemCreate, PromptVersionSave,
        ScoreCreate, SpanCreate, Target, TestSuiteCreate, TestSuiteItemUpsert, ThreadState,
        TraceCreate, TraceUpdate,
    },
    registry::{BATCH_LIMIT, Operation},
};

/// One request `write` sends (or, with `dry_run`, would send).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlannedRequest {
    /// HTTP method.
    pub method: String,
    /// Path under the Opik API base URL.
    pub path: String,
    /// JSON body.
    pub body: Value,
}

/// The requests and the ids of what they create or touch.
#[derive(Debug)]
pub struct Plan {
    /// Requests, in order.
    pub requests: Vec<PlannedRequest>,
    /// One id per element (client-generated UUID v7 for creates).
    pub ids: Vec<String>,
}

fn req(method: &str, path: impl Into<String>, body: Value) -> PlannedRequest {
    PlannedRequest {
        method: method.into(),
        path: path.into(),
        body,
    }
}

/// `data` as a list of elements (one object or an array of 1..=1000).
pub fn elements(data: &Value) -> Result<Vec<&Value>, String> {
    match data {
        Value::Array(a) if a.is_empty() => {
            Err("data is an empty array; send 1 to 1000 elements".into())
        }
        Value::Array(a) if a.len() > BATCH_LIMIT => Err(format!(
            "data holds {} elements; the limit is {BATCH_LIMIT} per call: split it",
            a.len()
        )),
        Value::Array(a) => Ok(a.iter().collect()),
        other => Ok(vec![other]),
    }
}

/// Validate every element, then build the requests.
pub fn plan(op: Operation, data: &Value) -> Result<Plan, String> {
    let els = elements(data)?;
    match op {
        Operation::TraceCreate => {
            let v: Vec<TraceCreate> = parse_all(op, &els)?;
            let (bodies, ids) = with_ids(op, v.iter().enumerate().map(|(i, t)| trace_body(i, t)))?;
            Ok(batch(
                bodies,
                ids,
                "/v1/private/traces",
                "/v1/private/traces/batch",
                "traces",
            ))
        }
        Operation::SpanCreate => {
            let v: Vec<SpanCreate> = parse_all(op, &els)?;
            let (bodies, ids) = with_ids(op, v.iter().enumerate().map(|(i, s)| span_body(i, s)))?;
            Ok(batch(
                bodies,
                ids,
                "/v1/private/spans",
                "/v1/private/spans/batch",
                "spans",
            ))
        }
        Operation::TraceUpdate => {
            let v: Vec<TraceUpdate> = parse_all(op, &els)?;
            let mut plan = Plan {
                requests: Vec::new(),
                ids: Vec::new(),
            };
            for (i, t) in v.iter().enumerate() {
                let id = uuid_field(i, "id", &t.id)?;
                let mut body = object(json!({"project_name": t.project_name, "name": t.name,
                    "end_time": t.end_time, "input": t.input, "output": t.output,
                    "metadata": t.metadata, "tags": t.tags, "thread_id": t.thread_id}));
                body.retain(|_, v| !v.is_null());
                plan.requests.push(req(
                    "PATCH",
                    format!("/v1/private/traces/{id}"),
                    Value::Object(body),
                ));
                plan.ids.push(id);
            }
            Ok(plan)
        }
        Operation::ScoreCreate => {
            let v: Vec<ScoreCreate> = parse_all(op, &els)?;
            score_plan(&v)
        }
        Operation::CommentCreate => {
            let v: Vec<CommentCreate> = parse_all(op, &els)?;
            let mut plan = Plan {
                requests: Vec::new(),
                ids: Vec::new(),
            };
            for (i, c) in v.iter().enumerate() {
                let target = uuid_field(i, "id", &c.id)?;
                non_empty(i, "text", &c.text)?;
                let kind = match c.target {
                    CommentTarget::Trace => "traces",
                    CommentTarget::Span => "spans",
                };
                let id = new_id();
                plan.requests.push(req(
                    "POST",
                    format!("/v1/private/{kind}/{target}/comments"),
                    json!({"id": id, "text": c.text}),
                ));
                plan.ids.push(id);
            }
            Ok(plan)
        }
        Operation::PromptVersionSave => {
            let v: Vec<PromptVersionSave> = parse_all(op, &els)?;
            let mut plan = Plan {
                requests: Vec::new(),
                ids: Vec::new(),
            };
            for (i, p) in v.iter().enumerate() {
                non_empty(i, "name", &p.name)?;
                non_empty(i, "template", &p.template)?;
                let id = new_id();
                let mut version = object(json!({"id": id, "template": p.template,
                    "change_description": p.change_description, "metadata": p.metadata,
                    "type": p.template_type}));
                version.retain(|_, v| !v.is_null());
                plan.requests.push(req(
                    "POST",
                    "/v1/private/prompts/versions",
                    json!({"name": p.name, "version": version}),
                ));
                plan.ids.push(id);
            }
            Ok(plan)
        }
        Operation::TestSuiteCreate => {
            let v: Vec<TestSuiteCreate> = parse_all(op, &els)?;
            let mut plan = Plan {
                requests: Vec::new(),
                ids: Vec::new(),
            };
            for (i, d) in v.iter().enumerate() {
                non_empty(i, "name", &d.name)?;
                let id = given_or_new(i, d.id.as_deref())?;
                let mut body = object(json!({"id": id, "name": d.name,
                    "description": d.description, "tags": d.tags}));
                body.retain(|_, v| !v.is_null());
                plan.requests
                    .push(req("POST", "/v1/private/datasets", Value::Object(body)));
                plan.ids.push(id);
            }
            Ok(plan)
        }
        Operation::TestSuiteItemUpsert => {
            let v: Vec<TestSuiteItemUpsert> = parse_all(op, &els)?;
            item_plan(&v)
        }
        Operation::ExperimentCreate => {
            let v: Vec<ExperimentCreate> = parse_all(op, &els)?;
            let mut plan = Plan {
                requests: Vec::new(),
                ids: Vec::new(),
            };
            for (i, e) in v.iter().enumerate() {
                non_empty(i, "test_suite_name", &e.test_suite_name)?;
                let id = given_or_new(i, e.id.as_deref())?;
                let mut body = object(json!({"id": id, "dataset_name": e.test_suite_name,
                    "name": e.name, "metadata": e.metadata}));
                body.retain(|_, v| !v.is_null());
                plan.requests
                    .push(req("POST", "/v1/private/experiments", Value::Object(body)));
                plan.ids.push(id);
            }
            Ok(plan)
        }
        Operation::ExperimentItemCreate => {
            let v: Vec<ExperimentItemCreate> = parse_all(op, &els)?;
            let mut items = Vec::new();
            let mut ids = Vec::new();
            for (i, e) in v.iter().enumerate() {
                let id = given_or_new(i, e.id.as_deref())?;
                items.push(json!({"id": id,
                    "experiment_id": uuid_field(i, "experiment_id", &e.experiment_id)?,
                    "dataset_item_id": uuid_field(i, "dataset_item_id", &e.dataset_item_id)?,
                    "trace_id": uuid_field(i, "trace_id", &e.trace_id)?}));
                ids.push(id);
            }
            let requests = vec![req(
                "POST",
                "/v1/private/experiments/items",
                json!({"experiment_items": items}),
            )];
            Ok(Plan { requests, ids })
        }
        Operation::ThreadClose | Operation::ThreadOpen => {
            let v: Vec<ThreadState> = parse_all(op, &els)?;
            let verb = if op == Operation::ThreadClose {
                "close"
            } else {
                "open"
            };
            let mut plan = Plan {
                requests: Vec::new(),
                ids: Vec::new(),
            };
            for (i, t) in v.iter().enumerate() {
                non_empty(i, "thread_id", &t.thread_id)?;
                non_empty(i, "project_name", &t.project_name)?;
                plan.requests.push(req(
                    "PUT",
                    format!("/v1/private/traces/threads/{verb}"),
                    json!({"project_name": t.project_name, "thread_id": t.thread_id}),
                ));
                plan.ids.push(t.thread_id.clone());
            }
            Ok(plan)
        }
    }
}

/// Parse each element as `T`; the first failure names its index, path, problem and example.
fn parse_all<T: DeserializeOwned>(op: Operation, els: &[&Value]) -> Result<Vec<T>, String> {
    els.iter()
        .enumerate()
        .map(|(i, el)| {
            serde_path_to_error::deserialize::<_, T>(*el).map_err(|e| {
                let path = e.path().to_string();
                let at = if path == "." {
                    format!("data[{i}]")
                } else {
                    format!("data[{i}].{path}")
                };
                format!(
                    "{at}: {}. Call schema(operation=\"{}\") for the full schema; a valid \
                     element looks like {}",
                    e.inner(),
                    op.name(),
                    op.example()
                )
            })
        })
        .collect()
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn uuid_field(i: usize, field: &str, value: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(value.trim())
        .map(|u| u.to_string())
        .map_err(|_| format!("data[{i}].{field}: expected a UUID such as \"0190babc-62a0-71d2-832a-0feffa4676eb\", got {value:?}"))
}

fn given_or_new(i: usize, id: Option<&str>) -> Result<String, String> {
    id.map_or_else(|| Ok(new_id()), |id| uuid_field(i, "id", id))
}

fn non_empty(i: usize, field: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("data[{i}].{field}: expected a non-empty string"))
    } else {
        Ok(())
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn with_ids(
    _op: Operation,
    it: impl Iterator<Item = Result<(Value, String), String>>,
) -> Result<(Vec<Value>, Vec<String>), String> {
    let mut bodies = Vec::new();
    let mut ids = Vec::new();
    for r in it {
        let (b, id) = r?;
        bodies.push(b);
        ids.push(id);
    }
    Ok((bodies, ids))
}

fn batch(bodies: Vec<Value>, ids: Vec<String>, one: &str, many: &str, key: &str) -> Plan {
    let requests = if bodies.len() == 1 {
        vec![req(
            "POST",
            one,
            bodies.into_iter().next().unwrap_or_default(),
        )]
    } else {
        vec![req("POST", many, json!({ key: bodies }))]
    };
    Plan { requests, ids }
}

fn trace_body(i: usize, t: &TraceCreate) -> Result<(Value, String), String> {
    non_empty(i, "name", &t.name)?;
    let id = given_or_new(i, t.id.as_deref())?;
    let mut body = object(
        json!({"id": id, "project_name": t.project_name, "name": t.name,
        "start_time": t.start_time.clone().unwrap_or_else(now), "end_time": t.end_time,
        "input": t.input, "output": t.output, "metadata": t.metadata, "tags": t.tags,
        "thread_id": t.thread_id}),
    );
    body.retain(|_, v| !v.is_null());
    Ok((Value::Object(body), id))
}

fn span_body(i: usize, s: &SpanCreate) -> Result<(Value, String), String> {
    non_empty(i, "name", &s.name)?;
    let id = given_or_new(i, s.id.as_deref())?;
    let trace_id = uuid_field(i, "trace_id", &s.trace_id)?;
    let parent = s
        .parent_span_id
        .as_deref()
        .map(|p| uuid_field(i, "parent_span_id", p))
        .transpose()?;
    let mut body = object(
        json!({"id": id, "trace_id": trace_id, "parent_span_id": parent,
        "project_name": s.project_name, "name": s.name, "type": s.span_type,
        "start_time": s.start_time.clone().unwrap_or_else(now), "end_time": s.end_time,
        "input": s.input, "output": s.output, "metadata": s.metadata, "model": s.model,
        "provider": s.provider, "usage": s.usage, "tags": s.tags}),
    );
    body.retain(|_, v| !v.is_null());
    Ok((Value::Object(body), id))
}

/// Scores go to the batch endpoint of their target, one request per target kind.
fn score_plan(v: &[ScoreCreate]) -> Result<Plan, String> {
    let mut by_target: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut ids = Vec::new();
    for (i, s) in v.iter().enumerate() {
        non_empty(i, "name", &s.name)?;
        if !s.value.is_finite() || s.value.abs() > 1e9 {
            return Err(format!(
                "data[{i}].value: expected a number within ±1e9, e.g. 0.9"
            ));
        }
        let (path, id_key, id) = match s.target {
            Target::Trace => (
                "/v1/private/traces/feedback-scores",
                "id",
                uuid_field(i, "id", &s.id)?,
            ),
            Target::Span => (
                "/v1/private/spans/feedback-scores",
                "id",
                uuid_field(i, "id", &s.id)?,
            ),
            Target::Thread => {
                if s.project_name
                    .as_deref()
                    .is_none_or(|p| p.trim().is_empty())
                {
                    return Err(format!(
                        "data[{i}].project_name: expected a string (thread scores need the project), e.g. \"my-app\""
                    ));
                }
                non_empty(i, "id", &s.id)?;
                (
                    "/v1/private/traces/threads/feedback-scores",
                    "thread_id",
                    s.id.clone(),
                )
            }
        };
        let mut item = object(json!({"name": s.name, "value": s.value, "source": "sdk",
            "reason": s.reason, "category_name": s.category_name, "project_name": s.project_name}));
        item.insert(id_key.into(), Value::String(id.clone()));
        item.retain(|_, v| !v.is_null());
        by_target.entry(path).or_default().push(Value::Object(item));
        ids.push(id);
    }
    let requests = by_target
        .into_iter()
        .map(|(path, scores)| req("PUT", path, json!({ "scores": scores })))
        .collect();
    Ok(Plan { requests, ids })
}

/// Items go to `PUT datasets/items`, one request per dataset.
fn item_plan(v: &[TestSuiteItemUpsert]) -> Result<Plan, String> {
    let mut by_suite: BTreeMap<(&str, String), Vec<Value>> = BTreeMap::new();
    let mut ids = Vec::new();
    for (i, it) in v.iter().enumerate() {
        let key = match (it.test_suite_id.as_deref(), it.test_suite_name.as_deref()) {
            (Some(id), _) => ("dataset_id", uuid_field(i, "test_suite_id", id)?),
            (None, Some(n)) if !n.trim().is_empty() => ("dataset_name", n.to_string()),
            _ => {
                return Err(format!(
                    "data[{i}]: expected test_suite_name (string) or test_suite_id (UUID), e.g. \"test_suite_name\": \"qa-regression\""
                ));
            }
        };
        let id = given_or_new(i, it.id.as_deref())?;
        by_suite
            .entry(key)
            .or_default()
            .push(json!({"id": id, "data": it.data, "source": "sdk"}));
        ids.push(id);
    }
    let requests = by_suite
        .into_iter()
        .map(|((k, v), items)| {
            req(
                "PUT",
                "/v1/private/datasets/items",
                json!({ k: v, "items": items }),
            )
        })
        .collect();
    Ok(Plan { requests, ids })
}
