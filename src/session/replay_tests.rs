use super::*;

fn log_with(events: usize) -> ReplayLog {
    let log = ReplayLog::default();
    log.set_limits(ReplayLimits {
        events,
        age: Duration::from_secs(60),
    });
    log
}

#[test]
fn events_carry_stream_and_sequence_ids_and_replay_after_the_last_seen() {
    let log = log_with(10);
    let first = log.frame(br#"{"n":1}"#);
    assert_eq!(&first[..], b"id: 0-1\ndata: {\"n\":1}\n\n");
    log.frame(br#"{"n":2}"#);
    log.frame(br#"{"n":3}"#);
    let missed = log.since("0-1").expect("an id of this stream");
    assert_eq!(missed.len(), 2);
    assert!(missed[0].starts_with(b"id: 0-2\n"));
    assert!(
        log.since("0-3").expect("known").is_empty(),
        "nothing after the last"
    );
    assert!(log.since("1-1").is_none(), "another stream's id");
    assert!(log.since("0-9").is_none(), "an id never given");
    assert!(log.since("junk").is_none());
}

#[test]
fn the_log_is_bounded_and_priming_names_the_last_event() {
    let log = log_with(2);
    for n in 0..5 {
        log.frame(format!("{{\"n\":{n}}}").as_bytes());
    }
    let kept = log.since("0-0").expect("known");
    assert_eq!(kept.len(), 2, "only the newest two are kept");
    assert!(kept[0].starts_with(b"id: 0-4\n"));
    assert_eq!(&log.priming(1500)[..], b"id: 0-5\nretry: 1500\ndata: \n\n");
}

#[test]
fn held_bytes_count_what_the_logs_keep() {
    let before = held_bytes();
    let log = log_with(10);
    let frame = log.frame(b"{}");
    assert!(held_bytes() >= before + frame.len());
    drop(log);
    let none = log_with(0);
    none.frame(b"{}");
    assert!(
        none.since("0-0").expect("known").is_empty(),
        "0 keeps nothing"
    );
}

#[tokio::test]
async fn a_post_stream_is_primed_keeps_its_reply_and_replays_only_for_its_own_ids() {
    let log = log_with(10);
    log.frame(br#"{"get":1}"#);
    let (stream, priming) = log.open_post(500);
    assert_eq!(&priming[..], b"id: 1-0\nretry: 500\ndata: \n\n");
    assert_eq!(log.post_stream("1-0"), Some(stream));
    assert_eq!(log.post_stream("0-1"), None, "the GET stream's id");
    assert_eq!(log.post_stream("2-0"), None, "a POST stream never opened");
    let reply = log.frame_post(stream, br#"{"r":1}"#);
    assert_eq!(&reply[..], b"id: 1-1\nevent: message\ndata: {\"r\":1}\n\n");
    let replayed = log.settle_post(stream, "1-0", Duration::from_secs(1)).await;
    assert_eq!(replayed, vec![reply]);
    assert!(log.since("1-1").expect("known").is_empty());
    assert_eq!(log.since("0-0").expect("known").len(), 1, "GET events only");
}

#[tokio::test]
async fn resuming_a_post_stream_waits_for_its_reply_and_ends_if_none_comes() {
    let log = std::sync::Arc::new(log_with(10));
    let (stream, _) = log.open_post(500);
    let waiting = tokio::spawn({
        let log = log.clone();
        async move { log.settle_post(stream, "1-0", Duration::from_secs(5)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    log.frame_post(stream, b"{}");
    assert_eq!(waiting.await.expect("joined").len(), 1);
    let (cancelled, _) = log.open_post(500);
    log.close_post(cancelled);
    let none = log
        .settle_post(cancelled, "2-0", Duration::from_secs(5))
        .await;
    assert!(none.is_empty());
}
