"""The package on its own: the sdist and the wheel, installed as a user installs them.

The working tree is copied (its venvs, builds and caches left out) and built with
`python -m build`, as `make dist` does: the sdist, then the wheel from the sdist. The
wheel is installed, not editable, by a plain `pip install` into a Python 3.13 venv
that already holds the newest stack a user has (what pip changes there is the test),
and used from a folder outside the repository with `python -I`, so nothing of the
repository is on the path. On Python 3.12 pip resolves it; installing the stack there
a second time would prove nothing more about our metadata.
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
from dataclasses import dataclass
from pathlib import Path

import pytest
from codegen_support import COMMITTED, copy_project, edit, read_package

import flax_auto
from codegen.build import ROOT, load_tables

UPSTREAM = load_tables().upstream_transformers
# What a user of Flax models already has; the test installs it at constraints.txt's versions.
USER_STACK = ("jax[cpu]", "flax", "numpy", "transformers")
PIP_PIN = "pip==26.0.1"  # the Makefile's PIP_VERSION
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


def test_make_dist_refuses_a_stale_generated_package(tmp_path: Path) -> None:
    """`make dist` runs the check first: a hand-edited generated/ never reaches a wheel."""
    root = copy_project(tmp_path / "project", ("codegen", "templates", "generated/flax_auto"))
    for name in ["Makefile", "pyproject.toml", "constraints.txt", "README.md"]:
        shutil.copy2(ROOT / name, root / name)
    (root / ".venv").symlink_to(ROOT / ".venv")
    edit(root / "generated" / "flax_auto" / "configs.py", '"bert": BertConfig', '"bert": None')
    result = subprocess.run(["make", "--no-print-directory", "dist"], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "to fix it run: make generate" in result.stderr
    assert not (root / "dist").exists() and "-m build" not in result.stdout


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


@dataclass
class Installed:
    """A venv that held a user's stack before the wheel went in: what pip listed before and after."""

    venv: Path
    python: str
    before: dict[str, str]
    after: dict[str, str]


def find_python(version: str) -> str:
    """Python `version`, found as the Makefile finds it: on PATH if it runs, else pyenv's newest."""
    versions = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    installed = sorted(versions.glob(f"{version}.*/bin/python{version}"), key=lambda path: [int(part) for part in re.findall(r"\d+", path.parts[-3])])
    for candidate in [shutil.which(f"python{version}"), *reversed(installed)]:
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True, check=False).returncode == 0:
            return str(candidate)
    pytest.fail(f"Python {version} not found: no working python{version} on PATH and none in {versions}/{version}.*/bin")


def new_venv(python: str, venv: Path) -> str:
    """A fresh venv with the Makefile's pip: pip's answers do not change with the machine's."""
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip(str(venv / "bin" / "python"), "install", PIP_PIN)
    return str(venv / "bin" / "python")


def pip(python: str, *arguments: str) -> str:
    """pip's output; where it fails, the test fails with pip's own words (a refused Python, a conflict)."""
    result = subprocess.run([python, "-m", "pip", "--disable-pip-version-check", *arguments], check=False, capture_output=True, text=True)
    assert result.returncode == 0, f"pip {' '.join(arguments)}:\n{result.stderr}"
    return result.stdout


def listed(python: str) -> dict[str, str]:
    return {package["name"].lower(): package["version"] for package in json.loads(pip(python, "list", "--format=json"))}


@pytest.fixture(scope="module")
def next_to_the_newest_stack(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel installed as a user installs it, into a Python 3.13 venv that already holds
    the newest jax, flax, numpy and transformers (the versions of constraints.txt):
    no constraints file, no --ignore-requires-python."""
    venv = tmp_path_factory.mktemp("stack") / "venv"
    python = new_venv(find_python("3.13"), venv)
    pip(python, "install", "--quiet", "--no-compile", "-c", str(ROOT / "constraints.txt"), *USER_STACK)
    before = listed(python)
    pip(python, "install", "--quiet", "--no-compile", str(only(dist, "*.whl")))
    return Installed(venv, python, before, listed(python))


def test_the_wheel_installs_next_to_the_newest_stack_and_changes_nothing_else(next_to_the_newest_stack: Installed) -> None:
    installed = next_to_the_newest_stack
    newest = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines() if "==" in line)
    stack = {name: installed.before[name] for name in ["jax", "jaxlib", "flax", "numpy", "transformers"]}
    assert stack == {name: newest[name] for name in stack}  # the newest the ranges admit, at lock time
    assert installed.after == installed.before | {"flax-auto": "0.1.0"}
    assert "flax-auto" not in installed.before


def test_the_wheel_installs_into_a_venv_of_its_own_and_builds_a_model(next_to_the_newest_stack: Installed, tmp_path: Path) -> None:
    venv, python = next_to_the_newest_stack.venv, next_to_the_newest_stack.python
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env |= {"JAX_PLATFORMS": "cpu", "HF_HUB_OFFLINE": "1"}

    used = subprocess.run([python, "-I", "-c", USER_SCRIPT], cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    checked = subprocess.run([python, "-m", "pip", "--disable-pip-version-check", "check"], cwd=tmp_path, env=env, capture_output=True, text=True)

    seen = json.loads(used.stdout.splitlines()[-1])
    assert Path(seen["file"]).is_relative_to(venv / "lib" / "python3.13" / "site-packages")
    assert not [entry for entry in seen["path"] if entry and Path(entry).is_relative_to(ROOT)]
    assert seen["py.typed"]
    assert seen["model"] == "FlaxGPT2LMHeadModel"
    assert seen["upstream"] == UPSTREAM
    assert seen["summary"].endswith(f"transformers {UPSTREAM}")
    assert (checked.returncode, checked.stdout) == (0, "No broken requirements found.\n")


def test_pip_resolves_the_wheel_and_its_dependencies_on_python_3_12(dist: Path, tmp_path: Path) -> None:
    """pip's resolver, the same as for an install, without unpacking the stack a second time."""
    python = new_venv(find_python("3.12"), tmp_path / "venv")
    report = json.loads(pip(python, "install", "--quiet", "--dry-run", "--report", "-", str(only(dist, "*.whl"))))
    resolved = {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in report["install"]}
    assert resolved["flax-auto"] == "0.1.0"
    assert {"jax", "jaxlib", "flax", "numpy", "transformers"} <= set(resolved)
