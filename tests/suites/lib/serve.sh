# Sourced by the suites: start opik-mcp on free loopback ports and stop it on exit.
#   start_server ART_DIR   -> sets PUBLIC_URL and ADMIN_URL, logs in ART_DIR/server.log
# Server binary: $OPIK_MCP_BIN or target/debug/opik-mcp. The Opik API URL points at a closed
# port: nothing here needs the network.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {
  local art=$1
  local bin="${OPIK_MCP_BIN:-$repo/target/debug/opik-mcp}"
  [[ "$bin" = /* ]] || bin="$repo/$bin"
  [[ -x "$bin" ]] || { echo "server binary not found: $bin (cargo build first)"; return 2; }
  local port admin
  port="$(free_port)"; admin="$(free_port)"
  # OPIK_MCP_BIN (set by tests/run.sh) is not a setting: the config loader would refuse it.
  env -u OPIK_MCP_BIN OPIK_API_BASE_URL="http://127.0.0.1:9/opik/api" OPIK_MCP_ADMIN__PORT="$admin" \
    "$bin" --transport=sse --sse-host=127.0.0.1 --sse-port="$port" \
    --sse-log-path="$art/sse.log" >"$art/server.log" 2>&1 &
  SERVER_PID=$!
  trap 'kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null' EXIT
  PUBLIC_URL="http://127.0.0.1:$port"
  ADMIN_URL="http://127.0.0.1:$admin"
  for _ in $(seq 1 75); do
    curl -fsS --max-time 1 "$PUBLIC_URL/health" >/dev/null 2>&1 \
      && curl -fsS --max-time 1 "$ADMIN_URL/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:"; tail -n 20 "$art/server.log"; return 1; }
    sleep 0.2
  done
  echo "server not up after 15 s"; return 1
}
