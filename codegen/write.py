"""Write the package: all or nothing, atomic per file, unchanged files untouched.

The generator owns every file under the output folder (caches aside), so a file
it did not produce this run is an orphan, whether left by an older table or
added by hand, and is removed.

A run first stages every changed file as a temp file next to its target; only
when all are staged does it remove orphans and rename the temp files into
place. If anything fails, what was already changed is put back (bytes, mode
and mtime), so the folder is left as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class WriteReport:
    """What a write did, file by file (paths inside the package)."""

    written: list[str] = field(default_factory=list[str])
    unchanged: list[str] = field(default_factory=list[str])
    removed: list[str] = field(default_factory=list[str])


@dataclass(frozen=True)
class _Saved:
    """A file (or a symlink) as it was before this run, to put back on failure."""

    data: bytes
    mode: int
    mtime_ns: int
    link: str | None = None

    @classmethod
    def of(cls, path: Path) -> _Saved | None:
        if path.is_symlink():
            return cls(b"", 0, 0, link=os.readlink(path))
        if not path.is_file():
            return None
        stat = path.stat()
        return cls(path.read_bytes(), stat.st_mode & 0o7777, stat.st_mtime_ns)


def owned_files(out_dir: Path) -> set[str]:
    """Files and symlinks under out_dir, as posix paths relative to it, skipping __pycache__."""
    if not out_dir.is_dir():
        return set()
    return {
        path.relative_to(out_dir).as_posix()
        for path in out_dir.rglob("*")
        if (path.is_symlink() or path.is_file()) and "__pycache__" not in path.parts
    }


def current_bytes(path: Path) -> bytes | None:
    """The bytes of a regular file; None when missing or not a regular file (a link, a folder)."""
    if path.is_symlink() or not path.is_file():
        return None
    return path.read_bytes()


def stage(path: Path, data: bytes) -> Path:
    """Write data to a new temp file next to path (same filesystem, so renaming it is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o644)
    except BaseException:
        os.unlink(temp)
        raise
    return Path(temp)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace path with data in one rename, so readers never see half a file."""
    temp = stage(path, data)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _restore(path: Path, saved: _Saved | None) -> None:
    """Put back what path was before this run: its old file, its old link, or nothing."""
    if saved is not None and saved.link is None:
        write_atomic(path, saved.data)
        os.chmod(path, saved.mode)
        os.utime(path, ns=(saved.mtime_ns, saved.mtime_ns))
        return
    path.unlink(missing_ok=True)
    if saved is not None and saved.link is not None:
        path.symlink_to(saved.link)


def write_package(files: dict[str, str], out_dir: Path) -> WriteReport:
    """Bring out_dir to exactly `files`, touching only what differs; on failure, change nothing."""
    report = WriteReport()
    changed: dict[str, bytes] = {}
    saved: dict[str, _Saved | None] = {}
    for name in sorted(files):
        path, data = out_dir / name, files[name].encode("utf-8")
        before = current_bytes(path)
        if before == data:
            report.unchanged.append(name)
        else:
            changed[name] = data
            saved[name] = _Saved.of(path)
    orphans = sorted(owned_files(out_dir) - files.keys())
    saved.update((name, _Saved.of(out_dir / name)) for name in orphans)

    created = not out_dir.exists()
    staged: dict[str, Path] = {}
    done: list[str] = []
    try:
        for name, data in changed.items():
            staged[name] = stage(out_dir / name, data)
        for name in orphans:
            (out_dir / name).unlink()
            done.append(name)
        for name, temp in staged.items():
            os.replace(temp, out_dir / name)
            done.append(name)
    except BaseException:
        for name in reversed(done):
            _restore(out_dir / name, saved[name])
        for temp in staged.values():
            temp.unlink(missing_ok=True)
        if created:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    report.written.extend(changed)
    report.removed.extend(orphans)
    return report
