"""Same inputs, same bytes: whatever the hash seed, working directory, locale or checkout path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from codegen_support import COMMITTED, INPUTS, copy_project, read_package

from codegen.build import ROOT

# Variables that could leak into the output; each run sets its own.
_UNSET = ("PYTHONHASHSEED", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_COLLATE", "PYTHONUTF8", "PYTHONCOERCECLOCALE")


def test_output_is_byte_identical_across_seeds_directories_locales_and_paths(tmp_path: Path) -> None:
    # Two copies of the inputs at different absolute paths, with non-ASCII in a
    # table comment, so a locale-dependent read or an absolute path would show.
    roots = [copy_project(tmp_path / name, INPUTS) for name in ("a", "deeper/b")]
    for root in roots:
        table = root / "codegen/tables/configs.toml"
        table.write_text("# Ünïcode — ☃\n" + table.read_text(encoding="utf-8"), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ascii_locale = {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}  # no UTF-8 mode: ASCII
    variations = {
        "seed 0, run from the root": (roots[0], roots[0], {"PYTHONHASHSEED": "0"}),
        "seed 1, run from elsewhere": (roots[0], elsewhere, {"PYTHONHASHSEED": "1"}),
        "seed 4294967295, run from /": (roots[0], Path("/"), {"PYTHONHASHSEED": "4294967295"}),
        "random seed, other path": (roots[1], elsewhere, {"PYTHONHASHSEED": "random"}),
        "LC_ALL=C": (roots[1], roots[1], {"PYTHONHASHSEED": "random", **ascii_locale}),
        "LC_ALL=C.UTF-8": (roots[0], elsewhere, {"PYTHONHASHSEED": "random", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}),
    }
    base_env = {key: value for key, value in os.environ.items() if key not in _UNSET}
    base_env["PYTHONPATH"] = str(ROOT)
    runs = {}
    for number, (name, (root, cwd, env)) in enumerate(variations.items()):
        out = tmp_path / "out" / str(number)
        command = [sys.executable, "-m", "codegen", "generate", "--no-cache", "--root", str(root), "--out", str(out)]
        process = subprocess.Popen(command, cwd=cwd, env=base_env | env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        runs[name] = (process, out)

    committed = read_package(COMMITTED)
    for name, (process, out) in runs.items():
        output = process.communicate()[0].decode()
        assert process.returncode == 0, f"{name}: {output}"
        assert read_package(out) == committed, name

