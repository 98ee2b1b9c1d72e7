"""Browser sign-in with the official Python MCP SDK's `OAuthClientProvider` (mcp 1.x or 2.x),
unattended: the browser step is tests/oauth/login.py walking a real authorization server's
login and consent pages over HTTP.

Against an opik-mcp in JWT mode behind tests/oauth/provider.mjs (dcr mode): 401 → metadata →
registration → authorize (PKCE S256, resource) → token → MCP calls; then the access token
expires and a refresh keeps the same MCP session. Against an API-key opik-mcp: the client fails
with the server's own explanation. Every HTTP request the SDK makes (its own and the OAuth
flow's) is recorded through the HTTP client's event hooks and checked.

With SIGNIN_AS=broker, against an opik-mcp whose built-in broker is the authorization server
(provider.mjs in static mode plays the company identity provider): the same flow through
opik-mcp's metadata, /register, /authorize, the provider's login, opik-mcp's consent page and
/token (the refresh token rotated); the refusals a user meets (consent denied, an account
outside the allowed domains) reach the SDK as access_denied with its state; and with CIMD_URL
the client signs in with a Client ID Metadata Document instead of registering.

Env as for ts_signin.test.mjs (MCP_BASE_URL, OIDC_ISSUER, OIDC_LOGIN, ACCESS_TTL, JWT_LEEWAY,
MCP_APIKEY_URL, MCP_API_KEY, SIGNIN_AS, CIMD_URL, OUTSIDER_LOGIN, UNGROUPED_LOGIN,
MCP_SSE_BASE_URL). Prints
PASS/FAIL lines and `N passed, M failed`.
"""


from __future__ import annotations

import os
import sys
import time
import urllib.parse

import anyio
from mcp import ClientSession
from mcp.client.sse import sse_client

from py_signin_broker import broker_flows
from py_signin_lib import (
    AUTH_SERVER, BASE, BROKER, LEEWAY, REGISTERED, RESOURCE, SDK, STEP, TTL, Browser, check,
    flatten, http_client, provider, provider_events, record, results, steps, text_of, transport,
)


async def sign_in_and_refresh() -> None:
    began_ms = time.time() * 1000
    log: list[dict] = []
    browser = Browser()
    auth = provider(RESOURCE, browser)
    async with transport(RESOURCE, http_client(log, auth)) as (r, w), ClientSession(r, w) as session:

        async def first_contact():
            await session.initialize()
            seq = steps(log)
            assert seq[:2] == ["POST /mcp 401", "GET /.well-known/oauth-protected-resource/mcp 200"], seq
            assert any(s.endswith(("oauth-authorization-server 200", "openid-configuration 200")) for s in seq), seq
            assert REGISTERED in seq and "POST /token 200" in seq, seq
            q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(browser.urls[-1]).query))
            assert browser.urls[-1].startswith(f"{AUTH_SERVER}/"), browser.urls
            assert browser.last["iss"] == AUTH_SERVER, browser.last
            assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43, q
            assert q["resource"] == RESOURCE, q
            # 2.x adds offline_access when the authorization server lists it.
            assert {"opik:read", "opik:write"} <= set(q["scope"].split()) <= {
                "opik:read", "opik:write", "offline_access"}, q
            return f"{len(seq)} requests, scope {q['scope']!r}"

        await check("signs in: 401, metadata, registration, PKCE S256 + resource, token", first_contact)

        async def write_tool():
            names = {t.name for t in (await session.list_tools()).tools}
            assert "get-opik-help" in names, names
            await text_of(await session.call_tool("get-opik-help", {"topic": "general"}))

        await check("calls a write tool the granted scopes allow", write_tool)
        sid = log[-1]["session"]
        first_token = log[-1]["bearer"]
        first_refresh = auth.context.current_tokens.refresh_token

        async def outlive_the_token():
            n = len(log)
            await anyio.sleep(TTL + LEEWAY + 1.5)
            await text_of(await session.call_tool("get-server-info", {}))
            after = log[n:]
            assert "POST /token 200" in steps(after), steps(after)
            mcp = [x for x in after if x["url"] == RESOURCE and x["status"] == 200]
            assert mcp and all(x["session"] == sid for x in mcp), (sid, mcp)
            assert all(x["bearer"] and x["bearer"] != first_token for x in mcp), "a new token"
            if BROKER:
                assert auth.context.current_tokens.refresh_token != first_refresh, "rotated"
            return f"session {sid[:8]}… kept; {' → '.join(steps(after))}"

        await check("refreshes the expired token and keeps the same MCP session", outlive_the_token)

    async def provider_saw_it():
        client_id = auth.context.client_info.client_id
        mine = [e for e in provider_events() if e.get("client_id") == client_id]
        assert [e["type"] for e in mine if e["type"] == "registration"] == ["registration"], mine
        grants = [e["grant_type"] for e in mine if e["type"] == "token"]
        assert grants[0] == "authorization_code" and "refresh_token" in grants, grants
        auths = [e for e in mine if e["type"] == "authorization"]
        assert auths and all(a["resource"] == RESOURCE for a in auths), auths
        return ", ".join(grants)

    async def idp_saw_the_broker():
        client_id = auth.context.client_info.client_id
        seen = [e for e in provider_events() if e["at"] >= began_ms]
        assert not [e for e in seen if e["type"] == "registration"], seen
        auths = [e for e in seen if e["type"] == "authorization"]
        assert len(auths) == 1 and auths[0]["client_id"] != client_id, auths
        a = auths[0]
        assert a["code_challenge_method"] == "S256" and a["has_state"], a
        assert a["resource"] is None, "the MCP client's resource is not forwarded upstream"
        grants = [e["grant_type"] for e in seen if e["type"] == "token"]
        assert grants == ["authorization_code"], f"refreshes stay at the broker: {grants}"
        return f"upstream client {a['client_id']}, scope {a['scope']!r}"

    if BROKER:
        await check("the identity provider saw the broker sign the user in once, no resource, no "
                    "refresh", idp_saw_the_broker)
    else:
        await check("the authorization server saw the registration, the code and a refresh grant",
                    provider_saw_it)


async def api_key_server(name: str, headers: dict, reason: str) -> None:
    url = f"{os.environ['MCP_APIKEY_URL'].rstrip('/')}/mcp"
    log: list[dict] = []
    browser = Browser()

    async def attempt():
        text = ""
        try:
            with anyio.fail_after(STEP / 2):
                client = http_client(log, provider(url, browser), headers)
                async with transport(url, client) as (r, w), ClientSession(r, w) as session:
                    await session.initialize()
        except BaseException as e:  # noqa: BLE001 - the failure is what is checked
            text = flatten(e)
        shown = next((p for p in text.split(" | ") if "Registration failed" in p), text)
        print(f"Python SDK {SDK} shows ({name}): {shown}", flush=True)
        assert "accepts API keys only" in text and reason in text, text
        assert not browser.urls, "no browser is opened"
        assert steps(log)[-1] == "POST /register 403", steps(log)
        return shown[:120]

    await check(f"against an API-key server {name}, shows the server's reason", attempt)


async def sse_needs_the_origin_as_resource() -> None:
    """With auth.resource = …/mcp a new client cannot sign in from /sse: the SDK accepts only a
    resource that is the URL it connects to or a prefix of it (what docs/security.md says)."""
    browser = Browser()
    auth = provider(f"{BASE}/sse", browser)

    async def refused():
        text = ""
        try:
            with anyio.fail_after(STEP / 2):
                async with sse_client(f"{BASE}/sse", auth=auth) as (r, w), ClientSession(r, w) as s:
                    await s.initialize()
        except BaseException as e:  # noqa: BLE001 - the failure is what is checked
            text = flatten(e)
        assert f"Protected resource {RESOURCE} does not match expected {BASE}/sse" in text, text
        assert not browser.urls, "no browser is opened"
        return "Protected resource …/mcp does not match expected …/sse"

    await check("a new client cannot sign in from legacy SSE while the resource is …/mcp", refused)


async def main() -> None:
    try:
        await sign_in_and_refresh()
    except BaseException:  # noqa: BLE001 - recorded by check(); go on with the other flow
        pass
    try:
        await sse_needs_the_origin_as_resource()
    except BaseException:  # noqa: BLE001 - recorded by check()
        pass
    if BROKER:
        await broker_flows()
    if os.environ.get("MCP_APIKEY_URL"):
        await api_key_flows()


async def api_key_flows() -> None:
    for name, headers, reason in [
        # The SDK registers without the MCP requests' headers: the server cannot tell the two
        # cases apart at /register (the 401 before it said "unknown API key").
        ("without a key", {}, "missing or unknown key"),
        ("with a wrong key", {"Authorization": "Bearer wrong-key-0123456789abcdef0123456789"},
         "missing or unknown key"),
    ]:
        try:
            await api_key_server(name, headers, reason)
        except BaseException:  # noqa: BLE001
            pass


if __name__ == "__main__":
    started = time.monotonic()
    try:
        anyio.run(main)
    except BaseException as e:  # noqa: BLE001
        record("runner", False, flatten(e))
    passed = sum(ok for _, ok, _ in results)
    print(f"took {time.monotonic() - started:.1f}s")
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(1 if passed < len(results) or not results else 0)
