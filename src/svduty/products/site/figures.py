"""The site's charts and maps, drawn from gated tables only.

Every figure here takes a :class:`~svduty.products.site.gate.GatedTable` and plots its released
rates; a withheld rate is a gap in the chart and named in the text alternative, so the picture
says no more than the table under it.
"""

from __future__ import annotations

import itertools
import math
import re
from datetime import date, timedelta

import geopandas as gpd
import pandas as pd

from svduty.products import charts, maps
from svduty.products.figure import Figure
from svduty.products.site.gate import GatedTable

__all__ = [
    "breakdown_figure",
    "gaps",
    "map_classes",
    "map_figure",
    "rate_text",
    "trend_figure",
]

WITHHELD = "withheld [c]"


def _require_gated(table) -> None:
    if not isinstance(table, GatedTable):
        raise TypeError(f"figures are drawn from gated tables only, not {type(table).__name__}")


def rate_text(value: float | None, digits: int) -> str:
    # a withheld rate is None in a gated row and NaN once it is in a frame: never print "nan"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "withheld"
    return f"{value:,.{digits}f}"


def _rated(table: GatedTable) -> pd.DataFrame:
    frame = table.frame()
    return frame[frame["rate"].notna()] if "rate" in frame else frame.iloc[0:0]


def trend_figure(
    table: GatedTable, *, id: str, area_field: str, x_title: str, source: str
) -> Figure:
    """The measure's rate by period for one or two areas, with 95% limits."""
    _require_gated(table)
    rated = _rated(table)
    unit = table.rate_unit or ""
    chart = None
    missing = gaps(list(dict.fromkeys(table.frame()["period"])))
    if not rated.empty:
        series = area_field if rated[area_field].nunique() > 1 else None
        # Withheld periods stay in, with no rate: the line breaks there instead of joining the
        # years either side as though the withheld year lay on the straight line between them.
        # Periods with no figure at all (a year the data do not cover in full) are put in the
        # same way, so the axis shows them and the line breaks there too.
        drawn = _with_gaps(
            table.frame().loc[lambda f: f[area_field].isin(rated[area_field])], area_field, missing
        )
        chart = charts.trend(
            drawn.astype({"rate": float, "lower_95": float, "upper_95": float}),
            "period",
            "rate",
            lower="lower_95",
            upper="upper_95",
            series=series,
            y_title=f"Rate {unit}",
            x_title=x_title,
            series_title="Area" if series else None,
        )
    alt_text = _trend_alt(table, area_field)
    if missing:
        alt_text += (
            f" No figures for {', '.join(label for label, _ in missing)}: the data do not cover "
            + ("it" if len(missing) == 1 else "them")
            + " in full, so the line breaks there."
        )
    return Figure(
        id=id,
        title=table.title,
        alt=alt_text,
        table=table.frame(),
        source=source,
        chart=chart,
        definition_version=table.measure.definition,
        synthetic=table.synthetic,
        notes=table.notes,
    )


_FINANCIAL = re.compile(r"(\d{4})/(\d{2})")
_CALENDAR = re.compile(r"(\d{4})")


def _span(label: str) -> tuple[date, date] | None:
    """The first and last day of a period label: '2019/20' (April to March) or '2019'."""
    if m := _FINANCIAL.fullmatch(label):
        year = int(m.group(1))
        return date(year, 4, 1), date(year + 1, 3, 31)
    if m := _CALENDAR.fullmatch(label):
        year = int(m.group(1))
        return date(year, 1, 1), date(year, 12, 31)
    return None


def gaps(periods: list[str]) -> list[tuple[str, str]]:
    """The gaps in a run of period labels in time order, each as (label, the period after it):
    whole financial or calendar years missing between two of the same kind ('2019/20'), or the
    months between a financial and a calendar year ('Apr to Dec 2022'). Labels that are not
    years leave no gap."""
    out = []
    for before, after in itertools.pairwise(periods):
        a, b = _span(str(before)), _span(str(after))
        if a is None or b is None or b[0] <= a[1] + timedelta(days=1):
            continue
        first, last = a[1] + timedelta(days=1), b[0] - timedelta(days=1)
        same = (_FINANCIAL.fullmatch(str(before)) is None) == (
            _FINANCIAL.fullmatch(str(after)) is None
        )
        if same and _FINANCIAL.fullmatch(str(before)):
            labels = [f"{y}/{(y + 1) % 100:02d}" for y in range(first.year, last.year)]
        elif same:
            labels = [str(y) for y in range(first.year, last.year + 1)]
        elif first.year == last.year:
            labels = [f"{first:%b} to {last:%b %Y}"]
        else:
            labels = [f"{first:%b %Y} to {last:%b %Y}"]
        out += [(label, str(after)) for label in labels]
    return out


def _with_gaps(frame: pd.DataFrame, area_field: str, missing) -> pd.DataFrame:
    """``frame`` with a row of no rate for each missing period of each area, in time order."""
    if not missing:
        return frame
    periods = list(dict.fromkeys(frame["period"]))
    order = []
    for p in periods:
        order += [label for label, after in missing if after == p]
        order.append(p)
    blanks = pd.DataFrame(
        [
            {area_field: area, "period": label}
            for area in dict.fromkeys(frame[area_field])
            for label, _ in missing
        ]
    )
    out = pd.concat([frame, blanks], ignore_index=True)
    out["_order"] = out["period"].map({p: i for i, p in enumerate(order)})
    out["_area"] = out[area_field].map(
        {a: i for i, a in enumerate(dict.fromkeys(frame[area_field]))}
    )
    return out.sort_values(["_area", "_order"]).drop(columns=["_order", "_area"])


def _trend_alt(table: GatedTable, area_field: str) -> str:
    frame = table.frame()
    unit = table.rate_unit or ""
    sentences = []
    for area, part in frame.groupby(area_field, sort=False):
        rated = part[part["rate"].notna()] if "rate" in part else part.iloc[0:0]
        withheld = [str(p) for p in part.loc[~part.index.isin(rated.index), "period"]]
        if rated.empty:
            sentences.append(f"{area}: every rate is withheld to protect people.")
            continue
        first, last = rated.iloc[0], rated.iloc[-1]
        text = f"{area}: {rate_text(first['rate'], table.rate_digits)} {unit} in {first['period']}"
        if len(rated) > 1:
            text += f", {rate_text(last['rate'], table.rate_digits)} in {last['period']}"
        text += "."
        if withheld:
            text += f" Withheld to protect people: {', '.join(withheld)}."
        sentences.append(text)
    return f"Rate {unit} by year. " + " ".join(sentences)


def breakdown_figure(
    table: GatedTable,
    *,
    id: str,
    highlight: str | None,
    source: str,
) -> Figure:
    """One period's rates by local authority, the force area's bar highlighted."""
    _require_gated(table)
    rated = _rated(table)
    chart = None
    if not rated.empty:
        chart = charts.bars(
            rated.astype({"rate": float, "lower_95": float, "upper_95": float}),
            "area",
            "rate",
            lower="lower_95",
            upper="upper_95",
            value_title=f"Rate {table.rate_unit}",
            category_title="Area",
            highlight=highlight if highlight in set(rated["area"]) else None,
        )
    frame = table.frame()
    parts = [
        f"{a}: {rate_text(r, table.rate_digits)}"
        for a, r in zip(frame["area"], frame.get("rate", [None] * len(frame)), strict=True)
    ]
    alt_text = f"Rate {table.rate_unit} by local authority. " + "; ".join(parts) + "."
    return Figure(
        id=id,
        title=table.title,
        alt=alt_text,
        table=frame,
        source=source,
        chart=chart,
        definition_version=table.measure.definition,
        synthetic=table.synthetic,
        notes=table.notes,
    )


def _map_values(frame: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    values = boundaries.merge(
        frame[["msoa_code", "rate"]].rename(columns={"msoa_code": "code"}), on="code", how="inner"
    )
    values["rate"] = pd.to_numeric(values["rate"], errors="coerce")
    return values


def map_classes(table: GatedTable, boundaries: gpd.GeoDataFrame) -> dict:
    """The key of the interactive map: the static map's classes (labels, colours, and the class
    of each MSOA by code), so the two colour every MSOA alike. Only released rates are classed;
    the values a reader sees come from the published GeoJSON, not from here."""
    _require_gated(table)
    values = _map_values(table.frame(), boundaries)
    classes, colours, missing = maps.class_key(
        values["rate"], missing_label=WITHHELD, digits=table.rate_digits
    )
    index = {label: i for i, label in enumerate(classes.labels)}
    return {
        "classes": [
            {"label": label, "colour": colour}
            for label, colour in zip(classes.labels, colours, strict=True)
        ],
        "missing": {"label": WITHHELD, "colour": missing},
        "class_of": {
            code: index[label]
            for code, label in zip(values["code"], classes.assigned, strict=True)
            if label in index
        },
        "legend_title": f"Rate {table.rate_unit}",
        "digits": table.rate_digits,
        "unit": table.rate_unit,
    }


def map_figure(table: GatedTable, boundaries: gpd.GeoDataFrame, *, id: str, source: str) -> Figure:
    """A choropleth of the table's MSOA rates (quantile classes); withheld MSOAs hatched grey."""
    _require_gated(table)
    frame = table.frame()
    values = _map_values(frame, boundaries)
    chart = maps.choropleth(
        values,
        "rate",
        title=table.title,
        legend_title=f"Rate {table.rate_unit}",
        missing_label=WITHHELD,
        digits=table.rate_digits,
    )
    rated = frame[frame["rate"].notna()]
    withheld = len(frame) - len(rated)
    alt_text = (
        f"Map of {len(frame)} MSOAs shaded by rate {table.rate_unit} in five bands of about "
        f"equal size; {withheld} whose figures are withheld to protect people are hatched grey."
    )
    if not rated.empty:
        top = rated.sort_values("rate", ascending=False).head(3)
        highest = "; ".join(
            f"{n} ({rate_text(r, table.rate_digits)})"
            for n, r in zip(top["msoa_name"], top["rate"], strict=True)
        )
        alt_text += f" Highest: {highest}. The table lists every MSOA."
    return Figure(
        id=id,
        title=table.title,
        alt=alt_text,
        table=frame,
        source=source,
        chart=chart,
        definition_version=table.measure.definition,
        synthetic=table.synthetic,
        notes=table.notes,
    )
