//! Plans of the trace and span operations: `trace.create`, `span.create` (one request, or one
//! batch request for an array) and `trace.update` (one `PATCH` per element).

use serde_json::{Value, json};

use super::{
    bodies::{Plan, PlanOp, batch, compact, given_or_new, non_empty, now, req, uuid_field},
    ops::{SpanCreate, TraceCreate, TraceUpdate},
    registry::Operation,
};

/// Bodies and ids of every element, or the first element's error.
fn bodies<T>(
    items: &[T],
    body: impl Fn(usize, &T) -> Result<(Value, String), String>,
) -> Result<(Vec<Value>, Vec<String>), String> {
    let mut bodies = Vec::with_capacity(items.len());
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let (b, id) = body(i, item)?;
        bodies.push(b);
        ids.push(id);
    }
    Ok((bodies, ids))
}

fn trace_body(i: usize, t: &TraceCreate) -> Result<(Value, String), String> {
    non_empty(i, "name", &t.name)?;
    let id = given_or_new(i, t.id.as_deref())?;
    let body = compact(
        json!({"id": id, "project_name": t.project_name, "name": t.name,
        "start_time": t.start_time.clone().unwrap_or_else(now), "end_time": t.end_time,
        "input": t.input, "output": t.output, "metadata": t.metadata, "tags": t.tags,
        "thread_id": t.thread_id}),
    );
    Ok((body, id))
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
    let body = compact(
        json!({"id": id, "trace_id": trace_id, "parent_span_id": parent,
        "project_name": s.project_name, "name": s.name, "type": s.span_type,
        "start_time": s.start_time.clone().unwrap_or_else(now), "end_time": s.end_time,
        "input": s.input, "output": s.output, "metadata": s.metadata, "model": s.model,
        "provider": s.provider, "usage": s.usage, "tags": s.tags}),
    );
    Ok((body, id))
}

impl PlanOp for TraceCreate {
    fn plan(_: Operation, items: &[Self]) -> Result<Plan, String> {
        let (bodies, ids) = bodies(items, trace_body)?;
        Ok(batch(
            bodies,
            ids,
            "/v1/private/traces",
            "/v1/private/traces/batch",
            "traces",
        ))
    }
}

impl PlanOp for SpanCreate {
    fn plan(_: Operation, items: &[Self]) -> Result<Plan, String> {
        let (bodies, ids) = bodies(items, span_body)?;
        Ok(batch(
            bodies,
            ids,
            "/v1/private/spans",
            "/v1/private/spans/batch",
            "spans",
        ))
    }
}

impl PlanOp for TraceUpdate {
    fn plan(_: Operation, items: &[Self]) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for (i, t) in items.iter().enumerate() {
            let id = uuid_field(i, "id", &t.id)?;
            let body = compact(json!({"project_name": t.project_name, "name": t.name,
                "end_time": t.end_time, "input": t.input, "output": t.output,
                "metadata": t.metadata, "tags": t.tags, "thread_id": t.thread_id}));
            plan.push(req("PATCH", format!("/v1/private/traces/{id}"), body), id);
        }
        Ok(plan)
    }
}
