#!/usr/bin/env bash
# Long fuzzing runs for humans. With a nightly toolchain and cargo-fuzz
# installed, runs each libFuzzer target in fuzz/ for SECS seconds (default 600); without
# them, runs the stable proptest harnesses (tests/fuzz/) with FUZZ_CASES cases per
# property (default 200000). A crash leaves its input in fuzz/artifacts/<target>/; turn it
# into a regression test in tests/fuzz/ before fixing.
#
# Usage: scripts/fuzz-long.sh [SECS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
targets=(decode session_id authorization config_toml)

if cargo +nightly --version >/dev/null 2>&1 && cargo fuzz --version >/dev/null 2>&1; then
    for t in "${targets[@]}"; do
        echo "=== cargo fuzz $t (${secs}s)"
        (cd fuzz && cargo +nightly fuzz run "$t" -- -max_total_time="$secs")
    done
else
    echo "nightly or cargo-fuzz not found: running the stable proptest harnesses instead"
    FUZZ_CASES=${FUZZ_CASES:-200000} cargo nextest run --test fuzz --no-fail-fast
    FUZZ_CASES=${FUZZ_CASES:-200000} cargo nextest run --lib any_query_string
fi
