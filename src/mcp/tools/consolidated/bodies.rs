//! Helpers of [`super::plan`]: element parsing with located errors, field checks, id
//! generation, and the bodies of the batchable operations (traces, spans, scores, items).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::{
    ops::{ScoreCreate, SpanCreate, Target, TestSuiteItemUpsert, TraceCreate},
    plan::{Plan, req},
    registry::Operation,
};

/// Parse each element as `T`; the first failure names its index, path, problem and example.
pub(super) fn parse_all<T: DeserializeOwned>(
    op: Operation,
    els: &[&Value],
) -> Result<Vec<T>, String> {
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

pub(super) fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub(super) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub(super) fn uuid_field(i: usize, field: &str, value: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(value.trim())
        .map(|u| u.to_string())
        .map_err(|_| format!("data[{i}].{field}: expected a UUID such as \"0190babc-62a0-71d2-832a-0feffa4676eb\", got {value:?}"))
}

pub(super) fn given_or_new(i: usize, id: Option<&str>) -> Result<String, String> {
    id.map_or_else(|| Ok(new_id()), |id| uuid_field(i, "id", id))
}

pub(super) fn non_empty(i: usize, field: &str, value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("data[{i}].{field}: expected a non-empty string"))
    } else {
        Ok(())
    }
}

pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(super) fn with_ids(
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

pub(super) fn batch(
    bodies: Vec<Value>,
    ids: Vec<String>,
    one: &str,
    many: &str,
    key: &str,
) -> Plan {
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

pub(super) fn trace_body(i: usize, t: &TraceCreate) -> Result<(Value, String), String> {
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

pub(super) fn span_body(i: usize, s: &SpanCreate) -> Result<(Value, String), String> {
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
pub(super) fn score_plan(v: &[ScoreCreate]) -> Result<Plan, String> {
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
pub(super) fn item_plan(v: &[TestSuiteItemUpsert]) -> Result<Plan, String> {
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
