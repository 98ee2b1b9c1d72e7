//! End to end: one MCP session over Streamable HTTP calls every tool, reads every resource and
//! gets every prompt against the fake Opik, checking results and the requests Opik received.
//! `tests/suites/20-opik-contract.sh` runs these tests through a Prism proxy that validates
//! each request and response against the official spec.

mod resources;
mod tools;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::{
    fake_opik::{KEY, WORKSPACE},
    opik_support::Harness,
};

/// Call a tool that must succeed and must have sent `method path` to Opik with the configured
/// credentials; records the tool as covered.
pub async fn check(
    h: &Harness,
    seen: &mut BTreeSet<String>,
    tool: &str,
    args: Value,
    method: &str,
    path: &str,
) -> Value {
    h.fake.clear();
    let out = h.call_ok(tool, args).await;
    let described = ["summary", "text", "metrics", "name"]
        .iter()
        .any(|k| out.get(*k).is_some());
    assert!(described, "{tool}: {out}");
    if !path.is_empty() {
        let req = h.fake.last(method, path);
        assert_eq!(
            req.header("authorization"),
            Some(KEY),
            "{tool}: raw key, no Bearer"
        );
        assert_eq!(req.header("comet-workspace"), Some(WORKSPACE), "{tool}");
    } else {
        assert!(h.fake.requests().is_empty(), "{tool} should not call Opik");
    }
    seen.insert(tool.to_string());
    out
}
