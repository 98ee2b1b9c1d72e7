"""The npm packages: staged by scripts/npm-stage.sh from the binary tests/run.sh built, packed
with `npm pack`, installed into a fresh prefix and run through the launcher (and through
`npm exec`, as `npx` does)."""

from __future__ import annotations

import json
import platform as host
import signal
import socket
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import assert_serves_mcp, clean_env

NPM_ENV = {"npm_config_audit": "false", "npm_config_fund": "false",
           "npm_config_update_notifier": "false", "npm_config_loglevel": "error"}


def host_platform() -> str:
    arch = {"x86_64": "x64", "aarch64": "arm64", "arm64": "arm64"}[host.machine()]
    return f"{host.system().lower()}-{arch}"


def npm(args: list, cwd: Path, cache: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = clean_env(**NPM_ENV, npm_config_cache=str(cache))
    proc = subprocess.run(["npm", *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def packs(root: Path, packed_binary: Path, tmp_path_factory) -> dict[str, Path]:
    """{'main': tarball, 'platform': tarball, 'cache': npm cache} of this build."""
    work = tmp_path_factory.mktemp("npm")
    staged = subprocess.run(["bash", root / "scripts/npm-stage.sh", packed_binary, work / "stage"],
                            capture_output=True, text=True, check=True, timeout=120)
    main_dir, platform_dir = (Path(p) for p in staged.stdout.split())
    cache = Path.home() / ".cache/npm"
    npm(["pack", main_dir, platform_dir, "--pack-destination", work], work, cache)
    return {"main": next(work.glob("opik-mcp-rs-[0-9]*.tgz")),
            "platform": next(work.glob(f"opik-mcp-rs-{host_platform()}-*.tgz")),
            "cache": cache}


def manifest(tgz: Path) -> tuple[dict, list[str]]:
    with tarfile.open(tgz) as t:
        names = sorted(t.getnames())
        return json.load(t.extractfile("package/package.json")), names


def test_the_main_package_has_the_launcher_and_no_binary(packs, root: Path, cargo: dict):
    pkg, names = manifest(packs["main"])
    assert names == ["package/LICENSE", "package/README.md", "package/bin/opik-mcp.js",
                     "package/package.json"]
    assert pkg["name"] == "opik-mcp-rs", "not upstream's `opik-mcp`"
    assert pkg["version"] == cargo["version"]
    assert pkg["bin"] == {"opik-mcp": "bin/opik-mcp.js"}
    assert pkg["repository"]["url"] == f"git+{cargo['repository']}.git"
    assert pkg["optionalDependencies"] == {
        f"opik-mcp-rs-{p}": cargo["version"]
        for p in ["darwin-arm64", "linux-arm64", "linux-x64", "win32-x64"]}
    assert "scripts" not in pkg, "the staging script stays in the repository"


def test_the_platform_package_carries_the_binary_for_its_os_and_cpu(packs, cargo: dict):
    pkg, names = manifest(packs["platform"])
    os_name, cpu = host_platform().split("-")
    assert (pkg["os"], pkg["cpu"]) == ([os_name], [cpu])
    assert pkg["version"] == cargo["version"]
    assert "package/bin/opik-mcp" in names
    with tarfile.open(packs["platform"]) as t:
        assert t.getmember("package/bin/opik-mcp").mode & 0o111, "executable"


def test_a_fresh_global_install_gives_a_working_opik_mcp(packs, cargo: dict, tmp_path: Path):
    prefix = tmp_path / "prefix"
    npm(["install", "--global", "--prefix", prefix, packs["main"], packs["platform"]],
        tmp_path, packs["cache"])
    command = prefix / "bin/opik-mcp"
    out = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == f"opik-mcp {cargo['version']}", out.stderr
    assert_serves_mcp([str(command)], clean_env(), tmp_path)
    bad = subprocess.run([command, "--transport=carrier-pigeon"], capture_output=True,
                         text=True, env=clean_env(), timeout=60)
    assert bad.returncode == 2 and "carrier-pigeon" in bad.stderr, "exit status passed through"
    assert_sigterm_reaches_the_server(command, tmp_path)


def assert_sigterm_reaches_the_server(command: Path, cwd: Path) -> None:
    """HTTP mode through the launcher: SIGTERM to the launcher stops the server, exit 0."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = clean_env(OPIK_MCP_ADMIN__ENABLED="false", OPIK_MCP_AUDIT__ENABLED="false")
    proc = subprocess.Popen([command, "--transport=sse", "--sse-host=127.0.0.1",
                             f"--sse-port={port}", "--sse-log-path="],
                            cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
    try:
        # "listening" is logged once the server handles SIGTERM (it binds its port earlier).
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if " listening " in line:
                break
        assert proc.poll() is None, "".join(seen)
        assert socket.socket().connect_ex(("127.0.0.1", port)) == 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, "".join(seen)
        assert "server stopped" in proc.stderr.read()
    finally:
        proc.kill()
    assert socket.socket().connect_ex(("127.0.0.1", port)) != 0, "the server is gone too"


def test_without_the_platform_package_the_launcher_says_what_to_install(packs, tmp_path: Path):
    prefix = tmp_path / "prefix"
    npm(["install", "--global", "--omit=optional", "--prefix", prefix, packs["main"]],
        tmp_path, packs["cache"])
    out = subprocess.run([prefix / "bin/opik-mcp", "--version"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1
    assert f"opik-mcp-rs-{host_platform()} is not installed" in out.stderr, out.stderr
    assert "uvx opik-mcp-rs" in out.stderr


def test_npx_runs_the_packages(packs, cargo: dict, tmp_path: Path):
    exec_args = ["exec", "--yes", f"--package={packs['main']}",
                 f"--package={packs['platform']}", "--", "opik-mcp"]
    out = npm([*exec_args, "--version"], tmp_path, packs["cache"])
    assert out.stdout.strip() == f"opik-mcp {cargo['version']}"
    env = clean_env(**NPM_ENV, npm_config_cache=str(packs["cache"]))
    assert_serves_mcp(["npm", *map(str, exec_args)], env, tmp_path)
