"""Public-health statistics in the PHEindicatormethods / OHID Fingertips conventions.

Pure functions over numbers, numpy arrays and pandas objects; no I/O. Each is checked in the
tests against the expected values published with UKHSA's PHEindicatormethods (R package,
``ukhsa-collaboration/PHEindicatormethods``) where that package has them.

* ``intervals``: exact Poisson, Byar's and Wilson score confidence limits;
* ``rates``: crude rates with 95% and 99.8% limits, rate ratio, rate difference, percentage
  change from a baseline;
* ``proportions``: proportions with Wilson score limits;
* ``dsr``: directly standardised rates (Dobson method, 2013 European Standard Population);
* ``trend``: the Fingertips recent-trend marker and the comparison with a benchmark;
* ``funnel``: funnel plot control limits and significance for rates and proportions;
* ``spc``: XmR charts with the NHS Making Data Count special-cause rules;
* ``inequality``: slope and relative index of inequality.

The funnel plots and the slope index need scipy.stats, about a second to import, which the
measures (rates, trends, comparisons) do not: their names are imported from their modules when
first used (PEP 562); the other modules, which need only numpy and scipy.special, are imported
with the package. (Lazily importing a module that shares a name with one of its functions, such
as ``dsr`` or ``proportions``, would leave the module, not the function, under that name.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from svduty.analysis.stats.dsr import (
    ESP2013,
    ESP2013_AGE_BANDS,
    DsrResult,
    dsr,
    dsr_non_independent,
)
from svduty.analysis.stats.intervals import (
    byars_lower,
    byars_upper,
    exact_poisson_lower,
    exact_poisson_upper,
    poisson_count_limits,
    wilson_lower,
    wilson_upper,
)
from svduty.analysis.stats.proportions import ProportionResult, proportion, proportions
from svduty.analysis.stats.rates import (
    Comparison,
    RateResult,
    crude_rate,
    crude_rates,
    percentage_change,
    rate_difference,
    rate_ratio,
)
from svduty.analysis.stats.spc import XmrChart, xmr_chart
from svduty.analysis.stats.trend import (
    BenchmarkResult,
    TrendResult,
    compare_to_benchmark,
    recent_trend,
    trend_chi_squared_proportion,
    trend_chi_squared_weighted,
)

if TYPE_CHECKING:
    from svduty.analysis.stats.funnel import (
        poisson_funnel_expected,
        proportion_control_limits,
        proportion_funnel_limits,
        proportion_funnel_significance,
        rate_control_limits,
        rate_funnel_limits,
        rate_funnel_significance,
    )
    from svduty.analysis.stats.inequality import SiiResult, slope_index_of_inequality

_WHERE = {
    "poisson_funnel_expected": "funnel",
    "proportion_control_limits": "funnel",
    "proportion_funnel_limits": "funnel",
    "proportion_funnel_significance": "funnel",
    "rate_control_limits": "funnel",
    "rate_funnel_limits": "funnel",
    "rate_funnel_significance": "funnel",
    "SiiResult": "inequality",
    "slope_index_of_inequality": "inequality",
}

__all__ = [
    "ESP2013",
    "ESP2013_AGE_BANDS",
    "BenchmarkResult",
    "Comparison",
    "DsrResult",
    "ProportionResult",
    "RateResult",
    "SiiResult",
    "TrendResult",
    "XmrChart",
    "byars_lower",
    "byars_upper",
    "compare_to_benchmark",
    "crude_rate",
    "crude_rates",
    "dsr",
    "dsr_non_independent",
    "exact_poisson_lower",
    "exact_poisson_upper",
    "percentage_change",
    "poisson_count_limits",
    "poisson_funnel_expected",
    "proportion",
    "proportion_control_limits",
    "proportion_funnel_limits",
    "proportion_funnel_significance",
    "proportions",
    "rate_control_limits",
    "rate_difference",
    "rate_funnel_limits",
    "rate_funnel_significance",
    "rate_ratio",
    "recent_trend",
    "slope_index_of_inequality",
    "trend_chi_squared_proportion",
    "trend_chi_squared_weighted",
    "wilson_lower",
    "wilson_upper",
    "xmr_chart",
]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
