"""What the Python SDK sign-in drivers share (py_signin.py, py_signin_broker.py): the settings
from the environment, the recorded HTTP client, the OAuthClientProvider whose browser is
tests/oauth/login.py, the transports of both SDK lines, and the PASS/FAIL bookkeeping."""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import urllib.parse
import urllib.request
import warnings

import anyio

import mcp.client.streamable_http as http_mod
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
