"""Command line: `python -m codegen generate` and `python -m codegen check`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from codegen.build import OUTPUT, ROOT, build
from codegen.check import stale_report
from codegen.errors import EXIT_OK, EXIT_STALE, InputError
from codegen.write import write_package

FIX = "run `make generate` (or `python -m codegen generate`) and commit the result"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in [
        ("generate", "render the tables into generated/flax_auto"),
        ("check", "exit 1 with a diff if generated/flax_auto is not what generate would write"),
    ]:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--out", type=Path, default=None, help="package folder (default: generated/flax_auto)")
        command.add_argument("--verbose", action="store_true", help="list every file and what happened to it")
    return parser


def main(argv: list[str] | None = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    args = parser().parse_args(argv)
    out_dir = args.out or ROOT / OUTPUT
    label = str(args.out) if args.out else OUTPUT.as_posix()
    try:
        files = build()
    except InputError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=stderr)
        print(f"{len(error.problems)} error(s); nothing was written", file=stderr)
        return error.exit_code
    if args.command == "check":
        report = stale_report(files, out_dir, label)
        if report:
            stdout.writelines(report)
            print(f"{label} is stale: {FIX}", file=stderr)
            return EXIT_STALE
        print(f"{label} is up to date ({len(files)} files)", file=stdout)
        return EXIT_OK
    result = write_package(files, out_dir)
    if args.verbose:
        for kind, names in [("written", result.written), ("unchanged", result.unchanged), ("removed", result.removed)]:
            for name in names:
                print(f"{kind}: {label}/{name}", file=stdout)
    print(
        f"{label}: {len(result.written)} written, {len(result.unchanged)} unchanged, "
        f"{len(result.removed)} removed",
        file=stdout,
    )
    return EXIT_OK
