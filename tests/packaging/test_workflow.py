"""The release workflow (.github/workflows/release.yml): actionlint finds nothing (with
shellcheck on every `run:` script, and its check for actions on retired runtimes), and the
workflow builds what docs/install.md promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
WORKFLOW = ".github/workflows/release.yml"


def load(root: Path) -> dict:
    return yaml.safe_load((root / WORKFLOW).read_text())


def test_actionlint_finds_nothing(root: Path):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    assert (BIN / "shellcheck").exists(), "shellcheck checks the run: scripts"
    proc = subprocess.run([BIN / "actionlint", "-no-color", WORKFLOW], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr


def test_it_runs_on_version_tags_only_with_read_permissions_by_default(root: Path):
    wf = load(root)
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads the bare key `on` as true
    assert on["push"] == {"tags": ["v*.*.*"]}
    assert wf["permissions"] == {"contents": "read"}


def test_binaries_for_every_promised_target(root: Path):
    jobs = load(root)["jobs"]
    targets = {e["target"]: e for e in jobs["binaries"]["strategy"]["matrix"]["include"]}
    assert set(targets) == {
        "x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl",
        "aarch64-apple-darwin", "x86_64-apple-darwin", "x86_64-pc-windows-msvc",
    }
    npm = {e["npm"] for e in targets.values() if e["npm"]}
    assert npm == {"linux-x64", "linux-arm64", "darwin-arm64", "win32-x64"}, \
        "one npm platform package per optional dependency of npm/package.json"
    steps = " ".join(s.get("run", "") for s in jobs["binaries"]["steps"])
    assert "node npm/stage.mjs" in steps and "static" in steps


def test_wheels_sdist_image_checksums_sbom_signatures_and_publishing(root: Path):
    jobs = load(root)["jobs"]
    wheel_targets = {e["target"] for e in jobs["wheels"]["strategy"]["matrix"]["include"]}
    assert {"x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc"} <= wheel_targets
    image = " ".join(s.get("run", "") for s in jobs["image"]["steps"])
    assert "docker buildx build . " in image and "--sbom=true" in image and "--push" in image
    arches = {e["arch"] for e in jobs["image"]["strategy"]["matrix"]["include"]}
    assert arches == {"amd64", "arm64"}
    manifest = " ".join(s.get("run", "") for s in jobs["image-manifest"]["steps"])
    assert "imagetools create" in manifest and "cosign sign --yes" in manifest
    release = " ".join(s.get("run", "") for s in jobs["release"]["steps"])
    for needed in ["sha256sum", "cyclonedx", "cosign sign-blob", "gh release create"]:
        assert needed in release, needed
    assert "cargo" in " ".join(s.get("run", "") for s in jobs["publish-crate"]["steps"])
    assert any("pypi-publish" in s.get("uses", "") for s in jobs["publish-pypi"]["steps"])
    assert "npm publish" in " ".join(s.get("run", "") for s in jobs["publish-npm"]["steps"])
