"""The Poisson model with area and month fixed effects that both the difference in
differences and the pre-trend check fit: the exponent of one term, with its interval
(cluster-robust by area, or quasi-Poisson when a side has too few areas to cluster on)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class _Design:
    """A Poisson fixed-effects model's columns: the term of interest, one per area, one per
    month but the first; without the areas and months that have no events at all."""

    exog: pd.DataFrame
    y: np.ndarray
    groups: np.ndarray
    offset: np.ndarray | None
    dropped_areas: int


def _design(frame: pd.DataFrame, term: pd.Series, name: str) -> _Design:
    live_areas = frame.groupby("area_code")["count"].transform("sum") > 0
    live_months = frame.groupby("month")["count"].transform("sum") > 0
    keep = live_areas & live_months
    part = frame[keep]
    areas = pd.get_dummies(part["area_code"], prefix="area", dtype=float)
    months = pd.get_dummies(part["month"], prefix="month", drop_first=True, dtype=float)
    exog = pd.concat([term[keep].rename(name).astype(float), areas, months], axis=1)
    return _Design(
        exog=exog,
        y=part["count"].to_numpy(),
        groups=pd.factorize(part["area_code"])[0],
        offset=np.log(part["population"].to_numpy()) if "population" in part else None,
        dropped_areas=int(frame["area_code"].nunique() - part["area_code"].nunique()),
    )


def _poisson(design: _Design, name: str, level: float, clustered: bool):
    """exp(coefficient), its interval and p-value for the term ``name``."""
    # statsmodels is imported here, where a model is fitted: about 2 s of CPU to import, paid
    # otherwise by every portal and CLI process (the review's products import the evaluation).
    import statsmodels.api as sm

    model = sm.GLM(design.y, design.exog, family=sm.families.Poisson(), offset=design.offset)
    if clustered:
        groups = {"groups": design.groups}
        result = model.fit(cov_type="cluster", cov_kwds=groups, use_t=True)
    else:
        # quasi-Poisson: scaled by the Pearson dispersion, never below 1 (never narrower than
        # Poisson); a saturated model (a plain 2x2) has no residuals to estimate it from
        saturated = design.exog.shape[0] <= design.exog.shape[1]
        with warnings.catch_warnings():
            if saturated:
                # the fit is exact by construction: statsmodels says so ("perfect prediction")
                # and divides by the zero residual degrees of freedom for a scale a Poisson fit
                # does not use
                warnings.simplefilter("ignore", sm.tools.sm_exceptions.PerfectSeparationWarning)
                warnings.filterwarnings("ignore", "divide by zero", RuntimeWarning)
            first = model.fit()
            phi = 1.0 if saturated else first.pearson_chi2 / first.df_resid
            result = model.fit(scale=max(1.0, float(phi)), use_t=not saturated)
    lo, hi = result.conf_int(alpha=1 - level).loc[name]
    beta = float(result.params[name])
    return math.exp(beta), math.exp(lo), math.exp(hi), float(result.pvalues[name])
