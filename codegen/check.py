"""Compare the package that would be generated with the one on disk; never writes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from . import lock
from .ownership import own_folder, survey
from .write import current_bytes


@dataclass
class Staleness:
    """How out_dir differs from what the generator produces: diffs and file lists."""

    diff: list[str] = field(default_factory=list[str])
    changed: list[str] = field(default_factory=list[str])
    missing: list[str] = field(default_factory=list[str])
    orphans: list[str] = field(default_factory=list[str])
    foreign: list[str] = field(default_factory=list[str])

    def __bool__(self) -> bool:
        return bool(self.changed or self.missing or self.orphans or self.foreign)

    def summary(self) -> str:
        counts = [
            (len(self.changed), "changed"),
            (len(self.missing), "missing"),
            (len(self.orphans), "orphaned"),
            (len(self.foreign), "foreign"),
        ]
        return ", ".join(f"{count} {what}" for count, what in counts if count)


def compare(files: dict[str, str], out_dir: Path, label: str, notify: lock.Notify = lock.to_stderr) -> Staleness:
    """Byte-exact comparison; unified diffs labelled committed -> expected, paths shown under label.

    It holds the folder's shared lock (codegen.lock), so it sees the tree before
    a concurrent `generate` or after it, never half way. A linked package is
    resolved and surveyed as generate does it (codegen.ownership.own_folder).
    """
    out_dir = own_folder(out_dir, label)
    with lock.reading(out_dir, label, notify):
        return _compare(files, out_dir, label)


def _compare(files: dict[str, str], out_dir: Path, label: str) -> Staleness:
    stale = Staleness()
    for name in sorted(files):
        shown, path = f"{label}/{name}", out_dir / name
        committed = current_bytes(path)
        if committed is None:
            stale.missing.append(name)
            what = "not a regular file" if path.is_symlink() or path.exists() else "missing"
            stale.diff.append(f"{what}: {shown}\n")
        elif committed != files[name].encode("utf-8"):
            stale.changed.append(name)
            lines = difflib.unified_diff(
                committed.decode("utf-8", errors="replace").splitlines(keepends=True),
                files[name].splitlines(keepends=True),
                fromfile=f"{shown} (committed)",
                tofile=f"{shown} (expected)",
            )
            stale.diff.extend(line if line.endswith("\n") else line + "\n" for line in lines)
    contents = survey(out_dir, files)
    for name in contents.orphans:
        stale.orphans.append(name)
        stale.diff.append(f"orphan: {label}/{name} (written by the generator, no longer produced)\n")
    for name in contents.foreign:
        stale.foreign.append(name)
        stale.diff.append(f"foreign: {label}/{name} (not written by the generator; it would ship: move it out)\n")
    return stale
