"""Point 5: the build step's wall time, where it goes, and how it grows with the tables.

Everything runs on a copy of codegen/, templates/, generated/ and
pyproject.toml (whose [tool.flax-auto] the CLI reads) in a temp folder (the
real tables are never edited), except `make check`, which only reads, on the
real tree. The stage split comes from `bench.stages`, the same
pipeline as the CLI with a timer per stage.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench.measure import timed_run
from bench.report import Section
from bench.stats import Summary, ratio, show, times
from bench.synthetic import own_rows, scale_tables

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
SCALE_RUNS = {1: 3, 10: 1, 100: 1}
EDITED_TABLE = Path("codegen") / "tables" / "causal_lm.toml"
INTERPRETER = "`python -c pass` (interpreter start)"
MAKE_CHECK = "`make check` on the real tree"
STAGE_RUNS = ("check", "generate", "generate after one edit")
SCALE_COLUMNS = ("load", "render", "black", "write / compare", "total (CPU)", "total (wall)")
# A cached check of 10,000 rows takes seconds, and one run is at the mercy of the machine's
# moment: the median of five, as for the other times here. A cold generate (a minute) runs once.
CHECK_RUNS = 5
# The size: 10,000 task rows, spread over every table or all in one.
TEN_THOUSAND = {
    "every table 64x (10,048 rows)": lambda tables, target: scale_tables(tables, target, 64),
    "10,000 rows of your own in one table": lambda tables, target: own_rows(tables, target, 10_000),
}
# Runs the CLI and reports the peak RSS of it and of its largest worker (KiB) on stderr. Its own
# from VmHWM, which starts afresh at exec: ru_maxrss of RUSAGE_SELF keeps the high-water mark
# of the process it was exec'd from, the bench itself (see bench.processes). A worker is forked,
# not exec'd, so RUSAGE_CHILDREN is its own peak, the memory it shares with the CLI included.
WITH_RSS = (
    "import re, resource, runpy, sys\n"
    "sys.argv = ['codegen', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('codegen', run_name='__main__')\n"
    "finally:\n"
    "    with open('/proc/self/status') as status:\n"
    "        own = int(re.search(r'VmHWM:\\s+(\\d+) kB', status.read())[1])\n"
    "    peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "    print(f'peak-rss-kib {peak}', file=sys.stderr)\n"
)


def run(command: list[str], cwd: Path, expect: str = "") -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and stdout of a command that must succeed (and print `expect`)."""
    result, wall, cpu = timed_run(command, cwd=cwd)
    if result.returncode != 0 or expect not in result.stdout:
        raise RuntimeError(
            f"{' '.join(command)} in {cwd}: exit {result.returncode}, wanted {expect!r}\n{result.stdout}{result.stderr}"
        )
    return wall, cpu, result.stdout


def toggle_edit(table: Path, original: str) -> None:
    """One table edit: drop the table's last row, or put it back."""
    if table.read_text() == original:
        table.write_text(original.rstrip("\n").rsplit("\n", 1)[0] + "\n")
    else:
        table.write_text(original)


def stages(command: str, root: Path, out: Path) -> dict[str, float]:
    """CPU seconds per stage of one `bench.stages` run, the interpreter's start and exit, and the totals."""
    wall, cpu, stdout = run([sys.executable, "-m", "bench.stages", command, str(root), str(out)], ROOT)
    split = json.loads(stdout)
    return {
        "python start + exit": cpu - sum(split.values()),
        **split,
        "total (CPU)": cpu,
        "total (wall)": wall,
    }


def rounds(work: Path) -> tuple[dict[str, list[tuple[float, float]]], dict[str, list[dict[str, float]]]]:
    """Interleaved rounds: the CLI's (wall, CPU) times, and the stage-timed pipeline."""
    table = work / EDITED_TABLE
    original = table.read_text()
    out = work / "generated" / "flax_auto"
    codegen = [sys.executable, "-m", "codegen"]
    walls: dict[str, list[tuple[float, float]]] = {}
    split: dict[str, list[dict[str, float]]] = {name: [] for name in STAGE_RUNS}
    for _ in range(ROUNDS):
        toggle_edit(table, original)
        for label, command, cwd, expect in [
            (
                "`python -m codegen generate` after one table edit",
                [*codegen, "generate"],
                work,
                " 1 written,",
            ),
            ("`python -m codegen generate`, unchanged tree", [*codegen, "generate"], work, " 0 written,"),
            ("`python -m codegen check`, unchanged tree", [*codegen, "check"], work, "up to date"),
            (MAKE_CHECK, ["make", "-s", "check"], ROOT, "up to date"),
            (INTERPRETER, [sys.executable, "-c", "pass"], work, ""),
        ]:
            walls.setdefault(label, []).append(run(command, cwd, expect)[:2])
        split["check"].append(stages("check", work, out))
        split["generate"].append(stages("generate", work, out))
        toggle_edit(table, original)
        split["generate after one edit"].append(stages("generate", work, out))
    return walls, split


def scaling(work: Path) -> dict[int, tuple[int, list[dict[str, float]]]]:
    """Full generation into an empty folder from tables 1x, 10x and 100x the real ones."""
    results = {}
    for factor, runs in SCALE_RUNS.items():
        root = work / f"scale-{factor}"
        shutil.copytree(ROOT / "templates", root / "templates")
        rows = scale_tables(ROOT / "codegen" / "tables", root / "codegen" / "tables", factor)
        results[factor] = (rows, [stages("generate", root, root / f"out-{run}") for run in range(runs)])
    return results


def cli_run(command: str, root: Path, expect: str) -> dict[str, float]:
    """One `python -m codegen COMMAND` on root: wall, CPU (workers included), peak RSS, load average."""
    load = os.getloadavg()[0]
    result, wall, cpu = timed_run(
        [sys.executable, "-c", WITH_RSS, command, "--root", str(root), "--out", str(root / "out")], cwd=ROOT
    )
    if result.returncode != 0 or expect not in result.stdout:
        raise RuntimeError(f"codegen {command} on {root}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    peak = int(result.stderr.rsplit("peak-rss-kib ", 1)[1].split()[0])
    return {"wall": wall, "cpu": cpu, "peak_rss_mib": peak / 1024, "load": max(load, os.getloadavg()[0])}


def ten_thousand(work: Path) -> dict[str, dict[str, list[dict[str, float]]]]:
    """Cold generate (empty package folder and cache) and cached checks, for each shape of 10,000 rows."""
    results = {}
    for index, (shape, write_tables) in enumerate(TEN_THOUSAND.items()):
        root = work / f"rows-10000-{index}"
        shutil.copytree(ROOT / "templates", root / "templates")
        write_tables(ROOT / "codegen" / "tables", root / "codegen" / "tables")
        results[shape] = {
            "cold generate": [cli_run("generate", root, " written,")],
            "cached check": [cli_run("check", root, "up to date") for _ in range(CHECK_RUNS)],
        }
    return results


def measure() -> tuple[list[Section], dict[str, Summary]]:
    with tempfile.TemporaryDirectory(prefix="flax-auto-bench-") as temp:
        work = Path(temp)
        for name in ("codegen", "templates", "generated"):
            shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "pyproject.toml", work)  # its [tool.flax-auto] is what `python -m codegen` runs
        walls, split = rounds(work)
        scaled = scaling(work)
        rows = ten_thousand(work)
    measured = {}
    for label, values in walls.items():
        measured[f"build/{label}"] = Summary(tuple(wall for wall, _ in values))
        measured[f"build/{label}/cpu"] = Summary(tuple(cpu for _, cpu in values))
    for run, entries in split.items():
        for stage in entries[0]:
            measured[f"build/stage/{run}/{stage}"] = Summary(tuple(entry[stage] for entry in entries))
    for factor, (_, entries) in scaled.items():
        for stage in entries[0]:
            measured[f"build/scale/{factor}x/{stage}"] = Summary(tuple(entry[stage] for entry in entries))
    for shape, commands in rows.items():
        for command, runs in commands.items():
            for name in runs[0]:
                measured[f"build/10000/{shape}/{command}/{name}"] = Summary(tuple(run[name] for run in runs))
    return [
        wall_section(measured, walls),
        stage_section(measured, split),
        scale_section(measured, scaled),
        ten_thousand_section(measured, rows),
    ], measured


def ten_thousand_section(measured: dict[str, Summary], rows: dict[str, dict[str, list[dict[str, float]]]]) -> Section:
    section = Section(
        "5d. 10,000 task rows: cold `generate` (empty package and cache) and cached `check`, whole CLI runs",
        ["tables", "command", "runs", "wall", "CPU (workers included)", "peak RSS", "load average (1 min)"],
    )
    for shape, commands in rows.items():
        for command, runs in commands.items():
            value = {name: measured[f"build/10000/{shape}/{command}/{name}"] for name in runs[0]}
            section.rows.append(
                [
                    shape,
                    command,
                    str(len(runs)),
                    str(value["wall"]) if len(runs) > 1 else show(value["wall"].median),
                    str(value["cpu"]) if len(runs) > 1 else show(value["cpu"].median),
                    f"{value['peak_rss_mib'].median:.0f} MiB",
                    f"{value['load'].median:.1f}",
                ]
            )
    section.notes = [
        f"On {os.cpu_count()} cores; a cell of several runs is their median ± half the interquartile "
        "range. Wall time is what the targets name, and on a shared machine it grows with the load "
        "shown: CPU time is the cost. generate formats modules of 400,000+ characters in pieces on "
        "every core (codegen.pieces), so its CPU exceeds its wall time on an idle machine."
    ]
    return section


def wall_section(measured: dict[str, Summary], walls: dict[str, list[tuple[float, float]]]) -> Section:
    section = Section(
        f"5. Build step: whole commands, interpreter start included (median of {ROUNDS})",
        ["command", "wall", "CPU", "vs interpreter start (CPU)"],
    )
    start = measured[f"build/{INTERPRETER}/cpu"]
    for label in walls:
        wall, cpu = measured[f"build/{label}"], measured[f"build/{label}/cpu"]
        section.rows.append([label, str(wall), str(cpu), times(ratio(cpu, start))])
    return section


def stage_section(measured: dict[str, Summary], split: dict[str, list[dict[str, float]]]) -> Section:
    section = Section(
        f"5b. Where the build step's time goes: CPU time per stage (median of {ROUNDS}, `python -m bench.stages`)",
        ["stage", *STAGE_RUNS],
    )
    stage_names = list(split["check"][0])
    for stage in stage_names:
        section.rows.append([stage, *(str(measured[f"build/stage/{run}/{stage}"]) for run in STAGE_RUNS)])
    check = {
        stage: measured[f"build/stage/check/{stage}"].median
        for stage in stage_names
        if not stage.startswith("total")
    }
    slowest = sorted(check, key=check.get, reverse=True)[:2]
    total = measured["build/stage/check/total (CPU)"].median
    section.notes = [
        "Costliest stages of `check`: "
        + ", ".join(f"{stage} {show(check[stage])} ({check[stage] / total:.0%})" for stage in slowest)
        + f" of {show(total)}."
    ]
    return section


def scale_section(
    measured: dict[str, Summary], scaled: dict[int, tuple[int, list[dict[str, float]]]]
) -> Section:
    section = Section(
        "5c. Generation time by table size: synthetic tables, full generation into an empty folder",
        ["tables", "task rows", *SCALE_COLUMNS, "CPU per 1000 rows", "vs 1x (CPU)"],
    )
    base = measured["build/scale/1x/total (CPU)"].median
    for factor, (rows, _) in scaled.items():
        median = {stage: measured[f"build/scale/{factor}x/{stage}"].median for stage in SCALE_COLUMNS}
        section.rows.append(
            [f"{factor}x", str(rows)]
            + [show(median[stage]) for stage in SCALE_COLUMNS]
            + [show(median["total (CPU)"] / rows * 1000), times(median["total (CPU)"] / base)]
        )
    section.notes = [
        f"Runs per size: {', '.join(f'{factor}x {runs}' for factor, runs in SCALE_RUNS.items())}; medians."
    ]
    return section
