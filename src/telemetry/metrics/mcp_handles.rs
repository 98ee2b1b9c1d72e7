//! Handles of the per-message MCP series (messages, requests by outcome, request duration),
//! looked up once per label set instead of on every message: the same scheme, and the same
//! guarantees, as [`super::http_handles`] (whose module doc says why). The labels are closed
//! enums, so every handle has a fixed slot.

use std::sync::OnceLock;

use metrics::{Counter, Histogram, counter, histogram};

use super::handle_cache::{cached, table};

use crate::{events::Outcome, telemetry::labels::McpMethod};

const METHODS: usize = McpMethod::ALL.len();
/// Every [`Outcome`], in the order of its slots.
const OUTCOMES: [Outcome; 5] = [
    Outcome::Ok,
    Outcome::ToolError,
    Outcome::ProtocolError,
    Outcome::Denied,
    Outcome::RateLimited,
];

fn outcome_slot(o: Outcome) -> usize {
    match o {
        Outcome::Ok => 0,
        Outcome::ToolError => 1,
        Outcome::ProtocolError => 2,
        Outcome::Denied => 3,
        Outcome::RateLimited => 4,
    }
}

/// The handles of one MCP method, each filled on first use.
struct MethodHandles {
    messages: OnceLock<Counter>,
    duration: OnceLock<Histogram>,
    requests: [OnceLock<Counter>; OUTCOMES.len()],
}

fn method_handles(method: McpMethod) -> Option<&'static MethodHandles> {
    static HANDLES: OnceLock<Vec<MethodHandles>> = OnceLock::new();
    let all = table(&HANDLES, METHODS, || MethodHandles {
        messages: OnceLock::new(),
        duration: OnceLock::new(),
        requests: std::array::from_fn(|_| OnceLock::new()),
    });
    all?.get(method as usize)
}

/// The accepted-messages counter of `method`.
pub(super) fn messages(method: McpMethod) -> Counter {
    cached(
        method_handles(method).map(|h| &h.messages),
        || counter!(super::MESSAGES, "method" => method.as_str()),
    )
}

/// The answered-requests counter of `method` and `outcome`.
pub(super) fn requests(method: McpMethod, outcome: Outcome) -> Counter {
    let slot = method_handles(method).map(|h| &h.requests[outcome_slot(outcome)]);
    cached(
        slot,
        || counter!(super::REQUESTS, "method" => method.as_str(), "outcome" => outcome.as_str()),
    )
}

/// The request-duration histogram of `method`.
pub(super) fn duration(method: McpMethod) -> Histogram {
    cached(
        method_handles(method).map(|h| &h.duration),
        || histogram!(super::REQUEST_DURATION, "method" => method.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_and_outcome_has_its_own_slot() {
        for (i, m) in McpMethod::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i, "{m:?}");
        }
        for (i, o) in OUTCOMES.iter().enumerate() {
            assert_eq!(outcome_slot(*o), i, "{o:?}");
        }
    }
}
