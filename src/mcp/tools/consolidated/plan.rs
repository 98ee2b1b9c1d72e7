//! Turning `write` data into the exact Opik requests: every element is validated (with its
//! index, JSON path, expected type and an example) before anything is sent.

use serde::Serialize;
use serde_json::{Value, json};

use super::{
    bodies::{
        batch, given_or_new, item_plan, new_id, non_empty, object, parse_all, score_plan,
        span_body, trace_body, uuid_field, with_ids,
    },
    ops::{
        CommentCreate, CommentTarget, ExperimentCreate, ExperimentItemCreate, PromptVersionSave,
        ScoreCreate, SpanCreate, TestSuiteCreate, TestSuiteItemUpsert, ThreadState, TraceCreate,
        TraceUpdate,
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

pub(super) fn req(method: &str, path: impl Into<String>, body: Value) -> PlannedRequest {
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
