"""An https server for one Client ID Metadata Document (the MCP 2025-11-25 way for a client to
identify itself without registering): MCP clients accept only https document URLs, so this
makes a throwaway CA and a certificate for 127.0.0.1 (with the openssl command), serves
`/client.json` whose `client_id` is its own URL, and counts how often it was fetched.

    python3 docserver.py --dir DIR [--client-name N] [--redirect-uri URI] [--ready-file F]

Once listening it prints one JSON line (and writes it to --ready-file):
`{"url": "https://127.0.0.1:PORT/client.json", "ca": "DIR/ca.pem"}`. A server that should fetch
the document must trust `ca` (opik-mcp: `SSL_CERT_FILE=DIR/ca.pem`). `GET /__harness/fetches`
answers `{"fetches": N}`. SIGTERM stops it. Standard library only (plus the openssl command).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import signal
import ssl
import subprocess
import sys


def make_certificates(folder: str) -> tuple[str, str, str]:
    """A CA and a server certificate it signed for 127.0.0.1 and localhost."""
    ca_key, ca = os.path.join(folder, "ca.key"), os.path.join(folder, "ca.pem")
    key, csr = os.path.join(folder, "server.key"), os.path.join(folder, "server.csr")
    cert, ext = os.path.join(folder, "server.pem"), os.path.join(folder, "server.ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "1",
        "-subj", "/CN=opik-mcp test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    run("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-out", cert, "-days", "1", "-extfile", ext)
    return ca, cert, key


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="where the certificates are written")
    ap.add_argument("--client-name", default="opik-mcp sign-in test (metadata document)")
    ap.add_argument("--redirect-uri", default="http://127.0.0.1:1/callback")
    ap.add_argument("--ready-file", default=None)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    ca, cert, key = make_certificates(args.dir)
    state = {"fetches": 0, "url": ""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/client.json":
                state["fetches"] += 1
                body = {"client_id": state["url"], "client_name": args.client_name,
                        "redirect_uris": [args.redirect_uri],
                        "grant_types": ["authorization_code", "refresh_token"],
                        "response_types": ["code"], "token_endpoint_auth_method": "none"}
            elif self.path == "/__harness/fetches":
                body = {"fetches": state["fetches"]}
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args) -> None:  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state["url"] = f"https://127.0.0.1:{server.server_address[1]}/client.json"
    ready = json.dumps({"url": state["url"], "ca": ca})
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write(ready + "\n")
    print(ready, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
