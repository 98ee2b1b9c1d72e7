#!/usr/bin/env bash
# Stage the npm packages of one build (the main `opik-mcp-rs` package and this platform's
# binary package) under OUTDIR, ready for `npm pack` or `npm publish`:
#   scripts/npm-stage.sh BINARY OUTDIR [--platform linux-x64|linux-arm64|darwin-arm64|win32-x64]
# The work is done by npm/stage.mjs (also `npm run stage` in npm/), so Windows runners need no
# shell beyond node.
set -euo pipefail
exec node "$(dirname "$0")/../npm/stage.mjs" "$@"
