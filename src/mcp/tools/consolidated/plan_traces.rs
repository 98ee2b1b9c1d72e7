//! Plans of `trace.create` and `span.create`: one request, or one batch request for an
//! array. Every trace names its project (Opik would put one without in its default project);
//! a span without `project_name` gets its trace's project, read from Opik first.

use serde_json::{Value, json};

use super::{
    bodies::{Plan, PlanOp, batch, compact, given, given_or_new, non_empty, times, uuid_field},
    lookup::{Known, Lookup, Need},
    ops::{SpanCreate, TraceCreate},
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
    non_empty(i, "project_name", &t.project_name)?;
    non_empty(i, "name", &t.name)?;
    let id = given_or_new(i, t.id.as_deref())?;
    let (start, end) = times(i, t.start_time.as_deref(), t.end_time.as_deref())?;
    let body = compact(
        json!({"id": id, "project_name": t.project_name, "name": t.name,
        "start_time": start, "end_time": end, "input": t.input, "output": t.output,
        "metadata": t.metadata, "tags": t.tags, "thread_id": t.thread_id}),
    );
    Ok((body, id))
}

/// The body of span `i` in `project` (validated whatever the project).
fn span_body(i: usize, s: &SpanCreate, project: &str) -> Result<(Value, String), String> {
    non_empty(i, "name", &s.name)?;
    let id = given_or_new(i, s.id.as_deref())?;
    let trace_id = uuid_field(i, "trace_id", &s.trace_id)?;
    let parent = s
        .parent_span_id
        .as_deref()
        .map(|p| uuid_field(i, "parent_span_id", p))
        .transpose()?;
    let (start, end) = times(i, s.start_time.as_deref(), s.end_time.as_deref())?;
    let body = compact(
        json!({"id": id, "trace_id": trace_id, "parent_span_id": parent,
        "project_name": project, "name": s.name, "type": s.span_type,
        "start_time": start, "end_time": end, "input": s.input, "output": s.output,
        "metadata": s.metadata, "model": s.model, "provider": s.provider, "usage": s.usage,
        "tags": s.tags}),
    );
    Ok((body, id))
}

impl PlanOp for TraceCreate {
    fn plan(_: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
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

/// What to do when a span's trace is not found.
const UNKNOWN_TRACE_HINT: &str = "; pass project_name to log spans of a trace not logged yet \
                                  (one logged moments ago may not be readable for a moment)";

impl PlanOp for SpanCreate {
    fn needs(items: &[Self]) -> Result<Vec<Need>, String> {
        let mut needs = Vec::new();
        for (i, s) in items.iter().enumerate() {
            let (body, _) = span_body(i, s, "")?;
            if given(&s.project_name).is_none() {
                needs.push(Need {
                    at: format!("data[{i}].trace_id"),
                    lookup: Lookup::TraceProjectName(
                        body["trace_id"].as_str().unwrap_or_default().into(),
                    ),
                    hint: UNKNOWN_TRACE_HINT,
                });
            }
        }
        Ok(needs)
    }

    fn plan(_: Operation, items: &[Self], known: &Known) -> Result<Plan, String> {
        let (bodies, ids) = bodies(items, |i, s| {
            let project = match given(&s.project_name) {
                Some(p) => p,
                None => known
                    .trace_project_name(&uuid_field(i, "trace_id", &s.trace_id)?)
                    .ok_or_else(|| {
                        format!(
                            "data[{i}].project_name: the project of trace {} is unknown; pass \
                             project_name",
                            s.trace_id
                        )
                    })?,
            };
            span_body(i, s, project)
        })?;
        Ok(batch(
            bodies,
            ids,
            "/v1/private/spans",
            "/v1/private/spans/batch",
            "spans",
        ))
    }
}
