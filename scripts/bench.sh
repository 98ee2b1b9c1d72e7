#!/usr/bin/env bash
# The whole benchmark of issue 9 in one run: builds release, then measures a bare
# configuration next to the full pipeline (JWT auth, CORS, rate limits set high enough not to
# trigger, metrics/admin listener, audit trail on SQLite), the full pipeline over TLS too, the
# idle-stream memory curve, the start-up median and the stripped binary size, and prints one
# table. Loopback only; every run is bounded (SESSIONS × REQUESTS per run).
#
#   scripts/bench.sh                     # everything, results in target/bench/<timestamp>/
#   SESSIONS=100 REQUESTS=200 IDLE_STEPS=1000,10000 STARTUP_RUNS=11 scripts/bench.sh
#   BENCH_NO_BUILD=1 CONFIGS="bare full" scripts/bench.sh   # skip the build, pick configs
#
# Needs openssl (certificate and JWT signing key) and jq (the table).
set -euo pipefail
cd "$(dirname "$0")/.."

SESSIONS=${SESSIONS:-100}
REQUESTS=${REQUESTS:-200}
IDLE_STEPS=${IDLE_STEPS:-1000,10000}
STARTUP_RUNS=${STARTUP_RUNS:-11}
CONFIGS=${CONFIGS:-bare full full-tls}
OUT=${BENCH_OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)}
BIN=${OPIK_MCP_BIN:-target/release/opik-mcp}
BENCH=target/release/opik-mcp-bench
# shellcheck source=scripts/lib/bench-env.sh
source scripts/lib/bench-env.sh
mkdir -p "$OUT"
echo "results in $OUT"

if [[ -z ${BENCH_NO_BUILD:-} ]]; then
    cargo build --release --workspace --locked
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Other work shares this machine: record the load average all along.
(while true; do echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 5; done) \
    >"$OUT/loadavg.txt" &
PIDS+=($!)

# Credentials: a self-signed certificate for TLS and an RS256 key pair for JWTs (RS256 is what
# most identity providers sign with).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$OUT/tls.key" -out "$OUT/tls.crt" 2>/dev/null
TOKEN=$(mint_jwt "$OUT")

OPIK_PORT=$(free_port)
"$BENCH" fake-opik --listen "127.0.0.1:$OPIK_PORT" >/dev/null &
PIDS+=($!)

# bare: nothing but the MCP engine behind the HTTP stack.
cat >"$OUT/bare.toml" <<EOF
[server]
max_sessions = 20000
[rate_limit]
enabled = false
[admin]
enabled = false
[audit]
enabled = false
EOF
write_full_config "$OUT/full.toml" "$OUT"
cp "$OUT/full.toml" "$OUT/full-tls.toml"
cat >>"$OUT/full-tls.toml" <<EOF
[tls]
cert_path = "$OUT/tls.crt"
key_path = "$OUT/tls.key"
EOF

SERVER=
start_server() { # config-name → sets SERVER, URL
    local name=$1 port scheme=http
    port=$(free_port)
    [[ $name == *tls* ]] && scheme=https
    rm -f "$OUT/$name.db"*
    "$BIN" --config "$OUT/$name.toml" --transport=sse --sse-host=127.0.0.1 --sse-port="$port" \
        --sse-log-path= --log-filter=warn --api-url="http://127.0.0.1:$OPIK_PORT" \
        --self-hosted --database-url="sqlite://$OUT/$name.db" 2>"$OUT/$name.log" &
    SERVER=$!
    PIDS+=("$SERVER")
    URL="$scheme://127.0.0.1:$port"
    for _ in $(seq 1 200); do
        curl -fsk "$URL/health" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "server $name did not start; see $OUT/$name.log" >&2
    return 1
}

stop_server() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
}

run_config() {
    local name=$1 auth=() tls=()
    [[ $name != bare ]] && auth=(--token "$TOKEN" --origin "$ORIGIN")
    [[ $name == *tls* ]] && tls=(--insecure)
    start_server "$name"
    local common=(--url "$URL" --sessions "$SESSIONS" --requests "$REQUESTS" --pid "$SERVER"
        "${auth[@]}" "${tls[@]}")
    "$BENCH" health --url "$URL" --connections "$SESSIONS" --requests "$REQUESTS" --pid "$SERVER" \
        "${tls[@]}" --label "$name health" --json "$OUT/$name-health.json"
    for m in ping tools/list; do
        "$BENCH" load "${common[@]}" --method "$m" --label "$name $m" \
            --json "$OUT/$name-${m//\//-}.json"
    done
    "$BENCH" load "${common[@]}" --method tools/call --tool get-server-info \
        --label "$name call get-server-info" --json "$OUT/$name-call-info.json"
    "$BENCH" load "${common[@]}" --method tools/call --tool list-projects \
        --args '{"page":1,"size":10}' --label "$name call list-projects" \
        --json "$OUT/$name-call-opik.json"
    # Settle, then the memory left after every session of the runs above.
    sleep 2
    echo "$name: RSS after all runs $(awk '/VmRSS/{print $2}' "/proc/$SERVER/status") KiB" \
        | tee -a "$OUT/summary.txt"
    stop_server
}

for c in $CONFIGS; do run_config "$c"; done

# Idle streams: the bare configuration (anonymous loopback streams are not capped), with
# enough file descriptors for 10k streams on both ends.
ulimit -n 65536 || ulimit -n "$(ulimit -Hn)"
start_server bare
"$BENCH" idle --url "$URL" --pid "$SERVER" --steps "$IDLE_STEPS" --json "$OUT/idle.json" \
    | tee -a "$OUT/summary.txt"
stop_server

# Start-up to the first /health 200 with SQLite, migrations already applied.
export OPIK_MCP_ADMIN__PORT=0
"$BIN" migrate --database-url "sqlite://$OUT/startup.db" >/dev/null 2>&1
"$BENCH" startup --bin "$BIN" --runs "$STARTUP_RUNS" -- --database-url "sqlite://$OUT/startup.db" \
    --log-filter=warn | tee -a "$OUT/summary.txt"

cp "$BIN" "$OUT/opik-mcp.stripped"
strip "$OUT/opik-mcp.stripped"
echo "release binary: $(stat -c %s "$BIN") bytes, stripped $(stat -c %s "$OUT/opik-mcp.stripped") bytes" \
    | tee -a "$OUT/summary.txt"
rm -f "$OUT/opik-mcp.stripped"

echo
printf '%-30s %-10s %7s %9s %11s %8s %8s %8s %11s\n' run transport errors misrouted replies/s \
    'p50 ms' 'p99 ms' 'max ms' 'srv µs/rep'
jq -r -s 'add | .[] | [.label, .transport, .errors, .misrouted, (.replies_per_s|floor),
    (.p50_ms*100|round/100), (.p99_ms*100|round/100), (.max_ms*100|round/100),
    ((.server_cpu_us_per_reply // 0)|round)] | @tsv' \
    $(for c in $CONFIGS; do for r in health ping tools-list call-info call-opik; do
        echo "$OUT/$c-$r.json"; done; done) |
    awk -F'\t' '{printf "%-30s %-10s %7s %9s %11s %8s %8s %8s %11s\n", $1,$2,$3,$4,$5,$6,$7,$8,$9}' \
    | tee "$OUT/table.txt"
echo
cat "$OUT/summary.txt"
echo "load average during the run (1/5/15 min), sampled every 5 s:"
awk '{print $2}' "$OUT/loadavg.txt" | sort -n | awk '{a[NR]=$1} END {print "  1-min min " a[1] ", median " a[int((NR+1)/2)] ", max " a[NR]}'
