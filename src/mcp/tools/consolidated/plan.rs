//! Turning `write` data into the exact Opik requests: `data` is split into elements, parsed as
//! the operation's type and handed to that type's [`PlanOp`] implementation, which validates
//! every element (with its index, JSON path, expected type and an example) before anything is
//! sent, then names what must be read first (a trace's or span's project); the lookups run,
//! and the requests are built from what they found.

use serde_json::Value;

use crate::mcp::tools::common::ToolError;

pub use super::bodies::{Plan, PlannedRequest};
pub(super) use super::lookup::Reader;
use super::{
    bodies::{PlanOp, parse_all},
    lookup::resolve,
    ops::{
        CommentCreate, ExperimentCreate, ExperimentItemCreate, PromptVersionSave, ScoreCreate,
        SpanCreate, SpanUpdate, TestSuiteCreate, TestSuiteItemUpsert, ThreadState, TraceCreate,
        TraceUpdate,
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

async fn plan_as<T: PlanOp>(
    op: Operation,
    els: &[&Value],
    reader: &impl Reader,
) -> Result<Plan, ToolError> {
    let items: Vec<T> = parse_all(op, els).map_err(ToolError::invalid)?;
    let needs = T::needs(&items).map_err(ToolError::invalid)?;
    let known = resolve(reader, needs).await?;
    T::plan(op, &items, &known).map_err(ToolError::invalid)
}

/// Validate every element, read what the operation needs from Opik, then build the requests.
pub async fn plan(op: Operation, data: &Value, reader: &impl Reader) -> Result<Plan, ToolError> {
    let els = elements(data).map_err(ToolError::invalid)?;
    let r = reader;
    match op {
        Operation::TraceCreate => plan_as::<TraceCreate>(op, &els, r).await,
        Operation::SpanCreate => plan_as::<SpanCreate>(op, &els, r).await,
        Operation::TraceUpdate => plan_as::<TraceUpdate>(op, &els, r).await,
        Operation::SpanUpdate => plan_as::<SpanUpdate>(op, &els, r).await,
        Operation::ScoreCreate => plan_as::<ScoreCreate>(op, &els, r).await,
        Operation::CommentCreate => plan_as::<CommentCreate>(op, &els, r).await,
        Operation::PromptVersionSave => plan_as::<PromptVersionSave>(op, &els, r).await,
        Operation::TestSuiteCreate => plan_as::<TestSuiteCreate>(op, &els, r).await,
        Operation::TestSuiteItemUpsert => plan_as::<TestSuiteItemUpsert>(op, &els, r).await,
        Operation::ExperimentCreate => plan_as::<ExperimentCreate>(op, &els, r).await,
        Operation::ExperimentItemCreate => plan_as::<ExperimentItemCreate>(op, &els, r).await,
        Operation::ThreadClose | Operation::ThreadOpen => plan_as::<ThreadState>(op, &els, r).await,
    }
}
