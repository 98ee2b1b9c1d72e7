#!/usr/bin/env bash
# Instructions per MCP request, counted by valgrind's callgrind: stable on a machine shared
# with other work, so it is the before/after figure of each optimisation (docs/performance.md).
#
#   scripts/callgrind.sh [bare|full] [ping|tools/list|call-info|call-opik] [sse|streamable] [N]
#
# Starts the release server under callgrind, warms it up with one short run, zeroes the
# counters, runs N requests (10 sessions × N/10), dumps the counters and prints the total
# instructions divided by N (session connects and initializes of the measured run included).
# The profile stays in target/callgrind/ for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${1:-bare}
METHOD=${2:-tools/list}
TRANSPORT=${3:-streamable}
N=${4:-2000}
SESSIONS=10
BIN=${OPIK_MCP_BIN:-target/release/opik-mcp}
BENCH=target/release/opik-mcp-bench
OUT=target/callgrind
mkdir -p "$OUT"
TAG="$CONFIG-${METHOD//\//-}-$TRANSPORT${LOG_FILTER:+-log}"
# shellcheck source=scripts/lib/bench-env.sh
source scripts/lib/bench-env.sh

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

OPIK_PORT=$(free_port)
"$BENCH" fake-opik --listen "127.0.0.1:$OPIK_PORT" >/dev/null &
PIDS+=($!)

AUTH=()
CONF="$OUT/bare.toml"
cat >"$CONF" <<EOF
[rate_limit]
enabled = false
[admin]
enabled = false
[audit]
enabled = false
EOF
if [[ $CONFIG == full ]]; then
    AUTH=(--token "$(mint_jwt "$OUT")" --origin "$ORIGIN")
    CONF="$OUT/full.toml"
    write_full_config "$CONF" "$OUT"
fi

case $METHOD in
    call-info) LOAD=(--method tools/call --tool get-server-info) ;;
    call-opik) LOAD=(--method tools/call --tool list-projects --args '{"page":1,"size":10}') ;;
    *) LOAD=(--method "$METHOD") ;;
esac

PORT=$(free_port)
rm -f "$OUT/$TAG.db"* "$OUT/callgrind.$TAG".*
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$TAG.%p" \
    "$BIN" --config "$CONF" --transport=sse --sse-host=127.0.0.1 --sse-port="$PORT" \
    --sse-log-path= --log-filter="${LOG_FILTER:-warn}" --api-url="http://127.0.0.1:$OPIK_PORT" --self-hosted \
    --database-url="sqlite://$OUT/$TAG.db" 2>"$OUT/$TAG.log" &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.1
done
URL="http://127.0.0.1:$PORT"
"$BENCH" load --url "$URL" --transport "$TRANSPORT" --sessions "$SESSIONS" --requests 20 \
    "${LOAD[@]}" "${AUTH[@]}" --strict >/dev/null
callgrind_control --zero "$SERVER" >/dev/null
"$BENCH" load --url "$URL" --transport "$TRANSPORT" --sessions "$SESSIONS" \
    --requests $((N / SESSIONS)) "${LOAD[@]}" "${AUTH[@]}" --strict >/dev/null
callgrind_control --dump="$TAG" "$SERVER" >/dev/null
sleep 1
kill -INT "$SERVER"
wait "$SERVER" 2>/dev/null || true
# The dump holds the measured part only; the final file written at exit holds the rest.
dump=$(ls -t "$OUT/callgrind.$TAG".* | grep -v '\.[0-9]*$' | head -1 || true)
[[ -n $dump ]] || dump=$(ls "$OUT/callgrind.$TAG".*.1 | head -1)
total=$(grep -m1 '^summary:\|^totals:' "$dump" | awk '{print $2}')
echo "$TAG: $total instructions for $N requests = $((total / N)) per request ($dump)"
