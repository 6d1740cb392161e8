"""Another repository's build step, with nothing of this one but the installed wheel.

The wheel is built from a clean copy of the working tree and installed, not
editable, with the `codegen` extra into a venv of its own. tests/other_repo is
Acme's repository (the README's worked example): a pyproject.toml whose
`[tool.flax-auto]` names the package acme.auto and two of upstream's rows,
Acme's own tables, and a package src/acme with a config and two Flax models,
one for upstream's FlaxAutoModelForCausalLM and one for a task of Acme's own.
It is copied into a fresh git repository, and everything there runs as Acme's
developers and CI run it: the `flax-auto` console script, the generated package
imported from src/, pyright, ruff and isort on the output, and the pre-commit
hook of this repository through `pre-commit try-repo`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from codegen_support import edit, line_of, snapshot
from test_dist import NOT_SOURCES, build, only

from codegen.build import ROOT

EXAMPLE = Path(__file__).parent / "other_repo"
PACKAGE = Path("src") / "acme" / "auto"
HOOK_ID = "flax-auto-check"
FLAX_AUTO = re.compile(r"(?<!\w)flax_auto(?!\w)|flax_auto_codegen")
# What the generated package must serve: auto class -> model_type -> class.
ROWS = {
    "FlaxAutoModelForCausalLM": {"gpt2": "FlaxGPT2LMHeadModel", "acme": "FlaxAcmeForCausalLM"},
    "FlaxAutoModel": {"bert": "FlaxBertModel"},
    "FlaxAutoModelForTextScoring": {"acme": "FlaxAcmeForTextScoring"},
}
GIT = ["git", "-c", "user.name=Acme CI", "-c", "user.email=ci@acme.invalid", "-c", "commit.gpgsign=false"]

# Run with the venv's Python from outside the repository: what Acme's own code does.
USE_IT = """
import json, re, sys
before = set(sys.modules)
import acme.auto
imported = sorted(set(sys.modules) - before)

import jax, numpy as np
from transformers import BertConfig, GPT2Config
from acme.configuration_acme import AcmeConfig

configs = {
    "gpt2": GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=32, n_positions=16),
    "bert": BertConfig(num_hidden_layers=1, hidden_size=8, num_attention_heads=2, intermediate_size=16,
                       vocab_size=32, max_position_embeddings=16),
    "acme": AcmeConfig(),
}
rows = json.loads(sys.argv[2])
built = {}
for auto_name, model_types in rows.items():
    auto_class = getattr(acme.auto, auto_name)
    for model_type in model_types:
        model = auto_class.from_config(configs[model_type], seed=0)
        folder = f"{sys.argv[1]}/{auto_name}-{model_type}"
        model.save_pretrained(folder)
        loaded = auto_class.from_pretrained(folder)
        leaves = [jax.tree_util.tree_leaves(m.params) for m in (model, loaded)]
        same = len(leaves[0]) > 0 and all(np.array_equal(a, b) for a, b in zip(*leaves, strict=True))
        built[f"{auto_name}/{model_type}"] = [type(model).__name__, type(loaded).__name__, same]

refused = {}
for auto_name, model_type in [("FlaxAutoModel", "acme"), ("FlaxAutoModelForCausalLM", "bert")]:
    try:
        getattr(acme.auto, auto_name).from_config(configs[model_type])
        refused[f"{auto_name}/{model_type}"] = ""
    except ValueError as error:
        refused[f"{auto_name}/{model_type}"] = str(error)

print(json.dumps({
    "file": acme.auto.__file__,
    "imported": imported,
    "built": built,
    "refused": refused,
    "names": {name: dict(getattr(acme.auto, name)) for name in dir(acme.auto) if name.endswith("_MAPPING_NAMES")},
    "docs": {name: getattr(acme.auto, name).__doc__ or "" for name in rows},
}))
"""

TYPES = """
from typing import assert_type

from transformers.modeling_flax_utils import FlaxPreTrainedModel
from transformers.models.bert.configuration_bert import BertConfig
from transformers.models.bert.modeling_flax_bert import FlaxBertModel
from transformers.models.gpt2.configuration_gpt2 import GPT2Config
from transformers.models.gpt2.modeling_flax_gpt2 import FlaxGPT2LMHeadModel

from acme.auto import FlaxAutoModel, FlaxAutoModelForCausalLM, FlaxAutoModelForTextScoring
from acme.configuration_acme import AcmeConfig
from acme.modeling_flax_acme import FlaxAcmeForCausalLM, FlaxAcmeForTextScoring

assert_type(FlaxAutoModelForCausalLM.from_config(AcmeConfig()), FlaxAcmeForCausalLM)
assert_type(FlaxAutoModelForCausalLM.from_pretrained("ckpt", config=AcmeConfig()), FlaxAcmeForCausalLM)
assert_type(FlaxAutoModelForTextScoring.from_config(AcmeConfig()), FlaxAcmeForTextScoring)
assert_type(FlaxAutoModelForCausalLM.from_config(GPT2Config()), FlaxGPT2LMHeadModel)
assert_type(FlaxAutoModel.from_config(BertConfig()), FlaxBertModel)
# Must be an error: the inferred type is Acme's class, not the base type.
assert_type(FlaxAutoModelForTextScoring.from_config(AcmeConfig()), FlaxPreTrainedModel)  # pyright: ignore[reportAssertTypeFailure]
"""


def clean_env(venv: Path) -> dict[str, str]:
    """As in Acme's shell with the venv activated: its bin first on PATH, no PYTHON* leaking in, offline."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return env | {
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "VIRTUAL_ENV": str(venv),
        "HF_HUB_OFFLINE": "1",
        "JAX_PLATFORMS": "cpu",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def flax_auto(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, run in `cwd`."""
    script = venv / "bin" / "flax-auto"
    assert script.is_file(), f"the wheel installed no console script {script.name}"
    return subprocess.run(
        [str(script), *args], cwd=cwd, env=clean_env(venv), capture_output=True, text=True, timeout=300
    )


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel (built from a clean copy of the tree) and its codegen extra."""
    source = tmp_path_factory.mktemp("source") / "flax-auto"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    dist = tmp_path_factory.mktemp("dist")
    build(source, dist, "--wheel")
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = only(dist, "*.whl")
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile"]
    result = subprocess.run(
        [*install, "-c", str(ROOT / "constraints.txt"), f"{wheel}[codegen]"],
        env=clean_env(venv), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return venv


@pytest.fixture(scope="module")
def generated(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Acme's repository in a fresh git repo, its package generated by `flax-auto generate` and committed."""
    repo = tmp_path_factory.mktemp("acme") / "acme"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "Acme's models and tables")
    result = flax_auto(venv, repo, "generate")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "generate acme.auto")
    return repo, result


@pytest.fixture
def acme(generated: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> Path:
    """A copy of the generated repository for one test to change."""
    repo, result = generated
    assert result.returncode == 0, result.stderr
    return Path(shutil.copytree(repo, tmp_path / "acme", symlinks=True))


def package_files(repo: Path) -> dict[str, str]:
    folder = repo / PACKAGE
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def header(text: str) -> str:
    """The comment lines a generated module starts with, as one line."""
    return " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#") or not line)


def test_the_wheel_installs_the_console_script_and_the_generator_under_a_name_of_its_own(venv: Path) -> None:
    help_text = flax_auto(venv, venv, "--help")
    assert help_text.returncode == 0, help_text.stderr
    for command in ("generate", "check", "explain", "list", "sync"):
        assert command in help_text.stdout
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    assert not (site / "codegen").exists()  # no generic top-level name in site-packages
    tool = site / "flax_auto_codegen"
    assert (tool / "cli.py").is_file() and list(tool.rglob("*.jinja")), sorted(p.name for p in site.iterdir())
    tables = {path.name for path in tool.rglob("*.toml")}
    assert {path.name for path in (ROOT / "codegen" / "tables").glob("*.toml")} <= tables
    # The extra brings the generator's own tools at the repository's exact pins.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = set(project["project"]["optional-dependencies"]["codegen"])
    assert pins == set(project["dependency-groups"]["codegen"])
    freeze = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze"], env=clean_env(venv), capture_output=True, text=True, check=True
    )
    installed = {line.lower() for line in freeze.stdout.splitlines()}
    assert {pin.lower() for pin in pins} <= installed


def test_the_hook_installs_the_generator_with_the_extras_pins() -> None:
    """pre-commit installs the repository with `pip install . DEPS`: DEPS must be the codegen extra."""
    (hook,) = [hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if hook["id"] == HOOK_ID]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert hook["language"] == "python"
    assert shlex.split(hook["entry"])[:2] == ["flax-auto", "check"]
    assert hook["pass_filenames"] is False
    assert sorted(hook["additional_dependencies"]) == sorted(project["optional-dependencies"]["codegen"])
    assert project["scripts"]["flax-auto"]


def test_generate_writes_acmes_package_naming_acme_and_a_second_run_writes_nothing(
    generated: tuple[Path, subprocess.CompletedProcess[str]], venv: Path
) -> None:
    repo, first = generated
    assert first.returncode == 0, first.stderr
    assert re.search(r"\b\d+ written, 0 unchanged, 0 removed", first.stdout), first.stdout
    files = package_files(repo)
    assert {"__init__.py", "configs.py", "causal_lm.py", "model.py", "text_scoring.py", "py.typed"} <= set(files)
    # Acme's causal-LM row joins upstream's auto class: one module defines it, none is named after Acme's table.
    assert [name for name, text in files.items() if "class FlaxAutoModelForCausalLM" in text] == ["causal_lm.py"]
    assert "acme_causal_lm.py" not in files
    for name, text in files.items():
        if name.endswith(".py"):
            assert "DO NOT EDIT" in text.split("\n\n", 1)[0], name
            assert "flax-auto generate" in text.split('"""', 1)[0], name
        # Neither flax-auto's package nor its generator (upstream's modeling_flax_auto may be named).
        assert not FLAX_AUTO.findall(text), name
    # Only the chosen rows: upstream's causal-LM table has bert too, upstream's model table gpt2.
    assert "FlaxBertForCausalLM" not in files["causal_lm.py"]
    assert "FlaxGPT2Model" not in files["model.py"]

    # Each header names the inputs of the module, Acme's tables among them where they hold its rows.
    for name, inputs in {
        "configs.py": ["tables/configs.toml"],
        "causal_lm.py": ["tables/acme_causal_lm.toml", "tables/configs.toml"],
        "text_scoring.py": ["tables/text_scoring.toml", "tables/configs.toml"],
    }.items():
        named = re.findall(r"(?<![\w:/-])tables/[\w*]+\.toml", header(files[name]))
        assert set(inputs) <= set(named), f"{name}: {header(files[name])}"

    again = flax_auto(venv, repo, "generate")
    assert again.returncode == 0, again.stderr
    assert re.search(r"\b0 written, \d+ unchanged, 0 removed", again.stdout), again.stdout
    assert package_files(repo) == files
    assert git(repo, "status", "--porcelain") == ""


def test_the_package_builds_saves_and_loads_every_row_and_imports_nothing_else(
    generated: tuple[Path, subprocess.CompletedProcess[str]], venv: Path, tmp_path: Path
) -> None:
    repo, _ = generated
    env = clean_env(venv) | {"PYTHONPATH": str(repo / "src")}
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", USE_IT, str(tmp_path), json.dumps(ROWS)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(seen["file"]) == repo / PACKAGE / "__init__.py"
    assert seen["built"] == {
        f"{auto}/{model_type}": [name, name, True] for auto, rows in ROWS.items() for model_type, name in rows.items()
    }
    # Unsupported configs are refused by the auto class, which lists what it serves.
    acme_refused = seen["refused"]["FlaxAutoModel/acme"]
    assert "AcmeConfig" in acme_refused and "bert" in acme_refused, acme_refused
    bert_refused = seen["refused"]["FlaxAutoModelForCausalLM/bert"]
    assert "BertConfig" in bert_refused and "gpt2" in bert_refused and "acme" in bert_refused, bert_refused
    assert not [text for text in seen["refused"].values() if FLAX_AUTO.search(text)]
    assert seen["names"] == {
        "CONFIG_MAPPING_NAMES": {"gpt2": "GPT2Config", "bert": "BertConfig", "acme": "AcmeConfig"},
        "FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES": ROWS["FlaxAutoModelForCausalLM"],
        "FLAX_MODEL_MAPPING_NAMES": ROWS["FlaxAutoModel"],
        "FLAX_MODEL_FOR_TEXT_SCORING_MAPPING_NAMES": ROWS["FlaxAutoModelForTextScoring"],
    }
    for auto_name, rows in ROWS.items():
        for model_type, name in rows.items():
            assert model_type in seen["docs"][auto_name] and name in seen["docs"][auto_name], auto_name

    imported = seen["imported"]
    # Nothing of flax-auto, nor the generator's black (transformers itself imports jinja2).
    assert not [name for name in imported if name.split(".")[0] in {"flax_auto", "flax_auto_codegen", "codegen", "black"}]
    # transformers.modeling_flax_utils itself imports upstream's auto module (its mappings stay lazy).
    models = {name for name in imported if re.fullmatch(r"transformers\.models\.(?!auto\.)[^.]+\.modeling_\w+", name)}
    assert models == {"transformers.models.gpt2.modeling_flax_gpt2", "transformers.models.bert.modeling_flax_bert"}
    assert {"acme.configuration_acme", "acme.modeling_flax_acme"} <= set(imported)


def test_pyright_infers_acmes_classes_through_the_generated_overloads(acme: Path, venv: Path) -> None:
    (acme / "check_types.py").write_text(TYPES)
    (acme / "pyrightconfig.json").write_text(
        json.dumps(
            {
                "include": ["check_types.py", PACKAGE.as_posix()],
                "extraPaths": ["src"],
                "pythonVersion": "3.11",
                # As this repository checks its own package: strict, except for transformers' unannotated members.
                "typeCheckingMode": "strict",
                "reportUnknownMemberType": False,
                "reportUnnecessaryTypeIgnoreComment": "error",
            }
        )
    )
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", str(venv / "bin" / "python")],
        cwd=acme, env=env, capture_output=True, text=True, timeout=600,
    )
    report = json.loads(result.stdout)
    errors = [f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}" for d in report["generalDiagnostics"]]
    assert errors == [], "\n".join(errors)
    assert report["summary"]["filesAnalyzed"] == 1 + len(list((acme / PACKAGE).glob("*.py")))


def test_ruff_and_isort_with_the_black_profile_accept_the_generated_package(
    generated: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    repo, _ = generated
    for tool in (["ruff", "check", "--no-cache"], ["isort", "--check-only", "--diff"]):
        result = subprocess.run(
            [sys.executable, "-m", *tool, PACKAGE.as_posix()], cwd=repo, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"{tool[0]}:\n{result.stdout}{result.stderr}"


def test_explain_and_list_show_acmes_rows_in_acmes_package(acme: Path, venv: Path) -> None:
    explained = flax_auto(venv, acme, "explain", "FlaxAutoModelForCausalLM", "acme")
    assert explained.returncode == 0, explained.stderr
    number = line_of(acme / "tables" / "acme_causal_lm.toml", "acme = ")
    for text in ("FlaxAcmeForCausalLM", "acme.modeling_flax_acme", f"tables/acme_causal_lm.toml:{number}", "acme.auto.causal_lm"):
        assert text in explained.stdout, explained.stdout
    assert not FLAX_AUTO.search(explained.stdout), explained.stdout
    listed = flax_auto(venv, acme, "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert {task["auto_class"]: task["models"] for task in json.loads(listed.stdout)["tasks"]} == ROWS


def test_check_says_up_to_date_from_any_folder_of_the_repo_and_with_config(acme: Path, venv: Path, tmp_path: Path) -> None:
    for cwd in (acme, acme / "src" / "acme"):
        result = flax_auto(venv, cwd, "check")
        assert (result.returncode, result.stderr) == (0, ""), result.stdout
        assert "up to date" in result.stdout
    outside = flax_auto(venv, tmp_path, "check", "--config", str(acme / "pyproject.toml"))
    assert outside.returncode == 0, outside.stderr
    # Outside any configured project the tool says what to add.
    lost = flax_auto(venv, tmp_path, "check")
    assert lost.returncode == 2, lost.stdout
    assert "[tool.flax-auto]" in lost.stderr and "package =" in lost.stderr and "Traceback" not in lost.stderr


def test_an_edited_generated_file_makes_check_exit_1_with_the_diff_and_the_command_that_fixes_it(
    acme: Path, venv: Path
) -> None:
    module = acme / PACKAGE / "text_scoring.py"
    original = module.read_text(encoding="utf-8")
    module.write_text(original.replace("text scoring", "TEXT SCORING", 1), encoding="utf-8")

    stale = flax_auto(venv, acme, "check")
    assert stale.returncode == 1, stale.stdout + stale.stderr
    headers = [line for line in stale.stdout.splitlines() if line.startswith(("--- ", "+++ "))]
    assert len(headers) == 2 and all(f"{PACKAGE.as_posix()}/text_scoring.py" in line for line in headers), stale.stdout
    assert [line for line in stale.stdout.splitlines() if line.startswith("-") and "TEXT SCORING" in line]
    assert [line for line in stale.stdout.splitlines() if line.startswith("+") and "text scoring" in line]
    fix = re.search(r"run:? `?(flax-auto generate[^`\n;]*)", stale.stderr)
    assert fix, stale.stderr

    fixed = subprocess.run(shlex.split(fix[1]), cwd=acme, env=clean_env(venv), capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
    assert module.read_text(encoding="utf-8") == original
    assert flax_auto(venv, acme, "check").returncode == 0
    assert git(acme, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("key", "bad_line", "message"),
    [
        ("source-paths = ", 'source-paths = "src"', "source-paths"),
        ("upstream = ", 'upstream = ["causal_lm:gpt3"]', "gpt3"),
        ("upstream = ", 'upstream = ["no_such_task"]', "no_such_task"),
        ("upstream = ", 'upstream = "yes"', "upstream"),
        ("package = ", 'package = "acme-auto"', "acme-auto"),
        ("tables = ", 'tables = "tables"\npackages = "acme.auto"', "packages"),
    ],
)
def test_a_bad_setting_exits_2_at_its_pyproject_line_and_writes_nothing(
    acme: Path, venv: Path, key: str, bad_line: str, message: str
) -> None:
    pyproject = acme / "pyproject.toml"
    number = line_of(pyproject, key)
    old = next(line for line in pyproject.read_text().splitlines() if line.startswith(key))
    edit(pyproject, old, bad_line)
    number += bad_line.count("\n")  # an added key is reported on its own line
    before = snapshot(acme / PACKAGE)
    for command in ("check", "generate"):
        result = flax_auto(venv, acme, command)
        assert result.returncode == 2, f"{command}: {result.stdout}{result.stderr}"
        assert f"pyproject.toml:{number}:" in result.stderr and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert snapshot(acme / PACKAGE) == before


@pytest.mark.parametrize(
    ("table", "old", "new", "names"),
    [
        # A module that is not on the source paths: the error names the paths searched.
        ("configs.toml", '"acme.configuration_acme"', '"acme.configuration_acmee"', ["acme.configuration_acmee", "src"]),
        # A class-name typo in a row is caught from the source, never skipped.
        ("acme_causal_lm.toml", '"FlaxAcmeForCausalLM"', '"FlaxAcmeForCausalLMM"', ["FlaxAcmeForCausalLMM"]),
    ],
)
def test_a_row_the_source_paths_do_not_bear_out_exits_2_at_its_table_line(
    acme: Path, venv: Path, table: str, old: str, new: str, names: list[str]
) -> None:
    path = acme / "tables" / table
    number = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if old in line)
    edit(path, old, new)
    before = snapshot(acme / PACKAGE)
    result = flax_auto(venv, acme, "generate")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"tables/{table}:{number}" in result.stderr, result.stderr
    assert all(name in result.stderr for name in names), result.stderr
    assert snapshot(acme / PACKAGE) == before


def test_the_pre_commit_hook_of_this_repository_fails_a_stale_package_with_the_diff(
    acme: Path, venv: Path, tmp_path: Path
) -> None:
    """`pre-commit try-repo` clones this repository at HEAD and installs it as pre-commit installs hooks."""
    module = acme / PACKAGE / "text_scoring.py"
    module.write_text(module.read_text(encoding="utf-8").replace("text scoring", "TEXT SCORING", 1), encoding="utf-8")
    # The hook's pip resolves the suite's own versions (and skips compiling them): faster, and the same every run.
    env = clean_env(venv) | {
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
        "PIP_NO_COMPILE": "1",
        "PIP_CONSTRAINT": str(ROOT / "constraints.txt"),
    }
    env["PATH"] = env["PATH"].split(os.pathsep, 1)[1]  # the hook's own env, not Acme's venv, runs flax-auto
    env.pop("VIRTUAL_ENV")
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), HOOK_ID, "--all-files", "--verbose"],
        cwd=acme, env=env, capture_output=True, text=True, timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"^flax-auto check\.+Failed$", output, re.MULTILINE), output
    assert "- exit code: 1" in output, output
    # Only the edited file differs: the hook's black and jinja2 render what Acme's venv rendered.
    headers = [line for line in output.splitlines() if line.startswith(("--- ", "+++ "))]
    assert len(headers) == 2 and all(f"{PACKAGE.as_posix()}/text_scoring.py" in line for line in headers), output
    assert "flax-auto generate" in output, output


def readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## Use the build step in your own repository\n", 1)[1].split("\n## ", 1)[0]


def test_the_readmes_worked_example_is_the_repository_this_test_runs() -> None:
    """Each TOML block of the README's example is, comments aside, the file of tests/other_repo it names."""
    blocks = re.findall(r"```toml\n(.*?)```", readme_section(), re.DOTALL)
    shown: dict[str, list[str]] = {}
    for block in blocks:
        name = ""
        for line in block.splitlines():
            if match := re.fullmatch(r"# ((?:tables/)?[\w.]+\.toml)(?::.*)?", line):
                name = match[1]
            elif line and not line.startswith("#"):
                shown.setdefault(name, []).append(line)
    assert set(shown) == {"pyproject.toml", "tables/configs.toml", "tables/acme_causal_lm.toml", "tables/text_scoring.toml"}
    for name, lines in shown.items():
        actual = [line for line in (EXAMPLE / name).read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
        if name == "pyproject.toml":  # the README shows [tool.flax-auto] only
            start = actual.index("[tool.flax-auto]")
            actual = actual[start : start + len(lines)]
        assert lines == actual, name
    assert f"- id: {HOOK_ID}" in readme_section()
