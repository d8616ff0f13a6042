"""Opening the warehouse for the dashboards (portal.reading: one page's reading at a time, of
the newest published snapshot on DuckDB) and the data version that keys the caches.

The version is kept per source (from the `loads` table), so that a result is computed afresh
only when a load changes what it reads: a measure counted from police records keeps its cached
figures, charts and maps while the partners' aggregate feeds are loaded, and the other way
round. The soak (docs/reliability.md) loads a file every half minute or so beside people reading
the dashboards; with one version for everything, every load emptied every cache.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.portal.reading import WarehouseUnavailable, reading
from svduty.sources import ons_prc, police_uk
from svduty.sources.feeds import FEEDS
from svduty.warehouse import Warehouse
from svduty.warehouse.reference_load import SOURCE as REFERENCE

__all__ = ["DataVersion", "WarehouseUnavailable", "data_version", "reading"]

# The table each source's loads write; a source not named here (a feed added later) is taken
# to change everything, so no result is ever kept past a load it depends on.
TABLE_OF_SOURCE = {
    **{feed.source: feed.table for feed in FEEDS.values()},
    police_uk.SOURCE: "police_uk_street",
    ons_prc.SOURCE: ons_prc.TABLE,
}
# A measure's `source` names its table, but for published figures.
_MEASURE_TABLE = {"published": ons_prc.TABLE}


@dataclass(frozen=True)
class DataVersion:
    """What the warehouse's data are now: per source, (source, number of loads, last load id,
    loads since replaced). Any load of a source changes its entry, on DuckDB and PostgreSQL
    alike. ``of`` narrows it to what a measure reads, ``reference`` to the reference geography
    and populations; the whole version keys what reads everything."""

    loads: tuple[tuple[str, int, int, int], ...]
    # when the newest load committed (UTC): how long readers have waited for the worker to
    # bring the dashboards up to date (catching_up). Not part of what the version is.
    newest_load_at: datetime | None = field(default=None, compare=False, repr=False)

    def _sources(self, wanted) -> tuple:
        return tuple(
            entry
            for entry in self.loads
            if entry[0] == REFERENCE or entry[0] not in TABLE_OF_SOURCE or wanted(entry[0])
        )

    @property
    def reference(self) -> tuple:
        return self._sources(lambda source: False)

    def of(self, measure: Measure) -> tuple:
        """The version of what ``measure`` reads: its table's sources (only the feed it names,
        for an aggregate feed's measure), the reference data and any source not known here."""
        table = _MEASURE_TABLE.get(measure.source, measure.source)
        feeds = measure.filters.get("feed")
        feeds = {feeds} if isinstance(feeds, str) else set(feeds or ())
        return self._sources(
            lambda source: TABLE_OF_SOURCE[source] == table and (not feeds or source in feeds)
        )


def data_version(wh: Warehouse) -> DataVersion:
    """The warehouse's data version (see DataVersion). Raises WarehouseUnavailable when the
    warehouse has no reference geography, without which nothing can be placed in an area.

    A published DuckDB snapshot never changes, so its version is read once per process (a
    tenth of a second of every view otherwise), keyed by the snapshot file itself (its number,
    inode, size and time), so a warehouse made again from nothing, whose numbers start again,
    is never taken for the one before."""
    made = _snapshot_identity(wh)
    if made is not None:
        with _LOCK:
            if made in _VERSIONS:
                return _VERSIONS[made]
    version = _read_version(wh)
    if made is not None:
        with _LOCK:
            _VERSIONS[made] = version
            while len(_VERSIONS) > 8:
                _VERSIONS.pop(next(iter(_VERSIONS)))
    return version


_VERSIONS: dict = {}
_LOCK = threading.Lock()


def _snapshot_identity(wh: Warehouse) -> tuple | None:
    url = wh.snapshot_url()
    if url is None:
        return None
    try:
        made = os.stat(url.removeprefix("duckdb://"))
    except OSError:  # pruned since it was opened: read the version from the open snapshot
        return None
    return (url, made.st_ino, made.st_size, made.st_mtime_ns)


def _read_version(wh: Warehouse) -> DataVersion:
    missing = [t for t in ("ref_lsoa", "ref_local_authority") if not wh.has_table(t)]
    if missing:
        raise WarehouseUnavailable(
            f"The warehouse has no reference geography ({', '.join(missing)}): a partnership "
            "analyst can load it with `svduty init`."
        )
    loads = wh.table("loads")
    frame = (
        loads.group_by("source")
        .aggregate(
            n=loads.count(),
            last=loads.load_id.max(),
            replaced=loads.superseded_by_load_id.count(),
            at=loads.loaded_at.max(),
        )
        .execute()
    )
    entries = (
        (str(r.source), int(r.n), int(r.last), int(r.replaced))
        for r in frame.itertuples(index=False)
    )
    return DataVersion(tuple(sorted(entries)), _utc(frame["at"].max() if len(frame) else None))


def _utc(at) -> datetime | None:
    """A load time as a naive UTC datetime (the loads table's TIMESTAMP is UTC)."""
    if at is None or pd.isna(at):
        return None
    at = pd.Timestamp(at)
    return (at.tz_convert("UTC").tz_localize(None) if at.tzinfo else at).to_pydatetime()
