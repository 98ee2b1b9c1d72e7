#!/usr/bin/env bash
# The whole benchmark in one run: builds release, then measures a bare configuration next to
# the full pipeline (JWT auth, CORS, rate limits set high enough not to trigger, metrics/admin
# listener, audit trail on SQLite), the full pipeline over TLS too, and — side by side, same
# load, same run — a reference server on the official TypeScript MCP SDK serving the same tool
# list (bench/sdk-ref) and poem's hello-world (the HTTP stack's ceiling); then the idle-stream
# memory curve (ours and the SDK's), the start-up median and the stripped binary size. Prints
# the raw table and one table of ratios with the load average. Loopback only; every run is
# bounded (SESSIONS × REQUESTS per run).
#
#   scripts/bench.sh                     # everything, results in target/bench/<timestamp>/
#   SESSIONS=100 REQUESTS=200 IDLE_STEPS=1000,10000 STARTUP_RUNS=11 scripts/bench.sh
#   BENCH_NO_BUILD=1 CONFIGS="bare full" scripts/bench.sh   # skip the build, pick configs
#   SDK_REF=0 scripts/bench.sh           # without the TypeScript SDK reference server
#
# Needs openssl (certificate and JWT signing key), jq (the tables), and for the reference
# server node and npm (installed once under $HOME/.cache, see scripts/lib/sdk-ref.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

SESSIONS=${SESSIONS:-100}
REQUESTS=${REQUESTS:-200}
IDLE_STEPS=${IDLE_STEPS:-1000,10000}
STARTUP_RUNS=${STARTUP_RUNS:-11}
CONFIGS=${CONFIGS:-bare full full-tls}
SDK_REF=${SDK_REF:-1}
OUT=${BENCH_OUT:-target/bench/$(date -u +%Y%m%dT%H%M%SZ)}
BIN=${OPIK_MCP_BIN:-target/release/opik-mcp}
BENCH=target/release/opik-mcp-bench
# shellcheck source=scripts/lib/bench-env.sh
source scripts/lib/bench-env.sh
# shellcheck source=scripts/lib/sdk-ref.sh
source scripts/lib/sdk-ref.sh
# shellcheck source=scripts/lib/bench-table.sh
source scripts/lib/bench-table.sh
mkdir -p "$OUT"
rm -f "$OUT/summary.txt"
echo "results in $OUT"

if [[ -z ${BENCH_NO_BUILD:-} ]]; then
    cargo build --release --workspace --locked
fi
[[ $SDK_REF == 1 ]] && sdk_ref_install

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
[limits]
max_connections_per_ip = 20000
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
    if [[ $name == sdk ]]; then
        start_sdk_ref "$port" "$OUT/tools.json" "$OUT/sdk.log"
    else
        "$BIN" --config "$OUT/$name.toml" --transport=sse --sse-host=127.0.0.1 --sse-port="$port" \
            --sse-log-path= --log-filter=warn --api-url="http://127.0.0.1:$OPIK_PORT" \
            --self-hosted --database-url="sqlite://$OUT/$name.db" 2>"$OUT/$name.log" &
    fi
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
    [[ $name == full* ]] && auth=(--token "$TOKEN" --origin "$ORIGIN")
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
    # The reference server has no Opik tools.
    [[ $name == sdk ]] || "$BENCH" load "${common[@]}" --method tools/call --tool list-projects \
        --args '{"page":1,"size":10}' --label "$name call list-projects" \
        --json "$OUT/$name-call-opik.json"
    # Settle, then the memory left after every session of the runs above.
    sleep 2
    echo "$name: RSS after all runs $(awk '/VmRSS/{print $2}' "/proc/$SERVER/status") KiB" \
        | tee -a "$OUT/summary.txt"
    stop_server
}

# poem's hello-world: the ceiling of the HTTP stack, same load as the /health runs.
HELLO_PORT=$(free_port)
"$BENCH" hello --listen "127.0.0.1:$HELLO_PORT" >/dev/null &
PIDS+=($!)
sleep 0.3
"$BENCH" health --url "http://127.0.0.1:$HELLO_PORT" --connections "$SESSIONS" \
    --requests "$REQUESTS" --pid "${PIDS[-1]}" --label "poem hello-world" --json "$OUT/hello-health.json"
kill "${PIDS[-1]}"

# The reference server serves our tool list, as our bare configuration lists it.
start_server bare
dump_tools "$URL" "$OUT/tools.json"
stop_server
[[ $SDK_REF == 1 ]] && CONFIGS="sdk $CONFIGS"
for c in $CONFIGS; do run_config "$c"; done

# Idle streams: the bare configuration (anonymous loopback streams are not capped), with
# enough file descriptors for 10k streams on both ends; the reference server too.
ulimit -n 65536 || ulimit -n "$(ulimit -Hn)"
for c in bare $([[ $SDK_REF == 1 ]] && echo sdk); do
    start_server "$c"
    "$BENCH" idle --url "$URL" --pid "$SERVER" --steps "$IDLE_STEPS" --json "$OUT/$c-idle.json" \
        | tee -a "$OUT/summary.txt"
    stop_server
done

# Start-up to the first /health 200 with SQLite, migrations already applied.
export OPIK_MCP_ADMIN__PORT=0
"$BIN" migrate --database-url "sqlite://$OUT/startup.db" >/dev/null 2>&1
"$BENCH" startup --bin "$BIN" --runs "$STARTUP_RUNS" --json "$OUT/startup.json" \
    -- --database-url "sqlite://$OUT/startup.db" --log-filter=warn | tee -a "$OUT/summary.txt"

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
    "$OUT/hello-health.json" $(for c in $CONFIGS; do for r in health ping tools-list call-info call-opik; do
        [[ -f $OUT/$c-$r.json ]] && echo "$OUT/$c-$r.json"; done; done) |
    awk -F'\t' '{printf "%-30s %-10s %7s %9s %11s %8s %8s %8s %11s\n", $1,$2,$3,$4,$5,$6,$7,$8,$9}' \
    | tee "$OUT/table.txt"
echo
cat "$OUT/summary.txt"
echo
ratio_table "$OUT" | tee "$OUT/ratios.txt"
echo "load average during the run (1/5/15 min), sampled every 5 s:"
awk '{print $2}' "$OUT/loadavg.txt" | sort -n | awk '{a[NR]=$1} END {print "  1-min min " a[1] ", median " a[int((NR+1)/2)] ", max " a[NR]}'
