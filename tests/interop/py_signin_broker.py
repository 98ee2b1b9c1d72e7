"""The Python SDK against the built-in broker (SIGNIN_AS=broker; run by py_signin.py): refusals
reaching the client as access_denied, a Client ID Metadata Document instead of registering,
and sign-in from the legacy /sse endpoint on a server whose resource is its origin."""

from __future__ import annotations

import os
import urllib.parse

import anyio
from mcp import ClientSession
from mcp.client.sse import sse_client

from py_signin_lib import (
    BASE, LEEWAY, RESOURCE, TTL, Browser, check, flatten, http_client, provider, steps,
    text_of, transport,
)

async def broker_refusal(name: str, how: dict, reason: str) -> None:
    """A sign-in the broker refuses: the SDK gets access_denied with its own state, no token."""
    browser = Browser(**how)
    auth = provider(RESOURCE, browser)

    async def attempt():
        text = ""
        try:
            async with transport(RESOURCE, http_client([], auth)) as (r, w), ClientSession(r, w) as s:
                await s.initialize()
        except BaseException as e:  # noqa: BLE001 - the failure is what is checked
            text = flatten(e)
        back = browser.last or {}
        assert back.get("error") == "access_denied" and not back.get("code"), back
        assert reason in (back.get("error_description") or ""), back
        sent = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(browser.urls[-1]).query))
        assert back["state"] == sent["state"] and back["iss"] == BASE, (back, sent)
        assert "No authorization code received" in text, text
        assert auth.context.current_tokens is None, "no token"
        return back["error_description"]

    await check(f"refused by the broker ({name}): access_denied reaches the client", attempt)


async def metadata_document_sign_in(url: str) -> None:
    """Sign in with a Client ID Metadata Document: no registration, the URL is the client_id."""
    log: list[dict] = []
    browser = Browser()
    auth = provider(RESOURCE, browser, metadata_url=url)

    async def sign_in_and_call():
        async with transport(RESOURCE, http_client(log, auth)) as (r, w), ClientSession(r, w) as s:
            await s.initialize()
            await text_of(await s.call_tool("get-opik-help", {"topic": "general"}))
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(browser.urls[-1]).query))
        assert q["client_id"] == url, q
        assert not any(x.startswith("POST /register") for x in steps(log)), steps(log)
        return f"client_id {url}"

    await check("signs in with a Client ID Metadata Document and calls a tool", sign_in_and_call)


async def legacy_sse_sign_in(base: str) -> None:
    """Sign in from GET /sse (the server's resource is its origin, which covers /sse), call a
    tool, outlive the token, and go on in the same SSE session."""
    log: list[dict] = []
    browser = Browser()
    auth = provider(f"{base}/sse", browser)
    factory = lambda **_: http_client(log, auth)  # noqa: E731 - the transport's own kwargs

    async def sign_in_call_refresh():
        async with sse_client(f"{base}/sse", httpx_client_factory=factory, auth=auth) as (r, w), \
                ClientSession(r, w) as s:
            await s.initialize()
            await text_of(await s.call_tool("get-opik-help", {"topic": "general"}))
            n = len(log)
            await anyio.sleep(TTL + LEEWAY + 1.5)
            await text_of(await s.call_tool("get-server-info", {}))
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(browser.urls[-1]).query))
        assert q["resource"].rstrip("/") == base, q
        assert "POST /token 200" in steps(log[n:]), steps(log[n:])
        posts = [x for x in log if x["url"].endswith("/messages")]
        sessions = {x["query"].get("session_id") or x["query"].get("sessionId") for x in posts}
        assert len(sessions) == 1 and posts[-1]["status"] == 202, (sessions, steps(log[n:]))
        return f"one SSE session; after the expiry: {' → '.join(steps(log[n:]))}"

    await check("signs in over legacy SSE and refreshes on the same SSE session", sign_in_call_refresh)


async def broker_flows() -> None:
    outsider = os.environ.get("OUTSIDER_LOGIN", "outsider")
    for name, how, reason in [
        ("consent denied", {"deny": BASE}, "denied"),
        ("an account outside the allowed domains", {"login": outsider}, "may not use this server"),
        ("an account in none of the allowed groups",
         {"login": os.environ.get("UNGROUPED_LOGIN", "ungrouped")}, "none of the groups"),
    ]:
        try:
            await broker_refusal(name, how, reason)
        except BaseException:  # noqa: BLE001 - recorded by check()
            pass
    if os.environ.get("CIMD_URL"):
        try:
            await metadata_document_sign_in(os.environ["CIMD_URL"])
        except BaseException:  # noqa: BLE001 - recorded by check()
            pass
    if os.environ.get("MCP_SSE_BASE_URL"):
        try:
            await legacy_sse_sign_in(os.environ["MCP_SSE_BASE_URL"].rstrip("/"))
        except BaseException:  # noqa: BLE001 - recorded by check()
            pass
