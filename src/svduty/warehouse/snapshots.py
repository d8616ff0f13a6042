"""Published read snapshots of a DuckDB warehouse, so that readers never open the file a load
writes (docs/concurrency.md).

DuckDB lets one process open a file read-write and then no other process may even read it. So a
write session (a load, `svduty init`) ends by *publishing* the warehouse: after a checkpoint the
file is copied beside it, to ``<warehouse>.snapshots/<n>.duckdb``, under a temporary name that is
renamed into place (a rename is atomic, so a reader never finds half a copy). Readers open the
highest-numbered snapshot, read only. The newest KEEP are kept; older ones are deleted, and a
reader that still has one open goes on reading it (Linux keeps an unlinked file readable while
it is open). Only the process holding the warehouse read-write publishes, so publishers never
race each other.

A snapshot carries the warehouse file's size and modification time (set on the copy), so a
write session that changed nothing publishes nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

__all__ = ["KEEP", "folder", "newest", "open_newest", "publish"]

KEEP = 2  # the snapshot being published and the one before it (readers may be mid-way through it)
SUFFIX = ".duckdb"
PARTIAL = ".partial"
# How often a reader resolves the newest snapshot again when the one it chose was deleted
# between listing the folder and opening it (two publishes in that instant: very rare).
RESOLVE_ATTEMPTS = 5


def folder(warehouse: Path) -> Path:
    """Where the snapshots of ``warehouse`` are published."""
    return warehouse.with_name(warehouse.name + ".snapshots")


def _number(path: Path) -> int | None:
    stem = path.name.removesuffix(SUFFIX)
    return int(stem) if path.name.endswith(SUFFIX) and stem.isdigit() else None


def _published(warehouse: Path) -> list[tuple[int, Path]]:
    """The published snapshots, oldest first (partial copies are not among them)."""
    try:
        entries = list(folder(warehouse).iterdir())
    except FileNotFoundError:
        return []
    return sorted((n, p) for p in entries if (n := _number(p)) is not None)


def newest(warehouse: Path) -> tuple[int, Path] | None:
    """The newest published snapshot of ``warehouse`` and its number, or None if none is."""
    published = _published(warehouse)
    return published[-1] if published else None


def open_newest(warehouse: Path) -> tuple[int, duckdb.DuckDBPyConnection] | None:
    """The newest snapshot, opened read only, with its number; None when nothing has been
    published yet. A snapshot deleted between choosing and opening it is chosen again."""
    for _ in range(RESOLVE_ATTEMPTS):
        chosen = newest(warehouse)
        if chosen is None:
            return None
        number, path = chosen
        try:
            return number, duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            if path.exists():  # a real failure, not a snapshot pruned under our feet
                raise
    raise RuntimeError(
        f"the snapshots in {folder(warehouse)} changed {RESOLVE_ATTEMPTS} times while this "
        "process tried to open the newest: is something other than svduty deleting them?"
    )


def _unchanged(snapshot: Path, warehouse: os.stat_result) -> bool:
    made = snapshot.stat()
    return (made.st_size, made.st_mtime_ns) == (warehouse.st_size, warehouse.st_mtime_ns)


def publish(warehouse: Path) -> int:
    """Publish the warehouse file as the newest snapshot and return its number (the newest
    one's when nothing changed since it was published).

    The caller holds ``warehouse`` open read-write and has just checkpointed it, so the file is
    whole (its write-ahead log empty) and no other process can change it while it is copied.
    """
    source = warehouse.stat()
    latest = newest(warehouse)
    if latest is not None and _unchanged(latest[1], source):
        return latest[0]
    number = (latest[0] if latest else 0) + 1
    target = folder(warehouse) / f"{number}{SUFFIX}"
    partial = target.with_name(f".{target.name}{PARTIAL}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warehouse, partial)
    with open(partial, "rb+") as copy:  # on disk before it is named, so a crash leaves no torn
        os.fsync(copy.fileno())  # snapshot behind a good name
    os.utime(partial, ns=(source.st_atime_ns, source.st_mtime_ns))
    os.replace(partial, target)
    _sync_folder(target.parent)
    _prune(warehouse)
    return number


def _prune(warehouse: Path) -> None:
    """Delete all but the newest KEEP snapshots, and copies a crashed publish left behind."""
    for _, path in _published(warehouse)[:-KEEP]:
        path.unlink(missing_ok=True)
    for leftover in folder(warehouse).glob(f".*{PARTIAL}"):
        leftover.unlink(missing_ok=True)


def _sync_folder(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
