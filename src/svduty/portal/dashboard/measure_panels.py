"""The measures page: every measure of the catalogue for an area or ward, a kind of period and a
range of years, as a panel with its latest figure, its trend and its data table, or why it has
no figures there."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.portal.dashboard.caching import PANELS, key
from svduty.portal.dashboard.choice import PERIOD_TYPES, Choice
from svduty.portal.dashboard.configured import catalogue, catalogue_stamp, config
from svduty.portal.dashboard.results import (
    ENGLAND_AND_WALES,
    PLACED_SOURCES,
    area_results,
    measure_results_by_area,
)
from svduty.portal.dashboard.trends import DIGITS, figure_id, rate_unit, series_table, trend_figure
from svduty.portal.dashboard.ward_measures import ward_results
from svduty.portal.dashboard.wording import (
    change_text,
    count_text,
    fmt,
    interval,
    table_cells,
    text_or,
)
from svduty.products.figure import Figure
from svduty.settings import Config
from svduty.warehouse import Warehouse

__all__ = ["Panel", "area_years", "panels"]

NOT_FOR_AREAS = {
    "published": "ONS publishes this figure for police force areas only: choose the force area.",
    "ed_assault": (
        "Emergency departments report by site, not by where people live: only the force area "
        "total is shown."
    ),
}
NOT_FOR_WARDS = (
    "Counted for local authorities and the force area only: its rows carry no LSOA to place "
    "them in a ward."
)


def area_years(wh: Warehouse, version, choice: Choice, cfg: Config | None = None) -> list[int]:
    """The years (starting years, for financial years) the measures have rows for, for the
    chosen area or ward and kind of period."""
    rows = _rows_for(wh, version, cfg or config(), choice)
    if rows.empty:
        return []
    part = rows[rows["period_type"] == choice.period_type]
    return sorted({int(s[:4]) for s in part["period_start"]})


def _rows_for(wh: Warehouse, version, cfg: Config, choice: Choice) -> pd.DataFrame:
    if choice.ward is not None:
        return ward_results(wh, version, cfg, choice)
    rows = area_results(wh, version, cfg, choice.area)
    if rows.empty:
        return rows
    return rows[rows["area_code"] == choice.area.code]


@dataclass(frozen=True)
class Panel:
    """One measure as the dashboard shows it for a choice: its rows in the range, the latest of
    them (the latest complete one, where there is one), its figure and its data table; or why
    it has no figures here (``unavailable``)."""

    measure: Measure
    rows: pd.DataFrame
    latest: dict | None
    figure: Figure | None
    cells: dict | None
    unavailable: str | None = None

    @property
    def anchor(self) -> str:
        return figure_id(self.measure)

    @property
    def synthetic(self) -> bool:
        return bool(self.latest and self.latest.get("synthetic"))

    @property
    def headline(self) -> dict:
        """The latest row, worded for the headline table."""
        r, m = self.latest or {}, self.measure
        return {
            "period": r.get("period", ""),
            "count": count_text(r),
            "rate": fmt(r.get("rate"), 2),
            "interval": interval(r.get("lower_95"), r.get("upper_95")),
            "unit": rate_unit(m),
            "change": change_text(r),
            "trend": text_or(r.get("trend"), "Not assessed (needs five complete years)"),
            "comparison": text_or(r.get("comparison"), ""),
            "complete": bool(r.get("complete")),
        }


def panels(wh: Warehouse, version, choice: Choice, cfg: Config | None = None) -> list[Panel]:
    """Every measure of the catalogue for ``choice``, in the catalogue's order, each with its
    chart's Vega-Lite specification for the browser to draw. Each panel is kept until a load
    changes what its measure reads, so a load of one feed redraws only the panels of the
    measures counted from it."""
    cfg = cfg or config()
    stamp = catalogue_stamp(cfg)

    def panel(m: Measure, chosen: Choice) -> Panel:
        def make() -> Panel:
            whole = None
            if chosen.first is not None or chosen.last is not None:
                # a range of years: the chart is cut from the panel over every year
                whole = panel(m, dataclasses.replace(chosen, first=None, last=None)).figure
            return _measure_panel(wh, version, cfg, chosen, m, whole)

        return PANELS.get(key(wh, version.of(m), "panel", repr(m), chosen, stamp), make)

    return [panel(m, choice) for m in catalogue(cfg).measures]


def _measure_panel(
    wh: Warehouse, version, cfg: Config, choice: Choice, m: Measure, whole: Figure | None
) -> Panel:
    if choice.ward is not None:
        return _panel(m, ward_results(wh, version, cfg, choice), None, choice, whole)
    by_area = measure_results_by_area(wh, version, cfg, choice.area, m)
    if not by_area:
        return _panel(m, pd.DataFrame(), None, choice)
    # beside a local authority its force area; beside the force area England and Wales
    # (published figures only)
    other = ENGLAND_AND_WALES if choice.area.is_force_area else choice.area.pfa_code
    empty = next(iter(by_area.values())).iloc[0:0]
    mine, comparator = (by_area.get(code, empty) for code in (choice.area.code, other))
    return _panel(m, mine, comparator, choice, whole)


def _panel(
    m: Measure, rows: pd.DataFrame, comparator, choice: Choice, whole: Figure | None = None
) -> Panel:
    reason = _unavailable(m, choice)
    mine = rows[(rows["measure"] == m.id)] if len(rows) else rows
    if reason is None and mine.empty:
        reason = "No data for this measure have been loaded yet."
    if reason is not None:
        return Panel(m, pd.DataFrame(), None, None, None, reason)
    kinds = set(mine["period_type"])
    mine = _in_range(mine, choice)
    if mine.empty:
        other = [k for k in PERIOD_TYPES if k != choice.period_type and k in kinds]
        why = (
            f"Figures for this measure come by {PERIOD_TYPES[other[0]].split(' (')[0].lower()} "
            "only: choose those periods to see them."
            if choice.period_type not in kinds and other
            else "No figures for this measure in the years chosen."
        )
        return Panel(m, mine, None, None, None, why)
    complete = mine[mine["complete"]]
    latest = (complete if len(complete) else mine).iloc[-1].to_dict()
    others = None
    if comparator is not None and len(comparator):
        others = _in_range(comparator[comparator["measure"] == m.id], choice)
    table = series_table(mine, choice.place, others)
    # the chart kept as its specification: written once, and plain data to share
    figure = trend_figure(m, choice, mine, table, latest, whole).specified()
    return Panel(m, mine, latest, figure, table_cells(table, DIGITS), None)


def _unavailable(m: Measure, choice: Choice) -> str | None:
    if choice.ward is not None and m.source not in PLACED_SOURCES:
        return NOT_FOR_WARDS
    if not choice.area.is_force_area:
        return NOT_FOR_AREAS.get(m.source)
    return None


def _in_range(rows: pd.DataFrame, choice: Choice) -> pd.DataFrame:
    # one mask, one copy: each copy of these wide frames costs more than the comparisons
    keep = rows["period_type"] == choice.period_type
    if choice.first is not None or choice.last is not None:
        years = rows["period_start"].str[:4].astype(int)
        if choice.first is not None:
            keep &= years >= choice.first
        if choice.last is not None:
            keep &= years <= choice.last
    return rows[keep].sort_values("period_start")
