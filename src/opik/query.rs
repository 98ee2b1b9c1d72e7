//! Opik's query encodings: `filters` and `sorting` are JSON arrays sent as strings
//! (`[{"field":"name","operator":"contains","value":"x"}]`, `[{"field":"start_time",
//! "direction":"DESC"}]`). The legacy TS server sent `sort_by`/`sort_order` parameters and
//! an ad-hoc `name contains "x" AND …` string instead; neither exists in the API.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One filter in Opik's own shape (`TraceFilter_Public` and friends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Field name, e.g. `name`, `tags`, `duration`, `metadata`, `feedback_scores`.
    pub field: String,
    /// One of `contains, not_contains, starts_with, ends_with, =, !=, >, >=, <, <=, is_empty,
    /// is_not_empty`.
    pub operator: String,
    /// Sub-key for `metadata` and `feedback_scores` (e.g. `model`, `relevance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value to compare with, as a string (Opik compares typed by field).
    #[serde(default)]
    pub value: String,
}

/// Operators Opik accepts.
pub const OPERATORS: &[&str] = &[
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "is_empty",
    "is_not_empty",
];

/// Fields whose dotted suffix is a `key` (`metadata.model` → field `metadata`, key `model`).
const KEYED_FIELDS: &[&str] = &["metadata", "feedback_scores", "span_feedback_scores"];

/// Filters as a tool receives them: Opik's own array, or a shorthand object
/// `{"name": "x", "duration": {"$gt": 1000}, "metadata.model": {"$contains": "gpt"}}`.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum FilterInput {
    /// Opik's filter array.
    Native(Vec<Filter>),
    /// `{field: value}` (equality) or `{field: {"$op": value}}` with `$eq $ne $gt $gte $lt $lte
    /// $contains $not_contains $starts_with $ends_with $is_empty $is_not_empty`.
    Shorthand(Map<String, Value>),
}

impl FilterInput {
    /// Opik's filter array, or a message naming what is wrong.
    pub fn to_filters(&self) -> Result<Vec<Filter>, String> {
        let filters = match self {
            FilterInput::Native(v) => v.clone(),
            FilterInput::Shorthand(map) => {
                let mut out = Vec::new();
                for (path, spec) in map {
                    match spec {
                        Value::Object(ops) => {
                            for (op, value) in ops {
                                out.push(filter(path, shorthand_operator(op)?, value)?);
                            }
                        }
                        Value::Null => continue,
                        other => out.push(filter(path, "=", other)?),
                    }
                }
                out
            }
        };
        for f in &filters {
            if !OPERATORS.contains(&f.operator.as_str()) {
                return Err(format!(
                    "unknown filter operator {:?}; use one of {}",
                    f.operator,
                    OPERATORS.join(", ")
                ));
            }
            if f.field.trim().is_empty() {
                return Err("a filter has an empty field name".into());
            }
        }
        Ok(filters)
    }
}

fn shorthand_operator(op: &str) -> Result<&'static str, String> {
    let bare = op.strip_prefix('$').unwrap_or(op);
    let mapped = match bare {
        "eq" => "=",
        "ne" => "!=",
        "gt" => ">",
        "gte" => ">=",
        "lt" => "<",
        "lte" => "<=",
        other => match OPERATORS.iter().find(|o| **o == other) {
            Some(o) => o,
            None => {
                return Err(format!(
                    "unknown filter operator {op:?}; use $eq $ne $gt $gte $lt $lte $contains \
                     $not_contains $starts_with $ends_with $is_empty $is_not_empty"
                ));
            }
        },
    };
    Ok(mapped)
}

fn filter(path: &str, operator: &str, value: &Value) -> Result<Filter, String> {
    let (field, key) = match path.split_once('.') {
        Some((f, k)) if KEYED_FIELDS.contains(&f) => (f.to_string(), Some(k.to_string())),
        _ => (path.to_string(), None),
    };
    let value = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::Array(_) | Value::Object(_) => {
            return Err(format!(
                "filter {path:?}: the value must be a string, number or boolean"
            ));
        }
    };
    Ok(Filter {
        field,
        operator: operator.to_string(),
        key,
        value,
    })
}

/// The `filters` query value (a JSON string), or `None` when there are no filters.
pub fn filters_param(filters: &[Filter]) -> Option<String> {
    (!filters.is_empty()).then(|| serde_json::to_string(filters).unwrap_or_default())
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Ascending.
    Asc,
    /// Descending (default).
    #[default]
    Desc,
}

/// The `sorting` query value for one field.
pub fn sorting_param(field: &str, order: SortOrder) -> String {
    let direction = match order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    serde_json::json!([{ "field": field, "direction": direction }]).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: Value) -> FilterInput {
        serde_json::from_value(v).expect("filter input")
    }

    #[test]
    fn shorthand_becomes_opik_filters_with_keys_and_string_values() {
        let f = parse(json!({"name": "chat", "duration": {"$gt": 1000}, "metadata.model": {"$contains": "gpt"}}))
            .to_filters()
            .expect("valid");
        assert_eq!(
            serde_json::to_value(&f).expect("json"),
            json!([
                {"field": "duration", "operator": ">", "value": "1000"},
                {"field": "metadata", "operator": "contains", "key": "model", "value": "gpt"},
                {"field": "name", "operator": "=", "value": "chat"},
            ])
        );
    }

    #[test]
    fn native_filters_pass_through_and_bad_operators_are_named() {
        let native = json!([{"field": "tags", "operator": "contains", "value": "prod"}]);
        assert_eq!(parse(native.clone()).to_filters().expect("valid").len(), 1);
        let err = parse(json!([{"field": "x", "operator": "~", "value": "y"}])).to_filters();
        assert!(err.expect_err("invalid").contains("\"~\""));
        let err = parse(json!({"x": {"$like": "y"}})).to_filters();
        assert!(err.expect_err("invalid").contains("$like"));
    }

    #[test]
    fn sorting_is_a_json_array_string() {
        let s: Value =
            serde_json::from_str(&sorting_param("start_time", SortOrder::Desc)).expect("json");
        assert_eq!(s, json!([{"field": "start_time", "direction": "DESC"}]));
        assert_eq!(filters_param(&[]), None);
    }
}
