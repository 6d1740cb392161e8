"""The two ways numbers are taken: timeit in this process, and whole child processes.

Both give CPU time beside (or instead of) wall time: on a shared machine the
time a process waits for a core is noise, while the CPU it uses is the cost.
"""

from __future__ import annotations

import resource
import subprocess
import time
import timeit

from bench.stats import Summary

ROUNDS = 25  # many short rounds: a burst of load spoils a few samples, not a median
ROUND_SECONDS = 0.004


def loops_for(timer: timeit.Timer) -> int:
    """How many executions make one round last about ROUND_SECONDS (at least one)."""
    loops = 1
    while (elapsed := timer.timeit(loops)) < ROUND_SECONDS / 10:
        loops *= 10
    return max(1, round(loops * ROUND_SECONDS / elapsed))


def per_call(candidates: dict[str, tuple[str, dict[str, object]]]) -> dict[str, Summary]:
    """CPU seconds per execution of each (statement, namespace), candidates interleaved round by round.

    The order rotates every round, so no candidate always runs first, right
    after the previous round's garbage.
    """
    timers = {
        name: timeit.Timer(stmt, timer=time.process_time, globals=namespace)
        for name, (stmt, namespace) in candidates.items()
    }
    loops = {name: loops_for(timer) for name, timer in timers.items()}
    samples: dict[str, list[float]] = {name: [] for name in timers}
    names = list(timers)
    for round_number in range(ROUNDS):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(timers[name].timeit(loops[name]) / loops[name])
    return {name: Summary(tuple(values)) for name, values in samples.items()}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(command: list[str], **kwargs: object) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run a command to completion: its result, wall seconds and CPU seconds (its children included)."""
    cpu, started = children_cpu(), time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    return result, time.perf_counter() - started, children_cpu() - cpu
