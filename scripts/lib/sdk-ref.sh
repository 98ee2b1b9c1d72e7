# The reference server on the official TypeScript MCP SDK (bench/sdk-ref), for side-by-side
# runs in scripts/bench.sh. Source it; needs node, npm, curl and jq. Installed (once per
# package-lock.json) under $HOME/.cache/opik-mcp-bench/sdk-ref, never in the repository.

SDK_REF_DIR=${SDK_REF_DIR:-$HOME/.cache/opik-mcp-bench/sdk-ref}

# sdk_ref_install: copy bench/sdk-ref there and install its locked dependencies if needed.
sdk_ref_install() {
    local want
    mkdir -p "$SDK_REF_DIR"
    cp bench/sdk-ref/package.json bench/sdk-ref/package-lock.json bench/sdk-ref/server.mjs \
        "$SDK_REF_DIR/"
    want=$(sha256sum bench/sdk-ref/package-lock.json | cut -d' ' -f1)
    if [[ $(cat "$SDK_REF_DIR/.lock.sha256" 2>/dev/null) != "$want" ]]; then
        (cd "$SDK_REF_DIR" && timeout 600 npm ci --cache "$HOME/.cache/npm" --prefer-offline \
            --no-audit --no-fund --loglevel=error)
        echo "$want" >"$SDK_REF_DIR/.lock.sha256"
    fi
}

# dump_tools URL FILE: the `tools/list` result of the MCP server at URL (Streamable HTTP, no
# credentials), so the reference server can serve the same tool list.
dump_tools() {
    local url=$1/mcp file=$2 sid
    local hdr=(-H 'content-type: application/json' -H 'accept: application/json, text/event-stream')
    sid=$(curl -fsS -D - -o /dev/null "${hdr[@]}" "$url" -d '{"jsonrpc":"2.0","id":1,
        "method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},
        "clientInfo":{"name":"bench","version":"0"}}}' | tr -d '\r' \
        | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
    hdr+=(-H "mcp-session-id: $sid" -H 'mcp-protocol-version: 2025-11-25')
    curl -fsS "${hdr[@]}" "$url" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
    curl -fsS "${hdr[@]}" "$url" -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
        | jq -e '.result' >"$file"
    curl -fsS -X DELETE -H "mcp-session-id: $sid" "$url" >/dev/null || true
}

# start_sdk_ref PORT TOOLS_JSON LOG: run the reference server in the background (pid in $!).
start_sdk_ref() {
    PORT=$1 TOOLS_JSON=$2 node "$SDK_REF_DIR/server.mjs" >"$3" 2>&1 &
}
