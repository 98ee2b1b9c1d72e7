//! The hand-written parts of the documents: the MCP endpoints (see the module doc of
//! `openapi` for why they are not poem-openapi operations), the `Error` shape and the bearer
//! scheme. Status codes and their meanings follow `error.rs` and the transports.

use serde_json::{Value, json};

/// Deep-merge `extra` into `doc`: objects merge key by key, arrays append.
pub fn merge(doc: &mut Value, extra: &Value) {
    match (doc, extra) {
        (Value::Object(d), Value::Object(e)) => {
            for (k, v) in e {
                match d.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        d.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(d), Value::Array(e)) => d.extend(e.iter().cloned()),
        (d, e) => *d = e.clone(),
    }
}

/// Components both listeners share: the error shape and the bearer scheme. Merged with
/// [`insert_absent`]: the admin API's generated `Error`/`ErrorDetail` (the same shape, from
/// `store::api`) win where present.
pub fn common() -> Value {
    json!({
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "title": "Error",
                    "description": "The one error body of every non-MCP route (4xx and 5xx).",
                    "required": ["error"],
                    "properties": {
                        "error": {"$ref": "#/components/schemas/ErrorDetail"}
                    }
                },
                "ErrorDetail": {
                    "type": "object",
                    "title": "ErrorDetail",
                    "description": "Code and explanation of an error.",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "description": "Stable snake_case code, e.g. `not_found`.",
                            "example": "not_found"
                        },
                        "message": {
                            "type": "string",
                            "description": "Human-readable explanation."
                        }
                    }
                }
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer <token>`, required on the MCP \
                        routes when authentication is enabled (401 otherwise)."
                }
            }
        }
    })
}

/// Add each `components` entry of `extra` that `doc` lacks (one level deep: schema or
/// scheme names), leaving existing ones as they are.
pub fn insert_absent(doc: &mut Value, extra: &Value) {
    let Some(sections) = extra["components"].as_object() else {
        return;
    };
    for (section, entries) in sections {
        let target = &mut doc["components"][section];
        if target.is_null() {
            *target = json!({});
        }
        if let (Some(target), Some(entries)) = (target.as_object_mut(), entries.as_object()) {
            for (name, entry) in entries {
                target.entry(name.clone()).or_insert_with(|| entry.clone());
            }
        }
    }
}

fn rpc_error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JsonRpcErrorResponse"}}}
    })
}

fn header(name: &str, required: bool, description: &str) -> Value {
    json!({
        "name": name, "in": "header", "required": required, "description": description,
        "schema": {"type": "string"}
    })
}

fn session_header(required: bool) -> Value {
    header(
        "Mcp-Session-Id",
        required,
        "The session id returned by `initialize` (absent on `initialize` itself).",
    )
}

/// `MCP-Protocol-Version`, listing `versions` (from `mcp`, so the document follows the code).
fn version_header(versions: &[rmcp::model::ProtocolVersion]) -> Value {
    let names: Vec<&str> = versions.iter().map(|v| v.as_str()).collect();
    json!({
        "name": "MCP-Protocol-Version", "in": "header", "required": false,
        "description": "Negotiated protocol revision; absent means 2025-03-26 on a session. \
            `2026-07-28` selects the stateless revision (no session, no `initialize`): the \
            header is then required and must match the body's `_meta`.",
        "schema": {"type": "string", "enum": names}
    })
}

/// The 2026-07-28 routing headers (required by that revision only, so optional here).
fn routing_headers() -> [Value; 2] {
    [
        header(
            "Mcp-Method",
            false,
            "Required with 2026-07-28: the JSON-RPC method of the body; missing or different is \
             refused (400).",
        ),
        header(
            "Mcp-Name",
            false,
            "Required with 2026-07-28 on `tools/call`, `prompts/get` (the name) and \
             `resources/read` (the URI); missing or different is refused (400).",
        ),
    ]
}

fn sse_body(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"text/event-stream": {"schema": {"type": "string"}}}
    })
}

/// Refusals any MCP operation can meet, from the middleware in front of every MCP route.
fn shared_errors() -> Value {
    let rate_header = |d: &str| json!({"description": d, "schema": {"type": "integer"}});
    json!({
        "408": rpc_error("No response started within `limits.request_timeout_secs`."),
        "429": {
            "description": "A request quota (per client IP or per principal) is spent, or the \
                caller has too many sessions or streams open. `Retry-After` says when to retry.",
            "headers": {
                "Retry-After": rate_header("Seconds to wait."),
                "x-ratelimit-limit": rate_header("Burst size of the spent quota."),
                "x-ratelimit-remaining": rate_header("Requests left (0)."),
                "x-ratelimit-reset": rate_header("Seconds until the quota is full again.")
            },
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JsonRpcErrorResponse"}}}
        },
        "431": rpc_error("Request headers larger than `limits.max_header_bytes`."),
        "500": rpc_error("Internal error (details are logged, never returned).")
    })
}

/// The responses and bodies the MCP operations share.
struct Shared {
    security: Value,
    forbidden: Value,
    unauthorized: Value,
    unavailable: Value,
    message_body: Value,
}

impl Shared {
    fn new() -> Self {
        let security = json!([{}, {"bearerAuth": []}]);
        let forbidden = rpc_error(
            "Host or Origin not allowed (DNS-rebinding protection), or the token lacks a required \
             scope (`insufficient_scope`, with a `WWW-Authenticate` challenge).",
        );
        let mut unauthorized = rpc_error(
            "Missing or invalid bearer token (authentication enabled), or an access token in the \
             query string.",
        );
        unauthorized["headers"] = json!({"WWW-Authenticate": {
            "description": "The RFC 6750 challenge, with `resource_metadata` when JWTs are accepted.",
            "schema": {"type": "string"}
        }});
        let unavailable = json!({
            "description": "Session cap reached, session queue full or shutting down; retry later.",
            "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JsonRpcErrorResponse"}}}
        });
        let message_body = json!({
            "required": true,
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/JsonRpcMessage"},
                "examples": super::examples::message_examples()
            }}
        });
        Self {
            security,
            forbidden,
            unauthorized,
            unavailable,
            message_body,
        }
    }
}

/// The MCP endpoints, with the Streamable HTTP endpoint at `mcp_path`.
pub fn fragment(mcp_path: &str) -> Value {
    let shared = Shared::new();
    let mut paths = serde_json::Map::new();
    paths.insert(mcp_path.to_owned(), streamable_item(&shared));
    paths.insert("/sse".into(), sse_item(&shared));
    paths.insert("/messages".into(), messages_item(&shared));
    for item in paths.values_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            merge(&mut op["responses"], &shared_errors());
        }
    }
    let mut doc = json!({
        "tags": [{"name": "Mcp", "description": "Model Context Protocol transports (JSON-RPC 2.0)."}],
        "paths": paths,
        "components": {"schemas": {
            "JsonRpcErrorObject": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "integer", "description": "-32700 parse error, -32600 invalid request, -32603 internal, -32000 transport refusal, -32001 session not found."},
                    "message": {"type": "string"},
                    "data": {}
                }
            },
            "JsonRpcErrorResponse": {
                "type": "object",
                "description": "The error body of every MCP route.",
                "required": ["jsonrpc", "id", "error"],
                "properties": {
                    "jsonrpc": {"type": "string", "enum": ["2.0"]},
                    "id": {"description": "The request id when known, else null."},
                    "error": {"$ref": "#/components/schemas/JsonRpcErrorObject"}
                }
            }
        }}
    });
    merge(
        &mut doc["components"]["schemas"],
        &super::examples::message_schemas(),
    );
    doc
}

/// `mcp_path`: POST, GET and DELETE of Streamable HTTP.
fn streamable_item(c: &Shared) -> Value {
    let Shared {
        security,
        forbidden,
        unauthorized,
        unavailable,
        message_body,
    } = c;
    let all = crate::mcp::all_versions();
    let handshake = crate::mcp::supported_versions();
    let routing = routing_headers();
    json!({
        "post": {
            "tags": ["Mcp"], "operationId": "mcpPost", "security": security,
            "summary": "Send one JSON-RPC message (Streamable HTTP)",
            "description": "In the explorer: pick the `initialize` example and execute it, then `tools/list` or `tools/call` (the session id is carried over when the `Mcp-Session-Id` field is left empty; the page also sends the `Accept` value the endpoint requires). `initialize` (without `Mcp-Session-Id`) starts a session whose id comes back in the `Mcp-Session-Id` response header. A request is answered with its JSON-RPC reply: `application/json`, or a one-event `text/event-stream` when `server.json_response` is false. Notifications and responses get 202. `Accept` must list both `application/json` and `text/event-stream`; `Content-Type` must be `application/json`. Batches are refused. A request declaring `MCP-Protocol-Version: 2026-07-28` (or a `server/discover`) is served statelessly: no session id is minted or read, and any replica can answer it.",
            "parameters": [session_header(false), version_header(&all), routing[0], routing[1]],
            "requestBody": message_body,
            "responses": {
                "200": {
                    "description": "The JSON-RPC reply (a result or a JSON-RPC error).",
                    "headers": {"Mcp-Session-Id": {"description": "Set on a successful `initialize`.", "schema": {"type": "string"}}},
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/JsonRpcResponse"}},
                        "text/event-stream": {"schema": {"type": "string"}}
                    }
                },
                "202": {"description": "Notification or response accepted."},
                "400": rpc_error("Parse error, invalid or batched message, missing or malformed `Mcp-Session-Id`, unsupported `MCP-Protocol-Version`, `initialize` on an existing session, or (2026-07-28) invalid params or a header that does not match the body."),
                "401": unauthorized,
                "403": forbidden,
                "404": rpc_error("Unknown or ended session: start a new one; or (2026-07-28) a method that revision does not have."),
                "406": rpc_error("`Accept` does not list both `application/json` and `text/event-stream`."),
                "410": rpc_error("The session ended before replying."),
                "413": rpc_error("Body larger than `server.max_body_bytes`."),
                "415": rpc_error("`Content-Type` is not `application/json`."),
                "503": unavailable
            }
        },
        "get": {
            "tags": ["Mcp"], "operationId": "mcpStream", "security": security,
            "summary": "Open the session's stream of server messages (Streamable HTTP)",
            "description": "One stream per session; server-initiated messages arrive as `message` events, with `:` keep-alive comments while idle.",
            "parameters": [session_header(true), version_header(&handshake)],
            "responses": {
                "200": sse_body("The event stream."),
                "400": rpc_error("Missing or malformed `Mcp-Session-Id`, or unsupported `MCP-Protocol-Version`."),
                "401": unauthorized,
                "403": forbidden,
                "404": rpc_error("Unknown or ended session."),
                "406": rpc_error("`Accept` does not list `text/event-stream`."),
                "409": rpc_error("The session already has an open stream.")
            }
        },
        "delete": {
            "tags": ["Mcp"], "operationId": "mcpDelete", "security": security,
            "summary": "End the session (Streamable HTTP)",
            "parameters": [session_header(true)],
            "responses": {
                "200": {"description": "The session ended."},
                "400": rpc_error("Missing or malformed `Mcp-Session-Id`."),
                "401": unauthorized,
                "403": forbidden,
                "404": rpc_error("Unknown or ended session.")
            }
        }
    })
}

/// `GET /sse`: the legacy transport's stream.
fn sse_item(c: &Shared) -> Value {
    let Shared {
        security,
        forbidden,
        unauthorized,
        unavailable,
        ..
    } = c;
    json!({
        "get": {
            "tags": ["Mcp"], "operationId": "legacySseStream", "security": security,
            "summary": "Open a legacy HTTP+SSE session (2024-11-05)",
            "description": "Creates a session; the first event is `endpoint` with data `/messages?sessionId=<id>`, then every reply arrives as a `message` event. The session ends when the stream closes.",
            "responses": {
                "200": sse_body("The event stream."),
                "401": unauthorized,
                "403": forbidden,
                "503": unavailable
            }
        }
    })
}

/// `POST /messages`: the legacy transport's messages.
fn messages_item(c: &Shared) -> Value {
    let Shared {
        security,
        forbidden,
        unauthorized,
        unavailable,
        message_body,
    } = c;
    json!({
        "post": {
            "tags": ["Mcp"], "operationId": "legacySsePost", "security": security,
            "summary": "Send one JSON-RPC message to a legacy SSE session",
            "description": "The reply goes out on that session's stream, never in this response.",
            "parameters": [{
                "name": "sessionId", "in": "query", "required": true,
                "description": "From the `endpoint` event.",
                "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}
            }],
            "requestBody": message_body,
            "responses": {
                "202": {"description": "Accepted.", "content": {"text/plain": {"schema": {"type": "string", "example": "Accepted"}}}},
                "400": rpc_error("Parse error, invalid message, or missing or malformed `sessionId`."),
                "401": unauthorized,
                "403": forbidden,
                "404": rpc_error("Unknown session."),
                "410": rpc_error("The session's stream closed."),
                "413": rpc_error("Body larger than `server.max_body_bytes`."),
                "415": rpc_error("`Content-Type` is not `application/json`."),
                "503": unavailable
            }
        }
    })
}
