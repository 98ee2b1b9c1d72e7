//! Plans of the annotation operations: `score.create` (one batch request per target kind),
//! `comment.create` (one per element) and `thread.close` / `thread.open` (one per element).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{
    bodies::{Plan, PlanOp, compact, given, new_id, non_empty, req, uuid_field},
    lookup::Known,
    ops::{CommentCreate, CommentTarget, ScoreCreate, Target, ThreadState},
    registry::Operation,
};

/// The batch endpoint, id key and id of score `i`.
fn score_target(i: usize, s: &ScoreCreate) -> Result<(&'static str, &'static str, String), String> {
    Ok(match s.target {
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
    })
}

/// Scores naming a project go to the batch endpoint of their target, one request per target
/// kind; trace and span scores without one go to the trace's or span's own endpoint, one
/// request each, which scores it in its own project (the batch endpoints would use Opik's
/// default project).
impl PlanOp for ScoreCreate {
    fn plan(_: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
        let mut by_target: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        let mut single = Vec::new();
        let mut ids = Vec::new();
        for (i, s) in items.iter().enumerate() {
            non_empty(i, "name", &s.name)?;
            if !s.value.is_finite() || s.value.abs() > 1e9 {
                return Err(format!(
                    "data[{i}].value: expected a number within ±1e9, e.g. 0.9"
                ));
            }
            let (path, id_key, id) = score_target(i, s)?;
            let mut score = compact(json!({"name": s.name, "value": s.value, "source": "sdk",
                "reason": s.reason, "category_name": s.category_name}));
            match (s.target, given(&s.project_name)) {
                (Target::Trace | Target::Span, None) => {
                    let kind = if s.target == Target::Trace {
                        "traces"
                    } else {
                        "spans"
                    };
                    let path = format!("/v1/private/{kind}/{id}/feedback-scores");
                    single.push(req("PUT", path, score));
                }
                (_, project) => {
                    score["project_name"] = json!(project);
                    score[id_key] = Value::String(id.clone());
                    by_target.entry(path).or_default().push(score);
                }
            }
            ids.push(id);
        }
        let requests = by_target
            .into_iter()
            .map(|(path, scores)| req("PUT", path, json!({ "scores": scores })))
            .chain(single)
            .collect();
        Ok(Plan { requests, ids })
    }
}

impl PlanOp for CommentCreate {
    fn plan(_: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for (i, c) in items.iter().enumerate() {
            let target = uuid_field(i, "id", &c.id)?;
            non_empty(i, "text", &c.text)?;
            let kind = match c.target {
                CommentTarget::Trace => "traces",
                CommentTarget::Span => "spans",
            };
            let id = new_id();
            let body = json!({"id": id, "text": c.text});
            plan.push(
                req(
                    "POST",
                    format!("/v1/private/{kind}/{target}/comments"),
                    body,
                ),
                id,
            );
        }
        Ok(plan)
    }
}

impl PlanOp for ThreadState {
    fn plan(op: Operation, items: &[Self], _: &Known) -> Result<Plan, String> {
        let verb = if op == Operation::ThreadClose {
            "close"
        } else {
            "open"
        };
        let mut plan = Plan::default();
        for (i, t) in items.iter().enumerate() {
            non_empty(i, "thread_id", &t.thread_id)?;
            non_empty(i, "project_name", &t.project_name)?;
            let body = json!({"project_name": t.project_name, "thread_id": t.thread_id});
            plan.push(
                req("PUT", format!("/v1/private/traces/threads/{verb}"), body),
                t.thread_id.clone(),
            );
        }
        Ok(plan)
    }
}
