#!/usr/bin/env bash
# Contract check: every request opik-mcp sends to Opik, and every answer of the fake Opik the
# tests use, must be valid against the official Opik OpenAPI spec.
#
# How: the end-to-end tests (tests/api/opik_e2e/: every tool, resource and prompt; the
# consolidated_* tests: read, list, search, stats, compare_experiments, write with its
# lookups, project rules and tag changes) and the
# request-shape tests (tests/api/opik_requests.rs) run with
# their fake Opik bound to a fixed port, and the app pointed at a Prism proxy in front of it.
# `prism proxy --errors` validates each request (path, query, body) before forwarding and each
# response after; a violation becomes a 422/500 the tests see as a failed tool call. The spec's
# Java-style `(?s)` patterns are rewritten first (see shared/notes/opik-rest-api.md §4a),
# otherwise Prism silently skips body validation for the affected schemas.
#
# Tests that provoke undocumented upstream statuses (401s the spec lists no body for) are left
# out: `upstream_refusal`, `ignored_unless_configured`, `unknown_trace` (a 404 from GET
# traces/{id}, which the spec lists no 404 for). So is `string_content`: the spec renders
# Jackson's `JsonNode` (chat message content) as `type: object`, while Opik accepts strings.
# Needs: node/npm (Prism is installed once under $HOME/.cache/opik-mcp-prism), cargo-nextest,
# the spec at $OPIK_OPENAPI_SPEC (default ../shared/opik/openapi.yaml). Bounded: ~5 min max.
set -uo pipefail
cd "$(dirname "$0")/../.."

PRISM_VERSION=5.16.0
CACHE="${HOME}/.cache/opik-mcp-prism"
# The spec is the team's shared reference copy (not vendored here): beside the checkout, or at
# the workplace's shared folder when the checkout lives elsewhere (a CI clone in /tmp).
SPEC="${OPIK_OPENAPI_SPEC:-}"
if [ -z "$SPEC" ]; then
  for candidate in ../shared/opik/openapi.yaml /work/shared/opik/openapi.yaml; do
    if [ -f "$candidate" ]; then SPEC="$candidate"; break; fi
  done
fi
WORK="$(mktemp -d)"
PRISM_PID=""

cleanup() {
    if [ -n "$PRISM_PID" ]; then kill -- "-$PRISM_PID" 2>/dev/null || kill "$PRISM_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "contract: $*"; echo "0 passed, 1 failed"; exit 1; }

[ -f "$SPEC" ] || fail "spec not found at ${SPEC:-../shared/opik/openapi.yaml} (set OPIK_OPENAPI_SPEC)"
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are required"

PRISM="$CACHE/node_modules/.bin/prism"
if [ ! -x "$PRISM" ] || ! grep -q "\"version\": \"$PRISM_VERSION\"" "$CACHE/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null; then
    echo "installing @stoplight/prism-cli@$PRISM_VERSION into $CACHE"
    mkdir -p "$CACHE"
    [ -f "$CACHE/package.json" ] || echo '{"name":"opik-mcp-prism","private":true}' > "$CACHE/package.json"
    timeout 300 npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error \
        "@stoplight/prism-cli@$PRISM_VERSION" || fail "npm install of prism failed"
fi

# Rewrite the 63 Java `(?s)^\s*(\S.*\S|\S)\s*$` patterns into the ECMAScript equivalent.
sed 's/pattern: (?s)^\\s\*(\\S\.\*\\S|\\S)\\s\*\$/pattern: "^\\\\s*(\\\\S[\\\\s\\\\S]*\\\\S|\\\\S)\\\\s*$"/' \
    "$SPEC" > "$WORK/openapi.yaml"
left=$(grep -c '(?s)' "$WORK/openapi.yaml" || true)
[ "$left" = "0" ] || fail "$left Java-style patterns left after rewriting the spec"

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PRISM_PORT=$(free_port)
FAKE_PORT=$(free_port)
while [ "$FAKE_PORT" = "$PRISM_PORT" ]; do FAKE_PORT=$(free_port); done

setsid "$PRISM" proxy --errors -h 127.0.0.1 -p "$PRISM_PORT" "$WORK/openapi.yaml" \
    "http://127.0.0.1:$FAKE_PORT/opik/api" > "$WORK/prism.log" 2>&1 &
PRISM_PID=$!
for _ in $(seq 1 60); do
    grep -q "Prism is listening" "$WORK/prism.log" && break
    kill -0 "$PRISM_PID" 2>/dev/null || { cat "$WORK/prism.log"; fail "prism exited"; }
    sleep 1
done
grep -q "Prism is listening" "$WORK/prism.log" || fail "prism did not start within 60 s"

echo "prism $PRISM_VERSION proxy on :$PRISM_PORT validating against the patched spec; fake Opik on :$FAKE_PORT"
OPIK_FAKE_ADDR="127.0.0.1:$FAKE_PORT" OPIK_CONTRACT_API_URL="http://127.0.0.1:$PRISM_PORT" \
    timeout 240 cargo nextest run --workspace --test api --test-threads 1 --no-fail-fast \
    -E 'test(/^(opik_(e2e|requests)|consolidated_(write|write_ops|write_project|write_fields|read|read_budget|list|search|stats|compare))::/) and not test(/upstream_refusal|ignored_unless_configured|unknown_trace|string_content/)' 2>&1 | tee "$WORK/nextest.log" | grep -E "PASS|FAIL|Summary|panicked|failed"
tests_rc=${PIPESTATUS[0]}
[ "$tests_rc" = "0" ] || grep -A6 'panicked' "$WORK/nextest.log" | head -60

forwarded=$(grep -c 'Forwarding' "$WORK/prism.log" || true)
rejected=$(grep -cE 'UNPROCESSABLE_ENTITY|VIOLATIONS|NO_PATH_MATCHED|NO_METHOD_MATCHED' "$WORK/prism.log" || true)
warnings=$(grep -c 'Violation' "$WORK/prism.log" || true)
if [ "$rejected" != "0" ] || [ "$warnings" != "0" ]; then
    grep -E -B3 -A8 'UNPROCESSABLE_ENTITY|VIOLATIONS|NO_PATH_MATCHED|NO_METHOD_MATCHED|Violation' "$WORK/prism.log" | head -80
fi
echo "contract: $forwarded requests forwarded and validated, $rejected rejected, $warnings violation warnings"

passed=$(grep -oE '[0-9]+ passed' "$WORK/nextest.log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -oE '[0-9]+ failed' "$WORK/nextest.log" | tail -1 | grep -oE '[0-9]+' || echo 0)
if [ "$tests_rc" != "0" ] || [ "$rejected" != "0" ] || [ "$warnings" != "0" ] || [ "$forwarded" -lt 30 ]; then
    [ "$failed" = "0" ] && failed=1
    echo "$passed passed, $failed failed"
    exit 1
fi
echo "$passed passed, 0 failed"
