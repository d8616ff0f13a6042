"""Directly standardised rates (DSRs) by Dobson's method, standardised to the 2013 European
Standard Population by default.

DSR = sum(O_i w_i / n_i) / sum(w_i) x multiplier, with O_i the events, n_i the population and w_i
the standard population of age band i. Confidence limits use Dobson's method: with O the total
events and var = sum(O_i w_i^2 / n_i^2) / (sum w_i)^2,
limit = DSR + sqrt(var / O) (B(O) - O) x multiplier, where B is Byar's lower or upper limit for O.
Below 10 total events the DSR and its limits are suppressed (NaN, with a reason), as in
PHEindicatormethods ``phe_dsr`` / ``calculate_dsr``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from svduty.analysis.stats._checks import as_array, non_negative, positive
from svduty.analysis.stats.intervals import byars_lower, byars_upper

#: Age bands of the 2013 European Standard Population, youngest first.
ESP2013_AGE_BANDS: tuple[str, ...] = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
)  # fmt: skip

#: The 2013 European Standard Population (per 100,000), one weight per ``ESP2013_AGE_BANDS``.
#: Source: Eurostat. Revision of the European Standard Population: report of Eurostat's task
#: force, 2013 edition. Methodologies and Working papers, Publications Office of the European
#: Union, 2013: 19 five-year bands, 90 and over combined. The same
#: vector is ``esp2013`` in PHEindicatormethods and is the standard ONS and OHID use.
ESP2013: tuple[int, ...] = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip

#: Fewer total events than this and the DSR is not published.
DSR_MINIMUM_EVENTS = 10
SUPPRESSED_REASON = "dsr NA for total count < 10"


@dataclass(frozen=True)
class DsrResult:
    """A directly standardised rate per ``multiplier`` with 95% and 99.8% limits.

    When ``suppressed`` is true (fewer than 10 total events) the value and limits are NaN and
    ``reason`` says why.
    """

    total_count: float
    total_population: float
    multiplier: float
    value: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float
    method: str
    suppressed: bool = False
    reason: str | None = None


def _standard(standard_population) -> np.ndarray:
    std = as_array(standard_population, "standard_population")
    if np.isnan(std).any():
        raise ValueError("standard_population cannot have missing values")
    non_negative(std, "standard population weights")
    if std.sum() <= 0:
        raise ValueError("standard population weights must not all be zero")
    return std


def _banded(values, name: str, bands: int, *, missing_as_zero: bool) -> np.ndarray:
    arr = as_array(values, name)
    if len(arr) != bands:
        raise ValueError(
            f"{name} has {len(arr)} age bands but the standard population has {bands}; "
            "every age band needs a value (0 where there are none)"
        )
    if np.isnan(arr).any():
        if not missing_as_zero:
            raise ValueError(f"{name} has missing values; give 0 where there are none")
        arr = np.nan_to_num(arr, nan=0.0)
    return arr


def _populations(populations, bands: int) -> np.ndarray:
    pops = _banded(populations, "populations", bands, missing_as_zero=False)
    positive(pops, "populations")
    return pops


def _finish(total, pops, value, var, mult, method) -> DsrResult:
    if total < DSR_MINIMUM_EVENTS:
        nan = math.nan
        return DsrResult(
            total, float(pops.sum()), mult, nan, nan, nan, nan, nan, method, True,
            SUPPRESSED_REASON,
        )  # fmt: skip
    sd = math.sqrt(var / total)
    limits = {}
    for level in (0.95, 0.998):
        limits[level] = (
            value + sd * (byars_lower(total, level) - total) * mult,
            value + sd * (byars_upper(total, level) - total) * mult,
        )
    return DsrResult(
        total_count=total,
        total_population=float(pops.sum()),
        multiplier=mult,
        value=value,
        lower_95=limits[0.95][0],
        upper_95=limits[0.95][1],
        lower_998=limits[0.998][0],
        upper_998=limits[0.998][1],
        method=method,
    )


def _multiplier(multiplier) -> float:
    mult = float(multiplier)
    if not math.isfinite(mult) or mult <= 0:
        raise ValueError(f"multiplier must be a positive number, not {multiplier!r}")
    return mult


def dsr(
    counts: Sequence[float],
    populations: Sequence[float],
    standard_population: Sequence[float] = ESP2013,
    multiplier: float = 100_000,
    *,
    missing_counts_as_zero: bool = False,
) -> DsrResult:
    """Directly standardised rate with 95% and 99.8% confidence limits by Dobson's method.

    ``counts`` and ``populations`` hold one value per age band, in the order of
    ``standard_population`` (ESP 2013, 19 bands from 0-4 to 90+, by default). A missing age band
    (a different length) raises ``ValueError``; so do negative counts and populations <= 0. A
    missing count (NaN) raises too, unless ``missing_counts_as_zero`` is set (PHEindicatormethods
    treats NA counts as zero). Fewer than 10 events in total: the result is suppressed.

    Method: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of
    Poisson parameters. Stat Med 1991;10:457-62, with Byar's limits for the total count (Breslow &
    Day 1987), as in PHEindicatormethods ``phe_dsr`` / ``calculate_dsr``; weights from ESP 2013
    (Eurostat 2013).
    """
    std = _standard(standard_population)
    bands = len(std)
    obs = _banded(counts, "counts", bands, missing_as_zero=missing_counts_as_zero)
    non_negative(obs, "counts")
    pops = _populations(populations, bands)
    mult = _multiplier(multiplier)
    value = float(np.sum(obs * std / pops) / std.sum() * mult)
    var = float(np.sum(obs * (std / pops) ** 2) / std.sum() ** 2)
    return _finish(float(obs.sum()), pops, value, var, mult, "Dobson")


def dsr_non_independent(
    people_by_frequency: Mapping[int, Sequence[float]],
    populations: Sequence[float],
    standard_population: Sequence[float] = ESP2013,
    multiplier: float = 100_000,
    *,
    missing_counts_as_zero: bool = False,
) -> DsrResult:
    """DSR for events that are not independent (one person can have several), with Dobson
    limits widened for the repeat events.

    ``people_by_frequency`` maps an event frequency f (1, 2, 3, ...) to the number of distinct
    people, per age band, who had exactly f events. The DSR is that of the total events
    sum(f x people); the variance is sum over f of f^2 times the Dobson variance of the people
    with frequency f. Below 10 total events the result is suppressed.

    Method: the Fingertips Public Health Technical Guidance, DSR chapter (non-independent
    events), as PHEindicatormethods ``calculate_dsr(independent_events = FALSE)``; Dobson et al.
    Stat Med 1991;10:457-62.
    """
    if not people_by_frequency:
        raise ValueError("people_by_frequency needs at least one event frequency")
    std = _standard(standard_population)
    bands = len(std)
    pops = _populations(populations, bands)
    mult = _multiplier(multiplier)
    events = np.zeros(bands)
    var = 0.0
    for frequency, people in people_by_frequency.items():
        f = float(frequency)
        if not math.isfinite(f) or f <= 0:
            raise ValueError(f"event frequencies must be positive numbers, not {frequency!r}")
        name = f"people with {frequency} events"
        x = _banded(people, name, bands, missing_as_zero=missing_counts_as_zero)
        non_negative(x, name)
        events += f * x
        var += f**2 * float(np.sum(x * (std / pops) ** 2) / std.sum() ** 2)
    value = float(np.sum(events * std / pops) / std.sum() * mult)
    method = "Dobson, with confidence adjusted for non-independent events"
    return _finish(float(events.sum()), pops, value, var, mult, method)
