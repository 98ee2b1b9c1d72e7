#!/usr/bin/env bash
# Install (or reuse) the provider harness's node_modules from package-lock.json (oidc-provider).
# Downloads are cached in $HOME/.cache/npm; a second run with nothing changed does no network I/O.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="$here/node_modules/.harness-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "oauth harness: node_modules up to date"
  exit 0
fi
echo "oauth harness: npm ci"
(cd "$here" && timeout 600 npm ci --cache "$HOME/.cache/npm" --prefer-offline \
    --no-audit --no-fund --loglevel=error)
echo "$want" >"$stamp"
