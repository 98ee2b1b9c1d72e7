//! Turning `write` data into the exact Opik requests: `data` is split into elements, parsed as
//! the operation's type and handed to that type's [`PlanOp`] implementation, which validates
//! every element (with its index, JSON path, expected type and an example) before anything is
//! sent.

use serde_json::Value;

pub use super::bodies::{Plan, PlannedRequest};
use super::{
    bodies::{PlanOp, parse_all},
    ops::{
        CommentCreate, ExperimentCreate, ExperimentItemCreate, PromptVersionSave, ScoreCreate,
        SpanCreate, TestSuiteCreate, TestSuiteItemUpsert, ThreadState, TraceCreate, TraceUpdate,
    },
    registry::{BATCH_LIMIT, Operation},
};

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

fn plan_as<T: PlanOp>(op: Operation, els: &[&Value]) -> Result<Plan, String> {
    let items: Vec<T> = parse_all(op, els)?;
    T::plan(op, &items)
}

/// Validate every element, then build the requests.
pub fn plan(op: Operation, data: &Value) -> Result<Plan, String> {
    let els = elements(data)?;
    match op {
        Operation::TraceCreate => plan_as::<TraceCreate>(op, &els),
        Operation::SpanCreate => plan_as::<SpanCreate>(op, &els),
        Operation::TraceUpdate => plan_as::<TraceUpdate>(op, &els),
        Operation::ScoreCreate => plan_as::<ScoreCreate>(op, &els),
        Operation::CommentCreate => plan_as::<CommentCreate>(op, &els),
        Operation::PromptVersionSave => plan_as::<PromptVersionSave>(op, &els),
        Operation::TestSuiteCreate => plan_as::<TestSuiteCreate>(op, &els),
        Operation::TestSuiteItemUpsert => plan_as::<TestSuiteItemUpsert>(op, &els),
        Operation::ExperimentCreate => plan_as::<ExperimentCreate>(op, &els),
        Operation::ExperimentItemCreate => plan_as::<ExperimentItemCreate>(op, &els),
        Operation::ThreadClose | Operation::ThreadOpen => plan_as::<ThreadState>(op, &els),
    }
}
