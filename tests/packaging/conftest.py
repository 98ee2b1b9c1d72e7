"""Shared fixtures of the packaging suite: the repository, the binary tests/run.sh built
(OPIK_MCP_BIN, the dev profile: install checks do not need a release build), the project's
version and URL as Cargo.toml states them, and a stdio MCP exchange."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def binary() -> Path:
    path = Path(os.environ.get("OPIK_MCP_BIN", ROOT / "target/debug/opik-mcp"))
    assert path.is_file(), f"{path} is not built (cargo build --bin opik-mcp)"
    return path


@pytest.fixture(scope="session")
def packed_binary(binary: Path, tmp_path_factory) -> Path:
    """The binary as the packages carry it: symbols stripped, as the release profile and
    maturin's `strip = true` do (also halves what the tests compress and unpack)."""
    out = tmp_path_factory.mktemp("bin") / "opik-mcp"
    shutil.copy2(binary, out)
    if shutil.which("strip"):
        subprocess.run(["strip", out], check=True, timeout=60)
    return out


@pytest.fixture(scope="session")
def cargo() -> dict:
    """Cargo.toml's [package] table."""
    return tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the caller's opik-mcp settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not re.match(r"^(OPIK_|COMET_|MCP_|SSE_|TRANSPORT$|DATABASE_URL$)", k)
    }
    env.update(extra)
    return env


def stdio_initialize_and_list_tools(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[dict, dict]:
    """Run `cmd` as an MCP stdio server: initialize, initialized, tools/list, end of input.
    Returns the initialize result and the tools/list result; the process must exit 0."""
    lines = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "packaging-test", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]
    proc = subprocess.run(
        cmd, input="".join(json.dumps(m) + "\n" for m in lines), capture_output=True,
        text=True, env=env, cwd=cwd, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    replies = {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert set(replies) == {1, 2}, proc.stdout
    assert "\x1b[" not in proc.stderr, "no ANSI codes on a redirected stderr"
    return replies[1]["result"], replies[2]["result"]


def assert_serves_mcp(cmd: list[str], env: dict[str, str], cwd: Path) -> None:
    """`cmd` is a working opik-mcp: it answers initialize and lists the tools over stdio."""
    init, tools = stdio_initialize_and_list_tools(cmd, env, cwd)
    assert init["serverInfo"]["name"] == "opik-mcp"
    names = {t["name"] for t in tools["tools"]}
    assert {"get-server-info", "get-opik-help"} <= names, names
