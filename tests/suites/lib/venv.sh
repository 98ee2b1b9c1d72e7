# Sourced by the suites: the Python tools of tests/suites/requirements.txt in a venv cached
# under $HOME/.cache (reinstalled only when the requirements change).
#   ensure_venv  -> sets VENV
ensure_venv() {
  local req="$repo/tests/suites/requirements.txt"
  VENV="${OBS_SUITE_VENV:-$HOME/.cache/opik-mcp-obs/venv}"
  if cmp -s "$req" "$VENV/.requirements.txt" 2>/dev/null && [[ -x "$VENV/bin/python" ]]; then
    return 0
  fi
  echo "installing $(grep -v '^#' "$req" | tr '\n' ' ')"
  rm -rf "$VENV" && python3 -m venv "$VENV" \
    && timeout 600 "$VENV/bin/pip" install --quiet --disable-pip-version-check \
      --cache-dir "$HOME/.cache/pip" -r "$req" \
    && cp "$req" "$VENV/.requirements.txt"
}
