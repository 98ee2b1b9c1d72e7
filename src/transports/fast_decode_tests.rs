use rmcp::model::{ClientJsonRpcMessage, GetExtensions, JsonRpcMessage, RequestMetaObject};

use super::decode_request;

/// Bodies the fast path must decode (and decode exactly like rmcp's generic path).
const HOT: &[&str] = &[
    r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
    r#"{"jsonrpc":"2.0","id":"a-1","method":"ping","params":{}}"#,
    r#"{"jsonrpc":"2.0","id":2,"method":"ping","params":{"_meta":{"progressToken":7}}}"#,
    r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#,
    r#"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"abc"}}"#,
    r#"{"id":4,"method":"tools/list","params":{},"jsonrpc":"2.0"}"#,
    r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list-projects","arguments":{"page":1,"size":10}}}"#,
    r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":"p-1","other":true}}}"#,
    r#"{"jsonrpc":"2.0","id":-7,"method":"tools/call","params":{"name":"x","arguments":{}},"extra":1}"#,
    r#"{"jsonrpc":"2.0","id":8,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"c","version":"1"}}}"#,
    r#"{"jsonrpc":"2.0","id":9,"method":"resources/list"}"#,
    r#"{"jsonrpc":"2.0","id":10,"method":"resources/templates/list","params":{"cursor":"x"}}"#,
    r#"{"jsonrpc":"2.0","id":11,"method":"resources/read","params":{"uri":"opik://projects-list"}}"#,
    r#"{"jsonrpc":"2.0","id":12,"method":"prompts/list"}"#,
    r#"{"jsonrpc":"2.0","id":13,"method":"prompts/get","params":{"name":"p","arguments":{"a":"b"}}}"#,
    r#"{"jsonrpc":"2.0","id":14,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":"b"}}}"#,
];

/// Bodies where the fast path may decline; when it does not, it must agree with rmcp.
const EDGE: &[&str] = &[
    r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
    r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
    r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
    r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"ping","error":null}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}"#,
    r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
    r#"{"id":1,"method":"ping"}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"Ping"}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1,2]}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":null}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":5}}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{}}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"custom/thing","params":{"a":1}}"#,
    r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
    r#"{"jsonrpc":"2.0","id":"\u0061","method":"ping"}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"tools\/list"}"#,
    r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":"x"}}"#,
];

fn generic(body: &str) -> Result<ClientJsonRpcMessage, serde_json::Error> {
    serde_json::from_str(body)
}

/// Same JSON, same request variant, same `_meta`.
fn assert_same(body: &str, fast: &ClientJsonRpcMessage) {
    let slow = generic(body)
        .unwrap_or_else(|e| panic!("fast path accepted what rmcp refuses: {body}: {e}"));
    assert_eq!(
        serde_json::to_value(fast).expect("serialize"),
        serde_json::to_value(&slow).expect("serialize"),
        "{body}"
    );
    let (JsonRpcMessage::Request(f), JsonRpcMessage::Request(s)) = (fast, &slow) else {
        panic!("not a request either way: {body}");
    };
    assert_eq!(
        std::mem::discriminant(&f.request),
        std::mem::discriminant(&s.request),
        "{body}"
    );
    assert_eq!(f.request.method(), s.request.method(), "{body}");
    assert_eq!(
        f.request.extensions().get::<RequestMetaObject>(),
        s.request.extensions().get::<RequestMetaObject>(),
        "{body}"
    );
}

#[test]
fn hot_methods_decode_by_method_exactly_like_rmcp() {
    for body in HOT {
        let fast = decode_request(body.as_bytes()).unwrap_or_else(|| panic!("declined: {body}"));
        assert_same(body, &fast);
    }
}

#[test]
fn edge_cases_are_declined_or_decoded_like_rmcp() {
    let mut declined = 0;
    for body in EDGE {
        match decode_request(body.as_bytes()) {
            Some(fast) => assert_same(body, &fast),
            None => declined += 1,
        }
    }
    // The envelope's shape rules alone decline these (not a request, or a stray key).
    assert!(declined >= 6, "declined {declined}");
    assert!(decode_request(br#"{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}"#).is_none());
    assert!(decode_request(br#"{"jsonrpc":"2.0","id":null,"method":"ping","error":1}"#).is_none());
    assert!(decode_request(br#"{"jsonrpc":"2.0","method":"ping"}"#).is_none());
}
