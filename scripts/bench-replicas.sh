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
pids=() rpids=() dbs=()
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
    pids+=($!); rpids+=($!); ups+=("http://127.0.0.1:$port")
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
  pids=() rpids=()
}

# CPU seconds (user + system) so far of the replicas and of every PostgreSQL process: the
# work per reply, whatever else the machine is doing (throughput on 2 shared cores is not).
cpu() {
  python3 - "${rpids[@]}" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
def secs(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / tick
    except OSError:
        return 0.0
pg = sum(secs(p) for p in os.listdir("/proc") if p.isdigit()
         and open(f"/proc/{p}/comm").read().strip().startswith("postgres"))
print(sum(secs(p) for p in sys.argv[1:]), pg)
PY
}

# load LABEL TRANSPORT: the 100-session tools/list run on one transport, then the replicas'
# and PostgreSQL's CPU per 1000 replies.
load() {
  local before after
  before="$(cpu)"
  "$BENCH" load --url "$PROXY" --sessions "$SESSIONS" --requests "$REQUESTS" \
    --method tools/list --transport "$2" --label "$1" --strict
  after="$(cpu)"
  python3 -c 'import sys; b=list(map(float,sys.argv[1].split())); a=list(map(float,sys.argv[2].split())); n=int(sys.argv[3])
print(f"cpu per 1000 replies, {sys.argv[4]}: replicas {(a[0]-b[0])*1e6/n:.0f} ms, postgres {(a[1]-b[1])*1e6/n:.0f} ms")' \
    "$before" "$after" "$((SESSIONS * REQUESTS))" "$1, $2"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for setup in "1" "3" "3 direct"; do
  read -r n relay <<<"$setup"
  shared=false; [[ $n -gt 1 ]] && shared=true
  start "$n" "$shared" "$relay"
  name="$n replica(s)${relay:+, direct relay}"
  if [[ -z "$SKIP_LOAD" ]]; then
    for t in sse streamable; do load "$name, $SESSIONS sessions" "$t"; done
  fi
  "$BENCH" load --url "$PROXY" --sessions 1 --requests "$HOP_REQUESTS" --method "$HOP_METHOD" \
    --label "$name, hop, $HOP_METHOD" --strict
  stop_all
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
