"""Opening the warehouse for the dashboards: read-only, for one page's reading at a time, and
the data version that keys the caches.

Each page opens the warehouse for as long as it reads and closes it (DuckDB lets one process
write a file or many read it, so a page must not hold the file the upload worker needs). DuckDB
files are opened read-only; a PostgreSQL session is set read-only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import closing

import duckdb
import pandas as pd

from svduty.portal.dashboard.configured import config
from svduty.warehouse import Warehouse, WarehouseMissing, connect
from svduty.warehouse.connection import locked

__all__ = ["WarehouseUnavailable", "data_version", "open_read_only", "reading"]


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read just now; the message says why and what to do."""


def open_read_only(url: str) -> Warehouse:
    """The warehouse opened for reading only: DuckDB lets several processes (gunicorn's
    workers) read one file at once, but only while none holds it read-write."""
    try:
        return connect(url, read_only=True)
    except duckdb.ConnectionException as exc:
        # this process already has the file open read-write (an ingest in another thread):
        # DuckDB then allows only connections of the same configuration
        if "configuration" not in str(exc):
            raise
        return connect(url)


@contextlib.contextmanager
def reading(url: str | None = None) -> Iterator[Warehouse]:
    """The warehouse, open for one page's reading and closed after it."""
    url = url or config().warehouse_url
    try:
        wh = open_read_only(url)
    except WarehouseMissing:
        raise WarehouseUnavailable(
            "There is no warehouse yet: load data first (`svduty demo`, or an upload by a "
            "partner data lead)."
        ) from None
    except Exception as exc:
        raise WarehouseUnavailable(
            "The warehouse is busy: a file is being loaded. Refresh this page in a minute."
            if locked(exc)
            else f"The warehouse could not be opened ({type(exc).__name__}). Ask a partnership "
            "analyst to check the portal's warehouse setting (SVDUTY_WAREHOUSE_URL)."
        ) from exc
    with closing(wh):
        yield wh


def data_version(wh: Warehouse) -> tuple[int, int, int]:
    """What changes whenever the warehouse's data do: the number of loads, the last load's id
    and the number of loads since replaced. Raises WarehouseUnavailable when the warehouse has
    no reference geography, without which nothing can be placed in an area."""
    missing = [t for t in ("ref_lsoa", "ref_local_authority") if not wh.has_table(t)]
    if missing:
        raise WarehouseUnavailable(
            f"The warehouse has no reference geography ({', '.join(missing)}): a partnership "
            "analyst can load it with `svduty init`."
        )
    loads = wh.table("loads")
    row = (
        loads.aggregate(
            n=loads.count(),
            last=loads.load_id.max(),
            replaced=loads.superseded_by_load_id.count(),
        )
        .execute()
        .iloc[0]
    )
    return tuple(0 if pd.isna(v) else int(v) for v in (row["n"], row["last"], row["replaced"]))
