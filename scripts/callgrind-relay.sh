#!/usr/bin/env bash
# Instructions per request across two replicas sharing sessions, counted by callgrind: what a
# cross-replica relay costs, stable on a machine shared with other work (docs/performance.md).
#
#   scripts/callgrind-relay.sh [notify|direct] [sse|streamable] [N]
#
# Two release replicas under callgrind on a fresh PostgreSQL database (audit off, so the
# figure is the serving and relaying), behind `opik-mcp-bench proxy` (per-request round robin:
# a legacy SSE session's stream is on one replica and every other POST reaches the other one,
# whose reply is relayed — through NOTIFY, or over the direct relay). One warm-up run, counters
# zeroed, N tools/list requests (10 sessions), counters dumped: the instructions of both
# replicas over N. PostgreSQL's own work is not counted (the NOTIFY path's is large: see
# bench-replicas.sh's CPU per reply).
set -euo pipefail
cd "$(dirname "$0")/.."
RELAY=${1:-direct}
TRANSPORT=${2:-sse}
N=${3:-600}
SESSIONS=10
BIN=${OPIK_MCP_BIN:-target/release/opik-mcp}
BENCH=target/release/opik-mcp-bench
PG_ADMIN=${TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
OUT=target/callgrind
mkdir -p "$OUT"
TAG="relay-$RELAY-$TRANSPORT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

db="opik_mcp_cg_$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
psql "$PG_ADMIN" -qc "CREATE DATABASE \"$db\"" >/dev/null
PIDS=() SERVERS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT

rm -f "$OUT/callgrind.$TAG".*
ups=() extra=()
[[ $RELAY == direct ]] && extra=(OPIK_MCP_CLUSTER__RELAY_LISTEN=127.0.0.1:0)
for i in 1 2; do
    port=$(free_port)
    env DATABASE_URL="${PG_ADMIN%/*}/$db" OPIK_MCP_CLUSTER__SHARED_SESSIONS=true \
        OPIK_MCP_CLUSTER__REPLICAS=2 OPIK_MCP_AUDIT__ENABLED=false OPIK_MCP_ADMIN__ENABLED=false \
        OPIK_MCP_RATE_LIMIT__ENABLED=false OPIK_API_BASE_URL=http://127.0.0.1:9/opik/api \
        "${extra[@]}" \
        valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$TAG.%p" \
        "$BIN" --transport=sse --sse-host=127.0.0.1 --sse-port="$port" --sse-log-path= \
        --log-filter=warn 2>"$OUT/$TAG.$i.log" &
    PIDS+=($!) SERVERS+=($!) ups+=("http://127.0.0.1:$port")
done
pp=$(free_port)
"$BENCH" proxy --listen "127.0.0.1:$pp" --upstream "$(IFS=,; echo "${ups[*]}")" 2>/dev/null &
PIDS+=($!)
URL="http://127.0.0.1:$pp"
for u in "${ups[@]}" "$URL"; do
    for _ in $(seq 1 600); do curl -fs "$u/health" >/dev/null 2>&1 && break; sleep 0.1; done
done
LOAD=(--url "$URL" --transport "$TRANSPORT" --sessions "$SESSIONS" --method tools/list --strict)
"$BENCH" load "${LOAD[@]}" --requests 10 >/dev/null
for s in "${SERVERS[@]}"; do callgrind_control --zero "$s" >/dev/null; done
"$BENCH" load "${LOAD[@]}" --requests $((N / SESSIONS)) >/dev/null
total=0
for s in "${SERVERS[@]}"; do
    callgrind_control --dump="$TAG" "$s" >/dev/null
done
sleep 1
for s in "${SERVERS[@]}"; do
    dump=$(ls -t "$OUT/callgrind.$TAG.$s".* 2>/dev/null | grep -v "\.$s$" | head -1)
    n=$(grep -m1 '^summary:\|^totals:' "$dump" | awk '{print $2}')
    echo "replica $s: $n instructions ($dump)"
    total=$((total + n))
done
echo "$TAG: $total instructions for $N requests = $((total / N)) per request (both replicas)"
