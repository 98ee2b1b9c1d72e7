//! SSE framing: the server writes each message as poem's `Event::message(json)
//! .event_type("message")` framing (src/transports/mod.rs `message_frame`, byte-identical) plus `:` keep-alive
//! comments. Whatever the payload, a standard parser (`eventsource-stream`) must read back
//! exactly the events that were written, however the bytes are split into chunks.

use eventsource_stream::Eventsource;
use futures::StreamExt;
use poem::web::sse::Event;
use proptest::prelude::*;
use serde_json::Value;

fn frame(json: &str) -> String {
    Event::message(json).event_type("message").to_string()
}

/// Parse `wire` fed in chunks of `chunk` bytes; return (event type, data) pairs.
fn parse(wire: &[u8], chunk: usize) -> Vec<(String, String)> {
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = wire
        .chunks(chunk.max(1))
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    futures::executor::block_on(
        futures::stream::iter(chunks)
            .eventsource()
            .map(|e| {
                let e = e.expect("well-formed SSE");
                (e.event, e.data)
            })
            .collect(),
    )
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn json_payloads_round_trip(
        payloads in prop::collection::vec(".{0,64}", 1..5),
        chunk in 1usize..40,
        keepalives in any::<bool>(),
    ) {
        // Arbitrary strings (newlines, CR, NUL, non-ASCII) inside JSON messages.
        let sent: Vec<String> = payloads
            .iter()
            .map(|p| serde_json::json!({"jsonrpc":"2.0","method":"notifications/message","params":{"data":p}}).to_string())
            .collect();
        let mut wire = String::new();
        for s in &sent {
            if keepalives {
                wire.push_str(":\n\n");
            }
            wire.push_str(&frame(s));
        }
        let got = parse(wire.as_bytes(), chunk);
        prop_assert_eq!(got.len(), sent.len());
        for ((ty, data), s) in got.iter().zip(&sent) {
            prop_assert_eq!(ty, "message");
            prop_assert_eq!(data, s);
            let back: Value = serde_json::from_str(data).expect("valid JSON");
            prop_assert_eq!(&back, &serde_json::from_str::<Value>(s).expect("json"));
        }
    }

    #[test]
    fn raw_multiline_data_round_trips(data in "[^\r\n]{1,30}(\n[^\r\n]{0,30}){0,3}[^\r\n]", chunk in 1usize..16) {
        // poem splits data on '\n' into several `data:` lines; a parser joins them again.
        // (A bare '\r' is a line end in SSE, so a raw one cannot survive; our payloads are
        // JSON, which never contains one unescaped. An empty data buffer dispatches no event
        // by the SSE spec, and poem frames with `str::lines`, which drops a trailing '\n'; the
        // server never sends either.)
        let got = parse(frame(&data).as_bytes(), chunk);
        prop_assert_eq!(got.len(), 1);
        prop_assert_eq!(&got[0].1, &data);
    }
}
