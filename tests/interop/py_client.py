"""Real-client interop: the official Python MCP SDK (`mcp` 1.x or 2.x) against a running opik-mcp.

Usage: MCP_BASE_URL=http://127.0.0.1:3001 <venv>/bin/python py_client.py

For each transport (legacy HTTP+SSE at /sse, Streamable HTTP at /mcp) it runs the low-level
ClientSession: initialize, list_tools, call_tool("get-server-info", {}). On mcp 2.x it also runs
the high-level `mcp.client.Client(url)` in its default mode="auto" (probes `server/discover`, falls
back to `initialize` on a handshake-era server). Prints one PASS/FAIL line per step and ends with
`N passed, M failed`; exits non-zero on any failure.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
import traceback
import warnings

import anyio

import mcp.client.sse as sse_mod
import mcp.client.streamable_http as http_mod
from mcp import ClientSession

warnings.simplefilter("ignore", DeprecationWarning)

BASE = os.environ.get("MCP_BASE_URL", "http://127.0.0.1:3001").rstrip("/")
STEP_TIMEOUT = float(os.environ.get("STEP_TIMEOUT", "10"))
SDK = importlib.metadata.version("mcp")
MAJOR = int(SDK.split(".")[0])
REQUIRED_TOOLS = {"get-server-info", "get-opik-help"}

# 1.x: `streamablehttp_client` (yields read, write, get_session_id); 2.x renamed it to
# `streamable_http_client` (yields read, write). `sse_client` keeps its name in both.
streamable_client = getattr(http_mod, "streamablehttp_client", None) or http_mod.streamable_http_client

results: list[tuple[str, bool, str]] = []


def field(obj, *names):
    """1.x models use camelCase attributes (isError, serverInfo); 2.x uses snake_case."""
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    return None


def describe(e: BaseException) -> str:
    while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:  # anyio task-group wrapping
        e = e.exceptions[0]
    if isinstance(e, TimeoutError) and not str(e):
        return f"TimeoutError: no answer within the time limit ({STEP_TIMEOUT:g}s per step)"
    return f"{type(e).__name__}: {e}"


def record(label: str, ok: bool, detail: str = "") -> None:
    results.append((label, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'} {label}{': ' + detail if detail else ''}", flush=True)


def check_tools(result) -> str:
    names = {t.name for t in result.tools}
    missing = REQUIRED_TOOLS - names
    assert not missing, f"missing tools {sorted(missing)}; got {sorted(names)}"
    return f"{len(names)} tools"


def check_server_info(result) -> str:
    assert not field(result, "is_error", "isError"), f"isError set: {result}"
    text = "\n".join(c.text for c in result.content if getattr(c, "type", None) == "text")
    assert text, f"no text content: {result}"
    assert "opik" in text.lower(), f"text does not mention opik: {text[:300]!r}"
    try:
        json.loads(text)
        return f"{len(text)} chars of JSON"
    except ValueError:
        return f"{len(text)} chars of text"


async def step(label: str, fn):
    """Run one awaitable step with a timeout; record it; re-raise to abort the sequence."""
    try:
        with anyio.fail_after(STEP_TIMEOUT):
            detail = await fn()
        record(label, True, detail or "")
    except BaseException as e:  # noqa: BLE001 - report everything, incl. ExceptionGroup
        record(label, False, describe(e))
        if os.environ.get("VERBOSE"):
            traceback.print_exc()
        raise


async def run_session(name: str, client_cm) -> None:
    prefix = f"mcp {SDK} {name}"
    n0 = len(results)
    try:
        with anyio.fail_after(STEP_TIMEOUT * 3):
            async with client_cm as streams, ClientSession(streams[0], streams[1]) as session:

                async def init():
                    r = await session.initialize()
                    info = field(r, "server_info", "serverInfo")
                    assert info.name == "opik-mcp", f"serverInfo.name={info.name!r}"
                    return f"protocol {field(r, 'protocol_version', 'protocolVersion')}"

                await step(f"{prefix} initialize", init)
                await step(f"{prefix} list_tools", lambda: _then(session.list_tools(), check_tools))
                await step(
                    f"{prefix} call_tool get-server-info",
                    lambda: _then(session.call_tool("get-server-info", {}), check_server_info),
                )
        record(f"{prefix} close", True)
    except BaseException as e:  # noqa: BLE001
        if all(ok for _, ok, _ in results[n0:]):  # failed outside a step: connect or close
            record(f"{prefix} connect/close", False, describe(e))


async def run_high_level_client() -> None:
    """mcp 2.x only: the default high-level Client (mode='auto': server/discover, then fallback)."""
    from mcp.client import Client

    prefix = f"mcp {SDK} Client(mode=auto) streamable-http"
    n0 = len(results)
    try:
        with anyio.fail_after(STEP_TIMEOUT * 3):
            async with Client(f"{BASE}/mcp") as client:
                record(f"{prefix} connect", True, f"protocol {client.session.protocol_version}")
                await step(f"{prefix} list_tools", lambda: _then(client.list_tools(), check_tools))
                await step(
                    f"{prefix} call_tool get-server-info",
                    lambda: _then(client.call_tool("get-server-info", {}), check_server_info),
                )
        record(f"{prefix} close", True)
    except BaseException as e:  # noqa: BLE001
        if all(ok for _, ok, _ in results[n0:]):
            record(f"{prefix} connect/close", False, describe(e))


async def _then(awaitable, check):
    return check(await awaitable)


async def main() -> None:
    await run_session("sse", sse_mod.sse_client(f"{BASE}/sse"))
    await run_session("streamable-http", streamable_client(f"{BASE}/mcp"))
    if MAJOR >= 2:
        await run_high_level_client()


if __name__ == "__main__":
    try:
        anyio.run(main)
    except BaseException as e:  # noqa: BLE001
        record(f"mcp {SDK} runner", False, describe(e))
    passed = sum(ok for _, ok, _ in results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not results else 0)
