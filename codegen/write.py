"""Write the package: atomic per file, unchanged files untouched, orphans removed.

The generator owns every file under the output folder (caches aside), so a file
it did not produce this run is an orphan, whether left by an older table or
added by hand.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class WriteReport:
    """What a write did, file by file (paths inside the package)."""

    written: list[str] = field(default_factory=list[str])
    unchanged: list[str] = field(default_factory=list[str])
    removed: list[str] = field(default_factory=list[str])


def owned_files(out_dir: Path) -> set[str]:
    """Files under out_dir, as posix paths relative to it, skipping __pycache__."""
    if not out_dir.is_dir():
        return set()
    return {
        path.relative_to(out_dir).as_posix()
        for path in out_dir.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def write_atomic(path: Path, data: bytes) -> None:
    """Replace path with data in one rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_package(files: dict[str, str], out_dir: Path) -> WriteReport:
    """Bring out_dir to exactly `files`, touching only what differs."""
    report = WriteReport()
    for name in sorted(files):
        path = out_dir / name
        data = files[name].encode("utf-8")
        if path.is_file() and path.read_bytes() == data:
            report.unchanged.append(name)
        else:
            write_atomic(path, data)
            report.written.append(name)
    for name in sorted(owned_files(out_dir) - files.keys()):
        (out_dir / name).unlink()
        report.removed.append(name)
    return report
