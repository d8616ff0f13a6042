"""Loading police.uk street files: one transaction per file, idempotent, replacing republished
months, and reconciling rows read with rows loaded plus rows quarantined.

Files stream through read -> validate -> commit: worker threads read and validate the next
files while the calling thread commits the current one, in the order the files were given, and
only a few files are held in memory at once.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from datetime import date, timedelta
from itertools import chain
from pathlib import Path

from svduty import reference
from svduty.sources import police_uk
from svduty.sources.errors import FileRefused
from svduty.warehouse import loads
from svduty.warehouse.connection import Warehouse
from svduty.warehouse.loads import FileResult, Incoming

__all__ = ["FileResult", "expand_paths", "ingest_police_uk", "police_forces"]

Prepared = tuple[police_uk.StreetFile, police_uk.Validated]

# Reading, hashing, parsing and validating release the GIL (zlib, hashlib, Arrow and DuckDB all
# do), as does DuckDB's commit: two workers and the committing thread keep two cores busy.
WORKERS = 2
# Files are read and validated in batches of a few: one validation query per batch costs less
# than one per file (planning it costs about as much as checking a small file).
BATCH = 3
# Batches read ahead of the one being committed: enough to keep the workers busy, few enough to
# bound memory (a month of a large force is tens of MB once parsed).
READ_AHEAD = 2


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
    validators: list[police_uk.Validator] = []
    local = threading.local()
    lock = threading.Lock()

    def prepare(batch: list[Path]) -> list[Prepared | FileRefused]:
        read: list[police_uk.StreetFile | FileRefused] = []
        for path in batch:
            try:
                read.append(police_uk.read_street_file(path, forces))
            except FileRefused as refused:
                read.append(refused)
        validator = getattr(local, "validator", None)
        if validator is None:  # one per worker thread: a DuckDB connection is not shared
            validator = local.validator = police_uk.Validator(forces)
            with lock:
                validators.append(validator)
        good = [f for f in read if isinstance(f, police_uk.StreetFile)]
        checked = iter(validator.validate(good))
        return [f if isinstance(f, FileRefused) else (f, next(checked)) for f in read]

    results = []
    try:
        batches = [files[i : i + BATCH] for i in range(0, len(files), BATCH)]
        with (
            warehouse.bulk_load(),
            ThreadPoolExecutor(max_workers=WORKERS) as pool,
            closing(_in_order(pool, prepare, batches, READ_AHEAD)) as prepared,
        ):
            for item in chain.from_iterable(prepared):
                if isinstance(item, FileRefused):
                    result = loads.record_refusal(
                        warehouse,
                        police_uk.SOURCE,
                        item.path.name,
                        item.reason,
                        str(item),
                        loaded_by,
                    )
                else:
                    street, checked = item
                    result = _commit(warehouse, street, checked, loaded_by, pause_before_commit)
                progress(result)
                results.append(result)
    finally:
        for validator in validators:
            validator.close()
    return results


def _in_order(pool: ThreadPoolExecutor, fn: Callable, items: list, ahead: int) -> Iterator:
    """fn(item) for each item, in order, with at most `ahead` results computed but not taken."""
    pending: deque[Future] = deque()
    queue = iter(items)
    try:
        for item in queue:
            pending.append(pool.submit(fn, item))
            if len(pending) >= ahead:
                break
        while pending:
            result = pending.popleft().result()
            for item in queue:
                pending.append(pool.submit(fn, item))
                break
            yield result
    finally:
        for future in pending:  # the caller stopped early (an error): drop the read-ahead
            future.cancel()


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
