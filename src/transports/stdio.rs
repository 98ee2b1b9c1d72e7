//! stdio: newline-delimited JSON-RPC on stdin/stdout. Logs go to stderr only.

use std::sync::Arc;

use futures::StreamExt;
use rmcp::model::{
    ErrorData, JsonRpcError, JsonRpcMessage, JsonRpcVersion2_0, ServerJsonRpcMessage,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

use super::jsonrpc;
use crate::{
    error::ApiError,
    session::{EndReason, Origin, SessionRegistry, TransportKind},
};

/// Serve one session over `input`/`output` until the input ends.
pub async fn serve<R, W>(
    registry: Arc<SessionRegistry>,
    input: R,
    mut output: W,
    max_line: usize,
    grace: std::time::Duration,
) -> anyhow::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let session = registry.create(TransportKind::Stdio, Origin::default())?;
    let mut rx = session
        .attach_stream(1024)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (err_tx, mut err_rx) = tokio::sync::mpsc::unbounded_channel::<ServerJsonRpcMessage>();
    // Requests sent to the engine and not answered yet: at end of input we wait for them.
    let outstanding = Arc::new(tokio::sync::watch::Sender::new(0usize));
    let answered = Arc::clone(&outstanding);
    let writer = tokio::spawn(async move {
        loop {
            let (msg, from_engine) = tokio::select! {
                m = rx.recv() => (m.map(|b| *b), true),
                m = err_rx.recv() => (m, false),
            };
            let Some(msg) = msg else { break };
            if from_engine && matches!(msg, JsonRpcMessage::Response(_) | JsonRpcMessage::Error(_))
            {
                answered.send_modify(|n| *n = n.saturating_sub(1));
            }
            let mut line = serde_json::to_vec(&msg).unwrap_or_default();
            line.push(b'\n');
            if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    });

    let mut lines = FramedRead::new(input, LinesCodec::new_with_max_length(max_line));
    while let Some(line) = lines.next().await {
        let line = match line {
            Ok(l) => l,
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                let _ = err_tx.send(error_line(&ApiError::PayloadTooLarge(max_line), None));
                continue;
            }
            Err(LinesCodecError::Io(e)) => return Err(e.into()),
        };
        if line.trim().is_empty() {
            continue;
        }
        let msg = match jsonrpc::decode(line.as_bytes()) {
            Ok(m) => m,
            Err(e) => {
                let _ = err_tx.send(error_line(&e.0, e.1));
                continue;
            }
        };
        let id = jsonrpc::request_id(&msg);
        if let Err(e) = jsonrpc::admit(&session, &msg) {
            let _ = err_tx.send(error_line(&e, id));
            continue;
        }
        if id.is_some() {
            outstanding.send_modify(|n| *n += 1);
        }
        // stdio has one client that waits for us: apply back-pressure by awaiting.
        if session.send_wait(msg).await.is_err() {
            break;
        }
    }
    // End of input: let in-flight requests finish (bounded), then end the session.
    let mut done = outstanding.subscribe();
    let _ = tokio::time::timeout(grace, done.wait_for(|n| *n == 0)).await;
    registry.end(session.id(), EndReason::EngineStopped);
    drop(err_tx);
    let _ = writer.await;
    Ok(())
}

fn error_line(e: &ApiError, id: Option<rmcp::model::RequestId>) -> ServerJsonRpcMessage {
    JsonRpcMessage::Error(JsonRpcError {
        jsonrpc: JsonRpcVersion2_0,
        id,
        error: ErrorData::new(rmcp::model::ErrorCode(e.rpc_code()), e.to_string(), None),
    })
}
