"""Does the real binary accept an environment variable that a deployment file sets?

Each NAME=VALUE runs `opik-mcp --transport stdio` with only that variable set, stdin closed
(the config is loaded and validated, then stdio ends at once). The loader's message sorts it:

- exit 0: accepted;
- "unknown field ... for key "SECTION"" (no dot): the whole section is not in this build yet
  (another issue adds it) -> skipped, with the section named, so it starts counting once merged;
- "unknown field" inside a known section, "unknown variant", "invalid type": a misspelt name or
  a bad value -> failure;
- a validation error that names another key (e.g. auth.mode=jwt needs auth.jwt.issuer): the
  name and value were accepted; it only needs settings the deployment supplies elsewhere.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

BIN = os.environ.get("OPIK_MCP_BIN", "target/debug/opik-mcp")


@dataclass
class Verdict:
    status: str  # "pass" | "skip" | "fail"
    detail: str


def key_of(name: str) -> str | None:
    """The dotted settings key of a generic OPIK_MCP_<SECTION>__<KEY> name, else None."""
    if not name.startswith("OPIK_MCP_") or "__" not in name:
        return None
    return ".".join(part.lower() for part in name[len("OPIK_MCP_"):].split("__"))


def check(name: str, value: str, extra_env: dict[str, str] | None = None) -> Verdict:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    env.update(extra_env or {})
    env[name] = value
    with tempfile.TemporaryDirectory() as cwd:
        proc = subprocess.run(
            [os.path.abspath(BIN), "--transport", "stdio"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=cwd, timeout=20,
        )
    if proc.returncode == 0:
        return Verdict("pass", "accepted")
    msg = next((l for l in proc.stderr.splitlines() if "invalid configuration" in l), proc.stderr.strip())
    unknown = re.search(r'unknown field: found `([^`]*)`.* for key "([^"]*)"', msg)
    if unknown and "." not in unknown.group(2):
        return Verdict("skip", f"section [{unknown.group(1)}] is not in this build yet")
    if unknown or "unknown variant" in msg or "invalid type" in msg or "invalid value" in msg:
        return Verdict("fail", msg)
    named = re.search(r"invalid configuration: ([a-z_.]+): ", msg)
    if named and named.group(1) != key_of(name):
        return Verdict("pass", f"accepted; needs other settings ({msg.split(': ', 1)[-1]})")
    return Verdict("fail", msg or f"exit {proc.returncode}")
