//! The `filters` and `sort` of `search`, and how they become Opik's filter language
//! (`[{field, operator, key?, value}]`, sent as the `filters` query string) and `sorting`.
//! Which field each entity can be filtered and sorted on follows Opik's `TraceField`,
//! `SpanField` and `TraceThreadField`; a filter that does not apply to the entity is refused
//! with the filters that do.

#![expect(
    clippy::doc_markdown,
    reason = "field docs are the schema descriptions models read; no backticks there"
)]

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use super::search_types::{Scores, SearchType, SpanKind};
use crate::mcp::tools::common::ToolError;

/// Filters of `search` (all given ones must hold).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchFilters {
    /// true: only failed ones (error_info set); false: only successful ones. Not for threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<bool>,
    /// Feedback score comparison(s), e.g. {"name": "helpfulness", "operator": "<", "value": 0.5}.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_score: Option<Scores>,
    /// Window start: ISO 8601 with offset, a day (2025-06-01), or relative ("last 24h", "7d ago").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Window end (same forms; "now" allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Name contains this text (case-insensitive). Not for threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 200))]
    pub name_contains: Option<String>,
    /// Carries every one of these tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Metadata key/value pairs that must match exactly, e.g. {"region": "eu"}. Not for threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Spans only: model contains this text, e.g. "gpt-4o".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Spans only: provider contains this text, e.g. "openai".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Spans only: span type (general, llm, tool, guardrail).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub span_type: Option<SpanKind>,
    /// Spans only: the spans of this trace (UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Traces only: the traces of this thread (conversation) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Duration at least this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_duration_ms: Option<f64>,
    /// Duration at most this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration_ms: Option<f64>,
    /// Estimated cost at least this much (USD). Not for threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cost: Option<f64>,
    /// Estimated cost at most this much (USD). Not for threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cost: Option<f64>,
    /// Full-text search across names, inputs, outputs and metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 500))]
    pub text: Option<String>,
}

impl SearchFilters {
    /// The keys that are set, in schema order.
    fn given(&self) -> Vec<&'static str> {
        let set = [
            ("error", self.error.is_some()),
            ("feedback_score", self.feedback_score.is_some()),
            ("start", self.start.is_some()),
            ("end", self.end.is_some()),
            ("name_contains", self.name_contains.is_some()),
            ("tags", self.tags.is_some()),
            ("metadata", self.metadata.is_some()),
            ("model", self.model.is_some()),
            ("provider", self.provider.is_some()),
            ("type", self.span_type.is_some()),
            ("trace_id", self.trace_id.is_some()),
            ("thread_id", self.thread_id.is_some()),
            ("min_duration_ms", self.min_duration_ms.is_some()),
            ("max_duration_ms", self.max_duration_ms.is_some()),
            ("min_cost", self.min_cost.is_some()),
            ("max_cost", self.max_cost.is_some()),
            ("text", self.text.is_some()),
        ];
        set.iter().filter(|(_, on)| *on).map(|(k, _)| *k).collect()
    }

    /// Refuse filters that do not apply to `kind`, naming the ones that do.
    pub fn check(&self, kind: SearchType) -> Result<(), ToolError> {
        let valid = kind.valid_filters();
        if let Some(bad) = self.given().into_iter().find(|k| !valid.contains(k)) {
            return Err(ToolError::invalid(format!(
                "filters.{bad}: does not apply to {}s; their filters are: {}",
                kind.name(),
                valid.join(", ")
            )));
        }
        for (i, s) in self
            .feedback_score
            .iter()
            .flat_map(Scores::list)
            .enumerate()
        {
            if !s.value.is_finite() || s.name.trim().is_empty() {
                return Err(ToolError::invalid(format!(
                    "filters.feedback_score[{i}]: needs a name and a finite value"
                )));
            }
        }
        if let Some((k, v)) = self
            .metadata
            .iter()
            .flatten()
            .find(|(_, v)| v.is_object() || v.is_array() || v.is_null())
        {
            return Err(ToolError::invalid(format!(
                "filters.metadata.{k}: expected a string, number or boolean, got {v}"
            )));
        }
        Ok(())
    }

    /// Opik's filter array (the time window and full-text search go in their own parameters).
    pub fn to_opik(&self) -> Vec<Value> {
        let f = |field: &str, op: &str, value: String| json!({"field": field, "operator": op, "value": value});
        let mut out = Vec::new();
        if let Some(e) = self.error {
            out.push(f(
                "error_info",
                if e { "is_not_empty" } else { "is_empty" },
                String::new(),
            ));
        }
        for s in self.feedback_score.iter().flat_map(Scores::list) {
            let mut x = f("feedback_scores", s.operator.as_str(), s.value.to_string());
            x["key"] = json!(s.name.trim());
            out.push(x);
        }
        if let Some(n) = &self.name_contains {
            out.push(f("name", "contains", n.clone()));
        }
        for t in self.tags.iter().flatten() {
            out.push(f("tags", "contains", t.clone()));
        }
        for (k, v) in self.metadata.iter().flatten() {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            let mut x = f("metadata", "=", text);
            x["key"] = json!(k);
            out.push(x);
        }
        for (field, v) in [("model", &self.model), ("provider", &self.provider)] {
            if let Some(v) = v {
                out.push(f(field, "contains", v.clone()));
            }
        }
        if let Some(t) = &self.thread_id {
            out.push(f("thread_id", "=", t.clone()));
        }
        let numbers = [
            ("duration", ">=", self.min_duration_ms),
            ("duration", "<=", self.max_duration_ms),
            ("total_estimated_cost", ">=", self.min_cost),
            ("total_estimated_cost", "<=", self.max_cost),
        ];
        for (field, op, v) in numbers {
            if let Some(v) = v {
                out.push(f(field, op, v.to_string()));
            }
        }
        out
    }
}

/// `sort` ("field" or "field:asc|desc") as Opik's `sorting` value.
pub fn sorting(kind: SearchType, sort: &str) -> Result<(String, String), ToolError> {
    let (field, dir) = sort.trim().split_once(':').unwrap_or((sort.trim(), "desc"));
    let direction = match dir.trim().to_ascii_lowercase().as_str() {
        "asc" => "ASC",
        "desc" => "DESC",
        other => {
            return Err(ToolError::invalid(format!(
                "sort: direction must be asc or desc, got {other:?}"
            )));
        }
    };
    let field = field.trim();
    let score = field
        .strip_prefix("feedback_scores.")
        .is_some_and(|n| !n.is_empty());
    if !score && !kind.sortable().contains(&field) {
        return Err(ToolError::invalid(format!(
            "sort: {field:?} is not sortable for {}s; use one of {}, or feedback_scores.<name>, \
             optionally with :asc or :desc",
            kind.name(),
            kind.sortable().join(", ")
        )));
    }
    let value = json!([{"field": field, "direction": direction}]).to_string();
    Ok((field.to_string(), value))
}

#[cfg(test)]
#[path = "search_filters_tests.rs"]
mod tests;
