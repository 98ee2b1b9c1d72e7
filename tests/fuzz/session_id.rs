//! Session-id parsing (`SessionId::parse`, used for `Mcp-Session-Id` and the `/messages`
//! query; the query splitter itself is fuzzed in src/transports/sse.rs's unit tests).

use opik_mcp::domain::SessionId;
use proptest::prelude::*;

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn parse_accepts_exactly_64_lowercase_hex(s in ".{0,80}|[0-9a-fA-F]{60,68}") {
        let ok = s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        prop_assert_eq!(SessionId::parse(&s).is_ok(), ok, "{:?}", s);
    }

    #[test]
    fn a_parsed_id_round_trips(s in "[0-9a-f]{64}") {
        let id = SessionId::parse(&s).expect("valid");
        prop_assert_eq!(id.as_ref(), s.as_str());
        prop_assert_eq!(id.log_tag().len(), 12);
    }
}
