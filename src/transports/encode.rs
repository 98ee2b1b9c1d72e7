//! Server messages to bytes: JSON bodies and SSE frames, each written once into its final
//! buffer. A `tools/list` result's cached JSON (`session/json.rs`) is shared into response
//! bodies and SSE events (copied only where one buffer is needed, the replay log).

use bytes::Bytes;
use rmcp::model::ServerJsonRpcMessage;

pub(crate) use crate::session::json::to_json;
use crate::session::{Outbound, json::write_json_head};

/// A server message as a response body: the bytes of [`to_json`] between `before` and
/// `after`, with its exact length. A cached `tools/list` result is shared into the body, not
/// copied: hyper writes the pieces with one vectored write.
pub(crate) fn json_body(
    msg: &ServerJsonRpcMessage,
    before: &'static [u8],
    after: &'static [u8],
) -> serde_json::Result<poem::Body> {
    let mut buf = Vec::with_capacity(512);
    buf.extend_from_slice(before);
    if let Some(result) = write_json_head(&mut buf, msg)? {
        let parts = [
            Bytes::from(buf),
            result,
            Bytes::from_static(b"}"),
            Bytes::from_static(after),
        ];
        return Ok(PartsBody::new(parts).into());
    }
    buf.extend_from_slice(after);
    Ok(poem::Body::from(buf))
}

/// One SSE event as up to three pieces, empty pieces last.
pub(crate) type FrameParts = [Bytes; 3];

/// One server message as an SSE `message` event, in the pieces it is written from: the bytes
/// poem's `Event::message(json).event_type("message")` writes (`data: <json>` and a blank
/// line; compact JSON holds no raw line breaks), without its intermediate `String` and its
/// second, line-splitting copy. A `tools/list` reply's cached result is shared into the
/// stream, not copied into the frame (an event-stream parser reads bytes, not chunks, so where
/// the event splits does not matter to it).
pub(crate) fn message_frame_parts(msg: &ServerJsonRpcMessage) -> FrameParts {
    let mut head = Vec::with_capacity(512);
    head.extend_from_slice(b"data: ");
    match write_json_head(&mut head, msg) {
        Ok(Some(result)) => [Bytes::from(head), result, Bytes::from_static(b"}\n\n")],
        Ok(None) => {
            head.extend_from_slice(b"\n\n");
            [Bytes::from(head), Bytes::new(), Bytes::new()]
        }
        Err(e) => {
            tracing::error!(error = %e, "could not serialize a server message");
            let frame = Bytes::from_static(b"data: {}\n\n");
            [frame, Bytes::new(), Bytes::new()]
        }
    }
}

/// An outbound stream item as an event's pieces: a relayed message's JSON text goes out as it
/// came (it has no line breaks: `Outbound::relayed`).
pub(crate) fn outbound_frame_parts(item: &Outbound) -> FrameParts {
    match item {
        Outbound::Message(msg) => message_frame_parts(msg),
        Outbound::Json(json) => [
            Bytes::from_static(b"data: "),
            json.clone(),
            Bytes::from_static(b"\n\n"),
        ],
    }
}

/// An outbound stream item's JSON.
pub(crate) fn outbound_json(item: &Outbound) -> serde_json::Result<Vec<u8>> {
    match item {
        Outbound::Message(msg) => to_json(msg),
        Outbound::Json(json) => Ok(json.to_vec()),
    }
}

/// The `endpoint` event that opens a legacy SSE stream.
pub(crate) fn endpoint_frame(endpoint: &str) -> Bytes {
    Bytes::from(format!("event: endpoint\ndata: {endpoint}\n\n"))
}

/// A body of a few pieces written in turn, with its exact length (so hyper sends a
/// `Content-Length`, as for a single buffer).
struct PartsBody {
    parts: [Bytes; 4],
    next: usize,
    remaining: u64,
}

impl PartsBody {
    fn new(parts: [Bytes; 4]) -> Self {
        let remaining = parts.iter().map(|p| p.len() as u64).sum();
        Self {
            parts,
            next: 0,
            remaining,
        }
    }
}

impl http_body::Body for PartsBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        while let Some(part) = this.parts.get_mut(this.next) {
            this.next += 1;
            let part = std::mem::take(part);
            if !part.is_empty() {
                this.remaining -= part.len() as u64;
                return std::task::Poll::Ready(Some(Ok(http_body::Frame::data(part))));
            }
        }
        std::task::Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

impl From<PartsBody> for poem::Body {
    fn from(body: PartsBody) -> Self {
        http_body_util::combinators::BoxBody::new(body).into()
    }
}

#[cfg(test)]
mod tests {
    use poem::web::sse::Event;
    use rmcp::model::{
        ErrorData, JsonRpcError, JsonRpcMessage, JsonRpcResponse, JsonRpcVersion2_0,
        ListToolsResult, NumberOrString, ServerResult, Tool,
    };

    use std::sync::Arc;

    use super::*;
    use crate::session::json::write_json;

    /// A message's event in one buffer, from `write_json`: the reference the pieces of
    /// [`message_frame_parts`] are checked against.
    fn message_frame(msg: &ServerJsonRpcMessage) -> Bytes {
        let mut buf = b"data: ".to_vec();
        write_json(&mut buf, msg).expect("serializable");
        buf.extend_from_slice(b"\n\n");
        Bytes::from(buf)
    }

    /// An error reply whose message carries `text` (line breaks and all).
    fn error_reply(text: &str) -> ServerJsonRpcMessage {
        JsonRpcMessage::Error(JsonRpcError {
            jsonrpc: JsonRpcVersion2_0,
            id: Some(NumberOrString::String("s1-7".into())),
            error: ErrorData::internal_error(text.to_owned(), None),
        })
    }

    fn tools_reply(id: NumberOrString, descriptions: &[&str]) -> ServerJsonRpcMessage {
        let schema: rmcp::model::JsonObject = serde_json::from_str(
            r#"{"type":"object","properties":{"q":{"type":"string","description":"a \"quoted\"\nline"}}}"#,
        )
        .expect("schema");
        let schema = Arc::new(schema);
        let tools = descriptions
            .iter()
            .enumerate()
            .map(|(i, d)| Tool::new(format!("tool-{i}"), d.to_string(), Arc::clone(&schema)))
            .collect();
        JsonRpcMessage::Response(JsonRpcResponse {
            jsonrpc: JsonRpcVersion2_0,
            id,
            result: ServerResult::ListToolsResult(ListToolsResult::with_all_items(tools)),
        })
    }

    #[test]
    fn a_relayed_item_is_one_event_of_its_text_and_its_json_is_the_text() {
        let text = r#"{"jsonrpc":"2.0","id":3,"result":{"tools":[]}}"#;
        let item = Outbound::relayed(text).expect("one line of JSON");
        let frame: Vec<u8> = outbound_frame_parts(&item).concat();
        assert_eq!(frame, format!("data: {text}\n\n").into_bytes());
        assert_eq!(outbound_json(&item).expect("json"), text.as_bytes());
        let reply = tools_reply(NumberOrString::Number(3), &["a"]);
        let expected = message_frame_parts(&reply).concat();
        assert_eq!(
            outbound_frame_parts(&Outbound::Message(reply)).concat(),
            expected
        );
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

    #[test]
    fn cached_tool_lists_serialize_exactly_like_serde_for_every_id_and_list() {
        let cases = [
            tools_reply(NumberOrString::Number(7), &["one", "two"]),
            tools_reply(NumberOrString::String("s3-\"9\"".into()), &["one", "two"]),
            tools_reply(NumberOrString::Number(8), &["one", "changed"]),
            tools_reply(NumberOrString::Number(9), &[]),
        ];
        // Twice: the second round answers from the cache.
        for _ in 0..2 {
            for msg in &cases {
                let expected = serde_json::to_vec(msg).expect("serializable");
                assert_eq!(to_json(msg).expect("serializable"), expected);
                let frame = message_frame(msg);
                assert_eq!(&frame[6..frame.len() - 2], &expected[..]);
            }
        }
    }

    #[tokio::test]
    async fn bodies_hold_the_same_bytes_as_to_json_with_an_exact_length() {
        let cases = [
            tools_reply(NumberOrString::Number(7), &["one", "two"]),
            tools_reply(NumberOrString::String("s3-\"9\"".into()), &["one"]),
            error_reply("not a tool list"),
        ];
        for msg in &cases {
            let json = to_json(msg).expect("serializable");
            for (before, after) in [(&b""[..], &b""[..]), (b"event: message\ndata: ", b"\n\n")] {
                let body: http_body_util::combinators::BoxBody<Bytes, std::io::Error> =
                    json_body(msg, before, after).expect("serializable").into();
                let hint = http_body::Body::size_hint(&body);
                let bytes = poem::Body::from(body).into_vec().await.expect("body");
                assert_eq!(bytes, [before, &json, after].concat());
                assert_eq!(hint.exact(), Some(bytes.len() as u64));
            }
        }
    }

    #[test]
    fn frame_parts_join_to_the_whole_frame() {
        for msg in [
            tools_reply(NumberOrString::Number(3), &["one", "two"]),
            tools_reply(NumberOrString::String("x".into()), &[]),
            error_reply("line\nbreak"),
        ] {
            let parts = message_frame_parts(&msg);
            assert_eq!(parts.concat(), message_frame(&msg).to_vec());
            let first_empty = parts.iter().position(Bytes::is_empty).unwrap_or(3);
            assert!(
                parts[first_empty..].iter().all(Bytes::is_empty),
                "empty pieces last"
            );
        }
    }
}
