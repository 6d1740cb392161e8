"""Compare the package that would be generated with the one on disk; never writes."""

from __future__ import annotations

import difflib
from pathlib import Path

from codegen.write import owned_files


def stale_report(files: dict[str, str], out_dir: Path, label: str) -> list[str]:
    """Unified diffs and missing/orphan lines, empty when out_dir is in sync."""
    report: list[str] = []
    for name in sorted(files):
        path = out_dir / name
        shown = f"{label}/{name}"
        if not path.is_file():
            report.append(f"missing: {shown}\n")
            continue
        committed = path.read_bytes().decode("utf-8", errors="replace")
        if committed != files[name]:
            report.extend(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    files[name].splitlines(keepends=True),
                    fromfile=f"{shown} (committed)",
                    tofile=f"{shown} (expected)",
                )
            )
    for name in sorted(owned_files(out_dir) - files.keys()):
        report.append(f"orphan: {label}/{name} (not produced by the generator)\n")
    return report
