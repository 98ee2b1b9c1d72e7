#!/usr/bin/env bash
# The Dockerfile: hadolint (from its PyPI package), the image's promises (non-root, read-only
# root, ports, HEALTHCHECK, OCI labels, dependency caching), and the runtime stage's ENV and CMD
# run against the real binary (tests/deploy/test_container.py). Then the image itself
# (tests/deploy/test_image.py): base images cannot be pulled here, so
# scripts/container-image.sh builds it FROM scratch around the tested binary from the
# Dockerfile's runtime stage, and podman (Debian's podman + runc, installed if missing) runs it
# non-root on a read-only root filesystem: /health, the admin /readyz, the health check.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPIK_MCP_BIN="${OPIK_MCP_BIN:-$PWD/target/debug/opik-mcp}"

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    echo "container: installing Debian's podman and runc"
    if ! timeout 600 apt-get install -y -q --no-install-recommends podman runc >/dev/null 2>&1; then
        timeout 300 apt-get update -q >/dev/null
        timeout 600 apt-get install -y -q --no-install-recommends podman runc >/dev/null
    fi
fi
echo "container: $(podman --version)"

venv="$(bash tests/deploy/install.sh)"
exec timeout 600 "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider \
    tests/deploy/test_container.py tests/deploy/test_image.py
