"""Random streams and file writing shared by the generators.

Every feed draws from its own stream (`stream(seed, name)`), so adding a column to one feed
does not change another feed's files. Files are written byte for byte the same for the same
seed: no timestamps, gzip with mtime 0, rows in a fixed order, values formatted explicitly.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from svduty.sources.feed import SYNTHETIC, Feed

PREFIX = "SYNTHETIC-"
GZIP_LEVEL = 1  # fast; the same bytes every run (mtime 0, no file name in the header)


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream for `name` under `seed` (stable across runs and Pythons:
    the name is mixed in through a CRC, not Python's salted hash)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


@dataclass(frozen=True)
class Written:
    feed: str
    path: Path
    rows: int
    sha256: str


def headers(feed: Feed) -> list[str]:
    """The file's header: every column of the feed's declaration, then `Synthetic`."""
    return [c.header for c in feed.columns] + [SYNTHETIC.header]


def _column_order(feed: Feed) -> list[str]:
    return [c.name for c in feed.columns] + [SYNTHETIC.name]


def write_table(
    feed: Feed, path: Path, columns: dict[str, pa.Array], *, compress: bool = False
) -> Written:
    """Write a large file fast: every value is text without commas, quotes or line breaks
    (the writer refuses any that has one). `columns` maps canonical names to string arrays;
    a feed column missing from it is written blank, and `Synthetic` is Y on every row."""
    n = len(next(iter(columns.values())))
    arrays = []
    for name in _column_order(feed):
        if name == SYNTHETIC.name:
            arrays.append(pa.array(np.full(n, "Y", dtype=object), pa.string()))
        else:
            arrays.append(columns.get(name, pa.nulls(n, pa.string())))
    table = pa.table(arrays, names=_column_order(feed))
    buf = io.BytesIO()
    buf.write((",".join(headers(feed)) + "\n").encode())
    pacsv.write_csv(
        table, buf, pacsv.WriteOptions(include_header=False, quoting_style="none", delimiter=",")
    )
    return _save(feed, path, buf.getvalue(), n, compress)


def write_rows(feed: Feed, path: Path, rows: Sequence[dict[str, object]]) -> Written:
    """Write a small file with the csv module (quotes where a value needs them)."""
    order = _column_order(feed)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers(feed))
    for row in rows:
        values = dict(row) | {SYNTHETIC.name: "Y"}
        writer.writerow(["" if values.get(name) is None else values[name] for name in order])
    return _save(feed, path, buf.getvalue().encode(), len(rows), False)


def _save(feed: Feed, path: Path, data: bytes, rows: int, compress: bool) -> Written:
    if not path.name.startswith(PREFIX):
        raise ValueError(f"synthetic file names start with {PREFIX}: {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    body = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0) if compress else data
    path.write_bytes(body)
    return Written(feed.source, path, rows, hashlib.sha256(body).hexdigest())


def ymd(days: np.ndarray) -> pa.Array:
    """Days since 1970-01-01 -> 'YYYY-MM-DD'."""
    return pc.cast(pa.array(np.asarray(days, dtype=np.int32), pa.date32()), pa.string())


def ymd_hm(minutes: np.ndarray) -> pa.Array:
    """Minutes since 1970-01-01 00:00 -> 'YYYY-MM-DD HH:MM'."""
    seconds = pa.array(np.asarray(minutes, dtype=np.int64) * 60, pa.timestamp("s"))
    return pc.utf8_slice_codeunits(pc.cast(seconds, pa.string()), 0, 16)


def integers(values: np.ndarray, blank: np.ndarray | None = None) -> pa.Array:
    """Whole numbers as text; positions where `blank` is True are left blank."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64), mask=blank), pa.string())


def flags(values: np.ndarray, unknown: np.ndarray | None = None) -> pa.Array:
    """Y or N; blank (not known) where `unknown` is True."""
    out = pc.if_else(pa.array(np.asarray(values, dtype=bool)), "Y", "N")
    if unknown is not None:
        out = pc.if_else(pa.array(unknown), pa.scalar(None, pa.string()), out)
    return out
