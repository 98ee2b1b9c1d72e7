#!/usr/bin/env bash
# client/index.html in headless Chromium (Debian's chromium, driven by the npm playwright-core
# package) against the real binary serving it at /client/: both transports, tool listing, a
# tool call and its rendered result, schema forms, network errors, recovery after a server
# restart, and (once the binary has auth options) bearer tokens and 401s.
# Screenshots: tests/artifacts/browser/ (git-ignored; kept by CI as artifacts).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPIK_MCP_BIN="${OPIK_MCP_BIN:-$PWD/target/debug/opik-mcp}"
[[ -x "$OPIK_MCP_BIN" ]] || { echo "browser-client: $OPIK_MCP_BIN not built" >&2; exit 2; }

if [[ ! -x /usr/bin/chromium ]]; then
    echo "browser-client: installing Debian's chromium"
    if ! timeout 600 apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; then
        timeout 300 apt-get update -q >/dev/null
        timeout 600 apt-get install -y -q --no-install-recommends chromium >/dev/null
    fi
fi
echo "browser-client: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium version unknown')"

dir=tests/browser
stamp="$dir/node_modules/.lock.sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "browser-client: npm ci"
    (cd "$dir" && timeout 300 npm ci --cache "$HOME/.cache/npm" --prefer-offline \
        --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi

rm -rf tests/artifacts/browser
exec timeout 300 node --test --test-reporter=spec "$dir/client.test.mjs"
