"""A warehouse seen through filters: the same connection, some tables narrowed.

Readers that take a Warehouse (the analysis layer) read only ``table``, ``has_table``, ``ibis``
and ``url``, so a product or a page can hand them a view in which, say, the record tables hold
only the years of an assessment, and every query they build is narrowed before it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ibis

from svduty.warehouse.connection import Warehouse

__all__ = ["Narrowed"]

Narrowing = Callable[[ibis.Table], ibis.Table]


class Narrowed:
    """``wh`` read through ``narrow``: table name -> the function that narrows that table. Tables
    not named are read unchanged. Read only: it offers no way to write."""

    def __init__(self, wh: Warehouse, narrow: Mapping[str, Narrowing]):
        self._wh = wh
        self._narrow = dict(narrow)
        self.url = wh.url

    @property
    def ibis(self) -> ibis.BaseBackend:
        return self._wh.ibis

    def has_table(self, name: str) -> bool:
        return self._wh.has_table(name)

    def table(self, name: str) -> ibis.Table:
        t = self._wh.table(name)
        narrow = self._narrow.get(name)
        return t if narrow is None else narrow(t)
