#!/usr/bin/env bash
# Real MCP clients (official TypeScript and Python SDKs) and the official conformance suite
# against the built binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash tests/interop/run.sh
