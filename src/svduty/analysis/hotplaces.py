"""Hot places: the LSOAs with significantly more events than their residents would lead you to
expect, an expected-count test of each area on its own, with the false discovery rate.

This is the "hot places" half of "where"; Gi* (:mod:`svduty.analysis.hotspots`) is the "hot
clusters" half. They answer different questions and are reported apart:

- a hot place is one area with more events than expected (a town-centre LSOA, however quiet
  its neighbours);
- a hot cluster is an area whose neighbourhood as a whole has more than the study area's mean
  (Gi*'s conditional permutation test keeps the area's own value and shuffles its neighbours,
  so one busy LSOA among ordinary neighbours is not a cluster: docs/sna.md, "Where").

The test, for every area i with a population (see :func:`hot_places`):

- expected count E_i = the study area's rate (all events / all person-years of the areas
  tested) x the area's person-years (residents x months covered / 12); the area's observed
  count O_i; the ratio O_i / E_i;
- z_i: the mid-P Poisson tail P(X > O_i) + P(X = O_i) / 2 at E_i as a standard normal
  score (about N(0, 1) under Poisson chance for small and large counts alike, unlike the
  Pearson (O - E) / sqrt(E), which overstates large ratios and small counts); tails below
  1e-300 are taken as 1e-300, so z stops at about 37;
- over-dispersion: counts of crime by small area vary far more than a Poisson count would
  (pubs, shops, stations, a hospital), so a plain Poisson test calls a fifth of Somerset's
  LSOAs "significant" (60 of 327 in 2020). The dispersion phi is the mean of the squared z
  after winsorising them at their 10th and 90th centiles, so that the outliers being looked for
  do not inflate it (Spiegelhalter D.J., "Funnel plots for comparing institutional
  performance", Statistics in Medicine 24 (2005) 1185-1202, and "Handling over-dispersion of
  performance indicators", Quality and Safety in Health Care 14 (2005) 347-351: the
  multiplicative approach of funnel plots), divided by 0.679, the mean of a winsorised squared
  standard normal. Without that factor phi comes out a third too small (0.6 to 0.8 on
  synthetic Poisson counts with no over-dispersion at all) and ordinary variation is flagged
  (up to 10 "hot places" among 400 synthetic urban LSOAs with none). When n x phi exceeds the
  95th centile of chi-squared on n - 1 degrees of freedom the counts are over-dispersed and the
  one-sided p-value is that of z_i / sqrt(phi) on the normal; otherwise it is the exact
  Poisson P(X >= O_i | E_i);
- q_value: Benjamini-Hochberg over every area tested (statsmodels ``fdr_bh``); an area is a
  'hot place' when q <= alpha (default 0.05) and O_i > E_i;
- an area without a population (a 2021-only LSOA before Census 2021 figures for it are
  bundled) is 'no population': not tested, its events still counted in ``attrs``.

Only the upper tail is tested: "where" asks where violence concentrates. Areas with a small
resident population and many visitors (town centres) stand out here by design: the rate per
resident is a way to find a place, not a measure of the risk to those who live there.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from svduty.analysis.stats import crude_rates

# scipy.stats and statsmodels are imported by the functions that test, not here: about 2 s of
# CPU to import, paid by every portal and CLI process that imports the products otherwise.

__all__ = [
    "HOT_PLACE",
    "NOT_SIGNIFICANT",
    "NO_POPULATION",
    "WINSOR",
    "describe",
    "hot_places",
    "place_persistence",
    "top_places",
]

HOT_PLACE = "hot place"
NOT_SIGNIFICANT = "not significant"
NO_POPULATION = "no population"
#: share winsorised at each end before the dispersion is estimated (Spiegelhalter 2005)
WINSOR = 0.1


def hot_places(
    frame: pd.DataFrame,
    *,
    key: str = "lsoa_code",
    alpha: float = 0.05,
    multiplier: int = 1000,
    winsor: float = WINSOR,
) -> pd.DataFrame:
    """The expected-count test of every area of ``frame``, as the module docstring describes.

    ``frame`` has ``key``, ``count`` (events, 0 or more) and ``person_years`` (residents x
    years covered; missing or 0: no population). Returns the same rows in the same order with
    ``expected``, ``ratio``, ``rate``, ``lower_95``, ``upper_95`` (per ``multiplier`` person-
    years, exact Poisson below 10 events, Byar's from 10), ``z``, ``p_value``, ``q_value`` and
    ``classification``. ``attrs``: ``area_rate`` (per ``multiplier``), ``dispersion``,
    ``overdispersed``, ``tested``, ``hot``, ``untested_count`` (events in areas without a
    population), ``alpha`` and ``method``.
    """
    for column in (key, "count", "person_years"):
        if column not in frame.columns:
            raise ValueError(f"hot_places: missing column {column!r}; found {list(frame.columns)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    observed = pd.to_numeric(frame["count"]).to_numpy(dtype=float)
    if np.isnan(observed).any() or (observed < 0).any():
        raise ValueError("hot_places: counts must be 0 or more, none missing")
    exposure = pd.to_numeric(frame["person_years"]).to_numpy(dtype=float)
    tested = np.isfinite(exposure) & (exposure > 0)
    out = frame[[key, "count", "person_years"]].reset_index(drop=True).copy()
    n = len(out)
    expected = np.full(n, np.nan)
    z = np.full(n, np.nan)
    p_value = np.full(n, np.nan)
    q_value = np.full(n, np.nan)
    events, years = observed[tested].sum(), exposure[tested].sum()
    area_rate = events / years if years > 0 else np.nan
    dispersion, overdispersed = np.nan, False
    if tested.sum() >= 2 and events > 0:
        o, e = observed[tested], area_rate * exposure[tested]
        # the mid-P tail as a normal z-score: about N(0, 1) under Poisson chance for small and
        # large counts alike, and finite for a count of 0
        from scipy import stats
        from statsmodels.stats.multitest import multipletests

        half = 0.5 * stats.poisson.pmf(o, e)
        upper = stats.poisson.sf(o, e) + half  # mid-P, upper tail
        lower = stats.poisson.cdf(o - 1, e) + half  # its complement, computed without 1 - x
        with np.errstate(divide="ignore"):
            zi = np.where(
                upper < 0.5,
                stats.norm.isf(np.maximum(upper, 1e-300)),
                -stats.norm.isf(np.maximum(lower, 1e-300)),
            )
        low, high = np.quantile(zi, [winsor, 1 - winsor])
        dispersion = float(np.mean(np.clip(zi, low, high) ** 2)) / _winsorised_share(winsor)
        k = int(tested.sum())
        overdispersed = k * dispersion > stats.chi2.ppf(0.95, k - 1)
        # over-dispersed: z / sqrt(phi) on the normal; else the exact Poisson P(X >= O)
        p = stats.norm.sf(zi / np.sqrt(dispersion)) if overdispersed else stats.poisson.sf(o - 1, e)
        expected[tested], z[tested], p_value[tested] = e, zi, p
        q_value[tested] = multipletests(p, alpha=alpha, method="fdr_bh")[1]
    elif tested.any():  # nothing happened anywhere: nothing can stand out
        expected[tested], z[tested], p_value[tested], q_value[tested] = 0.0, 0.0, 1.0, 1.0
    hot = tested & (q_value <= alpha) & (observed > expected)
    out["expected"] = expected
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(expected > 0, observed / expected, np.nan)
    rates = crude_rates(observed, np.where(tested, exposure, np.nan), multiplier)
    out["rate"] = rates["value"].to_numpy()
    out["lower_95"] = rates["lower95_0cl"].to_numpy()
    out["upper_95"] = rates["upper95_0cl"].to_numpy()
    out["z"], out["p_value"], out["q_value"] = z, p_value, q_value
    out["classification"] = np.where(
        ~tested, NO_POPULATION, np.where(hot, HOT_PLACE, NOT_SIGNIFICANT)
    ).astype(str)
    out.attrs.update(
        {
            "area_rate": float(area_rate * multiplier) if np.isfinite(area_rate) else None,
            "multiplier": multiplier,
            "dispersion": None if np.isnan(dispersion) else dispersion,
            "overdispersed": bool(overdispersed),
            "tested": int(tested.sum()),
            "hot": int(hot.sum()),
            "untested_count": float(observed[~tested].sum()),
            "alpha": alpha,
            "method": (
                "expected-count test against the study area's rate x person-years; "
                + (
                    "over-dispersed counts: mid-P z-score / sqrt(dispersion) "
                    "(Spiegelhalter 2005, winsorised at 10%)"
                    if overdispersed
                    else "exact Poisson upper tail"
                )
                + f"; Benjamini-Hochberg false discovery rate at {alpha}"
            ),
        }
    )
    return out


def _winsorised_share(winsor: float) -> float:
    """E[z²] of a standard normal z winsorised at its ``winsor`` and 1 - ``winsor`` centiles
    (0.679 at 10%): dividing by it makes the dispersion estimate unbiased when there is none."""
    from scipy import stats

    c = stats.norm.ppf(1 - winsor)
    return float(2 * ((stats.norm.cdf(c) - 0.5) - c * stats.norm.pdf(c)) + 2 * winsor * c**2)


def describe(frame: pd.DataFrame, area: str, period: str, *, name: str = "place") -> str:
    """What the test found, in a sentence a reader can check against the table: the number of
    hot places and the three with most events (by ``name``, e.g. the ward and authority), or
    that it found none, and why that is an answer."""
    hot = frame[frame["classification"] == HOT_PLACE].sort_values("count", ascending=False)
    if hot.empty:
        untested = (
            " among the areas with a population"
            if (frame["classification"] == NO_POPULATION).any()
            else ""
        )
        return (
            f"The test found no hot place in {area}, {period}: no LSOA{untested} had "
            "significantly more offences than its residents would lead one to expect, once the "
            "ordinary variation between LSOAs is allowed for."
        )
    were = "was a hot place" if len(hot) == 1 else "were hot places"
    first = "; ".join(
        f"{getattr(r, name)} ({r.count:,.0f} offences, {r.ratio:.1f} times the expected)"
        for r in hot.head(3).itertuples()
    )
    return (
        f"{len(hot)} LSOA{'' if len(hot) == 1 else 's'} of {area} {were} in {period} "
        "(significantly more offences than their residents would lead one to expect). "
        f"Those with most offences: {first}."
    )


def top_places(
    frame: pd.DataFrame, by: str, n: int = 10, *, key: str = "lsoa_code"
) -> pd.DataFrame:
    """The ``n`` areas with the highest ``by`` (``count`` or ``rate``), ties broken by the other
    and then by ``key`` so the list is stable, with ``rank`` (1 = highest). For ``rate``, areas
    without a rate are left out."""
    if by not in ("count", "rate"):
        raise ValueError(f"by must be 'count' or 'rate', got {by!r}")
    other = "rate" if by == "count" else "count"
    rows = frame.dropna(subset=[by]) if by == "rate" else frame
    ordered = rows.sort_values([by, other, key], ascending=[False, False, True], na_position="last")
    top = ordered.head(n).reset_index(drop=True)
    top.insert(0, "rank", range(1, len(top) + 1))
    return top


def place_persistence(
    yearly: Mapping[int, pd.DataFrame], *, n: int = 10, window: int = 3, key: str = "lsoa_code"
) -> pd.DataFrame:
    """For each area, in how many of the last ``window`` years (ending with the latest year in
    ``yearly``) it was a hot place and among the ``n`` areas with most events.

    ``yearly`` maps a year to :func:`hot_places` of that year. A year missing from ``yearly``
    counts as neither (``years_in_window`` says how many had data). Returns ``key``,
    ``years_hot``, ``years_top`` (in the window), ``hot_years`` and ``top_years`` (tuples),
    ``years_in_window``; attrs ``window_years``.
    """
    if not yearly:
        raise ValueError("place_persistence needs at least one year")
    last = max(yearly)
    window_years = [y for y in range(last - window + 1, last + 1)]
    hot: dict[str, list[int]] = {}
    top: dict[str, list[int]] = {}
    areas: set[str] = set()
    for year in window_years:
        if year not in yearly:
            continue
        frame = yearly[year]
        areas |= set(frame[key])
        for code in frame.loc[frame["classification"] == HOT_PLACE, key]:
            hot.setdefault(code, []).append(year)
        for code in top_places(frame, "count", n, key=key)[key]:
            top.setdefault(code, []).append(year)
    rows = [
        {
            key: code,
            "years_hot": len(hot.get(code, ())),
            "years_top": len(top.get(code, ())),
            "hot_years": tuple(hot.get(code, ())),
            "top_years": tuple(top.get(code, ())),
            "years_in_window": sum(1 for y in window_years if y in yearly),
        }
        for code in sorted(areas)
    ]
    out = pd.DataFrame(
        rows, columns=[key, "years_hot", "years_top", "hot_years", "top_years", "years_in_window"]
    )
    out.attrs["window_years"] = window_years
    return out
