#!/usr/bin/env bash
# A real Prometheus (Debian package `prometheus`, installed when missing) scrapes the admin
# /metrics of a running opik-mcp: its own process on a loopback port with a temporary config
# and data directory (never the system service), queried through its HTTP API. Also:
# `promtool check metrics` on the exposition, `promtool check rules` and `promtool test rules`
# on deploy/prometheus/, the rules loaded and evaluated without error, and OpikMcpDown going
# pending once the server stops. Artifacts in tests/artifacts/prometheus/ (git-ignored).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/serve.sh"
art="$repo/tests/artifacts/prometheus"
rm -rf "$art"; mkdir -p "$art"
t0=$SECONDS
pass=0 fail=0
expect() {  # expect NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}
finish() { echo "prometheus: took $((SECONDS - t0)) s"; echo "prometheus: $pass passed, $fail failed"; [[ $fail -eq 0 ]]; exit; }

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  echo "prometheus: installing the Debian package"
  # Debian's postinst would start the system service where an init system allows it; this
  # suite never uses that one (policy-rc.d in containers refuses it anyway).
  { timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 600 \
      apt-get install -y -qq --no-install-recommends prometheus; } >"$art/apt.log" 2>&1 \
    || { tail -n 20 "$art/apt.log"; fail=1; finish; }
fi

rules="$repo/deploy/prometheus/opik-mcp-rules.yml"
expect "promtool check rules" timeout 30 promtool check rules "$rules"
( cd "$repo/deploy/prometheus" && timeout 60 promtool test rules opik-mcp-rules.test.yml ) \
  >"$art/test-rules.log" 2>&1
expect "promtool test rules (every alert fires and stays quiet as specified)" \
  grep -q SUCCESS "$art/test-rules.log"

start_server "$art" || { fail=$((fail + 1)); finish; }
admin_port="${ADMIN_URL##*:}"
# Traffic, so the HTTP, MCP and upstream series exist: a session, a tool list, and a tool
# call that fails against the closed Opik port.
mcp() {  # mcp SESSION BODY
  curl -sS --max-time 10 "$PUBLIC_URL/mcp" -H 'content-type: application/json' \
    -H 'accept: application/json, text/event-stream' ${1:+-H "mcp-session-id: $1"} \
    ${1:+-H 'mcp-protocol-version: 2025-11-25'} -d "$2" -D "$art/headers.txt" -o "$art/reply.json"
}
mcp "" '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"prometheus-suite","version":"1"}}}'
sid="$(grep -i '^mcp-session-id:' "$art/headers.txt" | tr -d '\r' | awk '{print $2}')"
mcp "$sid" '{"jsonrpc":"2.0","method":"notifications/initialized"}'
mcp "$sid" '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
mcp "$sid" '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list-projects","arguments":{}}}'
for _ in 1 2 3; do curl -fsS --max-time 2 "$PUBLIC_URL/health" >/dev/null; done

curl -fsS --max-time 5 "$ADMIN_URL/metrics" >"$art/metrics.txt"
expect "promtool check metrics (exposition format and naming lint)" \
  bash -c "timeout 30 promtool check metrics <'$art/metrics.txt' >'$art/check-metrics.log' 2>&1"

prom_port="$(free_port)"
data="$(mktemp -d)"
cat >"$art/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: opik-mcp-admin
    static_configs:
      - targets: ["127.0.0.1:$admin_port"]
YAML
timeout 120 prometheus --config.file="$art/prometheus.yml" --storage.tsdb.path="$data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$art/prometheus.log" 2>&1 &
prom_pid=$!
trap 'kill "$SERVER_PID" "$prom_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"' EXIT
api="http://127.0.0.1:$prom_port/api/v1"

# query EXPR -> prints the JSON answer of an instant query
query() { curl -fsS --max-time 5 "$api/query" --data-urlencode "query=$1"; }
# poll EXPR PY-CONDITION: wait up to 30 s for the query's result list to satisfy the
# condition (a Python expression over `r`, the list of results).
poll() {
  local expr=$1 cond=$2
  for _ in $(seq 1 60); do
    if query "$expr" 2>/dev/null | python3 -c "import json,sys; r=json.load(sys.stdin)['data']['result']; sys.exit(0 if ($cond) else 1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  query "$expr" >"$art/last-query.json" 2>&1
  return 1
}

expect "prometheus is up" poll 'vector(1)' 'len(r) == 1'
expect "the admin target is scraped (up == 1)" \
  poll 'up{job="opik-mcp-admin"}' 'len(r) == 1 and r[0]["value"][1] == "1"'
expect "build info carries the version" \
  poll 'opik_mcp_build_info' 'len(r) == 1 and r[0]["metric"].get("version")'
expect "HTTP requests by route are counted" \
  poll 'opik_mcp_http_requests_total{route="health",status="200"}' 'len(r) == 1 and float(r[0]["value"][1]) >= 3'
expect "MCP requests by method are counted" \
  poll 'opik_mcp_requests_total{method="tools/list"}' 'len(r) >= 1'
expect "the failed Opik call is an upstream series with no status" \
  poll 'opik_mcp_upstream_requests_total{status="error"}' 'len(r) >= 1'
expect "histograms have buckets" \
  poll 'opik_mcp_http_request_duration_seconds_bucket{route="health",le="+Inf"}' 'len(r) >= 1'
expect "audit loss series exists at 0" \
  poll 'opik_mcp_audit_lost_total' 'len(r) == 1 and r[0]["value"][1] == "0"'
expect "process metrics are exported" poll 'process_resident_memory_bytes' 'len(r) == 1'

rules_ok() {
  curl -fsS --max-time 5 "$api/rules" | tee "$art/rules.json" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
ok = len(groups) >= 6 and len(rules) >= 11 and all(r["health"] == "ok" and not r.get("lastError") for r in rules)
sys.exit(0 if ok else 1)'
}
expect "every alerting rule is loaded and evaluates without error" \
  bash -c "for _ in \$(seq 1 20); do $(declare -f rules_ok); api='$api' art='$art' rules_ok && exit 0; sleep 0.5; done; exit 1"
firing() {  # firing ALERT STATE: whether ALERT is in STATE
  curl -fsS --max-time 5 "$api/alerts" | python3 -c "import json,sys; a=json.load(sys.stdin)['data']['alerts']; sys.exit(0 if any(x['labels']['alertname']=='$1' and x['state']=='$2' for x in a) else 1)"
}
expect "OpikMcpDown is quiet while the server runs" \
  bash -c "$(declare -f firing); api='$api'; ! firing OpikMcpDown pending && ! firing OpikMcpDown firing"

# The server goes away: its target turns down and the alert goes pending (for: 2m).
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null
expect "a stopped server is seen down (up == 0)" \
  poll 'up{job="opik-mcp-admin"}' 'len(r) == 1 and r[0]["value"][1] == "0"'
expect "OpikMcpDown goes pending" \
  bash -c "$(declare -f firing); api='$api'; for _ in \$(seq 1 20); do firing OpikMcpDown pending && exit 0; sleep 0.5; done; exit 1"
finish
