"""Drive the Swagger UI page (/docs) in headless Chromium over the DevTools protocol:
"Authorize" with a bearer token, then "Try it out" -> "Execute" on GET /health, on
DELETE /mcp (an unknown session), and on POST /mcp with its `initialize` example and then its
`tools/list` example (the page carries the session over), and print what the page shows as
JSON. A screenshot of the
page after the calls is written to the given path.

usage: try_it_out.py DOCS_URL TOKEN SCREENSHOT.png
"""

import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import websocket  # websocket-client

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--remote-debugging-port=0", "--window-size=1280,2400",
]

# Helpers installed in the page; the steps below use them. Text is typed with real key input
# (CDP Input.insertText) because Swagger UI's React inputs ignore programmatic values.
HELPERS = r"""
window.__t = {
  sleep: ms => new Promise(r => setTimeout(r, ms)),
  until: async (what, f, ms = 15000) => {
    const t = Date.now();
    while (Date.now() - t < ms) { const v = f(); if (v) return v; await __t.sleep(50); }
    throw new Error('timed out waiting for ' + what);
  },
  open: async opId => {
    const op = await __t.until(opId, () => document.getElementById(opId));
    (op.querySelector('.opblock-summary-control') || op.querySelector('.opblock-summary')).click();
    (await __t.until('Try it out', () => op.querySelector('.try-out__btn'))).click();
    await __t.sleep(200);
    return op;
  },
  execute: async opId => {
    const op = document.getElementById(opId);
    await __t.sleep(300);
    (await __t.until('Execute', () => op.querySelector('.btn.execute'))).click();
    await __t.sleep(300);
    const invalid = op.querySelector('.validation-errors');
    if (invalid) throw new Error('Swagger UI refused: ' + invalid.textContent);
    const status = await __t.until('response of ' + opId, () => {
      const s = op.querySelector('.live-responses-table .response .response-col_status');
      return s && s.textContent.trim();
    });
    const pre = op.querySelector('.live-responses-table .response .response-col_description pre');
    const curl = op.querySelector('.curl-command');
    return { status, body: pre ? pre.textContent : '', curl: curl ? curl.textContent : '' };
  },
  focus: async (what, f) => { const el = await __t.until(what, f); el.focus(); el.select && el.select(); return true; },
};
true
"""

STEPS = [
    # Open "Authorize" and focus the bearer field (the token is typed next).
    r"""(async () => {
      (await __t.until('Authorize', () => document.querySelector('.btn.authorize'))).click();
      return __t.focus('token input', () => document.querySelector('.modal-ux-content input'));
    })()""",
    # Authorize, close, try GET /health; open DELETE /mcp and focus its session header.
    r"""(async () => {
      (await __t.until('modal Authorize', () => document.querySelector('.modal-ux-content .auth-btn-wrapper .authorize'))).click();
      (await __t.until('close', () => document.querySelector('.modal-ux-content .btn-done') || document.querySelector('.modal-ux .close-modal'))).click();
      await __t.open('operations-Health-health');
      window.__health = await __t.execute('operations-Health-health');
      const op = await __t.open('operations-Mcp-mcpDelete');
      return __t.focus('session header', () => op.querySelector('tr[data-param-name="Mcp-Session-Id"] input'));
    })()""",
    # Execute DELETE /mcp (an unknown session) and report both calls.
    # Then POST /mcp: the `initialize` example (the default), then the `tools/list` one.
    r"""(async () => {
      const mcp = await __t.execute('operations-Mcp-mcpDelete');
      const post = await __t.open('operations-Mcp-mcpPost');
      const init = await __t.execute('operations-Mcp-mcpPost');
      (await __t.until('Clear', () => post.querySelector('.btn-clear'))).click();
      await __t.sleep(300);
      const select = await __t.until('examples', () => post.querySelector('.examples-select-element'));
      const setValue = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
      setValue.call(select, 'tools_list');
      select.dispatchEvent(new Event('change', { bubbles: true }));
      await __t.until('tools/list body', () =>
        (post.querySelector('.body-param__text') || {}).value?.includes('tools/list'));
      const list = await __t.execute('operations-Mcp-mcpPost');
      return JSON.stringify({ health: window.__health, mcp, init, list });
    })()""",
]


class Cdp:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def evaluate(self, expression, await_promise=False):
        r = self.call("Runtime.evaluate", expression=expression, awaitPromise=await_promise,
                      returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"].get("exception", {}).get("description", r))
        return r["result"].get("value")


def type_text(cdp, text):
    """Type into the focused field with real key input, and wait until it holds the text."""
    cdp.call("Input.insertText", text=text)
    deadline = time.time() + 10
    while cdp.evaluate("document.activeElement.value") != text:
        if time.time() > deadline:
            raise RuntimeError("the focused field did not take the typed text")
        time.sleep(0.05)
    time.sleep(0.3)  # let React re-render with the new value before the next click


def main(url, token, shot):
    profile = tempfile.mkdtemp()
    proc = subprocess.Popen(["chromium", *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        ws_url = None
        for line in proc.stderr:
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                ws_url = m.group(1)
                break
        if not ws_url:
            raise RuntimeError("chromium did not start its DevTools endpoint")
        # Keep draining stderr so chromium never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
        port = ws_url.split(":")[2].split("/")[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        cdp = Cdp(page["webSocketDebuggerUrl"])
        cdp.call("Page.enable")
        cdp.call("Page.navigate", url=url)
        deadline = time.time() + 30
        while not cdp.evaluate("document.querySelectorAll('.opblock').length"):
            if time.time() > deadline:
                raise RuntimeError("Swagger UI did not render")
            time.sleep(0.2)
        cdp.evaluate(HELPERS)
        cdp.evaluate(STEPS[0], await_promise=True)
        type_text(cdp, token)
        cdp.evaluate(STEPS[1], await_promise=True)
        type_text(cdp, "0" * 64)
        result = json.loads(cdp.evaluate(STEPS[2], await_promise=True))
        png = cdp.call("Page.captureScreenshot", format="png")["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(png))
        print(json.dumps(result))
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
