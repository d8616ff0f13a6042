"""Loading police.uk street files: one transaction per file, idempotent, replacing republished
months, and reconciling rows read with rows loaded plus rows quarantined."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from svduty import reference
from svduty.sources import police_uk
from svduty.sources.errors import FileRefused
from svduty.warehouse.connection import Warehouse


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: `loaded`, `replaced`, `unchanged` or `refused`."""

    file: str
    status: str
    scope: str | None = None
    load_id: int | None = None
    replaced_load_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


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
            result = _record_refusal(warehouse, item, loaded_by)
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
    scope = f"{street.force_slug}/{street.month}"
    loaded, quarantined = checked.loaded.num_rows, checked.quarantined.num_rows
    if loaded + quarantined != street.rows_read:  # the property every load must keep
        raise AssertionError(
            f"{street.path.name}: {street.rows_read} rows read but {loaded} loaded and "
            f"{quarantined} quarantined"
        )
    with warehouse.transaction() as tx:
        load_id = tx.next_load_id()
        current = tx.execute(
            "SELECT load_id, content_sha256 FROM loads WHERE source = ? AND scope = ? "
            "AND status <> 'refused' AND superseded_by_load_id IS NULL",
            (police_uk.SOURCE, scope),
        )
        if current and current[0][1] == street.sha256:
            return FileResult(
                file=street.path.name,
                status="unchanged",
                scope=scope,
                load_id=current[0][0],
                rows_read=street.rows_read,
                message=f"already loaded as load {current[0][0]}; nothing changed",
            )
        replaced = current[0][0] if current else None
        if replaced is not None:
            tx.execute("DELETE FROM police_uk_street WHERE load_id = ?", (replaced,))
            tx.execute(
                "UPDATE loads SET superseded_by_load_id = ? WHERE load_id = ?", (load_id, replaced)
            )
        tx.execute(
            "INSERT INTO loads (load_id, source, scope, file_name, content_sha256, loaded_by, "
            "loaded_at, rows_read, rows_loaded, rows_quarantined, status, replaces_load_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                load_id,
                police_uk.SOURCE,
                scope,
                street.path.name,
                street.sha256,
                loaded_by,
                _now(),
                street.rows_read,
                loaded,
                quarantined,
                "replaced" if replaced is not None else "loaded",
                replaced,
            ),
        )
        tx.insert("police_uk_street", _with_load_id(checked.loaded, load_id))
        tx.insert(
            "quarantine",
            _with_load_id(checked.quarantined, load_id)
            .append_column("source", pa.array([police_uk.SOURCE] * quarantined, pa.string()))
            .append_column("file_name", pa.array([street.path.name] * quarantined, pa.string())),
        )
        if pause_before_commit is not None:
            # Fault injection for the crash-consistency test: everything is written, nothing
            # is committed; the test kills the process here.
            pause_before_commit.write_text(str(load_id))
            time.sleep(60)
    return FileResult(
        file=street.path.name,
        status="replaced" if replaced is not None else "loaded",
        scope=scope,
        load_id=load_id,
        replaced_load_id=replaced,
        rows_read=street.rows_read,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
    )


def _record_refusal(warehouse: Warehouse, refused: FileRefused, loaded_by: str) -> FileResult:
    with warehouse.transaction() as tx:
        load_id = tx.next_load_id()
        tx.execute(
            "INSERT INTO loads (load_id, source, file_name, loaded_by, loaded_at, rows_read, "
            "rows_loaded, rows_quarantined, status, message) "
            "VALUES (?, ?, ?, ?, ?, 0, 0, 0, 'refused', ?)",
            (load_id, police_uk.SOURCE, refused.path.name, loaded_by, _now(), refused.reason),
        )
    return FileResult(
        file=refused.path.name, status="refused", load_id=load_id, message=str(refused)
    )


def _with_load_id(table: pa.Table, load_id: int) -> pa.Table:
    return table.add_column(0, "load_id", pa.array([load_id] * table.num_rows, pa.int64()))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
