"""The package on its own: the sdist and the wheel, installed as a user installs them.

The working tree is copied (its venvs, builds and caches left out) and built with
`python -m build`, as `make dist` does: the sdist, then the wheel from the sdist. The
wheel is installed, not editable, into a venv of its own and used from a folder
outside the repository with `python -I`, so nothing of the repository is on the path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from codegen_support import COMMITTED, read_package

import flax_auto
from codegen.build import ROOT, load_tables

UPSTREAM = load_tables().upstream_transformers
NOT_SOURCES = (".git", ".venv*", ".lock-venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")
# Run in the fresh venv: what a user's first lines do, and what the test needs to know.
USER_SCRIPT = """
import json, sys
from importlib import metadata
from pathlib import Path

import flax_auto
from transformers import GPT2Config

config = GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=32, n_positions=16)
model = flax_auto.FlaxAutoModelForCausalLM.from_config(config, seed=0)
print(json.dumps({
    "file": flax_auto.__file__,
    "py.typed": (Path(flax_auto.__file__).parent / "py.typed").is_file(),
    "model": type(model).__name__,
    "upstream": flax_auto.UPSTREAM_TRANSFORMERS_VERSION,
    "summary": metadata.metadata("flax-auto")["Summary"],
    "path": sys.path,
}))
"""


def build(source: Path, out: Path, *options: str) -> None:
    subprocess.run([sys.executable, "-m", "build", *options, "--outdir", str(out), str(source)], check=True, capture_output=True)


def only(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


def wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean copy of the working tree: a build never sees leftovers of an earlier one."""
    root = tmp_path_factory.mktemp("project") / "flax-auto"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    return root


@pytest.fixture(scope="module")
def dist(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make dist` makes: the sdist, and the wheel built from it."""
    out = tmp_path_factory.mktemp("dist")
    build(project, out)
    return out


def test_the_package_and_its_metadata_name_the_upstream_release_of_the_tables() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert flax_auto.UPSTREAM_TRANSFORMERS_VERSION == UPSTREAM
    assert project["description"].endswith(f"transformers {UPSTREAM}")
    # The supported transformers range is that release's line: 4.57.6 -> >=4.57.x,<4.58.
    (requirement,) = [dep for dep in project["dependencies"] if dep.startswith("transformers")]
    bounds = re.fullmatch(r"transformers>=([\d.]+),<([\d.]+)", requirement)
    assert bounds, requirement
    low, high = bounds.groups()
    major, minor, _ = UPSTREAM.split(".")
    assert low.startswith(f"{major}.{minor}.") and high == f"{major}.{int(minor) + 1}"


def test_the_sdist_holds_the_generated_package_and_builds_the_same_wheel(project: Path, dist: Path, tmp_path: Path) -> None:
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        members = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    package = {name.removeprefix("generated/flax_auto/") for name in members if name.startswith("generated/flax_auto/")}
    assert package == set(read_package(COMMITTED))  # py.typed included
    assert {"pyproject.toml", "README.md"} <= members
    assert not [name for name in members if name.startswith("tests")]

    from_sdist = wheel_files(only(dist, "*.whl"))
    build(project, tmp_path, "--wheel")
    assert from_sdist == wheel_files(only(tmp_path, "*.whl"))
    package = {name.removeprefix("flax_auto/"): data for name, data in from_sdist.items() if name.startswith("flax_auto/")}
    assert package == read_package(COMMITTED)  # py.typed included


def test_the_wheel_installs_into_a_venv_of_its_own_and_builds_a_model(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    wheel = only(dist, "*.whl")
    subprocess.run([*pip, "install", "--quiet", "--no-compile", "-c", str(ROOT / "constraints.txt"), str(wheel)], check=True, capture_output=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env |= {"JAX_PLATFORMS": "cpu", "HF_HUB_OFFLINE": "1"}

    used = subprocess.run([python, "-I", "-c", USER_SCRIPT], cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    checked = subprocess.run([*pip, "check"], cwd=tmp_path, env=env, capture_output=True, text=True)

    seen = json.loads(used.stdout.splitlines()[-1])
    assert Path(seen["file"]).is_relative_to(venv / "lib" / "python3.11" / "site-packages")
    assert not [entry for entry in seen["path"] if entry and Path(entry).is_relative_to(ROOT)]
    assert seen["py.typed"]
    assert seen["model"] == "FlaxGPT2LMHeadModel"
    assert seen["upstream"] == UPSTREAM
    assert seen["summary"].endswith(f"transformers {UPSTREAM}")
    assert (checked.returncode, checked.stdout) == (0, "No broken requirements found.\n")
