//! The `write` operations: name, scope, batch support, example and failure modes of each, and
//! the JSON Schema generated from its type in [`super::ops`].

use schemars::{JsonSchema, Schema, schema_for};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ops::{
    CommentCreate, ExperimentCreate, ExperimentItemCreate, PromptVersionSave, ScoreCreate,
    SpanCreate, SpanUpdate, TestSuiteCreate, TestSuiteItemUpsert, ThreadState, TraceCreate,
    TraceUpdate,
};

/// Most elements one `write` call may carry.
pub const BATCH_LIMIT: usize = 1000;

/// A write operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Operation {
    /// Log traces.
    #[serde(rename = "trace.create")]
    TraceCreate,
    /// Update traces.
    #[serde(rename = "trace.update")]
    TraceUpdate,
    /// Log spans.
    #[serde(rename = "span.create")]
    SpanCreate,
    /// Update spans.
    #[serde(rename = "span.update")]
    SpanUpdate,
    /// Feedback scores on traces, spans or threads.
    #[serde(rename = "score.create")]
    ScoreCreate,
    /// Comments on traces or spans.
    #[serde(rename = "comment.create")]
    CommentCreate,
    /// Save a prompt version.
    #[serde(rename = "prompt_version.save")]
    PromptVersionSave,
    /// Create datasets (test suites).
    #[serde(rename = "test_suite.create")]
    TestSuiteCreate,
    /// Insert or replace dataset items.
    #[serde(rename = "test_suite_item.upsert")]
    TestSuiteItemUpsert,
    /// Create experiments.
    #[serde(rename = "experiment.create")]
    ExperimentCreate,
    /// Add experiment items.
    #[serde(rename = "experiment_item.create")]
    ExperimentItemCreate,
    /// Close threads.
    #[serde(rename = "thread.close")]
    ThreadClose,
    /// Reopen threads.
    #[serde(rename = "thread.open")]
    ThreadOpen,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 13] = [
        Operation::TraceCreate,
        Operation::TraceUpdate,
        Operation::SpanCreate,
        Operation::SpanUpdate,
        Operation::ScoreCreate,
        Operation::CommentCreate,
        Operation::PromptVersionSave,
        Operation::TestSuiteCreate,
        Operation::TestSuiteItemUpsert,
        Operation::ExperimentCreate,
        Operation::ExperimentItemCreate,
        Operation::ThreadClose,
        Operation::ThreadOpen,
    ];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Operation::TraceCreate => "trace.create",
            Operation::TraceUpdate => "trace.update",
            Operation::SpanCreate => "span.create",
            Operation::SpanUpdate => "span.update",
            Operation::ScoreCreate => "score.create",
            Operation::CommentCreate => "comment.create",
            Operation::PromptVersionSave => "prompt_version.save",
            Operation::TestSuiteCreate => "test_suite.create",
            Operation::TestSuiteItemUpsert => "test_suite_item.upsert",
            Operation::ExperimentCreate => "experiment.create",
            Operation::ExperimentItemCreate => "experiment_item.create",
            Operation::ThreadClose => "thread.close",
            Operation::ThreadOpen => "thread.open",
        }
    }

    /// The scope a caller needs (besides the general write scope, which covers every one).
    pub fn scope(self) -> &'static str {
        match self {
            Operation::TraceCreate
            | Operation::TraceUpdate
            | Operation::SpanCreate
            | Operation::SpanUpdate
            | Operation::ThreadClose
            | Operation::ThreadOpen => "opik:trace_span_thread_log",
            Operation::ScoreCreate | Operation::CommentCreate => "opik:trace_span_thread_annotate",
            Operation::PromptVersionSave => "opik:prompt_create",
            Operation::TestSuiteCreate | Operation::TestSuiteItemUpsert => "opik:dataset_edit",
            Operation::ExperimentCreate | Operation::ExperimentItemCreate => {
                "opik:experiment_create"
            }
        }
    }

    /// Whether an array is sent as one batch request (else one request per element).
    pub fn batch_endpoint(self) -> bool {
        matches!(
            self,
            Operation::TraceCreate
                | Operation::SpanCreate
                | Operation::ScoreCreate
                | Operation::TestSuiteItemUpsert
                | Operation::ExperimentItemCreate
        )
    }

    /// The JSON Schema of one element of `data`.
    pub fn schema(self) -> Schema {
        match self {
            Operation::TraceCreate => schema_for!(TraceCreate),
            Operation::TraceUpdate => schema_for!(TraceUpdate),
            Operation::SpanCreate => schema_for!(SpanCreate),
            Operation::SpanUpdate => schema_for!(SpanUpdate),
            Operation::ScoreCreate => schema_for!(ScoreCreate),
            Operation::CommentCreate => schema_for!(CommentCreate),
            Operation::PromptVersionSave => schema_for!(PromptVersionSave),
            Operation::TestSuiteCreate => schema_for!(TestSuiteCreate),
            Operation::TestSuiteItemUpsert => schema_for!(TestSuiteItemUpsert),
            Operation::ExperimentCreate => schema_for!(ExperimentCreate),
            Operation::ExperimentItemCreate => schema_for!(ExperimentItemCreate),
            Operation::ThreadClose | Operation::ThreadOpen => schema_for!(ThreadState),
        }
    }

    /// A valid element of `data` (tests check that each one validates).
    pub fn example(self) -> Value {
        const T: &str = "0190babc-62a0-71d2-832a-0feffa4676eb";
        const S: &str = "0190babc-62a0-71d2-832a-0feffa4676ec";
        match self {
            Operation::TraceCreate => json!({"project_name": "my-app", "name": "chat",
                "input": {"question": "hi"}, "output": {"answer": "hello"}}),
            Operation::TraceUpdate => json!({"id": T, "output": {"answer": "hello"},
                "end_time": "2026-01-01T00:00:01Z", "tags_to_add": ["reviewed"]}),
            Operation::SpanCreate => json!({"trace_id": T, "name": "llm-call", "type": "llm",
                "model": "gpt-4o", "usage": {"prompt_tokens": 10, "completion_tokens": 5}}),
            Operation::SpanUpdate => json!({"id": S, "output": {"text": "done"},
                "end_time": "2026-01-01T00:00:01Z", "tags_to_remove": ["draft"]}),
            Operation::ScoreCreate => json!({"target": "trace", "id": T, "name": "relevance",
                "value": 0.9, "reason": "on topic", "project_name": "my-app"}),
            Operation::CommentCreate => json!({"target": "span", "id": S, "text": "looks off"}),
            Operation::PromptVersionSave => json!({"name": "greeter",
                "template": "Hello {{name}}", "change_description": "friendlier"}),
            Operation::TestSuiteCreate => json!({"name": "qa-regression",
                "description": "questions that broke before"}),
            Operation::TestSuiteItemUpsert => json!({"test_suite_name": "qa-regression",
                "data": {"input": "2+2?", "expected_output": "4"}}),
            Operation::ExperimentCreate => json!({"test_suite_name": "qa-regression",
                "name": "gpt-4o baseline", "metadata": {"model": "gpt-4o"}}),
            Operation::ExperimentItemCreate => json!({"experiment_id": T, "dataset_item_id": S,
                "trace_id": T}),
            Operation::ThreadClose | Operation::ThreadOpen => json!({"thread_id": "chat-42",
                "project_name": "my-app"}),
        }
    }

    /// How the operation can fail.
    pub fn failure_modes(self) -> Vec<&'static str> {
        let mut v = vec![
            "validation: an element does not match the schema (nothing is sent)",
            "scope: the caller lacks the operation's scope (nothing is sent)",
            "upstream: Opik refused the request (its message is returned verbatim)",
        ];
        match self {
            Operation::TraceUpdate | Operation::SpanUpdate => {
                v.push(
                    "not_found: the trace/span does not exist (when it is read first, for \
                     its project, nothing is written)",
                );
                v.push(
                    "validation: tags together with tags_to_add/tags_to_remove, a tag in both, \
                     or over 50 in one list",
                );
            }
            Operation::SpanCreate => v.push(
                "not_found: without project_name, the trace is read for its project; an \
                 unknown trace fails before anything is written",
            ),
            Operation::CommentCreate | Operation::ExperimentItemCreate => {
                v.push("not_found: the referenced trace/span/experiment does not exist");
            }
            Operation::TestSuiteCreate => v.push("conflict: a dataset with that name exists"),
            Operation::ScoreCreate => v.push("validation: thread scores need project_name"),
            Operation::TraceCreate => v.push("validation: project_name is required"),
            _ => {}
        }
        if matches!(
            self,
            Operation::TraceCreate
                | Operation::TraceUpdate
                | Operation::SpanCreate
                | Operation::SpanUpdate
        ) {
            v.push(
                "validation: a time that is not ISO 8601 / RFC 3339 with an offset, or an \
                 end_time before its start_time (nothing is sent)",
            );
        }
        if !self.batch_endpoint() {
            v.push("partial: one request per element; the error says how many succeeded");
        }
        v
    }
}
