use serde_json::json;

use super::*;

fn strict_value(v: Value) -> Value {
    let Value::Object(map) = v else {
        panic!("an object schema")
    };
    Value::Object(strict(&map))
}

#[test]
fn nullable_fields_become_single_type_any_of_branches_with_annotations_outside() {
    let out = strict_value(json!({
        "type": "object",
        "properties": {
            "id": {"type": ["string", "null"], "format": "uuid", "description": "An id.", "default": null},
            "tags": {"type": ["array", "null"], "items": {"type": "string"}},
        }
    }));
    assert_eq!(
        out["properties"]["id"],
        json!({"description": "An id.", "default": null, "anyOf": [
            {"type": "string", "format": "uuid"}, {"type": "null"}]})
    );
    assert_eq!(
        out["properties"]["tags"],
        json!({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]})
    );
}

#[test]
fn enums_keep_only_the_values_of_each_branch_type() {
    let out = strict_value(json!({"type": ["string", "null"], "enum": ["a", "b", null]}));
    assert_eq!(
        out,
        json!({"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]})
    );
}

#[test]
fn free_form_values_are_spelled_as_any_json_value_and_false_as_not_anything() {
    let out = strict_value(json!({
        "type": "object",
        "properties": {"data": {"description": "Anything."}, "never": false},
        "$defs": {"Row": {"type": "object", "properties": {"cells": {"type": "array", "items": true}}}},
        "additionalProperties": false,
    }));
    let any = json!([{"type": "object"}, {"type": "array"}, {"type": "string"},
        {"type": "number"}, {"type": "boolean"}, {"type": "null"}]);
    assert_eq!(out["properties"]["data"]["anyOf"], any);
    assert_eq!(out["properties"]["data"]["description"], "Anything.");
    assert_eq!(out["properties"]["never"], json!({"not": {}}));
    assert_eq!(
        out["$defs"]["Row"]["properties"]["cells"]["items"]["anyOf"],
        any
    );
    assert_eq!(
        out["additionalProperties"], false,
        "booleans stay where they are allowed"
    );
}

#[test]
fn a_union_beside_an_existing_any_of_goes_into_all_of() {
    let out = strict_value(
        json!({"type": ["integer", "null"], "anyOf": [{"minimum": 1}, {"type": "null"}]}),
    );
    assert_eq!(out["anyOf"], json!([{"minimum": 1}, {"type": "null"}]));
    assert_eq!(
        out["allOf"],
        json!([{"anyOf": [{"type": "integer"}, {"type": "null"}]}])
    );
}

#[test]
fn strict_schemas_are_left_unchanged() {
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1}, "ref": {"$ref": "#/$defs/X"}},
        "required": ["name"],
        "$defs": {"X": {"type": "integer"}},
    });
    assert_eq!(strict_value(schema.clone()), schema);
}
