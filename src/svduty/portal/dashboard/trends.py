"""A measure's trend as the dashboards draw it: its annual rows as a data table (beside those of
the area it is compared with), the chart with 95% intervals and the text alternative."""

from __future__ import annotations

import re

import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import SYNTHETIC_NOTE
from svduty.analysis.stats import poisson_count_limits
from svduty.portal.dashboard.choice import Choice
from svduty.portal.dashboard.wording import (
    SOURCE_NAMES,
    change_text,
    count_text,
    fmt,
    missing,
    text_or,
)
from svduty.products import charts
from svduty.products.figure import Figure

__all__ = [
    "DIGITS",
    "LOWER",
    "RATE",
    "UPPER",
    "figure_id",
    "rate_unit",
    "series_table",
    "trend_figure",
    "values",
]

RATE, LOWER, UPPER = "Rate", "Lower 95%", "Upper 95%"
DIGITS = {RATE: 2, LOWER: 2, UPPER: 2, "Change from baseline (%)": 1}


def values(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Rates and their 95% limits, or, where no row has a rate, counts and their exact or
    Byar's limits (the same limits a rate's are scaled from)."""
    rates = pd.to_numeric(rows["rate"], errors="coerce") if "rate" in rows else None
    if rates is not None and rates.notna().any():
        return (
            rates,
            pd.to_numeric(rows["lower_95"], errors="coerce"),
            pd.to_numeric(rows["upper_95"], errors="coerce"),
        )
    counts = pd.to_numeric(rows["count"], errors="coerce").astype(float)
    lower, upper, _ = poisson_count_limits(counts.to_numpy(), 0.95)
    return counts, pd.Series(lower, index=rows.index), pd.Series(upper, index=rows.index)


def series_table(mine: pd.DataFrame, place: str, others) -> pd.DataFrame:
    frames = [_annual(mine, place)]
    if others is not None and len(others):
        frames.append(_annual(others, str(others["area_name"].iloc[0])))
    return pd.concat(frames, ignore_index=True)


def _annual(rows: pd.DataFrame, name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Period": rows["period"].to_numpy(),
            "Area": name,
            "Count": pd.to_numeric(rows["count"], errors="coerce").to_numpy(dtype=float),
            "Whole period covered": rows["complete"].map({True: "yes", False: "no"}).to_numpy(),
            RATE: pd.to_numeric(rows["rate"], errors="coerce").to_numpy(dtype=float),
            LOWER: pd.to_numeric(rows["lower_95"], errors="coerce").to_numpy(dtype=float),
            UPPER: pd.to_numeric(rows["upper_95"], errors="coerce").to_numpy(dtype=float),
            "Change from baseline (%)": pd.to_numeric(rows["change_pct"], errors="coerce").to_numpy(
                dtype=float
            ),
            "Trend": [text_or(t, "not assessed") for t in rows["trend"]],
        }
    )


def trend_figure(
    m: Measure, choice: Choice, mine, table: pd.DataFrame, latest, whole: Figure | None = None
) -> Figure:
    """The measure's trend for the choice. ``whole``, the figure of the same measure, place and
    kind of period over every year, lends its chart when the choice is a range of years: the
    range's chart is the whole series' with the rows outside the range left out (building and
    writing a chart costs about 30 ms, a view has 14, and ranges are too many to keep)."""
    x_title = "Financial year" if choice.period_type == "financial_year" else "Calendar year"
    rated = table.dropna(subset=[RATE])
    what = f"rate {rate_unit(m)}" if len(rated) else "count"
    chart = _cut(whole, table) if whole is not None and whole.spec is not None else None
    if chart is not None and what == "count" and whole.table[f"Rate {rate_unit(m)}"].notna().any():
        chart = None  # the whole series charts rates, this range has none: chart its counts
    if chart is None:
        chart, what = _chart(m, table, x_title)
    synthetic = bool(mine["synthetic"].any())
    definition = text_or(latest.get("definition"), "") or None
    return Figure(
        id=figure_id(m),
        title=f"{m.title}, {choice.place}",
        alt=_alt(m, choice, latest, chart is not None, what),
        table=table.rename(columns={RATE: f"Rate {rate_unit(m)}"}),
        source=SOURCE_NAMES.get(m.source, m.source)
        + (" - SYNTHETIC data made by svduty synth, not real records" if synthetic else ""),
        chart=chart,
        definition_version=definition,
        synthetic=synthetic,
        notes=tuple(c for c in _caveats(mine) if c != SYNTHETIC_NOTE) + _gaps(mine),
    )


def _chart(m: Measure, table: pd.DataFrame, x_title: str):
    """The chart of the table's rates, or, where no period has a rate (no population to divide
    by), of its complete periods' counts with their own limits; and what it shows."""
    rated = table.dropna(subset=[RATE])
    if len(rated):
        return _trend_chart(rated, RATE, f"Rate {rate_unit(m)}", x_title), f"rate {rate_unit(m)}"
    counted = table[table["Whole period covered"] == "yes"].dropna(subset=["Count"])
    if len(counted):
        _, lower, upper = values(pd.DataFrame({"count": counted["Count"]}))
        counted = counted.assign(**{LOWER: lower.to_numpy(), UPPER: upper.to_numpy()})
        return _trend_chart(counted, "Count", "Count", x_title), "count"
    return None, "count"


def _cut(whole: Figure, table: pd.DataFrame) -> dict | None:
    """The whole series' chart specification with only the rows of the table's periods; none
    when no row is left (nothing of the range is charted)."""
    spec = whole.spec
    if not spec or "datasets" not in spec:
        return None
    periods = {str(p) for p in table["Period"]}
    datasets = {
        name: [row for row in rows if str(row.get("Period")) in periods]
        for name, rows in spec["datasets"].items()
    }
    if not any(datasets.values()):
        return None
    return {**spec, "datasets": datasets}


def _gaps(mine: pd.DataFrame) -> tuple[str, ...]:
    part = mine[~mine["complete"].astype(bool)]
    if part.empty:
        return ()
    listed = ", ".join(part["period"])
    return (
        f"The data do not cover all of {listed}: those periods keep their counts in the table "
        "but have no rate, change or trend, and the chart leaves them out.",
    )


def _trend_chart(frame: pd.DataFrame, y: str, y_title: str, x_title: str):
    data = frame.copy()
    if data["Period"].astype(str).str.fullmatch(r"\d{4}").all():
        data["Period"] = data["Period"].astype(int)  # calendar years on a numeric axis
    many = data["Area"].nunique() > 1
    return charts.trend(
        data,
        "Period",
        y,
        lower=LOWER,
        upper=UPPER,
        series="Area" if many else None,
        series_title="Area" if many else None,
        y_title=y_title,
        x_title=x_title,
    )


def _alt(m: Measure, choice: Choice, latest: dict, charted: bool, what: str) -> str:
    counted = count_text(latest)
    counted += " counted" if counted[:1].isdigit() else ""
    text = f"{m.title} in {choice.place}, {latest['period']}: {counted}"
    if latest.get("rate") is not None and not missing(latest.get("rate")):
        text += (
            f", {fmt(latest['rate'], 2)} {rate_unit(m)} (95% interval "
            f"{fmt(latest['lower_95'], 2)} to {fmt(latest['upper_95'], 2)})"
        )
    text += "."
    if not missing(latest.get("change_pct")):
        text += f" {change_text(latest)}."
    if not missing(latest.get("trend")):
        text += f" Recent trend: {str(latest['trend']).lower()}."
    if not charted:
        text += " No complete period has a figure to chart."
    elif what == "count":
        text += " The chart shows counts: there is no population to give a rate here."
    return text


def _caveats(rows: pd.DataFrame) -> list[str]:
    out: list[str] = []
    for caveats in rows["caveats"]:
        out += [c for c in caveats if c not in out]
    return out


def figure_id(m: Measure) -> str:
    return "fig-" + re.sub(r"[^a-z0-9]+", "-", m.id.lower()).strip("-")


def rate_unit(m: Measure) -> str:
    who = "residents aged 0 to 24" if m.under_25 else "residents"
    return f"per {m.multiplier:,} {who} per year"
