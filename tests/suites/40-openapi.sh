#!/usr/bin/env bash
# OpenAPI contract of both listeners: each served document validates as OpenAPI 3
# (openapi-spec-validator), and schemathesis finds no 5xx and no response contradicting the
# document on the non-MCP operations (MCP operations are exercised by the Rust tests and the
# interop suite: they need a session handshake a fuzzer cannot drive).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/serve.sh"
art="$repo/tests/artifacts/openapi"
mkdir -p "$art"
t0=$SECONDS

source "$here/lib/venv.sh"
ensure_venv || { echo "openapi: 0 passed, 1 failed (install)"; exit 1; }
venv=$VENV
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
  check "validate-$side-json" timeout 60 "$venv/bin/openapi-spec-validator" "$art/$side.json"
  check "validate-$side-yaml" timeout 60 "$venv/bin/openapi-spec-validator" "$art/$side.yaml"
  # Run from the artifacts folder: schemathesis keeps its example cache in ./.schemathesis.
  check "schemathesis-$side" env -C "$art" timeout 300 "$venv/bin/schemathesis" run \
    "$base/openapi.json" --url "$base" --exclude-tag Mcp --checks all --max-examples 50 \
    --seed 7 --report junit --report-dir "$art/schemathesis-$side"
done
kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL server died"; fail=$((fail + 1)); }
echo "openapi: took $((SECONDS - t0)) s; logs in $art"
echo "openapi: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
