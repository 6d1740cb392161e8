"""Compare the package that would be generated with the one on disk; never writes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from codegen.write import current_bytes, owned_files


@dataclass
class Staleness:
    """How out_dir differs from what the generator produces: diffs and file lists."""

    diff: list[str] = field(default_factory=list[str])
    changed: list[str] = field(default_factory=list[str])
    missing: list[str] = field(default_factory=list[str])
    orphans: list[str] = field(default_factory=list[str])

    def __bool__(self) -> bool:
        return bool(self.changed or self.missing or self.orphans)

    def summary(self) -> str:
        counts = [(len(self.changed), "changed"), (len(self.missing), "missing"), (len(self.orphans), "orphaned")]
        return ", ".join(f"{count} {what}" for count, what in counts if count)


def compare(files: dict[str, str], out_dir: Path, label: str) -> Staleness:
    """Byte-exact comparison; unified diffs labelled committed -> expected, paths shown under label."""
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
    for name in sorted(owned_files(out_dir) - files.keys()):
        stale.orphans.append(name)
        stale.diff.append(f"orphan: {label}/{name} (not produced by the generator)\n")
    return stale
