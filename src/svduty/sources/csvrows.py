"""CSV rows as text with their file line, and the rows of the wrong width kept aside, not lost.

Shared by police.uk street files and partner feeds. Every field is parsed as text (an empty
field is null, a quoted empty one an empty string) so that each check can say what was wrong
with the value as it was sent. A row whose number of fields differs from the header's cannot be
split into fields reliably: it is set aside with its line and raw text and quarantined whole.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from svduty.sources.errors import FileRefused

__all__ = ["MAX_ROW_BYTES", "parse_text", "with_ragged"]

# Arrow reads a CSV in blocks of this size and cannot read a row longer than one block. No row
# of a feed comes near it (a partner row is a few hundred characters, free text included).
MAX_ROW_BYTES = 1 << 20
# The csv module (which finds where records start when a value spans lines) refuses a field
# over 128 KB by default; Arrow's limit above is the one svduty keeps, with its own message.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def parse_text(
    body: bytes,
    names: Sequence[str],
    *,
    newlines_in_values: bool = False,
    path: Path | str = "the file",
    first_line: int = 2,
) -> tuple[pa.Table, pa.Table]:
    """The rows after the header: (rows with a `line` column first, ragged rows (line, text)).

    `body` is everything after the header line. One thread: Arrow knows the numbers of the rows
    it skips only then, and loaders parse several files at once anyway. `newlines_in_values`
    lets a quoted value span lines (partners' free text); Arrow then counts rows, not lines,
    so a line number after such a value is its row's number plus one. `first_line` is the
    file line of the body's first record (a later part of a file read in parts): it only moves
    the line a refusal names; the rows' own line numbers are the caller's to shift.
    """
    try:
        table, bad = _read(body, names, newlines_in_values, MAX_ROW_BYTES)
    except pa.ArrowInvalid as exc:
        # Arrow's words for a row longer than its block: "straddling object", or, when values
        # may not span lines and such a row holds a quoted line break, "out of sync with
        # chunker" (its chunker splits at that line break, its parser does not)
        if "straddl" not in str(exc) and "out of sync with chunker" not in str(exc):
            raise
        # Read again in one block (only on this path, so the memory is spent only on such a
        # file) to find the longest row and the line it starts on.
        table, bad = _read(body, names, newlines_in_values, len(body) + 1)
    good, ragged_lines = _line_numbers(body, table.num_rows, bad, newlines_in_values)
    # Arrow reads a long row at the end of a file without complaint: the limit is the same
    # wherever the row is.
    size, line = _longest_row(table, good, bad, ragged_lines)
    if size > MAX_ROW_BYTES:
        line += first_line - 2
        raise FileRefused(path, _too_long(size, line, newlines_in_values), code="row_too_long")
    table = table.add_column(0, "line", pa.array(good))
    ragged = pa.table(
        {
            "line": pa.array(ragged_lines, pa.int64()),
            "text": pa.array([t for _, t in bad], pa.string()),
        }
    )
    return table, ragged


def _read(
    body: bytes, names: Sequence[str], newlines_in_values: bool, block_size: int
) -> tuple[pa.Table, list[tuple[int | None, str]]]:
    bad: list[tuple[int | None, str]] = []

    def keep(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text))
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(body),  # zero-copy, and read without going back through Python
        read_options=pacsv.ReadOptions(
            column_names=list(names), use_threads=False, block_size=block_size
        ),
        parse_options=pacsv.ParseOptions(
            invalid_row_handler=keep, newlines_in_values=newlines_in_values
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return table, bad


def _longest_row(
    table: pa.Table, good: np.ndarray, bad: list[tuple[int | None, str]], ragged_lines: list[int]
) -> tuple[int, int]:
    """The size in bytes of the longest row (its fields together) and the line it is on."""
    sizes = [(0, 2)]
    if table.num_rows:
        lengths = np.zeros(table.num_rows, dtype=np.int64)
        for column in table.columns:
            lengths += pc.binary_length(column).fill_null(0).to_numpy(zero_copy_only=False)
        sizes.append((int(lengths.max()), int(good[lengths.argmax()])))
    sizes += [(len(text), line) for (_, text), line in zip(bad, ragged_lines, strict=True)]
    return max(sizes, key=lambda s: s[0])


def _too_long(size: int, line: int, newlines_in_values: bool) -> str:
    """What to tell the sender of a file with a row over MAX_ROW_BYTES: its line, and why."""
    quoted = (
        " A double quote that opens a value and is never closed makes the rest of the file "
        "one value: close it, or remove it."
        if newlines_in_values
        else ""
    )
    return (
        f"line {line} is {size / 2**20:.1f} MB long; svduty reads rows of "
        f"up to {MAX_ROW_BYTES // 2**20} MB, and a row of this feed is a few hundred "
        f"characters.{quoted} Correct the row and send the file again"
    )


def _line_numbers(
    body: bytes, good_rows: int, bad: list[tuple[int | None, str]], spans_lines: bool
) -> tuple[np.ndarray, list[int]]:
    """The file line on which each parsed row and each skipped row starts (the header is 1).

    Arrow numbers records, not lines (from 1, after the header it was not given), and it skips
    blank lines without counting them. So record k is on file line k + 1 only when there is no
    blank line and no quoted value spanning lines; otherwise the lines are counted here.
    """
    records = good_rows + len(bad)
    starts = _record_start_lines(body, records, spans_lines)
    if starts is None or len(starts) != records:
        # The plain case, and the fallback should Python's reading of the records ever
        # disagree with Arrow's (then a line may be off, but no row is lost).
        starts = np.arange(2, records + 2, dtype=np.int64)
    skipped = [n - 1 for n, _ in bad if n is not None and 0 < n <= records]
    keep = np.ones(records, dtype=bool)
    keep[skipped] = False
    ragged_lines = [int(starts[n - 1]) if n and 0 < n <= records else 1 for n, _ in bad]
    return starts[keep][:good_rows], ragged_lines


def _record_start_lines(body: bytes, records: int, spans_lines: bool) -> np.ndarray | None:
    """Each non-blank record's first line, or None when record k is simply on line k + 1."""
    # One line feed per record (the last may have none) means no blank line and no value over
    # two lines: each adds a line feed and nothing takes one away. Counting them is a single
    # fast pass; the usual file stops here without copying its body.
    unterminated = 0 if body.endswith(b"\n") else 1
    if body.count(b"\n") == records - unterminated:
        return None
    may_span = spans_lines and b'"' in body
    if not may_span:
        lines = re.split(rb"\r\n|\r|\n", body)
        return np.array([i + 2 for i, line in enumerate(lines) if line], dtype=np.int64)
    # A quoted value may hold line breaks: let the csv module find where each record starts
    # (its line_num counts the physical lines read so far).
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    starts, read = [], 0
    for record in reader:
        if record:  # Arrow skips blank lines
            starts.append(read + 2)
        read = reader.line_num
    return np.array(starts, dtype=np.int64)


def with_ragged(quarantined: pa.Table, ragged: pa.Table, reason: Callable[[str], str]) -> pa.Table:
    """The quarantine rows (line, field, reason_code, reason, row_json) plus one per ragged row,
    in line order; `reason` says, from the row's text, what is wrong and how to fix it."""
    if ragged.num_rows == 0:
        return quarantined
    n = ragged.num_rows
    texts = ragged.column("text").to_pylist()
    extra = pa.table(
        {
            "line": ragged.column("line"),
            "field": pa.array(["(row)"] * n, pa.string()),
            "reason_code": pa.array(["wrong_field_count"] * n, pa.string()),
            "reason": pa.array([reason(t) for t in texts], pa.string()),
            "row_json": pa.array([json.dumps({"text": t}) for t in texts], pa.string()),
        }
    )
    return pa.concat_tables([quarantined.select(extra.column_names), extra]).sort_by("line")
