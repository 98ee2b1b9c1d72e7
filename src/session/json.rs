//! Server messages as JSON, byte-identical to `serde_json`, with a `tools/list` result
//! serialized once per distinct tool list and then shared: it is the same few tens of KiB for
//! every caller with the same scopes, and serializing it was about half of a `tools/list`
//! request's instructions (docs/performance.md) — and nearly all of relaying one to another
//! replica. The transports build bodies and SSE frames from these (`transports/encode.rs`);
//! the cluster relays this text.

use std::sync::Mutex;

use bytes::Bytes;
use rmcp::model::{JsonRpcMessage, ListToolsResult, RequestId, ServerJsonRpcMessage, ServerResult};

/// Distinct tool lists remembered (one per scope combination in practice).
const CACHED_LISTS: usize = 8;

/// A server message as JSON, byte-identical to `serde_json::to_vec(msg)`.
pub(crate) fn to_json(msg: &ServerJsonRpcMessage) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    write_json(&mut buf, msg)?;
    Ok(buf)
}

pub(crate) fn write_json(buf: &mut Vec<u8>, msg: &ServerJsonRpcMessage) -> serde_json::Result<()> {
    if let Some(result) = write_json_head(buf, msg)? {
        // The result and its `}` in one allocation of the final size (growing by doubling
        // copied what was written so far: ~30 KiB more copying per reply).
        buf.reserve(result.len() + 1);
        buf.extend_from_slice(&result);
        buf.push(b'}');
    }
    Ok(())
}

/// Write `msg`'s JSON into `buf`, except a `tools/list` reply's cached result, which is
/// returned instead: the JSON is then `buf`, that result, and `}` (for writers that send pieces
/// rather than copy the result into one buffer).
pub(crate) fn write_json_head(
    buf: &mut Vec<u8>,
    msg: &ServerJsonRpcMessage,
) -> serde_json::Result<Option<Bytes>> {
    if let Some((id, list)) = tools_reply(msg) {
        let result = tools_result(list)?;
        write_reply_head(buf, id)?;
        return Ok(Some(result));
    }
    serde_json::to_writer(&mut *buf, msg)?;
    Ok(None)
}

/// The id and the list of a `tools/list` reply (the one message written from the cache).
fn tools_reply(msg: &ServerJsonRpcMessage) -> Option<(&RequestId, &ListToolsResult)> {
    match msg {
        JsonRpcMessage::Response(r) => match &r.result {
            ServerResult::ListToolsResult(list) => Some((&r.id, list)),
            _ => None,
        },
        _ => None,
    }
}

/// A reply's JSON up to its result, which the caller writes after it, then `}`:
/// `JsonRpcResponse` serializes its fields in this order; `ServerResult` is untagged.
fn write_reply_head(buf: &mut Vec<u8>, id: &RequestId) -> serde_json::Result<()> {
    buf.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    serde_json::to_writer(&mut *buf, id)?;
    buf.extend_from_slice(br#","result":"#);
    Ok(())
}

/// The JSON of `list`, from the cache when an equal list was serialized before. Equality is
/// cheap here: the listed tools share their schema `Arc`s with the engine's list, and `Arc`
/// equality of `Eq` values checks the pointer first.
fn tools_result(list: &ListToolsResult) -> serde_json::Result<Bytes> {
    static CACHE: Mutex<Vec<(ListToolsResult, Bytes)>> = Mutex::new(Vec::new());
    let lock = || CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, json)) = lock().iter().find(|(l, _)| l == list) {
        return Ok(json.clone());
    }
    let json = Bytes::from(serde_json::to_vec(list)?);
    let mut cache = lock();
    if cache.len() >= CACHED_LISTS {
        cache.remove(0);
    }
    cache.push((list.clone(), json.clone()));
    Ok(json)
}
