use super::*;
use rmcp::model::ServerJsonRpcMessage;

#[test]
fn cached_id_hash_and_log_tag_equal_the_per_call_ones() {
    let (tx, _rx) = mpsc::channel(1);
    let id = SessionId::generate();
    let s = Session::new(
        id.clone(),
        TransportKind::Sse,
        tx,
        CancellationToken::new(),
        Origin::default(),
        Observers::default(),
    );
    assert_eq!(s.id_hash(), crate::store::session_hash(&id));
    assert_eq!(s.log_tag(), id.log_tag());
    assert_eq!(s.id_hash().len(), 64);
}

fn notification(n: u32) -> ServerJsonRpcMessage {
    serde_json::from_value(serde_json::json!({
        "jsonrpc": "2.0", "method": "notifications/message",
        "params": { "level": "info", "data": n }
    }))
    .expect("a server notification")
}

/// A stream item's JSON (the tests push engine messages only).
fn item_json(item: &super::super::Outbound) -> serde_json::Value {
    match item {
        super::super::Outbound::Message(m) => serde_json::to_value(m).expect("json"),
        super::super::Outbound::Json(j) => serde_json::from_slice(j).expect("json"),
    }
}

fn test_session() -> Session {
    let (tx, _rx) = mpsc::channel(1);
    Session::new(
        SessionId::generate(),
        TransportKind::StreamableHttp,
        tx,
        CancellationToken::new(),
        Origin::default(),
        Observers::default(),
    )
}

#[test]
fn messages_before_the_stream_attaches_arrive_first_and_in_order() {
    let s = test_session();
    assert!(s.push_stream(notification(1)));
    assert!(s.push_stream(notification(2)));
    let mut rx = s.attach_stream(8).expect("attaches");
    assert!(s.push_stream(notification(3)));
    for n in 1..=3 {
        let got = item_json(&rx.try_recv().expect("a message"));
        assert_eq!(got["params"]["data"], n);
    }
    assert!(rx.try_recv().is_err(), "nothing more");
}

#[test]
fn held_messages_are_bounded_and_dropped_when_the_session_ends() {
    let s = test_session();
    let kept = (0..100).filter(|n| s.push_stream(notification(*n))).count();
    assert_eq!(kept, 64, "the first pushes beyond the bound report a drop");
    let mut rx = s.attach_stream(256).expect("attaches");
    let first = item_json(&rx.try_recv().expect("a message"));
    assert_eq!(first["params"]["data"], 36, "the oldest were dropped");
    drop(rx);
    s.close();
    assert!(
        !s.push_stream(notification(1)),
        "an ended session keeps nothing"
    );
}

fn reply(id: i64) -> ServerJsonRpcMessage {
    serde_json::from_value(serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {}}))
        .expect("a server reply")
}

#[tokio::test]
async fn a_waiting_request_tells_its_cancellation_from_its_sessions_end() {
    let s = Arc::new(test_session());
    let answered = s.wait_reply(RequestId::Number(1)).expect("registers");
    let cancelled = s.wait_reply(RequestId::Number(2)).expect("registers");
    let ended = s.wait_reply(RequestId::Number(3)).expect("registers");
    assert!(matches!(
        s.wait_reply(RequestId::Number(3)),
        Err(SendError::DuplicateId)
    ));

    assert!(s.answer(&RequestId::Number(1), reply(1)).is_none());
    s.cancel_request(&RequestId::Number(2));
    // The session ends before the cancelled request's waiter wakes (a DELETE right after
    // the cancellation): it still reads as cancelled.
    s.close();

    let got = answered.recv().await.expect("its reply");
    assert_eq!(serde_json::to_value(&got).expect("json")["id"], 1);
    assert_eq!(cancelled.recv().await.err(), Some(NoReply::Cancelled));
    assert_eq!(ended.recv().await.err(), Some(NoReply::SessionEnded));
    // Nobody waits any more: the reply comes back to the caller.
    assert!(s.answer(&RequestId::Number(1), reply(1)).is_some());
    // Cancelling what nobody waits for is harmless.
    s.cancel_request(&RequestId::Number(9));
}

#[test]
fn a_dropped_waiter_withdraws_its_registration() {
    let s = Arc::new(test_session());
    drop(s.wait_reply(RequestId::Number(4)).expect("registers"));
    assert!(s.answer(&RequestId::Number(4), reply(4)).is_some());
    assert!(
        s.wait_reply(RequestId::Number(4)).is_ok(),
        "the id is free again"
    );
}
