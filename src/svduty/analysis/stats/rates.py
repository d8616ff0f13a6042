"""Crude rates with 95% and 99.8% limits, rate ratios, rate differences, change from a baseline.

Crude rates follow PHEindicatormethods ``phe_rate`` / ``calculate_rate`` (UKHSA): rate =
O / n x multiplier, limits by the exact Poisson method below 10 events and by Byar's method from
10 events, divided by n and multiplied by the multiplier. The comparisons of two rates use the
textbook large-sample methods cited on each function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from svduty.analysis.stats._checks import (
    as_array,
    confidence_level,
    non_negative,
    positive,
    same_length,
    z_value,
)
from svduty.analysis.stats.intervals import poisson_count_limits


@dataclass(frozen=True)
class RateResult:
    """A crude rate per ``multiplier`` with its 95% and 99.8% confidence limits.

    ``method`` is "Exact" (fewer than 10 events) or "Byars" (10 or more); values are NaN where an
    input was missing.
    """

    numerator: float
    denominator: float
    multiplier: float
    value: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float
    method: str | None


def _check_rate_inputs(numerators, denominators) -> tuple[np.ndarray, np.ndarray]:
    num = as_array(numerators, "numerators")
    den = as_array(denominators, "denominators")
    same_length(numerators=num, denominators=den)
    non_negative(num[~np.isnan(num)], "numerators")
    positive(den[~np.isnan(den)], "denominators")
    return num, den


def _multiplier(multiplier) -> float:
    value = float(multiplier)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"multiplier must be a positive number, not {multiplier!r}")
    return value


def crude_rates(numerators, denominators, multiplier: float = 100_000) -> pd.DataFrame:
    """Crude rates with 95% and 99.8% confidence limits, one row per input pair.

    Columns: numerator, denominator, value, lower95_0cl, upper95_0cl, lower99_8cl, upper99_8cl,
    method ("Exact" below 10 events, "Byars" from 10, None where the numerator is missing),
    multiplier. A missing numerator or denominator gives missing value and limits, as the
    reference does. A numerator above its denominator is allowed (it is a rate).

    Method: PHEindicatormethods ``phe_rate`` (exact Poisson, Garwood 1936, below 10 events;
    Byar's method, Breslow & Day 1987, from 10), limits divided by the denominator and multiplied
    by the multiplier.
    """
    num, den = _check_rate_inputs(numerators, denominators)
    mult = _multiplier(multiplier)
    out = pd.DataFrame({"numerator": num, "denominator": den})
    known = ~(np.isnan(num) | np.isnan(den))
    scale = np.where(known, mult / np.where(known, den, 1.0), np.nan)
    out["value"] = num * scale
    method = None
    for level, tag in ((0.95, "95_0"), (0.998, "99_8")):
        lower, upper, method = poisson_count_limits(num, level)
        out[f"lower{tag}cl"] = lower * scale
        out[f"upper{tag}cl"] = upper * scale
    out["method"] = pd.Series(method, dtype=object)
    out["multiplier"] = mult
    return out


def crude_rate(numerator: float, denominator: float, multiplier: float = 100_000) -> RateResult:
    """One crude rate with 95% and 99.8% limits (see ``crude_rates`` for the method).

    Method: PHEindicatormethods ``phe_rate``: exact Poisson below 10 events (Garwood 1936),
    Byar's method from 10 (Breslow & Day 1987).
    """
    if np.ndim(numerator) or np.ndim(denominator):
        raise ValueError("crude_rate takes one numerator and one denominator; use crude_rates")
    row = crude_rates([numerator], [denominator], multiplier).iloc[0]
    return RateResult(
        numerator=float(row["numerator"]),
        denominator=float(row["denominator"]),
        multiplier=float(row["multiplier"]),
        value=float(row["value"]),
        lower_95=float(row["lower95_0cl"]),
        upper_95=float(row["upper95_0cl"]),
        lower_998=float(row["lower99_8cl"]),
        upper_998=float(row["upper99_8cl"]),
        method=row["method"],
    )


@dataclass(frozen=True)
class Comparison:
    """A comparison of two rates (or a change from a baseline) with its confidence limits.

    ``note`` says why the limits are missing when they cannot be calculated.
    """

    value: float
    lower: float
    upper: float
    confidence: float
    method: str
    note: str | None = None


def _two_rates(o1, n1, o2, n2) -> tuple[float, float, float, float]:
    values = {}
    for name, v in (
        ("observed_1", o1),
        ("population_1", n1),
        ("observed_2", o2),
        ("population_2", n2),
    ):
        if np.ndim(v):
            raise ValueError(f"{name} must be a single number")
        values[name] = float(as_array(v, name)[0])
        if math.isnan(values[name]):
            raise ValueError(f"{name} is missing")
    non_negative(np.array([values["observed_1"], values["observed_2"]]), "observed counts")
    positive(np.array([values["population_1"], values["population_2"]]), "populations")
    return (
        values["observed_1"],
        values["population_1"],
        values["observed_2"],
        values["population_2"],
    )


def rate_ratio(
    observed_1: float,
    population_1: float,
    observed_2: float,
    population_2: float,
    confidence: float = 0.95,
) -> Comparison:
    """Ratio of rate 1 to rate 2, with a log-normal (Wald on the log scale) confidence interval.

    RR = (O1/n1) / (O2/n2); SE(log RR) = sqrt(1/O1 + 1/O2); limits = RR x/÷ exp(z SE). With no
    events in either group the limits cannot be calculated (NaN, with a note); with none in group
    2 the ratio itself is NaN.

    Method: Kirkwood BR, Sterne JAC. Essential Medical Statistics, 2nd edn. Blackwell 2003,
    chapter 23 (comparing rates: the rate ratio); Rothman KJ, Greenland S, Lash TL. Modern
    Epidemiology, 3rd edn. 2008, chapter 14.
    """
    o1, n1, o2, n2 = _two_rates(observed_1, population_1, observed_2, population_2)
    level = confidence_level(confidence)
    method = "log-normal (Wald on log rate ratio)"
    value = (o1 / n1) / (o2 / n2) if o2 > 0 else math.nan
    if o1 == 0 or o2 == 0:
        note = "rate ratio limits need at least one event in each group"
        return Comparison(value, math.nan, math.nan, level, method, note)
    se = math.sqrt(1 / o1 + 1 / o2)
    z = z_value(level)
    return Comparison(value, value * math.exp(-z * se), value * math.exp(z * se), level, method)


def rate_difference(
    observed_1: float,
    population_1: float,
    observed_2: float,
    population_2: float,
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> Comparison:
    """Rate 1 minus rate 2 (per ``multiplier``) with a normal-approximation confidence interval.

    RD = O1/n1 - O2/n2; SE = sqrt(O1/n1^2 + O2/n2^2) (Poisson variance of each rate); limits =
    RD ± z SE, all times the multiplier.

    Method: Kirkwood BR, Sterne JAC. Essential Medical Statistics, 2nd edn. 2003, chapter 23
    (standard error of a difference between two rates); Rothman, Greenland & Lash 2008, ch. 14.
    """
    o1, n1, o2, n2 = _two_rates(observed_1, population_1, observed_2, population_2)
    level = confidence_level(confidence)
    mult = _multiplier(multiplier)
    diff = o1 / n1 - o2 / n2
    se = math.sqrt(o1 / n1**2 + o2 / n2**2)
    z = z_value(level)
    return Comparison(
        diff * mult, (diff - z * se) * mult, (diff + z * se) * mult, level, "normal approximation"
    )


def percentage_change(
    observed: float,
    population: float,
    baseline_observed: float,
    baseline_population: float,
    confidence: float = 0.95,
) -> Comparison:
    """Percentage change of a rate from a baseline rate, with limits from the rate-ratio limits.

    change = 100 (RR - 1), RR = current rate / baseline rate; limits = 100 (RR_lower - 1) and
    100 (RR_upper - 1), so the interval is asymmetric like the ratio's. -20 means a 20% fall.

    Method: the log-normal rate-ratio interval of ``rate_ratio`` (Kirkwood & Sterne 2003,
    chapter 23) transformed to a percentage change.
    """
    ratio = rate_ratio(observed, population, baseline_observed, baseline_population, confidence)
    return Comparison(
        100 * (ratio.value - 1),
        100 * (ratio.lower - 1),
        100 * (ratio.upper - 1),
        ratio.confidence,
        "from the log-normal rate-ratio interval",
        ratio.note,
    )
