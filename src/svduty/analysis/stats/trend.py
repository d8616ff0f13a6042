"""Fingertips recent-trend markers and benchmark comparisons.

Recent trend (OHID, Fingertips trend markers,
https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/Trend_markers.html,
and PHEindicatormethods ``assign_trend_markers``):

* only the five most recent points are used; fewer than five: "Cannot be calculated";
* points must be annual, non-overlapping and without breaks (the caller's duty; here the five
  periods must be distinct and equally spaced, else "Cannot be calculated");
* proportions are tested with the chi-squared test for trend in proportions (the score test of a
  logistic regression on time: Cochran 1954, Armitage 1955) from numerators and denominators;
  every other indicator type by weighted least squares on time with weights 1/SE^2, SE taken
  from the confidence interval as (upper - lower) / (2 z), and chi-squared = slope^2 / var(slope);
* the trend is significant when chi-squared > 9.5495 (1 degree of freedom, p < 0.002, the 99.8%
  level);
* robustness: a significant trend is re-fitted five times, each time without one point; if any
  of those slopes has the other sign, an outlier drives the trend and the marker is "No
  significant change" (reason "Outlier found");
* polarity (high is good / low is good) turns "Increasing" into "Increasing and getting better"
  or "... getting worse".

The exact formulae Fingertips uses for the standard errors were not available to check against
(docs/sources.md, "Rates and intervals", marks them [U]); the tests check the statistics
against independent computations (R's ``prop.trend.test`` published example, statsmodels WLS).

Benchmark comparison (Fingertips "Comparators" / RAG rating): the area's 95% or 99.8% confidence
interval is compared with the benchmark value. If the interval lies wholly above it the area is
"Higher", wholly below "Lower", otherwise "Similar"; polarity makes Higher/Lower "Better" or
"Worse"; with no value or limits the area is "Not compared".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from svduty.analysis.stats._checks import (
    as_array,
    confidence_level,
    non_negative,
    positive,
    same_length,
    z_value,
)

#: chi-squared with 1 degree of freedom at p = 0.002 (99.8%), to 4 decimals as Fingertips and
#: PHEindicatormethods use it.
TREND_CHI_SQUARED_THRESHOLD = 9.5495
#: The number of most recent points the recent trend uses.
TREND_POINTS = 5

INCREASING = "Increasing"
DECREASING = "Decreasing"
NO_CHANGE = "No significant change"
CANNOT = "Cannot be calculated"
NOT_COMPARED = "Not compared"

HIGH_IS_GOOD = "high_is_good"
LOW_IS_GOOD = "low_is_good"


def normalise_polarity(polarity: str | None) -> str | None:
    """``"high_is_good"``, ``"low_is_good"`` or None (no judgement) from the names in use.

    Accepts those three, and the Fingertips polarity names "RAG - High is good", "RAG - Low is
    good", "BOB - Blue orange blue" and "RAG - No judgement" (any case).
    """
    if polarity is None:
        return None
    text = str(polarity).strip().lower().replace("_", " ")
    if "high is good" in text or text == "higher is better":
        return HIGH_IS_GOOD
    if "low is good" in text or text == "lower is better":
        return LOW_IS_GOOD
    if "no judgement" in text or "blue orange blue" in text or text in ("none", "neutral"):
        return None
    raise ValueError(
        f"polarity must be 'high_is_good', 'low_is_good' or None (no judgement), not {polarity!r}"
    )


@dataclass(frozen=True)
class TrendResult:
    """A recent-trend marker.

    ``trend`` is "Increasing", "Decreasing", "No significant change" or "Cannot be calculated";
    ``label`` adds the polarity ("Increasing and getting worse"); ``reason`` says why; the slope
    (per unit of period, on the logit scale for proportions) and chi-squared are NaN when not
    calculated.
    """

    trend: str
    label: str
    reason: str
    slope: float = math.nan
    chi_squared: float = math.nan
    periods: tuple[float, ...] = ()


def trend_chi_squared_proportion(periods, numerators, denominators) -> tuple[float, float]:
    """Slope and chi-squared of the chi-squared test for trend in proportions.

    With p = sum(r)/sum(n), tbar = sum(n t)/sum(n), U = sum(r (t - tbar)) and
    S = sum(n (t - tbar)^2): chi-squared = U^2 / (p (1 - p) S) and slope = U / (p (1 - p) S), the
    one-step (score) estimate of the logistic-regression slope per unit of time. NaN when every
    proportion is 0 or every proportion is 1.

    Method: Armitage P. Tests for linear trends in proportions and frequencies. Biometrics
    1955;11:375-386; Cochran WG. Biometrics 1954;10:417-451 (the statistic of R's
    ``prop.trend.test``); used for proportions by the Fingertips trend markers.
    """
    t = as_array(periods, "periods")
    r = as_array(numerators, "numerators")
    n = as_array(denominators, "denominators")
    same_length(periods=t, numerators=r, denominators=n)
    if np.isnan(t).any() or np.isnan(r).any() or np.isnan(n).any():
        raise ValueError("periods, numerators and denominators cannot have missing values")
    non_negative(r, "numerators")
    positive(n, "denominators")
    if (r > n).any():
        raise ValueError("numerators must be less than or equal to denominators for a proportion")
    p = r.sum() / n.sum()
    tbar = np.sum(n * t) / n.sum()
    u = float(np.sum(r * (t - tbar)))
    s = float(np.sum(n * (t - tbar) ** 2))
    if p <= 0 or p >= 1 or s == 0:
        return math.nan, math.nan
    slope = u / (p * (1 - p) * s)
    return slope, u**2 / (p * (1 - p) * s)


def trend_chi_squared_weighted(
    periods, values, lower, upper, confidence: float = 0.95
) -> tuple[float, float]:
    """Slope and chi-squared of a weighted least-squares trend with known standard errors.

    SE_i = (upper_i - lower_i) / (2 z), w_i = 1 / SE_i^2;
    slope = (sum w sum w t y - sum w t sum w y) / D, var(slope) = sum w / D with
    D = sum w sum w t^2 - (sum w t)^2; chi-squared = slope^2 / var(slope). The residual variance
    is not estimated (the SEs are taken as known).

    Method: weighted linear regression on time as in the Fingertips trend markers for indicator
    types other than proportions (PHEindicatormethods ``assign_trend_markers``, value_type
    "other"); the SE from a symmetric CI as in Altman DG, Bland JM. BMJ 2011;343:d2090.
    """
    t = as_array(periods, "periods")
    y = as_array(values, "values")
    lo = as_array(lower, "lower limits")
    hi = as_array(upper, "upper limits")
    same_length(periods=t, values=y, lower=lo, upper=hi)
    if any(np.isnan(a).any() for a in (t, y, lo, hi)):
        raise ValueError("periods, values and confidence limits cannot have missing values")
    if (hi <= lo).any():
        raise ValueError("every upper confidence limit must be above its lower limit")
    se = (hi - lo) / (2 * z_value(confidence))
    w = 1 / se**2
    sw, swt, swy = w.sum(), np.sum(w * t), np.sum(w * y)
    d = sw * np.sum(w * t * t) - swt**2
    if d <= 0:
        return math.nan, math.nan
    slope = float((sw * np.sum(w * t * y) - swt * swy) / d)
    return slope, slope**2 / float(sw / d)


def _label(trend: str, polarity: str | None) -> str:
    if trend not in (INCREASING, DECREASING) or polarity is None:
        return trend
    better = (trend == INCREASING) == (polarity == HIGH_IS_GOOD)
    return f"{trend} and getting {'better' if better else 'worse'}"


def _result(trend, reason, polarity, slope=math.nan, chi=math.nan, periods=()) -> TrendResult:
    used = tuple(float(p) for p in periods)
    return TrendResult(trend, _label(trend, polarity), reason, float(slope), float(chi), used)


def recent_trend(
    periods,
    *,
    value_type: str = "other",
    numerators=None,
    denominators=None,
    values=None,
    lower=None,
    upper=None,
    confidence: float = 0.95,
    polarity: str | None = None,
) -> TrendResult:
    """The Fingertips recent-trend marker from the five most recent points.

    ``value_type`` "proportion" needs ``numerators`` and ``denominators``; "other" (rates, DSRs,
    ratios, means, life expectancy...) needs ``values`` with ``lower`` and ``upper`` confidence
    limits at ``confidence`` (0.95 or 0.998). ``periods`` are numbers (years); the points may come
    in any order and are sorted by period. Duplicate periods raise ``ValueError``. Missing values
    among the last five points, or unequally spaced periods, give "Cannot be calculated".

    Method: OHID Fingertips trend markers (Public Health Technical Guidance, "Trend markers") and
    PHEindicatormethods ``assign_trend_markers``: chi-squared test for trend over the last five
    points, significant above 9.5495 (p < 0.002), then each point dropped in turn and the trend
    rejected ("Outlier found") if any slope changes sign. See the module docstring.
    """
    pol = normalise_polarity(polarity)
    t = as_array(periods, "periods")
    if np.isnan(t).any():
        raise ValueError("periods cannot have missing values")
    if len(np.unique(t)) != len(t):
        raise ValueError("periods must be unique (one point per period)")
    if value_type not in ("proportion", "other"):
        raise ValueError(f"value_type must be 'proportion' or 'other', not {value_type!r}")
    if value_type == "proportion":
        if numerators is None or denominators is None:
            raise ValueError("a proportion trend needs numerators and denominators")
        columns = {
            "numerators": as_array(numerators, "numerators"),
            "denominators": as_array(denominators, "denominators"),
        }
    else:
        if values is None or lower is None or upper is None:
            raise ValueError("a trend of value_type 'other' needs values, lower and upper limits")
        confidence_level(confidence)
        columns = {
            "values": as_array(values, "values"),
            "lower": as_array(lower, "lower"),
            "upper": as_array(upper, "upper"),
        }
    same_length(periods=t, **columns)
    if len(t) < TREND_POINTS:
        return _result(CANNOT, "Not enough data points", pol)
    order = np.argsort(t)[-TREND_POINTS:]
    t5 = t[order]
    last = {k: v[order] for k, v in columns.items()}
    if any(np.isnan(v).any() for v in last.values()):
        return _result(CANNOT, "Missing values", pol, periods=t5)
    steps = np.diff(t5)
    if not np.allclose(steps, steps[0]):
        return _result(CANNOT, "Periods not equally spaced", pol, periods=t5)

    if value_type == "proportion":

        def fit(keep):
            return trend_chi_squared_proportion(
                t5[keep], last["numerators"][keep], last["denominators"][keep]
            )
    else:
        if (last["upper"] <= last["lower"]).any():
            return _result(CANNOT, "Confidence interval of zero width", pol, periods=t5)

        def fit(keep):
            return trend_chi_squared_weighted(
                t5[keep], last["values"][keep], last["lower"][keep], last["upper"][keep],
                confidence,
            )  # fmt: skip

    everything = np.ones(TREND_POINTS, dtype=bool)
    slope, chi = fit(everything)
    if math.isnan(chi):
        return _result(NO_CHANGE, "No variation to test", pol, slope, chi, t5)
    if not chi > TREND_CHI_SQUARED_THRESHOLD:
        return _result(NO_CHANGE, "No significant trend", pol, slope, chi, t5)
    for j in range(TREND_POINTS):
        keep = everything.copy()
        keep[j] = False
        sub_slope, _ = fit(keep)
        if np.sign(sub_slope) != np.sign(slope):
            return _result(NO_CHANGE, "Outlier found", pol, slope, chi, t5)
    trend = DECREASING if slope < 0 else INCREASING
    return _result(trend, "No outliers and significant trend", pol, slope, chi, t5)


@dataclass(frozen=True)
class BenchmarkResult:
    """How a value compares with a benchmark.

    ``comparison`` is "Higher", "Similar", "Lower" or "Not compared"; ``assessment`` is "Better",
    "Worse", "Similar" or "Not compared" given a polarity, and repeats the comparison when the
    indicator has no polarity.
    """

    comparison: str
    assessment: str
    confidence: float


def compare_to_benchmark(
    lower: float | None,
    upper: float | None,
    benchmark: float | None,
    *,
    polarity: str | None = None,
    confidence: float = 0.95,
) -> BenchmarkResult:
    """Compare an area's confidence interval with a benchmark value (Fingertips RAG rating).

    "Higher" when the lower limit is above the benchmark, "Lower" when the upper limit is below
    it, "Similar" when the interval contains it (touching counts as containing), "Not compared"
    when the limits or the benchmark are missing. ``confidence`` (0.95 or 0.998) records which
    interval was passed.

    Method: OHID Fingertips benchmarking, "Technical Guide - RAG rating indicator values" and
    "Comparators" (https://fingertips.phe.org.uk/profile/guidance): the local value's 95% or
    99.8% confidence interval against the benchmark value; polarity decides better or worse.
    """
    level = confidence_level(confidence)
    pol = normalise_polarity(polarity)
    numbers = [as_array(v, name)[0] if v is not None else math.nan for v, name in (
        (lower, "lower"), (upper, "upper"), (benchmark, "benchmark"))]  # fmt: skip
    lo, hi, bench = numbers
    if any(math.isnan(v) for v in numbers):
        return BenchmarkResult(NOT_COMPARED, NOT_COMPARED, level)
    if lo > hi:
        raise ValueError("the lower limit must not be above the upper limit")
    if lo > bench:
        comparison = "Higher"
    elif hi < bench:
        comparison = "Lower"
    else:
        comparison = "Similar"
    if comparison == "Similar" or pol is None:
        return BenchmarkResult(comparison, comparison, level)
    better = (comparison == "Higher") == (pol == HIGH_IS_GOOD)
    return BenchmarkResult(comparison, "Better" if better else "Worse", level)
