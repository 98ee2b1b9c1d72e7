//! `tools/call` of the fixture tools: fixed contents, and the tools that talk back to the
//! client while they run (logging, progress, sampling, elicitation).

use std::time::Duration;

use rmcp::{
    ErrorData, RoleServer,
    model::{CallToolResult, ClientResult, ServerNotification, ServerRequest},
    service::RequestContext,
};
use serde_json::{Map, Value, json};

use super::catalog::{PNG, WAV, parse};

/// The pause between notifications (the suite checks that several arrive while a tool runs).
const STEP: Duration = Duration::from_millis(50);

fn text(t: impl Into<String>) -> Value {
    json!({ "type": "text", "text": t.into() })
}

fn result(content: Value) -> Result<CallToolResult, ErrorData> {
    parse(json!({ "content": content }))
}

/// Run fixture tool `name`; an unknown name is the invalid-params error naming it.
pub async fn call(
    name: &str,
    args: &Map<String, Value>,
    cx: &RequestContext<RoleServer>,
) -> Result<CallToolResult, ErrorData> {
    let arg = |k: &str, default: &str| {
        args.get(k)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    match name {
        "test_simple_text" => result(json!([text("This is a simple text response for testing.")])),
        "test_image_content" => {
            result(json!([{ "type": "image", "data": PNG, "mimeType": "image/png" }]))
        }
        "test_audio_content" => {
            result(json!([{ "type": "audio", "data": WAV, "mimeType": "audio/wav" }]))
        }
        "test_embedded_resource" => result(json!([{ "type": "resource", "resource": {
            "uri": "test://embedded-resource", "mimeType": "text/plain",
            "text": "This is an embedded resource content." } }])),
        "test_multiple_content_types" => result(json!([
            text("Multiple content types test:"),
            { "type": "image", "data": PNG, "mimeType": "image/png" },
            { "type": "resource", "resource": { "uri": "test://mixed-content-resource",
              "mimeType": "application/json", "text": "{\"test\":\"data\",\"value\":123}" } },
        ])),
        "test_error_handling" => parse(json!({ "isError": true,
            "content": [text("This tool intentionally returns an error for testing")] })),
        "test_tool_with_logging" => logging(cx).await,
        "test_tool_with_progress" => progress(cx).await,
        "test_sampling" => sampling(&arg("prompt", "Hello"), cx).await,
        "test_elicitation" => {
            let schema = json!({ "type": "object", "properties": {
                "username": { "type": "string", "description": "User's response" },
                "email": { "type": "string", "description": "User's email address" } },
                "required": ["username", "email"] });
            elicit(
                &arg("message", "Please provide your information"),
                schema,
                "User response",
                cx,
            )
            .await
        }
        "test_elicitation_sep1034_defaults" => {
            elicit(
                "Please review the defaults",
                defaults_schema(),
                "Elicitation completed",
                cx,
            )
            .await
        }
        "test_elicitation_sep1330_enums" => {
            elicit(
                "Pick some options",
                enums_schema(),
                "Enum elicitation completed",
                cx,
            )
            .await
        }
        "test_reconnection" => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            result(json!([text("Reconnection test completed")]))
        }
        "test_slow" => {
            let ms = args
                .get("ms")
                .and_then(Value::as_u64)
                .unwrap_or(5000)
                .min(60_000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            result(json!([text(format!("answered after {ms} ms"))]))
        }
        "json_schema_2020_12_tool" => {
            result(json!([text(format!("Hello, {}!", arg("name", "world")))]))
        }
        _ => Err(ErrorData::invalid_params(
            format!("Unknown tool: {name}"),
            None,
        )),
    }
}

async fn notify(
    cx: &RequestContext<RoleServer>,
    method: &str,
    params: Value,
) -> Result<(), ErrorData> {
    let n: ServerNotification = parse(json!({ "method": method, "params": params }))?;
    cx.peer
        .send_notification(n)
        .await
        .map_err(|e| ErrorData::internal_error(format!("cannot notify the client: {e}"), None))
}

async fn logging(cx: &RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
    for (i, msg) in [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            tokio::time::sleep(STEP).await;
        }
        let params = json!({ "level": "info", "logger": "conformance-server", "data": msg });
        notify(cx, "notifications/message", params).await?;
    }
    result(json!([text("Logging test completed")]))
}

async fn progress(cx: &RequestContext<RoleServer>) -> Result<CallToolResult, ErrorData> {
    let token = cx.meta.get_progress_token();
    for (i, done) in [0, 50, 100].into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(STEP).await;
        }
        if let Some(token) = &token {
            let params = json!({ "progressToken": token, "progress": done, "total": 100 });
            notify(cx, "notifications/progress", params).await?;
        }
    }
    result(json!([text("Progress test completed")]))
}

/// Send a request to the client; its failure is the tool's (isError) answer.
async fn ask(
    cx: &RequestContext<RoleServer>,
    method: &str,
    params: Value,
) -> Result<Value, String> {
    let request: ServerRequest =
        parse(json!({ "method": method, "params": params })).map_err(|e| e.message.to_string())?;
    match cx.peer.send_request(request).await {
        Ok(ClientResult::EmptyResult(_)) => Ok(json!({})),
        Ok(r) => serde_json::to_value(r).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

async fn sampling(
    prompt: &str,
    cx: &RequestContext<RoleServer>,
) -> Result<CallToolResult, ErrorData> {
    let params =
        json!({ "messages": [{ "role": "user", "content": text(prompt) }], "maxTokens": 100 });
    match ask(cx, "sampling/createMessage", params).await {
        Ok(r) => {
            let answer = r["content"]["text"].as_str().unwrap_or("(no text)");
            result(json!([text(format!("LLM response: {answer}"))]))
        }
        Err(e) => {
            parse(json!({ "isError": true, "content": [text(format!("Sampling failed: {e}"))] }))
        }
    }
}

async fn elicit(
    message: &str,
    schema: Value,
    label: &str,
    cx: &RequestContext<RoleServer>,
) -> Result<CallToolResult, ErrorData> {
    let params = json!({ "message": message, "requestedSchema": schema });
    match ask(cx, "elicitation/create", params).await {
        Ok(r) => result(json!([text(format!(
            "{label}: action={}, content={}",
            r["action"].as_str().unwrap_or("unknown"),
            r.get("content").unwrap_or(&Value::Null)
        ))])),
        Err(e) => {
            parse(json!({ "isError": true, "content": [text(format!("Elicitation failed: {e}"))] }))
        }
    }
}

fn defaults_schema() -> Value {
    json!({ "type": "object", "properties": {
        "name": { "type": "string", "description": "User's name", "default": "John Doe" },
        "age": { "type": "integer", "description": "User's age", "default": 30 },
        "score": { "type": "number", "description": "User's score", "default": 95.5 },
        "status": { "type": "string", "description": "User's status",
                    "enum": ["active", "inactive", "pending"], "default": "active" },
        "verified": { "type": "boolean", "description": "Whether the user is verified", "default": true },
    }})
}

fn enums_schema() -> Value {
    let titled = |prefix: &str, word: &str| {
        let choice = |n: usize, ordinal: &str| json!({ "const": format!("{prefix}{n}"), "title": format!("{ordinal} {word}") });
        json!([choice(1, "First"), choice(2, "Second"), choice(3, "Third")])
    };
    json!({ "type": "object", "properties": {
        "untitledSingle": { "type": "string", "enum": ["option1", "option2", "option3"] },
        "titledSingle": { "type": "string", "oneOf": titled("value", "Option") },
        "legacyEnum": { "type": "string", "enum": ["opt1", "opt2", "opt3"],
                        "enumNames": ["Option One", "Option Two", "Option Three"] },
        "untitledMulti": { "type": "array",
                           "items": { "type": "string", "enum": ["option1", "option2", "option3"] } },
        "titledMulti": { "type": "array", "items": { "anyOf": titled("value", "Choice") } },
    }})
}
