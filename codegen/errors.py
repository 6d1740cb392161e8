"""Where a problem is, and the errors the generator reports, with their exit codes."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_STALE = 1  # check: generated/ differs from what generate would write
EXIT_INVALID = 2  # tables or templates are invalid; nothing was written
EXIT_WRITE_FAILED = 3  # generate could not write; generated/ was left as it was


@dataclass(frozen=True, order=True)
class Location:
    """A line of an input file, as `path:line`, path relative to the project root."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class InputError(Exception):
    """Tables or templates are invalid. Carries every problem found, not just the first."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
