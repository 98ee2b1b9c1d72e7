#!/usr/bin/env bash
# Create (or reuse) a venv of Python test tools from a pinned requirements file, cached in
# $HOME/.cache; a second run with the same requirements does no network I/O. Prints the
# venv's path.
#   tests/deploy/install.sh                       the deployment suites' tools
#                                                 (tests/deploy/requirements.txt: hadolint,
#                                                 kubernetes-validate with its schemas, pytest)
#   tests/deploy/install.sh REQUIREMENTS VENV     another suite's (tests/packaging)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="${1:-$here/requirements.txt}"
venv="${2:-${OPIK_MCP_DEPLOY_VENV:-$HOME/.cache/opik-mcp-deploy/venv}}"
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
