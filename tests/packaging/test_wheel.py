"""The Python wheel (pyproject.toml, maturin "bin" bindings): metadata written by maturin from
pyproject.toml and Cargo.toml, the binary tests/run.sh built packed beside it (maturin's
`build` would compile the crate again: the release workflow does that, CI does not), then
installed into a fresh venv with pip and run with uvx."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import assert_serves_mcp, clean_env

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def wheel(root: Path, packed_binary: Path, cargo: dict, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    meta = work / "meta"
    subprocess.run(
        [BIN / "maturin", "pep517", "write-dist-info", "--metadata-directory", meta],
        cwd=root, check=True, capture_output=True, timeout=120,
    )
    (dist_info,) = meta.iterdir()
    name = dist_info.name.removesuffix(".dist-info")
    unpacked = work / name
    shutil.copytree(dist_info, unpacked / dist_info.name)
    scripts = unpacked / f"{name}.data" / "scripts"
    scripts.mkdir(parents=True)
    shutil.copy2(packed_binary, scripts / "opik-mcp")
    out = work / "dist"
    out.mkdir()
    subprocess.run([sys.executable, "-m", "wheel", "pack", unpacked, "-d", out],
                   check=True, capture_output=True, timeout=300)
    (whl,) = out.glob("*.whl")
    return whl


def metadata(whl: Path) -> email.message.Message:
    with zipfile.ZipFile(whl) as z:
        (path,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(z.read(path))


def test_the_wheel_holds_the_command_and_complete_metadata(wheel: Path, root: Path, cargo: dict):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
    assert "opik_mcp_rs-{}.data/scripts/opik-mcp".format(cargo["version"]) in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    m = metadata(wheel)
    assert m["Name"] == "opik-mcp-rs", "not upstream's `opik-mcp`"
    assert m["Version"] == cargo["version"]
    assert m["License-Expression"] == cargo["license"] == "Apache-2.0"
    assert "Opik" in m["Summary"] and "opik-mcp" in m["Summary"]
    urls = dict(u.split(", ", 1) for u in m.get_all("Project-URL"))
    assert urls["Repository"] == cargo["repository"]
    assert {"Homepage", "Documentation", "Issues"} <= set(urls)
    classifiers = m.get_all("Classifier")
    assert "Programming Language :: Rust" in classifiers and len(classifiers) >= 8
    assert m.get_payload().startswith((root / "docs/install.md").read_text()[:200])


def test_pyproject_agrees_with_cargo_toml(root: Path, cargo: dict):
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["build-system"]["build-backend"] == "maturin"
    assert project["tool"]["maturin"]["bindings"] == "bin"
    assert project["project"]["license"] == cargo["license"]
    assert project["project"]["urls"]["Repository"] == cargo["repository"]


def test_pip_installs_a_working_opik_mcp_into_a_fresh_venv(wheel: Path, cargo: dict, tmp_path: Path):
    venv = tmp_path / "venv"
    # pip from this venv installs into the new one (`--python`): no pip bootstrap there.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "pip", "--python", venv / "bin/python", "install",
                    "--no-index", "--quiet", "--disable-pip-version-check", wheel],
                   check=True, timeout=300)
    command = venv / "bin/opik-mcp"
    version = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"opik-mcp {cargo['version']}"
    assert_serves_mcp([str(command)], clean_env(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["venv"], "stdio wrote nothing to its cwd"


def test_uvx_runs_the_wheel(wheel: Path, cargo: dict, tmp_path: Path):
    env = clean_env(UV_CACHE_DIR=str(tmp_path / "uv-cache"), UV_NO_CONFIG="1")
    uvx = [BIN / "uv", "tool", "run", "--offline", "--from", wheel, "opik-mcp"]
    version = subprocess.run([*uvx, "--version"], capture_output=True, text=True, env=env,
                             timeout=300)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"opik-mcp {cargo['version']}"
    assert_serves_mcp([str(a) for a in uvx], env, tmp_path)
