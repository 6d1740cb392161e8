"""Fresh-process costs: first dispatch (cold), import time and peak memory.

Every scenario is a small script run in a new interpreter; rounds run the
scenarios in turn, so load on the machine is spread over all of them. The
script notes marks (wall and CPU seconds since its first line) and its peak
RSS; the parent adds the process's wall time, interpreter start included.
CPU time is what this machine's other processes cannot inflate by taking the
core away, so the targets are judged on it; wall time is shown beside it.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from pathlib import Path

from bench.measure import timed_run
from bench.report import Section
from bench.stats import Summary, paired_ratio, ratio, show, times

ROUNDS = 7
IMPORTTIME_RUNS = 3
PACKAGE = Path(__file__).resolve().parent.parent / "generated" / "flax_auto"
TASK, AUTO_CLASS, CONFIG = "causal_lm", "FlaxAutoModelForCausalLM", "GPT2Config"

PROLOGUE = """\
import time
_start = time.perf_counter(), time.process_time()
_result = {"marks": {}}
def mark(label):
    _result["marks"][label] = [time.perf_counter() - _start[0], time.process_time() - _start[1]]
"""
# Peak RSS from VmHWM: unlike getrusage's ru_maxrss, it starts afresh at exec,
# so the child does not inherit the (large) peak of the bench process itself.
EPILOGUE = """
import json, re
with open("/proc/self/status") as _status:
    _result["peak_rss_kib"] = int(re.search(r"VmHWM:\\s+(\\d+) kB", _status.read())[1])
print("BENCH-RESULT", json.dumps(_result))
"""
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3"}


def run_script(body: str, *flags: str) -> dict:
    """Run PROLOGUE + body + EPILOGUE in a fresh interpreter: its marks, peak RSS, wall time, stderr."""
    result, wall, _ = timed_run([sys.executable, *flags, "-c", PROLOGUE + body + EPILOGUE], env=ENV)
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"scenario failed ({result.returncode}):\n{body}\n{result.stderr[-3000:]}")
    return {**json.loads(lines[-1].removeprefix("BENCH-RESULT ")), "wall_s": wall, "stderr": result.stderr}


def external_imports(module_file: Path, package: str = "flax_auto") -> list[str]:
    """The module's top-level import statements, less those of its own package and __future__."""
    statements = []
    for node in ast.parse(module_file.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if all(name.split(".")[0] not in (package, "__future__") for name in names):
            statements.append(ast.unparse(node))
    return statements


def floor_script(modules: list[str]) -> str:
    """The floor: everything these flax_auto modules import, imported directly, once each, in order."""
    statements: dict[str, None] = {}
    for module in modules:
        name = module.removeprefix("flax_auto").lstrip(".") or "__init__"
        for statement in external_imports(PACKAGE / f"{name}.py"):
            statements.setdefault(statement)
    return "\n".join(statements) + '\nmark("import")\n'


def loaded_modules(statement: str) -> list[str]:
    """The flax_auto modules that `statement` loads, in a fresh interpreter (which also warms the caches)."""
    probe = (
        "import sys\n_result['modules'] = sorted(m for m in sys.modules if m.split('.')[0] == 'flax_auto')\n"
    )
    return run_script(f"{statement}\n{probe}")["modules"]


def scenarios(mappings: list[str]) -> tuple[dict[str, tuple[str, int]], list[str], list[str]]:
    """Name -> (script body, runs); the bodies mark "import" and, where they dispatch, "resolved"."""
    task_modules = loaded_modules(f"import flax_auto.{TASK}")
    package_modules = loaded_modules("import flax_auto")
    first_dispatch = f'mark("import")\nfrom transformers import {CONFIG}\n'
    bodies = {
        "flax_auto.task": (
            f"from flax_auto.{TASK} import {TASK}_class_for\n{first_dispatch}"
            f'model_class = {TASK}_class_for({CONFIG}())\nmark("resolved")\n',
            ROUNDS,
        ),
        "flax_auto": (
            f"import flax_auto\n{first_dispatch}"
            f'model_class = flax_auto.{TASK}_class_for({CONFIG}())\nmark("resolved")\n',
            ROUNDS,
        ),
        "upstream": (
            f"from transformers import {AUTO_CLASS}\n{first_dispatch}"
            "from transformers.models.auto.auto_factory import _get_model_class\n"
            f"config, mapping = {CONFIG}(), {AUTO_CLASS}._model_mapping\n"
            "model_class = _get_model_class(config, mapping) if type(config) in mapping else None\n"
            'mark("resolved")\n',
            ROUNDS,
        ),
        "floor.flax_auto": (floor_script(package_modules), ROUNDS),
        "floor.flax_auto.task": (floor_script(task_modules), ROUNDS),
        "floor.task-table-only": (floor_script([f"flax_auto.{TASK}"]), 3),
        "upstream.everything": (
            "from transformers.models.auto import modeling_flax_auto\n"
            'mark("import")\n'
            f"for name in {mappings!r}:\n    list(getattr(modeling_flax_auto, name).items())\n"
            'mark("resolved")\n',
            3,
        ),
    }
    return bodies, task_modules, package_modules


def own_module_time() -> Summary:
    """Self time of flax_auto's own modules under `-X importtime`: our code, without what it imports."""
    line = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S+)")
    samples = []
    for _ in range(IMPORTTIME_RUNS):
        stderr = run_script("import flax_auto\n", "-X", "importtime")["stderr"]
        samples.append(
            sum(int(m[1]) for m in line.finditer(stderr) if m[2].split(".")[0] == "flax_auto") / 1e6
        )
    return Summary(tuple(samples))


def run_rounds(bodies: dict[str, tuple[str, int]]) -> dict[str, list[dict]]:
    """Run every scenario `runs` times, one run each per round; scenarios with the same body share runs."""
    counts: dict[str, int] = {}
    for body, count in bodies.values():
        counts[body] = max(count, counts.get(body, 0))
    by_body: dict[str, list[dict]] = {body: [] for body in counts}
    for round_number in range(max(counts.values())):
        for body, count in counts.items():
            if round_number < count:
                by_body[body].append(run_script(body))
    return {name: by_body[body][:count] for name, (body, count) in bodies.items()}


def measure(mappings: list[str]) -> tuple[list[Section], dict[str, Summary]]:
    from bench.subset import compile_package

    compile_package(PACKAGE)  # as the floor's site-packages are
    bodies, task_modules, package_modules = scenarios(mappings)
    measured: dict[str, Summary] = {}
    for name, results in run_rounds(bodies).items():
        key = f"process/{name}"
        measured[f"{key}/wall"] = Summary(tuple(result["wall_s"] for result in results))
        measured[f"{key}/peak_rss"] = Summary(
            tuple(float(result["peak_rss_kib"]) for result in results), unit="KiB"
        )
        for label in results[0]["marks"]:
            measured[f"{key}/{label}"] = Summary(tuple(result["marks"][label][0] for result in results))
            measured[f"{key}/{label}_cpu"] = Summary(tuple(result["marks"][label][1] for result in results))
    measured["process/flax_auto/own_module_time"] = own_module_time()
    sections = [
        cold_section(measured),
        import_section(measured, len(task_modules), len(package_modules), model_modules(bodies)),
        memory_section(measured),
    ]
    return sections, measured


def both(measured: dict[str, Summary], key: str, base: str) -> str:
    """`wall ratio / CPU ratio` of two scenarios' marks."""
    return f"{times(ratio(measured[key], measured[base]))} / {times(ratio(measured[key + '_cpu'], measured[base + '_cpu']))}"


def cold_section(measured: dict[str, Summary]) -> Section:
    section = Section(
        f"2. Cold start: import + first {CONFIG} -> class in a fresh process (median of {ROUNDS})",
        ["path", "wall", "CPU", "process wall (interpreter start included)", "vs upstream (wall / CPU)"],
    )
    for label, name in [
        (f"`from flax_auto.{TASK} import {TASK}_class_for`", "flax_auto.task"),
        ("`import flax_auto` (every table)", "flax_auto"),
        (f"upstream `from transformers import {AUTO_CLASS}` (lazy)", "upstream"),
    ]:
        key = f"process/{name}/resolved"
        section.rows.append(
            [
                label,
                str(measured[key]),
                str(measured[key + "_cpu"]),
                str(measured[f"process/{name}/wall"]),
                both(measured, key, "process/upstream/resolved"),
            ]
        )
    first = measured["process/upstream/resolved"].median - measured["process/upstream/import"].median
    section.notes = [
        f"Upstream's first lazy dispatch alone (it imports the model module) takes {show(first)} (wall)."
    ]
    return section


def model_modules(bodies: dict[str, tuple[str, int]]) -> dict[str, int]:
    """How many distinct model modules (`transformers.models.*.modeling_flax_*`) each floor imports."""
    module = re.compile(r"transformers\.models\.\w+\.modeling_flax_\w+")
    return {
        name: len(set(module.findall(body)))
        for name, (body, _) in bodies.items()
        if name.startswith("floor.")
    }


def import_section(
    measured: dict[str, Summary], task_modules: int, package_modules: int, models: dict[str, int]
) -> Section:
    section = Section(
        f"3. Import cost in a fresh process (median of {ROUNDS}; 3 for the last two rows)",
        [
            "import",
            "wall",
            "CPU",
            "above its direct-import floor, paired by round (wall / CPU)",
            "vs upstream lazy import (wall / CPU)",
        ],
    )
    upstream = "process/upstream/import"
    for label, name, floor in [
        (f"`import flax_auto.{TASK}`", "flax_auto.task", "floor.flax_auto.task"),
        ("`import flax_auto`", "flax_auto", "floor.flax_auto"),
        (
            f"floor: the same imports, written out directly ({models['floor.flax_auto']} model modules)",
            "floor.flax_auto",
            None,
        ),
        (f"upstream `from transformers import {AUTO_CLASS}`", "upstream", None),
        (
            f"floor: only {TASK}.py's own imports ({models['floor.task-table-only']} model modules), "
            "what a truly per-task import would cost",
            "floor.task-table-only",
            None,
        ),
        ("upstream: import + resolve every class of the 14 tables", "upstream.everything", None),
    ]:
        key = f"process/{name}/" + ("resolved" if name == "upstream.everything" else "import")
        above = ""
        if floor:
            base = f"process/{floor}/import"
            above = " / ".join(
                f"{paired_ratio(measured[key + suffix], measured[base + suffix]) - 1:+.1%}"
                for suffix in ("", "_cpu")
            )
        section.rows.append(
            [label, str(measured[key]), str(measured[key + "_cpu"]), above, both(measured, key, upstream)]
        )
    own = measured["process/flax_auto/own_module_time"]
    floor_time = measured["process/floor.flax_auto/import"]
    section.notes = [
        f"`import flax_auto.{TASK}` loads {task_modules} of the package's {package_modules} modules: "
        "importing a submodule runs the package `__init__`, and that imports every task module.",
        f"flax_auto's own module code (self time under `-X importtime`, median of {IMPORTTIME_RUNS}) is {own}, "
        f"{own.median / floor_time.median:.1%} of the floor's wall time: the overhead without the noise of two long imports.",
    ]
    return section


def memory_section(measured: dict[str, Summary]) -> Section:
    section = Section(
        "6. Peak RSS of a fresh process", ["after", "peak RSS", "vs upstream resolving everything"]
    )
    everything = measured["process/upstream.everything/peak_rss"]
    for label, name in [
        ("`import flax_auto` (+ one dispatch)", "flax_auto"),
        ("floor: the same imports, written out directly", "floor.flax_auto"),
        (f"upstream `from transformers import {AUTO_CLASS}` + one dispatch", "upstream"),
        ("upstream: import + resolve every class of the 14 tables", "upstream.everything"),
    ]:
        value = measured[f"process/{name}/peak_rss"]
        section.rows.append([label, str(value), times(ratio(value, everything))])
    return section
