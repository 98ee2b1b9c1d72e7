//! What makes the explorer ("Try it out") able to drive the MCP endpoints: one example body
//! per MCP operation (so Swagger UI does not invent a body mixing request and response
//! fields), the JSON-RPC message shapes kept apart (request, notification, response), and
//! the request interceptor the explorer page needs.

use serde_json::{Value, json};

/// The request bodies offered by the explorer, in the order a session uses them.
pub fn message_examples() -> Value {
    let ex = |summary: &str, value: Value| json!({"summary": summary, "value": value});
    json!({
        "initialize": ex("initialize: start a session (no Mcp-Session-Id)", json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "swagger-ui", "version": "1.0.0"}}
        })),
        "initialized": ex("notifications/initialized: end of the handshake (202)", json!({
            "jsonrpc": "2.0", "method": "notifications/initialized"
        })),
        "tools_list": ex("tools/list: the tools this token may call", json!({
            "jsonrpc": "2.0", "id": 2, "method": "tools/list"
        })),
        "tools_call": ex("tools/call: get-server-info", json!({
            "jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "get-server-info", "arguments": {}}
        })),
        "ping": ex("ping", json!({"jsonrpc": "2.0", "id": 4, "method": "ping"})),
    })
}

/// `JsonRpcMessage` as one of three disjoint shapes, so generated examples never mix a
/// request's `method` with a response's `result`.
pub fn message_schemas() -> Value {
    let id = json!({"description": "String or integer.", "example": 1});
    json!({
        "JsonRpcMessage": {
            "description": "One JSON-RPC 2.0 message.",
            "oneOf": [
                {"$ref": "#/components/schemas/JsonRpcRequest"},
                {"$ref": "#/components/schemas/JsonRpcNotification"},
                {"$ref": "#/components/schemas/JsonRpcResponse"}
            ]
        },
        "JsonRpcRequest": {
            "type": "object", "title": "JsonRpcRequest",
            "description": "A request: answered with a response carrying the same `id`.",
            "required": ["jsonrpc", "id", "method"],
            "properties": {
                "jsonrpc": {"type": "string", "enum": ["2.0"]},
                "id": id,
                "method": {"type": "string", "example": "tools/list"},
                "params": {"type": "object"}
            }
        },
        "JsonRpcNotification": {
            "type": "object", "title": "JsonRpcNotification",
            "description": "A notification: no `id`, never answered (202).",
            "required": ["jsonrpc", "method"],
            "properties": {
                "jsonrpc": {"type": "string", "enum": ["2.0"]},
                "method": {"type": "string", "example": "notifications/initialized"},
                "params": {"type": "object"}
            }
        },
        "JsonRpcResponse": {
            "type": "object", "title": "JsonRpcResponse",
            "description": "A response: `result` or `error`, with the request's `id`.",
            "required": ["jsonrpc", "id"],
            "properties": {
                "jsonrpc": {"type": "string", "enum": ["2.0"]},
                "id": id,
                "result": {"type": "object"},
                "error": {"$ref": "#/components/schemas/JsonRpcErrorObject"}
            }
        }
    })
}

/// Swagger UI options added to the explorer page of the public listener: Streamable HTTP
/// needs `Accept` to list both `application/json` and `text/event-stream`, which Swagger UI
/// cannot send (it sends the one response type picked in the page and ignores `Accept`
/// parameters); and after `initialize` the session id is carried into later calls whose
/// `Mcp-Session-Id` field was left empty. Only requests to `mcp_path` are touched.
pub fn explorer_options(mcp_path: &str) -> String {
    let path = serde_json::to_string(mcp_path).unwrap_or_else(|_| "\"/mcp\"".into());
    format!(
        r#"requestInterceptor: (req) => {{
            const url = new URL(req.url, window.location.href);
            if (url.pathname === {path} && req.method === "POST") {{
                for (const name of Object.keys(req.headers)) {{
                    if (name.toLowerCase() === "accept") {{ delete req.headers[name]; }}
                }}
                req.headers["Accept"] = "application/json, text/event-stream";
                const init = typeof req.body === "string" && req.body.includes('"initialize"');
                if (!init && !req.headers["Mcp-Session-Id"] && window.__mcpSession) {{
                    req.headers["Mcp-Session-Id"] = window.__mcpSession;
                }}
            }}
            return req;
        }},
        responseInterceptor: (res) => {{
            const sid = res.headers && res.headers["mcp-session-id"];
            if (sid) {{ window.__mcpSession = sid; }}
            return res;
        }},
        "#
    )
}
