//! Tool schemas in the form strict client-side validators accept, applied to every tool's
//! input and output schema in one place ([`apply`]), whatever type or macro produced them.
//!
//! schemars writes JSON Schema 2020-12 that is valid but not portable: `Option<T>` becomes
//! `"type": ["T", "null"]`, which single-`type` dialects (the OpenAPI subset behind Gemini
//! function declarations, the Inspector's `--strict` check) reject, and `serde_json::Value`
//! becomes a bare `true` (or a schema with only a description) that constrains nothing. rmcp
//! generates the schemas with its own fixed `SchemaSettings`, so this is a schemars
//! [`Transform`] run over the finished schemas rather than a generator setting. Each rewrite
//! keeps the contract (the same instances validate):
//! - a type union becomes `anyOf` with one single-`type` branch per type, each holding the
//!   keywords that apply to it; annotations (`description`, `default`, …) stay outside;
//! - an unconstrained schema (`true`, `{}`, only annotations) becomes "any JSON value" spelled
//!   as `anyOf` over the six JSON types; `false` becomes `{"not": {}}`.
//!
//! Boolean `additionalProperties`/`unevaluatedProperties` are left alone: strict checkers
//! accept booleans there.

use std::sync::Arc;

use rmcp::{handler::server::router::tool::ToolRouter, model::JsonObject};
use schemars::{
    Schema,
    transform::{Transform, transform_subschemas},
};
use serde_json::{Map, Value, json};

/// Keywords that describe rather than constrain; they stay on the outer schema of a split.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// Keywords that apply whatever the instance's type; they stay on the outer schema of a split.
const GENERAL: &[&str] = &[
    "$schema", "$id", "$ref", "$defs", "$anchor", "anyOf", "oneOf", "allOf", "not", "if", "then",
    "else",
];

/// Keywords that constrain an instance (the Inspector's list): a schema with none of them
/// accepts anything.
const CONSTRAINING: &[&str] = &[
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "format",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "items",
    "prefixItems",
    "contains",
    "additionalItems",
    "unevaluatedItems",
    "properties",
    "patternProperties",
    "additionalProperties",
    "unevaluatedProperties",
    "propertyNames",
    "dependentSchemas",
    "dependencies",
    "$ref",
    "$dynamicRef",
];

/// Make every tool schema of `router` strict-portable (see the module docs).
pub fn apply<S>(router: &mut ToolRouter<S>) {
    for route in router.map.values_mut() {
        let tool = &mut route.attr;
        tool.input_schema = Arc::new(strict(&tool.input_schema));
        if let Some(out) = &tool.output_schema {
            tool.output_schema = Some(Arc::new(strict(out)));
        }
    }
}

/// The strict-portable form of one schema.
pub fn strict(schema: &JsonObject) -> JsonObject {
    let mut schema = Schema::from(schema.clone());
    Strict.transform(&mut schema);
    match schema.to_value() {
        Value::Object(map) => map,
        // Not reached: the transform keeps an object schema an object.
        _ => JsonObject::new(),
    }
}

/// "Any JSON value", one single-`type` branch per JSON type.
fn any_value() -> Value {
    json!({"anyOf": [
        {"type": "object"}, {"type": "array"}, {"type": "string"},
        {"type": "number"}, {"type": "boolean"}, {"type": "null"},
    ]})
}

struct Strict;

impl Transform for Strict {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(b) = schema.as_bool() {
            *schema = Schema::try_from(if b { any_value() } else { json!({"not": {}}) })
                .unwrap_or_else(|_| Schema::default());
            return;
        }
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        split_type_union(obj);
        if !CONSTRAINING.iter().any(|k| obj.contains_key(*k))
            && let Value::Object(any) = any_value()
        {
            obj.extend(any);
        }
        // Boolean `additionalProperties` is fine as it is; recurse into everything else.
        let kept = if matches!(obj.get("additionalProperties"), Some(Value::Bool(_))) {
            obj.remove_entry("additionalProperties")
        } else {
            None
        };
        transform_subschemas(self, schema);
        if let (Some((k, v)), Some(obj)) = (kept, schema.as_object_mut()) {
            obj.insert(k, v);
        }
    }
}

/// `"type": [A, B]` → `"anyOf": [{"type": A, …}, {"type": B, …}]`, moving the type-specific
/// keywords into each branch (`enum` keeps only the values of the branch's type).
fn split_type_union(obj: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = obj.get("type") else {
        return;
    };
    let types: Vec<String> = types
        .iter()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    obj.remove("type");
    let specific: Map<String, Value> = obj
        .keys()
        .filter(|k| !ANNOTATIONS.contains(&k.as_str()) && !GENERAL.contains(&k.as_str()))
        .cloned()
        .collect::<Vec<_>>()
        .into_iter()
        .filter_map(|k| obj.remove_entry(&k))
        .collect();
    let branches: Vec<Value> = types.iter().map(|t| branch(t, &specific)).collect();
    let union = Value::Array(branches);
    if obj.contains_key("anyOf") {
        // Already an `anyOf`: both must hold.
        if let Value::Array(all) = obj.entry("allOf").or_insert_with(|| json!([])) {
            all.push(json!({ "anyOf": union }));
        }
    } else {
        obj.insert("anyOf".into(), union);
    }
}

/// One branch of a split union: `{"type": t}` plus the keywords, with `enum` narrowed to `t`.
fn branch(t: &str, specific: &Map<String, Value>) -> Value {
    let mut b = Map::new();
    b.insert("type".into(), json!(t));
    if t == "null" {
        return Value::Object(b);
    }
    for (k, v) in specific {
        let v = match (k.as_str(), v) {
            ("enum", Value::Array(values)) => {
                Value::Array(values.iter().filter(|v| is_type(v, t)).cloned().collect())
            }
            _ => v.clone(),
        };
        b.insert(k.clone(), v);
    }
    Value::Object(b)
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

#[cfg(test)]
#[path = "strict_schema_tests.rs"]
mod tests;
