"""Walk a browser sign-in over plain HTTP: from an authorization URL through the login and
consent forms to the redirect back to the client, whose `code`, `state` and `iss` it returns.

It follows redirects across hosts (a broker sends the browser on to the identity provider and
back) with one cookie jar, fills a form with `login`/`password` fields with the given
credentials, and submits any other form as it is (hidden fields plus the approving submit
button). With `deny` it refuses instead, on the first page that offers a refusal (a submit
button or a link reading deny/cancel/abort…); `deny` may be a URL prefix, and then only pages
under it are refused (e.g. a broker's consent page after the provider's login and consent).
It stops at the first redirect to the client's redirect URI: the `redirect_uri` of the first
URL unless `stop_at` says otherwise.

Standard library only, so any Python 3.9+ runs it. As a command:

    python3 login.py AUTHORIZE_URL [--login alice] [--password x] [--stop-at URI] [--deny]
        [--deny-at URL_PREFIX]

prints one JSON object: {"redirect", "code", "state", "iss", "error", "error_description",
"pages"} (absent values null) and exits 0 once the client's redirect URI was reached (with a
code or an error), 1 when the walk broke off (an error page, a loop, no form), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

# A submit button whose name or value reads like a refusal.
_DENY = re.compile(r"deny|reject|cancel|abort|decline|refuse", re.IGNORECASE)


class SignInError(Exception):
    """The walk did not reach the client's redirect URI. `status` and `page` (its text) are
    those of the page it stopped on, when it stopped on an error page."""

    def __init__(self, message: str, status: int | None = None, page: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.page = page


class _Forms(HTMLParser):
    """Collect each form's action, method, inputs and submit buttons, and the page's links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[list[str]] = []  # [href, text]
        self._in_link = False

    def handle_data(self, data: str) -> None:
        if self._in_link:
            self.links[-1][1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._in_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append([a["href"], ""])
            self._in_link = True
        elif tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                 "fields": [], "buttons": []}
            )
        elif self.forms and tag in ("input", "button"):
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            entry = (a.get("name", ""), a.get("value", ""))
            if kind == "submit":
                self.forms[-1]["buttons"].append(entry)
            elif entry[0]:
                self.forms[-1]["fields"].append((entry[0], entry[1], kind))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib's signature
        return None


def _opener(jar: http.cookiejar.CookieJar | None) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar() if jar is None else jar
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())


def _fetch(opener, url: str, data: bytes | None, timeout: float) -> tuple[int, dict, str]:
    req = urllib.request.Request(url, data=data, headers={"accept": "text/html"})
    if data is not None:
        req.add_header("content-type", "application/x-www-form-urlencoded")
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:  # 3xx (not followed) and 4xx/5xx land here
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


def _fill(form: dict, login: str, password: str, deny: bool) -> list[tuple[str, str]]:
    names = {name for name, _, _ in form["fields"]}
    out = []
    for name, value, kind in form["fields"]:
        if name == "login" or (kind == "email" and "login" not in names):
            value = login
        elif kind == "password" or name == "password":
            value = password
        out.append((name, value))
    buttons = [b for b in form["buttons"] if bool(_DENY.search(" ".join(b))) == deny]
    if buttons and buttons[0][0]:
        out.append(buttons[0])
    return out


def _refusal(page: _Forms) -> tuple[dict | None, str | None]:
    """The page's way to refuse: a form with a denying button, else a denying link."""
    for form in page.forms:
        if any(_DENY.search(" ".join(b)) for b in form["buttons"]):
            return form, None
    for href, text in page.links:
        if _DENY.search(text):
            return None, href
    return None, None


def _result(location: str, pages: int) -> dict:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    keys = ("code", "state", "iss", "error", "error_description")
    return {"redirect": location, **{k: query.get(k) for k in keys}, "pages": pages}


def authorize(
    url: str,
    login: str = "alice",
    password: str = "password",
    stop_at: str | None = None,
    deny: bool | str = False,
    max_steps: int = 20,
    timeout: float = 10.0,
    jar: http.cookiejar.CookieJar | None = None,
) -> dict:
    """Walk the sign-in that starts at `url`; return the client redirect's parameters.

    `deny`: refuse on the first page offering it (True), or on the first such page under this
    URL prefix (a string). `jar`: the browser's cookies, to go on from where the walk stopped.
    """
    if stop_at is None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        stop_at = query.get("redirect_uri")
        if not stop_at:
            raise SignInError("the URL has no redirect_uri; pass stop_at")
    opener, data, pages = _opener(jar), None, 0
    for _ in range(max_steps):
        if url.startswith(stop_at):
            return _result(url, pages)
        status, headers, body = _fetch(opener, url, data, timeout)
        location = headers.get("Location") or headers.get("location")
        if 300 <= status < 400 and location:
            url, data = urllib.parse.urljoin(url, location), None
            continue
        if status != 200:
            text = re.sub(r"<(style|script)[^>]*>.*?</\1>|<[^>]+>|\s+", " ", body, flags=re.S)
            text = re.sub(r"\s+", " ", text).strip()[:500]
            raise SignInError(f"HTTP {status} at {url}: {text}", status, text)
        parser = _Forms()
        parser.feed(body)
        pages += 1
        refuse = bool(deny) and (deny is True or url.startswith(deny))
        form, link = _refusal(parser) if refuse else (next(iter(parser.forms), None), None)
        if link:
            url, data = urllib.parse.urljoin(url, link), None
            continue
        if form is None:
            raise SignInError(f"no form {'to refuse with ' if refuse else ''}at {url}")
        fields = urllib.parse.urlencode(_fill(form, login, password, refuse))
        action = urllib.parse.urljoin(url, form["action"] or url)
        if form["method"] == "post":
            url, data = action, fields.encode()
        else:
            url, data = f"{action}?{fields}", None
    raise SignInError(f"no redirect to {stop_at} after {max_steps} steps")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--login", default="alice")
    ap.add_argument("--password", default="password")
    ap.add_argument("--stop-at", default=None)
    ap.add_argument("--deny", action="store_true", help="refuse on the first page offering it")
    ap.add_argument("--deny-at", default=None, help="refuse only on pages under this URL prefix")
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    try:
        out = authorize(args.url, args.login, args.password, args.stop_at,
                        args.deny_at or args.deny, timeout=args.timeout)
    except (SignInError, OSError) as e:
        print(json.dumps({"failed": str(e)}))
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
