#!/usr/bin/env bash
# Short soak gate: scripts/soak.sh for 75 s after 75 s of warm-up load (see the
# script: caches that fill with the audit file), sampling every 5 s, through the full
# pipeline (API key + JWT auth, rate limits, metrics, SQLite audit). Fails on a failed load
# round, a lost audit record, RSS drift beyond ±5% under load, or sessions, tasks or fds
# not returning to their quiet baseline. The 10-minute run is `scripts/soak.sh` (defaults).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${OPIK_MCP_BIN:-$PWD/target/debug/opik-mcp}"
bench="${OPIK_MCP_BENCH_BIN:-$(dirname "$bin")/opik-mcp-bench}"
[[ -x "$bin" && -x "$bench" ]] || { echo "25-soak: binaries not found: $bin $bench" >&2; exit 2; }
OPIK_MCP_BIN="$bin" OPIK_MCP_BENCH_BIN="$bench" SOAK_WARMUP=75 timeout 400 bash scripts/soak.sh 75 5
