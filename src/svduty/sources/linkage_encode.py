"""`svduty encode`: a partner's file with names, dates of birth and postcodes turned into the
file a linked-records feed accepts, on the partner's own machine (docs/people.md).

The identifiers are read, handed to the encoder (privacy.linkage.LinkageKey.encode, passed in
so that this layer needs no key) and dropped: the output holds the feed's own columns and a
`Linkage encoding`. A column the feed does not know refuses the file before anything is
written, so what comes out is a file the feed takes. Messages name lines and columns, never a
value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from svduty.sources.errors import FileRefused
from svduty.sources.feed import Feed, _normal
from svduty.sources.rawfile import read_raw

# The identifier each encoded field is read from, by the headers accepted for it.
IDENTIFIER_HEADERS: dict[str, tuple[str, ...]] = {
    "given_name": ("given name", "first name", "forename", "forenames", "first names"),
    "family_name": ("family name", "surname", "last name"),
    "date_of_birth": ("date of birth", "dob", "birth date"),
    "postcode": ("postcode", "post code", "home postcode"),
}
ENCODING_HEADER = "Linkage encoding"


@dataclass(frozen=True)
class Encoded:
    rows: int
    encoded: int
    not_encoded_lines: tuple[int, ...]  # no name or no readable date of birth: left blank


def encode_file(
    path: Path,
    feed: Feed,
    out: Path,
    encode: Callable[[Sequence[Sequence[str | None]]], list[str]],
    encodable: Callable[[str | None, str | None, str | None], bool],
) -> Encoded:
    """Write `out`: the rows of `path` with the identifiers replaced by their encoding."""
    if not any(c.kind == "encoding" for c in feed.columns):
        raise FileRefused(
            path,
            f"the {feed.title} feed does not take linkage encodings; encode files for "
            "youth-justice-records, probation-records, education-records or "
            "childrens-social-care-records",
            code="wrong_feed",
        )
    raw = read_raw(path)
    text = (raw.header + "\n").encode() + raw.body
    reader = csv.reader(io.StringIO(text.decode("utf-8"), newline=""))
    header = next(reader)
    where: dict[str, int] = {}
    kept: list[tuple[int, str]] = []
    known = {_normal(c.header): c.header for c in feed.all_columns}
    for i, h in enumerate(header):
        n = _normal(h)
        field = next((f for f, names in IDENTIFIER_HEADERS.items() if n in names), None)
        if field is not None:
            where[field] = i
            continue
        if n == _normal(ENCODING_HEADER):
            raise FileRefused(path, "the file is already encoded (it has a Linkage encoding)",
                              code="wrong_header")  # fmt: skip
        if n not in known:
            raise FileRefused(
                path,
                f"column {h!r} is neither an identifier svduty encodes (Given name, Family "
                f"name, Date of birth, Postcode) nor a column of the {feed.title} feed "
                f"({', '.join(c.header for c in feed.columns if c.kind != 'encoding')}); remove "
                "it or rename it, and encode again",
                code="unknown_column",
            )
        kept.append((i, known[n]))
    if "date_of_birth" not in where or not {"given_name", "family_name"} & set(where):
        raise FileRefused(
            path,
            "the file needs a Date of birth column and a Given name or Family name column to "
            "encode (Postcode and Sex help; docs/people.md)",
            code="wrong_header",
        )
    sex_at = next((i for i, h in kept if _normal(h) == "sex"), None)
    rows, lines = [], []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            raise FileRefused(
                path,
                f"line {line} has {len(row)} fields and the header {len(header)}: a comma "
                "inside a value must be in double quotes. Correct it and encode again (nothing "
                "was written)",
                code="ragged_row",
            )
        rows.append(row)
        lines.append(line)

    def cell(row: list[str], field: str) -> str | None:
        i = where.get(field)
        return row[i] if i is not None and i < len(row) else None

    records, encoded_rows = [], []
    for row in rows:
        ok = encodable(
            cell(row, "given_name"), cell(row, "family_name"), cell(row, "date_of_birth")
        )
        encoded_rows.append(ok)
        if ok:
            records.append(
                (
                    cell(row, "given_name"),
                    cell(row, "family_name"),
                    cell(row, "date_of_birth"),
                    row[sex_at] if sex_at is not None and sex_at < len(row) else None,
                    cell(row, "postcode"),
                )
            )
    encodings = iter(encode(records))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([ENCODING_HEADER, *(h for _, h in kept)])
        for row, ok in zip(rows, encoded_rows, strict=True):
            writer.writerow(
                [next(encodings) if ok else "", *(row[i] if i < len(row) else "" for i, _ in kept)]
            )
    missing = tuple(line for line, ok in zip(lines, encoded_rows, strict=True) if not ok)
    return Encoded(rows=len(rows), encoded=len(rows) - len(missing), not_encoded_lines=missing)
