//! stdio: newline-delimited JSON-RPC on stdin/stdout. Logs go to stderr only.
//!
//! Every line read gets its answer on stdout, even when stdin ends right after it: the writer
//! drains both the engine's stream and the transport's own error lines before it stops.

mod framing;

use std::{collections::HashSet, sync::Arc, time::Duration};

use futures::StreamExt;
use rmcp::model::{JsonRpcMessage, RequestId, ServerJsonRpcMessage};
use serde_json::json;
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt},
    sync::{mpsc, watch},
};
use tokio_util::codec::FramedRead;

use self::framing::{Frame, StdioCodec};
use super::jsonrpc;
use crate::{
    error::{ApiError, codes},
    session::{EndReason, Origin, Outbound, Session, SessionRegistry, TransportKind},
};

/// What a client that frames messages with `Content-Length` headers is told.
const FRAMING_HINT: &str = "invalid request: this server's stdio transport reads \
    newline-delimited JSON-RPC (one message per line, as the MCP stdio transport specifies); \
    Content-Length framing is not supported: send each message as one line of JSON ending in \
    a newline, without headers";

/// Serve one session over `input`/`output` until the input ends.
pub async fn serve<R, W>(
    registry: Arc<SessionRegistry>,
    input: R,
    output: W,
    max_line: usize,
    grace: Duration,
) -> anyhow::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let session = registry.create(TransportKind::Stdio, Origin::default())?;
    let engine_rx = session
        .attach_stream(1024)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (err_tx, err_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    // Requests sent to the engine and neither answered nor cancelled yet: at end of input we
    // wait for them. (The engine sends no reply to a cancelled request.)
    let outstanding = Arc::new(watch::Sender::new(HashSet::<RequestId>::new()));
    let writer = tokio::spawn(write_lines(
        engine_rx,
        err_rx,
        Arc::clone(&outstanding),
        output,
    ));
    let read = read_lines(&session, input, max_line, &err_tx, &outstanding).await;
    // End of input: let in-flight requests finish (bounded), then end the session.
    let mut done = outstanding.subscribe();
    let _ = tokio::time::timeout(grace, done.wait_for(HashSet::is_empty)).await;
    registry.end(session.id(), EndReason::EngineStopped);
    drop(err_tx);
    // Ending the session closes the engine's stream, and `err_tx` is gone: the writer stops
    // once both are drained. Bounded all the same, should stdout block.
    if tokio::time::timeout(grace, writer).await.is_err() {
        tracing::warn!("stdout did not drain in time; some replies were not written");
    }
    read
}

/// Read stdin until it ends, handing messages to the engine and answering bad input with
/// error lines.
async fn read_lines<R: AsyncRead + Unpin>(
    session: &Session,
    input: R,
    max_line: usize,
    err_tx: &mpsc::UnboundedSender<Vec<u8>>,
    outstanding: &watch::Sender<HashSet<RequestId>>,
) -> anyhow::Result<()> {
    let mut frames = FramedRead::new(input, StdioCodec::new(max_line));
    let mut warned = false;
    while let Some(frame) = frames.next().await {
        let line = match frame? {
            Frame::Line(l) => l,
            Frame::TooLong => {
                let _ = err_tx.send(error_line(&ApiError::PayloadTooLarge(max_line), None));
                continue;
            }
            Frame::NotUtf8 => {
                let e = ApiError::Parse("the line is not valid UTF-8".into());
                let _ = err_tx.send(error_line(&e, None));
                continue;
            }
            Frame::ContentLength(body) => {
                if !std::mem::replace(&mut warned, true) {
                    tracing::warn!(
                        "stdio client frames messages with Content-Length; {FRAMING_HINT}"
                    );
                }
                let id = body.as_deref().and_then(jsonrpc::salvage_id);
                let _ = err_tx.send(raw_error_line(codes::INVALID_REQUEST, FRAMING_HINT, id));
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let msg = match jsonrpc::decode(line.as_bytes()) {
            Ok(m) => m,
            Err(e) => {
                let id = e.1.or_else(|| jsonrpc::salvage_id(line.as_bytes()));
                let _ = err_tx.send(error_line(&e.0, id));
                continue;
            }
        };
        let id = jsonrpc::request_id(&msg);
        if let Err(e) = jsonrpc::admit(session, &msg) {
            let _ = err_tx.send(error_line(&e, id));
            continue;
        }
        if let Some(id) = &id {
            outstanding.send_modify(|ids| {
                ids.insert(id.clone());
            });
        }
        if let Some(cancelled) = jsonrpc::cancelled_request(&msg) {
            outstanding.send_modify(|ids| {
                ids.remove(&cancelled);
            });
        }
        // stdio has one client that waits for us: apply back-pressure by awaiting.
        if session.send_wait(msg).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// Write the engine's messages and the transport's error lines to `output` until both
/// sources are closed and drained (stopping at the first only would lose what the other
/// still holds), or `output` fails.
async fn write_lines<W: AsyncWrite + Unpin>(
    mut engine: mpsc::Receiver<Box<Outbound>>,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
    answered: Arc<watch::Sender<HashSet<RequestId>>>,
    mut output: W,
) {
    let (mut engine_open, mut errors_open) = (true, true);
    while engine_open || errors_open {
        let mut line = tokio::select! {
            m = engine.recv(), if engine_open => match m {
                // Relayed text (from other replicas: stdio has none) is written as it came.
                Some(item) => match *item {
                    Outbound::Json(json) => json.to_vec(),
                    Outbound::Message(msg) => {
                        let id = match &msg {
                            JsonRpcMessage::Response(r) => Some(&r.id),
                            JsonRpcMessage::Error(e) => e.id.as_ref(),
                            _ => None,
                        };
                        if let Some(id) = id {
                            answered.send_modify(|ids| {
                                ids.remove(id);
                            });
                        }
                        engine_line(&msg)
                    }
                },
                None => {
                    engine_open = false;
                    continue;
                }
            },
            m = errors.recv(), if errors_open => match m {
                Some(line) => line,
                None => {
                    errors_open = false;
                    continue;
                }
            },
        };
        line.push(b'\n');
        if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
            break;
        }
    }
}

/// An engine message as one line. An error with no id is written with `"id": null`, as
/// JSON-RPC 2.0 requires (rmcp omits the member, the 2026-07-28 shape).
fn engine_line(msg: &ServerJsonRpcMessage) -> Vec<u8> {
    match msg {
        JsonRpcMessage::Error(e) if e.id.is_none() => {
            let body = json!({"jsonrpc": "2.0", "id": null, "error": e.error});
            body.to_string().into_bytes()
        }
        _ => super::to_json(msg).unwrap_or_default(),
    }
}

fn error_line(e: &ApiError, id: Option<RequestId>) -> Vec<u8> {
    raw_error_line(e.rpc_code(), &e.to_string(), id)
}

/// A JSON-RPC error line; the id is `null` when it is unknown.
fn raw_error_line(code: i32, message: &str, id: Option<RequestId>) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
        .to_string()
        .into_bytes()
}
