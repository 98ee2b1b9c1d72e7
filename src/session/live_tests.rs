use super::*;

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
