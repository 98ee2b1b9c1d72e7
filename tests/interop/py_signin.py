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
MCP_APIKEY_URL, MCP_API_KEY, SIGNIN_AS, CIMD_URL, OUTSIDER_LOGIN, MCP_SSE_BASE_URL). Prints
PASS/FAIL lines and `N passed, M failed`.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import sys
import time
import urllib.parse
import urllib.request
import warnings

import anyio

import mcp.client.streamable_http as http_mod
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import OAuthClientMetadata

warnings.simplefilter("ignore", DeprecationWarning)
# The SDK logs each failed flow with a traceback; the API-key checks fail it on purpose and
# report the error themselves.
logging.getLogger("mcp.client.auth").setLevel(logging.CRITICAL)

SDK = importlib.metadata.version("mcp")
MAJOR = int(SDK.split(".")[0])
if MAJOR >= 2:
    import httpx2 as httpx
    from mcp.shared.auth import AuthorizationCodeResult
else:
    import httpx

BASE = os.environ["MCP_BASE_URL"].rstrip("/")
RESOURCE = f"{BASE}/mcp"
ISSUER = os.environ["OIDC_ISSUER"].rstrip("/")
BROKER = os.environ.get("SIGNIN_AS") == "broker"
# The authorization server the client meets: the provider, or opik-mcp itself as the broker.
AUTH_SERVER = BASE if BROKER else ISSUER
REGISTERED = "POST /register 201" if BROKER else "POST /reg 201"
TTL = float(os.environ.get("ACCESS_TTL", "4"))
LEEWAY = float(os.environ.get("JWT_LEEWAY", "0"))
REDIRECT = "http://127.0.0.1:1/callback"  # nothing listens: the driver stops before it
STEP = 30.0

_spec = importlib.util.spec_from_file_location("login", os.environ["OIDC_LOGIN"])
login = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(login)

results: list[tuple[str, bool, str]] = []


def record(label: str, ok: bool, detail: str = "") -> None:
    results.append((label, ok, detail))
    print(f"{'PASS' if ok else 'FAIL'} mcp {SDK} {label}{': ' + detail if detail else ''}", flush=True)


def flatten(e: BaseException) -> str:
    """Every message in an exception and its groups, causes and contexts."""
    seen, out, todo = set(), [], [e]
    while todo:
        x = todo.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        out.append(f"{type(x).__name__}: {x}")
        todo.extend(getattr(x, "exceptions", ()))
        todo.extend([x.__cause__, x.__context__])
    return " | ".join(out)


class Memory:
    """TokenStorage in memory."""

    def __init__(self) -> None:
        self.tokens = self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens) -> None:
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, info) -> None:
        self.client = info


class Browser:
    """The redirect and callback handlers: the login driver plays the user (`how`: its
    keyword arguments, e.g. another login or a refusal). What came back stays in `last`."""

    def __init__(self, **how) -> None:
        self.urls: list[str] = []
        self.back: dict | None = None
        self.last: dict | None = None
        self.how = how

    async def redirect(self, url: str) -> None:
        self.urls.append(url)
        self.back = await anyio.to_thread.run_sync(lambda: login.authorize(url, **self.how))
        self.last = self.back

    async def callback(self):
        back, self.back = self.back, None
        assert back and (back.get("code") or back.get("error")), f"nothing from the sign-in: {back}"
        # A refusal goes to the SDK as it would from a browser: no code, the state and iss.
        if MAJOR >= 2:
            return AuthorizationCodeResult(code=back["code"] or "", state=back["state"], iss=back["iss"])
        return back["code"], back["state"]


def provider(server: str, browser: Browser, metadata_url: str | None = None) -> OAuthClientProvider:
    meta = OAuthClientMetadata(
        client_name=f"opik-mcp sign-in test (Python SDK {SDK})",
        redirect_uris=[REDIRECT],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    return OAuthClientProvider(server, meta, Memory(), browser.redirect, browser.callback,
                               client_metadata_url=metadata_url)


def http_client(log: list[dict], auth, headers: dict | None = None):
    """An HTTP client for the transport whose hooks record every request and response."""

    async def on_response(resp) -> None:
        req = resp.request
        bearer = req.headers.get("authorization", "")
        log.append({
            "method": req.method, "url": str(req.url).split("?")[0], "status": resp.status_code,
            "query": dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(str(req.url)).query)),
            "session": req.headers.get("mcp-session-id"),
            "bearer": bearer[7:] if bearer.startswith("Bearer ") else None,
        })

    return httpx.AsyncClient(
        auth=auth, headers=headers, timeout=httpx.Timeout(30, read=300),
        event_hooks={"response": [on_response]},
    )


def open_transport(url: str, client):
    if MAJOR >= 2:
        return http_mod.streamable_http_client(url, http_client=client)
    return http_mod.streamablehttp_client(url, httpx_client_factory=lambda **_: client)


def steps(log: list[dict]) -> list[str]:
    return [f"{r['method']} {urllib.parse.urlsplit(r['url']).path} {r['status']}" for r in log]


def provider_events() -> list[dict]:
    with urllib.request.urlopen(f"{ISSUER}/__harness/events", timeout=5) as r:
        return json.load(r)


@contextlib.asynccontextmanager
async def transport(url: str, client):
    """The Streamable HTTP transport over `client` (1.x takes a factory, 2.x the client)."""
    if MAJOR >= 2:
        async with client, http_mod.streamable_http_client(url, http_client=client) as (r, w):
            yield r, w
    else:
        factory = lambda **_: client  # noqa: E731 - the factory 1.x calls with its own kwargs
        async with http_mod.streamablehttp_client(url, httpx_client_factory=factory) as (r, w, _):
            yield r, w


async def check(label: str, fn) -> None:
    """Run one check with a time limit and record it; a failure ends the sequence."""
    try:
        with anyio.fail_after(STEP):
            detail = await fn()
    except BaseException as e:  # noqa: BLE001 - report everything, incl. groups
        record(label, False, flatten(e)[:2000])
        raise
    record(label, True, detail or "")


async def text_of(result) -> str:
    error = getattr(result, "is_error", None) or getattr(result, "isError", None)
    assert not error, f"tool error: {result}"
    return "\n".join(c.text for c in result.content if getattr(c, "type", None) == "text")


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


async def broker_flows() -> None:
    outsider = os.environ.get("OUTSIDER_LOGIN", "outsider")
    for name, how, reason in [
        ("consent denied", {"deny": BASE}, "denied"),
        ("an account outside the allowed domains", {"login": outsider}, "may not use this server"),
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
