//! Inbound message decoding: `transports::jsonrpc::decode` over arbitrary bytes and over
//! JSON-RPC-shaped values with random fields.

use opik_mcp::transports::jsonrpc::{check_standard_params, decode, decode_lenient, method};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Arbitrary JSON values, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::from)),
        ".{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Messages shaped like JSON-RPC with each field randomly present, missing or wrong.
fn rpc_like() -> impl Strategy<Value = Value> {
    let method = prop_oneof![
        Just(json!("initialize")),
        Just(json!("tools/call")),
        Just(json!("tools/list")),
        Just(json!("notifications/initialized")),
        Just(json!("notifications/cancelled")),
        Just(json!("ping")),
        any_json(),
    ];
    let jsonrpc = prop_oneof![Just(json!("2.0")), any_json()];
    (
        prop::option::of(jsonrpc),
        prop::option::of(any_json()),
        prop::option::of(method),
        prop::option::of(any_json()),
        prop::option::of(any_json()),
        prop::option::of(any_json()),
    )
        .prop_map(|(v, id, m, params, result, error)| {
            let mut o = serde_json::Map::new();
            for (k, val) in [
                ("jsonrpc", v),
                ("id", id),
                ("method", m),
                ("params", params),
                ("result", result),
                ("error", error),
            ] {
                if let Some(val) = val {
                    o.insert(k.into(), val);
                }
            }
            Value::Object(o)
        })
}

fn exercise(body: &[u8]) {
    // Either answer is fine; a panic is not. A decoded message must be usable.
    if let Ok(msg) = decode(body) {
        let _ = method(&msg);
        let _ = check_standard_params(&msg);
    }
    let _ = decode_lenient(body);
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&body);
    }

    #[test]
    fn json_rpc_shaped_values_never_panic(v in rpc_like()) {
        let body = serde_json::to_vec(&v).expect("serializable");
        exercise(&body);
        if let Ok(msg) = decode(&body) {
            // Whatever decodes re-encodes to JSON that decodes again.
            let again = serde_json::to_vec(&msg).expect("re-encode");
            prop_assert!(decode(&again).is_ok(), "re-decode failed: {}", String::from_utf8_lossy(&again));
        }
    }

    #[test]
    fn truncated_valid_messages_never_panic(cut in 0usize..200) {
        let body = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list-projects","arguments":{"page":1}}}"#;
        exercise(&body[..cut.min(body.len())]);
    }
}
