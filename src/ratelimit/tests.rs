//! Unit tests of the limiters (the HTTP behaviour is tested in tests/api/ratelimit.rs).

use std::{sync::Arc, time::Duration};

use governor::Quota;

use super::*;

fn key(s: &str) -> Arc<str> {
    Arc::from(s)
}

#[test]
fn burst_then_refusal_with_retry_time_and_other_keys_unaffected() {
    let l = KeyedLimiter::new(
        "t",
        Quota::per_minute(60.try_into().expect("nz")).allow_burst(3.try_into().expect("nz")),
        100,
    );
    for expected_remaining in [2, 1, 0] {
        match l.check(&key("alice")) {
            Decision::Allowed {
                limit, remaining, ..
            } => {
                assert_eq!(limit, 3);
                assert_eq!(remaining, expected_remaining);
            }
            other => panic!("expected allowed, got {other:?}"),
        }
    }
    match l.check(&key("alice")) {
        Decision::Limited { limit, retry_after } => {
            assert_eq!(limit, 3);
            assert!(
                retry_after > Duration::from_millis(500) && retry_after <= Duration::from_secs(1)
            );
        }
        other => panic!("expected limited, got {other:?}"),
    }
    assert!(matches!(l.check(&key("bob")), Decision::Allowed { .. }));
}

#[test]
fn one_hundred_thousand_distinct_keys_stay_within_the_cap() {
    let max_keys = 10_000;
    let l = KeyedLimiter::new(
        "flood",
        Quota::per_second(10.try_into().expect("nz")),
        max_keys,
    );
    for i in 0..100_000u32 {
        let _ = l.check(&Arc::from(format!(
            "ip:10.{}.{}.{}",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        )));
    }
    assert_eq!(l.len(), max_keys, "the key set is capped");
    assert_eq!(
        l.overflowed(),
        90_000,
        "keys past the cap share the overflow bucket"
    );
    let bytes = l.approx_bytes();
    assert!(
        bytes < max_keys * 128,
        "about {bytes} bytes for {max_keys} keys"
    );
    // A key seen before the cap keeps its own bucket.
    assert!(matches!(
        l.check(&key("ip:10.0.0.0")),
        Decision::Allowed { .. }
    ));
}

#[test]
fn idle_keys_are_evicted_once_their_bucket_has_refilled() {
    // 1000/s with burst 1: a bucket refills in 1 ms.
    let quota = Quota::with_period(Duration::from_millis(1)).expect("quota");
    let l = KeyedLimiter::new("idle", quota, 1000);
    for i in 0..500 {
        let _ = l.check(&Arc::from(format!("k{i}")));
    }
    assert_eq!(l.len(), 500);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(l.evict_idle(), 500);
    assert!(l.is_empty());
}

#[test]
fn a_busy_key_is_not_evicted() {
    let l = KeyedLimiter::new("busy", Quota::per_minute(1.try_into().expect("nz")), 10);
    let _ = l.check(&key("a"));
    assert_eq!(l.evict_idle(), 0, "its bucket has not refilled");
    assert!(matches!(l.check(&key("a")), Decision::Limited { .. }));
}

#[test]
fn stream_slots_cap_per_principal_and_free_on_drop() {
    let slots = StreamSlots::new(2);
    let a = key("jwt:a");
    let p1 = slots.acquire(&a).expect("1");
    let _p2 = slots.acquire(&a).expect("2");
    assert!(slots.acquire(&a).is_none());
    assert!(slots.acquire(&key("jwt:b")).is_some());
    drop(p1);
    assert_eq!(slots.open_for("jwt:a"), 1);
    assert!(slots.acquire(&a).is_some());
}

#[test]
fn tool_quota_is_per_principal_and_tool_with_overrides() {
    let mut s = crate::config::RateLimitSettings {
        per_tool: crate::config::Limit::new(60, 1),
        ..Default::default()
    };
    s.tools
        .insert("slow".into(), crate::config::Limit::new(60, 2));
    let t = ToolLimits::new(&s);
    assert!(matches!(t.check("jwt:a", "x"), Decision::Allowed { .. }));
    assert!(matches!(t.check("jwt:a", "x"), Decision::Limited { .. }));
    assert!(matches!(t.check("jwt:a", "y"), Decision::Allowed { .. }));
    assert!(matches!(t.check("jwt:b", "x"), Decision::Allowed { .. }));
    assert!(matches!(t.check("jwt:a", "slow"), Decision::Allowed { .. }));
    assert!(matches!(t.check("jwt:a", "slow"), Decision::Allowed { .. }));
    assert!(matches!(t.check("jwt:a", "slow"), Decision::Limited { .. }));
}
