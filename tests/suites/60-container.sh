#!/usr/bin/env bash
# The Dockerfile: hadolint (from its PyPI package), the image's promises (non-root, read-only
# root, ports, HEALTHCHECK, OCI labels, dependency caching), and the runtime stage's ENV and CMD
# run against the real binary. No Docker daemon here, so the image itself is not built.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPIK_MCP_BIN="${OPIK_MCP_BIN:-$PWD/target/debug/opik-mcp}"
venv="$(bash tests/deploy/install.sh)"
exec timeout 300 "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider tests/deploy/test_container.py
