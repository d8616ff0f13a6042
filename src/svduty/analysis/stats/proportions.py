"""Proportions with Wilson score confidence limits, as PHEindicatormethods ``phe_proportion``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from svduty.analysis.stats._checks import as_array, non_negative, positive, same_length
from svduty.analysis.stats.intervals import wilson_lower, wilson_upper


@dataclass(frozen=True)
class ProportionResult:
    """A proportion (times ``multiplier``: 1 for a proportion, 100 for a percentage) with its
    95% and 99.8% Wilson score limits."""

    numerator: float
    denominator: float
    multiplier: float
    value: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


def proportions(numerators, denominators, multiplier: float = 1) -> pd.DataFrame:
    """Proportions with 95% and 99.8% Wilson score limits, one row per input pair.

    Columns: numerator, denominator, value, lower95_0cl, upper95_0cl, lower99_8cl, upper99_8cl,
    method ("Wilson"), multiplier. Use multiplier 100 for percentages. A proportion of 0 has lower
    limit exactly 0 and a proportion of 1 has upper limit exactly 1. Missing inputs give missing
    outputs. Raises ``ValueError`` for negative numerators, denominators <= 0, a numerator above
    its denominator, or arrays of different lengths.

    Method: Wilson score interval, as PHEindicatormethods ``phe_proportion``; Wilson EB. J Am
    Stat Assoc 1927;22:209-212; Newcombe RG, Altman DG. Proportions and their differences. In
    Statistics with Confidence (2nd edn), BMJ Books 2000, pp 46-48.
    """
    num = as_array(numerators, "numerators")
    den = as_array(denominators, "denominators")
    same_length(numerators=num, denominators=den)
    non_negative(num[~np.isnan(num)], "numerators")
    positive(den[~np.isnan(den)], "denominators")
    mult = float(multiplier)
    if not math.isfinite(mult) or mult <= 0:
        raise ValueError(f"multiplier must be a positive number, not {multiplier!r}")
    out = pd.DataFrame({"numerator": num, "denominator": den})
    known = ~(np.isnan(num) | np.isnan(den))
    out["value"] = np.where(known, num / np.where(known, den, 1.0), np.nan) * mult
    for level, tag in ((0.95, "95_0"), (0.998, "99_8")):
        out[f"lower{tag}cl"] = wilson_lower(num, den, level) * mult
        out[f"upper{tag}cl"] = wilson_upper(num, den, level) * mult
    out["method"] = "Wilson"
    out["multiplier"] = mult
    return out


def proportion(numerator: float, denominator: float, multiplier: float = 1) -> ProportionResult:
    """One proportion with its 95% and 99.8% Wilson score limits (see ``proportions``).

    Method: Wilson score interval, as PHEindicatormethods ``phe_proportion``; Wilson 1927.
    """
    if np.ndim(numerator) or np.ndim(denominator):
        raise ValueError("proportion takes one numerator and one denominator; use proportions")
    row = proportions([numerator], [denominator], multiplier).iloc[0]
    return ProportionResult(
        numerator=float(row["numerator"]),
        denominator=float(row["denominator"]),
        multiplier=float(row["multiplier"]),
        value=float(row["value"]),
        lower_95=float(row["lower95_0cl"]),
        upper_95=float(row["upper95_0cl"]),
        lower_998=float(row["lower99_8cl"]),
        upper_998=float(row["upper99_8cl"]),
    )
