"""Loading police.uk street files: one transaction per file, idempotent, replacing republished
months, and reconciling rows read with rows loaded plus rows quarantined."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from svduty import reference
from svduty.sources import police_uk
from svduty.sources.errors import FileRefused
from svduty.warehouse import loads
from svduty.warehouse.connection import Warehouse
from svduty.warehouse.loads import FileResult, Incoming

__all__ = ["FileResult", "expand_paths", "ingest_police_uk", "police_forces"]


def police_forces() -> dict[str, str]:
    """police.uk slug -> the force name its files use."""
    forces = reference.build("ref_police_force")
    return dict(
        zip(
            forces.column("police_uk_slug").to_pylist(),
            forces.column("police_uk_name").to_pylist(),
            strict=True,
        )
    )


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the street files inside any directory given, in name order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p for p in path.rglob("*") if p.name.endswith(("-street.csv", "-street.csv.gz"))
            )
        else:
            out.append(path)
    return out


def ingest_police_uk(
    warehouse: Warehouse,
    paths: Iterable[Path],
    *,
    loaded_by: str,
    progress: Callable[[FileResult], None] = lambda result: None,
    pause_before_commit: Path | None = None,
) -> list[FileResult]:
    files = expand_paths(paths)
    forces = police_forces()

    def read(path: Path) -> police_uk.StreetFile | FileRefused:
        try:
            return police_uk.read_street_file(path, forces)
        except FileRefused as refused:
            return refused

    # Parsing releases the GIL (zlib, hashlib and Arrow all do), so two threads use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        read_files = list(pool.map(read, files))
    good = [f for f in read_files if isinstance(f, police_uk.StreetFile)]
    validated = dict(zip((id(f) for f in good), police_uk.validate(good, forces), strict=True))

    results = []
    for item in read_files:
        if isinstance(item, FileRefused):
            result = loads.record_refusal(
                warehouse, police_uk.SOURCE, item.path.name, item.reason, str(item), loaded_by
            )
        else:
            result = _commit(warehouse, item, validated[id(item)], loaded_by, pause_before_commit)
        progress(result)
        results.append(result)
    return results


def _commit(
    warehouse: Warehouse,
    street: police_uk.StreetFile,
    checked: police_uk.Validated,
    loaded_by: str,
    pause_before_commit: Path | None,
) -> FileResult:
    month = date.fromisoformat(street.month + "-01")
    incoming = Incoming(
        source=police_uk.SOURCE,
        table="police_uk_street",
        file_name=street.path.name,
        sha256=street.sha256,
        rows_read=street.rows_read,
        loaded=checked.loaded,
        quarantined=checked.quarantined,
        covers=street.force_slug,
        period_start=month,
        period_end=_month_end(month),
    )
    return loads.commit(
        warehouse,
        incoming,
        loaded_by=loaded_by,
        scope=f"{street.force_slug}/{street.month}",
        pause_before_commit=pause_before_commit,
    )


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)
