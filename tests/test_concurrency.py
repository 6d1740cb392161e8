"""Hostile timing: concurrent runs take turns, and signals during a write leave the old tree or the new one.

Real processes, real signals, real files: nothing here is mocked or paused by a hook.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from codegen_support import (
    COMMITTED,
    PACKAGE_FILES,
    copy_project,
    make_stale,
    read_package,
    run,
)

from codegen.build import ROOT, build
from codegen.ownership import MARKER
from codegen.write import write_package

OUT = "generated/flax_auto"
ROUNDS = 3


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "project")
    build(root)  # fill black's cache, so that the runs reach their writes together
    return root


def start(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "codegen", *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr


def taking_turns(result: tuple[int, str, str]) -> tuple[int, str, str]:
    """A run's result without the line it prints when its turn is long in coming (a busy machine)."""
    code, stdout, stderr = result
    return code, stdout, "".join(line for line in stderr.splitlines(keepends=True) if ": waiting for " not in line)


def test_three_generates_and_a_check_at_once(project: Path) -> None:
    """The command line as three terminals (or hooks) would run it, twice over."""
    make_stale(project / OUT)
    stale = run("check", "--root", str(project))
    assert stale[0] == 1 and run("generate", "--root", str(project))[0] == 0
    for _ in range(2):
        make_stale(project / OUT)
        generates = [start("generate", "--root", str(project)) for _ in range(3)]
        check = start("check", "--root", str(project))
        assert sorted(taking_turns(finish(process)) for process in generates) == [
            (0, f"{OUT}: 0 written, {PACKAGE_FILES} unchanged, 0 removed\n", ""),
            (0, f"{OUT}: 0 written, {PACKAGE_FILES} unchanged, 0 removed\n", ""),
            (0, f"{OUT}: 4 written, {PACKAGE_FILES - 4} unchanged, 1 removed\n", ""),
        ]
        assert taking_turns(finish(check)) in [stale, (0, f"{OUT} is up to date ({PACKAGE_FILES} files)\n", "")]
        assert read_package(project / OUT) == read_package(COMMITTED)
        assert sorted(path.name for path in (project / "generated").iterdir()) == ["flax_auto"]


# A package large enough that a write takes a while, so that runs overlap and
# signals land in every phase of it.
FILES = 400
INTERRUPTED = 99
NEW = {f"m{i:04}.py": MARKER + "# new\n" + "x = 1\n" * 300 for i in range(FILES)}
OLD = {f"m{i:04}.py": MARKER + "# old\n" for i in range(FILES)} | {"orphan.py": MARKER}
PRELUDE = f"""
import os
import sys
from pathlib import Path
from codegen.check import compare
from codegen.interrupts import Interrupted, interrupts_raised
from codegen.ownership import MARKER
from codegen.write import write_package

files = {{f"m{{i:04}}.py": MARKER + "# new\\n" + "x = 1\\n" * 300 for i in range({FILES})}}
out = Path(sys.argv[1])
"""
WRITER = PRELUDE + f"""
try:
    with interrupts_raised():  # as the command line runs it
        print("ready", flush=True)
        sys.stdin.readline()
        report = write_package(files, out)
        print(len(report.written), len(report.removed), flush=True)
        # Exit while the handlers still stand: a signal that comes after the write
        # would otherwise meet Python's default action and kill a finished writer.
        os._exit(0)
except (KeyboardInterrupt, Interrupted):
    sys.exit({INTERRUPTED})
"""
CHECKER = PRELUDE + """
print("ready", flush=True)
sys.stdin.readline()
stale = compare(files, out, "flax_auto")
print(len(stale.changed), len(stale.missing), len(stale.orphans), len(stale.foreign))
"""


def spawn(script: str, package: Path) -> subprocess.Popen[str]:
    """A process that has imported everything and waits for a line on stdin to start."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(package)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


def go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("go\n")
    process.stdin.flush()


def tree(package: Path) -> str:
    """"old" or "new"; anything else (a mix, a temp file, a half-written file) fails the test."""
    files = {name: data.decode() for name, data in read_package(package).items()}
    for name, state in [(OLD, "old"), (NEW, "new")]:
        if files == name:
            return state
    mixed = sorted(name for name in files if files[name] not in (OLD.get(name), NEW.get(name)))
    pytest.fail(f"neither the old tree nor the new one: {len(files)} files, foreign or half written: {mixed[:5]}")


def test_three_large_writes_and_a_check_at_once_take_turns(tmp_path: Path) -> None:
    """Released at the same instant: one writer writes, the others find nothing to do,
    and the check sees the whole old tree or the whole new one."""
    package = tmp_path / "flax_auto"
    for _ in range(3):
        write_package(OLD, package)
        processes = [spawn(WRITER, package) for _ in range(3)] + [spawn(CHECKER, package)]
        for process in processes:
            go(process)
        results = [finish(process) for process in processes]
        assert sorted(results[:3]) == [(0, "0 0\n", None), (0, "0 0\n", None), (0, f"{FILES} 1\n", None)]
        assert results[3] in [(0, f"{FILES} 0 1 0\n", None), (0, "0 0 0 0\n", None)]
        assert tree(package) == "new"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["flax_auto"], "no staging folder is left"


def write_and_signal(package: Path, signum: int, delay: float) -> tuple[int, float]:
    """Start a write, send signum `delay` seconds after it began; its exit code and duration."""
    process = spawn(WRITER, package)
    go(process)
    began = time.monotonic()
    time.sleep(delay)
    process.send_signal(signum)
    code = process.wait(timeout=60)
    return code, time.monotonic() - began


def delays(package: Path, steps: int) -> list[float]:
    """From 0 to a little past the time one uninterrupted write takes."""
    write_package(OLD, package)
    code, duration = write_and_signal(package, 0, 0)  # signal 0: nothing is sent
    assert code == 0
    return [duration * step / (steps - 2) for step in range(steps)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_an_interrupt_at_any_point_of_a_write_leaves_the_old_tree_or_the_new_one(tmp_path: Path, signum: signal.Signals) -> None:
    package = tmp_path / "flax_auto"
    for delay in delays(package, 6):
        write_package(OLD, package)
        code, _ = write_and_signal(package, signum, delay)
        tree(package)
        assert sorted(path.name for path in tmp_path.iterdir()) == ["flax_auto"], "no staging folder is left"
        assert code in (0, INTERRUPTED), code  # 0: the write was done before the signal came


def test_sigkill_at_any_point_leaves_whole_files_and_the_next_run_repairs(tmp_path: Path) -> None:
    package = tmp_path / "flax_auto"
    for delay in delays(package, 6):
        write_package(OLD, package)
        assert write_and_signal(package, signal.SIGKILL, delay)[0] in (0, -signal.SIGKILL)
        files = {name: data.decode() for name, data in read_package(package).items()}
        assert all(text in (OLD.get(name), NEW.get(name)) for name, text in files.items()), "each file whole, old or new"
        write_package(NEW, package)
        assert tree(package) == "new"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["flax_auto"]


def test_out_dot_stages_outside_the_package_so_a_killed_run_leaves_nothing_inside(tmp_path: Path) -> None:
    """`--out .` from inside the package: Path('.').parent is '.', so the staging folder
    went inside the package, and the run after a SIGKILL failed on its leftovers."""
    package = tmp_path / "flax_auto"
    for delay in delays(package, 6):
        write_package(OLD, package)
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, "."],
            cwd=package,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        go(process)
        time.sleep(delay)
        process.kill()
        process.wait(timeout=60)
        assert not [name for name in read_package(package) if name not in NEW and name not in OLD], "nothing staged inside"
        write_package(NEW, Path(os.path.relpath(package)))
        assert tree(package) == "new"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["flax_auto"]


HOLDER = """
import os
import signal
import sys
from pathlib import Path
from codegen import lock

with lock.writing(Path(sys.argv[1])):
    print("locked", flush=True)
    if sys.argv[2] == "stop":
        os.kill(os.getpid(), signal.SIGSTOP)  # what Ctrl-Z does to a generate
    sys.stdin.readline()
"""


def hold_lock(package: Path, how: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(package), how], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def start_waiting(*argv: str, limit: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "codegen", *argv],
        cwd=ROOT,
        env={**os.environ, "FLAX_AUTO_LOCK_TIMEOUT": limit},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("command", ["check", "generate"])
def test_a_stopped_run_holding_the_lock_is_named_and_waited_for_only_so_long(project: Path, command: str) -> None:
    """Ctrl-Z on a generate kept its lock and every later run hung without a word."""
    make_stale(project / OUT)
    before = read_package(project / OUT)
    holder = hold_lock(project / OUT, "stop")
    try:
        code, stdout, stderr = finish(start_waiting(command, "--root", str(project), limit="0.5"))
        assert (code, stdout) == (3, "")
        pid = holder.pid
        assert stderr == (
            f"{OUT}: waiting for process {pid}, which holds its lock (at most 0.5 s, FLAX_AUTO_LOCK_TIMEOUT sets it)\n"
            f"error: {OUT} is still locked by process {pid} after 0.5 s: if that run is stopped (Ctrl-Z), "
            f"resume it (`kill -CONT {pid}`) or end it, then run this again; {OUT} was left as it was\n"
        )
        assert read_package(project / OUT) == before
    finally:
        holder.send_signal(signal.SIGCONT)
        finish(holder)
    assert run(command, "--root", str(project))[0] == (0 if command == "generate" else 1)


@pytest.mark.parametrize("limit", ["soon", "-1", "nan"])
@pytest.mark.parametrize("command", ["check", "generate"])
def test_a_time_limit_that_is_not_one_is_refused_before_anything_is_done(project: Path, command: str, limit: str) -> None:
    """A typo in FLAX_AUTO_LOCK_TIMEOUT silently meant 60 s; it is an input error, lock held or not."""
    make_stale(project / OUT)
    before = read_package(project / OUT)
    code, stdout, stderr = finish(start_waiting(command, "--root", str(project), limit=limit))
    assert (code, stdout) == (2, "")
    assert stderr == (
        f"FLAX_AUTO_LOCK_TIMEOUT={limit!r}: not a number of seconds >= 0 (e.g. 60); unset it for 60\n"
        "1 error(s); nothing was written\n"
    )
    assert read_package(project / OUT) == before


def test_a_lock_released_while_waiting_lets_the_run_go_on(project: Path) -> None:
    make_stale(project / OUT)
    holder = hold_lock(project / OUT, "hold")
    waiting = start_waiting("generate", "--root", str(project), limit="60")
    assert waiting.stderr is not None
    assert waiting.stderr.readline() == (
        f"{OUT}: waiting for process {holder.pid}, which holds its lock (at most 60 s, FLAX_AUTO_LOCK_TIMEOUT sets it)\n"
    )
    assert holder.stdin is not None
    holder.stdin.write("go\n")
    holder.stdin.flush()
    finish(holder)
    assert finish(waiting) == (0, f"{OUT}: 4 written, {PACKAGE_FILES - 4} unchanged, 1 removed\n", "")
    assert read_package(project / OUT) == read_package(COMMITTED)
