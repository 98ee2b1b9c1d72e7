//! Reading a relayed server message back into its type.
//!
//! rmcp's message types are untagged enums: serde reads the whole message into an
//! intermediate tree first and then tries each variant against it, allocating for every
//! object and string. For a `tools/list` reply (about 20 KB, the message relayed most) that
//! was most of a replica's CPU under cross-replica load, so such a reply is read straight
//! into its own type; anything else, or anything that does not read that way, takes the
//! generic path. Both give the same message (tests below).

use rmcp::model::{
    JsonRpcMessage, JsonRpcResponse, ListToolsResult, ServerJsonRpcMessage, ServerResult,
};

/// How far into the text the start of a `tools/list` result is looked for: past
/// `{"jsonrpc":"2.0","id":`, an id, and the result's short fields before its list.
const HEAD: usize = 400;

/// The message in `text`, or `None` when it is not a server message.
pub(super) fn server_message(text: &str) -> Option<ServerJsonRpcMessage> {
    if looks_like_tools_reply(text)
        && let Ok(r) = serde_json::from_str::<JsonRpcResponse<ListToolsResult>>(text)
    {
        return Some(JsonRpcMessage::Response(JsonRpcResponse {
            jsonrpc: r.jsonrpc,
            id: r.id,
            result: ServerResult::ListToolsResult(r.result),
        }));
    }
    serde_json::from_str(text).ok()
}

/// A result whose first keys include `tools` (after `resultType`, `_meta`, `nextCursor`…).
fn looks_like_tools_reply(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(HEAD)];
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    find(head, br#""result":{"#).is_some_and(|at| find(&head[at..], br#""tools":["#).is_some())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rmcp::model::{NumberOrString, Tool};

    use super::*;

    fn generic(text: &str) -> Option<ServerJsonRpcMessage> {
        serde_json::from_str(text).ok()
    }

    /// rmcp's notifications have no `PartialEq`: messages compare by their JSON.
    fn json(msg: &Option<ServerJsonRpcMessage>) -> Option<serde_json::Value> {
        msg.as_ref().map(|m| serde_json::to_value(m).expect("json"))
    }

    fn tools(msg: &ServerJsonRpcMessage) -> Option<&ListToolsResult> {
        match msg {
            JsonRpcMessage::Response(JsonRpcResponse {
                result: ServerResult::ListToolsResult(list),
                ..
            }) => Some(list),
            _ => None,
        }
    }

    fn tools_reply(id: NumberOrString, next: Option<&str>) -> String {
        let schema: rmcp::model::JsonObject = serde_json::from_str(
            r#"{"type":"object","properties":{"q":{"type":"string","description":"a \"quoted\"\nline"}},"required":["q"]}"#,
        )
        .expect("schema");
        let schema = Arc::new(schema);
        let tools = (0..5)
            .map(|i| {
                Tool::new(
                    format!("tool-{i}"),
                    format!("does {i}"),
                    Arc::clone(&schema),
                )
            })
            .collect();
        let mut list = ListToolsResult::with_all_items(tools);
        list.next_cursor = next.map(Into::into);
        let msg: ServerJsonRpcMessage = JsonRpcMessage::Response(JsonRpcResponse {
            jsonrpc: rmcp::model::JsonRpcVersion2_0,
            id,
            result: ServerResult::ListToolsResult(list),
        });
        serde_json::to_string(&msg).expect("json")
    }

    #[test]
    fn a_tools_reply_reads_as_the_generic_path_reads_it() {
        for text in [
            tools_reply(NumberOrString::Number(7), None),
            tools_reply(NumberOrString::String("s-1".into()), Some("c2")),
        ] {
            assert!(looks_like_tools_reply(&text), "{text}");
            let (fast, slow) = (server_message(&text), generic(&text));
            let (fast, slow) = (fast.expect("reads"), slow.expect("reads"));
            assert_eq!(
                tools(&fast).expect("a tools reply"),
                tools(&slow).expect("same")
            );
            assert_eq!(json(&Some(fast)), json(&Some(slow)));
        }
    }

    #[test]
    fn other_messages_take_the_generic_path_with_the_same_result() {
        let texts = [
            r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":2}}"#,
            r#"{"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"no"}}"#,
            r#"{"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"\"result\":{\"tools\":["}]}}"#,
            // Looks like a tools reply but is not one: the generic path decides.
            r#"{"jsonrpc":"2.0","id":4,"result":{"tools":[{"nope":1}]}}"#,
            r#"{"jsonrpc":"2.0","id":5,"result":{"structuredContent":{"tools":[1]},"content":[]}}"#,
            "not json",
        ];
        for text in texts {
            assert_eq!(json(&server_message(text)), json(&generic(text)), "{text}");
        }
    }
}
