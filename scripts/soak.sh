#!/usr/bin/env bash
# Soak: steady moderate load through the full pipeline for SECS seconds (default
# 600), sampling the server's RSS and open fds (/proc), its live sessions and tokio tasks
# (admin /metrics) and its audit trail (admin /readyz) every STEP seconds (default 10).
#
# Full pipeline: auth.mode = both, with one loader on an API key and one on an HS256 JWT
# (each its own principal, so per-principal limits, sessions and streams apply), rate limits
# on (set high enough not to refuse a moderate load), metrics scraped, every request audited
# into an SQLite file. Each loader runs back-to-back rounds of 8 sessions x 50 `tools/list`
# on both transports (sessions are opened and closed every round).
#
# Verdict (exit 1 on failure):
#   1. no load round failed and no audit record was lost;
#   2. RSS is flat under load: after a warm-up third, the mean of the last half of the
#      samples is within ±5% of the first half's;
#   3. nothing accumulates: once the load stops, sessions return to 0 and tasks and fds to
#      the baseline taken at a quiet point after a warm-up round (±TOL, default 4).
# Why counts are judged at quiet points: a sample taken under load lands anywhere in a
# round's saw-tooth (up to 32 sessions, each a socket and a few tasks), so on a busy 2-core
# machine the mid-load mean of a count moves by more than 5% without any leak; at a quiet
# point a leak of even one session or task per round shows exactly. Mid-load drift of the
# counts is printed for the record.
#
# Warm-up: RSS climbs while the caches that grow with the audit file fill (SQLite page caches
# of the pool's connections, allocator arenas), then levels off: at ~800 audited requests/s
# (debug build) it rose 57 -> 85 MB in the first ~75 s and stayed within +2% for the next 75 s.
# A short run must not judge that climb, so SOAK_WARMUP seconds of the same load run before the
# baseline (the 10-minute run's warm-up third covers it).
#
# Usage: scripts/soak.sh [SECS] [STEP]
# Env: OPIK_MCP_BIN, OPIK_MCP_BENCH_BIN, SOAK_TOL, SOAK_WARMUP (seconds, default 0).
# Output: one line per sample, then a verdict. Samples stay in $SOAK_OUT (default a temp dir).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}; step=${2:-10}; tol=${SOAK_TOL:-4}; warmup=${SOAK_WARMUP:-0}
BIN=${OPIK_MCP_BIN:-target/debug/opik-mcp}
BENCH=${OPIK_MCP_BENCH_BIN:-target/debug/opik-mcp-bench}
work=$(mktemp -d); out=${SOAK_OUT:-$work}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); ADMIN=$(free_port)
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
resource="http://127.0.0.1:$PORT/mcp"
cat >"$work/config.toml" <<TOML
[server]
keep_alive_secs = 5
[auth]
mode = "both"
resource = "$resource"
[auth.jwt]
issuer = "https://issuer.soak"
hs_secret = "$secret"
[[auth.api_keys]]
name = "soak-bot"
sha256 = "$(printf %s "$key" | sha256sum | cut -d' ' -f1)"
scopes = ["opik:read", "opik:write"]
[rate_limit]
max_streams_per_principal = 64
per_ip = { per_minute = 600000, burst = 20000 }
per_principal = { per_minute = 600000, burst = 20000 }
[database]
url = "sqlite://$work/audit.db"
[audit]
spill_path = "$work/audit.spill"
TOML
jwt=$(python3 - "$secret" "$resource" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps({"iss": "https://issuer.soak", "aud": sys.argv[2], "sub": "soak-user",
                       "scope": "opik:read opik:write", "exp": int(time.time()) + 86400}).encode())
sig = hmac.new(sys.argv[1].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
print(f"{head}.{body}.{b64(sig)}")
PY
)
OPIK_MCP_ADMIN__PORT=$ADMIN OPIK_API_BASE_URL=http://127.0.0.1:9/opik/api "$BIN" \
    --config "$work/config.toml" --transport=sse --sse-host=127.0.0.1 --sse-port="$PORT" \
    --sse-log-path= 2>"$work/server.log" &
SERVER=$!
LOADERS=()
cleanup() {
    for p in "${LOADERS[@]}"; do kill "$p" 2>/dev/null; done
    kill "$SERVER" 2>/dev/null; wait 2>/dev/null
    [ -z "${SOAK_OUT:-}" ] && rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
kill -0 "$SERVER" 2>/dev/null || { echo "soak: server did not start"; tail -20 "$work/server.log"; exit 1; }

round() { # token -> one load round (fails loudly)
    timeout 120 "$BENCH" load --url "http://127.0.0.1:$PORT" --sessions 8 --requests 50 \
        --method tools/list --strict --token "$1" >/dev/null 2>>"$work/load.log" \
        || echo "load round failed" >>"$work/load.log"
}
metric() { curl -fs "http://127.0.0.1:$ADMIN/metrics" | awk -v m="$1" '$1 ~ "^"m {s += $2} END {print s+0}'; }
audit() { curl -s "http://127.0.0.1:$ADMIN/readyz" | python3 -c \
    'import json,sys; d=json.load(sys.stdin)["checks"]["store"]["data"]; print(d["written"], d["lost"])'; }
sample() { # label -> one line: rss, fds, sessions, tasks, audit written/lost
    local rss fds a
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"); fds=$(ls "/proc/$SERVER/fd" | wc -l)
    a=($(audit))
    echo "$1 t=${SECONDS}s rss_kib=$rss fds=$fds sessions=$(metric opik_mcp_sessions_active) tasks=$(metric opik_mcp_tokio_alive_tasks) audit_written=${a[0]:-0} audit_lost=${a[1]:-0}"
}
settle() { # wait up to 30 s for 0 sessions and a drained audit queue, then sample
    for _ in $(seq 1 60); do
        [ "$(metric opik_mcp_sessions_active)" = 0 ] && [ "$(metric opik_mcp_audit_queue_depth)" = 0 ] && break
        sleep 0.5
    done
    sleep 1; sample "$1"
}

# Warm-up round on each principal (plus SOAK_WARMUP seconds of load), then the quiet baseline.
round "$key"; round "$jwt"
loaders() { # seconds -> both loaders running back-to-back rounds for that long, in the background
    local until=$((SECONDS + $1))
    for token in "$key" "$jwt"; do
        ( while [ "$SECONDS" -lt "$until" ]; do round "$token"; done ) &
        LOADERS+=($!)
    done
}
if [ "$warmup" -gt 0 ]; then loaders "$warmup"; wait "${LOADERS[@]}"; LOADERS=(); fi
settle quiet | tee "$out/soak-baseline.txt"

: >"$out/soak-samples.txt"
start=$SECONDS
loaders "$secs"
while [ $((SECONDS - start)) -lt "$secs" ]; do
    sleep "$step"
    sample load | tee -a "$out/soak-samples.txt"
done
wait "${LOADERS[@]}"; LOADERS=()
settle quiet | tee "$out/soak-final.txt"
rounds_failed=$(grep -c "load round failed" "$work/load.log" 2>/dev/null || true)

python3 - "$out" "${rounds_failed:-0}" "$tol" <<'PY'
import re, statistics, sys
parse = lambda l: dict((k, float(v)) for k, v in re.findall(r"(\w+)=([\d.]+)", l))
out, failed, tol = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = [parse(l) for l in open(f"{out}/soak-samples.txt")]
base, final = parse(open(f"{out}/soak-baseline.txt").read()), parse(open(f"{out}/soak-final.txt").read())
ok = failed == 0 and len(rows) >= 6
steady = rows[len(rows) // 3:]
half = len(steady) // 2
for key in ("rss_kib", "fds", "sessions", "tasks"):
    vals = [r[key] for r in steady]
    first, last = statistics.mean(vals[:half]), statistics.mean(vals[half:])
    drift, slack = last - first, 0.05 * first
    flat = abs(drift) <= slack
    if key == "rss_kib":
        ok &= flat
    print(f"under load {key}: {min(vals):.0f}..{max(vals):.0f}, mean {first:.0f} -> {last:.0f} "
          f"(drift {drift:+.0f}, ±5% = ±{slack:.0f}) -> {'flat' if flat else 'NOT flat'}"
          + ("" if key == "rss_kib" else " [informational]"))
for key in ("fds", "tasks"):
    back = final[key] <= base[key] + tol
    ok &= back
    print(f"quiet {key}: baseline {base[key]:.0f} -> after load {final[key]:.0f} (±{tol:.0f}) "
          f"-> {'back to baseline' if back else 'ACCUMULATED'}")
ok &= final["sessions"] == 0
print(f"quiet sessions after load: {final['sessions']:.0f} (must be 0)")
written = final["audit_written"] - base["audit_written"]
ok &= final["audit_lost"] == 0 and written > 0
print(f"audit: {written:.0f} records written during the soak, {final['audit_lost']:.0f} lost")
print(f"load rounds failed: {failed}; samples: {len(rows)}")
print("soak: PASSED" if ok else "soak: FAILED")
sys.exit(0 if ok else 1)
PY
