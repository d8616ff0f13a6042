"""Confidence limits for counts and proportions: exact Poisson, Byar's method, Wilson score.

These are the building blocks of the PHEindicatormethods / Fingertips statistics (UKHSA,
``ukhsa-collaboration/PHEindicatormethods``, ``R/utils.R`` and ``R/Rates.R``). Each function takes
a number or an array and returns the same shape. Limits are on the count scale (for Poisson) or
the proportion scale (for Wilson); callers divide by a denominator and apply a multiplier.

Confidence is 0.95 or 0.998 (95 or 99.8 are accepted too), the two levels Fingertips uses.
"""

from __future__ import annotations

import numpy as np

# chi2(p; 2k) / 2 is gammaincinv(k, p), the inverse regularised lower incomplete gamma function:
# scipy.stats.chi2.ppf(p, df) computes 2 * gammaincinv(df / 2, p), so the values are the same to
# the bit, without importing scipy.stats (about a second).
from scipy.special import gammaincinv

from svduty.analysis.stats._checks import (
    as_array,
    confidence_level,
    non_negative,
    positive,
    same_length,
    scalar_or_array,
    z_value,
)

#: Below this many events PHEindicatormethods uses the exact Poisson interval, from it Byar's.
BYARS_MINIMUM_EVENTS = 10


def _counts(x, name: str = "observed events") -> np.ndarray:
    arr = as_array(x, name)
    non_negative(arr[~np.isnan(arr)], name)
    return arr


def byars_lower(x, confidence: float = 0.95):
    """Lower confidence limit for an observed count by Byar's approximation.

    L = x (1 - 1/(9x) - z/(3 sqrt(x)))^3, with z the two-sided normal quantile. Where the formula
    goes negative (very small counts at high confidence) or x is 0 the limit is NaN, as
    PHEindicatormethods ``byars_lower`` returns NA.

    Method: Byar's approximation to the exact Poisson limits, as in PHEindicatormethods
    ``byars_lower``; Breslow NE, Day NE. Statistical methods in cancer research, volume II.
    IARC 1987.
    """
    arr = _counts(x)
    z = z_value(confidence)
    out = np.full(arr.shape, np.nan)
    ok = arr > 0
    xs = arr[ok]
    out[ok] = xs * (1 - 1 / (9 * xs) - z / (3 * np.sqrt(xs))) ** 3
    out[out < 0] = np.nan
    return scalar_or_array(out, x)


def byars_upper(x, confidence: float = 0.95):
    """Upper confidence limit for an observed count by Byar's approximation.

    U = (x+1) (1 - 1/(9(x+1)) + z/(3 sqrt(x+1)))^3.

    Method: Byar's approximation, as in PHEindicatormethods ``byars_upper``; Breslow & Day 1987.
    """
    arr = _counts(x)
    z = z_value(confidence)
    xs = arr + 1
    out = xs * (1 - 1 / (9 * xs) + z / (3 * np.sqrt(xs))) ** 3
    return scalar_or_array(out, x)


def exact_poisson_lower(x, confidence: float = 0.95):
    """Exact (Garwood) lower limit for a Poisson count: chi2(alpha/2; 2x) / 2, and 0 when x is 0.

    Method: the chi-squared form of the exact Poisson interval, as PHEindicatormethods
    ``phe_rate`` method "Exact" (``qchisq((1-conf)/2, 2x)/2``); Garwood F. Fiducial limits for
    the Poisson distribution. Biometrika 1936;28:437-442.
    """
    arr = _counts(x)
    level = confidence_level(confidence)
    out = np.full(arr.shape, np.nan)
    zero = arr == 0
    pos = arr > 0
    out[zero] = 0.0
    out[pos] = gammaincinv(arr[pos], (1 - level) / 2)  # chi2((1 - level) / 2; 2x) / 2
    return scalar_or_array(out, x)


def exact_poisson_upper(x, confidence: float = 0.95):
    """Exact (Garwood) upper limit for a Poisson count: chi2(1 - alpha/2; 2x + 2) / 2.

    Method: as PHEindicatormethods ``phe_rate`` method "Exact"; Garwood 1936.
    """
    arr = _counts(x)
    level = confidence_level(confidence)
    out = gammaincinv(arr + 1, level + (1 - level) / 2)  # chi2(1 - alpha / 2; 2x + 2) / 2
    return scalar_or_array(np.asarray(out, dtype=float), x)


def poisson_count_limits(x, confidence: float = 0.95):
    """Lower and upper limits for a count the way PHEindicatormethods ``phe_rate`` chooses them.

    Exact Poisson limits below 10 events, Byar's method from 10 events. Returns
    ``(lower, upper, method)`` where method is "Exact" or "Byars" (None where x is missing).

    Method: PHEindicatormethods ``phe_rate`` (Exact below 10, Byar's from 10); Breslow & Day 1987;
    Garwood 1936.
    """
    arr = _counts(x)
    small = arr < BYARS_MINIMUM_EVENTS
    lower = np.where(small, exact_poisson_lower(arr, confidence), np.nan)
    upper = np.where(small, exact_poisson_upper(arr, confidence), np.nan)
    big = arr >= BYARS_MINIMUM_EVENTS
    if big.any():
        lower[big] = byars_lower(arr[big], confidence)
        upper[big] = byars_upper(arr[big], confidence)
    method = np.where(np.isnan(arr), None, np.where(small, "Exact", "Byars")).astype(object)
    if np.ndim(x) == 0:
        return float(lower[0]), float(upper[0]), method[0]
    return lower, upper, method


def _wilson(x, n, confidence: float, sign: int):
    xs = as_array(x, "numerators")
    ns = as_array(n, "denominators")
    same_length(numerators=xs, denominators=ns)
    known = ~(np.isnan(xs) | np.isnan(ns))
    non_negative(xs[~np.isnan(xs)], "numerators")
    positive(ns[~np.isnan(ns)], "denominators")
    if (xs[known] > ns[known]).any():
        raise ValueError("numerators must be less than or equal to denominators for a proportion")
    z = z_value(confidence)
    out = np.full(xs.shape, np.nan)
    xk, nk = xs[known], ns[known]
    # clip guards the square root against -0.0 rounding when x == n
    root = np.sqrt(np.clip(z**2 + 4 * xk * (1 - xk / nk), 0, None))
    out[known] = (2 * xk + z**2 + sign * z * root) / 2 / (nk + z**2)
    # the exact edge cases: a proportion of 0 has lower limit 0, of 1 has upper limit 1
    if sign < 0:
        out[known & (xs == 0)] = 0.0
    else:
        out[known & (xs == ns)] = 1.0
    out = np.clip(out, 0.0, 1.0)
    return scalar_or_array(out, x if np.ndim(x) else n)


def wilson_lower(x, n, confidence: float = 0.95):
    """Lower Wilson score limit for a proportion x/n (on the 0-1 scale).

    L = (2x + z^2 - z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)); exactly 0 when x is 0.

    Method: Wilson score interval, as in PHEindicatormethods ``wilson_lower``; Wilson EB.
    J Am Stat Assoc 1927;22:209-212; Newcombe RG, Altman DG in Statistics with Confidence
    (2nd edn) 2000, pp 46-48.
    """
    return _wilson(x, n, confidence, -1)


def wilson_upper(x, n, confidence: float = 0.95):
    """Upper Wilson score limit for a proportion x/n (on the 0-1 scale); exactly 1 when x == n.

    Method: Wilson score interval, as in PHEindicatormethods ``wilson_upper``; Wilson 1927;
    Newcombe & Altman 2000.
    """
    return _wilson(x, n, confidence, +1)
