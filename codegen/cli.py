"""Command line: `flax-auto generate|check` (or `python -m codegen` in a checkout), and `sync|explain|list`.

Every command runs from one Settings: `[tool.flax-auto]` of the nearest
pyproject.toml (or `--config FILE`), or, with `--root`, a checkout of
flax-auto laid out as this repository is.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from .build import CacheUse, build, load_tables
from .check import Staleness, compare
from .errors import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_STALE,
    EXIT_WRITE_FAILED,
    InputError,
)
from .explain import explain
from .interrupts import Interrupted, interrupts_raised
from .listing import FORMATS, listing
from .output import kept
from .ownership import refuse_if_not_package
from .settings import Settings, checkout_settings, discover, read_settings
from .sync import installed_upstream, read_upstream, report, sync
from .write import write_package

# `check` never writes, not even to the cache; `generate` keeps it filled.
CACHE_USE: dict[str, CacheUse] = {"generate": "fill", "check": "read"}


def parser(prog: str = "python -m codegen") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in [
        ("generate", "render the tables into the package folder"),
        ("check", "exit 1 with a diff if the package folder is not what generate would write"),
    ]:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--out", type=Path, default=None, help="package folder (default: the settings' `out`), relative to the project root")
        add_settings_options(command)
        command.add_argument("--no-cache", action="store_true", help="run black on every module; neither read nor fill build/black-cache")
        command.add_argument("--verbose", action="store_true", help="list every file and what happened to it")
    add_table_tools(commands.add_parser)
    return parser


def add_settings_options(command: argparse.ArgumentParser) -> None:
    where = command.add_mutually_exclusive_group()
    where.add_argument("--config", type=Path, default=None, help="the pyproject.toml whose [tool.flax-auto] to use (default: the nearest one from here upwards)")
    where.add_argument("--root", type=Path, default=None, help="a checkout of flax-auto: generate its own codegen/tables through its templates")


def settings_of(args: argparse.Namespace) -> Settings:
    """The run's settings, from --root, --config or the nearest pyproject.toml; --out overrides the folder."""
    if args.root is not None:
        settings = checkout_settings(args.root)
    elif args.config is not None:
        settings = read_settings(args.config)
    else:
        settings = discover(Path.cwd())
    out = getattr(args, "out", None)
    return settings if out is None else replace(settings, out=settings.root / out)


def add_table_tools(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """sync, explain and list: each handled by its own function in TABLE_TOOLS."""
    sync = add_parser("sync", help="update flax-auto's tables from an upstream modeling_flax_auto.py")
    sync.add_argument("path", nargs="?", type=Path, metavar="PATH", help="modeling_flax_auto.py (parsed, never run)")
    sync.add_argument("config_path", nargs="?", type=Path, metavar="CONFIG_AUTO", help="same as --config-auto")
    sync.add_argument("--config-auto", type=Path, help="configuration_auto.py: config classes of new model types")
    sync.add_argument("--from-installed", action="store_true", help="use the installed transformers' two files")
    sync.add_argument("--dry-run", action="store_true", help="print the change, write nothing")
    explain = add_parser("explain", help="which class an auto class picks for a model_type, and why")
    explain.add_argument("names", nargs="+", metavar="[AUTO_CLASS] MODEL_TYPE")
    table = add_parser("list", help="the matrix of tasks x model types")
    table.add_argument("--format", choices=FORMATS, default="text")
    for command in (sync, explain, table):
        add_settings_options(command)


def fix_command(args: argparse.Namespace, settings: Settings | None = None) -> str:
    """The one command that brings the checked folder back in sync."""
    options = [] if args.root is None else ["--root", str(args.root)]
    options += [] if args.config is None else ["--config", str(args.config)]
    options += [] if args.out is None else ["--out", str(args.out)]
    if options or settings is None:
        return shlex.join([*shlex.split(args.prog), "generate", *options]) if options else "make generate"
    return settings.generate_command


def main(
    argv: list[str] | None = None,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
    prog: str = "python -m codegen",
) -> int:
    """Run one command; its exit code means what codegen.errors says, whatever goes wrong.

    1 is only ever "stale": an interrupt exits 128 + the signal number, and an
    unexpected error 2 (3 if generate was writing), in one line; --verbose adds
    the traceback. Output that cannot be written (a reader that closed the
    pipe early) is dropped and never changes the exit code (codegen.output).
    """
    args = parser(prog).parse_args(argv)
    args.prog = prog
    stdout, stderr = kept(stdout), kept(stderr)
    try:
        with interrupts_raised():
            try:
                settings = settings_of(args)
            except InputError as error:
                return print_problems(error, stderr)
            if args.command in TABLE_TOOLS:
                return TABLE_TOOLS[args.command](args, settings, stdout, stderr)
            return generate_or_check(args, settings, stdout, stderr)
    except (KeyboardInterrupt, Interrupted) as interrupt:
        signum = interrupt.signum if isinstance(interrupt, Interrupted) else signal.SIGINT
        print(f"interrupted ({signal.Signals(signum).name}); no file was left half written", file=stderr)
        return 128 + signum
    except Exception as error:
        if getattr(args, "verbose", False):
            traceback.print_exc(file=stderr)
        print(f"error: unexpected {type(error).__name__}: {error}", file=stderr)
        writing = args.command in {"generate", "sync"} and isinstance(error, OSError)
        return EXIT_WRITE_FAILED if writing else EXIT_INVALID
    finally:
        stdout.flush()
        stderr.flush()


def generate_or_check(args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    out_dir = settings.out
    label = str(args.out) if args.out else settings.out_label

    def notify(line: str) -> None:
        print(line, file=stderr, flush=True)

    try:
        files = build(settings, cache="off" if args.no_cache else CACHE_USE[args.command], label=label, notify=notify)
        if args.command == "check":
            refuse_if_not_package(out_dir, files, label)
            stale = compare(files, out_dir, label, notify=notify)
            return report_staleness(stale, label, fix_command(args, settings), stdout, stderr, len(files))
        result = write_package(files, out_dir, label, notify=notify)
    except InputError as error:
        return print_problems(error, stderr, "nothing was written")
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


def report_staleness(stale: Staleness, label: str, command: str, stdout: TextIO, stderr: TextIO, count: int) -> int:
    if not stale:
        print(f"{label} is up to date ({count} files)", file=stdout)
        return EXIT_OK
    stdout.writelines(stale.diff)
    stdout.flush()
    fix = f"to fix it run: {command}"
    if stale.foreign:
        fix = f"move the foreign files out of it, then {fix}"
    print(f"{label} is stale ({stale.summary()}); {fix}", file=stderr)
    return EXIT_STALE


def print_problems(error: InputError, stderr: TextIO, outcome: str = "") -> int:
    """Each problem on its own line (`path:line: ...`), then the count and what it means."""
    for problem in error.problems:
        print(problem, file=stderr)
    if outcome:
        print(f"{len(error.problems)} error(s); {outcome}", file=stderr)
    return error.exit_code


def sync_command(args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    """Bring the tables in step with upstream; refused input writes nothing."""
    if args.config_path and args.config_auto:
        return print_problems(InputError(["give configuration_auto.py once: second PATH or --config-auto"]), stderr)
    if not settings.upstream_tables.resolve().is_relative_to(settings.root.resolve()):
        return print_problems(
            InputError(
                [
                    "sync keeps flax-auto's own tables in step with upstream, in a checkout of flax-auto; "
                    "in your project, upgrade flax-auto for its tables, and keep your rows in your own tables"
                ]
            ),
            stderr,
        )
    if args.from_installed == bool(args.path or args.config_path or args.config_auto):
        return print_problems(InputError(["give either PATH [CONFIG_AUTO] or --from-installed"]), stderr)
    try:
        if args.from_installed:
            upstream = installed_upstream()
        else:
            upstream = read_upstream(args.path, args.config_path or args.config_auto)
        plan, finished = sync(upstream, settings, args.dry_run)
    except InputError as error:
        return print_problems(error, stderr, "nothing was written")
    except OSError as error:
        print(f"error: {error}; every table was left as it was", file=stderr)
        return EXIT_WRITE_FAILED
    for line in report(plan, upstream, args.dry_run, finished):
        print(line, file=stdout)
    return EXIT_OK


def explain_command(args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    if len(args.names) > 2:
        return print_problems(InputError(["explain takes AUTO_CLASS MODEL_TYPE, or MODEL_TYPE"]), stderr)
    try:
        lines = explain(load_tables(settings), args.names)
    except InputError as error:
        return print_problems(error, stderr)
    for line in lines:
        print(line, file=stdout)
    return EXIT_OK


def list_command(args: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    try:
        stdout.write(listing(load_tables(settings), args.format))
    except InputError as error:
        return print_problems(error, stderr)
    return EXIT_OK


TABLE_TOOLS = {"sync": sync_command, "explain": explain_command, "list": list_command}


def console() -> int:
    """The `flax-auto` console script."""
    return main(prog="flax-auto")
