//! Inbound JSON-RPC decoding and the session gate shared by every transport.

use rmcp::model::{ClientJsonRpcMessage, ClientRequest, JsonRpcMessage, RequestId};

use crate::{
    error::{ApiError, RpcError},
    session::Session,
};

/// Decode one client message. Batches (JSON arrays) are refused: 2025-06-18 removed them and
/// the legacy clients we serve never send them.
pub fn decode(body: &[u8]) -> Result<ClientJsonRpcMessage, RpcError> {
    let msg = decode_lenient(body)?;
    check_standard_params(&msg)?;
    Ok(msg)
}

/// Decode without [`check_standard_params`], for a caller that routes first (the 2026-07-28
/// path answers removed methods with 404 whatever their params).
pub fn decode_lenient(body: &[u8]) -> Result<ClientJsonRpcMessage, RpcError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => return Err(ApiError::Parse("empty body".into()).into()),
        Some(b'[') => {
            return Err(ApiError::InvalidRequest(
                "JSON-RPC batches are not supported; send one message per request".into(),
            )
            .into());
        }
        Some(b'{') => {}
        Some(_) => {
            // Valid JSON that is not an object (a number, a string…) is not a message.
            return Err(match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(_) => ApiError::InvalidRequest("a JSON-RPC message is an object".into()),
                Err(e) => ApiError::Parse(e.to_string()),
            }
            .into());
        }
    }
    if let Some(msg) = super::fast_decode::decode_request(body) {
        return Ok(msg);
    }
    let msg = serde_json::from_slice::<ClientJsonRpcMessage>(body).map_err(|e| {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(_) => ApiError::InvalidRequest(format!("not a valid MCP JSON-RPC message: {e}")),
            Err(e) => ApiError::Parse(e.to_string()),
        }
    })?;
    Ok(msg)
}

/// Refuse a standard method whose params do not fit (see [`STANDARD_METHODS`]).
pub fn check_standard_params(msg: &ClientJsonRpcMessage) -> Result<(), RpcError> {
    reject_malformed_standard_request(msg).map_err(|e| RpcError(e, request_id(msg)))
}

/// MCP methods whose params have a schema. rmcp decodes a request for one of these whose params
/// do not fit as a *custom* request, which the engine then answers "method not found" — wrong
/// and unhelpful. Refuse it here as invalid params, with serde's description of the problem.
const STANDARD_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/call",
    "tools/list",
    "resources/read",
    "resources/list",
    "resources/templates/list",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/get",
    "prompts/list",
    "completion/complete",
    "logging/setLevel",
    "server/discover",
];

fn reject_malformed_standard_request(msg: &ClientJsonRpcMessage) -> Result<(), ApiError> {
    use rmcp::model::{
        CallToolRequestParams, GetPromptRequestParams, InitializeRequestParams,
        ReadResourceRequestParams,
    };
    let JsonRpcMessage::Request(r) = msg else {
        return Ok(());
    };
    let ClientRequest::CustomRequest(c) = &r.request else {
        return Ok(());
    };
    if !STANDARD_METHODS.contains(&c.method.as_str()) {
        return Ok(());
    }
    let params = c.params.clone().unwrap_or(serde_json::Value::Null);
    let detail = match c.method.as_str() {
        "tools/call" => serde_json::from_value::<CallToolRequestParams>(params).err(),
        "resources/read" => serde_json::from_value::<ReadResourceRequestParams>(params).err(),
        "prompts/get" => serde_json::from_value::<GetPromptRequestParams>(params).err(),
        "initialize" => serde_json::from_value::<InitializeRequestParams>(params).err(),
        _ => None,
    }
    .map_or_else(
        || "params do not match the method's schema".to_owned(),
        |e| e.to_string(),
    );
    Err(ApiError::InvalidParams(format!(
        "invalid params for {}: {detail}",
        c.method
    )))
}

/// The id of a request, if the message is one.
pub fn request_id(msg: &ClientJsonRpcMessage) -> Option<RequestId> {
    match msg {
        JsonRpcMessage::Request(r) => Some(r.id.clone()),
        _ => None,
    }
}

/// The id a message that could not be decoded still names, when it is a number or a string,
/// so that the error about it can carry it (clients match replies by id); `None` otherwise,
/// and the error then carries `"id": null`.
pub fn salvage_id(body: &[u8]) -> Option<RequestId> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match value.get("id")? {
        serde_json::Value::Number(n) => n.as_i64().map(RequestId::Number),
        serde_json::Value::String(s) => Some(RequestId::String(s.as_str().into())),
        _ => None,
    }
}

/// The method of a request or notification, for logs.
pub fn method(msg: &ClientJsonRpcMessage) -> &str {
    match msg {
        JsonRpcMessage::Request(r) => r.request.method(),
        JsonRpcMessage::Notification(_) => "notification",
        JsonRpcMessage::Response(_) => "response",
        JsonRpcMessage::Error(_) => "error",
    }
}

/// Whether the message is an `initialize` request.
pub fn is_initialize(msg: &ClientJsonRpcMessage) -> bool {
    matches!(msg, JsonRpcMessage::Request(r) if matches!(r.request, ClientRequest::InitializeRequest(_)))
}

/// Enforce the lifecycle before a message reaches the engine: `initialize` once, and nothing
/// but `ping` before it (rmcp treats a notification before `initialize` as fatal, which
/// would kill the session; we refuse the message instead and the session stays usable).
pub fn admit(session: &Session, msg: &ClientJsonRpcMessage) -> Result<(), ApiError> {
    // Audit fail-closed: no new request while it could not be recorded.
    if matches!(msg, JsonRpcMessage::Request(_)) && !session.observers.accepting() {
        return Err(ApiError::AuditUnavailable);
    }
    if is_initialize(msg) {
        if !session.mark_initialized() {
            return Err(ApiError::InvalidRequest(
                "session is already initialized".into(),
            ));
        }
        return Ok(());
    }
    if session.is_initialized() {
        return Ok(());
    }
    match msg {
        JsonRpcMessage::Request(r) if matches!(r.request, ClientRequest::PingRequest(_)) => Ok(()),
        _ => Err(ApiError::InvalidRequest(
            "session is not initialized: send initialize first".into(),
        )),
    }
}

/// If `msg` is `notifications/cancelled`, the id of the request it cancels.
pub fn cancelled_request(msg: &ClientJsonRpcMessage) -> Option<RequestId> {
    use rmcp::model::ClientNotification;
    match msg {
        JsonRpcMessage::Notification(n) => match &n.notification {
            ClientNotification::CancelledNotification(c) => c.params.request_id.clone(),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_refused_as_invalid_requests() {
        let err = decode(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).expect_err("batch");
        assert!(matches!(err.0, ApiError::InvalidRequest(_)));
    }

    #[test]
    fn broken_json_is_a_parse_error() {
        assert!(matches!(
            decode(b"{\"jsonrpc\":"),
            Err(RpcError(ApiError::Parse(_), None))
        ));
        assert!(matches!(
            decode(b""),
            Err(RpcError(ApiError::Parse(_), None))
        ));
    }

    #[test]
    fn json_that_is_not_json_rpc_is_an_invalid_request() {
        assert!(matches!(
            decode(b"{\"hello\":1}"),
            Err(RpcError(ApiError::InvalidRequest(_), _))
        ));
        assert!(matches!(
            decode(b"42"),
            Err(RpcError(ApiError::InvalidRequest(_), _))
        ));
    }

    #[test]
    fn standard_method_with_bad_params_is_invalid_params_not_a_custom_request() {
        let err = decode(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}"#)
            .expect_err("no name");
        match err {
            RpcError(ApiError::InvalidParams(m), Some(_)) => {
                assert!(m.contains("tools/call") && m.contains("name"));
            }
            other => panic!("unexpected {other:?}"),
        }
        let custom = decode(br#"{"jsonrpc":"2.0","id":1,"method":"vendor/x","params":{}}"#);
        assert!(
            custom.is_ok(),
            "unknown methods stay for the engine to answer -32601"
        );
    }

    #[test]
    fn ids_are_salvaged_from_undecodable_messages_only_when_usable() {
        let salvage = |b: &[u8]| salvage_id(b);
        assert_eq!(
            salvage(br#"{"id":5,"method":7}"#),
            Some(RequestId::Number(5))
        );
        assert_eq!(
            salvage(br#"{"id":"a","method":7}"#),
            Some(RequestId::String("a".into()))
        );
        assert_eq!(salvage(br#"{"id":{"x":1}}"#), None);
        assert_eq!(salvage(br#"{"id":1.5}"#), None);
        assert_eq!(salvage(b"{\"id\":"), None);
    }

    #[test]
    fn ping_decodes_with_its_id() {
        let msg = decode(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#).expect("ping");
        assert_eq!(request_id(&msg), Some(RequestId::Number(7)));
        assert_eq!(method(&msg), "ping");
    }
}
