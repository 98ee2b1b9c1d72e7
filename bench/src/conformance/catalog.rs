//! What the fixture server lists and returns without side effects: the suite's tools,
//! resources, resource template, prompts and their fixed contents, written as the wire
//! format the suite's scenario descriptions give (and parsed into rmcp's types).

use rmcp::{
    ErrorData,
    model::{
        GetPromptResult, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
        ListToolsResult, ReadResourceResult,
    },
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A 1×1 red PNG.
pub const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
/// Eight samples of 8-bit mono silence, WAV.
pub const WAV: &str = "UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==";

/// Parse fixture JSON into an rmcp type (a mismatch is a bug in this file).
pub fn parse<T: DeserializeOwned>(v: Value) -> Result<T, ErrorData> {
    serde_json::from_value(v).map_err(|e| ErrorData::internal_error(format!("fixture: {e}"), None))
}

fn no_args() -> Value {
    json!({ "type": "object", "properties": {} })
}

fn one_string(name: &str, description: &str) -> Value {
    json!({
        "type": "object",
        "properties": { name: { "type": "string", "description": description } },
        "required": [name]
    })
}

/// The JSON Schema 2020-12 features the suite checks are preserved in the listing.
fn schema_2020_12() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
            }
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
        },
        "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
        "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
        "then": { "required": ["phone"] },
        "else": { "required": ["email"] },
        "additionalProperties": false
    })
}

/// `tools/list`.
pub fn tools() -> Result<ListToolsResult, ErrorData> {
    let tool = |name: &str, description: &str, schema: Value| json!({ "name": name, "description": description, "inputSchema": schema });
    parse(json!({ "tools": [
        tool("test_simple_text", "Returns simple text content", no_args()),
        tool("test_image_content", "Returns an image", no_args()),
        tool("test_audio_content", "Returns audio", no_args()),
        tool("test_embedded_resource", "Returns an embedded resource", no_args()),
        tool("test_multiple_content_types", "Returns text, an image and a resource", no_args()),
        tool("test_tool_with_logging", "Sends three log notifications while running", no_args()),
        tool("test_error_handling", "Always fails (isError)", no_args()),
        tool("test_tool_with_progress", "Reports progress 0, 50, 100 of 100", no_args()),
        tool("test_sampling", "Asks the client's LLM", one_string("prompt", "The prompt to send")),
        tool("test_elicitation", "Asks the user for input", one_string("message", "The message to show")),
        tool("test_elicitation_sep1034_defaults", "Elicitation with defaults (SEP-1034)", no_args()),
        tool("test_elicitation_sep1330_enums", "Elicitation with enum schemas (SEP-1330)", no_args()),
        tool("test_reconnection", "Answers after a short pause (SSE polling)", no_args()),
        tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", schema_2020_12()),
        // Ours, not the suite's: a call that outlives a client's timeout (close-while-in-flight tests).
        tool("test_slow", "Answers after `ms` milliseconds (default 5000)", json!({
            "type": "object", "properties": { "ms": { "type": "integer", "minimum": 0, "maximum": 60000 } } })),
    ]}))
}

/// `resources/list`.
pub fn resources() -> Result<ListResourcesResult, ErrorData> {
    parse(json!({ "resources": [
        { "uri": "test://static-text", "name": "static-text", "title": "Static text",
          "description": "A fixed text resource", "mimeType": "text/plain" },
        { "uri": "test://static-binary", "name": "static-binary", "title": "Static binary",
          "description": "A fixed PNG image", "mimeType": "image/png" },
        { "uri": "test://watched-resource", "name": "watched-resource", "title": "Watched",
          "description": "A resource to subscribe to", "mimeType": "text/plain" },
    ]}))
}

/// `resources/templates/list`.
pub fn templates() -> Result<ListResourceTemplatesResult, ErrorData> {
    parse(json!({ "resourceTemplates": [
        { "uriTemplate": "test://template/{id}/data", "name": "template-data",
          "description": "Data for one id", "mimeType": "application/json" },
    ]}))
}

/// `resources/read`; an unknown URI is the resource-not-found error naming it.
pub fn read(uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let content = match uri {
        "test://static-text" => json!({ "uri": uri, "mimeType": "text/plain",
            "text": "This is the content of the static text resource." }),
        "test://static-binary" => json!({ "uri": uri, "mimeType": "image/png", "blob": PNG }),
        "test://watched-resource" => json!({ "uri": uri, "mimeType": "text/plain",
            "text": "Watched resource content." }),
        _ => match uri
            .strip_prefix("test://template/")
            .and_then(|rest| rest.strip_suffix("/data"))
            .filter(|id| !id.is_empty() && !id.contains('/'))
        {
            Some(id) => json!({ "uri": uri, "mimeType": "application/json",
                "text": json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") }).to_string() }),
            None => {
                return Err(ErrorData::resource_not_found(
                    format!("Resource not found: {uri}"),
                    Some(json!({ "uri": uri })),
                ));
            }
        },
    };
    parse(json!({ "contents": [content] }))
}

/// `prompts/list`.
pub fn prompts() -> Result<ListPromptsResult, ErrorData> {
    let arg = |name: &str, description: &str| json!({ "name": name, "description": description, "required": true });
    parse(json!({ "prompts": [
        { "name": "test_simple_prompt", "description": "A prompt without arguments" },
        { "name": "test_prompt_with_arguments", "description": "A prompt with two arguments",
          "arguments": [arg("arg1", "First test argument"), arg("arg2", "Second test argument")] },
        { "name": "test_prompt_with_embedded_resource", "description": "A prompt embedding a resource",
          "arguments": [arg("resourceUri", "URI of the resource to embed")] },
        { "name": "test_prompt_with_image", "description": "A prompt with an image" },
    ]}))
}

/// `prompts/get`.
pub fn prompt(
    name: &str,
    args: &serde_json::Map<String, Value>,
) -> Result<GetPromptResult, ErrorData> {
    let arg = |k: &str| {
        args.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let text = |t: String| json!({ "role": "user", "content": { "type": "text", "text": t } });
    let messages = match name {
        "test_simple_prompt" => json!([text("This is a simple prompt for testing.".into())]),
        "test_prompt_with_arguments" => json!([text(format!(
            "Prompt with arguments: arg1='{}', arg2='{}'",
            arg("arg1"),
            arg("arg2")
        ))]),
        "test_prompt_with_embedded_resource" => json!([
            { "role": "user", "content": { "type": "resource", "resource": {
                "uri": arg("resourceUri"), "mimeType": "text/plain",
                "text": "Embedded resource content for testing." } } },
            text("Please process the embedded resource above.".into()),
        ]),
        "test_prompt_with_image" => json!([
            { "role": "user", "content": { "type": "image", "data": PNG, "mimeType": "image/png" } },
            text("Please analyze the image above.".into()),
        ]),
        _ => {
            return Err(ErrorData::invalid_params(
                format!("Unknown prompt: {name}"),
                None,
            ));
        }
    };
    parse(json!({ "messages": messages }))
}
