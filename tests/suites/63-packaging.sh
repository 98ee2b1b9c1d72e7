#!/usr/bin/env bash
# Install without a Rust toolchain: the Python wheel (pip into a fresh venv, and uvx), the npm
# packages (global install into a fresh prefix, and npm exec as npx runs it), each running
# `opik-mcp --version` and an MCP initialize + tools/list over stdio; the crate
# (`cargo package`); the release workflow (actionlint + shellcheck). Packages the binary
# tests/run.sh built (OPIK_MCP_BIN, dev profile): no release build in CI.
# Tools come pinned from tests/packaging/requirements.txt, cached in $HOME/.cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPIK_MCP_BIN="${OPIK_MCP_BIN:-$PWD/target/debug/opik-mcp}"
[[ -x "$OPIK_MCP_BIN" ]] || { echo "packaging: $OPIK_MCP_BIN not built" >&2; exit 2; }
venv="$(bash tests/deploy/install.sh "$PWD/tests/packaging/requirements.txt" \
    "${OPIK_MCP_PACKAGING_VENV:-$HOME/.cache/opik-mcp-packaging/venv}")"
exec timeout 900 "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider tests/packaging
