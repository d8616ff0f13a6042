"""Funnel plot control limits and the significance of each point against them.

Funnel plots compare many areas with their overall average: the control limits at 95% (about 2
standard deviations, p = 0.025 each side) and 99.8% (about 3 SD, p = 0.001 each side) narrow as
the area's size grows. This follows PHEindicatormethods ``calculate_funnel_limits`` and
``assign_funnel_significance`` (UKHSA; ported from the APHO/PHE funnel plot Excel tools):

* rates: limits from exact Poisson expected counts found by bisection for 100 event counts
  spread over the axis, population = expected events / average rate;
* proportions: the Wilson-score form of the limits around the average proportion for 100
  population sizes spread over the axis.

The Poisson search is the reference's bisection (stopping when the step is below 1e-7), not the
closed chi-squared form, because its rounding shows in the reference's published values (up to
about 5e-5 relative); the Poisson probabilities come from ``scipy.stats.poisson``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from svduty.analysis.stats._checks import as_array, non_negative, positive, same_length

# scipy.stats is imported where it is used: about 1 s of CPU to import, paid otherwise by every
# portal and CLI process (they import the statistics through the products and the dashboard).

HIGH_999 = "High (0.001)"
HIGH_975 = "High (0.025)"
LOW_999 = "Low (0.001)"
LOW_975 = "Low (0.025)"
NOT_SIGNIFICANT = "Not significant"
DSR_TOO_FEW = "Not applicable for events less than 10 for dsrs"

#: points on the funnel lines, as in the reference
FUNNEL_POINTS = 100


def poisson_funnel_expected(observed: float, p: float, side: str) -> float:
    """The Poisson mean at which ``observed`` events sit on a funnel control limit.

    ``side`` "low" finds the mean m with P(X >= observed | m) = p (the smaller mean, used for the
    upper limit); "high" finds m with P(X <= observed | m) = p (the larger mean, for the lower
    limit). Found by bisection on v in (0, 1), m = (1 + observed) v / (1 - v), halving the step
    until it is at most 1e-7, exactly as the reference does.

    Method: PHEindicatormethods internal ``poisson_funnel`` (from the PHE funnel plot tool's
    Excel macro); exact Poisson probabilities from scipy.stats.poisson.
    """
    if side not in ("low", "high"):
        raise ValueError(f"side must be 'low' or 'high', not {side!r}")
    if observed < 0 or not 0 < p < 1:
        raise ValueError("observed must be >= 0 and p between 0 and 1")
    from scipy import stats

    v, dv = 0.5, 0.5
    while dv > 1e-7:
        dv /= 2
        mean = (1 + observed) * v / (1 - v)
        if side == "low":
            go_down = stats.poisson.sf(observed - 1, mean) > p
        else:
            go_down = stats.poisson.cdf(observed, mean) < p
        v = v - dv if go_down else v + dv
    return (1 + observed) * v / (1 - v)


def _r_nchar(value: float) -> int:
    """The number of characters R's ``nchar()`` gives for a whole number stored as a double.

    R prints a double in scientific notation when that is strictly narrower than fixed notation
    (so 1e+05, not 100000); the reference's axis rounding depends on it.
    """
    integer = round(value)
    fixed = str(integer)
    digits = fixed.lstrip("-").rstrip("0") or "0"
    exponent = len(fixed.lstrip("-")) - 1
    sci = len(digits) + (1 if len(digits) > 1 else 0) + 2 + max(2, len(str(exponent)))
    sci += 1 if integer < 0 else 0
    return sci if sci < len(fixed) else len(fixed)


def _signif_floor(x: float, percentage_down: float = 0.95) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(math.floor(x * percentage_down)) - 1
    return math.floor(x * percentage_down / 10**n) * 10**n


def _signif_ceiling(x: float, percentage_up: float = 1.05) -> float:
    if x == 0:
        return 0.0
    n = _r_nchar(math.ceil(x * percentage_up)) - 2
    return math.ceil(x * percentage_up / 10**n) * 10**n


def _axis_points(axis_minimum: float, axis_maximum: float) -> list[int]:
    points = [max(1, int(axis_minimum))]
    for j in range(2, FUNNEL_POINTS + 1):
        previous = points[-1]
        step = round((axis_maximum / previous) ** (1 / (101 - j)) * previous)
        points.append(int(max(step, previous + 1)))
    return points


def _derived_denominators(num, rates, denominators, rate_type, multiplier) -> np.ndarray:
    if rate_type not in ("dsr", "crude"):
        raise ValueError(f"rate_type must be 'dsr' or 'crude', not {rate_type!r}")
    zero = num == 0
    if zero.any() and denominators is None:
        raise ValueError(
            "where a record has 0 events the denominators must be given (the rate cannot give it)"
        )
    derived = np.full(num.shape, np.nan)
    safe = ~zero
    derived[safe] = multiplier * num[safe] / rates[safe]
    if rate_type == "crude" and zero.any():
        derived[zero] = denominators[zero]
    return derived


def _rate_inputs(numerators, rates, denominators, multiplier):
    num = as_array(numerators, "numerators")
    rate = as_array(rates, "rates")
    same_length(numerators=num, rates=rate)
    if np.isnan(num).any():
        raise ValueError("numerators cannot have missing values")
    non_negative(num, "numerators")
    with_events = rate[num > 0]
    if np.isnan(with_events).any():
        raise ValueError("rates cannot be missing where there are events")
    if (with_events <= 0).any():
        raise ValueError("rates must be greater than zero where there are events")
    den = None
    if denominators is not None:
        den = as_array(denominators, "denominators")
        same_length(numerators=num, denominators=den)
        positive(den[~np.isnan(den)], "denominators")
    mult = float(multiplier)
    if not math.isfinite(mult) or mult <= 0:
        raise ValueError(f"multiplier must be a positive number, not {multiplier!r}")
    return num, rate, den, mult


def rate_control_limits(
    events, average_rate: float, multiplier: float, years_of_data: float = 1
) -> pd.DataFrame:
    """Funnel control limits for rates at the given event counts around ``average_rate``.

    ``average_rate`` is per person (not per multiplier). For each event count E the population at
    which E lies on each limit is expected(E) / average_rate, and the limit is E / population x
    multiplier. Returns the reference's columns: Events, lower_2s_population_1_year,
    lower_2s_limit, upper_2s_population_1_year, upper_2s_limit, lower_3s_..., upper_3s_...,
    baseline (populations are divided by ``years_of_data``, to one year).

    Method: PHEindicatormethods ``calculate_funnel_limits(statistic = "rate")``; exact Poisson
    limits (see ``poisson_funnel_expected``); the Fingertips funnel plot guidance
    (Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202).
    """
    ev = as_array(events, "events")
    positive(ev, "events")
    if not average_rate > 0:
        raise ValueError("average_rate must be greater than zero")
    rows = []
    for e in ev:
        row = {"Events": e}
        for tag, p in (("2s", 0.025), ("3s", 0.001)):
            lower_pop = poisson_funnel_expected(e, p, "high") / average_rate
            upper_pop = poisson_funnel_expected(e, p, "low") / average_rate
            row[f"lower_{tag}_population_1_year"] = lower_pop / years_of_data
            row[f"lower_{tag}_limit"] = e / lower_pop * multiplier
            row[f"upper_{tag}_population_1_year"] = upper_pop / years_of_data
            row[f"upper_{tag}_limit"] = e / upper_pop * multiplier
        row["baseline"] = average_rate * multiplier
        rows.append(row)
    columns = ["Events"] + [
        f"{side}_{tag}_{what}"
        for tag in ("2s", "3s")
        for side in ("lower", "upper")
        for what in ("population_1_year", "limit")
    ]
    return pd.DataFrame(rows)[[*columns, "baseline"]]


def rate_funnel_limits(
    numerators,
    rates,
    *,
    multiplier: float,
    years_of_data: float,
    rate_type: str = "dsr",
    denominators=None,
) -> pd.DataFrame:
    """The 100-point funnel plot control limits for rates (crude or directly standardised).

    Each record's denominator is derived as multiplier x events / rate (a DSR's events and rate
    imply a standard-population denominator); a record with 0 events takes its ``denominators``
    value for a crude rate and is left out of the average for a DSR. The average is
    sum(events) / sum(derived denominators); the axis runs over the derived denominators per year
    (from 0 when the largest is more than twice the smallest), turned into event counts, with 100
    points spaced geometrically. Columns as ``rate_control_limits``.

    Method: PHEindicatormethods ``calculate_funnel_limits(statistic = "rate")``; Spiegelhalter
    2005; Fingertips funnel plot guidance.
    """
    num, rate, den, mult = _rate_inputs(numerators, rates, denominators, multiplier)
    if not years_of_data > 0:
        raise ValueError("years_of_data must be greater than zero")
    derived = _derived_denominators(num, rate, den, rate_type, mult)
    known = derived[~np.isnan(derived)]
    if known.size == 0 or num.sum() == 0:
        raise ValueError("funnel limits need at least one record with events")
    average = num.sum() / known.sum()
    smallest, largest = known.min(), known.max()
    if largest > 2 * smallest:
        axis_minimum = 0.0
    else:
        axis_minimum = _signif_floor(smallest / years_of_data) * years_of_data
    axis_maximum = _signif_ceiling(largest / years_of_data) * years_of_data
    axis_minimum = math.floor(axis_minimum * average)
    axis_maximum = math.ceil(axis_maximum * average)
    events = _axis_points(axis_minimum, axis_maximum)
    return rate_control_limits(events, average, mult, years_of_data)


def _ratio_test_statistic(observed: float, expected: float, p: float, side: str) -> float:
    """Exact (below 10) or Byar's (from 10) limit of observed / expected at confidence p."""
    from scipy import stats

    if observed == 0 and side == "low":
        statistic = 0.0
    elif observed < 10:
        if side == "low":
            statistic = stats.chi2.isf(0.5 + p / 2, 2 * observed) / 2
        else:
            statistic = stats.chi2.ppf(0.5 + p / 2, 2 * observed + 2) / 2
    else:
        z = stats.norm.ppf(0.5 + p / 2)
        if side == "low":
            o = observed
            statistic = o * (1 - 1 / (9 * o) - z / 3 / math.sqrt(o)) ** 3
        else:
            o = observed + 1
            statistic = o * (1 - 1 / (9 * o) + z / 3 / math.sqrt(o)) ** 3
    return statistic / expected


def rate_funnel_significance(
    numerators,
    rates,
    *,
    multiplier: float,
    rate_type: str = "dsr",
    denominators=None,
) -> list[str]:
    """Where each rate falls against the funnel limits: "High (0.001)", "High (0.025)",
    "Low (0.001)", "Low (0.025)" or "Not significant" (and, for a DSR with fewer than 10 events,
    "Not applicable for events less than 10 for dsrs").

    The record's 95% and 99.8% limits (exact Poisson below 10 events, Byar's from 10, on
    events / derived denominator) are compared with the weighted average rate.

    Method: PHEindicatormethods ``assign_funnel_significance(statistic = "rate")``;
    Spiegelhalter 2005; Breslow & Day 1987.
    """
    num, rate, den, mult = _rate_inputs(numerators, rates, denominators, multiplier)
    derived = _derived_denominators(num, rate, den, rate_type, mult)
    average = num.sum() / np.nansum(derived)
    out = []
    for o, d in zip(num, derived, strict=True):
        if rate_type == "dsr" and o < 10:
            out.append(DSR_TOO_FEW)
        elif average < _ratio_test_statistic(o, d, 0.998, "low"):
            out.append(HIGH_999)
        elif average < _ratio_test_statistic(o, d, 0.95, "low"):
            out.append(HIGH_975)
        elif average > _ratio_test_statistic(o, d, 0.998, "high"):
            out.append(LOW_999)
        elif average > _ratio_test_statistic(o, d, 0.95, "high"):
            out.append(LOW_975)
        else:
            out.append(NOT_SIGNIFICANT)
    return out


def _proportion_limit(p: float, population, average: float, side: str, multiplier: float):
    """The reference's ``sigma_adjustment``: the Wilson-score funnel limit for a population."""
    from scipy import stats

    z2 = stats.norm.ppf(p) ** 2
    n = np.asarray(population, dtype=float)
    first = average * (n / z2 + 1)
    inside = (-8 * average * (n / z2 + 1)) ** 2 - 64 * (1 / z2 + 1 / n) * average * (
        n * (average * (n / z2 + 2) - 1) + z2 * (average - 1)
    )
    adj = np.sqrt(np.clip(inside, 0, None))
    last = 1 / z2 + 1 / n
    value = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
    return value / n * multiplier


def proportion_control_limits(
    populations, average_proportion: float, multiplier: float = 100
) -> pd.DataFrame:
    """Funnel control limits for proportions at the given population sizes.

    Columns: Population, lower_2s_limit, upper_2s_limit, lower_3s_limit, upper_3s_limit,
    baseline; limits are kept within 0 and the multiplier (0-100 for percentages).

    Method: PHEindicatormethods ``calculate_funnel_limits(statistic = "proportion")`` (internal
    ``sigma_adjustment``, the Wilson score limits solved for the average proportion); Wilson 1927;
    Spiegelhalter 2005.
    """
    pops = as_array(populations, "populations")
    positive(pops, "populations")
    if not 0 <= average_proportion <= 1:
        raise ValueError("average_proportion must be between 0 and 1")
    out = pd.DataFrame({"Population": pops})
    for tag, p in (("2s", 0.975), ("3s", 0.999)):
        low = _proportion_limit(p, pops, average_proportion, "low", multiplier)
        high = _proportion_limit(p, pops, average_proportion, "high", multiplier)
        out[f"lower_{tag}_limit"] = np.maximum(0, low)
        out[f"upper_{tag}_limit"] = np.minimum(multiplier, high)
    out["baseline"] = average_proportion * multiplier
    return out[
        ["Population", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit",
         "baseline"]
    ]  # fmt: skip


def _proportion_inputs(numerators, denominators):
    num = as_array(numerators, "numerators")
    den = as_array(denominators, "denominators")
    same_length(numerators=num, denominators=den)
    if np.isnan(num).any() or np.isnan(den).any():
        raise ValueError("numerators and denominators cannot have missing values")
    non_negative(num, "numerators")
    positive(den, "denominators")
    if (num > den).any():
        raise ValueError("numerators must be less than or equal to denominators for a proportion")
    return num, den


def proportion_funnel_limits(numerators, denominators, multiplier: float = 100) -> pd.DataFrame:
    """The 100-point funnel plot control limits for proportions.

    The average is sum(numerators) / sum(denominators); the axis runs from 0 (or, when the
    largest denominator is at most twice the smallest, a rounded-down smallest denominator) to a
    rounded-up largest denominator, with 100 points spaced geometrically. Columns as
    ``proportion_control_limits``.

    Method: PHEindicatormethods ``calculate_funnel_limits(statistic = "proportion")``;
    Spiegelhalter 2005.
    """
    num, den = _proportion_inputs(numerators, denominators)
    average = num.sum() / den.sum()
    spread = den.max() > 2 * den.min()
    axis_minimum = 0.0 if spread else _signif_floor(den.min())
    axis_maximum = _signif_ceiling(den.max())
    return proportion_control_limits(_axis_points(axis_minimum, axis_maximum), average, multiplier)


def proportion_funnel_significance(numerators, denominators) -> list[str]:
    """Where each proportion falls against the funnel limits around the average proportion:
    "Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)" or "Not significant".

    Method: PHEindicatormethods ``assign_funnel_significance(statistic = "proportion")``;
    Spiegelhalter 2005.
    """
    num, den = _proportion_inputs(numerators, denominators)
    average = num.sum() / den.sum()
    value = num / den
    out = []
    for v, n in zip(value, den, strict=True):
        if v < _proportion_limit(0.999, n, average, "low", 1):
            out.append(LOW_999)
        elif v < _proportion_limit(0.975, n, average, "low", 1):
            out.append(LOW_975)
        elif v > _proportion_limit(0.999, n, average, "high", 1):
            out.append(HIGH_999)
        elif v > _proportion_limit(0.975, n, average, "high", 1):
            out.append(HIGH_975)
        else:
            out.append(NOT_SIGNIFICANT)
    return out
