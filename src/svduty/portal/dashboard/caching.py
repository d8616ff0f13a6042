"""The dashboard's in-process caches, keyed by the warehouse and its data version.

The measures take about a second each to compute on the demo warehouse, a hotspot analysis a few
seconds and a chart a fifth of a second to draw, so results are kept in this process, keyed by
the warehouse URL and the version of the data each result reads (opening.DataVersion: per
source, so a load changes the version only of what reads its source, and the next view computes
that afresh); results of older versions age out of the bounded caches. Each web worker process
keeps its own, and the computed data (DATA) are also shared by every process of the portal on
disk (shared.SharedResults), where the background worker puts them after each load.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

from svduty.portal.dashboard.shared import MISSING, SharedResults
from svduty.warehouse import Warehouse

__all__ = [
    "DATA",
    "PANELS",
    "SHARED",
    "TILES",
    "VIEWS",
    "Memo",
    "NotReady",
    "forget",
    "key",
    "only_ready",
]


class NotReady(LookupError):
    """A result asked for under ``only_ready`` that no process has computed."""


_ONLY_READY = contextvars.ContextVar("only_ready", default=False)


@contextlib.contextmanager
def only_ready() -> Iterator[None]:
    """Within this block the computed data are only read: data no process has computed raise
    NotReady instead of being computed (catching_up: a view of the figures as the worker last
    left them, or none). What is derived from the data (a panel, a map) is still made from them
    when the data are ready: cutting a range of years from a whole series is cheap, counting is
    not. Each thread has its own context, so other requests are not affected."""
    token = _ONLY_READY.set(True)
    try:
        yield
    finally:
        _ONLY_READY.reset(token)


class Memo:
    """A bounded in-process cache, least recently used out first. A key is computed once at a
    time: a second request for a key being computed waits for the first, then reads its value."""

    def __init__(self, size: int, shared: SharedResults | None = None, *, derived: bool = False):
        self.size = size
        self.shared = shared  # where a value missing here is looked for before computing it
        self.derived = derived  # made from other caches' values: made even under only_ready
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict = {}

    def get(self, key, make: Callable[[], object]):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        if self.only_reading():
            return self._ready(key)
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            try:
                value = self.shared.get(key, make) if self.shared else make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
            return self._keep(key, value)

    def known(self, key) -> bool:
        """Whether a value for ``key`` is kept here or by any process (without reading it)."""
        with self._lock:
            if key in self._values:
                return True
        path = self.shared.path(key) if self.shared else None
        return path is not None and path.exists()

    def only_reading(self) -> bool:
        """Whether this thread is within only_ready, where this cache computes nothing."""
        return _ONLY_READY.get() and not self.derived

    def _ready(self, key):
        """The value kept for ``key`` by any process, without computing it (only_ready)."""
        value = self.shared.peek(key) if self.shared else MISSING
        if value is MISSING:
            raise NotReady(key)
        return self._keep(key, value)

    def _keep(self, key, value):
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


def _shared_folder() -> Path | None:
    """`<SVDUTY_HOME>/cache/dashboards` of the portal's settings (none outside the portal)."""
    from django.conf import settings

    home = getattr(settings, "HOME", None) if settings.configured else None
    return Path(home) / "cache" / "dashboards" if home else None


SHARED = SharedResults(_shared_folder)
# Computed data (small frames), the measures page's panels (one measure for one choice, with
# its trend chart's specification, tens of kilobytes) and the maps (drawn SVG, up to 1 MB a map,
# seconds to make), each shared on disk too.
DATA = Memo(256, SHARED)
PANELS = Memo(14 * 48, SHARED, derived=True)
VIEWS = Memo(48, SHARED, derived=True)
# The overview's tiles of an area and kind of period (a few kilobytes each; the partnership's
# areas times two kinds of period, for the current version and the one before).
TILES = Memo(64, SHARED, derived=True)


def forget() -> None:
    """Empty the caches, the shared one too (tests; nothing else needs to, since a new load
    changes the version)."""
    DATA.clear()
    SHARED.clear()
    PANELS.clear()
    VIEWS.clear()
    TILES.clear()


def key(wh: Warehouse, version, *rest) -> tuple:
    return (wh.url, version, *rest)
