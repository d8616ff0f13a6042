"""The precomputed table of measure results the dashboards read: one row per area, kind of
period, period and measure, with what the pages show of it (count, rate and its 95% interval,
the numerator and denominator, the change from the baseline and its interval, the trend, the
comparison, and whether it is synthetic or covers only part of its period).

It is written by the background worker straight after each load (warming.warm) into the shared
results on disk (shared.SharedResults), keyed by the warehouse and the data version of every
source, so a reader finds it ready instead of computing measures while they wait; while the
worker catches up with a load, catching_up.when_ready reads the table of the version it last
finished. Why it lives there and not in the warehouse: docs/concurrency.md, point 10.
"""

from __future__ import annotations

import pandas as pd

from svduty.portal.dashboard.caching import DATA, key
from svduty.portal.dashboard.configured import catalogue_stamp
from svduty.portal.dashboard.results import area_results
from svduty.products.area import Area
from svduty.settings import Config
from svduty.warehouse import Warehouse

__all__ = ["COLUMNS", "KEY_COLUMNS", "results_table", "table_key"]

KEY_COLUMNS = ("measure", "area_code", "period_type", "period")
# What the dashboards show of a result (the columns of `svduty measures --json` they use).
COLUMNS = (
    *KEY_COLUMNS,
    "area_name",
    "period_start",
    "period_end",
    "complete",
    "months_covered",
    "count",
    "suppressed",
    "denominator",
    "rate",
    "lower_95",
    "upper_95",
    "baseline",
    "change_pct",
    "change_lower",
    "change_upper",
    "trend",
    "comparison",
    "synthetic",
)


def table_key(wh: Warehouse, version, cfg: Config, area: Area) -> tuple:
    """The table's key: the whole data version (any load may change some of its rows)."""
    return key(wh, version.loads, "results table", area.pfa_code, catalogue_stamp(cfg))


def results_table(wh: Warehouse, version, cfg: Config, area: Area) -> pd.DataFrame:
    """The results of every measure for ``area``'s force area and its local authorities, by
    calendar and financial year, as the worker left them after the load of ``version`` (made
    here from the measures' shared results if the worker has not: a portal without its worker,
    or a fresh one). Sorted by measure, area, kind of period and period start."""

    def make() -> pd.DataFrame:
        rows = area_results(wh, version, cfg, area)
        if rows.empty:
            return pd.DataFrame(columns=list(COLUMNS))
        table = rows.loc[:, list(COLUMNS)].sort_values(
            ["measure", "area_code", "period_type", "period_start"], kind="stable"
        )
        return table.reset_index(drop=True)

    return DATA.get(table_key(wh, version, cfg, area), make)
