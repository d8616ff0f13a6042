"""The ONS police force area data tables (`ons-prc`): workbook -> one long table of statistics.

ONS publishes "Crime in England and Wales: Police Force Area data tables" each quarter as one
.xlsx workbook (OGL v3). Its tables P1-P9 give police recorded crime by police force area
(offence groups, knife and sharp instrument offences since the year ending March 2011,
firearms, fraud) and C2-C5 the headline offences by community safety partnership. Each table
sits below a few title rows; ONS writes "[x]", "[z]", "[u]" and "[u1]" where a number is not
given, and "[note N]" markers in titles, headings and area names.

`read_workbook` turns every number cell of every known table into one canonical row of
`published_statistic` (area, measure, offence, period, value, status, unit, the cell it came
from) and every cell it cannot read into a quarantine row whose `line` is the spreadsheet row
and whose `field` is the cell (`Table P6!D17`). rows_read counts every cell considered, so
rows_read = loaded + quarantined. A file that is not this workbook is refused whole. Columns
are found by their headings, not their positions, so a later edition that moves or adds a
column still loads (an unknown column's cells are quarantined, not guessed). What each column
means is in docs/feeds/ons-prc.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from svduty.sources.errors import FileRefused

SOURCE = "ons-prc"
#: Every edition has this scope, so a newer workbook replaces the older one whole.
SCOPE = "ons-prc/police-force-area-tables"
TABLE = "published_statistic"
COVERS = "england-and-wales"

#: The canonical columns (load_id is added by the warehouse).
SCHEMA = pa.schema(
    [
        ("sheet", pa.string()),
        ("table_title", pa.string()),
        ("cell", pa.string()),
        ("area_code", pa.string()),
        ("area_name", pa.string()),
        ("area_type", pa.string()),
        ("force_area_code", pa.string()),
        ("measure", pa.string()),
        ("offence", pa.string()),
        ("column_heading", pa.string()),
        ("period_label", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("base_period_start", pa.date32()),
        ("base_period_end", pa.date32()),
        ("value", pa.float64()),
        ("value_status", pa.string()),
        ("unit", pa.string()),
        ("note_refs", pa.string()),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("field", pa.string()),
        ("reason_code", pa.string()),
        ("reason", pa.string()),
        ("row_json", pa.string()),
    ]
)

#: ONS's shorthand for a number it does not give -> value_status (the value is null).
MARKERS = {
    "[x]": "unavailable [x]",
    "[z]": "not calculable [z]",
    "[u]": "suppressed [u]",
    "[u1]": "suppressed [u1]",
    "[c]": "confidential [c]",
    "[low]": "low [low]",
}
PUBLISHED = "published"

#: unit -> suffix of the measure name, so a measure name alone says what the number is.
UNITS = {
    "count": "",
    "rate_per_1000": "_rate_per_1000",
    "rate_per_1000_households": "_rate_per_1000_households",
    "rate_per_100000": "_rate_per_100k",
    "percent_change": "_pct_change",
}

#: The offence groups of tables P1-P4 and C2-C5: measure -> the headings ONS has used for it
#: (compared after lower-casing, dropping notes and punctuation).
OFFENCE_GROUPS: dict[str, tuple[str, ...]] = {
    "total_recorded_crime": (
        "total recorded crime excluding fraud",
        "total recorded crime excludinging fraud",
        "total recorded crime",
    ),
    "violence_against_the_person": ("violence against the person",),
    "homicide": ("homicide",),
    "death_or_serious_injury_unlawful_driving": (
        "death or serious injury unlawful driving",
        "death or serious injury caused by illegal driving",
        "death or serious injury caused by unlawful driving",
    ),
    "violence_with_injury": ("violence with injury",),
    "violence_without_injury": ("violence without injury",),
    "stalking_and_harassment": ("stalking and harassment",),
    "sexual_offences": ("sexual offences",),
    "robbery": ("robbery",),
    "theft_offences": ("theft offences",),
    "burglary": ("burglary",),
    "residential_burglary": ("residential burglary",),
    "non_residential_burglary": ("non residential burglary",),
    "vehicle_offences": ("vehicle offences",),
    "theft_from_the_person": ("theft from the person",),
    "bicycle_theft": ("bicycle theft",),
    "shoplifting": ("shoplifting",),
    "all_other_theft_offences": ("all other theft offences", "other theft offences"),
    "criminal_damage_and_arson": ("criminal damage and arson",),
    "drug_offences": ("drug offences",),
    "possession_of_weapons_offences": ("possession of weapons offences",),
    "public_order_offences": ("public order offences",),
    "miscellaneous_crimes_against_society": (
        "miscellaneous crimes against society",
        "miscellaneous crimes",
    ),
}
_GROUP_BY_HEADING = {h: m for m, headings in OFFENCE_GROUPS.items() for h in headings}
#: Residential burglary rates are given per 1,000 population and per 1,000 households.
_HOUSEHOLD_RATE_HEADINGS = (
    "residential burglary households",
    "residential burglary per 1 000 household",
    "residential burglary per 1 000 households",
)
_POPULATION_RATE_HEADINGS = ("residential burglary per 1 000 population",)

#: Table P5's selected offences: a word in the heading -> the offence as svduty names it.
KNIFE_OFFENCES: tuple[tuple[str, str | None], ...] = (
    ("total of selected", None),
    ("attempted murder", "Attempted murder"),
    ("threats to kill", "Threats to kill"),
    ("threat to kill", "Threats to kill"),
    ("assault with injury", "Assault with injury and assault with intent to cause serious harm"),
    ("robbery", "Robbery"),
    ("rape and sexual assault", "Rape and sexual assault"),
    ("homicide", "Homicide"),
)


@dataclass(frozen=True)
class _Spec:
    layout: str  # "pfa": area code + name columns; "csp": force, partnership, authority
    kind: str  # "offence_groups", "knife_by_offence" or "series"
    unit: str  # unit of the table's main numbers
    base: str | None = None  # measure of a "series" table


#: The tables read, by sheet name (ONS pads some names with a space; they are stripped).
TABLES: dict[str, _Spec] = {
    "Table P1": _Spec("pfa", "offence_groups", "count"),
    "Table P2": _Spec("pfa", "offence_groups", "percent_change"),
    "Table P3": _Spec("pfa", "offence_groups", "rate_per_1000"),
    "Table P4": _Spec("pfa", "offence_groups", "count"),
    "Table P5": _Spec("pfa", "knife_by_offence", "count"),
    "Table P6": _Spec("pfa", "series", "count", "knife_selected_offences"),
    "Table P7": _Spec("pfa", "series", "rate_per_100000", "knife_selected_offences"),
    "Table P8": _Spec("pfa", "series", "count", "firearm_offences"),
    "Table P9": _Spec("pfa", "series", "count", "fraud_and_computer_misuse_offences"),
    "Table C2": _Spec("csp", "offence_groups", "count"),
    "Table C3": _Spec("csp", "offence_groups", "percent_change"),
    "Table C4": _Spec("csp", "offence_groups", "rate_per_1000"),
    "Table C5": _Spec("csp", "offence_groups", "count"),
}
#: Sheets that are part of the workbook but hold no statistics (C1 lists the local
#: authorities of combined partnerships; the reference geography has the same lookup).
NOT_STATISTICS = ("Cover_sheet", "Table of Contents", "Notes- PFA", "Notes - CSP", "Table C1")


@dataclass(frozen=True)
class Workbook:
    """One workbook read: its identity, its edition and its canonical and quarantined cells."""

    path: Path
    sha256: str
    edition: str  # e.g. "year ending December 2024" (Table P1's period)
    edition_end: date
    rows_read: int
    loaded: pa.Table
    quarantined: pa.Table

    @property
    def period_start(self) -> date | None:
        return _extreme(self.loaded, "period_start", min)

    @property
    def period_end(self) -> date | None:
        return _extreme(self.loaded, "period_end", max)


def read_workbook(path: Path) -> Workbook:
    """Read the workbook at `path`; raise FileRefused when it is not this workbook."""
    path = Path(path)
    data = _read_bytes(path)
    book = _open(path, data)
    try:
        sheets = {ws.title.strip(): ws for ws in book.worksheets}
        missing = [name for name in TABLES if name not in sheets]
        if missing:
            found = ", ".join(repr(s) for s in sheets) or "none"
            raise FileRefused(
                path,
                "this is not the ONS 'Police force area data tables' workbook: it has no "
                f"sheet {', '.join(repr(m) for m in missing)} (sheets found: {found}). "
                "Download the workbook from the ONS page 'Crime in England and Wales: Police "
                "Force Area data tables' and load it unchanged",
                code="not_ons_prc",
            )
        out = _Out()
        edition = None
        for name, spec in TABLES.items():
            table = _read_sheet(path, name, spec, sheets[name].iter_rows(values_only=True))
            if name == "Table P1":
                edition = table.title_period
                if edition is None:
                    raise FileRefused(
                        path,
                        "layout not recognised: the title of Table P1 does not say which "
                        "'year ending ...' it covers",
                        code="layout_not_recognised",
                    )
            table.emit(out)
        for name in sheets:
            if name not in TABLES and name not in NOT_STATISTICS:
                out.quarantine(
                    1,
                    f"{name}!A1",
                    "table_not_read",
                    f"the sheet {name!r} is not one of the tables svduty reads (P1-P9, "
                    "C2-C5), so none of it was loaded; if ONS added a table, teach "
                    "svduty.sources.ons_prc to read it",
                    {"sheet": name},
                )
    finally:
        book.close()
    assert edition is not None
    return Workbook(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        edition=edition[0],
        edition_end=edition[2],
        rows_read=out.rows_read,
        loaded=out.loaded_table(),
        quarantined=out.quarantined_table(),
    )


# ---- opening the file -----------------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileRefused(path, "no such file; check the path", code="file_missing") from None
    except IsADirectoryError:
        raise FileRefused(path, "is a directory, not a file", code="file_missing") from None


def _open(path: Path, data: bytes):
    if data[:4] == _OLE_MAGIC:
        raise FileRefused(
            path,
            "this is an old-style Excel .xls file; ONS publishes these tables as .xlsx: "
            "download the .xlsx, or open this in Excel and save it as .xlsx",
            code="not_xlsx",
        )
    if data[:4] != _ZIP_MAGIC:
        raise FileRefused(
            path,
            "this is not an Excel .xlsx workbook (a CSV or other file?); load the ONS "
            "'Police force area data tables' .xlsx as downloaded",
            code="not_xlsx",
        )
    from openpyxl import load_workbook  # imported here: only this feed needs it

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; the cells are fine
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged zip or workbook raises many kinds of error
        raise FileRefused(
            path,
            f"the workbook cannot be opened ({type(exc).__name__}: {exc}); the download may "
            "be damaged or incomplete: download it again",
            code="damaged_xlsx",
        ) from None


# ---- one sheet --------------------------------------------------------------------------------

_NOTE = re.compile(r"\[\s*note\s*([0-9][0-9,\s]*)\]", re.IGNORECASE)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_PERIOD = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{4})\s+to\s+"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{4})",
    re.IGNORECASE,
)
_YEAR_ENDING = re.compile(
    r"year\s+ending\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+(\d{4})",
    re.IGNORECASE,
)
_MID_YEAR = re.compile(r"\bmid[-\s]?(\d{4})\b", re.IGNORECASE)
_AREA_CODE = re.compile(r"^[EWKSNJ]\d{8}$")


@dataclass(frozen=True)
class _Column:
    """What one value column holds (None fields: not applicable)."""

    measure: str
    unit: str
    offence: str | None
    period: tuple[str, date, date]  # label, start, end
    base: tuple[date, date] | None = None  # compared period, for a percent change


@dataclass
class _Area:
    code: str | None
    name: str
    type: str
    force_code: str | None
    notes: list[str]


class _Out:
    """The canonical rows and quarantined cells of the whole workbook, column by column."""

    def __init__(self):
        self.rows: list[tuple] = []  # in SCHEMA's column order
        self.q: dict[str, list] = {f.name: [] for f in QUARANTINE_SCHEMA}
        self.rows_read = 0

    def load(self, row: tuple) -> None:
        self.rows_read += 1
        self.rows.append(row)

    def quarantine(self, line: int, field: str, code: str, reason: str, row: dict) -> None:
        self.rows_read += 1
        self.q["line"].append(line)
        self.q["field"].append(field)
        self.q["reason_code"].append(code)
        self.q["reason"].append(reason)
        self.q["row_json"].append(json.dumps(row, default=str, ensure_ascii=False))

    def loaded_table(self) -> pa.Table:
        columns = list(zip(*self.rows, strict=True)) or [() for _ in SCHEMA]
        return pa.table(
            [pa.array(c, type=f.type) for c, f in zip(columns, SCHEMA, strict=True)],
            schema=SCHEMA,
        )

    def quarantined_table(self) -> pa.Table:
        return pa.table(self.q, schema=QUARANTINE_SCHEMA)


class _Sheet:
    """One table: its title rows, heading row and data rows, read into _Out by `emit`."""

    def __init__(self, path: Path, name: str, spec: _Spec, rows: list[tuple]):
        self.path, self.name, self.spec, self.rows = path, name, spec, rows
        self.header_index = self._find_header()
        title_rows = [str(v) for r in rows[: self.header_index] for v in r if isinstance(v, str)]
        title = next((t for t in title_rows if t.strip().lower().startswith("table")), "")
        self.title = _clean(re.sub(r"^\s*table\s+\w+\s*:\s*", "", title, flags=re.IGNORECASE))
        self.title_periods = [_year_ending(m) for t in title_rows for m in _YEAR_ENDING.finditer(t)]
        self.title_period = self.title_periods[0] if self.title_periods else None
        width = max(len(r) for r in rows[self.header_index :])
        raw = list(rows[self.header_index]) + [None] * width
        self.raw_headings = raw[:width]
        self.headings = [_clean(h) if isinstance(h, str) else "" for h in self.raw_headings]
        self.id_columns = self._id_columns()

    def _find_header(self) -> int:
        for i, row in enumerate(self.rows[:30]):
            first = _key(row[0]) if row and isinstance(row[0], str) else ""
            if first.startswith(("area code", "police force area code")):
                return i
        raise FileRefused(
            self.path,
            f"layout not recognised: {self.name} has no heading row starting 'Area Code' (or "
            "'Police Force Area code') in its first 30 rows; this may be an edition svduty "
            "does not know",
            code="layout_not_recognised",
        )

    def _id_columns(self) -> dict[str, int]:
        keys = [_key(h) for h in self.headings]
        want = (
            {"code": ("area code", "area codes"), "name": ("area name",)}
            if self.spec.layout == "pfa"
            else {
                "pfa_code": ("police force area code",),
                "pfa_name": ("police force area name",),
                "csp_code": ("community safety partnership code",),
                "csp_name": ("community safety partnership name",),
                "la_code": ("local authority code",),
                "la_name": ("local authority name",),
            }
        )
        found = {}
        for role, names in want.items():
            at = [i for i, k in enumerate(keys) if k in names]
            if not at:
                raise FileRefused(
                    self.path,
                    f"layout not recognised: {self.name} has no {names[0]!r} column in its "
                    f"heading row (row {self.header_index + 1})",
                    code="layout_not_recognised",
                )
            found[role] = at[0]
        return found

    # ---- columns ----

    def columns(self) -> dict[int, _Column | None]:
        """Value column index -> what it holds (None: a heading svduty does not know)."""
        ids = set(self.id_columns.values())
        value_cols = [
            i
            for i, heading in enumerate(self.headings)
            if i not in ids and (heading or self._has_data(i))
        ]
        read = {
            "offence_groups": self._offence_group_column,
            "knife_by_offence": self._knife_column,
            "series": self._series_column,
        }[self.spec.kind]
        latest = self._latest_period()
        return {i: read(self.headings[i], latest) for i in value_cols}

    def _has_data(self, i: int) -> bool:
        return any(len(r) > i and r[i] is not None for r in self.rows[self.header_index + 1 :])

    def _latest_period(self) -> tuple[str, date, date] | None:
        periods = [_period(m) for h in self.headings for m in _PERIOD.finditer(h)]
        return max(periods, key=lambda p: p[2]) if periods else None

    def _offence_group_column(self, heading: str, _latest) -> _Column | None:
        key = _key(heading)
        mid = _MID_YEAR.search(heading)
        if key.startswith(("population", "household")) and mid:
            year = int(mid.group(1))
            measure = "population" if key.startswith("population") else "households"
            return _Column(
                measure, "count", None, (f"mid-{year}", date(year, 6, 30), date(year, 6, 30))
            )
        unit = self.spec.unit
        if unit == "rate_per_1000" and key in _HOUSEHOLD_RATE_HEADINGS:
            measure, unit = "residential_burglary", "rate_per_1000_households"
        elif unit == "rate_per_1000" and key in _POPULATION_RATE_HEADINGS:
            measure = "residential_burglary"
        else:
            measure = _GROUP_BY_HEADING.get(key)
        if measure is None:
            return None
        if unit == "percent_change":
            if len(self.title_periods) < 2:
                return None
            latest = max(self.title_periods, key=lambda p: p[2])
            earliest = min(self.title_periods, key=lambda p: p[2])
            return _Column(measure + UNITS[unit], unit, None, latest, (earliest[1], earliest[2]))
        if self.title_period is None:
            return None
        return _Column(measure + UNITS[unit], unit, None, self.title_period)

    def _knife_column(self, heading: str, _latest) -> _Column | None:
        key = _key(heading)
        if "knife" not in key or self.title_period is None:
            return None
        offence = next((o for word, o in KNIFE_OFFENCES if word in key), "?")
        if offence == "?":
            return None
        if "%" in heading:
            return _Column(
                "selected_offences_pct_involving_knife", "percent", offence, self.title_period
            )
        return _Column("knife_selected_offences", "count", offence, self.title_period)

    def _series_column(self, heading: str, latest) -> _Column | None:
        key = _key(heading)
        base = self.spec.base
        assert base is not None
        found = _PERIOD.search(heading)
        period = _period(found) if found else None
        if "change" in key and "%" in heading:
            period = period or latest
            if period is None:
                return None
            return _Column(
                base + "_pct_change", "percent_change", None, period, _previous_year(period)
            )
        if period is None:
            if key.startswith("rate per 1 000 population") and latest is not None:
                return _Column(base + "_rate_per_1000", "rate_per_1000", None, latest)
            return None
        if "%" in heading and "knife" in key:
            return _Column("selected_offences_pct_involving_knife", "percent", None, period)
        if _PERIOD.sub("", heading).strip(" \n,") or "%" in heading:
            return None  # a period with other words: not a plain count or rate column
        unit = self.spec.unit
        return _Column(base + UNITS[unit], unit, None, period)

    # ---- rows ----

    def emit(self, out: _Out) -> None:
        columns = self.columns()
        # what each known column contributes to every row it loads
        fixed = {
            col: (
                spec.measure,
                spec.offence,
                self.headings[col],
                *spec.period,
                *(spec.base or (None, None)),
                spec.unit,
                _notes(self.raw_headings[col]),
            )
            for col, spec in columns.items()
            if spec is not None
        }
        force_names = self._force_names() if self.spec.layout == "csp" else {}
        seen: set[tuple] = set()
        for index in range(self.header_index + 1, len(self.rows)):
            row = self.rows[index]
            line = index + 1
            if not any(v is not None and str(v).strip() for v in row):
                continue
            has_values = any(_text(_at(row, c)) is not None for c in columns)
            area, problem = self._area(row, force_names, has_values)
            if area is None and problem is None:
                continue  # text below the table (a footnote), not a data row
            for col in columns:
                value = _at(row, col)
                field = f"{self.name}!{_letter(col)}{line}"
                cell_problem = problem
                if cell_problem is None and col not in fixed:
                    cell_problem = (
                        "column_not_recognised",
                        f"the column heading {self.headings[col]!r} of {self.name} is not one "
                        "svduty knows, so what the number measures (and for which period) "
                        "cannot be said; teach svduty.sources.ons_prc this heading",
                    )
                if cell_problem is None:
                    number, status = _value(value)
                    if status is None:
                        cell_problem = _unreadable(value)
                if cell_problem is None:
                    assert area is not None
                    measure, offence, heading, label, start, end, b_start, b_end, unit, notes = (
                        fixed[col]
                    )
                    fact = (area.type, area.code, area.name.lower(), measure, offence, start, end)
                    if fact in seen:
                        cell_problem = (
                            "duplicate",
                            f"{area.name} appears twice in {self.name}; this cell repeats a "
                            "figure already read from an earlier row, so it was not loaded again",
                        )
                    else:
                        seen.add(fact)
                        out.load(
                            (
                                self.name,
                                self.title,
                                field,
                                area.code,
                                area.name,
                                area.type,
                                area.force_code,
                                measure,
                                offence,
                                heading,
                                label,
                                start,
                                end,
                                b_start,
                                b_end,
                                number,
                                status,
                                unit,
                                ", ".join(dict.fromkeys(area.notes + notes)) or None,
                            )
                        )
                        continue
                context = {
                    "sheet": self.name,
                    "cell": field,
                    "area": [_at(row, i) for i in self.id_columns.values()],
                    "heading": self.headings[col],
                    "value": value,
                }
                out.quarantine(line, field, cell_problem[0], cell_problem[1], context)

    def _force_names(self) -> dict[str, str]:
        """Police force area code -> name, from the force total rows of a C table."""
        ids = self.id_columns
        names: dict[str, str] = {}
        for row in self.rows[self.header_index + 1 :]:
            code, name = _text(_at(row, ids["pfa_code"])), _text(_at(row, ids["pfa_name"]))
            if (
                code
                and name
                and not _text(_at(row, ids["csp_code"]))
                and not _text(_at(row, ids["csp_name"]))
            ):
                names.setdefault(code, _clean(name))
        return names

    def _area(self, row: tuple, force_names: dict[str, str], has_values: bool):
        """(area, None), (None, (reason_code, reason)) or (None, None) for a non-data row.

        A row with no numbers and no area code is text under the table (a footnote).
        """
        if self.spec.layout == "pfa":
            code = _text(_at(row, self.id_columns["code"]))
            raw_name = _at(row, self.id_columns["name"])
            name = _clean(_text(raw_name) or "")
            notes = _notes(raw_name)
            if not has_values and not (code and _AREA_CODE.match(code)):
                return None, None
            if not code and not name:
                return None, ("area_not_recognised", "the row has figures but no area code or name")
            if code:
                kind = _area_type(code)
                if kind is None:
                    return None, (
                        "area_code_not_recognised",
                        f"the area code {code!r} ({name}) is not an ONS code svduty "
                        "expects in this table (K04, E92/W92, E12, E23/W15)",
                    )
                force = code if kind == "police_force_area" else None
                return _Area(code, name, kind, force, notes), None
            kind = _uncoded_area_type(name)
            if kind is None:
                return None, (
                    "area_not_recognised",
                    f"the row {name!r} has no area code and is not one of the uncoded rows "
                    "svduty knows (British Transport Police, England and Wales excluding "
                    "Greater Manchester, Unknown)",
                )
            return _Area(None, name, kind, None, notes), None
        ids = self.id_columns
        pfa_code = _text(_at(row, ids["pfa_code"]))
        raw_pfa_name = _at(row, ids["pfa_name"])
        pfa_name = _clean(_text(raw_pfa_name) or "")
        csp_code = _text(_at(row, ids["csp_code"]))
        raw_csp_name = _at(row, ids["csp_name"])
        csp_name = _clean(_text(raw_csp_name) or "")
        if not has_values and not (pfa_code and _AREA_CODE.match(pfa_code)):
            return None, None
        if not pfa_code and not pfa_name:
            return None, (
                "area_not_recognised",
                "the row has figures but names no police force area",
            )
        if not pfa_code or _area_type(pfa_code) != "police_force_area":
            return None, (
                "area_code_not_recognised",
                f"the police force area code {pfa_code!r} ({pfa_name}) is not an E23/W15 code",
            )
        expected = force_names.get(pfa_code)
        if expected is not None and expected.lower() != pfa_name.lower():
            other = [c for c, n in force_names.items() if n.lower() == pfa_name.lower()]
            return None, (
                "area_code_mismatch",
                f"the row names police force area {pfa_name!r} but carries the code {pfa_code}, "
                f"which is {expected}'s"
                + (f" ({pfa_name} is {other[0]})" if other else "")
                + "; ONS's table contradicts itself here, so the row is not attributed to "
                "either force. Check the figure with ONS (crimestatistics@ons.gov.uk)",
            )
        notes = _notes(raw_pfa_name) + _notes(raw_csp_name)
        if not csp_code and not csp_name:
            return _Area(pfa_code, pfa_name, "police_force_area", pfa_code, notes), None
        if csp_code:
            if _area_type(csp_code) != "community_safety_partnership":
                return None, (
                    "area_code_not_recognised",
                    f"the community safety partnership code {csp_code!r} ({csp_name}) is not "
                    "an E22/W14/W22 code",
                )
            return _Area(csp_code, csp_name, "community_safety_partnership", pfa_code, notes), None
        kind = "unassigned" if csp_name.lower().startswith("unassigned") else "not_in_a_csp"
        return _Area(None, csp_name, kind, pfa_code, notes), None


def _read_sheet(path: Path, name: str, spec: _Spec, rows: Iterable[tuple]) -> _Sheet:
    # openpyxl (read-only) opens a workbook reading only the start of each sheet, and
    # decompresses and parses the rest here, so a download damaged inside a sheet fails now,
    # not in _open: a zip CRC or deflate error, an XML parse error, or whatever openpyxl makes
    # of a changed cell. Only openpyxl's reading is inside the try; svduty's own reading of
    # the rows is not, so a fault of svduty's is not taken for a damaged file.
    try:
        read = [tuple(r) for r in rows]
    except Exception as exc:  # as in _open: a damaged zip or sheet raises many kinds of error
        raise FileRefused(
            path,
            f"the workbook's sheet {name!r} cannot be read ({type(exc).__name__}: "
            f"{_shorter(str(exc))}); the download may be damaged or incomplete: download it "
            "again, and load it unchanged",
            code="damaged_xlsx",
        ) from None
    return _Sheet(path, name, spec, read)


def _shorter(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- cells ------------------------------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def _value(value) -> tuple[float | None, str | None]:
    """(number, status); status None when the cell cannot be read."""
    if isinstance(value, bool):
        return None, None
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            return None, None
        return float(value), PUBLISHED
    if isinstance(value, str):
        text = value.strip()
        marker = re.sub(r"\s+", "", text).lower()
        if marker in MARKERS:
            return None, MARKERS[marker]
        if _NUMBER_TEXT.match(text):
            return float(text.replace(",", "")), PUBLISHED
    return None, None


def _unreadable(value) -> tuple[str, str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return (
            "blank_cell",
            "the cell is empty where ONS gives a number or a marker such as [x]; the figure "
            "is missing from the published table",
        )
    if isinstance(value, str):
        return (
            "not_a_number",
            f"the cell holds the text {value.strip()!r} where a number or one of ONS's markers "
            f"({', '.join(MARKERS)}) is expected",
        )
    return (
        "not_a_number",
        f"the cell holds {type(value).__name__} {value!r} where a number is expected",
    )


def _area_type(code: str) -> str | None:
    if not _AREA_CODE.match(code):
        return None
    prefix = code[:3]
    if code == "K04000001":
        return "england_and_wales"
    if prefix in ("E92", "W92"):
        return "country"
    if prefix == "E12":
        return "region"
    if prefix in ("E23", "W15"):
        return "police_force_area"
    if prefix in ("E22", "W14", "W22"):
        return "community_safety_partnership"
    return None


def _uncoded_area_type(name: str) -> str | None:
    key = _key(name)
    if key == "british transport police":
        return "british_transport_police"
    if key.startswith("unknown"):
        return "unknown_force_area"
    if key.startswith("unassigned"):
        return "unassigned"
    if "exc" in key and "greater manchester" in key:
        if key.startswith("england and wales"):
            return "england_and_wales_excluding_gmp"
        if key.startswith("england"):
            return "country_excluding_gmp"
    return None


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _at(row: tuple, i: int):
    return row[i] if i < len(row) else None


def _clean(text: str) -> str:
    """Published text with note markers removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", _NOTE.sub(" ", text)).strip()


def _key(text) -> str:
    """A heading reduced for comparison: lower case, notes and punctuation gone."""
    if not isinstance(text, str):
        return ""
    text = _NOTE.sub(" ", text).lower().replace("%", " % ")
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"[^a-z0-9%]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _notes(value) -> list[str]:
    if not isinstance(value, str):
        return []
    return [n.strip() for m in _NOTE.finditer(value) for n in m.group(1).split(",") if n.strip()]


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _period(match: re.Match) -> tuple[str, date, date]:
    m1, y1, m2, y2 = match.groups()
    start = date(int(y1), _MONTHS[m1[:3].lower()], 1)
    end = _month_end(int(y2), _MONTHS[m2[:3].lower()])
    label = f"{m1[:3].title()} {y1} to {m2[:3].title()} {y2}"
    return label, start, end


def _year_ending(match: re.Match) -> tuple[str, date, date]:
    month, year = _MONTHS[match.group(1)[:3].lower()], int(match.group(2))
    end = _month_end(year, month)
    start_month = month % 12 + 1
    start = date(year - 1 if start_month > 1 else year, start_month, 1)
    name = end.strftime("%B")
    return f"year ending {name} {year}", start, end


def _previous_year(period: tuple[str, date, date]) -> tuple[date, date]:
    _, start, end = period
    return date(start.year - 1, start.month, 1), _month_end(end.year - 1, end.month)


def _letter(index: int) -> str:
    n, out = index + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _extreme(table: pa.Table, column: str, pick) -> date | None:
    values = [v for v in table.column(column).to_pylist() if v is not None]
    return pick(values) if values else None
