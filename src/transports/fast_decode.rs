//! Decoding the common client requests by their `method`, straight into their own type.
//!
//! rmcp decodes a message through two untagged enums: the message kind, then `ClientRequest`,
//! whose ~20 per-method variants are tried in order, each miss building a `serde_json::Error`
//! with its message (≈ 9,000 instructions for a `tools/list`, 6 % of a whole `ping`). Here the
//! envelope is read once for its keys and method, and a request for one of the methods below
//! is decoded with that method's own type — rmcp's own `Deserialize` impls, so the result is
//! the one the untagged path would give (each variant's `method` is a constant, so no other
//! variant can match). Anything else, and any request whose typed decode fails, takes rmcp's
//! generic path, which then also produces the error message clients see.

use std::borrow::Cow;

use rmcp::model::{
    CallToolRequest, ClientJsonRpcMessage, ClientRequest, CompleteRequest, GetPromptRequest,
    InitializeRequest, JsonRpcMessage, JsonRpcRequest, ListPromptsRequest,
    ListResourceTemplatesRequest, ListResourcesRequest, ListToolsRequest, PingRequest,
    ReadResourceRequest,
};
use serde::{Deserialize, Deserializer, de::IgnoredAny};

/// The keys that decide a message's kind (as rmcp's shape check counts them: present, even
/// when `null`) and the method.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    id: bool,
    #[serde(default, deserialize_with = "present")]
    result: bool,
    #[serde(default, deserialize_with = "present")]
    error: bool,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// The request in `body` decoded by its method, or `None` when the generic path must decide
/// (not a request, another method, or a body the typed decode refuses).
pub(super) fn decode_request(body: &[u8]) -> Option<ClientJsonRpcMessage> {
    let envelope: Envelope<'_> = serde_json::from_slice(body).ok()?;
    if !envelope.id || envelope.result || envelope.error {
        return None;
    }
    let request = match envelope.method.as_deref()? {
        "ping" => typed::<PingRequest>(body, ClientRequest::PingRequest),
        "tools/list" => typed::<ListToolsRequest>(body, ClientRequest::ListToolsRequest),
        "tools/call" => typed::<CallToolRequest>(body, ClientRequest::CallToolRequest),
        "initialize" => typed::<InitializeRequest>(body, ClientRequest::InitializeRequest),
        "resources/list" => {
            typed::<ListResourcesRequest>(body, ClientRequest::ListResourcesRequest)
        }
        "resources/templates/list" => {
            typed::<ListResourceTemplatesRequest>(body, ClientRequest::ListResourceTemplatesRequest)
        }
        "resources/read" => typed::<ReadResourceRequest>(body, ClientRequest::ReadResourceRequest),
        "prompts/list" => typed::<ListPromptsRequest>(body, ClientRequest::ListPromptsRequest),
        "prompts/get" => typed::<GetPromptRequest>(body, ClientRequest::GetPromptRequest),
        "completion/complete" => typed::<CompleteRequest>(body, ClientRequest::CompleteRequest),
        _ => None,
    }?;
    Some(JsonRpcMessage::Request(request))
}

fn typed<'a, R: Deserialize<'a>>(
    body: &'a [u8],
    wrap: impl FnOnce(R) -> ClientRequest,
) -> Option<JsonRpcRequest<ClientRequest>> {
    let r: JsonRpcRequest<R> = serde_json::from_slice(body).ok()?;
    Some(JsonRpcRequest {
        jsonrpc: r.jsonrpc,
        id: r.id,
        request: wrap(r.request),
    })
}

#[cfg(test)]
#[path = "fast_decode_tests.rs"]
mod tests;
