"""Slope index of inequality (SII) and relative index of inequality (RII).

Quantiles (deprivation deciles or quintiles, most deprived first) are given relative ranks: the
midpoint of each quantile's share of the population in the cumulative distribution
(b_i = cumulative share before i + a_i / 2). A regression without intercept of
Y_i sqrt(a_i) on sqrt(a_i) and b_i sqrt(a_i) (the square-root weighting allows for the quantiles'
different sizes) gives the fitted value at rank 0 (the intercept) and the gradient: the SII is
the gradient, the fitted difference between the top and bottom of the social scale, and the RII
is (intercept + SII) / intercept. With ``transform`` the regression is of log rates or logit
proportions and the SII and RII are back-transformed from the fitted values at 0 and 1.

Confidence limits come from simulation, as in PHEindicatormethods ``phe_sii``: each quantile's
value is drawn from a normal distribution with its standard error (on the log scale for rates,
the logit scale for proportions), the regression is repeated, and the percentiles of the
simulated SIIs and RIIs are the limits. They vary slightly from run to run unless ``seed`` is
given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from svduty.analysis.stats._checks import as_array, confidence_level, positive, same_length

VALUE_TYPES = ("other", "rate", "proportion")


@dataclass(frozen=True)
class SiiResult:
    """The SII (times ``multiplier``), RII and intercept, with simulated confidence limits.

    The limits are NaN when no standard errors or confidence limits were given. With a negative
    multiplier the SII's sign flips and the RII is inverted (the polarity is reversed).
    """

    sii: float
    rii: float
    intercept: float
    sii_lower: float
    sii_upper: float
    rii_lower: float
    rii_upper: float
    confidence: float
    repetitions: int


def _transform(values: np.ndarray, value_type: str) -> np.ndarray:
    if value_type == "rate":
        return np.log(values)
    if value_type == "proportion":
        return np.log(values / (1 - values))
    return values


def _inverse(values: np.ndarray, value_type: str) -> np.ndarray:
    if value_type == "rate":
        return np.exp(values)
    if value_type == "proportion":
        return 1 / (1 + np.exp(-values))
    return values


def _design(populations: np.ndarray) -> np.ndarray:
    a = populations / populations.sum()
    b = np.cumsum(a) - a / 2
    return np.column_stack([np.sqrt(a), b * np.sqrt(a)])


def _indices(fits: np.ndarray, value_type: str, transform: bool) -> tuple[np.ndarray, ...]:
    """SII, RII and intercept from fitted (intercept, gradient) pairs (one per column)."""
    intercept, gradient = fits[0], fits[1]
    if transform:
        at_zero = _inverse(intercept, value_type)
        at_one = _inverse(intercept + gradient, value_type)
        return at_one - at_zero, at_one / at_zero, at_zero
    return gradient, (intercept + gradient) / intercept, intercept


def slope_index_of_inequality(
    populations,
    values,
    *,
    value_type: str = "other",
    standard_errors=None,
    lower=None,
    upper=None,
    multiplier: float = 1,
    transform: bool = False,
    confidence: float = 0.95,
    repetitions: int = 100_000,
    seed: int | None = None,
) -> SiiResult:
    """SII and RII for one area's quantiles, ordered from most to least deprived.

    ``value_type``: "other" (e.g. life expectancy), "rate" or "proportion" (0 to 1). Standard
    errors for the simulated limits come from ``standard_errors`` (on the log scale for rates and
    the logit scale for proportions) or from 95% ``lower`` and ``upper`` limits, as
    (t(upper) - t(lower)) / (2 x 1.96) on that scale. Raises ``ValueError`` for fewer than 5 or
    more than 100 quantiles, populations <= 0, missing values, negative standard errors,
    proportions outside 0-1 or rates <= 0 where they must be transformed.

    Method: Low A, Low A. Measuring the gap: quantifying and comparing local health
    inequalities. J Public Health 2004;26:388-395, as PHEindicatormethods ``phe_sii`` (point
    estimates by least squares; limits by simulation with ``repetitions`` draws).
    """
    if value_type not in VALUE_TYPES:
        raise ValueError(f"value_type must be one of {', '.join(VALUE_TYPES)}, not {value_type!r}")
    pops = as_array(populations, "populations")
    vals = as_array(values, "values")
    same_length(populations=pops, values=vals)
    if np.isnan(pops).any() or np.isnan(vals).any():
        raise ValueError("populations and values cannot have missing values")
    if not 5 <= len(pops) <= 100:
        raise ValueError(f"the SII needs 5 to 100 quantiles, not {len(pops)}")
    positive(pops, "populations")
    transformed = value_type != "other"
    if value_type == "proportion" and ((vals <= 0) | (vals >= 1)).any():
        raise ValueError("proportion values must all be between 0 and 1 (exclusive)")
    if value_type == "rate" and (vals <= 0).any():
        raise ValueError("rate values must all be greater than zero")
    if transform and not transformed:
        raise ValueError("transform applies to rates and proportions only")
    mult = float(multiplier)
    if not math.isfinite(mult) or mult == 0:
        raise ValueError(f"multiplier must be a non-zero number, not {multiplier!r}")
    level = confidence_level(confidence)
    if int(repetitions) < 1000:
        raise ValueError("repetitions must be 1000 or more")

    se = None
    if standard_errors is not None:
        se = as_array(standard_errors, "standard_errors")
        same_length(values=vals, standard_errors=se)
        if np.isnan(se).any() or (se < 0).any():
            raise ValueError("standard errors cannot be negative or missing")
    elif lower is not None and upper is not None:
        lo = as_array(lower, "lower")
        hi = as_array(upper, "upper")
        same_length(values=vals, lower=lo, upper=hi)
        if np.isnan(lo).any() or np.isnan(hi).any():
            raise ValueError("confidence limits cannot have missing values")
        if value_type == "proportion" and ((lo <= 0) | (hi >= 1) | (lo >= 1) | (hi <= 0)).any():
            raise ValueError("proportion confidence limits must all be between 0 and 1")
        if value_type == "rate" and ((lo <= 0) | (hi <= 0)).any():
            raise ValueError("rate confidence limits must all be greater than zero")
        from scipy import stats  # here, not at the top: about 1 s of CPU to import

        se = (_transform(hi, value_type) - _transform(lo, value_type)) / (2 * stats.norm.ppf(0.975))
    elif lower is not None or upper is not None:
        raise ValueError("give both lower and upper confidence limits, or standard errors")

    x = _design(pops)
    solve = np.linalg.solve(x.T @ x, x.T)  # (X'X)^-1 X', applied to sqrt(a)-weighted values
    sqrt_a = x[:, 0]
    y = _transform(vals, value_type) if transform else vals
    sii, rii, intercept = _indices(solve @ (y * sqrt_a), value_type, transform)
    sii, rii, intercept = float(sii), float(rii), float(intercept)

    sii_lower = sii_upper = rii_lower = rii_upper = math.nan
    if se is not None:
        reps = int(repetitions)
        rng = np.random.default_rng(seed)
        centre = _transform(vals, value_type)
        draws = rng.normal(centre[:, None], se[:, None], size=(len(vals), reps))
        if not transform:
            draws = _inverse(draws, value_type)
        sim_sii, sim_rii, _ = _indices(solve @ (draws * sqrt_a[:, None]), value_type, transform)
        upper_q = level + (1 - level) / 2
        # the reference takes the sorted simulations at positions round(reps x q), counted from 1
        pos_lo, pos_hi = round(reps * (1 - upper_q)) - 1, round(reps * upper_q) - 1
        ordered_sii, ordered_rii = np.sort(sim_sii), np.sort(sim_rii)
        sii_lower, sii_upper = float(ordered_sii[pos_lo]), float(ordered_sii[pos_hi])
        rii_lower, rii_upper = float(ordered_rii[pos_lo]), float(ordered_rii[pos_hi])

    sii_out, lower_out, upper_out = mult * sii, mult * sii_lower, mult * sii_upper
    if mult < 0:
        lower_out, upper_out = upper_out, lower_out
        rii, rii_lower, rii_upper = 1 / rii, 1 / rii_upper, 1 / rii_lower
    return SiiResult(
        sii=sii_out,
        rii=rii,
        intercept=intercept,
        sii_lower=lower_out,
        sii_upper=upper_out,
        rii_lower=rii_lower,
        rii_upper=rii_upper,
        confidence=level,
        repetitions=int(repetitions),
    )
