"""Closing a Streamable HTTP session while a request is still in flight, with the official
Python MCP SDK (`mcp` 1.x or 2.x), against the conformance fixture server.

Usage: MCP_BASE_URL=http://127.0.0.1:3002 <venv>/bin/python py_close.py

Each round opens a session, calls the fixture tool `test_slow` (5 s) with a 0.3 s client
timeout, then leaves the session: the SDK sends DELETE while the call's POST is still open.
The server must answer the DELETE first and only then end the in-flight POST (404); the other
order makes the SDK raise on close. The order is timing-dependent, so several rounds run
(ROUNDS, default 6). Prints one PASS/FAIL line per round (and the traceback of what the SDK
raised, on stderr) and ends with `N passed, M failed`.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import traceback
import warnings
from datetime import timedelta

import anyio

import mcp.client.streamable_http as http_mod
from mcp import ClientSession

warnings.simplefilter("ignore", DeprecationWarning)

BASE = os.environ.get("MCP_BASE_URL", "http://127.0.0.1:3002").rstrip("/")
ROUNDS = int(os.environ.get("ROUNDS", "6"))
SDK = importlib.metadata.version("mcp")
MAJOR = int(SDK.split(".")[0])
streamable_client = getattr(http_mod, "streamablehttp_client", None) or http_mod.streamable_http_client


def describe(e: BaseException) -> str:
    while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
        e = e.exceptions[0]
    return f"{type(e).__name__}: {e}"


async def one_round(n: int) -> tuple[bool, str]:
    """True when the call timed out on the client and the session closed without raising."""
    timeout = timedelta(seconds=0.3) if MAJOR < 2 else 0.3
    timed_out = False
    try:
        with anyio.fail_after(15):
            async with streamable_client(f"{BASE}/mcp") as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    try:
                        await session.call_tool("test_slow", {"ms": 5000}, read_timeout_seconds=timeout)
                    except Exception as e:  # noqa: BLE001 - the SDK's timeout error differs by line
                        timed_out = "timed out" in str(e).lower() or "timeout" in type(e).__name__.lower()
                        if not timed_out:
                            return False, f"the call failed instead of timing out: {describe(e)}"
    except BaseException as e:  # noqa: BLE001 - what the SDK raised on close
        # Always: the failure is rare and timing-dependent, its traceback is the evidence.
        traceback.print_exc()
        return False, f"raised on close: {describe(e)}"
    if not timed_out:
        return False, "the call answered within the client timeout (nothing was in flight)"
    return True, "timed out, closed cleanly"


async def main() -> int:
    failed = 0
    for n in range(1, ROUNDS + 1):
        ok, detail = await one_round(n)
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} mcp {SDK} close while in flight, round {n}: {detail}", flush=True)
    print(f"{ROUNDS - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
