#!/usr/bin/env bash
# The Swagger UI explorer (/docs on both listeners) loads in headless Chromium: the rendered
# DOM lists the operations, screenshots are written to tests/artifacts/explorer/
# (git-ignored), and "Authorize" + "Try it out" work against the running server (driven over
# the DevTools protocol by lib/try_it_out.py). Installs the Debian `chromium` package when
# it is missing.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/serve.sh"
source "$here/lib/venv.sh"
art="$repo/tests/artifacts/explorer"
mkdir -p "$art"
t0=$SECONDS

if ! command -v chromium >/dev/null; then
  echo "explorer: installing chromium"
  { timeout 300 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 \
      apt-get install -y -qq --no-install-recommends chromium; } >"$art/apt.log" 2>&1 \
    || { tail -n 20 "$art/apt.log"; echo "explorer: 0 passed, 1 failed (install)"; exit 1; }
fi
ensure_venv || { echo "explorer: 0 passed, 1 failed (install)"; exit 1; }
start_server "$art" || { echo "explorer: 0 passed, 1 failed (server)"; exit 1; }

profile="$(mktemp -d)"
trap 'kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; rm -rf "$profile"' EXIT
chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --window-size=1280,1800 --virtual-time-budget=10000 "$@" 2>>"$art/chromium.log"
}

pass=0 fail=0
expect() {  # expect NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}
is_png() { [[ -s "$1" && $(stat -c %s "$1") -gt 20000 ]] && [[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]]; }

for side in public admin; do
  base=$PUBLIC_URL; [[ $side == admin ]] && base=$ADMIN_URL
  chrome --dump-dom "$base/docs" >"$art/$side-dom.html"
  chrome --screenshot="$art/$side-docs.png" "$base/docs" >/dev/null
  if [[ $side == public ]]; then
    expect "public: operations rendered" grep -q 'operations-Mcp-mcpPost' "$art/$side-dom.html"
    expect "public: health rendered" grep -q 'operations-Health-health' "$art/$side-dom.html"
    expect "public: bearer Authorize button" grep -q 'btn authorize' "$art/$side-dom.html"
  else
    expect "admin: probes rendered" grep -q 'operations-Probes-readyz' "$art/$side-dom.html"
  fi
  expect "$side: screenshot is a PNG" is_png "$art/$side-docs.png"
  expect "$side: /docs/ redirects to /docs" \
    [ "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base/docs/")" = "308 $base/docs" ]
done
token="swagger-try-$RANDOM"
if timeout 120 "$VENV/bin/python" "$here/lib/try_it_out.py" "$PUBLIC_URL/docs" "$token" \
    "$art/try-it-out.png" >"$art/try-it-out.json" 2>"$art/try-it-out.log"; then
  tio() { "$VENV/bin/python" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$art/try-it-out.json" "$1"; }
  expect "try it out: GET /health answers 200" [ "$(tio 'd["health"]["status"]')" = 200 ]
  expect "try it out: DELETE /mcp answers the documented 404" [ "$(tio 'd["mcp"]["status"]')" = 404 ]
  expect "try it out: JSON-RPC error body shown" grep -q -- '-32001' "$art/try-it-out.json"
  expect "try it out: bearer token sent" grep -q "Authorization: Bearer $token" "$art/try-it-out.json"
  expect "try it out: POST /mcp initialize example answers 200" [ "$(tio 'd["init"]["status"]')" = 200 ]
  expect "try it out: initialize returns the server info" [ "$(tio '"serverInfo" in d["init"]["body"]')" = True ]
  expect "try it out: tools/list example on the same session answers 200" [ "$(tio 'd["list"]["status"]')" = 200 ]
  expect "try it out: tools/list lists the tools" [ "$(tio '"get-server-info" in d["list"]["body"]')" = True ]
  expect "try it out: screenshot is a PNG" is_png "$art/try-it-out.png"
else
  tail -n 20 "$art/try-it-out.log"; fail=$((fail + 1)); echo "FAIL try it out"
fi
echo "explorer: took $((SECONDS - t0)) s; screenshots in $art"
echo "explorer: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
