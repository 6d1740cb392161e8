"""codegen.halves runs the second half of a piece of work in a forked child: same result, no child left behind.

Real forks, real signals; validation at 10,000 rows is what it is for, and
the last test holds its problems to those of one pass over the rows.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from codegen_support import copy_project

from codegen.halves import PARALLEL_AT

ROOT = Path(__file__).resolve().parent.parent


def run_python(script: str, *args: str) -> str:
    """A fresh interpreter: this suite's own process holds JAX's threads, and with threads nothing is forked."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_second_half_runs_in_another_process_and_the_result_is_in_order() -> None:
    shown = run_python(
        """
        import os
        from codegen.halves import PARALLEL_AT, in_halves

        items = list(range(PARALLEL_AT + 1))
        result = in_halves(lambda part: [(os.getpid(), item) for item in part], items)
        assert [item for _, item in result] == items
        half = len(items) // 2
        pids = [pid for pid, _ in result]
        print(set(pids[:half]) == {os.getpid()}, len(set(pids[half:])), os.getpid() in pids[half:])
        """
    )
    assert shown == "True 1 False\n"


def test_little_work_or_a_running_thread_keeps_it_in_this_process() -> None:
    shown = run_python(
        """
        import os, threading
        from codegen.halves import PARALLEL_AT, in_halves

        def pids(count):
            return {pid for pid, _ in in_halves(lambda part: [(os.getpid(), item) for item in part], list(range(count)))}

        print(pids(PARALLEL_AT - 1) == {os.getpid()}, end=" ")
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        print(pids(2 * PARALLEL_AT) == {os.getpid()})  # forking a process with threads is unsafe: not done
        stop.set()
        """
    )
    assert shown == "True True\n"


def test_an_error_in_either_half_is_raised_here_and_the_child_is_reaped() -> None:
    shown = run_python(
        """
        import os, time
        from codegen.halves import PARALLEL_AT, in_halves

        def no_child_left():
            try:
                os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return True
            return False

        def second_fails(part):
            if part[0] != 0:
                raise ValueError(f"item {part[-1]} is bad")
            return list(part)

        def first_fails(part):
            if part[0] == 0:
                raise ValueError("item 0 is bad")
            time.sleep(0.5)  # the child is still working when this process gives up
            return list(part)

        for work, wanted in ((second_fails, RuntimeError), (first_fails, ValueError)):
            try:
                in_halves(work, list(range(2 * PARALLEL_AT)))
            except wanted as error:
                print(f"{type(error).__name__}: {error}; no child left: {no_child_left()}")
        """
    )
    assert shown.splitlines() == [
        f"RuntimeError: the second half of the work failed: ValueError: item {2 * PARALLEL_AT - 1} is bad; no child left: True",
        "ValueError: item 0 is bad; no child left: True",
    ]


# Both halves sleep; the child writes its pid first, so the test knows whom to look for.
SLEEPER = textwrap.dedent(
    """
    import os, sys, time
    from codegen.halves import in_halves, PARALLEL_AT
    from codegen.interrupts import interrupts_raised

    def work(items):
        if items[0] != 0:
            with open(sys.argv[1], "w") as file:
                file.write(str(os.getpid()))
        time.sleep(60)
        return list(items)

    with interrupts_raised():
        in_halves(work, list(range(2 * PARALLEL_AT)))
    """
)


@pytest.mark.parametrize(("signum", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_ctrl_c_or_sigterm_to_this_process_alone_leaves_no_child_running(signum: int, group: bool, tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group; `kill PID` only this process, which then kills its child."""
    child_pid = tmp_path / "child.pid"
    process = subprocess.Popen(
        [sys.executable, "-c", SLEEPER, str(child_pid)], cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while not (child_pid.exists() and child_pid.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(child_pid.read_text())
    if group:
        os.killpg(process.pid, signum)
    else:
        os.kill(process.pid, signum)
    process.wait(timeout=30)
    assert process.returncode != 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists(), "the child outlived its parent"


def test_validation_in_halves_reports_exactly_what_one_pass_reports(tmp_path: Path) -> None:
    """Rows of one's own on both sides of the split: classes missing, modules missing, a module
    that imports the package, at the row's line each; one pass over the rows is the oracle."""
    copy_project(tmp_path)
    src = tmp_path / "src"
    configs, models = [], []
    for k in range(PARALLEL_AT + 10):
        package = src / f"own_{k}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("import flax_auto\n" if k % 97 == 5 else "")
        (package / "configuration.py").write_text(f"class OwnConfig{k}:\n    pass\n" if k % 89 else "")
        if k % 83:
            (package / "modeling.py").write_text(f"class FlaxOwnModel{k}:\n    pass\n" if k % 79 else "x = 1\n")
        configs.append(f'"own-{k}" = {{ config = "OwnConfig{k}", module = "own_{k}.configuration", models = "own_{k}.modeling" }}\n')
        models.append(f'"own-{k}" = "FlaxOwnModel{k}"\n')
    tables = tmp_path / "codegen" / "tables"
    (tables / "configs.toml").write_text((tables / "configs.toml").read_text() + "\n[extension]\n" + "".join(configs))
    (tables / "model.toml").write_text((tables / "model.toml").read_text() + "".join(models))
    shown = run_python(
        """
        import json, os, sys
        from pathlib import Path
        from codegen import halves
        from codegen.build import load_tables
        from codegen.errors import InputError

        sys.path.insert(0, sys.argv[2])
        forks = []
        fork = os.fork
        os.fork = lambda: forks.append(1) or fork()

        def problems():
            try:
                load_tables(Path(sys.argv[1]))
            except InputError as error:
                return error.problems

        split = problems()
        halves.PARALLEL_AT = 10**9
        whole = problems()
        print(json.dumps({"forks": len(forks), "same": split == whole, "problems": whole}))
        """,
        str(tmp_path),
        str(src),
    )
    answer = json.loads(shown)
    assert answer["forks"] == 1 and answer["same"]
    kinds = {
        next(what for what in KINDS if what in line) for line in answer["problems"]
    }
    assert len(answer["problems"]) > 50 and kinds == set(KINDS)


KINDS = ("does not define the config class", "does not define the model class", "not found", "imports the generated package")
