#!/usr/bin/env bash
# The whole test suite: the architecture checks (import cycles and layers, file and function
# sizes; docs/architecture.md), format and lint gates, the Rust tests (unit + integration, real
# sockets, real SQLite files and the real PostgreSQL), then every external suite in
# tests/suites/*.sh (real MCP clients, conformance, contract checks, ...), in name order.
#
# Usage: bash tests/run.sh            (from the repository root)
# Each suite prints its own runner's summary; this script exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
failed=()

step() {
    local name=$1; shift
    echo "=== $name"
    local start=$SECONDS
    if "$@"; then
        echo "=== $name: ok ($((SECONDS - start)) s)"
    else
        echo "=== $name: FAILED ($((SECONDS - start)) s)"
        failed+=("$name")
    fi
}

step "import cycles and layers" python3 scripts/import-cycles.py --doc docs/architecture.md
step "file and function sizes" python3 scripts/size-check.py --doc docs/architecture.md
step "cargo fmt --check" cargo fmt --all -- --check
step "cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo build" cargo build --workspace --all-targets --locked
step "cargo nextest" cargo nextest run --workspace --no-fail-fast --locked

export OPIK_MCP_BIN="$PWD/target/debug/opik-mcp"
for suite in tests/suites/*.sh; do
    [ -e "$suite" ] || continue
    step "suite $(basename "$suite" .sh)" bash "$suite"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED steps: ${failed[*]}"
    exit 1
fi
echo "all steps passed"
