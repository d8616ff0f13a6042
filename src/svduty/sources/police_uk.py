"""data.police.uk street-level crime files (docs/sources.md, "data.police.uk").

One file is one force's crimes and anti-social behaviour for one month, 12 columns. Reading a
file gives the raw rows with their line numbers; validating them splits the rows into the
canonical `police_uk_street` rows and quarantined rows, each with the field and a reason a
person can act on. Validation is one vectorised DuckDB query, so a month of ~15,000 rows costs
milliseconds rather than a Python loop per row. The query returns only what it computes (the
failing check, the parsed coordinates and month); the text columns of the canonical rows are the
parsed Arrow columns themselves, never copied through DuckDB and back.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from svduty.sources import csvrows
from svduty.sources.errors import FileRefused
from svduty.sources.rawfile import is_blank, read_raw

SOURCE = "police-uk-street"

COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
OUTCOMES_COLUMNS = (*COLUMNS[:9], "Outcome type")
STOP_SEARCH_FIRST = ("Type", "Date", "Part of a policing operation")

CRIME_TYPES: frozenset[str] = frozenset(
    {
        "Anti-social behaviour",
        "Bicycle theft",
        "Burglary",
        "Criminal damage and arson",
        "Drugs",
        "Other crime",
        "Other theft",
        "Possession of weapons",
        "Public order",
        "Robbery",
        "Shoplifting",
        "Theft from the person",
        "Vehicle crime",
        "Violence and sexual offences",
    }
)

# The CSV spellings of "Last outcome category" (they differ from the API labels).
OUTCOMES: frozenset[str] = frozenset(
    {
        "Action to be taken by another organisation",
        "Awaiting court outcome",
        "Court case unable to proceed",
        "Court result unavailable",
        "Defendant found not guilty",
        "Defendant sent to Crown Court",
        "Formal action is not in the public interest",
        "Further action is not in the public interest",
        "Further investigation is not in the public interest",
        "Investigation complete; no suspect identified",
        "Local resolution",
        "Offender deprived of property",
        "Offender fined",
        "Offender given a caution",
        "Offender given a drugs possession warning",
        "Offender given absolute discharge",
        "Offender given community sentence",
        "Offender given conditional discharge",
        "Offender given penalty notice",
        "Offender given suspended prison sentence",
        "Offender ordered to pay compensation",
        "Offender otherwise dealt with",
        "Offender sent to prison",
        "Status update unavailable",
        "Suspect charged",
        "Suspect charged as part of another case",
        "Unable to prosecute suspect",
        "Under investigation",
    }
)

# Great Britain and Northern Ireland with a margin for the islands; a point outside this box
# cannot be a UK snap point.
UK_LONGITUDE = (-8.7, 1.8)
UK_LATITUDE = (49.8, 60.9)

FILE_NAME = re.compile(r"^(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+?)-street\.csv(?:\.gz)?$")


@dataclass(frozen=True)
class StreetFile:
    """A street file read whole: its identity and its raw rows (all text, with line numbers)."""

    path: Path
    sha256: str
    force_slug: str
    force_name: str
    month: str  # YYYY-MM
    rows: pa.Table  # `line` plus the 12 columns, all strings
    ragged: pa.Table  # rows with the wrong number of fields: line, text

    @property
    def rows_read(self) -> int:
        return self.rows.num_rows + self.ragged.num_rows


@dataclass(frozen=True)
class Validated:
    """The result of validating a file: every row read is in exactly one of the two tables."""

    loaded: pa.Table  # canonical police_uk_street columns (without load_id)
    quarantined: pa.Table  # line, field, reason_code, reason, row_json


def read_street_file(path: Path, forces: Mapping[str, str]) -> StreetFile:
    """Read one street file; raise FileRefused if it cannot be read at all.

    `forces` maps police.uk force slugs to the names the files use ("avon-and-somerset" ->
    "Avon and Somerset Constabulary").
    """
    raw = read_raw(path)
    _check_header(path, raw.header)
    if is_blank(raw.body):
        raise FileRefused(
            path,
            "the file has a header but no rows; a police.uk month always has rows, so the "
            "download was probably cut short: download it again",
            code="header_only",
        )
    rows, ragged = csvrows.parse_text(raw.body, COLUMNS, path=path)
    force_slug, month = _identify(path, rows, forces)
    return StreetFile(
        path=path,
        sha256=raw.sha256,
        force_slug=force_slug,
        force_name=forces[force_slug],
        month=month,
        rows=rows,
        ragged=ragged,
    )


def _check_header(path: Path, header: str) -> None:
    got = tuple(c.strip().strip('"') for c in header.split(","))
    if got == COLUMNS:
        return
    if got == OUTCOMES_COLUMNS:
        hint = "this is a police.uk outcomes file; `svduty ingest police-uk` reads street files"
    elif got[:3] == STOP_SEARCH_FIRST:
        hint = (
            "this is a police.uk stop-and-search file; `svduty ingest police-uk` reads street files"
        )
    else:
        missing = [c for c in COLUMNS if c not in got]
        extra = [c for c in got if c not in COLUMNS]
        hint = "the first line is not the police.uk street header"
        if missing:
            hint += f"; missing column(s): {', '.join(missing)}"
        if extra:
            hint += f"; unexpected column(s): {', '.join(repr(c) for c in extra[:5])}"
        if not missing and not extra:
            hint += "; the columns are out of order"
    raise FileRefused(
        path,
        f"{hint}. Expected the 12 columns: {','.join(COLUMNS)}",
        code="wrong_header",
    )


def _identify(path: Path, rows: pa.Table, forces: Mapping[str, str]) -> tuple[str, str]:
    """The force and month a file is for: from its police.uk name, else from its rows."""
    match = FILE_NAME.match(path.name)
    if match:
        slug = match["force"]
        if slug not in forces:
            raise FileRefused(
                path,
                f"'{slug}' in the file name is not a police.uk force; police.uk names files "
                "YYYY-MM-<force>-street.csv, e.g. 2018-01-avon-and-somerset-street.csv",
                code="unknown_force",
            )
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", match["month"]):
            raise FileRefused(
                path,
                f"'{match['month']}' in the file name is not a month (YYYY-MM, 01 to 12); "
                "rename the file to the month it holds, as police.uk does",
                code="unknown_scope",
            )
        return slug, match["month"]
    by_name = {name: slug for slug, name in forces.items()}
    reporters = _modal(rows, "Reported by")
    months = _modal(rows, "Month")
    if reporters not in by_name or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", months or ""):
        raise FileRefused(
            path,
            "cannot tell which force and month this file is for; rename it as police.uk does, "
            "YYYY-MM-<force>-street.csv (e.g. 2018-01-avon-and-somerset-street.csv)",
            code="unknown_scope",
        )
    return by_name[reporters], months


def _modal(rows: pa.Table, column: str) -> str | None:
    counts = rows.column(column).value_counts()
    if len(counts) == 0:
        return None
    best = max(counts.to_pylist(), key=lambda c: c["counts"])
    return best["values"]


def validate(files: Sequence[StreetFile], forces: Mapping[str, str]) -> list[Validated]:
    """Split each file's rows into canonical rows and quarantined rows with their reasons.

    All the files given are checked in one query (see Validator).
    """
    if not files:
        return []
    with Validator(forces) as validator:
        return validator.validate(files)


class Validator:
    """Validates street files; holds one in-memory DuckDB connection with the reference lists.

    Not thread-safe: give each thread its own. The files of one call are checked in one query;
    planning it costs about as much as checking a small file, so a loader passes a few at a time
    (and validates the next few while it writes these).
    """

    def __init__(self, forces: Mapping[str, str]):
        # One thread: a file is a few thousand rows, and a loader runs one validator per core.
        self._con = duckdb.connect(config={"threads": 1})
        self._con.register("known_forces", pa.table({"name": sorted(set(forces.values()))}))
        self._con.register("crime_types", pa.table({"name": sorted(CRIME_TYPES)}))
        self._con.register("outcomes", pa.table({"name": sorted(OUTCOMES)}))
        self._con.register("uk_box", pa.table({k: [v] for k, v in _UK_BOX.items()}))

    def __enter__(self) -> Validator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def validate(self, files: Sequence[StreetFile]) -> list[Validated]:
        if not files:
            return []
        scope = pa.table(
            {
                "file_index": pa.array(range(len(files)), pa.int32()),
                "file_month": [f.month for f in files],
                "file_force_name": [f.force_name for f in files],
                "file_force": [f.force_slug for f in files],
            }
        )
        raw = pa.concat_tables(
            f.rows.add_column(0, "file_index", pa.array(np.full(f.rows.num_rows, i, np.int32)))
            for i, f in enumerate(files)
        )
        con = self._con
        con.register("raw_rows", raw)
        con.register("file_scope", scope)
        try:
            # Most files are clean: find the failing check per row first, and spend time on
            # messages and row copies only for the rows that fail.
            checked = _in_row_order(con.sql(_CHECK_SQL).to_arrow_table(), raw)
            failing = pc.is_valid(checked.column("problem"))
            quarantined = _EMPTY_QUARANTINE_WITH_INDEX
            if pc.any(failing).as_py():
                con.register("failing", checked.filter(failing).select(["file_index", "line"]))
                try:
                    quarantined = con.sql(_REASON_SQL).to_arrow_table()
                finally:
                    con.unregister("failing")
        finally:
            con.unregister("raw_rows")
            con.unregister("file_scope")
        quarantined_by_file = _split_by_file(quarantined, len(files))
        out = []
        start = 0
        for i, f in enumerate(files):
            part = checked.slice(start, f.rows.num_rows)
            start += f.rows.num_rows
            out.append(
                Validated(
                    loaded=_canonical(f, part),
                    quarantined=csvrows.with_ragged(
                        quarantined_by_file[i].select(list(QUARANTINE_COLUMNS)),
                        f.ragged,
                        _ragged_reason,
                    ),
                )
            )
        return out


def _in_row_order(checked: pa.Table, raw: pa.Table) -> pa.Table:
    """The check results in the order of the rows checked (file, then line): a one-thread query
    over one table keeps that order already, and a sort is needed only if it did not."""
    for key in ("file_index", "line"):
        if not checked.column(key).equals(raw.column(key)):
            return checked.sort_by([("file_index", "ascending"), ("line", "ascending")])
    return checked


def _canonical(f: StreetFile, checked: pa.Table) -> pa.Table:
    """The canonical rows of one file: its parsed text columns as they are, plus what the check
    query computed; without the rows that failed a check."""
    if not checked.column("line").equals(f.rows.column("line")):  # _in_row_order's promise
        raise AssertionError(f"{f.path.name}: validation rows out of step with the parsed rows")
    rows = f.rows
    n = rows.num_rows
    table = pa.table(
        {
            "force": pa.repeat(pa.scalar(f.force_slug, pa.string()), n),
            "line": rows.column("line"),
            "crime_id": rows.column("Crime ID"),
            "month": checked.column("month"),
            "reported_by": rows.column("Reported by"),
            "falls_within": rows.column("Falls within"),
            "longitude": checked.column("longitude"),
            "latitude": checked.column("latitude"),
            "location": rows.column("Location"),
            "lsoa_code": rows.column("LSOA code"),
            "lsoa_name": rows.column("LSOA name"),
            "crime_type": rows.column("Crime type"),
            "last_outcome": rows.column("Last outcome category"),
            "context": rows.column("Context"),
        }
    ).select(list(CANONICAL_COLUMNS))
    problem = checked.column("problem")
    if problem.null_count == n:
        return table
    return table.filter(pc.is_null(problem))


def _split_by_file(table: pa.Table, n_files: int) -> list[pa.Table]:
    """One table per file index, from a table ordered by file index."""
    counts = np.bincount(table.column("file_index").to_numpy(), minlength=n_files)
    ends = np.cumsum(counts)
    return [table.slice(int(end - n), int(n)) for end, n in zip(ends, counts, strict=True)]


def _ragged_reason(text: str) -> str:
    return (
        f"the row has {_field_count(text)} fields, not 12; a comma inside a value must be in "
        "double quotes"
    )


def _field_count(text: str) -> int:
    return len(next(csv.reader([text]), []))


# The canonical columns, in table order (load_id is added by the warehouse).
CANONICAL_COLUMNS: tuple[str, ...] = (
    "force",
    "line",
    "crime_id",
    "month",
    "reported_by",
    "falls_within",
    "longitude",
    "latitude",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "last_outcome",
    "context",
)

_MONTH_FORM = "\\d{4}-(0[1-9]|1[0-2])"  # a regular expression, inside SQL quotes

# Each check is (field, code, condition that means the row is bad, message). The first failing
# check of a row is the one reported; the order runs from "the row is unusable" to details.
_CHECKS: tuple[tuple[str, str, str, str], ...] = (
    (
        "Month",
        "month_form",
        # Nearly every row's Month is the file's month, whose form is checked once per file.
        f"""m IS NULL OR NOT CASE WHEN m = file_month THEN file_month_ok
                                 ELSE regexp_full_match(m, '{_MONTH_FORM}') END""",
        """'Month ' || coalesce('''' || m || '''', 'is blank;') || ' is not a month in the form YYYY-MM'
           || CASE WHEN regexp_matches(coalesce(m, ''), '[A-Za-z]{3}-\\d{2}|/')
                   THEN ' (a spreadsheet reformatted it: save the original police.uk file again)'
                   ELSE '; correct it to the month of the file, ' || file_month END""",
    ),
    (
        "Month",
        "month_mismatch",
        "m <> file_month",
        """'Month ' || m || ' disagrees with the file, which is for ' || file_month
           || '; police.uk files hold one month each: load this row from the ' || m || ' file'""",
    ),
    (
        "Reported by",
        "other_force",
        "rb IS NULL OR rb <> file_force_name",
        """'reported by ' || coalesce('''' || rb || '''', 'nobody (blank)') || ', but this is the '
           || file_force_name || ' file (' || file_force || '); load each force''s rows from its own'
           || ' file'""",
    ),
    (
        "Falls within",
        "unknown_force",
        "fw IS NULL OR fw NOT IN (SELECT name FROM known_forces)",
        """'Falls within ' || coalesce('''' || fw || '''', 'is blank and') || ' is not a police.uk'
           || ' force name (e.g. ' || file_force_name || ')'""",
    ),
    (
        "Crime type",
        "crime_type_unknown",
        "ct IS NULL OR ct NOT IN (SELECT name FROM crime_types)",
        """'Crime type ' || coalesce('''' || ct || '''', 'is blank and') || ' is not one of the 14'
           || ' police.uk crime types (e.g. ''Violence and sexual offences'', ''Robbery'');'
           || ' correct the spelling'""",
    ),
    (
        "Crime ID",
        "crime_id_form",
        # = NOT regexp_full_match(cid, '[0-9a-f]{64}'): a hex-only string's bytes are its
        # characters. Looking for one wrong character is faster than matching all 64.
        "cid IS NOT NULL AND (strlen(cid) <> 64 OR regexp_matches(cid, '[^0-9a-f]'))",
        """'Crime ID ' || '''' || left(cid, 70) || ''' is not a police.uk crime ID (64 hexadecimal'
           || ' characters, or blank for anti-social behaviour)'""",
    ),
    (
        "Longitude",
        "coordinates_half",
        "(lon_txt IS NULL) <> (lat_txt IS NULL)",
        """'only one of Longitude and Latitude is given; give both, or neither when the crime has'
           || ' no location'""",
    ),
    (
        "Longitude",
        "coordinates_not_numbers",
        "lon_txt IS NOT NULL AND (lon IS NULL OR lat IS NULL)",
        """'Longitude ' || '''' || lon_txt || ''' / Latitude ''' || lat_txt || ''' are not decimal'
           || ' degrees (e.g. -2.587910, 51.454514)'""",
    ),
    (
        "Longitude",
        "coordinates_outside_uk",
        "lon IS NOT NULL AND NOT (lon BETWEEN lon_min AND lon_max AND lat BETWEEN lat_min AND lat_max)",
        """'the point (' || lon_txt || ', ' || lat_txt || ') is outside the UK'
           || CASE WHEN lat BETWEEN lon_min AND lon_max AND lon BETWEEN lat_min AND lat_max
                   THEN '; Longitude and Latitude look swapped'
                   ELSE '; check the signs and the order of Longitude, Latitude' END""",
    ),
    (
        "LSOA code",
        "lsoa_form",
        "lsoa IS NOT NULL AND NOT regexp_full_match(lsoa, '[EW]01\\d{6}')",
        """'LSOA code ' || '''' || lsoa || ''' is not an ONS LSOA code (E01 or W01 and six'
           || ' digits, e.g. E01014399)'""",
    ),
    (
        "Last outcome category",
        "outcome_unknown",
        "outcome IS NOT NULL AND outcome NOT IN (SELECT name FROM outcomes)",
        """'Last outcome category ' || '''' || outcome || ''' is not a police.uk outcome (e.g.'
           || ' ''Under investigation'', ''Unable to prosecute suspect'')'""",
    ),
)


_UK_BOX = {
    "lon_min": UK_LONGITUDE[0],
    "lon_max": UK_LONGITUDE[1],
    "lat_min": UK_LATITUDE[0],
    "lat_max": UK_LATITUDE[1],
}

QUARANTINE_COLUMNS = ("line", "field", "reason_code", "reason", "row_json")
_EMPTY_QUARANTINE_WITH_INDEX = pa.table(
    {"file_index": pa.array([], pa.int32()), "line": pa.array([], pa.int64())}
    | {c: pa.array([], pa.string()) for c in QUARANTINE_COLUMNS[1:]}
)

_ROW = f"""
    SELECT
        file_index, line, file_month, file_month_ok, file_force_name, file_force,
        lon_min, lon_max, lat_min, lat_max,
        "Crime ID" AS cid, "Month" AS m, "Reported by" AS rb, "Falls within" AS fw,
        "Longitude" AS lon_txt, "Latitude" AS lat_txt,
        TRY_CAST("Longitude" AS DOUBLE) AS lon, TRY_CAST("Latitude" AS DOUBLE) AS lat,
        "Location" AS loc, "LSOA code" AS lsoa, "LSOA name" AS lsoa_nm,
        "Crime type" AS ct, "Last outcome category" AS outcome, "Context" AS ctx
    FROM raw_rows
    JOIN (SELECT *, regexp_full_match(file_month, '{_MONTH_FORM}') AS file_month_ok
          FROM file_scope) USING (file_index)
    CROSS JOIN uk_box
"""


def _case(pick) -> str:
    return "CASE " + " ".join(f"WHEN {c[2]} THEN {pick(c)}" for c in _CHECKS) + " END"


_CHECK_SQL = f"""
    WITH r AS ({_ROW})
    SELECT
        file_index,
        line,
        TRY_CAST(m || '-01' AS DATE) AS month,
        lon AS longitude,
        lat AS latitude,
        {_case(lambda c: f"{_CHECKS.index(c)}")}::TINYINT AS problem
    FROM r
"""

_REASON_SQL = f"""
    WITH r AS ({_ROW} SEMI JOIN failing USING (file_index, line))
    SELECT
        file_index,
        line,
        {_case(lambda c: repr(c[0]))} AS field,
        {_case(lambda c: repr(c[1]))} AS reason_code,
        {_case(lambda c: c[3])} AS reason,
        to_json(struct_pack(
            "Crime ID" := cid, "Month" := m, "Reported by" := rb, "Falls within" := fw,
            "Longitude" := lon_txt, "Latitude" := lat_txt, "Location" := loc,
            "LSOA code" := lsoa, "LSOA name" := lsoa_nm, "Crime type" := ct,
            "Last outcome category" := outcome, "Context" := ctx))::VARCHAR AS row_json
    FROM r
    ORDER BY file_index, line
"""
