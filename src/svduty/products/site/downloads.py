"""Open data downloads: CSV, XLSX (with a notes sheet) and GeoJSON, written from gated tables only.

Each download carries what a reader needs to use it on its own: a ``synthetic`` column (and, in
the XLSX and GeoJSON, a note) when any figure comes from synthetic data, the shorthand, the
sources and the Open Government Licence attribution.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from svduty.products import maps
from svduty.products.figure import SOFTWARE
from svduty.products.html import SHORTHAND
from svduty.products.site.gate import GatedTable

__all__ = [
    "ATTRIBUTION",
    "COLUMNS",
    "SYNTHETIC_NOTE",
    "geojson",
    "records",
    "write_csv",
    "write_geojson",
    "write_xlsx",
]

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/): police.uk "
    "street-level crime data, Office for National Statistics geography, population and police "
    "force area tables. Contains OS data (c) Crown copyright and database right."
)
SYNTHETIC_NOTE = (
    "Rows with synthetic = true come from SYNTHETIC data made by svduty for demonstration, not "
    "from real records. Do not use them as facts about the area."
)
DISCLOSURE_NOTE = (
    "Counts from records and health data of 1 to 7 are shown as [c]; other such counts are "
    "rounded to the nearest 5, and more cells are shown as [c] where a total or difference "
    "would reveal a withheld one. Rates and their 95% limits are computed from the rounded "
    "counts. Official statistics are shown as published."
)
# Column -> meaning: the data dictionary, written into every XLSX notes sheet
COLUMNS = {
    "measure": "The measure's id in svduty's measures catalogue",
    "title": "What the measure counts",
    "source_kind": "record-level, health, partner aggregate or official statistic",
    "synthetic": "true when the figure comes from synthetic data (not real records)",
    "area_code": "ONS code of the area (force area, local authority or MSOA)",
    "area": "The area's name",
    "local_authority": "For an MSOA, the local authority it lies in (as the partnership names "
    "it); blank for larger areas",
    "period": "The period counted (financial year April to March, or as published)",
    "count": "The count as released: rounded to 5, [c] if withheld, or as published",
    "population": "Residents (the rate's denominator)",
    "rate": "Count per rate_per residents (per year), from the released count",
    "lower_95": "Lower 95% confidence limit of the rate",
    "upper_95": "Upper 95% confidence limit of the rate",
    "rate_per": "The rate is per this many residents",
    "compared_with": "The area the rate is compared with",
    "comparison": "Higher, Lower or Similar (95% interval against the comparator's rate)",
    "published_rate": "Official statistics only: the rate as the publisher gives it (ONS, on "
    "mid-year population estimates), where it publishes one; blank otherwise",
}


def _gated(tables: Iterable) -> list[GatedTable]:
    out = list(tables)
    for t in out:
        if not isinstance(t, GatedTable):
            raise TypeError(
                f"downloads are written from gated tables only, not {type(t).__name__}: every "
                "count on the public site passes the disclosure gate"
            )
    return out


def records(tables: Iterable[GatedTable]) -> list[dict]:
    """One flat record per released cell of the tables (a cell two tables share once), in the
    download's columns."""
    out = []
    seen: set[tuple] = set()
    for t in _gated(tables):
        for r in t.rows:
            if r.key in seen:
                continue
            seen.add(r.key)
            out.append(
                {
                    "measure": t.measure.id,
                    "title": t.title if t.id.startswith("msoa-") else t.measure.title,
                    "source_kind": str(t.source).replace("_", " "),
                    "synthetic": "true" if t.synthetic else "false",
                    "area_code": r.labels.get("area_code") or r.labels.get("msoa_code"),
                    "area": r.labels.get("area") or r.labels.get("msoa_name"),
                    "local_authority": r.labels.get("la"),
                    "period": r.labels["period"],
                    "count": r.count,
                    "population": None if r.denominator is None else round(r.denominator),
                    "rate": r.rate,
                    "lower_95": r.lower_95,
                    "upper_95": r.upper_95,
                    "rate_per": t.measure.multiplier if t.rate_unit else None,
                    "compared_with": t.comparator if r.compared else None,
                    "comparison": r.compared,
                    "published_rate": r.published_rate,
                }
            )
    return out


def write_csv(path: Path, tables: Sequence[GatedTable]) -> Path:
    """The tables as one CSV (UTF-8, header row; [c] for withheld counts)."""
    rows = records(tables)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
        writer.writeheader()
        for rec in rows:
            writer.writerow({k: "" if v is None else v for k, v in rec.items()})
    return path


def write_xlsx(
    path: Path,
    sheets: Sequence[tuple[str, Sequence[GatedTable]]],
    *,
    title: str,
    sources: Sequence[str],
) -> Path:
    """An XLSX with one sheet per (name, tables) pair and a Notes sheet first."""
    from openpyxl import Workbook  # the XLSX writer, needed only here
    from openpyxl.styles import Font

    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    synthetic = any(t.synthetic for _, tables in sheets for t in _gated(tables))
    lines: list[tuple[str, str]] = [(title, ""), ("", "")]
    if synthetic:
        lines += [("SYNTHETIC DATA", SYNTHETIC_NOTE), ("", "")]
    lines += [("Disclosure control", DISCLOSURE_NOTE), ("", ""), ("Shorthand", "")]
    lines += [*SHORTHAND.items(), ("", ""), ("Sources", "")]
    lines += [("", s) for s in sources]
    lines += [
        ("", ""),
        ("Licence", ATTRIBUTION),
        ("Made with", SOFTWARE),
        ("", ""),
        ("Columns", ""),
    ]
    lines += list(COLUMNS.items())
    for row in lines:
        notes.append(list(row))
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 110
    for name, tables in sheets:
        sheet = book.create_sheet(name[:31])
        sheet.append(list(COLUMNS))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for rec in records(tables):
            sheet.append([_xlsx_value(v) for v in rec.values()])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _xlsx_value(value):
    if value in ("true", "false"):
        return value == "true"
    return value


def geojson(table: GatedTable, boundaries: gpd.GeoDataFrame) -> dict:
    """A FeatureCollection of the table's MSOAs with their released figures as properties."""
    [t] = _gated([table])
    frame = pd.DataFrame.from_records(records([t]), columns=list(COLUMNS))
    shapes = boundaries[["code", "geometry"]].rename(columns={"code": "area_code"})
    gdf = shapes.merge(frame, on="area_code", how="inner")
    if len(gdf) != len(frame):
        missing = sorted(set(frame["area_code"]) - set(gdf["area_code"]))
        raise ValueError(f"no boundary for {missing}: the map's areas and boundaries differ")
    collection = maps.geojson(gdf, properties=list(COLUMNS))
    return {
        "type": "FeatureCollection",
        "name": t.id,
        "notes": [DISCLOSURE_NOTE, *([SYNTHETIC_NOTE] if t.synthetic else []), ATTRIBUTION],
        "features": collection["features"],
    }


def write_geojson(path: Path, table: GatedTable, boundaries: gpd.GeoDataFrame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(geojson(table, boundaries), separators=(",", ":"))
    path.write_text(text, encoding="utf-8")
    return path
