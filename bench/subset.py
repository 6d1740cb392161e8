"""A subset costs only what it serves: a package generated with three model types, in fresh processes.

The package holds every upstream row of gpt2, bert and t5 (`upstream = ["causal_lm:gpt2", ...]`
in a pyproject.toml of its own, generated with `python -m codegen generate --config`). In
interleaved rounds of the same run it is imported beside upstream's lazy path to the same
classes (its auto classes imported, then each row's class resolved through their mappings,
which imports the model modules), beside the floor (every import of the package's modules,
written out directly), and beside the full `import flax_auto` for reference.
"""

from __future__ import annotations

import compileall
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.processes import PACKAGE as FLAX_AUTO
from bench.processes import external_imports, run_script
from bench.report import Section
from bench.stats import Summary, paired_ratio, ratio, times
from codegen.build import ROOT, load_tables

ROUNDS = 7
MODEL_TYPES = ("gpt2", "bert", "t5")
PACKAGE = "subset_auto"
SETTINGS = """\
[tool.flax-auto]
package = "{package}"
out = "{package}"
upstream = {selectors}
"""
MODEL_MODULE = re.compile(r"transformers\.models\.(?!auto\.)[^.]+\.modeling_\w+")
# Each scenario's body ends by naming what it loaded, for the "model modules" column.
PROBE = (
    "import sys\n_result['models'] = sorted(m for m in sys.modules if _MODEL_MODULE.fullmatch(m))\n"
    f"_result['own'] = sorted(m for m in sys.modules if m.split('.')[0] in {('flax_auto', PACKAGE)!r})\n"
)


def rows() -> list[tuple[str, str, str, str]]:
    """(task table, auto class, model_type, config class) of every upstream row of MODEL_TYPES."""
    return [
        (task.module, task.auto_class, entry.model_type.name, entry.model_type.config_class)
        for task in load_tables().tasks
        if task.origin == "upstream"
        for entry in task.upstream_entries
        if entry.model_type.name in MODEL_TYPES
    ]


def generate(folder: Path, chosen: list[tuple[str, str, str, str]]) -> Path:
    """The subset package, generated into folder by this repository's own generator."""
    selectors = json.dumps([f"{task}:{model_type}" for task, _, model_type, _ in chosen])  # a TOML array too
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(SETTINGS.format(package=PACKAGE, selectors=selectors), encoding="utf-8")
    command = [sys.executable, "-m", "codegen", "generate", "--config", str(pyproject)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    return folder / PACKAGE


def compile_package(package: Path) -> None:
    """Byte-compile a package, as pip does what it installs: the floor's modules are compiled too.

    A child started with PYTHONDONTWRITEBYTECODE (set on some machines) would
    otherwise compile the package from source in every run.
    """
    if not compileall.compile_dir(package, quiet=1):
        raise RuntimeError(f"{package} does not compile")


def floor_script(package: Path) -> str:
    """Every import of the package's modules that is not of the package itself, once each, in file order."""
    statements: dict[str, None] = {}
    for module in sorted(package.glob("*.py")):
        for statement in external_imports(module, package.name):
            statements.setdefault(statement)
    return "\n".join(statements) + '\nmark("import")\n'


def upstream_script(chosen: list[tuple[str, str, str, str]]) -> str:
    """Upstream's lazy path to the same classes: import the auto classes, resolve every row."""
    auto_classes = sorted({auto_class for _, auto_class, _, _ in chosen})
    configs = sorted({config for _, _, _, config in chosen})
    pairs = ", ".join(f"({auto_class}, {config})" for _, auto_class, _, config in chosen)
    return (
        f"from transformers import {', '.join(auto_classes + configs)}\n"
        'mark("import")\n'
        f"classes = [auto_class._model_mapping[config] for auto_class, config in [{pairs}]]\n"
        'mark("resolved")\n'
    )


def scenarios(folder: Path, package: Path, chosen: list[tuple[str, str, str, str]]) -> dict[str, str]:
    path = f"import re, sys\n_MODEL_MODULE = re.compile({MODEL_MODULE.pattern!r})\nsys.path.insert(0, {str(folder)!r})\n"
    return {
        name: path + body + PROBE
        for name, body in {
            "subset": f"import {PACKAGE}\n" + 'mark("import")\n',
            "subset.upstream": upstream_script(chosen),
            "subset.floor": floor_script(package),
            "subset.flax_auto": 'import flax_auto\nmark("import")\n',
        }.items()
    }


def measure() -> tuple[list[Section], dict[str, Summary]]:
    chosen = rows()
    with tempfile.TemporaryDirectory(prefix="flax-auto-bench-subset-") as temp:
        folder = Path(temp)
        package = generate(folder, chosen)
        compile_package(package)
        compile_package(FLAX_AUTO)
        bodies = scenarios(folder, package, chosen)
        results: dict[str, list[dict]] = {name: [] for name in bodies}
        for _ in range(ROUNDS):
            for name, body in bodies.items():
                results[name].append(run_script(body))
    measured: dict[str, Summary] = {}
    for name, runs in results.items():
        key = f"process/{name}"
        measured[f"{key}/wall"] = Summary(tuple(run["wall_s"] for run in runs))
        measured[f"{key}/peak_rss"] = Summary(tuple(float(run["peak_rss_kib"]) for run in runs), unit="KiB")
        for label in runs[0]["marks"]:
            measured[f"{key}/{label}"] = Summary(tuple(run["marks"][label][0] for run in runs))
            measured[f"{key}/{label}_cpu"] = Summary(tuple(run["marks"][label][1] for run in runs))
    loaded = {name: runs[0] for name, runs in results.items()}
    return [section(measured, loaded, chosen)], measured


def section(measured: dict[str, Summary], loaded: dict[str, dict], chosen: list[tuple[str, str, str, str]]) -> Section:
    tasks = len({task for task, _, _, _ in chosen})
    table = Section(
        f"7. A package generated with three model types ({', '.join(MODEL_TYPES)}: {len(chosen)} rows of "
        f"{tasks} tables), fresh processes (median of {ROUNDS})",
        [
            "import",
            "wall",
            "CPU",
            "peak RSS",
            "model modules loaded",
            "above the floor, paired by round (wall / CPU)",
            "vs upstream's lazy path to the same classes (wall / CPU)",
        ],
    )
    upstream = "process/subset.upstream/resolved"
    floor = "process/subset.floor/import"
    for label, name, mark in [
        (f"`import {PACKAGE}` (generated with `upstream` = those {len(chosen)} rows)", "subset", "import"),
        (f"upstream: `from transformers import` its {tasks} auto classes + resolve the {len(chosen)} rows (lazy)", "subset.upstream", "resolved"),
        ("floor: the package's imports, written out directly", "subset.floor", "import"),
        ("`import flax_auto` (every table), for reference", "subset.flax_auto", "import"),
    ]:
        key = f"process/{name}/{mark}"
        above = ""
        if name != "subset.floor":
            above = " / ".join(
                f"{paired_ratio(measured[key + suffix], measured[floor + suffix]) - 1:+.1%}" for suffix in ("", "_cpu")
            )
        versus = " / ".join(times(ratio(measured[key + suffix], measured[upstream + suffix])) for suffix in ("", "_cpu"))
        table.rows.append(
            [
                label,
                str(measured[key]),
                str(measured[key + "_cpu"]),
                str(measured[f"process/{name}/peak_rss"]),
                str(len(loaded[name]["models"])),
                above,
                versus,
            ]
        )
    own = loaded["subset"]["own"]
    leaked = [module for module in own if module.split(".")[0] == "flax_auto"]
    table.notes = [
        f"`import {PACKAGE}` loads {len(own) - len(leaked)} modules of its own and {len(leaked)} of flax_auto; "
        f"the model modules it loads: {', '.join(loaded['subset']['models'])}.",
        "Every row ends with the same classes loaded: the upstream row includes resolving them, "
        "which is when its lazy mappings import the model modules.",
    ]
    return table
