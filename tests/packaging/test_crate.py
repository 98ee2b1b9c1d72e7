"""`cargo install opik-mcp`: the crate `cargo package --locked` makes. Verification (compiling
the unpacked crate) is left to the release workflow's `cargo publish --dry-run`: here it would
compile the crate once more, minutes on CI's two cores, for what `cargo build` already proved."""

from __future__ import annotations

import os
import subprocess
import tarfile
import tomllib
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def crate(root: Path, cargo: dict, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("crate-target")
    env = {**os.environ, "CARGO_TARGET_DIR": str(target), "CARGO_TERM_COLOR": "never"}
    proc = subprocess.run(
        ["cargo", "package", "--locked", "--no-verify", "--allow-dirty", "--package", "opik-mcp"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return target / "package" / f"opik-mcp-{cargo['version']}.crate"


def files(crate: Path) -> list[str]:
    with tarfile.open(crate) as t:
        prefix = t.getnames()[0].split("/")[0] + "/"
        return sorted(n.removeprefix(prefix) for n in t.getnames() if n != prefix.rstrip("/"))


def test_the_crate_has_what_cargo_install_needs_and_the_license(crate: Path):
    names = files(crate)
    for needed in ["Cargo.toml", "Cargo.lock", "LICENSE", "README.md", "build.rs", "src/main.rs",
                   "src/lib.rs", "client/index.html", "migrations/sqlite",
                   "migrations/postgres", "docs/configuration.md"]:
        assert any(n == needed or n.startswith(needed + "/") for n in names), needed


def test_nothing_large_or_test_only_is_packed(crate: Path):
    names = files(crate)
    for excluded in ["tests/", "bench/", "fuzz/", "deploy/", "scripts/", "npm/", ".github/",
                     ".ci/", "target/", "node_modules"]:
        assert not [n for n in names if excluded in n], excluded
    assert crate.stat().st_size < 1024 * 1024, f"{crate.stat().st_size} bytes compressed"


def test_the_published_manifest_is_publishable_and_complete(crate: Path, cargo: dict):
    with tarfile.open(crate) as t:
        member = next(m for m in t.getmembers() if m.name.endswith("/Cargo.toml"))
        manifest = tomllib.loads(t.extractfile(member).read().decode())["package"]
    assert manifest.get("publish", True) is not False
    assert manifest["name"] == "opik-mcp"
    assert manifest["license"] == "Apache-2.0"
    for key in ["description", "repository", "readme", "keywords", "categories"]:
        assert manifest.get(key), key
    assert manifest["repository"] == cargo["repository"]
