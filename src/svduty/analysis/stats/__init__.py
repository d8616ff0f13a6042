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

The names are imported from their modules when first used (PEP 562), not with the package: the
funnel plots and the slope index take scipy.stats, about a second to import, which the measures
(rates, trends, comparisons) do not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from svduty.analysis.stats.dsr import (
        ESP2013,
        ESP2013_AGE_BANDS,
        DsrResult,
        dsr,
        dsr_non_independent,
    )
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

_WHERE = {
    "ESP2013": "dsr",
    "ESP2013_AGE_BANDS": "dsr",
    "DsrResult": "dsr",
    "dsr": "dsr",
    "dsr_non_independent": "dsr",
    "poisson_funnel_expected": "funnel",
    "proportion_control_limits": "funnel",
    "proportion_funnel_limits": "funnel",
    "proportion_funnel_significance": "funnel",
    "rate_control_limits": "funnel",
    "rate_funnel_limits": "funnel",
    "rate_funnel_significance": "funnel",
    "SiiResult": "inequality",
    "slope_index_of_inequality": "inequality",
    "byars_lower": "intervals",
    "byars_upper": "intervals",
    "exact_poisson_lower": "intervals",
    "exact_poisson_upper": "intervals",
    "poisson_count_limits": "intervals",
    "wilson_lower": "intervals",
    "wilson_upper": "intervals",
    "ProportionResult": "proportions",
    "proportion": "proportions",
    "proportions": "proportions",
    "Comparison": "rates",
    "RateResult": "rates",
    "crude_rate": "rates",
    "crude_rates": "rates",
    "percentage_change": "rates",
    "rate_difference": "rates",
    "rate_ratio": "rates",
    "XmrChart": "spc",
    "xmr_chart": "spc",
    "BenchmarkResult": "trend",
    "TrendResult": "trend",
    "compare_to_benchmark": "trend",
    "recent_trend": "trend",
    "trend_chi_squared_proportion": "trend",
    "trend_chi_squared_weighted": "trend",
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
