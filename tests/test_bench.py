"""The benchmark's own machinery: synthetic tables, the import floor, stage timing, summaries."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from bench import subset
from bench.processes import floor_script
from bench.stages import main as run_stages
from bench.stats import Summary, paired_ratio, show
from bench.synthetic import scale_tables
from codegen.build import OUTPUT, ROOT, load_tables

TABLES = load_tables()


def test_synthetic_tables_validate_with_factor_times_the_rows(tmp_path: Path) -> None:
    rows = scale_tables(ROOT / "codegen" / "tables", tmp_path / "codegen" / "tables", 3)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")  # validation reserves the names they use
    scaled = load_tables(tmp_path)
    real_rows = sum(len(task.entries) for task in TABLES.tasks)
    assert rows == 3 * real_rows == sum(len(task.entries) for task in scaled.tasks)
    assert len(scaled.model_types) == 3 * len(TABLES.model_types)
    causal_lm = next(task for task in scaled.tasks if task.module == "causal_lm")
    copy = next(entry for entry in causal_lm.entries if entry.model_type.name == "gpt2-x2")
    assert (copy.model_class, copy.model_type.config_class) == ("FlaxGPT2LMHeadModelX2", "GPT2ConfigX2")
    assert copy.model_module == "transformers.models.gpt2_x2.modeling_flax_gpt2_x2"


def imported_modules(script: str) -> set[str]:
    tree = ast.parse(script)
    return {node.module for node in tree.body if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names
    }


def test_the_floor_imports_every_table_module_directly_and_nothing_of_flax_auto() -> None:
    package = [f"flax_auto.{task.module}" for task in TABLES.tasks] + [
        "flax_auto",
        "flax_auto._auto",
        "flax_auto.configs",
    ]
    modules = imported_modules(floor_script(package))
    expected = {entry.model_module for task in TABLES.tasks for entry in task.entries}
    expected |= {model_type.config_module for model_type in TABLES.model_types}
    assert expected <= modules, sorted(expected - modules)
    assert not {module for module in modules if module.split(".")[0] == "flax_auto"}
    causal_lm = imported_modules(floor_script(["flax_auto.causal_lm"]))
    assert "transformers.models.gpt2.modeling_flax_gpt2" in causal_lm
    assert "transformers.models.t5.modeling_flax_t5" not in causal_lm


def test_the_subset_package_serves_its_three_model_types_and_its_floor_imports_their_modules_directly(
    tmp_path: Path,
) -> None:
    chosen = subset.rows()
    assert {model_type for _, _, model_type, _ in chosen} == set(subset.MODEL_TYPES)
    package = subset.generate(tmp_path, chosen)
    tasks = {task for task, _, _, _ in chosen}
    assert {path.stem for path in package.glob("*.py")} - {"__init__", "_auto", "_fixes", "configs"} == tasks
    floor = imported_modules(subset.floor_script(package))
    assert not [module for module in floor if module.split(".")[0] in (subset.PACKAGE, "flax_auto")]
    assert {module for module in floor if subset.MODEL_MODULE.fullmatch(module)} == {
        f"transformers.models.{model_type}.modeling_flax_{model_type}" for model_type in subset.MODEL_TYPES
    }
    # The package imports the class of every upstream row of the three, and upstream's side resolves each row.
    expected = {
        entry.model_class
        for task in TABLES.tasks
        for entry in task.upstream_entries
        if task.origin == "upstream" and entry.model_type.name in subset.MODEL_TYPES
    }
    classes = {
        alias.name
        for node in ast.parse(subset.floor_script(package)).body
        if isinstance(node, ast.ImportFrom) and subset.MODEL_MODULE.fullmatch(node.module or "")
        for alias in node.names
    }
    assert classes == expected
    assert subset.upstream_script(chosen).count("(FlaxAutoModel") == len(chosen)


def test_the_warm_bench_races_exactly_the_auto_classes_upstream_has_too() -> None:
    from bench import warm

    classes = warm.auto_classes()
    assert {cls.__name__ for cls in classes} == {task.auto_class for task in TABLES.tasks if task.origin == "upstream"}
    assert all(warm.upstream_mapping(cls) for cls in classes)


def test_stage_timing_covers_the_whole_pipeline_and_writes_nothing_in_check_mode() -> None:
    out = ROOT / OUTPUT
    before = {path: path.stat().st_mtime_ns for path in out.glob("*.py")}
    stages = run_stages("check", ROOT, out)
    assert list(stages) == [
        "import jinja2",
        "import black",
        "import codegen",
        "load",
        "render",
        "black",
        "write / compare",
    ]
    assert all(seconds >= 0 for seconds in stages.values())
    assert stages["black"] > stages["load"]
    assert {path: path.stat().st_mtime_ns for path in out.glob("*.py")} == before


def test_summary_median_spread_and_units() -> None:
    summary = Summary((1.0, 2.0, 3.0, 4.0, 100.0))
    assert summary.median == 3.0
    assert summary.spread == (4.0 - 2.0) / 2 / 3.0
    assert str(Summary((25e-9,))) == "25 ns ±0%"
    assert [show(1.5e-6), show(0.25), show(12.0), show(2048.0, "KiB")] == [
        "1.5 µs",
        "250 ms",
        "12 s",
        "2 MiB",
    ]


def test_paired_ratio_compares_round_by_round() -> None:
    """A steady 2% gap stays 2% even when the load moves both sides far more between rounds."""
    floor = Summary((1.0, 2.0, 1.5, 3.0, 1.2))
    ours = Summary(tuple(value * 1.02 for value in floor.samples))
    assert paired_ratio(ours, floor) == pytest.approx(1.02)
    assert paired_ratio(Summary((2.0, 9.0, 1.0)), Summary((1.0, 10.0, 1.0))) == 1.0
    with pytest.raises(ValueError):
        paired_ratio(Summary((1.0, 2.0)), Summary((1.0,)))
