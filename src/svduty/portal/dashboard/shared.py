"""Results shared by every process of the portal: kept on disk beside the warehouse, keyed like
the in-process caches (the warehouse, the data version each result reads, what it is).

Each web worker keeps its own in-process caches (caching.Memo), so without this every worker
computed every measure itself after each load, and the first person to ask waited for it. With
it a result is computed once for the whole portal, and the background worker computes the
dashboards' results straight after each load (warming.warm), before anyone asks: a reader
finds them on disk (docs/concurrency.md, point 7).

Only the dashboards' computed data go here (small frames of counts and rates by area, LSOA or
ward, and the LSOA reference), never record-level rows. The folder is the portal's own
(`<SVDUTY_HOME>/cache/dashboards`, readable by the portal's user only), like the warehouse
beside it: the files are pickles, which only the portal writes and reads. A result of a version
no longer current is never asked for again; the oldest files go once there are more than
``limit``. A file that cannot be read (cut short by a crash, written by another svduty
version) is computed again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import svduty

__all__ = ["MISSING", "SharedResults"]

log = logging.getLogger(__name__)

# Read errors that mean "compute it again": a partial or foreign file, or a class that moved.
_UNREADABLE = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError)
MISSING = object()  # what ``peek`` returns for a key with no readable result


@contextlib.contextmanager
def _claimed(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``'s key across the portal's processes (an flock on a file
    beside it, released by the kernel if the process dies). Where it cannot be taken (a
    read-only or full disk), nothing is locked: at worst two processes compute the same."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = path.with_suffix(".lock").open("a")
    except OSError:
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


class SharedResults:
    """A folder of results by key, written atomically (a reader never finds half a file)."""

    def __init__(self, folder: Callable[[], Path | None], limit: int = 2000):
        self._folder = folder
        self.limit = limit
        self._writes = 0
        self._lock = threading.Lock()

    def path(self, key) -> Path | None:
        folder = self._folder()
        if folder is None:
            return None
        # the software's version is part of the key: an upgrade never reads an older layout
        name = hashlib.sha256(repr((svduty.__version__, key)).encode()).hexdigest()[:40]
        return folder / f"{name}.pickle"

    def get(self, key, make: Callable[[], object]):
        value = self.peek(key)
        if value is not MISSING:
            return value
        path = self.path(key)
        if path is None:
            return make()
        # one process computes a key at a time: another that wants it waits, then reads it (as
        # when the worker's warm-up and the first readers of a fresh portal want the same)
        with self.claimed(key):
            value = self.peek(key)
            if value is MISSING:
                value = make()
                self.put(key, value)
            return value

    def claimed(self, key) -> contextlib.AbstractContextManager:
        """Hold ``key`` against the portal's other processes (see _claimed)."""
        path = self.path(key)
        return contextlib.nullcontext() if path is None else _claimed(path)

    def peek(self, key):
        """The result kept for ``key``, or MISSING (none, or one that cannot be read)."""
        path = self.path(key)
        if path is None:
            return MISSING
        try:
            with path.open("rb") as f:
                return pickle.load(f)
        except FileNotFoundError:
            return MISSING
        except _UNREADABLE as problem:
            log.warning("a shared dashboard result could not be read (%s): computing it again",
                        type(problem).__name__)  # fmt: skip
            return MISSING

    def put(self, key, value) -> None:
        path = self.path(key)
        if path is not None:
            self._write(path, value)

    def _write(self, path: Path, value) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".partial", delete=False) as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(f.name, path)
        except OSError as problem:  # a full or read-only disk: the result is still returned
            log.warning("a dashboard result could not be shared (%s)", problem.strerror)
            return
        with self._lock:
            self._writes += 1
            due = self._writes % 50 == 0
        if due:
            self.prune()

    def prune(self) -> None:
        """Keep the newest ``limit`` results; files of a crashed write go too."""
        folder = self._folder()
        if folder is None or not folder.is_dir():
            return
        files = []
        for entry in os.scandir(folder):
            if entry.name.endswith(".lock"):
                continue  # goes with its result
            try:
                files.append((entry.stat().st_mtime, entry.path))
            except FileNotFoundError:  # another process pruned it
                continue
        files.sort(reverse=True)
        for _, name in files[self.limit :]:
            Path(name).unlink(missing_ok=True)
            Path(name).with_suffix(".lock").unlink(missing_ok=True)

    def clear(self) -> None:
        folder = self._folder()
        if folder is not None and folder.is_dir():
            for entry in os.scandir(folder):
                Path(entry.path).unlink(missing_ok=True)
