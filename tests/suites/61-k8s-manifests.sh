#!/usr/bin/env bash
# deploy/k8s: each overlay rendered with `kubectl kustomize`, validated strictly against the
# Kubernetes schemas bundled by kubernetes-validate (PyPI), plus checks of what the manifests
# promise (hardening, probes, selectors, Ingress for SSE, replicas vs. affinity, env names the
# binary reads).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPIK_MCP_BIN="${OPIK_MCP_BIN:-$PWD/target/debug/opik-mcp}"
command -v kubectl >/dev/null || { echo "k8s-manifests: kubectl (with kustomize) is required" >&2; exit 2; }
venv="$(bash tests/deploy/install.sh)"
exec timeout 300 "$venv/bin/python" -m pytest -q -rs -p no:cacheprovider \
    tests/deploy/test_manifests.py tests/deploy/test_production.py
