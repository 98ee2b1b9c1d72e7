"""The Dockerfile: hadolint, the image's promises (non-root, read-only root filesystem,
ports, HEALTHCHECK, labels, dependency caching), and its configuration run for real.

Here the runtime stage's ENV and CMD are given to the real binary, which is what the
container runs; test_image.py builds the image itself (FROM scratch, with podman) and runs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import envcheck  # noqa: E402
from dockerfile import env_pairs, stages  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
BIN = os.path.abspath(os.environ.get("OPIK_MCP_BIN", ROOT / "target/debug/opik-mcp"))
STAGES = stages(DOCKERFILE)
RUNTIME = STAGES[-1]
RUNTIME_ENV = env_pairs(RUNTIME)


def has_auth_option() -> bool:
    return "--auth-mode" in subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_hadolint_finds_nothing():
    hadolint = Path(sys.executable).parent / "hadolint"
    proc = subprocess.run([str(hadolint), "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_builder_cooks_dependencies_before_copying_the_sources():
    builder = next(s for s in STAGES if s.name == "builder")
    ops = [(op, args) for op, args in builder.instructions if op in ("RUN", "COPY")]
    cook = next(i for i, (op, a) in enumerate(ops) if op == "RUN" and "cargo chef cook" in a)
    sources = next(i for i, (op, a) in enumerate(ops) if op == "COPY" and a.startswith(". "))
    build = next(i for i, (op, a) in enumerate(ops) if op == "RUN" and "cargo build --release" in a)
    assert cook < sources < build
    assert all("--locked" in a for op, a in ops if op == "RUN" and ("cook" in a or "cargo build" in a))


def test_runtime_is_minimal_and_runs_as_non_root():
    assert RUNTIME.base.startswith("gcr.io/distroless/cc-debian12"), RUNTIME.base
    users = RUNTIME.all("USER")
    assert users and users[-1].split(":")[0] not in ("0", "root"), users


def test_runtime_keeps_writable_state_in_a_volume_for_read_only_root():
    assert RUNTIME.all("WORKDIR")[-1] == "/data"
    assert "/data" in json.loads(RUNTIME.all("VOLUME")[-1])
    assert RUNTIME_ENV.get("SSE_LOG_PATH") == "", "no log file on a read-only root filesystem"
    copies = RUNTIME.all("COPY")
    assert any("--chown=65532:65532" in c and c.endswith("/data") for c in copies), copies


def test_ports_healthcheck_and_default_command():
    exposed = " ".join(RUNTIME.all("EXPOSE")).split()
    assert {"3001", "9464"} <= set(exposed)
    assert RUNTIME_ENV["SSE_PORT"] == "3001" and RUNTIME_ENV["OPIK_MCP_ADMIN__PORT"] == "9464"
    assert RUNTIME_ENV["SSE_HOST"] == "0.0.0.0" and RUNTIME_ENV["TRANSPORT"] == "sse"
    health = RUNTIME.all("HEALTHCHECK")[-1]
    assert '"/usr/local/bin/opik-mcp", "healthcheck"' in health
    assert json.loads(RUNTIME.all("ENTRYPOINT")[-1]) == ["/usr/local/bin/opik-mcp"]
    assert json.loads(RUNTIME.all("CMD")[-1]) == ["serve"]


def test_oci_labels():
    labels = " ".join(RUNTIME.all("LABEL"))
    for key in ("title", "description", "licenses", "version", "revision", "created"):
        assert f"org.opencontainers.image.{key}=" in labels, key


def test_dockerignore_keeps_build_inputs_and_drops_the_rest():
    ignored = {l.strip() for l in (ROOT / ".dockerignore").read_text().splitlines()
               if l.strip() and not l.startswith("#")}
    assert {"target", ".git", "**/node_modules"} <= ignored
    # Compile-time inputs: the crate, the workspace member, the embedded client page, and
    # whatever sqlx's macros read.
    for needed in ("src", "bench", "client", "Cargo.toml", "Cargo.lock", "migrations", ".sqlx"):
        assert needed not in ignored, needed


@pytest.mark.parametrize("name", sorted(RUNTIME_ENV))
def test_image_env_name_is_a_setting_of_the_binary(name):
    if not name.startswith(("OPIK_", "SSE_", "MCP_", "TRANSPORT")):
        pytest.skip(f"{name} is not an opik-mcp setting (read by a library)")
    verdict = envcheck.check(name, RUNTIME_ENV[name])
    if verdict.status == "skip":
        pytest.skip(verdict.detail)
    assert verdict.status == "pass", f"{name}={RUNTIME_ENV[name]!r}: {verdict.detail}"


def image_env(tmp: Path, **overrides: str) -> dict[str, str]:
    """The runtime ENV for the binary here: sections this build lacks are left out; /data is
    a temp dir; ports are free ones."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp)}
    for name, value in RUNTIME_ENV.items():
        if envcheck.check(name, value).status != "skip":
            env[name] = value
    env.update(SSE_PORT=str(free_port()), SQLITE_TMPDIR=str(tmp))
    if "OPIK_MCP_ADMIN__HOST" in env:
        env["OPIK_MCP_ADMIN__PORT"] = str(free_port())
    env.update(overrides)
    return env


def run_image_cmd(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    cmd = json.loads(RUNTIME.all("CMD")[-1])
    return subprocess.Popen([BIN, *cmd], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.skipif(not has_auth_option(), reason="no auth options in this build yet (security issue)")
def test_image_default_command_refuses_to_start_without_auth():
    with tempfile.TemporaryDirectory() as tmp:
        proc = run_image_cmd(image_env(Path(tmp)), Path(tmp))
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("the image's default command started without any auth configured")
        assert proc.returncode != 0
        assert "allow-unauthenticated" in out or "allow_unauthenticated" in out, out


def files_open_for_writing(pid: int) -> list[str]:
    """Paths the process holds open for writing (O_WRONLY or O_RDWR), sockets and pipes aside."""
    paths = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            flags = int(Path(f"/proc/{pid}/fdinfo/{fd}").read_text().split("flags:")[1].split()[0], 8)
        except (OSError, IndexError):
            continue  # closed meanwhile
        if target.startswith("/") and not target.startswith("/dev/") and flags & 0o3:
            paths.append(target)
    return paths


def test_image_command_serves_and_its_healthcheck_passes():
    """With auth configured (an API key) where this build has auth, else on loopback."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        overrides = {}
        if has_auth_option():
            key = secrets.token_hex(24)
            (tmp / "auth.toml").write_text(
                '[auth]\nmode = "api-key"\n\n[[auth.api_keys]]\nname = "container-test"\n'
                f'sha256 = "{hashlib.sha256(key.encode()).hexdigest()}"\nscopes = ["opik:read"]\n')
            overrides["OPIK_MCP_CONFIG"] = str(tmp / "auth.toml")
        else:
            overrides["SSE_HOST"] = "127.0.0.1"  # never serve unauthenticated on 0.0.0.0
        env = image_env(tmp, **overrides)
        probe_port = env.get("OPIK_MCP_ADMIN__PORT", env["SSE_PORT"])  # admin listener if built
        url = f"http://127.0.0.1:{probe_port}/healthz"
        health = json.loads(RUNTIME.all("HEALTHCHECK")[-1].split("CMD", 1)[1])
        proc = run_image_cmd(env, tmp)
        try:
            deadline = time.monotonic() + 15
            while True:
                rc = subprocess.run([BIN, *health[1:], url], capture_output=True).returncode
                if rc == 0:
                    break
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline, "HEALTHCHECK never passed"
                time.sleep(0.2)
            # Read-only root filesystem: the only place written is the working directory
            # (/data in the image); in particular no log file in /tmp.
            outside = [p for p in files_open_for_writing(proc.pid) if not p.startswith(str(tmp))]
            assert outside == [], outside
            proc.terminate()
            out, _ = proc.communicate(timeout=20)
            assert proc.returncode == 0, out
            assert '"level":"INFO"' in out, "OPIK_MCP_LOG__FORMAT=json gives JSON lines"
        finally:
            if proc.poll() is None:
                proc.kill()
