"""Loading partner feed files: read against the feed, pseudonymise, validate, commit.

Each file is its own load (warehouse.loads.commit): one transaction, idempotent, replacing an
earlier file that covers the same provider and period, and reconciling rows read with rows
loaded plus rows quarantined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.sources import feed as feeds_base
from svduty.sources.feeds import FEEDS
from svduty.warehouse import loads
from svduty.warehouse.connection import Warehouse
from svduty.warehouse.loads import FileResult, Incoming


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the CSV files inside any directory given, in name order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.name.endswith((".csv", ".csv.gz")))
        else:
            out.append(path)
    return out


def ingest_feed(
    warehouse: Warehouse,
    source: str,
    paths: Iterable[Path],
    *,
    pseudonymiser: Pseudonymiser,
    loaded_by: str,
    progress: Callable[[FileResult], None] = lambda result: None,
    pause_before_commit: Path | None = None,
) -> list[FileResult]:
    feed = FEEDS[source]
    uses_key = any(c.kind == "identifier" for c in feed.columns)

    def load_one(path: Path) -> FileResult:
        read = feeds_base.read(path, feed, pseudonymiser.token)
        checked = feeds_base.validate(feed, read)
        incoming = Incoming(
            source=source,
            table=feed.table,
            file_name=path.name,
            sha256=read.sha256,
            rows_read=read.rows_read,
            loaded=checked.loaded,
            quarantined=checked.quarantined,
            covers=checked.covers,
            period_start=checked.period_start,
            period_end=checked.period_end,
            synthetic=checked.synthetic,
            key_fingerprint=pseudonymiser.fingerprint if uses_key else None,
            unique_key=feed.unique_key,
            period_columns=feed.period if feed.overlap_by_period else None,
        )
        return loads.commit(
            warehouse, incoming, loaded_by=loaded_by, pause_before_commit=pause_before_commit
        )

    # Many small commits in a row: checkpoint once at the end (see Warehouse.bulk_load).
    with warehouse.bulk_load():
        return loads.load_each(
            warehouse, source, expand_paths(paths), load_one, loaded_by=loaded_by, progress=progress
        )
