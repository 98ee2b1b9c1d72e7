#!/usr/bin/env bash
# Shared sessions: tools/list throughput at 100 sessions over 3 replicas vs 1, and the
# latency added by a cross-replica hop. Every run goes through `opik-mcp-bench proxy`
# (per-request round robin) so the proxy's own cost is in both sides of each comparison:
#   1 replica  = one process (PostgreSQL audit, shared sessions off) behind the proxy;
#   3 replicas = three processes sharing sessions behind the proxy (2 of 3 requests of a
#                session reach a replica that did not serve the previous one), relaying
#                legacy SSE replies through PostgreSQL `NOTIFY`;
#   3 direct   = the same with the direct relay (cluster.relay_listen on a loopback port).
# Hop latency: one session, sequential requests (no queueing), p50/p99 of both setups.
#
#   cargo build --release --workspace
#   BIN=target/release/opik-mcp BENCH=target/release/opik-mcp-bench bash scripts/bench-replicas.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/opik-mcp}
BENCH=${BENCH:-target/release/opik-mcp-bench}
SESSIONS=${SESSIONS:-100}
REQUESTS=${REQUESTS:-50}
HOP_REQUESTS=${HOP_REQUESTS:-300}
HOP_METHOD=${HOP_METHOD:-tools/list}   # ping: a reply small enough to travel inside the NOTIFY
SKIP_LOAD=${SKIP_LOAD:-}               # 1: only the hop latency
PG_ADMIN=${TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=() dbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for d in "${dbs[@]}"; do psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start N SHARED [RELAY]: start N replicas on a fresh database behind a proxy; sets PROXY.
# RELAY=direct: each replica takes direct relays on a loopback port of its own.
start() {
  local n=$1 shared=$2 relay=${3:-} db ups=()
  db="opik_mcp_bench_$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
  psql "$PG_ADMIN" -qc "CREATE DATABASE \"$db\"" >/dev/null
  dbs+=("$db")
  for i in $(seq 1 "$n"); do
    local port; port="$(free_port)"; mkdir -p "$work/$db-$i"
    (cd "$work/$db-$i" && exec env DATABASE_URL="${PG_ADMIN%/*}/$db" \
      OPIK_MCP_CLUSTER__SHARED_SESSIONS="$shared" OPIK_MCP_CLUSTER__REPLICAS="$n" \
      ${relay:+OPIK_MCP_CLUSTER__RELAY_LISTEN=127.0.0.1:0} \
      OPIK_MCP_ADMIN__PORT=0 OPIK_API_BASE_URL=http://127.0.0.1:9/opik/api \
      "$OLDPWD/$BIN" --transport=sse --sse-host=127.0.0.1 --sse-port="$port" --sse-log-path= \
      --log-filter=warn >"$work/$db-$i.log" 2>&1) &
    pids+=($!); ups+=("http://127.0.0.1:$port")
  done
  local pp; pp="$(free_port)"
  "$BENCH" proxy --listen "127.0.0.1:$pp" --upstream "$(IFS=,; echo "${ups[*]}")" 2>/dev/null &
  pids+=($!)
  PROXY="http://127.0.0.1:$pp"
  for u in "${ups[@]}" "$PROXY"; do
    for _ in $(seq 1 100); do curl -fs --max-time 1 "$u/health" >/dev/null && break; sleep 0.1; done
  done
}

stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for setup in "1" "3" "3 direct"; do
  read -r n relay <<<"$setup"
  shared=false; [[ $n -gt 1 ]] && shared=true
  start "$n" "$shared" "$relay"
  name="$n replica(s)${relay:+, direct relay}"
  [[ -n "$SKIP_LOAD" ]] || "$BENCH" load --url "$PROXY" --sessions "$SESSIONS" \
    --requests "$REQUESTS" --method tools/list --label "$name, $SESSIONS sessions" --strict
  "$BENCH" load --url "$PROXY" --sessions 1 --requests "$HOP_REQUESTS" --method "$HOP_METHOD" \
    --label "$name, hop, $HOP_METHOD" --strict
  stop_all
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
