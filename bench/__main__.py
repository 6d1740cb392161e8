"""`python -m bench` (`make bench`): run every measurement, print the tables, write the results.

Writes bench/results.json (every sample) and bench/RESULTS.md (the tables).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

from bench import build_step, processes, subset, warm  # noqa: E402 - after the environment is set
from bench.report import Section, machine, markdown_header, markdown_table, text_table  # noqa: E402
from bench.stats import Summary  # noqa: E402
from bench.targets import Target, evaluate  # noqa: E402

HERE = Path(__file__).resolve().parent


def targets_section(targets: list[Target]) -> Section:
    return Section(
        "Targets",
        ["target", "this run", "reached"],
        [[target.goal, target.measured, "yes" if target.reached else "**no**"] for target in targets],
    )


def markdown(info: dict[str, object], sections: list[Section]) -> str:
    return (
        "\n\n".join(
            [
                "# flax_auto vs transformers' Flax auto classes: `make bench` results",
                markdown_header(info),
                "Each cell is the median of repeated runs, ± half their interquartile range as a share of "
                "the median. What is compared ran in interleaved rounds of the same run, and is timed in CPU "
                "time where other processes could inflate wall time (warm calls, fresh processes, build "
                "stages; wall time is shown beside it), so the ratios hold on a busy machine; absolute times "
                "do not travel between machines. Targets are judged on CPU time: on a quiet machine the two "
                "agree. Regenerate with `make bench`; every sample is in `bench/results.json`.",
                *(markdown_table(section) for section in sections),
            ]
        )
        + "\n"
    )


def main() -> int:
    started = time.perf_counter()
    info = machine(HERE.parent)
    sections: list[Section] = []
    measured: dict[str, Summary] = {}
    mappings = [warm.mapping_name(auto_class) for auto_class in warm.auto_classes()]
    for name, step in [
        ("warm dispatch", warm.dispatch),
        ("error path", warm.error_path),
        ("from_config", warm.from_config),
        ("fresh processes", lambda: processes.measure(mappings)),
        ("build step", build_step.measure),
        ("subset package", subset.measure),
    ]:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        new_sections, values = step()
        sections.extend(new_sections)
        measured.update(values)
        for section in new_sections:
            print(text_table(section), flush=True)
    targets = evaluate(measured)
    sections = [targets_section(targets), *sorted(sections, key=lambda section: section.title)]
    print(text_table(sections[0]))
    info["load_average_at_end"] = os.getloadavg()
    info["wall_s"] = time.perf_counter() - started
    results = {
        "machine": info,
        "targets": [vars(target) for target in targets],
        "measurements": {key: summary.to_json() for key, summary in measured.items()},
        "tables": [vars(section) for section in sections],
    }
    (HERE / "results.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (HERE / "RESULTS.md").write_text(markdown(info, sections), encoding="utf-8")
    print(f"[bench] {info['wall_s']:.0f} s; wrote bench/results.json and bench/RESULTS.md", file=sys.stderr)
    return 0


sys.exit(main())
