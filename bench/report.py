"""Tables as plain text (the terminal) and Markdown (RESULTS.md), plus the machine they ran on."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

VERSIONED = ("transformers", "jax", "jaxlib", "flax", "numpy", "black", "jinja2")


@dataclass
class Section:
    """One titled table; `notes` are sentences computed from the numbers."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def text_table(section: Section) -> str:
    cells = [section.columns, *section.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(section.columns))]
    lines = [f"== {section.title} =="]
    for number, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines.extend(f"  * {note}" for note in section.notes)
    return "\n".join(lines)


def markdown_table(section: Section) -> str:
    lines = [f"### {section.title}", ""]
    lines.append("| " + " | ".join(section.columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in section.columns) + "|")
    lines.extend("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in section.rows)
    if section.notes:
        lines.append("")
        lines.extend(f"- {note}" for note in section.notes)
    return "\n".join(lines)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine(root: Path) -> dict[str, object]:
    """Where and with what the numbers were taken, for the header of RESULTS.md."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {name: importlib.metadata.version(name) for name in VERSIONED},
        "commit": commit,
    }


def markdown_header(info: dict[str, object]) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in info["versions"].items())
    start, end = (
        " / ".join(f"{value:.2f}" for value in info[key])
        for key in ("load_average_at_start", "load_average_at_end")
    )
    return "\n".join(
        [
            f"- date: {info['date']}, commit {info['commit']}",
            f"- machine: {info['cpu']}, {info['cores']} cores, {info['platform']}",
            f"- load average (1/5/15 min) at start: {start}; at end: {end}",
            f"- Python {info['python']}; {versions}",
            f"- whole run: {info['wall_s']:.0f} s",
        ]
    )
