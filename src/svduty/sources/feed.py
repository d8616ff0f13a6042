"""A partner feed as data: its columns, their kinds, and the checks every row must pass.

Each feed module (police_crime, ed_assaults, hospital_admissions, ...) declares a `Feed`; this
module reads a file against it and splits the rows into canonical rows and quarantined rows,
the same way for every feed:

1. the bytes are read as for any CSV (rawfile: gzip, BOM, UTF-8, spreadsheets refused);
2. the header is matched to the feed's columns by name, in any order and any case. A column
   that names a personal identifier (NHS number, name, date of birth, postcode, address, ...)
   refuses the file whole, as does a column the feed does not know: an unknown column might
   carry identifiers, and svduty refuses rather than cleans;
3. identifier columns the feed does know (a crime reference, a person reference) are replaced
   by keyed tokens before anything else happens, so no later step (validation, quarantine,
   messages) ever holds the raw value;
4. free text is scanned for NHS numbers and full postcodes; one found refuses the file (a feed
   of the public's own words, `Feed.screened`, holds back the response instead: sources.screen);
5. every row is parsed and checked in one DuckDB query; the first failing check of a row
   quarantines it with the line, the field and a reason a person can act on.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from svduty import reference
from svduty.sources import csvrows, screen
from svduty.sources.errors import FileRefused
from svduty.sources.rawfile import read_raw

# Column kinds, their warehouse type, and what a person is told a good value looks like.
KINDS: dict[str, tuple[str, str]] = {
    "identifier": ("TEXT", "any reference; replaced by a keyed token before it is stored"),
    "text": ("TEXT", "free text (no names, addresses, postcodes or NHS numbers)"),
    "code": ("TEXT", "one of the listed codes"),
    "int": ("BIGINT", "a whole number"),
    "count": ("BIGINT", "a whole number of 0 or more, or * where the sender suppressed it"),
    "age": ("INTEGER", "age in whole years, 0 to 120"),
    "date": ("DATE", "a date, YYYY-MM-DD (DD/MM/YYYY is accepted)"),
    "datetime": ("TIMESTAMP", "a date and time, YYYY-MM-DD HH:MM (or DD/MM/YYYY HH:MM)"),
    "flag": ("BOOLEAN", "Y or N (yes/no, true/false, 1/0); blank when not known"),
    "decimal": ("DOUBLE PRECISION", "a decimal number"),
    "lsoa": ("TEXT", "an ONS LSOA code, 2011 or 2021 (e.g. E01014399)"),
    "area": (
        "TEXT",
        "an ONS area code: LSOA, ward, local authority (current or former), community "
        "safety partnership, police force area, region or country",
    ),
    "age_band": ("TEXT", "an age band such as 10-17, 18-24, 65+ or All ages"),
    "sex": ("TEXT", "Male, Female, Other, Not known or Persons (M/F/U accepted)"),
    "encoding": ("TEXT", "a linkage encoding made by `svduty encode` (172 base64 characters)"),
}
# A linkage encoding (privacy.linkage.ENCODING_PATTERN): 1024 bits in base64. It is checked for
# its form, never scanned for identifiers (base64 can spell a postcode by chance) nor repeated.
ENCODING_PATTERN = r"[A-Za-z0-9+/]{171}="

# What may be repeated back of a value (in a quarantine reason, the quarantine's row_json, an
# upload's report, a page) is decided by its column's kind, here and nowhere else. A value
# that failed its column's checks may be anything (a postcode in a date column, an NHS number
# in a code column), so it is withheld; a value that passed them is from a closed set (a code
# from the list, a date, a flag, a known area) or a number in range, and cannot identify
# anyone. Free text is never repeated; identifiers are keyed tokens by then (shown_sql).
WITHHELD = "(withheld)"
NEVER_SHOWN_KINDS = frozenset({"text", "encoding"})
TOKEN_KINDS = frozenset({"identifier"})
# A number is shown only with fewer digits than this: an NHS number has 10, a phone number 11.
SHOWN_DIGITS_BELOW = 10

SUPPRESSED_MARKERS = ("*", "c", "[c]", "~", "[x]")
_DATE_FORMATS = "['%Y-%m-%d', '%d/%m/%Y']"
# A date alone is accepted where a date and time is asked for: many extracts have no time.
_DATETIME_FORMATS = (
    "['%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M', '%Y-%m-%dT%H:%M:%S', "
    "'%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%Y-%m-%d', '%d/%m/%Y']"
)
_SEX = {
    "male": "Male",
    "m": "Male",
    "1": "Male",
    "female": "Female",
    "f": "Female",
    "2": "Female",
    "other": "Other",
    "not known": "Not known",
    "unknown": "Not known",
    "u": "Not known",
    "9": "Not known",
    "0": "Not known",
    "persons": "Persons",
    "all": "Persons",
}

# Headers that name a personal identifier. A file with one is refused whatever the feed:
# svduty never receives these, so they can never leak from it.
_IDENTIFIER_HEADERS: tuple[tuple[str, str], ...] = (
    (r"nhs\s*(number|no)|nhsno", "an NHS number"),
    (r"(first|last|given|family|sur|fore|full|patient|victim|suspect|person)?\s*names?", "a name"),
    (r"date\s*of\s*birth|dob|birth\s*date", "a date of birth"),
    (r"(home\s*|full\s*)?post\s*code", "a postcode"),
    (r"(home\s*)?address(\s*line\s*\d)?", "an address"),
    (r"(hospital|patient|unit)\s*(number|no|id)|mrn", "a hospital or patient number"),
    (r"e-?mail(\s*address)?|(tele)?phone(\s*number)?|mobile", "contact details"),
    (r"national\s*insurance(\s*number)?|ni\s*number|pnc\s*(id|number)?", "a personal number"),
)
_POSTCODE = screen.POSTCODE
_NHS_CANDIDATE = screen.NHS_CANDIDATE
nhs_number_valid = screen.nhs_number_valid
# In a decimal column, ten digits after a decimal point are a fraction, not an NHS number.
_NHS_IN_DECIMAL = re.compile(r"(?<![\d.])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")
# Arrow's regex engine (RE2) has no look-around: it picks the candidate values, and
# _NHS_CANDIDATE (with the check digit) decides.
_NHS_PREFILTER = r"\d{3}[ -]?\d{3}[ -]?\d{4}"


@dataclass(frozen=True)
class Column:
    """One column of a feed's file and the canonical column it becomes."""

    header: str
    name: str
    kind: str
    meaning: str
    required: bool = False
    codes: Mapping[str, str] | None = None  # kind "code": accepted spelling -> canonical code
    low: float | None = None
    high: float | None = None
    example: str = ""

    @property
    def sql_type(self) -> str:
        return KINDS[self.kind][0]


@dataclass(frozen=True)
class Check:
    """A check across fields, in SQL over the parsed columns (canonical names)."""

    field: str
    code: str
    bad: str  # true when the row fails
    # SQL string expression. It names a value as shown_<column> (the value, or WITHHELD when
    # its column's kind does not make it safe to repeat; see shown_sql), never as raw_<column>.
    message: str

    def __post_init__(self) -> None:
        if "raw_" in self.message:
            raise ValueError(
                f"check {self.code}: its message repeats a raw value; use shown_<column>, which "
                "withholds a value that is not safe to show"
            )


@dataclass(frozen=True)
class Derived:
    """A canonical column computed from parsed ones (e.g. today's code for a legacy one)."""

    name: str
    sql_type: str
    meaning: str
    sql: str


@dataclass(frozen=True)
class Feed:
    source: str  # e.g. "police-crime"; also the CLI name
    table: str  # canonical warehouse table
    title: str
    description: str
    columns: tuple[Column, ...]
    period: tuple[str, str]  # canonical columns whose min and max give the period covered
    covers: str  # SQL aggregate over loaded rows: whose data this is within the source
    checks: tuple[Check, ...] = ()
    derived: tuple[Derived, ...] = ()
    health: bool = False  # health or social care: aggregate or anonymised only
    notes: tuple[str, ...] = field(default=())
    # What the canonical table holds, when feeds share it (docs/warehouse.md); `description`
    # is about this feed's file. Empty: the table is this feed's alone and `description` serves.
    table_description: str = ""
    # The columns that say two rows are the same fact (e.g. the crime reference; or feed,
    # measure, area, age band and sex). A load whose rows repeat a fact already held by another
    # current load is refused, so nothing is counted twice. `overlap_by_period`: the facts
    # must also overlap in `period` to be the same (aggregates and ED returns); not for a
    # crime reference, which is one crime whatever the dates.
    unique_key: tuple[str, ...] = ()
    overlap_by_period: bool = True
    # The same inside one file: a file whose rows repeat a fact is refused too (file_key, with
    # the same period rule). None: unique_key. An ED return's rows share their site, which is
    # unique_key across loads, but each is an attendance of its own: () (no row repeats).
    file_key: tuple[str, ...] | None = None
    # The public's own words (survey answers): free text is screened row by row for names,
    # phone numbers, emails, postcodes and NHS numbers (sources.screen), and a row that holds
    # one is held back (quarantined, its text dropped at once) instead of the file refused.
    screened: bool = False

    @property
    def repeat_key(self) -> tuple[str, ...]:
        """The columns that say two rows of one file are the same fact."""
        return self.unique_key if self.file_key is None else self.file_key

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return (*self.columns, SYNTHETIC)

    def canonical(self) -> list[tuple[str, str, str]]:
        """The canonical table's columns (name, SQL type, meaning), load_id first."""
        cols = [
            ("load_id", "BIGINT NOT NULL", "The load the row came in with (see `loads`)."),
            ("line", "BIGINT NOT NULL", "Line in the source file; the header is line 1."),
        ]
        for c in self.all_columns:
            kind = "TEXT" if c.kind == "identifier" else c.sql_type
            meaning = c.meaning
            if c.kind == "identifier":
                meaning += " Stored as a keyed token (HMAC-SHA256), never as sent."
            # A required count may still be null: the sender suppressed it (`suppressed`).
            not_null = c.required and c.kind != "count"
            cols.append((c.name, kind + (" NOT NULL" if not_null else ""), meaning))
            if c.kind == "count":
                cols.append(
                    ("suppressed", "BOOLEAN NOT NULL", "True when the sender suppressed the count.")
                )
        cols += [(d.name, d.sql_type, d.meaning) for d in self.derived]
        return cols

    def canonical_names(self) -> list[str]:
        return [name for name, _, _ in self.canonical()[1:]]  # without load_id


SYNTHETIC = Column(
    "Synthetic",
    "synthetic",
    "flag",
    "Y on every row of a synthetic file (made by `svduty synth`); absent or N for real data.",
)


@dataclass(frozen=True)
class FeedFile:
    """A file read against its feed: identity, and raw rows with identifiers already tokenised."""

    path: Path
    sha256: str
    rows: pa.Table  # `line` plus one text column per feed column present (canonical names)
    ragged: pa.Table  # line, text: rows with the wrong number of fields (text tokenised)
    present: tuple[str, ...]  # canonical names of the columns the file has
    # Feed.screened: line, field (canonical name), reason of each free text held back. The
    # row stays in `rows` with that text replaced by WITHHELD; validate quarantines it.
    held: pa.Table | None = None

    @property
    def rows_read(self) -> int:
        return self.rows.num_rows + self.ragged.num_rows


@dataclass(frozen=True)
class Validated:
    loaded: pa.Table
    quarantined: pa.Table  # line, field, reason_code, reason, row_json
    period_start: date | None
    period_end: date | None
    covers: str
    synthetic: bool


def read(path: Path, feed: Feed, tokenise) -> FeedFile:
    """Read one file against `feed`; raise FileRefused if it cannot be taken at all.

    `tokenise` maps an identifier to its token (privacy.pseudonymise.Pseudonymiser.token).
    """
    raw = read_raw(path)
    names = header_names(path, feed, raw.header)
    if not raw.body.strip():
        raise FileRefused(path, "the file has a header but no rows", code="header_only")
    return read_body(path, feed, tokenise, raw.sha256, raw.body, names)


def header_names(path: Path, feed: Feed, header: str) -> list[str]:
    """The canonical names of the header's columns; FileRefused for a header the feed refuses."""
    headers = _header_cells(path, header)
    by_header = _match_header(path, feed, headers)
    return [by_header[h].name for h in headers]


def read_body(
    path: Path, feed: Feed, tokenise, sha256: str, body: bytes, names: list[str], first_line=2
) -> FeedFile:
    """Rows of `body` (whole records, after the header) read as :func:`read` reads a file's:
    the first record is on file line `first_line` (a later part of a file read in parts,
    sources.feedstream)."""
    rows, ragged = csvrows.parse_text(
        body, names, newlines_in_values=True, path=path, first_line=first_line
    )
    if first_line != 2:
        shift = first_line - 2
        rows = rows.set_column(0, "line", pc.add(rows.column("line"), shift))
        ragged = ragged.set_column(0, "line", pc.add(ragged.column("line"), shift))
    identifiers = [c.name for c in feed.columns if c.kind == "identifier" and c.name in names]
    for name in identifiers:
        tokens = pa.array([tokenise(v) for v in rows.column(name).to_pylist()], pa.string())
        rows = rows.set_column(rows.schema.get_field_index(name), name, tokens)
    held = None
    if feed.screened:
        rows, held = _hold_back(feed, rows)
    # A ragged row cannot be split into fields, so none of its values can be checked: its text
    # is scanned for identifiers (unless it holds references, which a scan would misread) and
    # then withheld, never kept.
    _refuse_identifiers_in_text(path, feed, rows, None if identifiers else ragged)
    if ragged.num_rows:
        ragged = ragged.set_column(1, "text", pa.array([WITHHELD] * ragged.num_rows, pa.string()))
    return FeedFile(path, sha256, rows, ragged, tuple(names), held)


def _hold_back(feed: Feed, rows: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Screen each free text value (sources.screen); one that holds an identifier is replaced
    by WITHHELD here, before anything else sees it, and listed to be quarantined with the kinds
    found (never the value). Text that passes is kept, and is no longer scanned for refusal."""
    lines, fields, reasons = [], [], []
    line_values = rows.column("line").to_pylist()
    for c in feed.columns:
        if c.kind not in NEVER_SHOWN_KINDS or c.name not in rows.column_names:
            continue
        values = rows.column(c.name).to_pylist()
        for i, text in enumerate(values):
            kinds = screen.find(text)
            if not kinds:
                continue
            values[i] = WITHHELD
            lines.append(line_values[i])
            fields.append(c.name)
            reasons.append(
                f"{c.header} holds {screen.described(kinds)}; the response is held back until "
                "a person redacts it (the text is not stored): remove the identifying words in "
                "the source and send this response again"
            )
        rows = rows.set_column(rows.schema.get_field_index(c.name), c.name, pa.array(values))
    held = pa.table(
        {
            "line": pa.array(lines, pa.int64()),
            "field": pa.array(fields, pa.string()),
            "reason": pa.array(reasons, pa.string()),
        }
    )
    return rows, held


def _header_cells(path: Path, header: str) -> list[str]:
    """The column names of line 1; refused if they hold what looks like a personal identifier
    (a file sent without its header has data on line 1), without repeating them."""
    try:
        cells = next(csv.reader(io.StringIO(header, newline="")), [])
    except csv.Error as exc:
        raise FileRefused(
            path,
            f"line 1, the header, cannot be read as CSV ({exc}); save the file again as "
            "'CSV UTF-8 (Comma delimited)'",
            code="wrong_header",
        ) from None
    for cell in cells:
        what = _identifier_in(cell, _NHS_CANDIDATE)
        if what:
            raise FileRefused(
                path,
                f"line 1 holds what looks like {what}, where the column names should be: is "
                "the header missing? Put the column names on line 1 and send the file again "
                "(the value is not repeated here: svduty never stores or shows identifiers)",
                code="identifier_in_text",
            )
    return cells


def _identifier_in(text: str, nhs: re.Pattern) -> str | None:
    """What personal identifier `text` looks like it holds, if any."""
    if _POSTCODE.search(text):
        return "a full postcode"
    if any(nhs_number_valid("".join(m.groups())) for m in nhs.finditer(text)):
        return "an NHS number"
    return None


def _short(header: str) -> str:
    """A header as repeated in a message: long ones cut (it may be a row of data)."""
    return repr(header if len(header) <= 60 else header[:57] + "...")


def _normal(header: str) -> str:
    return " ".join(re.sub(r"[_\-./]+", " ", header).split()).lower()


def _match_header(path: Path, feed: Feed, headers: list[str]) -> dict[str, Column]:
    known = {_normal(c.header): c for c in feed.all_columns}
    for h in headers:
        for pattern, what in _IDENTIFIER_HEADERS:
            if _normal(h) not in known and re.fullmatch(pattern, _normal(h)):
                raise FileRefused(
                    path,
                    f"column {_short(h)} looks like {what}. svduty does not take personal "
                    "identifiers in this feed"
                    + (
                        " (health and social care data must arrive anonymised or aggregated; "
                        "s16 of the 2022 Act does not cover it)"
                        if feed.health
                        else ""
                    )
                    + (
                        ": run `svduty encode "
                        + feed.source
                        + " FILE --linkage-key KEYFILE --out OUT` first, which turns names, "
                        "dates of birth and postcodes into linkage encodings and drops them, "
                        "and send its output"
                        if any(c.kind == "encoding" for c in feed.columns)
                        else ": remove the column and send the file again"
                    )
                    + ". svduty refuses such a file "
                    "rather than cleaning it, so the identifiers are never stored",
                    code="identifier_column",
                )
    unknown = [h for h in headers if _normal(h) not in known]
    if unknown:
        listed = ", ".join(_short(h) for h in unknown[:10])
        if len(unknown) > 10:
            listed += f" and {len(unknown) - 10} more"
        raise FileRefused(
            path,
            f"column(s) {listed} are not part of the {feed.title} "
            f"feed; svduty refuses columns it does not know because they might carry "
            f"identifiers. The feed's columns are: {', '.join(c.header for c in feed.columns)} "
            f"(docs/feeds/{feed.source}.md)",
            code="unknown_column",
        )
    seen = [_normal(h) for h in headers]
    doubled = sorted({h for h in seen if seen.count(h) > 1})
    if doubled:
        raise FileRefused(
            path, f"column(s) {', '.join(doubled)} appear twice in the header", code="wrong_header"
        )
    missing = [c.header for c in feed.columns if c.required and _normal(c.header) not in seen]
    if missing:
        raise FileRefused(
            path,
            f"required column(s) missing: {', '.join(missing)}. Is this a {feed.title} file? "
            f"See docs/feeds/{feed.source}.md for the columns",
            code="wrong_header",
        )
    return {h: known[_normal(h)] for h in headers}


def _refuse_identifiers_in_text(
    path: Path, feed: Feed, rows: pa.Table, ragged: pa.Table | None = None
) -> None:
    """Refuse the file if any value holds what looks like a full postcode or an NHS number.

    Every column is scanned, not only free text: a postcode typed into a date or an LSOA
    column, or an NHS number into a code column, is as much an identifier. Identifier columns
    are tokens by now and are not scanned.
    """
    scanned = [
        (c, rows.column(c.name), rows.column("line"))
        for c in feed.all_columns
        if c.kind not in TOKEN_KINDS
        and c.kind != "encoding"
        and c.name in rows.column_names
        # screened free text was held back row by row already (_hold_back)
        and not (feed.screened and c.kind in NEVER_SHOWN_KINDS)
    ]
    if ragged is not None and ragged.num_rows:
        scanned.append((None, ragged.column("text"), ragged.column("line")))
    for column, values, lines in scanned:
        nhs = _NHS_IN_DECIMAL if column is not None and column.kind == "decimal" else _NHS_CANDIDATE
        hits = pc.or_(
            pc.match_substring_regex(values, _POSTCODE.pattern, ignore_case=True),
            pc.match_substring_regex(values, _NHS_PREFILTER),
        )
        for i in np.flatnonzero(hits.fill_null(False).to_numpy(zero_copy_only=False)):
            what = _identifier_in(values[int(i)].as_py(), nhs)
            if what is None:
                continue  # ten digits without a valid NHS check digit
            raise FileRefused(
                path,
                f"line {lines[int(i)].as_py()}, {_where(column)} holds what looks like {what}. "
                + _identifier_advice(column)
                + ": the sender must remove it and send the file again (svduty refuses rather "
                "than cleans, so it is never stored; the value is not repeated here for the "
                "same reason)",
                code="identifier_in_text",
            )


def _where(column: Column | None) -> str:
    return "the row" if column is None else f"column '{column.header}'"


def _identifier_advice(column: Column | None) -> str:
    if column is None or column.kind in NEVER_SHOWN_KINDS:
        return "Free text must not identify anyone"
    return f"The column should hold {KINDS[column.kind][1]}, and no value may identify anyone"


@functools.cache
def known_areas() -> pa.Table:
    """Every ONS area code the reference data knows, for checking `lsoa` and `area` columns."""
    lsoa = reference.build("ref_lsoa")
    la = reference.build("ref_local_authority")
    codes = {"K04000001", "E92000001", "W92000004"}
    for table, names in (
        (lsoa, ("ward19_code", "lad_code", "la_code", "csp_code", "pfa_code")),
        (la, ("la_code", "csp_code", "pfa_code", "region_code")),
        (reference.build("ref_la_history"), ("lad_code",)),
    ):
        for n in names:
            codes.update(v for v in table.column(n).to_pylist() if v)
    lsoas = set(lsoa.column("lsoa_code").to_pylist())
    return pa.table(
        {
            "code": sorted(codes | lsoas),
            "is_lsoa": [c in lsoas for c in sorted(codes | lsoas)],
        }
    )


_local = threading.local()


def _validator() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB for validation, with the reference codes registered once:
    a new connection per file costs more than checking a month of rows."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # stdout may be a --json document
        con.register("known_areas", known_areas())
        _local.con = con
    return con


def validate(feed: Feed, f: FeedFile) -> Validated:
    """Parse and check every row in one query; quarantine the first failure of each row."""
    present = set(f.present)
    parts, checks = [], []
    for c in feed.all_columns:
        raw = f'"{c.name}"' if c.name in present else "NULL::VARCHAR"
        parts.append(f"nullif(trim({raw}), '') AS raw_{c.name}")
    parsed, extra = [], []
    for c in feed.all_columns:
        p, cks = _column_sql(c)
        parsed.append(f"{p} AS {c.name}")
        extra.append(f"{shown_sql(c)} AS shown_{c.name}")
        checks += cks
        if c.kind == "count":
            extra.append(f"coalesce(lower(raw_{c.name}) IN {_markers()}, false) AS suppressed")
    checks += [(k.field, k.code, k.bad, k.message) for k in feed.checks]
    if feed.screened:
        # Held back text comes first: whatever else is wrong with the row, a person must see it.
        checks[:0] = [
            (
                c.header,
                "identifier_in_text",
                f"line IN (SELECT line FROM held_rows WHERE field = {_q(c.name)})",
                f"(SELECT any_value(h.reason) FROM held_rows h WHERE h.line = p.line "
                f"AND h.field = {_q(c.name)})",
            )
            for c in feed.columns
            if c.kind in NEVER_SHOWN_KINDS
        ]
    derived = [f"{d.sql} AS {d.name}" for d in feed.derived]
    problem = "CASE " + " ".join(f"WHEN {b} THEN {i}" for i, (_, _, b, _) in enumerate(checks))
    problem += " END" if checks else "NULL END"
    con = _validator()
    try:
        con.register("raw_rows", f.rows)
        if feed.screened:
            con.register("held_rows", f.held if f.held is not None else _NO_HELD)
        base = f"""
            WITH r AS (SELECT line, {", ".join(parts)} FROM raw_rows),
            p AS (SELECT *, {", ".join(parsed + extra)} FROM r)
        """
        cols = ["line", *[c.name for c in feed.columns], "coalesce(synthetic, false) AS synthetic"]
        cols += ["suppressed"] if any(c.kind == "count" for c in feed.columns) else []
        checked = con.sql(
            f"{base} SELECT {', '.join(cols + derived)}, {problem} AS problem FROM p"
        ).to_arrow_table()
        failing = pc.is_valid(checked.column("problem"))
        loaded = checked.filter(pc.invert(failing)).drop_columns(["problem"])
        quarantined = _reasons(con, base, feed, checks, checked.filter(failing))
        con.register("loaded_rows", loaded)
        start, end = feed.period
        summary = con.sql(
            f"SELECT min({start}), max({end}), {feed.covers}, coalesce(bool_or(synthetic), false)"
            " FROM loaded_rows"
        ).fetchone()
        _refuse_repeated_rows(con, feed, f.path)
    finally:
        for name in ("raw_rows", "failing", "loaded_rows", "held_rows"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
    width = len(f.present)
    quarantined = csvrows.with_ragged(
        quarantined,
        f.ragged,
        # The text may be withheld (identifiers), so the reason cannot count its fields.
        lambda _text: (
            f"the row does not have the header's {width} fields; a comma inside a "
            "value must be in double quotes"
        ),
    )
    return Validated(
        loaded=loaded.select(feed.canonical_names()),
        quarantined=quarantined,
        period_start=_as_date(summary[0]),
        period_end=_as_date(summary[1]),
        covers=summary[2] or "nothing",
        synthetic=bool(summary[3]),
    )


def _refuse_repeated_rows(con: duckdb.DuckDBPyConnection, feed: Feed, path: Path) -> None:
    """Refuse a file two of whose rows that would load are the same fact (Feed.repeat_key):
    loading both would count it twice, as loading it again from another file would."""
    key = feed.repeat_key
    if not key:
        return
    same = " AND ".join(f"a.{k} = b.{k}" for k in key)
    if feed.overlap_by_period:
        start, end = feed.period
        same += f" AND a.{start} <= b.{end} AND a.{end} >= b.{start}"
    hit = con.sql(
        f"SELECT b.line, min(a.line), count(*) OVER () FROM loaded_rows a JOIN loaded_rows b "
        f"ON {same} AND a.line < b.line GROUP BY b.line ORDER BY b.line LIMIT 1"
    ).fetchone()
    if hit is None:
        return
    line, first, repeats = hit
    headers = {c.name: c.header for c in feed.columns}
    headers |= {c.name.removesuffix("_as_sent"): c.header for c in feed.columns}
    what = ", ".join(headers[k] for k in key if k in headers)
    if feed.overlap_by_period:
        what += " and an overlapping period"
    raise FileRefused(
        path,
        f"line {line} repeats line {first} (the same {what}), and {repeats} row(s) in all "
        "repeat an earlier one; loading the file would count them twice. Remove the repeated "
        "rows (or, if they are different, correct them) and send the file again",
        code="repeated_fact",
    )


def _as_date(value) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") else value


def _markers() -> str:
    return "(" + ", ".join(f"'{m}'" for m in SUPPRESSED_MARKERS) + ")"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def shown_sql(c: Column) -> str:
    """SQL for the value of column `c` as it may be repeated back (see WITHHELD): a token as it
    is; free text never; a code, date, flag, sex or age band only when it is one (parsed); a
    number only when it is one of fewer than ten digits; an area code only in the ONS form."""
    raw = f"raw_{c.name}"
    if c.kind in TOKEN_KINDS:
        return raw
    if c.kind in NEVER_SHOWN_KINDS:
        return f"CASE WHEN {raw} IS NOT NULL THEN {_q(WITHHELD)} END"
    if c.kind in ("int", "count", "age", "decimal"):
        number = (
            f"TRY_CAST({raw} AS DOUBLE) IS NOT NULL "
            f"AND length(regexp_replace({raw}, '[^0-9]', '', 'g')) < {SHOWN_DIGITS_BELOW}"
        )
        safe = f"({number} OR lower({raw}) IN {_markers()})" if c.kind == "count" else number
    elif c.kind in ("lsoa", "area"):
        safe = f"regexp_full_match({raw}, '[EWKSNewksn][0-9]{{8}}')"
    else:  # code, date, datetime, flag, sex, age_band: safe when it parses as one
        safe = f"({_column_sql(c)[0]}) IS NOT NULL"
    return f"CASE WHEN {raw} IS NULL THEN NULL WHEN {safe} THEN {raw} ELSE {_q(WITHHELD)} END"


def _quoted_shown(c: Column) -> str:
    """The shown value for a message: in quotes, or the withheld marker as it is."""
    shown = f"shown_{c.name}"
    return f"CASE WHEN {shown} = {_q(WITHHELD)} THEN {shown} ELSE chr(39) || {shown} || chr(39) END"


def _column_sql(c: Column) -> tuple[str, list[tuple[str, str, str, str]]]:
    """The parsed value of a column and the checks on it: (field, code, bad, message).

    A message holds the value only as shown_sql shows it."""
    raw = f"raw_{c.name}"
    shown = _quoted_shown(c)
    checks = []
    if c.required:
        checks.append(
            (c.header, "missing", f"{raw} IS NULL", _q(f"{c.header} is blank; it is required"))
        )
    if c.kind in ("identifier", "text"):
        return raw, checks
    if c.kind == "encoding":
        checks.append(
            (
                c.header,
                "encoding_form",
                f"{raw} IS NOT NULL AND NOT regexp_full_match({raw}, '{ENCODING_PATTERN}')",
                _q(
                    f"{c.header} is not a linkage encoding made by `svduty encode` (172 base64 "
                    "characters ending in =); encode the file again with the partnership's "
                    "linkage key"
                ),
            )
        )
        return raw, checks
    if c.kind == "code":
        cases = " ".join(f"WHEN {_q(k.lower())} THEN {_q(v)}" for k, v in c.codes.items())
        parsed = f"CASE lower({raw}) {cases} END"
        examples = ", ".join(list(dict.fromkeys(c.codes.values()))[:6])
        message = f"is not one of the codes of this feed (e.g. {examples})"
    elif c.kind in ("int", "age"):
        parsed = f"TRY_CAST({raw} AS BIGINT)"
        message = "is not a whole number"
    elif c.kind == "count":
        parsed = (
            f"CASE WHEN lower({raw}) IN {_markers()} THEN NULL ELSE TRY_CAST({raw} AS BIGINT) END"
        )
        checks.append(
            (
                c.header,
                "count_form",
                f"{raw} IS NOT NULL AND lower({raw}) NOT IN {_markers()} AND {parsed} IS NULL",
                f"{_q(c.header + ' ')} || {shown} || "
                f"{_q(' is not a count (a whole number, or * if suppressed)')}",
            )
        )
        checks.append(
            (
                c.header,
                "negative",
                f"{parsed} < 0",
                f"{_q(c.header + ' ')} || {shown} || {_q(' is negative; counts are 0 or more')}",
            )
        )
        return parsed, checks
    elif c.kind == "decimal":
        parsed = f"TRY_CAST({raw} AS DOUBLE)"
        message = "is not a decimal number"
    elif c.kind == "date":
        parsed = f"TRY_STRPTIME({raw}, {_DATE_FORMATS})::DATE"
        message = "is not a date in the form YYYY-MM-DD"
    elif c.kind == "datetime":
        parsed = f"TRY_STRPTIME({raw}, {_DATETIME_FORMATS})"
        message = "is not a date and time in the form YYYY-MM-DD HH:MM (or a date)"
    elif c.kind == "flag":
        parsed = (
            f"CASE WHEN lower({raw}) IN ('y', 'yes', 'true', '1') THEN true "
            f"WHEN lower({raw}) IN ('n', 'no', 'false', '0') THEN false END"
        )
        message = "is not Y or N (leave it blank when not known)"
    elif c.kind == "lsoa":
        parsed = f"upper({raw})"
        checks.append(
            (
                c.header,
                "lsoa_unknown",
                f"{raw} IS NOT NULL AND upper({raw}) NOT IN "
                "(SELECT code FROM known_areas WHERE is_lsoa)",
                f"{_q(c.header + ' ')} || {shown} || "
                + _q(
                    " is not a 2011 or 2021 LSOA code in the ONS lookups (E01 or W01 and six "
                    "digits, e.g. E01014399)"
                ),
            )
        )
        return parsed, checks
    elif c.kind == "area":
        parsed = f"upper({raw})"
        checks.append(
            (
                c.header,
                "area_unknown",
                f"{raw} IS NOT NULL AND upper({raw}) NOT IN (SELECT code FROM known_areas)",
                f"{_q(c.header + ' ')} || {shown} || "
                + _q(
                    " is not an ONS area code svduty knows (e.g. E06000066 for Somerset, "
                    "E01014399 for an LSOA); use 9-character ONS codes, not names"
                ),
            )
        )
        return parsed, checks
    elif c.kind == "age_band":
        parsed = (
            f"CASE WHEN lower({raw}) IN ('all', 'all ages') THEN 'All ages' "
            f"WHEN regexp_full_match({raw}, '\\d{{1,3}}\\s*-\\s*\\d{{1,3}}') "
            f"AND TRY_CAST(split_part({raw}, '-', 1) AS INT) <= "
            f"TRY_CAST(split_part({raw}, '-', 2) AS INT) THEN "
            f"CAST(TRY_CAST(split_part({raw}, '-', 1) AS INT) AS VARCHAR) || '-' || "
            f"CAST(TRY_CAST(split_part({raw}, '-', 2) AS INT) AS VARCHAR) "
            f"WHEN regexp_full_match({raw}, '\\d{{1,3}}\\s*\\+') THEN "
            f"CAST(TRY_CAST(rtrim({raw}, ' +') AS INT) AS VARCHAR) || '+' END"
        )
        message = "is not an age band such as 10-17, 18-24, 65+ or All ages"
    elif c.kind == "sex":
        cases = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in _SEX.items())
        parsed = f"CASE lower({raw}) {cases} END"
        message = "is not Male, Female, Other, Not known or Persons"
    else:  # pragma: no cover - a feed declared with a kind that does not exist
        raise ValueError(f"unknown column kind {c.kind!r}")
    checks.append(
        (
            c.header,
            f"{c.kind}_form",
            f"{raw} IS NOT NULL AND ({parsed}) IS NULL",
            f"{_q(c.header + ' ')} || {shown} || {_q(' ' + message)}",
        )
    )
    low, high = (0, 120) if c.kind == "age" else (c.low, c.high)
    if low is not None or high is not None:
        cond = " OR ".join(
            x
            for x in (
                f"{parsed} < {low}" if low is not None else "",
                f"{parsed} > {high}" if high is not None else "",
            )
            if x
        )
        checks.append(
            (
                c.header,
                "out_of_range",
                cond,
                f"{_q(c.header + ' ')} || {shown} || {_q(f' is outside {low} to {high}')}",
            )
        )
    return parsed, checks


def _reasons(con, base: str, feed: Feed, checks, failing: pa.Table) -> pa.Table:
    if failing.num_rows == 0:
        return _EMPTY_QUARANTINE
    con.register("failing", failing.select(["line", "problem"]))

    def case(pick) -> str:
        whens = " ".join(f"WHEN {n} THEN {pick(c)}" for n, c in enumerate(checks))
        return f"CASE problem {whens} END"

    row = ", ".join(f'"{c.header}" := shown_{c.name}' for c in feed.all_columns)
    return con.sql(
        f"""{base}
        SELECT line,
            {case(lambda c: _q(c[0]))} AS field,
            {case(lambda c: _q(c[1]))} AS reason_code,
            {case(lambda c: c[3])} AS reason,
            to_json(struct_pack({row}))::VARCHAR AS row_json
        FROM p JOIN failing USING (line) ORDER BY line"""
    ).to_arrow_table()


_NO_HELD = pa.table(
    {"line": pa.array([], pa.int64()), "field": pa.array([], pa.string())}
    | {"reason": pa.array([], pa.string())}
)

_EMPTY_QUARANTINE = pa.table(
    {"line": pa.array([], pa.int64())}
    | {c: pa.array([], pa.string()) for c in ("field", "reason_code", "reason", "row_json")}
)


def markdown(feed: Feed) -> str:
    """The feed's column specification (docs/feeds/<source>.md is generated from this)."""
    out = [
        f"# {feed.title} (`{feed.source}`)",
        "",
        "Generated from the feed's declaration in `svduty.sources`; do not edit by hand.",
        "",
        feed.description,
        "",
        f"Load with `svduty ingest {feed.source} FILE_OR_FOLDER... [--json]`. Rows go to the "
        f"warehouse table `{feed.table}`; rows that fail a check go to `quarantine` with the "
        "line, the field and the reason.",
        "",
        "## The file",
        "",
        "CSV, UTF-8 (a byte-order mark is fine), comma separated, one header line, gzip "
        "accepted. Columns may come in any order and any case; optional columns may be left "
        "out. A column not listed here refuses the whole file (it might carry identifiers), "
        "and so does any column that names a personal identifier (NHS number, name, date of "
        "birth, postcode, address, phone, email), and so does a value in any column that looks "
        "like a full postcode or an NHS number. A row that fails a check is quarantined; its "
        "reason repeats a value only when the column's kind makes it safe to show (a listed "
        "code, a date, a number of fewer than ten digits, an ONS area code), and shows "
        f"`{WITHHELD}` otherwise.",
        "",
    ]
    if feed.screened:
        out += [
            "Free text is the exception: it is the public's own words, so a response whose text "
            "holds a name, phone number, email address, full postcode or NHS number is held "
            "back (quarantined with reason code `identifier_in_text` and the kinds found, its "
            "text never stored) and the rest of the file loads (docs/voice.md).",
            "",
        ]
    if feed.health:
        out += [
            "This is a health or social care feed: it must arrive anonymised or aggregated "
            "(s16 of the 2022 Act does not cover health or social care personal information). "
            "A file with identifiers is refused, never cleaned.",
            "",
        ]
    out += [
        "| column | required | kind | meaning | example |",
        "|---|---|---|---|---|",
    ]
    for c in feed.all_columns:
        kind = f"{c.kind}: {KINDS[c.kind][1]}"
        meaning = c.meaning
        if c.codes and c.kind == "code" and len(set(c.codes.values())) <= 40:
            meaning += " Codes: " + ", ".join(f"`{v}`" for v in dict.fromkeys(c.codes.values()))
        out.append(
            f"| {c.header} | {'yes' if c.required else ''} | {kind} | {meaning} | {c.example} |"
        )
    if feed.checks:
        out += ["", "## Checks across fields", ""]
        out += [f"- `{k.code}` ({k.field}): quarantined when `{k.bad}`" for k in feed.checks]
    if feed.derived:
        out += ["", "## Columns svduty adds", ""]
        out += [f"- `{d.name}`: {d.meaning}" for d in feed.derived]
    out += [
        "",
        "## What a file covers",
        "",
        f"A load covers the period from the earliest `{feed.period[0]}` to the latest "
        f"`{feed.period[1]}` of its loaded rows, for `{feed.covers}`. A later file covering "
        "exactly the same replaces it.",
    ]
    if feed.unique_key:
        same = ", ".join(f"`{k}`" for k in feed.unique_key)
        out += [
            "",
            f"Two rows with the same {same}"
            + (" and overlapping periods" if feed.overlap_by_period else "")
            + " are the same fact. A file that repeats a fact another current load holds is "
            "refused whole (it would be counted twice), and the message names the load and "
            "the first repeated line."
            + (
                " So is a file that holds a fact twice itself: the message names the first "
                "line that repeats an earlier one."
                if feed.repeat_key == feed.unique_key
                else " Inside one file every row is a fact of its own (the rows of a return "
                "share its key)."
            ),
        ]
    if feed.notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in feed.notes]
    return "\n".join(out) + "\n"
