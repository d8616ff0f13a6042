"""Loading published official statistics: the ONS police force area tables (`ons-prc`).

Each workbook is one load (warehouse.loads.commit): one transaction, idempotent by content
hash, rows read = rows loaded + cells quarantined. Every edition has the same scope, so a newer
edition replaces the older one whole (ONS revises earlier years in each edition). A workbook
older than the edition already loaded is refused rather than allowed to replace newer figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from svduty.sources import ons_prc
from svduty.warehouse import loads
from svduty.warehouse.connection import Warehouse
from svduty.warehouse.loads import FileResult, Incoming

__all__ = ["FileResult", "expand_paths", "ingest_ons_prc"]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the .xlsx files inside any directory given, in name order."""
    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            out += sorted(
                p for p in path.rglob("*.xlsx") if p.is_file() and not p.name.startswith("~$")
            )
        else:
            out.append(path)
    return out


def ingest_ons_prc(
    warehouse: Warehouse,
    paths: Iterable[Path],
    *,
    loaded_by: str,
    progress: Callable[[FileResult], None] = lambda result: None,
    pause_before_commit: Path | None = None,
) -> list[FileResult]:
    """Load ONS police force area workbooks; one FileResult per file, in the order given."""
    return loads.load_each(
        warehouse,
        ons_prc.SOURCE,
        expand_paths(paths),
        lambda path: _commit(
            warehouse, ons_prc.read_workbook(path), loaded_by, pause_before_commit
        ),
        loaded_by=loaded_by,
        progress=progress,
    )


def _commit(
    warehouse: Warehouse,
    workbook: ons_prc.Workbook,
    loaded_by: str,
    pause_before_commit: Path | None,
) -> FileResult:
    newer = _newer_edition(warehouse, workbook)
    if newer is not None:
        load_id, file_name, edition_end = newer
        reason = (
            f"this workbook is the edition for the {workbook.edition}, older than the one "
            f"already loaded (load {load_id}, {file_name}, to {edition_end}); loading it would "
            "replace newer figures with older ones. Load the latest edition instead"
        )
        return loads.record_refusal(
            warehouse,
            ons_prc.SOURCE,
            workbook.path.name,
            reason,
            f"{workbook.path.name}: {reason}",
            loaded_by,
        )
    incoming = Incoming(
        source=ons_prc.SOURCE,
        table=ons_prc.TABLE,
        file_name=workbook.path.name,
        sha256=workbook.sha256,
        rows_read=workbook.rows_read,
        loaded=workbook.loaded,
        quarantined=workbook.quarantined,
        covers=ons_prc.COVERS,
        period_start=workbook.period_start,
        period_end=workbook.period_end,
    )
    return loads.commit(
        warehouse,
        incoming,
        loaded_by=loaded_by,
        scope=ons_prc.SCOPE,
        pause_before_commit=pause_before_commit,
    )


def _newer_edition(
    warehouse: Warehouse, workbook: ons_prc.Workbook
) -> tuple[int, str, date] | None:
    """The current load of the tables, when its edition is newer than this workbook's."""
    with warehouse.transaction() as tx:
        current = tx.execute(
            "SELECT load_id, file_name, period_end, content_sha256 FROM loads "
            "WHERE source = ? AND scope = ? AND status <> 'refused' "
            "AND superseded_by_load_id IS NULL ORDER BY load_id DESC LIMIT 1",
            (ons_prc.SOURCE, ons_prc.SCOPE),
        )
    if not current:
        return None
    load_id, file_name, period_end, sha256 = current[0]
    if sha256 == workbook.sha256 or period_end is None:
        return None  # the same file again: commit reports it unchanged
    if isinstance(period_end, str):
        period_end = date.fromisoformat(period_end)
    if period_end > (workbook.period_end or workbook.edition_end):
        return int(load_id), str(file_name), period_end
    return None
