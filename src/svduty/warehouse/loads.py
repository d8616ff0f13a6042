"""Committing one validated file: the single write path every feed goes through.

A load is one transaction: the `loads` row, the canonical rows and the quarantined rows are
written together or not at all. Loading the same content under the same key again changes
nothing (the same bytes under a new key are a new load: key rotation, docs/keys.md). A file that
covers the same data (same source, same provider, same period) as a loaded one replaces it,
and both `loads` rows say so. A file that overlaps a loaded one only in part is refused: its
rows would be counted twice, and which of the two is right is for a person to decide.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from svduty.sources.errors import FileRefused
from svduty.warehouse.connection import Transaction, Warehouse


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: `loaded`, `replaced`, `unchanged` or `refused`."""

    file: str
    status: str
    source: str | None = None
    scope: str | None = None
    load_id: int | None = None
    replaced_load_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    synthetic: bool = False
    message: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Incoming:
    """A file ready to commit: its identity, what it covers and its validated rows."""

    source: str
    table: str  # the canonical table its rows go to
    file_name: str
    sha256: str
    rows_read: int
    loaded: pa.Table  # canonical columns, without load_id
    quarantined: pa.Table  # line, field, reason_code, reason, row_json
    covers: str  # whose data within the source: a force, a site, a set of areas
    period_start: date | None
    period_end: date | None
    synthetic: bool = False
    key_fingerprint: str | None = None
    # Row-level double counting check (Feed.unique_key / overlap_by_period): the columns that
    # identify one fact, and the period columns that must overlap too (None: any period).
    unique_key: tuple[str, ...] = ()
    period_columns: tuple[str, str] | None = None

    @property
    def scope(self) -> str:
        if self.period_start is None:
            return f"{self.covers} (no valid rows)"
        return f"{self.covers} {self.period_start}..{self.period_end}"


def commit(
    warehouse: Warehouse,
    incoming: Incoming,
    *,
    loaded_by: str,
    scope: str | None = None,
    pause_before_commit: Path | None = None,
) -> FileResult:
    """Write one file in one transaction; `scope` overrides the default period scope."""
    scope = scope or incoming.scope
    loaded, quarantined = incoming.loaded.num_rows, incoming.quarantined.num_rows
    if loaded + quarantined != incoming.rows_read:  # the property every load must keep
        raise AssertionError(
            f"{incoming.file_name}: {incoming.rows_read} rows read but {loaded} loaded and "
            f"{quarantined} quarantined"
        )
    result = dict(
        file=incoming.file_name,
        source=incoming.source,
        scope=scope,
        rows_read=incoming.rows_read,
        synthetic=incoming.synthetic,
    )
    try:
        return _commit(warehouse, incoming, loaded_by, scope, result, pause_before_commit)
    except _RowsAlreadyHeld as held:
        if held.line is None:
            what = f"this file covers {scope}, which overlaps load {held.load_id} ({held.where})"
        else:
            what = (
                f"{held.rows} row(s) of this file repeat facts already held by load "
                f"{held.load_id} ({held.where}), e.g. line {held.line}"
            )
        message = (
            f"{what}; loading it would count rows twice. Send a file that covers exactly the "
            "same as that load (it will replace it), or one that does not overlap it"
        )
        return _refuse(warehouse, incoming, loaded_by, message, result)


class _RowsAlreadyHeld(Exception):
    """The file would count some facts twice; `where` names the load's file or scope."""

    def __init__(self, load_id: int, where: str, line: int | None, rows: int | None):
        self.load_id, self.where, self.line, self.rows = load_id, where, line, rows


def _refuse(warehouse, incoming: Incoming, loaded_by: str, message: str, result: dict):
    with warehouse.transaction() as tx:
        load_id = tx.next_load_id()
        _insert_refusal(tx, load_id, incoming.source, incoming.file_name, loaded_by, message)
    # a refused file loads nothing, as its `loads` row says
    return FileResult(
        **(result | {"rows_read": 0}), status="refused", load_id=load_id, message=message
    )


def _commit(warehouse, incoming: Incoming, loaded_by, scope, result, pause_before_commit):
    loaded, quarantined = incoming.loaded.num_rows, incoming.quarantined.num_rows
    with warehouse.transaction() as tx:
        load_id = tx.next_load_id()
        # A load is the file's bytes *under one key*: the same file read under a new key
        # (docs/keys.md, rotation) makes other tokens, so it is a new load that replaces the old.
        same = tx.execute(
            "SELECT load_id FROM loads WHERE source = ? AND content_sha256 = ? "
            "AND key_fingerprint IS NOT DISTINCT FROM ? "
            "AND status <> 'refused' AND superseded_by_load_id IS NULL",
            (incoming.source, incoming.sha256, incoming.key_fingerprint),
        )
        if same:
            return FileResult(
                **result,
                status="unchanged",
                load_id=same[0][0],
                message=f"already loaded as load {same[0][0]}; nothing changed",
            )
        clash = None if incoming.unique_key else _partial_overlap(tx, incoming, scope)
        if clash is not None:
            # Without a key to compare rows by, a file overlapping another in part is refused
            # whole: some of its rows are probably the other's.
            raise _RowsAlreadyHeld(clash[0], clash[1], None, None)
        current = tx.execute(
            "SELECT load_id FROM loads WHERE source = ? AND scope = ? "
            "AND status <> 'refused' AND superseded_by_load_id IS NULL",
            (incoming.source, scope),
        )
        replaced = current[0][0] if current else None
        if replaced is not None:
            tx.execute(f"DELETE FROM {incoming.table} WHERE load_id = ?", (replaced,))
            # Its quarantined rows go too: nothing shows a replaced load's quarantine, and they
            # may hold tokens under a key being rotated out (its `loads` row keeps the counts).
            tx.execute("DELETE FROM quarantine WHERE load_id = ?", (replaced,))
            tx.execute(
                "UPDATE loads SET superseded_by_load_id = ? WHERE load_id = ?", (load_id, replaced)
            )
        tx.execute(
            "INSERT INTO loads (load_id, source, scope, covers, period_start, period_end, "
            "file_name, content_sha256, loaded_by, loaded_at, rows_read, rows_loaded, "
            "rows_quarantined, status, replaces_load_id, synthetic, key_fingerprint) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                load_id,
                incoming.source,
                scope,
                incoming.covers,
                incoming.period_start,
                incoming.period_end,
                incoming.file_name,
                incoming.sha256,
                loaded_by,
                _now(),
                incoming.rows_read,
                loaded,
                quarantined,
                "replaced" if replaced is not None else "loaded",
                replaced,
                incoming.synthetic,
                incoming.key_fingerprint,
            ),
        )
        tx.insert(incoming.table, _with_load_id(incoming.loaded, load_id))
        _refuse_repeated_facts(tx, incoming, load_id)
        tx.insert(
            "quarantine",
            _with_load_id(incoming.quarantined, load_id)
            .append_column("source", pa.array([incoming.source] * quarantined, pa.string()))
            .append_column("file_name", pa.array([incoming.file_name] * quarantined, pa.string())),
        )
        if pause_before_commit is not None:
            # Fault injection for the crash-consistency test: everything is written, nothing
            # is committed; the test kills the process here.
            pause_before_commit.write_text(str(load_id))
            time.sleep(60)
    return FileResult(
        **result,
        status="replaced" if replaced is not None else "loaded",
        load_id=load_id,
        replaced_load_id=replaced,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
    )


def load_each(
    warehouse: Warehouse,
    source: str,
    files: Iterable[Path],
    load_one: Callable[[Path], FileResult],
    *,
    loaded_by: str,
    progress: Callable[[FileResult], None] = lambda result: None,
) -> list[FileResult]:
    """Load files one by one: `load_one` reads and commits a file, or raises FileRefused,
    which is recorded in `loads`. One result per file, in order; `progress` sees each."""
    results = []
    for path in files:
        try:
            result = load_one(path)
        except FileRefused as refused:
            result = record_refusal(
                warehouse, source, path.name, refused.reason, str(refused), loaded_by
            )
        progress(result)
        results.append(result)
    return results


def record_refusal(
    warehouse: Warehouse, source: str, file_name: str, reason: str, message: str, loaded_by: str
) -> FileResult:
    """A file that could not be read at all: recorded in `loads`, nothing else written.

    `reason` goes to the warehouse; `message` (which also names the file) goes to the user.
    """
    with warehouse.transaction() as tx:
        load_id = tx.next_load_id()
        _insert_refusal(tx, load_id, source, file_name, loaded_by, reason)
    return FileResult(
        file=file_name, source=source, status="refused", load_id=load_id, message=message
    )


def _insert_refusal(
    tx: Transaction, load_id: int, source: str, file_name: str, loaded_by: str, reason: str
) -> None:
    tx.execute(
        "INSERT INTO loads (load_id, source, file_name, loaded_by, loaded_at, rows_read, "
        "rows_loaded, rows_quarantined, status, message) "
        "VALUES (?, ?, ?, ?, ?, 0, 0, 0, 'refused', ?)",
        (load_id, source, file_name, loaded_by, _now(), reason),
    )


def _refuse_repeated_facts(tx: Transaction, incoming: Incoming, load_id: int) -> None:
    """Raise (so the transaction rolls back) when new rows repeat a current load's facts.

    The rows are already inserted, so the check is one self-join inside the warehouse, the
    same SQL on DuckDB and PostgreSQL; replaced loads were deleted just before.
    """
    if not incoming.unique_key or incoming.loaded.num_rows == 0:
        return
    same = " AND ".join(f"n.{c} = o.{c}" for c in incoming.unique_key)
    if incoming.period_columns is not None:
        start, end = incoming.period_columns
        same += f" AND n.{start} <= o.{end} AND n.{end} >= o.{start}"
    hit = tx.execute(
        f"SELECT o.load_id, min(n.line), count(DISTINCT n.line) FROM {incoming.table} n "
        f"JOIN {incoming.table} o ON {same} AND o.load_id <> n.load_id "
        "WHERE n.load_id = ? GROUP BY o.load_id ORDER BY o.load_id LIMIT 1",
        (load_id,),
    )
    if hit:
        other, line, rows = hit[0]
        name, held = tx.execute("SELECT file_name, scope FROM loads WHERE load_id = ?", (other,))[0]
        raise _RowsAlreadyHeld(int(other), f"{name}, {held}", int(line), int(rows))


def _partial_overlap(tx: Transaction, incoming: Incoming, scope: str) -> tuple | None:
    if incoming.period_start is None:
        return None
    clash = tx.execute(
        "SELECT load_id, scope FROM loads WHERE source = ? AND covers = ? AND scope <> ? "
        "AND status <> 'refused' AND superseded_by_load_id IS NULL "
        "AND period_start <= ? AND period_end >= ? ORDER BY load_id LIMIT 1",
        (incoming.source, incoming.covers, scope, incoming.period_end, incoming.period_start),
    )
    return clash[0] if clash else None


def _with_load_id(table: pa.Table, load_id: int) -> pa.Table:
    return table.add_column(0, "load_id", pa.array([load_id] * table.num_rows, pa.int64()))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
