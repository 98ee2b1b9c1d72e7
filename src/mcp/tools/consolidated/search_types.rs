//! The types `search`'s arguments are made of: the entity types, with the filters and sort
//! fields each one takes (Opik's `TraceField`, `SpanField`, `TraceThreadField`), feedback score
//! comparisons and span kinds.
//!
//! Enum variants here are documented with `//`, not `///`: schemars turns documented variants
//! into a `oneOf` of described constants, several times the size of a plain `enum` list that
//! every agent would read with the tool list.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What `search` finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchType {
    // Traces (one run of the application each).
    Trace,
    // Spans (steps inside traces: LLM calls, tools, …).
    Span,
    // Threads (conversations: traces sharing a thread_id).
    Thread,
}

impl SearchType {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            SearchType::Trace => "trace",
            SearchType::Span => "span",
            SearchType::Thread => "thread",
        }
    }

    /// The `filters` keys that apply to this entity.
    pub fn valid_filters(self) -> &'static [&'static str] {
        match self {
            SearchType::Trace => &[
                "error",
                "feedback_score",
                "start",
                "end",
                "name_contains",
                "tags",
                "metadata",
                "min_duration_ms",
                "max_duration_ms",
                "min_cost",
                "max_cost",
                "thread_id",
                "text",
            ],
            SearchType::Span => &[
                "error",
                "feedback_score",
                "start",
                "end",
                "name_contains",
                "tags",
                "metadata",
                "min_duration_ms",
                "max_duration_ms",
                "min_cost",
                "max_cost",
                "model",
                "provider",
                "type",
                "trace_id",
                "text",
            ],
            SearchType::Thread => &[
                "feedback_score",
                "start",
                "end",
                "tags",
                "min_duration_ms",
                "max_duration_ms",
                "text",
            ],
        }
    }

    /// Fields `sort` takes (besides `feedback_scores.<name>`).
    pub fn sortable(self) -> &'static [&'static str] {
        match self {
            SearchType::Trace => &[
                "start_time",
                "end_time",
                "duration",
                "name",
                "total_estimated_cost",
            ],
            SearchType::Span => &[
                "start_time",
                "end_time",
                "duration",
                "name",
                "total_estimated_cost",
                "model",
                "provider",
                "type",
            ],
            SearchType::Thread => &[
                "start_time",
                "end_time",
                "duration",
                "number_of_messages",
                "last_updated_at",
                "status",
            ],
        }
    }
}

/// A feedback score comparison, e.g. {"name": "helpfulness", "operator": "<", "value": 0.5}.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreFilter {
    /// The feedback score's name.
    #[schemars(length(min = 1, max = 200))]
    pub name: String,
    /// Comparison: <, <=, >, >=, = or !=.
    pub operator: ScoreOperator,
    /// The number to compare with.
    pub value: f64,
}

/// Comparisons of a feedback score.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
pub enum ScoreOperator {
    // Less than.
    #[serde(rename = "<")]
    Lt,
    // At most.
    #[serde(rename = "<=")]
    Le,
    // Greater than.
    #[serde(rename = ">")]
    Gt,
    // At least.
    #[serde(rename = ">=")]
    Ge,
    // Equal.
    #[serde(rename = "=")]
    Eq,
    // Not equal.
    #[serde(rename = "!=")]
    Ne,
}

impl ScoreOperator {
    /// Opik's operator.
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreOperator::Lt => "<",
            ScoreOperator::Le => "<=",
            ScoreOperator::Gt => ">",
            ScoreOperator::Ge => ">=",
            ScoreOperator::Eq => "=",
            ScoreOperator::Ne => "!=",
        }
    }
}

/// One score comparison or several (all must hold).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Scores {
    // One comparison.
    One(ScoreFilter),
    // Several comparisons, all of which must hold.
    Many(Vec<ScoreFilter>),
}

/// By hand rather than `untagged`: serde's untagged error ("did not match any variant") would
/// hide which part of the comparison is wrong.
impl<'de> Deserialize<'de> for Scores {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let err = |e: String| serde::de::Error::custom(e);
        match v {
            Value::Array(_) => crate::mcp::tools::params::from_value(v).map(Scores::Many),
            other => crate::mcp::tools::params::from_value(other).map(Scores::One),
        }
        .map_err(err)
    }
}

impl Scores {
    /// The comparisons.
    pub fn list(&self) -> Vec<&ScoreFilter> {
        match self {
            Scores::One(s) => vec![s],
            Scores::Many(v) => v.iter().collect(),
        }
    }
}

/// Span types.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    // A plain step.
    General,
    // An LLM call.
    Llm,
    // A tool call.
    Tool,
    // A guardrail check.
    Guardrail,
}

impl SpanKind {
    /// The wire name (Opik's `type` query parameter).
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::General => "general",
            SpanKind::Llm => "llm",
            SpanKind::Tool => "tool",
            SpanKind::Guardrail => "guardrail",
        }
    }
}
