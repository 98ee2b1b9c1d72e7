//! What travels on a session's outbound stream: a message from this replica's engine, or the
//! JSON text of one relayed by another replica, written to the stream as it came (reading a
//! relayed `tools/list` reply into rmcp's types and writing it out again was most of a
//! replica's work under cross-replica load). Relayed text comes from another replica of the
//! same deployment through its database: it is checked for form (one line of JSON, which is
//! what keeps an event stream's framing intact), not read for content.

use bytes::Bytes;
use rmcp::model::ServerJsonRpcMessage;

/// A message for a session's outbound stream (boxed in the stream's channel, so an idle
/// channel's first block stays small).
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "always boxed in the stream's channel: one allocation per message, as before"
)]
pub enum Outbound {
    /// From this replica's engine.
    Message(ServerJsonRpcMessage),
    /// Relayed: well-formed, compact JSON text without line breaks (see [`Self::relayed`]).
    Json(Bytes),
}

impl Outbound {
    /// Relayed JSON text as is, when it is well-formed JSON with no raw line break (one line of
    /// an event stream's `data:` field, one line of stdio); `None` otherwise (the caller reads
    /// it into its type instead).
    pub fn relayed(text: &str) -> Option<Self> {
        if !one_line(text.as_bytes()) {
            return None;
        }
        serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
        Some(Self::Json(Bytes::copy_from_slice(text.as_bytes())))
    }

    /// JSON text a replica sent over its authenticated direct relay, as is, when it has no raw
    /// line break. Not parsed: the sender is a replica of this deployment that wrote it with
    /// `serde_json` (the line-break check is what keeps the stream's framing intact).
    pub fn from_replica(json: Bytes) -> Option<Self> {
        (!json.is_empty() && one_line(&json)).then_some(Self::Json(json))
    }
}

/// Whether `text` has no raw line break: one vectorized search for either byte (a loop testing
/// each byte was ~7 instructions per byte, most of a relayed `tools/list` reply's cost on the
/// replica receiving it; the standard library's word-at-a-time search, one per byte value, ~2).
fn one_line(text: &[u8]) -> bool {
    memchr::memchr2(b'\n', b'\r', text).is_none()
}

impl From<ServerJsonRpcMessage> for Outbound {
    fn from(msg: ServerJsonRpcMessage) -> Self {
        Self::Message(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_line_of_well_formed_json_is_kept_as_text() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"result":{"text":"a\nb"}}"#;
        assert!(matches!(Outbound::relayed(ok), Some(Outbound::Json(b)) if b == ok.as_bytes()));
        for bad in [
            "{\"jsonrpc\":\"2.0\",\n\"id\":1,\"result\":{}}",
            "{\"jsonrpc\":\"2.0\",\r\"id\":1,\"result\":{}}",
            r#"{"jsonrpc":"2.0","id":1,"result":{}"#,
            r#"{"a":1} data: injected"#,
            "",
        ] {
            assert!(Outbound::relayed(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_replicas_json_goes_as_is_unless_it_spans_lines() {
        let ok = Bytes::from_static(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
        assert!(matches!(Outbound::from_replica(ok.clone()), Some(Outbound::Json(b)) if b == ok));
        for bad in [&b"{\"a\":\n1}"[..], b"{\"a\":\r1}", b""] {
            assert!(
                Outbound::from_replica(Bytes::copy_from_slice(bad)).is_none(),
                "{bad:?}"
            );
        }
    }
}
