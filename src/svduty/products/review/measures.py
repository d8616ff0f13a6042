"""Each measure of the review: the year's count and rate, its changes against the baseline
year and the year before, the Fingertips trend marker, one plain sentence and a trend chart.

Record-level sources (police records, police.uk, emergency department records) are counted by
month and compared like with like (svduty.products.review.comparison). Sources published by
financial year (partner returns, ONS tables) are compared whole period with whole period: the
review year 2021 reads the financial year 2021/22, as the measures read the baseline 2019 as
2019/20. A suppressed figure, or one not published for the area, is "cannot tell" with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from svduty.analysis.evidence import where
from svduty.analysis.measures.catalogue import Catalogue, Measure
from svduty.analysis.measures.compute import Geography, denominator_note
from svduty.products import charts, html
from svduty.products.area import Area
from svduty.products.figure import Figure
from svduty.products.review.comparison import (
    Change,
    _baseline,
    _cannot,
    _compare,
    _like_for_like,
    _missing,
    _rate,
)
from svduty.products.review.sources import SOURCES
from svduty.products.review.words import _month_text, _slug
from svduty.products.strategy import file as strategies

MIN_MONTHS_DRAWN = 6


@dataclass(frozen=True)
class MeasureResult:
    """One measure in the review year for the area."""

    measure: Measure
    id: str  # the figure's anchor
    period: str  # "2021 (January to September)", "2021/22"
    available: bool
    count: int | None
    rate: float | None
    lower: float | None
    upper: float | None
    rate_unit: str
    baseline: Change
    previous: Change
    trend: str
    sentence: str
    figure: Figure
    synthetic: bool
    definition_version: str | None
    target: strategies.Target | None = None

    @property
    def target_reached(self) -> bool | None:
        """Whether the year's change from the baseline meets the strategy's target; None when
        there is no target or the change cannot be told."""
        t, b = self.target, self.baseline
        if t is None or b.ratio is None or not b.against.startswith(str(t.baseline_year)):
            return None
        # a fall is reached at or below the target ratio, a rise at or above it
        return b.ratio >= t.ratio if t.change_pct > 0 else b.ratio <= t.ratio

    @property
    def target_met(self) -> str:
        """Where the year stands against the strategy's target for the measure, in words."""
        if self.target is None:
            return ""
        said = f"Target: {self.target.text()} (a rate ratio of {self.target.ratio:.2f})"
        if self.target_reached is None:
            return f"{said}: cannot tell against it this year."
        verdict = "at or past that level" if self.target_reached else "not reached"
        firm = "" if self.baseline.significant else ", though the change is not significant"
        return f"{said}: {verdict} this year (rate ratio {self.baseline.ratio:.2f}{firm})."


def _measure_ids(plan: strategies.Strategy | None, catalogue: Catalogue) -> list[str]:
    """The strategy's measures in the order first named, else the Home Office measures and the
    police.uk open data measures (which every partnership has, partner data or not)."""
    if plan is not None:
        return list(dict.fromkeys(m for p in plan.priorities for m in p.measures))
    return [m.id for m in catalogue.measures if m.home_office or m.source == "police_uk_street"]


def baseline_year(plan: strategies.Strategy | None, cat: Catalogue) -> int:
    """The one baseline year of every measure reviewed: the strategy's (its baseline_year, else
    the year before its period), or without a strategy the measures catalogue's. A measure's
    own baseline_year in the catalogue is not used here: one year for all, stated on the page."""
    return plan.baseline if plan is not None else cat.baseline_year


def _measure(
    m: Measure,
    rows: pd.DataFrame,
    place: Area,
    geo: Geography,
    year: int,
    base_year: int,
    target: strategies.Target | None = None,
) -> MeasureResult:
    mine = rows[rows["area_code"] == place.code] if len(rows) else rows
    unit = f"per {m.multiplier:,} {'residents aged under 25' if m.under_25 else 'residents'}"
    if m.source in where.RECORD_SOURCES:
        got = _record_measure(m, rows, mine, place, geo, year, base_year)
    else:
        got = _aggregate_measure(m, mine, place, year, base_year)
    got["trend"] = _trend(mine, got["label"])
    synthetic = bool(rows["synthetic"].any()) if len(rows) else False
    # a measure outside the local definition has no version: NaN in the rows, never "nan" on
    # the page
    definition = next((d for d in rows.get("definition", []) if _text(d)), None)
    sentence = _sentence(m, place, got, unit)
    figure = _measure_figure(m, place, got, unit, sentence, synthetic, definition, rows)
    return MeasureResult(
        measure=m,
        id=figure.id,
        period=got["period"],
        available=got["count"] is not None,
        count=got["count"],
        rate=got["rate"],
        lower=got["lower"],
        upper=got["upper"],
        rate_unit=f"{unit} per year",
        baseline=got["baseline"],
        previous=got["previous"],
        trend=got["trend"],
        sentence=sentence,
        figure=figure,
        synthetic=synthetic,
        definition_version=definition,
        target=target,
    )


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip()) and value.strip().lower() != "nan"


def _record_measure(m, rows, mine, place, geo, year, base_year) -> dict:
    """Counts by month of the area -> the year, its like-for-like changes and its series."""
    months = mine[mine["period_type"] == "month"]
    monthly = pd.Series(
        months["count"].astype(float).to_numpy(), index=months["period"].astype(str)
    ).dropna()
    reason = _unplaced(rows, place)
    if reason:
        monthly = monthly.iloc[0:0]
    population = geo.population(place.code, m.under_25) if m.denominator != "none" else None
    now = sorted(int(k[5:]) for k in monthly.index if k.startswith(f"{year}-"))
    count = int(sum(monthly[f"{year}-{c:02d}"] for c in now)) if now else None
    rate = _rate(count, population, len(now), m.multiplier)
    series = _annual_series(monthly, population, m.multiplier, year)
    return {
        "label": str(year),
        "period": f"{year}" + ("" if len(now) in (0, 12) else f" ({_month_text(now)})"),
        "months": tuple(now),
        "count": count,
        "rate": rate.value if rate else None,
        "lower": rate.lower_95 if rate else None,
        "upper": rate.upper_95 if rate else None,
        "baseline": _like_for_like(monthly, year, base_year, population, m, reason),
        "previous": _like_for_like(monthly, year, year - 1, population, m, reason),
        "series": series,
        "unavailable": reason or ("" if now else f"no data for {year}"),
    }


def _unplaced(rows: pd.DataFrame, place: Area) -> str:
    """Why a local authority has no figure when nothing of the source is placed in one."""
    if place.is_force_area or rows.empty:
        return ""
    force = rows[(rows["area_code"] == place.pfa_code) & (rows["period_type"] == "month")]
    total, unplaced = force["count"].sum(), force["not_placed"].sum()
    if total > 0 and unplaced == total:
        return "the source is not placed in local authorities (see the force area's review)"
    return ""


def _annual_series(monthly: pd.Series, population, multiplier: int, year: int) -> pd.DataFrame:
    """Per calendar year up to ``year``: events, months covered and the rate per year."""
    out = []
    for y in sorted({int(k[:4]) for k in monthly.index}):
        if y > year:
            continue
        part = monthly[[k.startswith(f"{y}-") for k in monthly.index]]
        rate = _rate(int(part.sum()), population, len(part), multiplier)
        out.append(
            {
                "period": str(y),
                "x": y,
                "months": len(part),
                "count": int(part.sum()),
                "rate": rate.value if rate else math.nan,
                "lower": rate.lower_95 if rate else math.nan,
                "upper": rate.upper_95 if rate else math.nan,
            }
        )
    return pd.DataFrame(out, columns=["period", "x", "months", "count", "rate", "lower", "upper"])


def _aggregate_measure(m: Measure, mine: pd.DataFrame, place: Area, year: int, base_year) -> dict:
    """Published or partner figures: whole periods as sent (financial years before calendar)."""
    kinds = set(mine["period_type"]) if len(mine) else set()
    kind = "financial_year" if "financial_year" in kinds else "calendar_year"
    label = _label(kind, year)
    periods = mine[mine["period_type"] == kind].sort_values("period_start")
    by_label = {r["period"]: r for r in periods.to_dict("records")}
    row = by_label.get(label)
    count = None if row is None or _missing(row["count"]) else int(row["count"])
    why = _aggregate_gap(row, place, label, periods.empty, m.source)

    def versus(then_year: int) -> Change:
        then_label = _label(kind, then_year)
        then = by_label.get(then_label)
        if then_year == year:
            return _baseline(label)
        if why:
            return _cannot(then_label, (), why)
        if then is None or _missing(then["count"]):
            gap = "suppressed" if then is not None and then["suppressed"] else "no figure"
            return _cannot(then_label, (), f"{gap} for {then_label}")
        return _compare(
            then_label, (), count, row["denominator"], int(then["count"]), then["denominator"],
            m.multiplier,
        )  # fmt: skip

    series = pd.DataFrame(
        {
            "period": periods["period"].astype(str),
            "x": periods["period"].astype(str),
            "months": 12,
            "count": periods["count"],
            "rate": periods["rate"].astype(float),
            "lower": periods["lower_95"].astype(float),
            "upper": periods["upper_95"].astype(float),
        }
    )
    series = series[series["period"].str[:4].astype(int) <= year]
    return {
        "label": label,
        "period": label,
        "months": (),
        "count": count,
        "rate": None if row is None else _number(row["rate"]),
        "lower": None if row is None else _number(row["lower_95"]),
        "upper": None if row is None else _number(row["upper_95"]),
        "baseline": versus(base_year),
        "previous": versus(year - 1),
        "series": series.reset_index(drop=True),
        "unavailable": why,
    }


def _aggregate_gap(row, place: Area, label: str, nothing: bool, source: str) -> str:
    if nothing:
        only = source == "published" and not place.is_force_area
        return f"no figures for {place.name}" + (
            " (published for force areas only)" if only else ""
        )
    if row is None:
        return f"no figure for {label}"
    if _missing(row["count"]):
        return f"the {label} figure is suppressed" if row["suppressed"] else f"no count for {label}"
    return ""


def _label(kind: str, year: int) -> str:
    return f"{year}/{str(year + 1)[2:]}" if kind == "financial_year" else str(year)


def _trend(mine: pd.DataFrame, label: str) -> str:
    """The Fingertips marker of the review period's row, or why there is none."""
    if mine.empty:
        return "Cannot be calculated: no data"
    annual = mine[(mine["period_type"] != "month") & (mine["period"] == label)]
    marks = [t for t in annual["trend"] if isinstance(t, str)]
    if marks:
        return marks[0]
    complete = mine[(mine["period_type"] != "month") & mine["complete"] & mine["rate"].notna()]
    upto = [p for p in complete["period"] if str(p)[:4] <= label[:4]]
    return (
        f"Cannot be calculated: the marker needs five complete years with rates up to {label} "
        f"(the data have {len(upto)})"
    )


def _sentence(m: Measure, place: Area, got: dict, unit: str) -> str:
    if got["count"] is None:
        return f"{m.title}, {place.name}, {got['period']}: cannot tell: {got['unavailable']}."
    value = f"{html.fmt_number(got['count'])} events"
    if got["rate"] is not None:
        value += f", {html.fmt_number(got['rate'], 1)} {unit} per year"
    said = [got["baseline"].phrase(m.polarity)]
    if got["previous"].against != got["baseline"].against:
        said.append(got["previous"].phrase(m.polarity))
    else:
        said[0] += ", the baseline year and the year before"
    return f"{m.title}, {place.name}, {got['period']}: {value}; {'; '.join(said)}."


def _measure_figure(m, place, got, unit, sentence, synthetic, definition, rows) -> Figure:
    series = got["series"]
    table = series.rename(
        columns={
            "period": "Period",
            "months": "Months covered",
            "count": "Events",
            "rate": f"Rate {unit} per year",
            "lower": "Lower 95% limit",
            "upper": "Upper 95% limit",
        }
    ).drop(columns="x")
    # A year with a few months of data is too noisy to draw beside whole years (table only).
    drawn = series[series["months"] >= MIN_MONTHS_DRAWN].dropna(subset=["rate"])
    chart = None
    if len(drawn):
        chart = charts.trend(
            drawn,
            "x",
            "rate",
            lower="lower",
            upper="upper",
            y_title=f"Rate {unit} per year",
            x_title="Financial year" if "/" in got["label"] else "Year",
        )
    notes = []
    part = series[series["months"] < 12]
    if len(part):
        listed = ", ".join(f"{p}: {n}" for p, n in zip(part["period"], part["months"], strict=True))
        notes.append(
            f"Years the source covers only in part (months covered: {listed}) are rates per year "
            f"of the months covered; years with fewer than {MIN_MONTHS_DRAWN} months are not drawn."
        )
    caveats = (
        next((c for c in rows.get("caveats", []) if not isinstance(c, float) and len(c)), [])
        if len(rows)
        else []
    )
    notes += [c for c in caveats if c not in notes]
    return Figure(
        id="measure-" + _slug(m.id),
        title=f"{m.title}, {place.name}",
        alt=sentence,
        table=table,
        source=SOURCES.get(m.source, m.source)
        + (f"; {note}" if (note := denominator_note(m)) else ""),
        chart=chart,
        definition_version=definition,
        synthetic=synthetic,
        notes=tuple(notes),
    )


def _number(value) -> float | None:
    return None if _missing(value) else float(value)
