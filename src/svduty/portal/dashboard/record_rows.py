"""The record-level rows behind a measure, for the roles that may see them: one page at a time,
newest first, or every row as CSV. Never a raw identifier (the warehouse holds only keyed
tokens), never an exact age, a free-text description or coordinates."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.selection import EVENT_DATE
from svduty.analysis.measures.selection import rows as measure_rows
from svduty.portal.dashboard.choice import Choice
from svduty.portal.dashboard.configured import catalogue
from svduty.portal.dashboard.geography import area_lsoas, ward_lsoas
from svduty.portal.dashboard.wording import missing
from svduty.settings import Config
from svduty.warehouse import Warehouse

__all__ = [
    "RECORDS_PER_PAGE",
    "Records",
    "age_band",
    "record_measures",
    "records",
    "records_csv",
]

RECORDS_PER_PAGE = 50

# What the records view shows of each source: never a raw identifier (the warehouse holds only
# keyed tokens), never an exact age or a free-text description, never coordinates.
RECORD_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "police_crime": (
        ("crime_ref", "Crime (pseudonymised token)"),
        ("recorded_date", "Recorded"),
        ("offence_code", "Offence code"),
        ("offence_group", "Offence group"),
        ("lsoa_code", "LSOA"),
        ("location_type", "Kind of place"),
        ("victim_age", "Victim age band"),
        ("suspect_age", "Suspect age band"),
        ("knife_flag", "Knife"),
        ("firearm_flag", "Firearm"),
        ("domestic_abuse_flag", "Domestic abuse"),
        ("alcohol_flag", "Alcohol"),
        ("drugs_flag", "Drugs"),
        ("exploitation_flag", "Exploitation"),
        ("synthetic", "Synthetic"),
    ),
    "police_uk_street": (
        ("month", "Month"),
        ("crime_type", "Crime type"),
        ("lsoa_code", "LSOA"),
        ("location", "Location (police.uk snap point)"),
        ("last_outcome", "Last outcome"),
    ),
    "ed_assault": (
        ("assault_at", "Assault date"),
        ("assault_method", "Method"),
        ("location_type", "Kind of place"),
        ("lsoa_code", "LSOA"),
        ("age_band", "Age band"),
        ("sex", "Sex"),
        ("site_code", "Department site"),
        ("synthetic", "Synthetic"),
    ),
}
_AGE_COLUMNS = ("victim_age", "suspect_age")
_AGE_BANDS = ((0, "0-9"), (10, "10-17"), (18, "18-24"), (25, "25-34"), (35, "35-44"),
              (45, "45-54"), (55, "55-64"), (65, "65+"))  # fmt: skip


def record_measures(cfg: Config | None = None) -> list[Measure]:
    """The measures counted from record-level rows."""
    return [m for m in catalogue(cfg).measures if m.source in RECORD_COLUMNS]


def age_band(age) -> str:
    """An age in years as its band ('18-24'); '' when unknown."""
    if missing(age):
        return ""
    band = ""
    for lowest, label in _AGE_BANDS:
        if int(age) >= lowest:
            band = label
    return band


@dataclass(frozen=True)
class Records:
    """One page of a measure's rows: the column names, the rows as text, the total."""

    columns: tuple[str, ...]
    rows: list[list[str]]
    total: int
    page: int
    pages: int
    synthetic: bool = False  # some of the page's rows are synthetic

    @property
    def first(self) -> int:
        """The number of the page's first row (from 1)."""
        return (self.page - 1) * RECORDS_PER_PAGE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * RECORDS_PER_PAGE + len(self.rows)


def _selection(wh: Warehouse, version, m: Measure, choice: Choice):
    """The rows a measure counts (svduty.analysis.measures.rows: force, local definition scope
    and strand, filters, victims under 25) in the chosen place and years, newest first."""
    lsoas = None
    if choice.ward is not None:
        lsoas = ward_lsoas(wh, version, choice.area, choice.ward[0])
    elif not choice.area.is_force_area:
        lsoas = area_lsoas(wh, version, choice.area)
    table = measure_rows(
        wh, m, police_uk_force=choice.area.police_uk_force, between=choice.bounds(), lsoas=lsoas
    )
    # Only the columns the view may show (RECORD_COLUMNS), chosen here rather than in the
    # analysis layer: the selection is the measure's, what a person may see of it the portal's.
    columns = [c for c, _ in RECORD_COLUMNS[m.source] if c in table.columns]
    order = [table[EVENT_DATE[m.source]].desc(), table.load_id, table.line]
    return table.order_by(order).select(*columns)


def _shown(frame: pd.DataFrame, source: str) -> tuple[tuple[str, ...], list[list[str]]]:
    names = dict(RECORD_COLUMNS[source])
    out = frame.copy()
    for column in out.columns:
        if column in _AGE_COLUMNS:
            out[column] = [age_band(a) for a in out[column]]
        elif out[column].dtype == bool or out[column].dtype == object:
            out[column] = [_cell(v) for v in out[column]]
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    rows = [[_cell(v) for v in row] for row in out.itertuples(index=False)]
    return tuple(names[c] for c in frame.columns), rows


def _cell(value) -> str:
    if missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def records(wh: Warehouse, version, m: Measure, choice: Choice, page: int = 1) -> Records:
    """Page ``page`` (from 1) of the measure's rows, newest first, RECORDS_PER_PAGE a page."""
    table = _selection(wh, version, m, choice)
    total = int(table.count().execute())
    pages = max(1, math.ceil(total / RECORDS_PER_PAGE))
    page = min(max(1, page), pages)
    frame = table.limit(RECORDS_PER_PAGE, offset=(page - 1) * RECORDS_PER_PAGE).execute()
    columns, rows = _shown(frame, m.source)
    synthetic = "synthetic" in frame and bool(frame["synthetic"].fillna(False).astype(bool).any())
    return Records(columns, rows, total, page, pages, synthetic)


def records_csv(wh: Warehouse, version, m: Measure, choice: Choice) -> tuple[str, int]:
    """Every row of the measure for the choice as CSV (the page's columns), and how many."""
    frame = _selection(wh, version, m, choice).execute()
    columns, rows = _shown(frame, m.source)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([[_spreadsheet_safe(v) for v in row] for row in rows])
    return out.getvalue(), len(rows)


# A spreadsheet runs a cell beginning with one of these as a formula (OWASP CSV injection); the
# values come from partners' files, so such a cell is quoted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
