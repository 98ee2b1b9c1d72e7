//! Server messages to bytes: JSON bodies and SSE frames, each written once into its final
//! buffer (issue 9).

use bytes::Bytes;
use rmcp::model::ServerJsonRpcMessage;

/// A server message as JSON, byte-identical to `serde_json::to_vec(msg)`.
pub(crate) fn to_json(msg: &ServerJsonRpcMessage) -> serde_json::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    write_json(&mut buf, msg)?;
    Ok(buf)
}

/// One server message as an SSE `message` event: the bytes poem's
/// `Event::message(json).event_type("message")` writes (`data: <json>` and a blank line;
/// compact JSON holds no raw line breaks), without its intermediate `String` and its second,
/// line-splitting copy.
pub(crate) fn message_frame(msg: &ServerJsonRpcMessage) -> Bytes {
    let mut buf = Vec::with_capacity(512);
    buf.extend_from_slice(b"data: ");
    match write_json(&mut buf, msg) {
        Ok(()) => {
            buf.extend_from_slice(b"\n\n");
            Bytes::from(buf)
        }
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a server message");
            Bytes::from_static(b"data: {}\n\n")
        }
    }
}

/// The `endpoint` event that opens a legacy SSE stream.
pub(crate) fn endpoint_frame(endpoint: &str) -> Bytes {
    Bytes::from(format!("event: endpoint\ndata: {endpoint}\n\n"))
}

fn write_json(buf: &mut Vec<u8>, msg: &ServerJsonRpcMessage) -> serde_json::Result<()> {
    serde_json::to_writer(buf, msg)
}

#[cfg(test)]
mod tests {
    use poem::web::sse::Event;
    use rmcp::model::{ErrorData, JsonRpcError, JsonRpcMessage, JsonRpcVersion2_0, NumberOrString};

    use super::*;

    /// An error reply whose message carries `text` (line breaks and all).
    fn error_reply(text: &str) -> ServerJsonRpcMessage {
        JsonRpcMessage::Error(JsonRpcError {
            jsonrpc: JsonRpcVersion2_0,
            id: Some(NumberOrString::String("s1-7".into())),
            error: ErrorData::internal_error(text.to_owned(), None),
        })
    }

    #[test]
    fn message_frames_are_byte_identical_to_poems_event_framing() {
        for text in [
            "plain",
            "line\nbreak\r\nand\u{2028}sep",
            "ünïcödé \"quoted\"",
        ] {
            let msg = error_reply(text);
            let json = serde_json::to_string(&msg).expect("serializable");
            let poem = Event::message(json).event_type("message").to_string();
            assert_eq!(message_frame(&msg), Bytes::from(poem));
        }
        let poem = Event::message("/messages?sessionId=ab")
            .event_type("endpoint")
            .to_string();
        assert_eq!(endpoint_frame("/messages?sessionId=ab"), Bytes::from(poem));
    }
}
