#!/usr/bin/env bash
# The load tool in smoke mode against the real binary: a few sessions and requests on both
# transports; asserts only correctness (0 errors, 0 misrouted replies), never speed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${OPIK_MCP_BIN:-target/debug/opik-mcp}
BENCH=${OPIK_MCP_BENCH_BIN:-target/debug/opik-mcp-bench}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" --transport=sse --sse-host=127.0.0.1 --sse-port="$PORT" --sse-log-path= 2>/tmp/opik-mcp-bench-smoke.log &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
for method in ping tools/list tools/call; do
    timeout 120 "$BENCH" load --url "http://127.0.0.1:$PORT" --sessions 8 --requests 25 \
        --method "$method" --pid "$SERVER" --strict
done
