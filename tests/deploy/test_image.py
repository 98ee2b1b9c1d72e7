"""The image itself, built here: scripts/container-image.sh puts the binary CI tested into a
FROM-scratch image made from the Dockerfile's runtime stage (base images cannot be pulled on
these machines), and podman runs it as the Dockerfile says: non-root, read-only root
filesystem, the audit trail on the /data volume, `opik-mcp healthcheck` as health check.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from dockerfile import env_pairs, stages  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = os.path.abspath(os.environ.get("OPIK_MCP_BIN", ROOT / "target/debug/opik-mcp"))
RUNTIME = stages(ROOT / "Dockerfile")[-1]
# runc: the machines' cgroup v1 is refused by crun; the ulimits stay below the host's
# (docs: shared notes on containers here).
RUN = ["podman", "--runtime", "runc", "run", "--detach", "--read-only", "--tmpfs", "/tmp",
       "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000"]


def podman(*args: str, timeout: int = 120, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert proc.returncode == 0, f"podman {shlex.join(args)}: {proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def image():
    tag = f"localhost/opik-mcp:suite-{secrets.token_hex(4)}"
    subprocess.run(["bash", ROOT / "scripts/container-image.sh", BIN, tag], check=True,
                   capture_output=True, timeout=300)
    yield tag
    podman("rmi", "--force", tag, check=False)


@pytest.fixture
def containers():
    """Start containers with `start(args)`; all are removed afterwards."""
    started: list[str] = []

    def start(*args: str) -> str:
        name = f"opik-mcp-test-{secrets.token_hex(4)}"
        podman(*RUN[1:], "--name", name, *args)
        started.append(name)
        return name

    yield start
    for name in started:
        podman("rm", "--force", "--volumes", "--time", "5", name, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_for(url: str, name: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} never answered: {podman('logs', name, check=False).stderr}")
        time.sleep(0.2)


def test_the_built_image_is_the_one_the_dockerfile_describes(image):
    (info,) = json.loads(podman("image", "inspect", image).stdout)
    config = info["Config"]
    assert config["User"] == RUNTIME.all("USER")[-1] == "65532:65532"
    assert config["Entrypoint"] == json.loads(RUNTIME.all("ENTRYPOINT")[-1])
    assert config["Cmd"] == json.loads(RUNTIME.all("CMD")[-1])
    exposed = {f"{p}/tcp" for p in " ".join(RUNTIME.all("EXPOSE")).split()}
    assert set(config["ExposedPorts"]) == exposed == {"3001/tcp", "9464/tcp"}
    assert config["WorkingDir"] == RUNTIME.all("WORKDIR")[-1] == "/data"
    assert set(config["Volumes"]) == {"/data"}
    assert config["StopSignal"] == "SIGTERM"
    env = dict(e.split("=", 1) for e in config["Env"])
    assert {k: env.get(k) for k in env_pairs(RUNTIME)} == env_pairs(RUNTIME)
    health = RUNTIME.all("HEALTHCHECK")[-1]
    assert info["Healthcheck"]["Test"] == ["CMD", *json.loads(health.split("CMD ", 1)[1])]
    assert info["Healthcheck"]["Test"][1:3] == ["/usr/local/bin/opik-mcp", "healthcheck"]


def test_it_runs_non_root_on_a_read_only_root_and_answers_health_and_readyz(image, containers):
    port, admin = free_port(), free_port()
    name = containers("--network", "host",
                      "-e", "SSE_HOST=127.0.0.1", "-e", f"SSE_PORT={port}",
                      "-e", "OPIK_MCP_ADMIN__HOST=127.0.0.1", "-e", f"OPIK_MCP_ADMIN__PORT={admin}",
                      image)
    wait_for(f"http://127.0.0.1:{port}/health", name)
    assert get(f"http://127.0.0.1:{port}/health") == (200, b'{"status":"ok"}')
    status, body = get(f"http://127.0.0.1:{admin}/readyz")
    ready = json.loads(body)
    assert status == 200 and ready["status"] == "ready", body
    assert ready["checks"]["store"]["data"]["state"] == "ok", "the audit trail writes to /data"
    (inspect,) = json.loads(podman("inspect", name).stdout)
    assert inspect["HostConfig"]["ReadonlyRootfs"] is True
    top = podman("top", name, "huser", "user").stdout.split()
    assert top[2:4] == ["65532", "nonroot"], top
    podman("stop", "--time", "15", name)
    (stopped,) = json.loads(podman("inspect", name).stdout)
    assert stopped["State"]["ExitCode"] == 0, "SIGTERM is a graceful stop"


def test_the_images_health_check_is_the_healthcheck_subcommand(image, containers):
    # Its own network namespace: the health check's default admin URL (127.0.0.1:9464) is
    # the container's, not this machine's.
    healthy = containers("--network", "none", image, "--allow-unauthenticated")
    deadline = time.monotonic() + 30
    while podman("healthcheck", "run", healthy, check=False).returncode != 0:
        assert time.monotonic() < deadline, podman("logs", healthy, check=False).stderr
        time.sleep(0.5)
    no_admin = containers("--network", "none", "-e", "OPIK_MCP_ADMIN__ENABLED=false", image,
                          "--allow-unauthenticated")
    time.sleep(2)
    assert podman("inspect", "--format", "{{.State.Running}}", no_admin).stdout.strip() == "true"
    sick = podman("healthcheck", "run", no_admin, check=False)
    assert sick.returncode == 1 and "unhealthy" in sick.stdout + sick.stderr, sick


def test_the_default_command_refuses_to_serve_without_authentication(image):
    proc = subprocess.run([*RUN[:3], "run", "--rm", *RUN[5:], "--network", "none", image],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "refusing to serve without authentication" in proc.stderr
