#!/usr/bin/env bash
# Short soak for CI (issue 10): 60 s of steady load, sampled every 2 s; see scripts/soak.sh
# (the full 10-minute run) for the pass rule.
set -uo pipefail
cd "$(dirname "$0")/../.."
timeout 120 bash scripts/soak.sh "${SOAK_SECS:-60}" 2
