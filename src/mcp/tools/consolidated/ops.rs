//! The typed data of each `write` operation: one struct per operation, used both to validate
//! `data` (serde, with the JSON path of the first error) and to publish its JSON Schema
//! (`schemars`), so `schema` and `write` cannot disagree.

#![expect(
    clippy::doc_markdown,
    reason = "field docs are the schema descriptions models read; no backticks there"
)]

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// trace.create: log a trace.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceCreate {
    /// Optional trace id (UUID v7); generated and returned when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// Project to log into (required: Opik would put a trace without one in its default
    /// project; write "Default Project" to mean that one).
    pub project_name: String,
    /// Trace name.
    pub name: String,
    /// Start time, ISO 8601 / RFC 3339 with an offset, e.g. 2026-01-01T12:00:00Z (now when
    /// omitted).
    #[serde(default)]
    pub start_time: Option<String>,
    /// End time, ISO 8601 / RFC 3339 with an offset; not before start_time.
    #[serde(default)]
    pub end_time: Option<String>,
    /// Input (any JSON object).
    #[serde(default)]
    pub input: Option<Map<String, Value>>,
    /// Output (any JSON object).
    #[serde(default)]
    pub output: Option<Map<String, Value>>,
    /// Metadata (any JSON object).
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Conversation thread id.
    #[serde(default)]
    pub thread_id: Option<String>,
}

/// trace.update: change fields of an existing trace.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceUpdate {
    /// Trace id (UUID).
    pub id: String,
    /// Project of the trace (looked up from the trace when omitted).
    #[serde(default)]
    pub project_name: Option<String>,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// End time, ISO 8601 / RFC 3339 with an offset, e.g. 2026-01-01T12:00:01Z.
    #[serde(default)]
    pub end_time: Option<String>,
    /// New input.
    #[serde(default)]
    pub input: Option<Map<String, Value>>,
    /// New output.
    #[serde(default)]
    pub output: Option<Map<String, Value>>,
    /// New metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Replace all tags with these (use tags_to_add / tags_to_remove to keep the others).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Tags to add; the trace keeps its other tags.
    #[serde(default)]
    pub tags_to_add: Option<Vec<String>>,
    /// Tags to remove; the trace keeps its other tags.
    #[serde(default)]
    pub tags_to_remove: Option<Vec<String>>,
    /// Conversation thread id.
    #[serde(default)]
    pub thread_id: Option<String>,
}

/// Kinds of span.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpanType {
    /// Any step (default).
    #[default]
    General,
    /// A tool call.
    Tool,
    /// An LLM call.
    Llm,
    /// A guardrail check.
    Guardrail,
}

/// span.create: log a span of a trace.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpanCreate {
    /// Optional span id (UUID v7); generated and returned when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// The trace (UUID).
    pub trace_id: String,
    /// Parent span (UUID).
    #[serde(default)]
    pub parent_span_id: Option<String>,
    /// Project of the trace (looked up from the trace when omitted).
    #[serde(default)]
    pub project_name: Option<String>,
    /// Span name.
    pub name: String,
    /// Kind of span: general (default), tool, llm or guardrail.
    #[serde(default, rename = "type")]
    pub span_type: SpanType,
    /// Start time, ISO 8601 / RFC 3339 with an offset, e.g. 2026-01-01T12:00:00Z (now when
    /// omitted).
    #[serde(default)]
    pub start_time: Option<String>,
    /// End time, ISO 8601 / RFC 3339 with an offset; not before start_time.
    #[serde(default)]
    pub end_time: Option<String>,
    /// Input.
    #[serde(default)]
    pub input: Option<Map<String, Value>>,
    /// Output.
    #[serde(default)]
    pub output: Option<Map<String, Value>>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Model name (llm spans).
    #[serde(default)]
    pub model: Option<String>,
    /// Provider (llm spans).
    #[serde(default)]
    pub provider: Option<String>,
    /// Token usage, e.g. {"prompt_tokens": 10}.
    #[serde(default)]
    pub usage: Option<std::collections::BTreeMap<String, i64>>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// span.update: change fields of an existing span.
// Its fields repeat span.create's on purpose: a shared struct would need `#[serde(flatten)]`,
// which serde's `deny_unknown_fields` (a typo must fail loudly) does not support.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpanUpdate {
    /// Span id (UUID).
    pub id: String,
    /// The span's trace (UUID; looked up from the span when omitted).
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Project of the span (looked up from the span when omitted).
    #[serde(default)]
    pub project_name: Option<String>,
    /// New parent span (UUID).
    #[serde(default)]
    pub parent_span_id: Option<String>,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New kind: general, tool, llm or guardrail.
    #[serde(default, rename = "type")]
    pub span_type: Option<SpanType>,
    /// End time, ISO 8601 / RFC 3339 with an offset, e.g. 2026-01-01T12:00:01Z.
    #[serde(default)]
    pub end_time: Option<String>,
    /// New input.
    #[serde(default)]
    pub input: Option<Map<String, Value>>,
    /// New output.
    #[serde(default)]
    pub output: Option<Map<String, Value>>,
    /// New metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// Model name (llm spans).
    #[serde(default)]
    pub model: Option<String>,
    /// Provider (llm spans).
    #[serde(default)]
    pub provider: Option<String>,
    /// Token usage, e.g. {"prompt_tokens": 10}.
    #[serde(default)]
    pub usage: Option<std::collections::BTreeMap<String, i64>>,
    /// Replace all tags with these (use tags_to_add / tags_to_remove to keep the others).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Tags to add; the span keeps its other tags.
    #[serde(default)]
    pub tags_to_add: Option<Vec<String>>,
    /// Tags to remove; the span keeps its other tags.
    #[serde(default)]
    pub tags_to_remove: Option<Vec<String>>,
}

/// What a score or comment is attached to.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A trace (id = trace UUID).
    Trace,
    /// A span (id = span UUID).
    Span,
    /// A thread (id = the thread id; needs project_name).
    Thread,
}

/// score.create: a feedback score on a trace, span or thread.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreCreate {
    /// trace, span or thread.
    pub target: Target,
    /// Id of the trace/span (UUID) or the thread id.
    pub id: String,
    /// Score name, e.g. relevance.
    pub name: String,
    /// Value within ±1e9 (commonly 0..1).
    pub value: f64,
    /// Reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// Category, for categorical scores.
    #[serde(default)]
    pub category_name: Option<String>,
    /// Project: required for threads. For traces and spans, given: one batch request per
    /// target kind; omitted: one request per score to the trace's or span's own endpoint,
    /// which scores it in its own project.
    #[serde(default)]
    pub project_name: Option<String>,
}

/// What a comment is attached to.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentTarget {
    /// A trace.
    Trace,
    /// A span.
    Span,
}

/// comment.create: a comment on a trace or span.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentCreate {
    /// trace or span.
    pub target: CommentTarget,
    /// Id of the trace or span (UUID).
    pub id: String,
    /// Comment text.
    pub text: String,
}

/// Template syntax of a prompt.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TemplateType {
    /// {{variable}} (default).
    #[default]
    Mustache,
    /// Jinja2.
    Jinja2,
}

/// prompt_version.save: a new version of a prompt (creates the prompt if needed).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptVersionSave {
    /// Prompt name.
    pub name: String,
    /// Template text.
    pub template: String,
    /// What changed.
    #[serde(default)]
    pub change_description: Option<String>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// mustache (default) or jinja2.
    #[serde(default, rename = "type")]
    pub template_type: TemplateType,
}

/// test_suite.create: a dataset (test suite).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSuiteCreate {
    /// Optional id (UUID v7); generated and returned when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// Name, unique in the workspace.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// test_suite_item.upsert: one item of a dataset (same id = replace).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSuiteItemUpsert {
    /// Dataset name (or give test_suite_id).
    #[serde(default)]
    pub test_suite_name: Option<String>,
    /// Dataset id (UUID).
    #[serde(default)]
    pub test_suite_id: Option<String>,
    /// Item id (UUID v7); generated and returned when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// The item's fields, e.g. {"input": "…", "expected_output": "…"}.
    pub data: Map<String, Value>,
}

/// experiment.create: an experiment over a dataset.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperimentCreate {
    /// Optional id (UUID v7); generated and returned when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// Dataset name.
    pub test_suite_name: String,
    /// Experiment name (Opik generates one when omitted).
    #[serde(default)]
    pub name: Option<String>,
    /// Metadata, e.g. the model and its parameters.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
}

/// experiment_item.create: link a dataset item and its trace to an experiment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperimentItemCreate {
    /// Optional id (UUID v7); generated and returned when omitted.
    #[serde(default)]
    pub id: Option<String>,
    /// Experiment (UUID).
    pub experiment_id: String,
    /// Dataset item (UUID).
    pub dataset_item_id: String,
    /// Trace of the run on that item (UUID).
    pub trace_id: String,
}

/// thread.close / thread.open: close or reopen a conversation thread.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadState {
    /// The thread id.
    pub thread_id: String,
    /// Project of the thread.
    pub project_name: String,
}
