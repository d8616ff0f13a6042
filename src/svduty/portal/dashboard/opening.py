"""Opening the warehouse for the dashboards (portal.reading: one page's reading at a time, of
the newest published snapshot on DuckDB) and the data version that keys the caches."""

from __future__ import annotations

import pandas as pd

from svduty.portal.reading import WarehouseUnavailable, reading
from svduty.warehouse import Warehouse

__all__ = ["WarehouseUnavailable", "data_version", "reading"]


def data_version(wh: Warehouse) -> tuple[int | None, int, int, int]:
    """What changes whenever the warehouse's data do: the published snapshot read (DuckDB; a
    write session that changed anything publishes a new one), then the number of loads, the
    last load's id and the number of loads since replaced (what tells on PostgreSQL). Raises
    WarehouseUnavailable when the warehouse has no reference geography, without which nothing
    can be placed in an area."""
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
    counts = (0 if pd.isna(v) else int(v) for v in (row["n"], row["last"], row["replaced"]))
    return (wh.snapshot, *counts)
