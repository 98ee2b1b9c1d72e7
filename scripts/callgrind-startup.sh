#!/usr/bin/env bash
# Instructions from exec to the first `GET /health` 200, counted by valgrind's callgrind: the
# stable figure behind the start-up median of scripts/bench.sh, which a shared machine makes
# noisy. Same server configuration as that median (defaults, SQLite migrated beforehand, admin
# listener on port 0). Work done on other threads is counted too, so moving work off the main
# thread does not show here: the wall-clock median does.
#
#   scripts/callgrind-startup.sh [EXTRA SERVER ARGS...]
#
# The profile stays in target/callgrind/ for `callgrind_annotate --inclusive=yes`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${OPIK_MCP_BIN:-target/release/opik-mcp}
OUT=target/callgrind
TAG=startup
mkdir -p "$OUT"
# shellcheck source=scripts/lib/bench-env.sh
source scripts/lib/bench-env.sh

export OPIK_MCP_ADMIN__PORT=0
rm -f "$OUT/$TAG.db"* "$OUT/callgrind.$TAG".*
"$BIN" migrate --database-url "sqlite://$OUT/$TAG.db" >/dev/null 2>&1
PORT=$(free_port)
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$TAG.%p" \
    "$BIN" --transport=sse --sse-host=127.0.0.1 --sse-port="$PORT" --sse-log-path= \
    --database-url "sqlite://$OUT/$TAG.db" --log-filter=warn "$@" 2>"$OUT/$TAG.log" &
SERVER=$!
trap 'kill -9 $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 3000); do
    curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.01
done
callgrind_control --dump="$TAG" "$SERVER" >/dev/null
sleep 0.5
kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null || true
dump=$(ls "$OUT/callgrind.$TAG".*.1 | head -1)
total=$(grep -m1 '^summary:\|^totals:' "$dump" | awk '{print $2}')
echo "$TAG: $total instructions to the first /health 200 ($dump)"
