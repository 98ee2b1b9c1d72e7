//! The tool surface an agent receives from `tools/list`, and what it costs in its context.
//!
//! - **One tool per job.** When the consolidated toolset is enabled, the classic tools whose
//!   job a consolidated tool does ([`SUPERSEDED`]) are not listed, so no preset hands an agent
//!   two tools for the same job. They stay callable under their names: clients and prompts
//!   written for the upstream server keep working.
//! - **Measured size.** [`sizes`] measures each toolset's listed tools as an agent receives them
//!   (name, description, input schema and annotations; output schemas apart), in characters
//!   and in tokens estimated as characters / 4 — the estimate `read`'s budget uses.
//! - **Compact output schemas.** Clients validate structured content against `outputSchema`;
//!   models are not shown it, so its descriptions and titles are dropped
//!   ([`compact_output_schema`]).

use rmcp::model::Tool;
use serde_json::{Map, Value};

use crate::config::{Toolset, Toolsets};

/// Classic tools and the consolidated call that does the same job.
pub const SUPERSEDED: &[(&str, &str)] = &[
    ("list-projects", "list(entity_type=\"project\")"),
    ("list-traces", "list(entity_type=\"trace\")"),
    ("get-trace-by-id", "read(entity_type=\"trace\")"),
    ("get-trace-stats", "stats"),
    ("get-trace-threads", "list/read(entity_type=\"thread\")"),
    ("search-traces", "search"),
    ("add-trace-feedback", "write(\"score.create\")"),
    ("get-prompts", "list(entity_type=\"prompt\")"),
    ("get-prompt-by-id", "read(entity_type=\"prompt\")"),
    (
        "get-prompt-version",
        "read(entity_type=\"prompt\", id=\"opik://prompt/{name}/{commit}\")",
    ),
    ("save-prompt-version", "write(\"prompt_version.save\")"),
    ("list-datasets", "list(entity_type=\"test_suite\")"),
    ("get-dataset-by-id", "read(entity_type=\"test_suite\")"),
    ("create-dataset", "write(\"test_suite.create\")"),
    (
        "list-dataset-items",
        "list(entity_type=\"test_suite_item\")",
    ),
    ("create-dataset-item", "write(\"test_suite_item.upsert\")"),
    ("get-metrics", "stats"),
];

/// Whether `tool` (of toolset `set`) is listed when `sets` are enabled.
pub fn listed(sets: &Toolsets, tool: &str, set: Option<Toolset>) -> bool {
    let enabled = set.is_some_and(|t| sets.contains(t));
    let superseded =
        sets.contains(Toolset::Consolidated) && SUPERSEDED.iter().any(|(c, _)| *c == tool);
    enabled && !superseded
}

/// The classic names that are callable but not listed with `sets` enabled.
pub fn unlisted_callable(sets: &Toolsets) -> Vec<&'static str> {
    if !sets.contains(Toolset::Consolidated) {
        return Vec::new();
    }
    SUPERSEDED
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| super::toolset_of(c).is_some_and(|t| sets.contains(t)))
        .collect()
}

/// What a set of listed tools costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Size {
    /// Tools listed.
    pub tools: usize,
    /// Characters of the tool definitions without their output schemas.
    pub chars: usize,
    /// Characters of the output schemas.
    pub output_chars: usize,
}

impl Size {
    /// Estimated tokens of the definitions (characters / 4, rounded up).
    pub fn tokens(&self) -> usize {
        self.chars.div_ceil(4)
    }

    /// Estimated tokens of the output schemas.
    pub fn output_tokens(&self) -> usize {
        self.output_chars.div_ceil(4)
    }
}

/// The size of `tools` as `tools/list` sends them.
pub fn size(tools: &[Tool]) -> Size {
    let mut s = Size {
        tools: tools.len(),
        ..Size::default()
    };
    for t in tools {
        let mut bare = t.clone();
        if let Some(out) = bare.output_schema.take() {
            s.output_chars += Value::Object((*out).clone()).to_string().len();
        }
        s.chars += serde_json::to_string(&bare).map_or(0, |j| j.len());
    }
    s
}

/// The tools listed with `sets` enabled, from every tool this build has.
pub fn listed_tools(all: &[Tool], sets: &Toolsets) -> Vec<Tool> {
    all.iter()
        .filter(|t| listed(sets, &t.name, super::toolset_of(&t.name)))
        .cloned()
        .collect()
}

/// [`sizes`] of every tool this build has, measured once: building every tool's schema and
/// serialising the list ten times is far too slow for each `get-server-info` call.
pub fn build_sizes() -> &'static [(String, Size)] {
    static SIZES: std::sync::OnceLock<Vec<(String, Size)>> = std::sync::OnceLock::new();
    SIZES.get_or_init(|| sizes(&super::all_tools()))
}

/// The size of each toolset alone, then of the presets `all` and `core,consolidated`.
pub fn sizes(all: &[Tool]) -> Vec<(String, Size)> {
    let mut out: Vec<(String, Size)> = Toolset::ALL
        .iter()
        .map(|t| {
            let sets: Toolsets = t.as_str().parse().unwrap_or_default();
            (t.as_str().to_string(), size(&listed_tools(all, &sets)))
        })
        .collect();
    for preset in ["all", "core,consolidated"] {
        let sets: Toolsets = preset.parse().unwrap_or_default();
        out.push((preset.to_string(), size(&listed_tools(all, &sets))));
    }
    out
}

/// Drop `description` and `title` (the annotation keywords, never a property of that name)
/// from an output schema, recursively.
pub fn compact_output_schema(schema: &mut Map<String, Value>) {
    for key in ["description", "title"] {
        if schema.get(key).is_some_and(Value::is_string) {
            schema.remove(key);
        }
    }
    for v in schema.values_mut() {
        compact_value(v);
    }
}

fn compact_value(v: &mut Value) {
    match v {
        Value::Object(m) => compact_output_schema(m),
        Value::Array(a) => a.iter_mut().for_each(compact_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn consolidated_hides_the_classic_twin_but_not_the_unique_classic_tools() {
        let all: Toolsets = "all".parse().expect("all");
        assert!(!listed(&all, "list-traces", Some(Toolset::Core)));
        assert!(listed(&all, "get-server-info", Some(Toolset::Core)));
        assert!(listed(
            &all,
            "delete-dataset",
            Some(Toolset::ExpertDatasets)
        ));
        assert!(listed(&all, "read", Some(Toolset::Consolidated)));
        let classic: Toolsets = "core".parse().expect("core");
        assert!(listed(&classic, "list-traces", Some(Toolset::Core)));
        assert!(unlisted_callable(&classic).is_empty());
        assert!(unlisted_callable(&all).contains(&"get-metrics"));
    }

    #[test]
    fn every_superseded_tool_exists() {
        for (classic, _) in SUPERSEDED {
            assert!(super::super::toolset_of(classic).is_some(), "{classic}");
        }
    }

    #[test]
    fn output_schemas_lose_descriptions_but_not_properties_named_description() {
        let mut s = json!({"type": "object", "title": "X", "description": "d", "properties": {
            "description": {"type": "string", "description": "the description"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/T"}}},
            "$defs": {"T": {"type": "object", "description": "t"}}});
        compact_output_schema(s.as_object_mut().expect("object"));
        assert_eq!(
            s,
            json!({"type": "object", "properties": {"description": {"type": "string"},
                   "items": {"type": "array", "items": {"$ref": "#/$defs/T"}}},
                   "$defs": {"T": {"type": "object"}}})
        );
    }
}
