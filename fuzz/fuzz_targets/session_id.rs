//! Session-id parsing never panics and accepts only 64 lowercase hex characters.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if opik_mcp::domain::SessionId::parse(s).is_ok() {
        assert!(s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    }
});
