#!/usr/bin/env bash
# Bounded fuzzing on stable: the proptest harnesses in tests/fuzz/ and the
# /messages query property, FUZZ_CASES cases per property (default 3000), within 60 s.
# Long runs: scripts/fuzz-long.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
export FUZZ_CASES=${FUZZ_CASES:-3000}
timeout 180 cargo nextest run --workspace --locked -E 'binary(fuzz) | test(any_query_string)' \
    2>&1 | tail -n 3
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] && echo "fuzz: $FUZZ_CASES cases per property, no failure" || echo "fuzz: FAILED (rc $rc)"
exit "$rc"
