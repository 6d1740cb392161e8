"""Command line: `python -m codegen generate` and `python -m codegen check`."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TextIO

from codegen.build import OUTPUT, ROOT, build
from codegen.check import compare
from codegen.errors import EXIT_OK, EXIT_STALE, EXIT_WRITE_FAILED, InputError
from codegen.write import write_package


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in [
        ("generate", "render the tables into generated/flax_auto"),
        ("check", "exit 1 with a diff if generated/flax_auto is not what generate would write"),
    ]:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--out", type=Path, default=None, help="package folder (default: generated/flax_auto)")
        command.add_argument("--root", type=Path, default=ROOT, help="folder whose codegen/tables and templates are read")
        command.add_argument("--verbose", action="store_true", help="list every file and what happened to it")
    return parser


def fix_command(args: argparse.Namespace) -> str:
    """The one command that brings the checked folder back in sync."""
    options = [] if args.root == ROOT else ["--root", str(args.root)]
    options += [] if args.out is None else ["--out", str(args.out)]
    return shlex.join(["python", "-m", "codegen", "generate", *options]) if options else "make generate"


def main(argv: list[str] | None = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    args = parser().parse_args(argv)
    out_dir = args.out or args.root / OUTPUT
    label = str(args.out) if args.out else OUTPUT.as_posix()
    try:
        files = build(args.root)
    except InputError as error:
        for problem in error.problems:
            print(problem, file=stderr)
        print(f"{len(error.problems)} error(s); nothing was written", file=stderr)
        return error.exit_code
    if args.command == "check":
        stale = compare(files, out_dir, label)
        if stale:
            stdout.writelines(stale.diff)
            stdout.flush()
            print(f"{label} is stale ({stale.summary()}); to fix it run: {fix_command(args)}", file=stderr)
            return EXIT_STALE
        print(f"{label} is up to date ({len(files)} files)", file=stdout)
        return EXIT_OK
    try:
        result = write_package(files, out_dir)
    except OSError as error:
        print(f"error: {error}; {label} was left as it was", file=stderr)
        return EXIT_WRITE_FAILED
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
