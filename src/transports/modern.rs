//! The stateless 2026-07-28 revision on the Streamable HTTP path (SEP-2567 no sessions,
//! SEP-2575 no `initialize`, SEP-2243 standard headers). A request that declares 2026-07-28 is
//! served by an engine that lives for that request only: no session id is minted or read, so
//! any replica can serve any request. Requests without the declaration stay on the handshake
//! path in `streamable.rs`, unchanged.

use poem::{Request, Response, http::StatusCode};
use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, ErrorCode, ErrorData, JsonRpcMessage, ProtocolVersion,
    ServerJsonRpcMessage,
};
use serde_json::Value;

use super::{
    headers::{SESSION_HEADER, VERSION_HEADER},
    jsonrpc, origin_of,
};
use crate::{app::AppState, error::rpc_error as error, session::SendError};

const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const METHOD_HEADER: &str = "mcp-method";
const NAME_HEADER: &str = "mcp-name";

/// Methods the 2026-07-28 revision removed: answered 404 / -32601 there.
const REMOVED: &[&str] = &[
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// Whether a POST belongs to the stateless era: it declares `MCP-Protocol-Version: 2026-07-28`,
/// or carries no session and declares a version that is not a handshake revision, or it is
/// `server/discover`, or — without a session — its `_meta` declares a version.
pub fn is_modern(req: &Request, msg: &ClientJsonRpcMessage, body: &[u8]) -> bool {
    let has_session = req.headers().contains_key(&SESSION_HEADER);
    if let Some(v) = req.headers().get(&VERSION_HEADER) {
        if v.as_bytes() == ProtocolVersion::V_2026_07_28.as_str().as_bytes() {
            return true;
        }
        let handshake = crate::mcp::supported_versions();
        let known = v
            .to_str()
            .is_ok_and(|v| handshake.iter().any(|h| h.as_str() == v));
        // A session with an unknown version stays on the handshake path, which answers 400.
        if !known && !has_session {
            return true;
        }
    }
    if let JsonRpcMessage::Request(r) = msg {
        if matches!(r.request, ClientRequest::DiscoverRequest(_)) {
            return true;
        }
        if jsonrpc::is_initialize(msg) {
            return false;
        }
    }
    !has_session
        && body
            .windows(META_VERSION.len())
            .any(|w| w == META_VERSION.as_bytes())
}

/// Serve one stateless request.
pub async fn handle(
    req: &Request,
    msg: ClientJsonRpcMessage,
    body: &[u8],
    state: &AppState,
) -> Response {
    let JsonRpcMessage::Request(request) = &msg else {
        // Notifications (e.g. cancellation of a request on a closed stream) need no state.
        return Response::builder().status(StatusCode::ACCEPTED).finish();
    };
    let id = request.id.clone();
    let method = request.request.method().to_owned();
    let raw: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Err(e) = validate(req, &raw, &method) {
        return reply(&error(id, e));
    }
    if let Err(e) = jsonrpc::check_standard_params(&msg)
        && !REMOVED.contains(&method.as_str())
    {
        let err = ErrorData::invalid_params(e.0.to_string(), None);
        return reply(&error(id, err));
    }
    if REMOVED.contains(&method.as_str()) {
        let message = format!("{method} does not exist in protocol 2026-07-28");
        return reply(&error(
            id,
            ErrorData::new(ErrorCode::METHOD_NOT_FOUND, message, None),
        ));
    }
    let session = state.sessions.ephemeral(origin_of(req));
    let result = async {
        let waiter = session.wait_reply(id.clone())?;
        session.send(msg)?;
        Ok::<_, SendError>(waiter)
    }
    .await;
    let out = match result {
        Ok(waiter) => {
            let timeout = state.settings.server.request_timeout();
            match tokio::time::timeout(timeout, waiter.recv()).await {
                Ok(Ok(r)) => r,
                Ok(Err(_)) => error(id, ErrorData::internal_error("the engine stopped", None)),
                Err(_) => error(id, ErrorData::internal_error("request timed out", None)),
            }
        }
        Err(_) => error(
            id,
            ErrorData::internal_error("the engine is unavailable", None),
        ),
    };
    session.cancelled().cancel();
    reply(&out)
}

/// `_meta`, header and version checks, in the order the spec lists them.
fn validate(req: &Request, raw: &Value, method: &str) -> Result<(), ErrorData> {
    let meta = &raw["params"]["_meta"];
    let version = meta[META_VERSION].as_str();
    let Some(version) = version.filter(|_| meta[META_CAPABILITIES].is_object()) else {
        return Err(ErrorData::invalid_params(
            format!("request _meta must carry {META_VERSION} and {META_CAPABILITIES}"),
            None,
        ));
    };
    match header(req, VERSION_HEADER.as_str())? {
        Some(h) if h == version => {}
        Some(h) => {
            return Err(ErrorData::header_mismatch(
                format!("MCP-Protocol-Version {h:?} does not match _meta {version:?}"),
                None,
            ));
        }
        None => {
            return Err(ErrorData::header_mismatch(
                "MCP-Protocol-Version header is required and must match _meta",
                None,
            ));
        }
    }
    match header(req, METHOD_HEADER)? {
        Some(h) if h == method => {}
        Some(h) => {
            return Err(ErrorData::header_mismatch(
                format!("Mcp-Method {h:?} does not match the body's method {method:?}"),
                None,
            ));
        }
        None => {
            return Err(ErrorData::header_mismatch(
                "Mcp-Method header is required",
                None,
            ));
        }
    }
    let name = match method {
        "tools/call" | "prompts/get" => raw["params"]["name"].as_str(),
        "resources/read" => raw["params"]["uri"].as_str(),
        _ => None,
    };
    match (header(req, NAME_HEADER)?, name) {
        (Some(h), Some(name)) if h != name => {
            return Err(ErrorData::header_mismatch(
                format!("Mcp-Name {h:?} does not match the body's {name:?}"),
                None,
            ));
        }
        (None, Some(_)) => {
            return Err(ErrorData::header_mismatch(
                format!("Mcp-Name header is required for {method}"),
                None,
            ));
        }
        _ => {}
    }
    if version != ProtocolVersion::V_2026_07_28.as_str() {
        let requested: ProtocolVersion = serde_json::from_value(Value::String(version.into()))
            .unwrap_or(ProtocolVersion::V_2026_07_28);
        return Err(ErrorData::unsupported_protocol_version(
            requested,
            &crate::mcp::all_versions(),
        ));
    }
    Ok(())
}

/// A header value, decoding the `=?base64?…?=` form SEP-2243 uses for non-ASCII values.
fn header(req: &Request, name: &str) -> Result<Option<String>, ErrorData> {
    use base64::Engine;
    let Some(v) = req.headers().get(name) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ErrorData::header_mismatch(format!("{name} is not ASCII"), None))?;
    if let Some(b64) = v
        .strip_prefix("=?base64?")
        .and_then(|s| s.strip_suffix("?="))
    {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| ErrorData::header_mismatch(format!("{name} is not valid base64"), None))?;
        let s = String::from_utf8(bytes)
            .map_err(|_| ErrorData::header_mismatch(format!("{name} is not UTF-8"), None))?;
        return Ok(Some(s));
    }
    Ok(Some(v.to_owned()))
}

/// The reply, with the status its JSON-RPC error maps to.
fn reply(msg: &ServerJsonRpcMessage) -> Response {
    Response::builder()
        .status(crate::error::stateless_status(msg))
        .content_type("application/json")
        .body(serde_json::to_string(msg).unwrap_or_else(|_| "{}".into()))
}
