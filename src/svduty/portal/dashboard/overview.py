"""The overview: one tile per measure for an area and kind of period, read from the precomputed
results table (results_table) — the latest figure with its 95% interval, the change from the
baseline with its direction and whether it is significant, a sparkline of the series drawn here
as a small SVG with its text alternative, the period the figure covers, and whether it is
synthetic or covers part of its period only. A measure with no figure for the area says why;
a missing figure is never shown as zero."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.portal.dashboard.caching import TILES, key
from svduty.portal.dashboard.choice import PERIOD_TYPES, Choice
from svduty.portal.dashboard.configured import catalogue, catalogue_stamp, config
from svduty.portal.dashboard.measure_panels import _unavailable
from svduty.portal.dashboard.results_table import results_table
from svduty.portal.dashboard.trends import figure_id, rate_unit
from svduty.portal.dashboard.wording import fmt, missing
from svduty.settings import Config
from svduty.warehouse import Warehouse

__all__ = ["CHANGE_TEST", "Tile", "sparkline", "tiles"]

# How compute() tests a change from the baseline (svduty.analysis.stats.rates.percentage_change).
CHANGE_TEST = "rate ratio with its 95% log-normal interval (Kirkwood and Sterne)"
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 28, 3


@dataclass(frozen=True)
class Tile:
    """One measure's tile. ``value`` is None when the measure has no figure here, and then
    ``unavailable`` says why."""

    measure: Measure
    value: float | None = None  # the rate, or the count for a measure without a population
    value_text: str = ""
    unit: str = ""
    lower: float | None = None
    upper: float | None = None
    period: str = ""
    complete: bool = True
    months_covered: int | None = None
    synthetic: bool = False
    change_pct: float | None = None
    change_lower: float | None = None
    change_upper: float | None = None
    baseline: str | None = None
    spark_svg: str = ""
    spark_text: str = ""
    unavailable: str | None = None
    charted: bool = True  # whether the measures page has a trend chart of it for this choice

    @property
    def anchor(self) -> str:
        """Where the measure's detail is on the measures page: its chart, or the list of the
        measures not shown there, with why."""
        return figure_id(self.measure) if self.charted else "not-shown"

    @property
    def interval(self) -> str:
        if missing(self.lower) or missing(self.upper):
            return ""
        return f"{fmt(self.lower, 2)} to {fmt(self.upper, 2)}"

    @property
    def direction(self) -> str:
        """ "up", "down" or "no change" from the baseline ("" with no change measured)."""
        if self.change_pct is None:
            return ""
        return "up" if self.change_pct > 0 else "down" if self.change_pct < 0 else "no change"

    @property
    def significant(self) -> bool | None:
        """Whether the change's 95% interval excludes no change (None: no interval)."""
        if self.change_lower is None or self.change_upper is None:
            return None
        return self.change_lower > 0 or self.change_upper < 0

    @property
    def change_headline(self) -> str:
        """The change from the baseline in a few words: direction, size, baseline, verdict."""
        if self.change_pct is None:
            return "No change measured: no complete baseline year"
        if self.change_pct == 0:
            what = f"No change from {self.baseline}"
        else:
            what = f"{self.direction.capitalize()} {abs(self.change_pct):.1f}% from {self.baseline}"
        if self.significant is None:
            return f"{what}, not tested (no events)"
        return f"{what}, {'significant' if self.significant else 'not significant'}"

    @property
    def change_interval(self) -> str:
        if self.significant is None:
            return ""
        return f"95% interval {self.change_lower:+.1f}% to {self.change_upper:+.1f}%"

    @property
    def change_text(self) -> str:
        return " ".join(filter(None, (self.change_headline, self.change_interval)))


def tiles(wh: Warehouse, version, choice: Choice, cfg: Config | None = None) -> list[Tile]:
    """A tile per measure of the catalogue, in its order, for ``choice``'s area and kind of
    period (its ward and years are not used: the overview shows every year of an area). Kept
    per data version in every process (caching.TILES); the worker makes them after each load."""
    cfg = cfg or config()
    stamp = catalogue_stamp(cfg)
    made = key(wh, version.loads, "tiles", choice.area.code, choice.period_type, stamp)
    return TILES.get(made, lambda: _tiles(wh, version, choice, cfg))


def _tiles(wh: Warehouse, version, choice: Choice, cfg: Config) -> list[Tile]:
    table = results_table(wh, version, cfg, choice.area)
    kinds: dict[str, set] = {}
    by_measure: dict = {}
    if len(table):
        table = table[table["area_code"] == choice.area.code]
        for (measure, kind), _ in table.groupby(["measure", "period_type"], sort=False):
            kinds.setdefault(measure, set()).add(kind)
        table = table[table["period_type"] == choice.period_type]
        by_measure = dict(tuple(table.groupby("measure", sort=False)))
    choice = Choice(choice.area, choice.period_type)
    return [
        _tile(m, by_measure.get(m.id), choice, kinds.get(m.id, set()))
        for m in catalogue(cfg).measures
    ]


def _tile(m: Measure, rows: pd.DataFrame | None, choice: Choice, kinds: set) -> Tile:
    reason = _unavailable(m, choice)
    if reason is not None:
        return Tile(m, unavailable=reason, charted=False)
    if rows is None or rows.empty:
        return Tile(m, unavailable=_no_rows(choice, kinds), charted=False)
    rows = rows.sort_values("period_start")
    complete = rows[rows["complete"]]
    latest = (complete if len(complete) else rows).iloc[-1]
    by_rate = m.denominator != "none"
    value = _number(latest["rate"] if by_rate else latest["count"])
    if value is None:
        why = (
            "The count was suppressed by the sender."
            if bool(latest["suppressed"])
            else "No figure for the latest period (no population to divide by)."
        )
        return Tile(m, period=str(latest["period"]), unavailable=why)
    series = [
        (str(r.period), _number(r.rate if by_rate else r.count))
        for r in complete.itertuples(index=False)
    ]
    svg, text = sparkline(series, "Rate" if by_rate else "Count", PERIOD_TYPES[choice.period_type])
    months = _number(latest["months_covered"])
    return Tile(
        m,
        value=value,
        value_text=fmt(value, 2 if by_rate else 0),
        unit=rate_unit(m) if by_rate else "a year",
        lower=_number(latest["lower_95"]),
        upper=_number(latest["upper_95"]),
        period=str(latest["period"]),
        complete=bool(latest["complete"]),
        months_covered=None if months is None else int(months),
        synthetic=bool(rows["synthetic"].any()),
        change_pct=_number(latest["change_pct"]),
        change_lower=_number(latest["change_lower"]),
        change_upper=_number(latest["change_upper"]),
        baseline=None if missing(latest["baseline"]) else str(latest["baseline"]),
        spark_svg=svg,
        spark_text=text,
    )


def _no_rows(choice: Choice, kinds: set) -> str:
    """Why a measure has no rows for the kind of period chosen (as the measures page says)."""
    other = [k for k in PERIOD_TYPES if k != choice.period_type and k in kinds]
    if other:
        return (
            f"Figures come by {PERIOD_TYPES[other[0]].split(' (')[0].lower()} only: choose "
            "those periods to see them."
        )
    return "No data for this measure have been loaded yet."


def _number(value) -> float | None:
    return None if missing(value) else float(value)


def sparkline(series: list[tuple[str, float | None]], what: str, periods: str) -> tuple[str, str]:
    """A small SVG line of ``series`` (label, value; None breaks the line) and its text
    alternative. Drawn here, not by the browser: it is part of the page without JavaScript.
    Empty strings for fewer than two values."""
    points = [(i, v) for i, (_, v) in enumerate(series) if v is not None]
    if len(points) < 2:
        return "", ""
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(series) - 1, 1)

    def xy(i: int, v: float) -> str:
        x = SPARK_PAD + i * step
        y = SPARK_HEIGHT - SPARK_PAD - (v - low) / span * (SPARK_HEIGHT - 2 * SPARK_PAD)
        return f"{x:.1f},{y:.1f}"

    runs, run = [], []
    for i, (_, v) in enumerate(series):
        if v is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(xy(i, v))
    if run:
        runs.append(run)
    lines = "".join(
        f'<polyline points="{" ".join(r)}" fill="none" stroke="currentColor" stroke-width="1.5"/>'
        for r in runs
        if len(r) > 1
    )
    last_i, last_v = points[-1]
    x, y = xy(last_i, last_v).split(",")
    dot = f'<circle cx="{x}" cy="{y}" r="2.5" fill="currentColor"/>'
    labels = [label for label, _ in series]
    first = next(label for label, v in series if v is not None)
    lowest = next(label for label, v in series if v == low)
    highest = next(label for label, v in series if v == high)
    text = (
        f"{what} by {periods.split(' (')[0].lower()}, {first} to {labels[last_i]}: "
        f"{_short(series[points[0][0]][1])} in {first}, {_short(last_v)} in {labels[last_i]}; "
        f"lowest {_short(low)} ({lowest}), highest {_short(high)} ({highest})."
    )
    gaps = [label for label, v in series if v is None]
    if gaps:
        text += f" No figure for {', '.join(gaps)}."
    svg = (
        f'<svg class="sparkline" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" '
        f'viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" aria-hidden="true" focusable="false">'
        f"{lines}{dot}</svg>"
    )
    return svg, text


def _short(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "no figure"
    return fmt(value, 2 if value != int(value) else 0)
