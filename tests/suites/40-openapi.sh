#!/usr/bin/env bash
# OpenAPI contract of both listeners: each served document validates as OpenAPI 3
# (openapi-spec-validator), and schemathesis finds no 5xx and no response contradicting the
# document on the non-MCP operations (MCP operations are exercised by the Rust tests and the
# interop suite: they need a session handshake a fuzzer cannot drive). The server runs with
# every optional route mounted (JWT mode for the protected-resource metadata, the browser
# client, the audit admin API behind its token), so all of them are in the documents.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/serve.sh"
art="$repo/tests/artifacts/openapi"
mkdir -p "$art"
t0=$SECONDS

source "$here/lib/venv.sh"
ensure_venv || { echo "openapi: 0 passed, 1 failed (install)"; exit 1; }
venv=$VENV
admin_token="openapi-suite-admin-token-$RANDOM$RANDOM"
export OPIK_MCP_AUTH__MODE=jwt OPIK_MCP_AUTH__RESOURCE="https://mcp.example.test/mcp" \
  OPIK_MCP_AUTH__JWT__ISSUER="https://issuer.example.test" \
  OPIK_MCP_AUTH__JWT__HS_SECRET="openapi-suite-hs-secret-0123456789abcdef" \
  OPIK_MCP_AUDIT__ADMIN_TOKEN="$admin_token" OPIK_MCP_SERVER__SERVE_CLIENT=true \
  OPIK_MCP_DATABASE__URL="sqlite://$art/audit.db" OPIK_MCP_AUDIT__SPILL_PATH="$art/audit.spill"
start_server "$art" || { echo "openapi: 0 passed, 1 failed (server)"; exit 1; }

pass=0 fail=0
check() {
  local name=$1; shift
  if "$@" >"$art/$name.log" 2>&1; then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name"; tail -n 40 "$art/$name.log"
  fi
}

for side in public admin; do
  base=$PUBLIC_URL; [[ $side == admin ]] && base=$ADMIN_URL
  curl -fsS --max-time 5 "$base/openapi.json" -o "$art/$side.json"
  curl -fsS --max-time 5 "$base/openapi.yaml" -o "$art/$side.yaml"
  # The optional routes are really in the documents (else this run would prove little).
  want='/.well-known/oauth-protected-resource'; [[ $side == admin ]] && want='/admin/audit'
  check "describes-optional-$side" grep -q "\"$want\"" "$art/$side.json"
  check "validate-$side-json" timeout 60 "$venv/bin/openapi-spec-validator" "$art/$side.json"
  check "validate-$side-yaml" timeout 60 "$venv/bin/openapi-spec-validator" "$art/$side.yaml"
  # The admin API's `cursor` is opaque (only a `next_cursor` the server issued is valid; any
  # other string gets 400 `invalid_cursor`), which no schema can express, so "schema-valid
  # data is accepted" cannot hold there. The admin side's other operations take no
  # parameters, so skipping that one check there loses nothing else; every other check runs.
  skip=(); [[ $side == admin ]] && skip=(--exclude-checks positive_data_acceptance)
  # Run from the artifacts folder: schemathesis keeps its example cache in ./.schemathesis.
  check "schemathesis-$side" env -C "$art" timeout 300 "$venv/bin/schemathesis" run \
    "$base/openapi.json" --url "$base" --exclude-tag Mcp --checks all "${skip[@]}" --max-examples 50 \
    --seed 7 --report junit --report-dir "$art/schemathesis-$side" \
    -H "Authorization: Bearer $admin_token"
done
kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL server died"; fail=$((fail + 1)); }
echo "openapi: took $((SECONDS - t0)) s; logs in $art"
echo "openapi: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
