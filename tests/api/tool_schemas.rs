//! Every tool schema a client sees is valid JSON Schema 2020-12 and in the portable form
//! strict client-side validators accept (`mcp-inspector --cli --strict`, run by
//! tests/suites/45-strict-schemas.sh, checks the same list with the Inspector's own rules).
//! That real outputs still validate against the rewritten output schemas is checked on every
//! tool call of the end-to-end tests (`opik_support::Harness::call`).

use serde_json::{Value, json};

use crate::helpers::spawn_app_with;

async fn all_tools() -> Vec<Value> {
    // With the consolidated toolset on, the classic tools it replaces are not listed: list the
    // classic toolsets and the consolidated one apart to see every tool.
    let classic = "core,expert-prompts,expert-datasets,expert-trace-actions,\
                   expert-project-actions,integration,metrics";
    let mut tools = Vec::new();
    for sets in [classic, "consolidated"] {
        let app = spawn_app_with(|s| s.opik.toolsets = sets.parse().expect("toolsets")).await;
        let sid = app.initialize().await;
        let reply = app.rpc(&sid, 1, "tools/list", json!({})).await;
        tools.extend(
            reply["result"]["tools"]
                .as_array()
                .expect("tools")
                .iter()
                .cloned(),
        );
    }
    tools
}

/// The schemas of `tool`: (which, schema).
fn schemas(tool: &Value) -> Vec<(&'static str, &Value)> {
    let mut out = vec![("inputSchema", &tool["inputSchema"])];
    if let Some(s) = tool.get("outputSchema") {
        out.push(("outputSchema", s));
    }
    out
}

/// Portability problems under `node`: `type` arrays, and booleans where a schema object is
/// expected (booleans stay fine as `additionalProperties`/`unevaluatedProperties`).
fn unportable(node: &Value, path: &str, out: &mut Vec<String>) {
    match node {
        Value::Bool(_) => out.push(format!("{path}: bare boolean schema")),
        Value::Object(obj) => {
            if obj.get("type").is_some_and(Value::is_array) {
                out.push(format!("{path}: type array"));
            }
            for (key, value) in obj {
                let here = format!("{path}.{key}");
                match key.as_str() {
                    "properties" | "$defs" | "patternProperties" => {
                        for (name, sub) in value.as_object().into_iter().flatten() {
                            unportable(sub, &format!("{here}.{name}"), out);
                        }
                    }
                    "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                        for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                            unportable(sub, &format!("{here}[{i}]"), out);
                        }
                    }
                    "items" | "not" | "contains" | "propertyNames" => unportable(value, &here, out),
                    "additionalProperties" if value.is_object() => unportable(value, &here, out),
                    _ => {}
                }
            }
        }
        _ => out.push(format!("{path}: not a schema")),
    }
}

#[tokio::test]
async fn every_tool_schema_is_valid_json_schema_2020_12_and_compiles() {
    let tools = all_tools().await;
    assert!(tools.len() >= 36, "every tool is listed: {}", tools.len());
    let mut rejected = Vec::new();
    for tool in &tools {
        for (which, schema) in schemas(tool) {
            let name = &tool["name"];
            if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
                rejected.push(format!("{name} {which}: metaschema: {e}"));
            }
            if let Err(e) = jsonschema::draft202012::new(schema) {
                rejected.push(format!("{name} {which}: does not compile: {e}"));
            }
        }
    }
    assert!(rejected.is_empty(), "{}", rejected.join("\n"));
}

#[tokio::test]
async fn every_tool_schema_is_in_the_strict_portable_form() {
    let mut problems = Vec::new();
    for tool in &all_tools().await {
        for (which, schema) in schemas(tool) {
            unportable(schema, &format!("{}.{which}", tool["name"]), &mut problems);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_portability_check_finds_what_it_looks_for() {
    let mut found = Vec::new();
    let schema = json!({"type": "object", "properties": {
        "a": {"type": ["string", "null"]}, "b": true,
        "c": {"type": "array", "items": {"anyOf": [false]}}},
        "additionalProperties": false});
    unportable(&schema, "t", &mut found);
    assert_eq!(
        found,
        [
            "t.properties.a: type array",
            "t.properties.b: bare boolean schema",
            "t.properties.c.items.anyOf[0]: bare boolean schema"
        ]
    );
}
