//! Unit tests of the direct relay's frames and tokens.

use super::*;

#[test]
fn a_frame_reads_back_and_malformed_ones_are_refused() {
    let hash = "ab".repeat(32);
    let msg: ServerJsonRpcMessage = serde_json::from_value(serde_json::json!(
        {"jsonrpc": "2.0", "id": 1, "result": {"text": "a\nb"}}
    ))
    .expect("a reply");
    let text = serde_json::to_string(&msg).expect("json");
    assert!(text.contains(r"a\nb"), "escaped: one line");
    let f = payload(&frame(&hash, &msg).expect("a frame"));
    assert_eq!(
        unframe(&f),
        Some((hash.as_str(), Bytes::from(text.clone())))
    );
    let bytes = |s: String| Bytes::from(s.into_bytes());
    assert_eq!(unframe(&bytes(hash.clone())), None, "no message");
    assert_eq!(unframe(&bytes(format!("{hash}\n"))), None, "empty message");
    assert_eq!(
        unframe(&bytes(format!("{hash} {text}"))),
        None,
        "no newline"
    );
    let bad = format!("{}zz\n{text}", "ab".repeat(31));
    assert_eq!(unframe(&bytes(bad)), None, "not hex");
    let mut invalid = f.to_vec();
    invalid[0] = 0xff;
    assert_eq!(unframe(&Bytes::from(invalid)), None, "hash not UTF-8");
}

/// A frame's bytes after its length prefix, which must give their length.
fn payload(f: &Frame) -> Bytes {
    let mut all = f.head.clone();
    all.extend_from_slice(&f.body);
    all.extend_from_slice(f.tail);
    let len = u32::from_be_bytes(all[..4].try_into().expect("4 bytes")) as usize;
    assert_eq!(len, all.len() - 4, "the prefix is the payload's length");
    Bytes::from(all).slice(4..)
}

#[test]
fn a_tools_list_reply_is_framed_with_its_cached_result_as_a_piece_of_its_own() {
    let list = rmcp::model::ListToolsResult::with_all_items(vec![]);
    let msg = ServerJsonRpcMessage::response(
        rmcp::model::ServerResult::ListToolsResult(list),
        rmcp::model::NumberOrString::Number(7),
    );
    let f = frame(&"cd".repeat(32), &msg).expect("a frame");
    assert!(!f.body.is_empty() && f.tail == b"}");
    let (_, json) = unframe(&payload(&f))
        .map(|(h, j)| (h.to_owned(), j))
        .expect("parts");
    assert_eq!(
        json,
        serde_json::to_vec(&msg).expect("serde"),
        "byte-identical"
    );
}

#[test]
fn tokens_are_fresh_and_kept_out_of_debug_output() {
    let a = RelayPoint::new("10.0.0.1:3002".into());
    let b = RelayPoint::new("10.0.0.1:3002".into());
    assert_eq!(a.token.len(), 64);
    assert_ne!(a.token, b.token);
    assert!(!format!("{a:?}").contains(&a.token));
    assert_eq!(RelayPoint::from_columns(Some("h:1".into()), None), None);
}
