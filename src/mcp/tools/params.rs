//! `Parameters<T>`: the tool-argument extractor every tool uses instead of rmcp's own, so that an
//! argument error names the JSON path of the bad value (`scores[0].value: invalid type: …`)
//! rather than only serde's message. rmcp's extractor calls `serde_json::from_value`, which
//! loses the path; `serde_path_to_error` keeps it.
//!
//! The `#[tool]` macro finds the arguments type by the last path segment `Parameters`, and
//! rmcp's router turns an `invalid_params` error whose message starts with
//! [`PREFIX`] into a tool result with `isError: true`, so the model reads the path and corrects
//! the call.

use rmcp::{
    ErrorData,
    handler::server::{common::FromContextPart, tool::ToolCallContext},
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The message prefix rmcp's router reports as a tool error (not a protocol error).
pub const PREFIX: &str = "failed to deserialize parameters:";

/// A tool's deserialised arguments.
#[derive(Debug, Clone)]
pub struct Parameters<P>(pub P);

impl<P: JsonSchema> JsonSchema for Parameters<P> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        P::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        P::json_schema(generator)
    }
}

/// Deserialise `value` as `P`; the error names the JSON path of the offending value.
pub fn from_value<P: DeserializeOwned>(value: Value) -> Result<P, String> {
    serde_path_to_error::deserialize::<_, P>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        }
    })
}

impl<S, P: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Parameters<P> {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, ErrorData> {
        let arguments = context.arguments.take().unwrap_or_default();
        from_value(Value::Object(arguments))
            .map(Parameters)
            .map_err(|e| ErrorData::invalid_params(format!("{PREFIX} {e}"), None))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised")]
    struct Score {
        name: String,
        value: f64,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised")]
    struct Args {
        scores: Vec<Score>,
    }

    #[test]
    fn errors_name_the_path_of_the_bad_value() {
        let err = from_value::<Args>(
            json!({"scores": [{"name": "a", "value": 1}, {"name": "b", "value": "high"}]}),
        )
        .expect_err("bad value");
        assert!(err.starts_with("scores[1].value: invalid type"), "{err}");
        let err = from_value::<Args>(json!({"scores": [], "extra": 1})).expect_err("unknown");
        assert!(err.contains("unknown field `extra`"), "{err}");
        let err = from_value::<Args>(json!({})).expect_err("missing");
        assert!(err.contains("missing field `scores`"), "{err}");
    }
}
