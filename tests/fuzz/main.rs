//! Property-based fuzzing on the stable toolchain. Each module feeds random and
//! structure-aware input to one parsing surface and checks it never panics and that its
//! answer is well-formed. cargo-fuzz/libFuzzer targets for long runs live in `fuzz/`
//! (nightly only); these run in CI with a bounded case count, set by `FUZZ_CASES`
//! (default in [`cases`]). See docs/reliability.md.

mod auth;
mod config;
mod decode;
mod session_id;
mod sse_framing;

/// Cases per property: `FUZZ_CASES` or 256 in the plain test run; the CI suite tests/suites/15-fuzz.sh raises it.
pub fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// A proptest config with [`cases`] and no persistence file (results go to the test log).
pub fn config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: cases(),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
