"""Fingertips recent-trend markers and benchmark comparisons.

PHEindicatormethods publishes no expected values for trends in the reference data, so the
statistics are checked against independent computations: R's documented ``prop.trend.test``
example (chi-squared 8.2249) and statsmodels' weighted least squares; the markers against series
built so the answer is known.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from svduty.analysis.stats import (
    compare_to_benchmark,
    recent_trend,
    trend_chi_squared_proportion,
    trend_chi_squared_weighted,
)
from svduty.analysis.stats.trend import TREND_CHI_SQUARED_THRESHOLD


def test_threshold_is_chi_squared_at_99_8_percent():
    assert stats.chi2.ppf(0.998, 1) == pytest.approx(TREND_CHI_SQUARED_THRESHOLD, abs=1e-4)


def test_proportion_statistic_matches_r_prop_trend_test():
    # R: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82)
    # prop.trend.test(smokers, patients) gives X-squared = 8.2249, p-value = 0.004132
    slope, chi = trend_chi_squared_proportion([1, 2, 3, 4], [83, 90, 129, 70], [86, 93, 136, 82])
    assert chi == pytest.approx(8.2249, abs=5e-5)
    assert stats.chi2.sf(chi, 1) == pytest.approx(0.004132, abs=5e-7)
    assert slope < 0


def test_proportion_slope_is_close_to_the_logistic_regression_slope():
    t = np.arange(2015, 2020, dtype=float)
    r, n = np.array([120, 131, 150, 161, 178]), np.full(5, 1000)
    slope, _ = trend_chi_squared_proportion(t, r, n)
    fit = sm.GLM(
        np.column_stack([r, n - r]), sm.add_constant(t - t.mean()), family=sm.families.Binomial()
    ).fit()
    assert slope == pytest.approx(fit.params[1], rel=0.05)


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_weighted_statistic_matches_statsmodels_wls(confidence):
    t = np.array([1.0, 2, 3, 4, 5])
    y = np.array([30.6, 30.2, 28, 24.6, 24.67])
    lower = np.array([28.98, 28.63, 26.44, 23.15, 23.16])
    upper = np.array([32.25, 31.9, 29.64, 26.19, 26.25])
    slope, chi = trend_chi_squared_weighted(t, y, lower, upper, confidence)
    z = stats.norm.ppf(0.5 + confidence / 2)
    se = (upper - lower) / (2 * z)
    fit = sm.WLS(y, sm.add_constant(t), weights=1 / se**2).fit(cov_type="fixed scale")
    assert slope == pytest.approx(fit.params[1], rel=1e-9)
    assert chi == pytest.approx((fit.params[1] / fit.bse[1]) ** 2, rel=1e-9)


def _limits(values, half_width):
    values = np.asarray(values, dtype=float)
    return values - half_width, values + half_width


def test_decreasing_other_with_polarity():
    y = [30.6, 30.2, 28, 24.6, 24.67]
    lo, hi = _limits(y, 1.6)
    got = recent_trend([2019, 2020, 2021, 2022, 2023], values=y, lower=lo, upper=hi)
    assert (got.trend, got.label, got.reason) == (
        "Decreasing",
        "Decreasing",
        "No outliers and significant trend",
    )
    assert got.chi_squared > TREND_CHI_SQUARED_THRESHOLD
    worse = recent_trend(
        [2019, 2020, 2021, 2022, 2023], values=y, lower=lo, upper=hi, polarity="high_is_good"
    )
    assert worse.label == "Decreasing and getting worse"
    better = recent_trend(
        [2019, 2020, 2021, 2022, 2023], values=y, lower=lo, upper=hi, polarity="RAG - Low is good"
    )
    assert better.label == "Decreasing and getting better"


def test_increasing_proportion_uses_the_last_five_points_only():
    years = [2013, 2014, 2015, 2016, 2017, 2018, 2019]
    # the first two years are high; the last five rise steadily
    numerators = [900, 900, 100, 130, 160, 190, 220]
    got = recent_trend(
        years,
        value_type="proportion",
        numerators=numerators,
        denominators=[1000] * 7,
        polarity="low_is_good",
    )
    assert got.trend == "Increasing" and got.label == "Increasing and getting worse"
    assert got.periods == (2015.0, 2016.0, 2017.0, 2018.0, 2019.0)


def test_points_may_come_in_any_order():
    numerators = [100, 130, 160, 190, 220]
    ordered = recent_trend(
        [1, 2, 3, 4, 5], value_type="proportion", numerators=numerators, denominators=[1000] * 5
    )
    shuffled = recent_trend(
        [3, 1, 5, 2, 4],
        value_type="proportion",
        numerators=[160, 100, 220, 130, 190],
        denominators=[1000] * 5,
    )
    assert shuffled == ordered


def test_outlier_check_rejects_a_trend_made_by_one_point():
    # flat (slightly falling) for four years, then one very high year: significant overall,
    # but without the last point the slope is negative
    y = [10.0, 10.0, 10.0, 9.9, 30.0]
    lo, hi = _limits(y, 0.5)
    _, chi = trend_chi_squared_weighted([1, 2, 3, 4, 5], y, lo, hi)
    assert chi > TREND_CHI_SQUARED_THRESHOLD
    got = recent_trend([1, 2, 3, 4, 5], values=y, lower=lo, upper=hi, polarity="high_is_good")
    assert (got.trend, got.reason, got.label) == (
        "No significant change",
        "Outlier found",
        "No significant change",
    )


def test_no_significant_change():
    y = [20.1, 19.8, 20.4, 19.9, 20.2]
    lo, hi = _limits(y, 2.0)
    got = recent_trend([1, 2, 3, 4, 5], values=y, lower=lo, upper=hi)
    assert (got.trend, got.reason) == ("No significant change", "No significant trend")
    assert got.chi_squared < TREND_CHI_SQUARED_THRESHOLD


def test_cannot_be_calculated():
    few = recent_trend(
        [1, 2, 3, 4], value_type="proportion", numerators=[1, 2, 3, 4], denominators=[10] * 4
    )
    assert (few.trend, few.reason) == ("Cannot be calculated", "Not enough data points")
    assert math.isnan(few.chi_squared)
    missing = recent_trend(
        [1, 2, 3, 4, 5],
        value_type="proportion",
        numerators=[1, 2, None, 4, 5],
        denominators=[10] * 5,
    )
    assert (missing.trend, missing.reason) == ("Cannot be calculated", "Missing values")
    gap = recent_trend(
        [2015, 2016, 2017, 2019, 2020],
        value_type="proportion",
        numerators=[1, 2, 3, 4, 5],
        denominators=[10] * 5,
    )
    assert (gap.trend, gap.reason) == ("Cannot be calculated", "Periods not equally spaced")
    assert gap.label == "Cannot be calculated"


def test_constant_zero_proportion_is_no_change():
    got = recent_trend(
        [1, 2, 3, 4, 5], value_type="proportion", numerators=[0] * 5, denominators=[50] * 5
    )
    assert got.trend == "No significant change"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"periods": [1, 1, 2, 3, 4], "numerators": [1] * 5, "denominators": [9] * 5}, "unique"),
        ({"periods": [1, 2, 3, 4, 5], "numerators": [1] * 5}, "numerators and denominators"),
        ({"periods": [1, 2, 3, 4, 5], "numerators": [1] * 4, "denominators": [9] * 5}, "lengths"),
        (
            {"periods": [1, 2, 3, 4, 5], "numerators": [11] * 5, "denominators": [9] * 5},
            "less than",
        ),
        ({"periods": [1, 2, 3, 4, 5], "numerators": [-1] * 5, "denominators": [9] * 5}, "greater"),
        (
            {
                "periods": [1, 2, 3, 4, 5],
                "numerators": [1] * 5,
                "denominators": [9] * 5,
                "polarity": "up",
            },
            "polarity",
        ),
    ],
)
def test_invalid_proportion_trend_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        recent_trend(value_type="proportion", **kwargs)


def test_invalid_other_trend_input():
    with pytest.raises(ValueError, match="needs values, lower and upper"):
        recent_trend([1, 2, 3, 4, 5], values=[1] * 5)
    with pytest.raises(ValueError, match="confidence must be"):
        recent_trend([1, 2, 3, 4, 5], values=[1] * 5, lower=[0] * 5, upper=[2] * 5, confidence=0.9)
    with pytest.raises(ValueError, match="value_type"):
        recent_trend(
            [1, 2, 3, 4, 5], value_type="dsr", values=[1] * 5, lower=[0] * 5, upper=[2] * 5
        )


# Benchmark comparison


@pytest.mark.parametrize(
    ("lower", "upper", "polarity", "comparison", "assessment"),
    [
        (12.0, 15.0, None, "Higher", "Higher"),
        (12.0, 15.0, "high_is_good", "Higher", "Better"),
        (12.0, 15.0, "low_is_good", "Higher", "Worse"),
        (6.0, 9.0, "high_is_good", "Lower", "Worse"),
        (6.0, 9.0, "RAG - Low is good", "Lower", "Better"),
        (9.0, 11.0, "high_is_good", "Similar", "Similar"),
        (10.0, 11.0, "high_is_good", "Similar", "Similar"),  # touching counts as containing
        (8.0, 10.0, "low_is_good", "Similar", "Similar"),
        (None, 11.0, "high_is_good", "Not compared", "Not compared"),
        (float("nan"), 11.0, None, "Not compared", "Not compared"),
    ],
)
def test_benchmark_comparison(lower, upper, polarity, comparison, assessment):
    got = compare_to_benchmark(lower, upper, 10.0, polarity=polarity)
    assert (got.comparison, got.assessment, got.confidence) == (comparison, assessment, 0.95)


def test_benchmark_missing_and_confidence():
    assert compare_to_benchmark(1, 2, None).comparison == "Not compared"
    assert compare_to_benchmark(1, 2, 0.5, confidence=99.8).confidence == 0.998
    with pytest.raises(ValueError, match="confidence must be"):
        compare_to_benchmark(1, 2, 0.5, confidence=0.9)
    with pytest.raises(ValueError, match="lower limit must not be above"):
        compare_to_benchmark(3, 2, 0.5)
    with pytest.raises(ValueError, match="polarity"):
        compare_to_benchmark(1, 2, 0.5, polarity="sideways")
