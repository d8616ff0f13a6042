"""CSV rows as text with their file line, and the rows of the wrong width kept aside, not lost.

Shared by police.uk street files and partner feeds. Every field is parsed as text (an empty
field is null, a quoted empty one an empty string) so that each check can say what was wrong
with the value as it was sent. A row whose number of fields differs from the header's cannot be
split into fields reliably: it is set aside with its line and raw text and quarantined whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

__all__ = ["parse_text", "with_ragged"]


def parse_text(
    body: bytes, names: Sequence[str], *, newlines_in_values: bool = False
) -> tuple[pa.Table, pa.Table]:
    """The rows after the header: (rows with a `line` column first, ragged rows (line, text)).

    `body` is everything after the header line. One thread: Arrow knows the numbers of the rows
    it skips only then, and loaders parse several files at once anyway. `newlines_in_values`
    lets a quoted value span lines (partners' free text); Arrow then counts rows, not lines,
    so a line number after such a value is its row's number plus one.
    """
    bad: list[tuple[int | None, str]] = []

    def keep(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text))
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(body),  # zero-copy, and read without going back through Python
        read_options=pacsv.ReadOptions(column_names=list(names), use_threads=False),
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
    table = table.add_column(0, "line", _line_numbers(table.num_rows, bad))
    ragged = pa.table(
        {
            "line": pa.array([(n or 0) + 1 for n, _ in bad], pa.int64()),
            "text": pa.array([t for _, t in bad], pa.string()),
        }
    )
    return table, ragged


def _line_numbers(good_rows: int, bad: list[tuple[int | None, str]]) -> pa.Array:
    """The file line of each parsed row: the header is line 1, and skipped rows keep their line.

    Arrow numbers rows from 1 after the header it was told to skip (it is handed the body only),
    so a body row k sits on file line k + 1.
    """
    body_rows = np.arange(1, good_rows + len(bad) + 1, dtype=np.int64)
    if bad:
        skipped = np.array([n for n, _ in bad if n is not None], dtype=np.int64)
        body_rows = body_rows[~np.isin(body_rows, skipped)]
    return pa.array(body_rows[:good_rows] + 1)


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
