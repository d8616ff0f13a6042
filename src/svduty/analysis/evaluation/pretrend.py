"""The pre-trend check: were the treated areas already moving differently from the
comparison areas before the start? If they were, the comparison may not be valid and the
verdict says the data cannot tell."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from svduty.analysis.evaluation.poisson import _design, _poisson
from svduty.analysis.evidence.quality import Result

#: A pre-trend difference with p below this fails the check.
PRETREND_ALPHA = 0.05
PRETREND_MIN_MONTHS = 3


@dataclass(frozen=True)
class PreTrend(Result):
    """Were the treated areas already moving differently before the start?

    A Poisson model of the pre-period months (area and month fixed effects) with a treated x
    linear time term; ``ratio_per_year`` is how much the treated areas' counts grew per year
    relative to the comparison areas' (1 = parallel). ``passed`` is None when not tested.
    Passing does not prove the trends were parallel: the test has little power on short series.
    """

    tested: bool
    ratio_per_year: float | None
    lower: float | None
    upper: float | None
    p_value: float | None
    passed: bool | None
    note: str


def _pretrend(before: pd.DataFrame, level: float, clustered: bool) -> PreTrend:
    months = sorted(before["month"].unique())
    treated_events = int(before.loc[before["treated"], "count"].sum())
    comparison_events = int(before.loc[~before["treated"], "count"].sum())
    if len(months) < PRETREND_MIN_MONTHS or not treated_events or not comparison_events:
        note = (
            f"The pre-trend check needs at least {PRETREND_MIN_MONTHS} months before the start "
            "and events in both groups; it was not done."
        )
        return PreTrend(
            tested=False,
            ratio_per_year=None,
            lower=None,
            upper=None,
            p_value=None,
            passed=None,
            note=note,
        )
    index = before["month"].map(_month_index)
    years = (index - index.min()) / 12
    design = _design(before, years.where(before["treated"], 0.0), "treated_trend")
    ratio, lo, hi, p = _poisson(design, "treated_trend", level, clustered)
    passed = p >= PRETREND_ALPHA
    note = (
        "Before the start the treated and comparison areas moved in parallel as far as the "
        f"data show (pre-trend check p = {p:.2f}); the check has little power on short series."
        if passed
        else f"Before the start the treated areas were already moving differently from the "
        f"comparison areas (pre-trend check p = {p:.3f}): the comparison may not be valid."
    )
    return PreTrend(
        tested=True, ratio_per_year=ratio, lower=lo, upper=hi, p_value=p, passed=passed, note=note
    )


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1
