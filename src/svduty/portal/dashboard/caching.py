"""The dashboard's in-process caches, keyed by the warehouse and its data version.

The measures take about a second each to compute on the demo warehouse, a hotspot analysis a few
seconds and a chart a fifth of a second to draw, so results are kept in this process, keyed by
the warehouse URL and the version of the data each result reads (opening.DataVersion: per
source, so a load changes the version only of what reads its source, and the next view computes
that afresh); results of older versions age out of the bounded caches. Each web worker process
keeps its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from svduty.warehouse import Warehouse

__all__ = ["DATA", "PANELS", "VIEWS", "Memo", "forget", "key"]


class Memo:
    """A bounded in-process cache, least recently used out first. A key is computed once at a
    time: a second request for a key being computed waits for the first, then reads its value."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict = {}

    def get(self, key, make: Callable[[], object]):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
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


# Computed data (small frames), the measures page's panels (one measure for one choice, with
# its trend chart's SVG, tens of kilobytes) and the maps (rendered SVG, up to 1 MB a map).
DATA = Memo(256)
PANELS = Memo(14 * 48)
VIEWS = Memo(48)


def forget() -> None:
    """Empty the caches (tests; nothing else needs to, since a new load changes the version)."""
    DATA.clear()
    PANELS.clear()
    VIEWS.clear()


def key(wh: Warehouse, version, *rest) -> tuple:
    return (wh.url, version, *rest)
