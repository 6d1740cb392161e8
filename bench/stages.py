"""One generator run with a timer per stage: `python -m bench.stages generate|check ROOT OUT`.

ROOT holds codegen/tables and templates; OUT is the package folder to write
(generate) or compare with (check). Prints one JSON object, CPU seconds per
stage. The imports happen inside `main` because their cost is a stage too.
"""

import json
import sys
import time
from pathlib import Path


class Stopwatch:
    """Each `done(stage)` records the CPU time since the previous one."""

    def __init__(self) -> None:
        self.last = time.process_time()
        self.stages: dict[str, float] = {}

    def done(self, stage: str) -> None:
        now = time.process_time()
        self.stages[stage] = now - self.last
        self.last = now


def main(command: str, root: Path, out: Path) -> dict[str, float]:
    watch = Stopwatch()
    import jinja2  # noqa: F401

    watch.done("import jinja2")
    import black  # noqa: F401

    watch.done("import black")
    from codegen.build import load_tables, settings_for
    from codegen.check import compare
    from codegen.formatter import format_module
    from codegen.render import render
    from codegen.write import write_package

    watch.done("import codegen")
    settings = settings_for(root)
    tables = load_tables(settings)
    watch.done("load")
    rendered = render(tables, settings)
    watch.done("render")
    files = {
        name: format_module(name, text) if name.endswith(".py") else text for name, text in rendered.items()
    }
    watch.done("black")
    if command == "generate":
        write_package(files, out)
    else:
        compare(files, out, "flax_auto")
    watch.done("write / compare")
    return watch.stages


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))))
