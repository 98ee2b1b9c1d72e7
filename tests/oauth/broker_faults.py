"""The broker's failure cases where the real identity provider matters, over plain HTTP (the
browser is login.py): the provider slow or down while the user signs in (a clear page, 504 or
502, within the upstream timeout; nothing granted), the provider down when the server started
(/authorize answers a page until it is back, then works without a restart), and the provider's
own ID and access tokens presented at /mcp (refused: no token passthrough). It also checks that
the broker's Prometheus counters moved with what it did (a sign-in, a refresh, each refusal).

Env: MCP_BASE_URL (opik-mcp with the broker on), MCP_COLD_URL (another one, started while the
provider was down), MCP_ADMIN_URL and ADMIN_TOKEN (its admin listener), OIDC_ISSUER,
UPSTREAM_CLIENT_ID and UPSTREAM_CLIENT_SECRET (the broker's client at the provider),
UPSTREAM_TIMEOUT (auth.broker.upstream_timeout_secs of both servers). Run by
tests/suites/23-oauth-broker.sh; prints PASS/FAIL lines and "N passed, M failed".
"""

from __future__ import annotations

import base64
import hashlib
import http.cookiejar
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import login  # noqa: E402 - the driver beside this file

BASE = os.environ["MCP_BASE_URL"].rstrip("/")
COLD = os.environ["MCP_COLD_URL"].rstrip("/")
ADMIN = os.environ["MCP_ADMIN_URL"].rstrip("/")
ISSUER = os.environ["OIDC_ISSUER"].rstrip("/")
TIMEOUT = float(os.environ["UPSTREAM_TIMEOUT"])
REDIRECT = "http://127.0.0.1:1/callback"  # nothing listens: the walk stops before it
results: list[tuple[str, bool]] = []


def check(label: str, fn) -> None:
    try:
        detail = fn()
        results.append((label, True))
        print(f"PASS {label}{': ' + detail if detail else ''}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        results.append((label, False))
        print(f"FAIL {label}: {type(e).__name__}: {e}", flush=True)
    finally:
        harness("reset")


def request(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    """(status, headers, text) without following redirects."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(login._NoRedirect())
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def form(url: str, fields: dict, headers: dict | None = None):
    h = {"content-type": "application/x-www-form-urlencoded", **(headers or {})}
    status, _, text = request("POST", url, urllib.parse.urlencode(fields).encode(), h)
    return status, json.loads(text) if text.startswith("{") else text


def harness(what: str) -> None:
    """`reset`, `fail?status=N` or `delay?ms=N` at the provider."""
    request("POST", f"{ISSUER}/__harness/{what}")


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def register(base: str) -> str:
    body = json.dumps({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
                       "client_name": "broker fault test"}).encode()
    status, _, text = request("POST", f"{base}/register", body, {"content-type": "application/json"})
    assert status == 201, (status, text)
    return json.loads(text)["client_id"]


def authorize_url(base: str, client_id: str, challenge: str) -> str:
    return f"{base}/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
        "code_challenge": challenge, "code_challenge_method": "S256", "state": "fault-test",
        "scope": "opik:read", "resource": f"{base}/mcp"})


def metrics() -> dict[str, float]:
    """The broker's counters, keyed by series (`name{labels}`)."""
    _, _, text = request("GET", f"{ADMIN}/metrics")
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(opik_mcp_oauth_\w+(?:\{[^}]*\})?) (\S+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def grants() -> int:
    auth = {"authorization": f"Bearer {os.environ['ADMIN_TOKEN']}"}
    status, _, text = request("GET", f"{ADMIN}/admin/oauth/grants?all=true&limit=500", None, auth)
    assert status == 200, (status, text)
    return len(json.loads(text)["items"])


def sign_in_refresh(client_id: str) -> str:
    """A whole sign-in with plain HTTP, then a refresh (what the metrics must count)."""
    verifier, challenge = pkce()
    back = login.authorize(authorize_url(BASE, client_id, challenge))
    assert back["code"], back
    status, tokens = form(f"{BASE}/token", {
        "grant_type": "authorization_code", "code": back["code"], "code_verifier": verifier,
        "client_id": client_id, "redirect_uri": REDIRECT})
    assert status == 200, (status, tokens)
    status, again = form(f"{BASE}/token", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": client_id})
    assert status == 200 and again["refresh_token"] != tokens["refresh_token"], (status, again)
    return "signed in, refreshed"


def callback_with_provider(client_id: str, fault: str) -> tuple[int, str, float]:
    """Sign in at the provider up to its redirect to our callback, inject `fault`, then let
    the browser arrive: the status and text of the page it gets, and how long it took."""
    jar = http.cookiejar.CookieJar()
    _, challenge = pkce()
    back = login.authorize(authorize_url(BASE, client_id, challenge),
                           stop_at=f"{BASE}/oauth/callback", jar=jar)
    harness(fault)
    began = time.monotonic()
    try:
        login.authorize(back["redirect"], stop_at=REDIRECT, jar=jar, timeout=TIMEOUT + 20)
    except login.SignInError as e:
        return e.status or 0, e.page, time.monotonic() - began
    raise AssertionError("the sign-in went through with the provider failing")


def run() -> None:
    client_id = register(BASE)
    before = metrics()
    check("setup: a sign-in and a refresh through the broker", lambda: sign_in_refresh(client_id))
    granted = grants()

    def slow_provider():
        status, page, took = callback_with_provider(client_id, f"delay?ms={int(TIMEOUT * 1000) + 3000}")
        assert status == 504, (status, page)
        assert "did not answer in time" in page and "Try signing in again" in page, page
        assert took < TIMEOUT + 2, f"took {took:.1f} s"
        return f"504 after {took:.1f} s: {page[:90]}"

    check("a slow identity provider at the callback: a 504 page within the timeout", slow_provider)

    def provider_down():
        status, page, took = callback_with_provider(client_id, "fail?status=503")
        assert status == 502, (status, page)
        assert "sign-in provider" in page and "503" in page, page
        return f"502 after {took:.1f} s: {page[:120]}"

    check("an identity provider that is down at the callback: a 502 page naming its answer", provider_down)

    def nothing_granted():
        now = grants()
        assert now == granted, f"{granted} grants before the failed sign-ins, {now} after"
        return f"still {now} grants"

    check("nothing was granted by the failed sign-ins", nothing_granted)
    cold_start()
    provider_tokens()
    counters(before)


def cold_start() -> None:
    cold_client = register(COLD)

    def down_then_back():
        _, challenge = pkce()
        url = authorize_url(COLD, cold_client, challenge)
        harness("fail?status=503")
        status, _, page = request("GET", url)
        assert status == 502 and "unavailable" in page, (status, page[:300])
        harness("fail?status=0")
        harness(f"delay?ms={int(TIMEOUT * 1000) + 3000}")
        began = time.monotonic()
        status, _, page = request("GET", url)
        took = time.monotonic() - began
        assert status == 504 and took < TIMEOUT + 2, (status, took, page[:300])
        harness("reset")
        status, headers, _ = request("GET", url)
        assert status == 302 and headers["location"].startswith(f"{ISSUER}/"), (status, headers)
        return f"502 while down, 504 after {took:.1f} s while slow, then 302 to the provider"

    check("the identity provider down when the server started: a page until it is back, then "
          "sign-in works without a restart", down_then_back)


def provider_tokens() -> None:
    """Sign in at the provider itself as the broker's client (asking for our resource) and
    present what it issues at /mcp."""
    verifier, challenge = pkce()
    callback = f"{BASE}/oauth/callback"
    url = f"{ISSUER}/auth?" + urllib.parse.urlencode({
        "client_id": os.environ["UPSTREAM_CLIENT_ID"], "response_type": "code",
        "redirect_uri": callback, "scope": "openid email", "state": "s", "nonce": "n",
        "code_challenge": challenge, "code_challenge_method": "S256", "resource": f"{BASE}/mcp"})
    back = login.authorize(url, stop_at=callback)
    basic = base64.b64encode(
        f"{os.environ['UPSTREAM_CLIENT_ID']}:{os.environ['UPSTREAM_CLIENT_SECRET']}".encode()).decode()
    status, tokens = form(f"{ISSUER}/token", {
        "grant_type": "authorization_code", "code": back["code"], "redirect_uri": callback,
        "code_verifier": verifier, "resource": f"{BASE}/mcp"}, {"authorization": f"Basic {basic}"})
    assert status == 200, (status, tokens)
    init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}}).encode()
    for name in ("id_token", "access_token"):
        token = tokens[name]

        def refused(token=token):
            claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
            status, headers, body = request("POST", f"{BASE}/mcp", init, {
                "authorization": f"Bearer {token}", "content-type": "application/json",
                "accept": "application/json, text/event-stream"})
            challenge = headers.get("www-authenticate", "")
            assert status == 401 and 'error="invalid_token"' in challenge, (status, challenge, body)
            return f"aud {claims.get('aud')!r}: 401 {challenge[challenge.find('error='):][:80]}"

        check(f"the identity provider's own {name.replace('_', ' ')} is refused at /mcp", refused)


def counters(before: dict[str, float]) -> None:
    def moved():
        after = metrics()
        delta = lambda k: after.get(k, 0) - before.get(k, 0)  # noqa: E731
        want = {
            'opik_mcp_oauth_sign_ins_total{consent="asked"}': 1,
            "opik_mcp_oauth_refreshes_total": 1,
            'opik_mcp_oauth_refusals_total{step="callback",reason="upstream_timeout"}': 1,
            'opik_mcp_oauth_refusals_total{step="callback",reason="upstream_error"}': 1,
        }
        short = {k: delta(k) for k in want}
        assert all(short[k] >= n for k, n in want.items()), (short, sorted(after))
        return ", ".join(f"{k} +{v:.0f}" for k, v in short.items())

    check("the broker's counters moved with the sign-in, the refresh and the refusals", moved)


if __name__ == "__main__":
    try:
        run()
    except Exception as e:  # noqa: BLE001 - a broken setup is a failure too
        results.append(("runner", False))
        print(f"FAIL runner: {type(e).__name__}: {e}", flush=True)
    passed = sum(ok for _, ok in results)
    print(f"{passed} passed, {len(results) - passed} failed")
    sys.exit(0 if results and passed == len(results) else 1)
