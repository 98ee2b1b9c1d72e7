# Sourced by the sign-in suites (tests/suites/22-oauth-signin.sh, 23-oauth-broker.sh): install
# the harness and the SDK clients, start servers, run the client drivers and add up results.
#
#   signin_setup NAME            repo, bin, interop, venvs, work (a temp dir), pids; on exit the
#                                processes stop and the logs are kept in tests/artifacts/NAME/
#   free_port                    a free loopback port
#   start_opik_mcp NAME CONFIG PORT [VAR=VALUE...]
#                                the binary on 127.0.0.1:PORT with CONFIG (and those env vars)
#                                until /health answers; log in $work/NAME.log
#   run_runner NAME CMD...       one driver; its "N passed, M failed" (or node's ℹ pass/fail)
#                                join total_pass/total_fail
#   want NAME                    whether SIGNIN_RUNNERS (default: all) selects that runner
#   no_credentials_in LOG...     count a failure if a token reached one of the logs
#   signin_summary               print "NAME: N passed, M failed"; status 0 only if all passed
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

signin_setup() {
  suite_name=$1
  repo="$(cd "$oauth_dir/../.." && pwd)"
  interop="$repo/tests/interop"
  bin="${OPIK_MCP_BIN:-$repo/target/debug/opik-mcp}"
  [[ -x "$bin" ]] || { echo "$suite_name: server binary not found: $bin" >&2; exit 2; }
  timeout 1200 bash "$interop/install.sh" >/dev/null
  timeout 600 bash "$oauth_dir/install.sh" >/dev/null
  venvs="${OPIK_MCP_INTEROP_VENVS:-$HOME/.cache/opik-mcp-interop}"
  work="$(mktemp -d)"
  pids=()
  total_pass=0 total_fail=0
  trap signin_cleanup EXIT
}

signin_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  local art="$repo/tests/artifacts/$suite_name"
  rm -rf "$art" && mkdir -p "$art" && cp "$work"/*.log "$work"/*.out "$art"/ 2>/dev/null || true
  rm -rf "$work"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_opik_mcp() {
  local name=$1 config=$2 port=$3
  shift 3
  # OPIK_MCP_BIN (set by tests/run.sh) is not a setting: the config loader would refuse it.
  env -u OPIK_MCP_BIN OPIK_API_BASE_URL=http://127.0.0.1:9/opik/api OPIK_MCP_ADMIN__PORT=0 "$@" \
    "$bin" --config "$config" --transport=sse --sse-host=127.0.0.1 --sse-port="$port" \
    --sse-log-path= >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do
    curl -fsS --max-time 1 "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "$name exited:"; tail -n 20 "$work/$name.log"; return 1; }
    sleep 0.2
  done
  echo "$name not up after 30 s"; return 1
}

want() { [[ -z "${SIGNIN_RUNNERS:-}" || " $SIGNIN_RUNNERS " == *" $1 "* ]]; }

run_runner() {
  local name=$1; shift
  local log="$work/$name.out" rc=0 p f
  echo "=== $name"
  "$@" 2>&1 | tee "$log" || rc=$?
  p="$(sed -nE 's/^ℹ pass ([0-9]+)$/\1/p; s/^([a-z0-9-]+: )?([0-9]+) passed, [0-9]+ failed$/\2/p' "$log" | tail -n1)"
  f="$(sed -nE 's/^ℹ fail ([0-9]+)$/\1/p; s/^([a-z0-9-]+: )?[0-9]+ passed, ([0-9]+) failed$/\2/p' "$log" | tail -n1)"
  total_pass=$((total_pass + ${p:-0})); total_fail=$((total_fail + ${f:-0}))
  if [[ $rc -ne 0 && "${f:-0}" == 0 ]]; then total_fail=$((total_fail + 1)); fi
}

no_credentials_in() {
  if grep -qE 'Bearer [A-Za-z0-9]|eyJ[A-Za-z0-9_-]{10,}' "$@"; then
    echo "$suite_name: a credential appeared in a server log"; total_fail=$((total_fail + 1))
  fi
}

signin_summary() {
  echo "$suite_name: $total_pass passed, $total_fail failed"
  [[ $total_fail -eq 0 && $total_pass -gt 0 ]]
}
