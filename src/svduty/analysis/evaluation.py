"""Did a place-based intervention change violence? Matched comparison areas and
difference-in-differences, with a verdict that says plainly when the data cannot tell.

A place-based intervention is a set of LSOAs (or wards) and a start month, declared in the
strategy. The annual review asks what happened in those areas after the start compared with
areas that did not receive it. Three steps:

1. ``match_comparators``: for each treated area, the ``k`` most similar untreated areas on
   deprivation and violence before the start (nearest neighbour, without replacement, on
   standardised Euclidean distance), with a balance table.
2. ``difference_in_differences``: a Poisson model of monthly counts with area and month fixed
   effects and a treated-after-start term; its exponent is the rate ratio (how much the treated
   areas changed relative to the comparison areas), with a cluster-robust interval (clusters =
   areas). A pre-trend check asks whether the treated areas were already moving differently
   before the start.
3. A verdict in plain English, and ``can_tell``: false whenever the data cannot answer (too few
   areas, months or events, an interval that includes no change, or a failed pre-trend check).

``evaluate_place_based`` does all three from the warehouse for a record-level measure. The
statistics are pure functions over frames and do no I/O.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from svduty.analysis.evidence import where
from svduty.analysis.evidence.quality import Result, month_ranges, months_between
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import SYNTHETIC_NOTE
from svduty.warehouse import Warehouse

__all__ = [
    "DEFAULT_MEASURE",
    "FEW_TREATED",
    "MIN_AREAS",
    "MIN_EVENTS",
    "MIN_MONTHS",
    "PRETREND_ALPHA",
    "DiDResult",
    "Evaluation",
    "Matching",
    "PreTrend",
    "difference_in_differences",
    "evaluate_place_based",
    "match_comparators",
]

DEFAULT_MEASURE = "police-uk-violence"
#: Fewer areas than this on either side: cluster-robust errors are meaningless (one cluster has
#: no spread), so the interval falls back to quasi-Poisson errors and the verdict is "cannot tell".
MIN_AREAS = 2
#: Fewer treated areas than this: cluster-robust intervals tend to be too narrow (a caveat).
FEW_TREATED = 10
#: Months needed before and after the start: fewer and one odd month decides the answer.
MIN_MONTHS = 6
#: Events needed in the treated areas before and after the start.
MIN_EVENTS = 20
#: A pre-trend difference with p below this fails the check.
PRETREND_ALPHA = 0.05
PRETREND_MIN_MONTHS = 3
#: Deprivation columns ``match_comparators`` accepts, in order of preference, and their names.
DEPRIVATION = {
    "imd_score": "IMD score (higher = more deprived)",
    "imd_rank": "IMD rank (1 = most deprived)",
    "imd_decile": "IMD decile (1 = most deprived)",
}
RATE_PER = 1000

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


# ---- matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matching(Result):
    """Comparison areas chosen for the treated areas, and how alike the two groups are.

    ``pairs``: ``treated_code``, ``comparator_code``, ``choice`` (1 = nearest), ``distance``.
    ``balance``: per matching variable, the means of the treated areas, of every eligible
    candidate and of the chosen comparators, and the standardised mean differences (treated
    minus comparison, over the pooled standard deviation) before (against every candidate) and
    after matching (against the chosen comparators). ``|SMD|`` under 0.1 is usually read as
    well balanced, over 0.25 as poorly.
    """

    treated: tuple[str, ...]
    comparators: tuple[str, ...]
    pairs: pd.DataFrame
    balance: pd.DataFrame
    variables: tuple[str, ...]
    method: str
    k: int
    seed: int | None
    candidates: int
    notes: tuple[str, ...]


def match_comparators(
    areas: pd.DataFrame,
    treated: Collection[str],
    *,
    k: int = 3,
    seed: int | None = None,
    exclude: Collection[str] = (),
) -> Matching:
    """Choose ``k`` comparison areas per treated area, nearest first, without replacement.

    ``areas``: one row per area: ``area_code``; deprivation as ``imd_score``, else ``imd_rank``,
    else ``imd_decile`` (the first present is used; IMD 2019 as bundled has ranks, not scores);
    ``prior_count`` (events in the pre-period); optional ``population``. With a population the
    violence variable is the prior rate per 1,000 residents, otherwise the prior count.

    Distance is standardised Euclidean: each variable divided by its standard deviation over
    the treated areas and the candidates, so deprivation and violence weigh the same. (Not
    Mahalanobis: deprivation and violence go together, so it would count a candidate that is
    both more deprived and more violent as nearer than one as deprived but less violent; the
    aim here is similar levels of both. It is also harder to explain.)

    Matching goes in rounds: in each round every treated area takes its nearest candidate not
    yet taken, so no treated area takes all the close ones. The order of the treated areas in a
    round is by area code, or a shuffle from ``numpy.random.default_rng(seed)`` when ``seed``
    is given (rerun with other seeds to see how much the choice matters). Ties go to the lower
    code. Treated areas and ``exclude`` (e.g. neighbours, where the intervention could spill
    over) are never chosen; candidates with a missing variable are left out, with a note.
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number of comparators per treated area, not {k!r}")
    treated_codes = _codes(treated, "treated")
    frame, variables, notes = _matching_variables(areas)
    known = set(frame["area_code"])
    unknown = sorted(set(treated_codes) - known)
    if unknown:
        raise ValueError(
            f"treated area(s) not in `areas`: {', '.join(unknown[:10])}; give one row per "
            "treated and candidate area"
        )
    values = frame.set_index("area_code")[list(variables)]
    missing = sorted(c for c in treated_codes if values.loc[c].isna().any())
    if missing:
        raise ValueError(
            f"treated area(s) {', '.join(missing[:10])} lack {' or '.join(variables)}: "
            "they cannot be matched; add the values or leave the areas out"
        )
    barred = set(treated_codes) | {str(c) for c in exclude}
    pool = values[~values.index.isin(barred)]
    incomplete = pool.isna().any(axis=1)
    if incomplete.any():
        notes.append(
            f"{int(incomplete.sum())} candidate area(s) lack {' or '.join(variables)} and "
            "were left out."
        )
    pool = pool[~incomplete].sort_index()
    excluded = len(set(map(str, exclude)) & known - set(treated_codes))
    if excluded:
        notes.append(f"{excluded} area(s) excluded from the candidates (e.g. a spillover buffer).")
    treated_values = values.loc[treated_codes]
    scale = pd.concat([treated_values, pool]).std(ddof=1).replace(0, 1).fillna(1)
    distances = _distances(treated_values / scale, pool / scale)
    pairs = _greedy(distances, treated_codes, k, seed)
    short = [c for c in treated_codes if (pairs["treated_code"] == c).sum() < k]
    if short:
        notes.append(
            f"Only {len(pool)} candidate area(s) for {len(treated_codes)} treated area(s) "
            f"x {k}: {len(short)} treated area(s) got fewer than {k} comparators."
        )
    chosen = tuple(pairs["comparator_code"])
    balance = _balance(treated_values, pool, pool.loc[list(chosen)])
    return Matching(
        treated=tuple(treated_codes),
        comparators=chosen,
        pairs=pairs,
        balance=balance,
        variables=tuple(variables),
        method="nearest neighbour without replacement, standardised Euclidean distance",
        k=k,
        seed=seed,
        candidates=len(pool),
        notes=tuple(notes),
    )


def _matching_variables(areas: pd.DataFrame) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The frame with the two matching variables, their names, and notes on the choice."""
    needed = {"area_code", "prior_count"}
    if not needed <= set(areas.columns):
        raise ValueError(
            f"`areas` needs columns {', '.join(sorted(needed))} and one of "
            f"{', '.join(DEPRIVATION)}; it has {', '.join(map(str, areas.columns))}"
        )
    deprivation = next((c for c in DEPRIVATION if c in areas.columns), None)
    if deprivation is None:
        raise ValueError(f"`areas` needs a deprivation column: one of {', '.join(DEPRIVATION)}")
    if areas["area_code"].duplicated().any():
        dupes = sorted(set(areas.loc[areas["area_code"].duplicated(), "area_code"]))
        raise ValueError(f"`areas` has more than one row for {', '.join(map(str, dupes[:10]))}")
    frame = pd.DataFrame({"area_code": areas["area_code"].astype(str)})
    frame[deprivation] = pd.to_numeric(areas[deprivation], errors="coerce").to_numpy()
    prior = pd.to_numeric(areas["prior_count"], errors="coerce").to_numpy(dtype=float)
    notes = [f"Deprivation is matched on the {DEPRIVATION[deprivation]}."]
    if "population" in areas.columns:
        population = pd.to_numeric(areas["population"], errors="coerce").to_numpy(dtype=float)
        population = np.where(population > 0, population, np.nan)
        frame["prior_rate"] = prior / population * RATE_PER
        notes.append(f"Events before the start are matched as a rate per {RATE_PER:,} residents.")
        return frame, [deprivation, "prior_rate"], notes
    frame["prior_count"] = prior
    notes.append("Events before the start are matched as a count (no population given).")
    return frame, [deprivation, "prior_count"], notes


def _distances(treated: pd.DataFrame, pool: pd.DataFrame) -> pd.DataFrame:
    diff = treated.to_numpy()[:, None, :] - pool.to_numpy()[None, :, :]
    return pd.DataFrame(np.sqrt((diff**2).sum(axis=2)), index=treated.index, columns=pool.index)


def _greedy(distances: pd.DataFrame, treated: list[str], k: int, seed: int | None) -> pd.DataFrame:
    order = list(treated)
    if seed is not None:
        order = [order[i] for i in np.random.default_rng(seed).permutation(len(order))]
    else:
        order.sort()
    taken: set[str] = set()
    rows = []
    for choice in range(1, k + 1):
        for code in order:
            row = distances.loc[code].drop(labels=list(taken), errors="ignore")
            if row.empty:
                break
            # stable sort: ties go to the lower code (the columns are sorted)
            best = row.sort_values(kind="stable").index[0]
            taken.add(best)
            rows.append((code, best, choice, float(row[best])))
    return pd.DataFrame(rows, columns=["treated_code", "comparator_code", "choice", "distance"])


def _smd(a: pd.Series, b: pd.Series) -> float:
    def var(x: pd.Series) -> float:
        return float(x.var(ddof=1)) if len(x) > 1 else 0.0

    spread = math.sqrt((var(a) + var(b)) / 2)
    gap = float(a.mean() - b.mean()) if len(b) else math.nan
    if spread == 0:
        return 0.0 if gap == 0 else math.nan
    return gap / spread


def _balance(treated: pd.DataFrame, pool: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {
            "variable": v,
            "treated_mean": float(treated[v].mean()),
            "candidates_mean": float(pool[v].mean()),
            "comparators_mean": float(chosen[v].mean()) if len(chosen) else math.nan,
            "smd_before": _smd(treated[v], pool[v]),
            "smd_after": _smd(treated[v], chosen[v]),
        }
        for v in treated.columns
    ]
    return pd.DataFrame(rows)


# ---- difference-in-differences ----------------------------------------------------------------


@dataclass(frozen=True)
class PreTrend(Result):
    """Were the treated areas already moving differently before the start?

    A Poisson model of the pre-period months (area and month fixed effects) with a treated x
    linear time term; ``ratio_per_year`` is how much the treated areas' counts grew per year
    relative to the comparison areas' (1 = parallel). ``passed`` is None when not tested.
    Passing does not prove the trends were parallel: the test has little power on short series.
    """

    tested: bool
    ratio_per_year: float | None
    lower: float | None
    upper: float | None
    p_value: float | None
    passed: bool | None
    note: str


@dataclass(frozen=True)
class DiDResult(Result):
    """A difference-in-differences estimate, its raw 2x2 table and its verdict.

    ``rate_ratio``: exp of the treated-after-start coefficient of the Poisson model (0.8 = the
    treated areas' counts were 20% lower than the comparison areas' trend predicts); ``lower``,
    ``upper`` its ``level`` interval, ``p_value`` against no change. ``errors`` says how the
    interval was made: ``cluster-robust by area`` (t with clusters - 1 degrees of freedom) or,
    with fewer than MIN_AREAS areas on a side, ``quasi-Poisson``.

    ``table``: ``group`` (treated/comparison) x ``period`` (before/after): ``areas``,
    ``months``, ``events``, ``mean_count`` (events per area per month) and, with a population,
    ``rate`` (per 1,000 residents per year). ``ratio_of_ratios`` is the raw (after/before of
    treated) / (after/before of comparison) of those rates (or mean counts); ``did`` is the
    simple difference of differences in ``did_unit``.

    ``can_tell`` is false when the data cannot tell whether the intervention changed the
    outcome; ``reasons`` gives why in short codes (``few_treated_areas``,
    ``few_comparison_areas``, ``few_months_before``, ``few_months_after``,
    ``few_events_before``, ``few_events_after``, ``no_estimate``, ``failed_pretrend``,
    ``interval_includes_no_change``), ``verdict`` in plain English.
    """

    start: str
    level: float
    treated_areas: int
    comparison_areas: int
    months_before: tuple[str, ...]
    months_after: tuple[str, ...]
    rate_ratio: float | None
    lower: float | None
    upper: float | None
    p_value: float | None
    percent_change: float | None
    errors: str
    table: pd.DataFrame
    ratio_of_ratios: float | None
    did: float | None
    did_unit: str
    pretrend: PreTrend
    can_tell: bool
    reasons: tuple[str, ...]
    verdict: str
    caveats: tuple[str, ...]


def difference_in_differences(
    panel: pd.DataFrame,
    *,
    treated: Collection[str],
    start: str,
    level: float = 0.95,
    outcome: str = "violence",
    area_noun: str = "areas",
    comparison: str = "comparison",
) -> DiDResult:
    """Estimate the change in the treated areas from ``start`` relative to the other areas.

    ``panel``: ``area_code``, ``month`` (YYYY-MM), ``count`` and optionally ``population``; one
    row per area and month, every area with the same months (a month with no events is a 0;
    a month the source does not cover is left out for every area, never given as 0). Areas not
    in ``treated`` are the comparison areas.

    Model: Poisson GLM, count ~ treated x after + area + month fixed effects (+ log population
    offset; with one population per area the area effects absorb it). The treated and after
    main effects are the fixed effects' job. On a balanced panel the estimate equals the ratio
    of ratios of the raw sums. Areas with no events at all add nothing to a Poisson fixed-effects
    fit (their effect runs to minus infinity) and are left out of the model (noted), as are
    months with no events anywhere.

    ``outcome``, ``area_noun`` (plural) and ``comparison`` word the verdict: "Over the 12
    months from April 2020, violence in the 12 treated LSOAs fell by 18% relative to 36 matched
    comparison LSOAs (95% interval: 4% to 30% fall)."
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), not {level!r}")
    _month(start, "start")
    frame = _panel(panel)
    treated_codes = set(_codes(treated, "treated"))
    absent = sorted(treated_codes - set(frame["area_code"]))
    if absent:
        raise ValueError(f"treated area(s) not in the panel: {', '.join(absent[:10])}")
    frame["treated"] = frame["area_code"].isin(treated_codes)
    frame["after"] = frame["month"] >= start
    months = sorted(frame["month"].unique())
    before = tuple(m for m in months if m < start)
    after = tuple(m for m in months if m >= start)
    n_treated = int(frame.loc[frame["treated"], "area_code"].nunique())
    n_comparison = int(frame.loc[~frame["treated"], "area_code"].nunique())
    table, did, did_unit, ratio = _two_by_two(frame)
    events = table.set_index(["group", "period"])["events"]

    words = _Words(outcome, area_noun, comparison)
    reasons, problems = _shortfalls(
        n_treated, n_comparison, before, after, events, area_noun, comparison
    )
    caveats: list[str] = []
    clustered = n_treated >= MIN_AREAS and n_comparison >= MIN_AREAS
    errors = "cluster-robust by area" if clustered else "quasi-Poisson"
    estimate = _fit_did(frame, level, clustered, caveats) if not _empty_cell(events) else None
    if estimate is None:
        reasons.append("no_estimate")
        problems.append(
            "there are no events in at least one of the four groups (treated and comparison, "
            "before and after), so no change can be estimated"
        )
    if not clustered:
        caveats.append(
            f"With fewer than {MIN_AREAS} areas on a side the interval cannot allow for how "
            "much areas differ from one another; it uses quasi-Poisson errors and is too narrow."
        )
    elif n_treated < FEW_TREATED:
        caveats.append(
            f"With only {n_treated} treated {area_noun} the cluster-robust interval may be "
            "too narrow."
        )
    pretrend = _pretrend(frame[~frame["after"]], level, clustered)
    if pretrend.passed is False:
        reasons.append("failed_pretrend")
    rr, lo, hi, p = estimate if estimate is not None else (None, None, None, None)
    if lo is not None and hi is not None and lo <= 1 <= hi:
        reasons.append("interval_includes_no_change")
    verdict = words.verdict(
        start=start,
        months_after=len(after),
        n_treated=n_treated,
        n_comparison=n_comparison,
        level=level,
        estimate=estimate,
        problems=problems,
        pretrend=pretrend,
    )
    if pretrend.tested:
        caveats.append(pretrend.note)
    return DiDResult(
        start=start,
        level=level,
        treated_areas=n_treated,
        comparison_areas=n_comparison,
        months_before=before,
        months_after=after,
        rate_ratio=rr,
        lower=lo,
        upper=hi,
        p_value=p,
        percent_change=None if rr is None else (rr - 1) * 100,
        errors=errors,
        table=table,
        ratio_of_ratios=ratio,
        did=did,
        did_unit=did_unit,
        pretrend=pretrend,
        can_tell=not reasons,
        reasons=tuple(reasons),
        verdict=verdict,
        caveats=tuple(caveats),
    )


def _shortfalls(
    n_treated: int,
    n_comparison: int,
    before: tuple[str, ...],
    after: tuple[str, ...],
    events: pd.Series,
    area_noun: str,
    comparison: str,
) -> tuple[list[str], list[str]]:
    """Why the data are too thin to tell: short codes, and the same in words."""
    reasons: list[str] = []
    problems: list[str] = []
    area = _one(area_noun, 1)
    in_treated = f" in the treated {area_noun}"
    for code, n, need, one, many, tail in (
        ("few_treated_areas", n_treated, MIN_AREAS, f"treated {area}", f"treated {area_noun}", ""),
        (
            "few_comparison_areas",
            n_comparison,
            MIN_AREAS,
            f"{comparison} {area}",
            f"{comparison} {area_noun}",
            "",
        ),
        ("few_months_before", len(before), MIN_MONTHS, "month", "months", " before it started"),
        ("few_months_after", len(after), MIN_MONTHS, "month", "months", " since it started"),
        ("few_events_before", _events(events, "before"), MIN_EVENTS, "event", "events",
         f"{in_treated} before it started"),
        ("few_events_after", _events(events, "after"), MIN_EVENTS, "event", "events",
         f"{in_treated} since it started"),
    ):  # fmt: skip
        if n < need:
            reasons.append(code)
            noun = one if n == 1 else many
            problems.append(
                f"there {'is' if n == 1 else 'are'} only {n} {noun}{tail} (at least {need} needed)"
            )
    return reasons, problems


def _panel(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel checked: columns, months, counts, one row per area and month, balanced."""
    needed = {"area_code", "month", "count"}
    if not needed <= set(panel.columns):
        raise ValueError(
            f"the panel needs columns area_code, month (YYYY-MM), count (and optionally "
            f"population); it has {', '.join(map(str, panel.columns))}"
        )
    cols = ["area_code", "month", "count"] + (["population"] if "population" in panel else [])
    frame = panel[cols].copy()
    frame["area_code"] = frame["area_code"].astype(str)
    frame["month"] = frame["month"].astype(str)
    bad = sorted({m for m in frame["month"] if not _MONTH.match(m)})
    if bad:
        raise ValueError(f"months must be YYYY-MM; got {', '.join(bad[:5])}")
    counts = pd.to_numeric(frame["count"], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts % 1 != 0).any():
        raise ValueError("counts must be whole numbers of events, 0 or more, with no blanks")
    frame["count"] = counts.astype("int64")
    if "population" in frame:
        population = pd.to_numeric(frame["population"], errors="coerce")
        if population.isna().any() or (population <= 0).any():
            raise ValueError(
                "population must be a positive number on every row (or leave the column out)"
            )
        frame["population"] = population.astype(float)
    if frame.duplicated(["area_code", "month"]).any():
        raise ValueError("the panel has more than one row for an area and month; sum them first")
    per_area = frame.groupby("area_code")["month"].nunique()
    n_months = frame["month"].nunique()
    gaps = per_area[per_area < n_months]
    if len(gaps):
        raise ValueError(
            f"{len(gaps)} area(s) lack some months (e.g. {gaps.index[0]}): give a 0 count for a "
            "month with no events, and leave out, for every area, a month the source does not "
            "cover"
        )
    return frame.sort_values(["area_code", "month"]).reset_index(drop=True)


def _two_by_two(frame: pd.DataFrame) -> tuple[pd.DataFrame, float | None, str, float | None]:
    """The raw treated/comparison x before/after table, the simple DiD and ratio of ratios."""
    has_pop = "population" in frame
    rows = []
    for group, is_treated in (("treated", True), ("comparison", False)):
        for period, is_after in (("before", False), ("after", True)):
            part = frame[(frame["treated"] == is_treated) & (frame["after"] == is_after)]
            row = {
                "group": group,
                "period": period,
                "areas": int(part["area_code"].nunique()),
                "months": int(part["month"].nunique()),
                "events": int(part["count"].sum()),
                "mean_count": float(part["count"].mean()) if len(part) else math.nan,
            }
            if has_pop:
                person_years = float(part["population"].sum()) / 12
                row["rate"] = row["events"] / person_years * RATE_PER if len(part) else math.nan
            rows.append(row)
    table = pd.DataFrame(rows)
    value = table.set_index(["group", "period"])["rate" if has_pop else "mean_count"]
    unit = f"events per {RATE_PER:,} residents per year" if has_pop else "events per area per month"
    tb, ta = value[("treated", "before")], value[("treated", "after")]
    cb, ca = value[("comparison", "before")], value[("comparison", "after")]
    did = float((ta - tb) - (ca - cb))
    did_value = None if math.isnan(did) else did
    ratio = None
    if all(v > 0 for v in (tb, cb, ca)) and not math.isnan(ta):
        ratio = float((ta / tb) / (ca / cb))
    return table, did_value, unit, ratio


def _events(events: pd.Series, period: str) -> int:
    """Events in the treated areas before or after the start."""
    return int(events.get(("treated", period), 0))


def _empty_cell(events: pd.Series) -> bool:
    cells = [("treated", "before"), ("treated", "after")]
    cells += [("comparison", "before"), ("comparison", "after")]
    return any(int(events.get(c, 0)) == 0 for c in cells)


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


def _fit_did(frame: pd.DataFrame, level: float, clustered: bool, caveats: list[str]):
    design = _design(frame, frame["treated"] & frame["after"], "treated_after")
    if design.dropped_areas:
        caveats.append(
            f"{design.dropped_areas} area(s) had no events at all in the period and add nothing "
            "to the model."
        )
    return _poisson(design, "treated_after", level, clustered)


def _pretrend(before: pd.DataFrame, level: float, clustered: bool) -> PreTrend:
    months = sorted(before["month"].unique())
    treated_events = int(before.loc[before["treated"], "count"].sum())
    comparison_events = int(before.loc[~before["treated"], "count"].sum())
    if len(months) < PRETREND_MIN_MONTHS or not treated_events or not comparison_events:
        note = (
            f"The pre-trend check needs at least {PRETREND_MIN_MONTHS} months before the start "
            "and events in both groups; it was not done."
        )
        return PreTrend(
            tested=False,
            ratio_per_year=None,
            lower=None,
            upper=None,
            p_value=None,
            passed=None,
            note=note,
        )
    index = before["month"].map(_month_index)
    years = (index - index.min()) / 12
    design = _design(before, years.where(before["treated"], 0.0), "treated_trend")
    ratio, lo, hi, p = _poisson(design, "treated_trend", level, clustered)
    passed = p >= PRETREND_ALPHA
    note = (
        "Before the start the treated and comparison areas moved in parallel as far as the "
        f"data show (pre-trend check p = {p:.2f}); the check has little power on short series."
        if passed
        else f"Before the start the treated areas were already moving differently from the "
        f"comparison areas (pre-trend check p = {p:.3f}): the comparison may not be valid."
    )
    return PreTrend(
        tested=True, ratio_per_year=ratio, lower=lo, upper=hi, p_value=p, passed=passed, note=note
    )


# ---- the verdict ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Words:
    outcome: str
    areas: str
    comparison: str

    def verdict(
        self, *, start, months_after, n_treated, n_comparison, level, estimate, problems, pretrend
    ) -> str:
        """One or two sentences a board member can read."""
        lead = f"The data cannot tell whether it changed {self.outcome}"
        if problems:
            return f"{lead}: {'; '.join(problems)}."
        rr, lo, hi, _ = estimate
        who = f"{self.outcome} in the {n_treated} treated {_one(self.areas, n_treated)}"
        against = f"{n_comparison} {self.comparison} {_one(self.areas, n_comparison)}"
        when = f"Over the {months_after} months from {_month_name(start)}"
        interval = f"{round(level * 100, 1):g}% interval"
        if pretrend.passed is False:
            trend = "rising" if pretrend.ratio_per_year > 1 else "falling"
            return (
                f"The comparison may not be valid: before {_month_name(start)}, {self.outcome} "
                f"in the treated {self.areas} was already {trend} by "
                f"{_pct(pretrend.ratio_per_year)} a year relative to the {self.comparison} "
                f"{self.areas}, so the data cannot tell what effect it had. (The estimate, "
                f"not to be relied on, is {_change(rr)}; {interval}: {_range(lo, hi)}.)"
            )
        if lo <= 1 <= hi:
            return (
                f"{lead}: {when[0].lower()}{when[1:]}, {who} {_moved(rr)} relative to "
                f"{against}, but the {interval} runs from {_range(lo, hi)}."
            )
        return f"{when}, {who} {_moved(rr)} relative to {against} ({interval}: {_range(lo, hi)})."


def _pct(ratio: float) -> str:
    """|ratio - 1| as a whole percentage ('less than 1%' when it rounds to 0)."""
    share = abs(ratio - 1) * 100
    return "less than 1%" if 0 < share < 0.5 else f"{round(share)}%"


def _moved(rr: float) -> str:
    if rr == 1:
        return "did not change"
    return f"{'fell' if rr < 1 else 'rose'} by {_pct(rr)}"


def _change(rr: float) -> str:
    """'a 12% fall', 'an 18% rise', 'a fall of less than 1%', 'no change'."""
    if rr == 1:
        return "no change"
    way, pct = ("fall" if rr < 1 else "rise"), _pct(rr)
    if pct.startswith("less"):
        return f"a {way} of {pct}"
    number = pct.rstrip("%")
    article = "an" if number.startswith("8") or number in ("11", "18") else "a"
    return f"{article} {pct} {way}"


def _range(lo: float, hi: float) -> str:
    """'4% to 30% fall', '2% to 15% rise' or 'a 12% fall to a 9% rise'."""
    if hi < 1:
        return f"{_pct(hi)} to {_pct(lo)} fall"
    if lo > 1:
        return f"{_pct(lo)} to {_pct(hi)} rise"
    return f"{_change(lo)} to {_change(hi)}"


def _one(plural: str, n: int) -> str:
    """'LSOAs' -> 'LSOA' when n is 1 (the nouns used here all take an s)."""
    if n != 1:
        return plural
    head, _, last = plural.rpartition(" ")
    word = last[:-1] if last.endswith("s") else last
    return f"{head} {word}".strip()


def _month_name(month: str) -> str:
    return pd.Period(month, freq="M").strftime("%B %Y")


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month(value: str, name: str) -> str:
    if not isinstance(value, str) or not _MONTH.match(value):
        raise ValueError(f"{name} must be a month written YYYY-MM (e.g. 2020-04), not {value!r}")
    return value


def _codes(codes: Collection[str], name: str) -> list[str]:
    if isinstance(codes, str):
        raise ValueError(f"{name} must be a collection of area codes, not one string")
    out = sorted({str(c).strip() for c in codes})
    if not out:
        raise ValueError(f"no {name} areas given")
    return out


# ---- from the warehouse -----------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation(Result):
    """A place-based intervention evaluated from the warehouse.

    ``treated``: the LSOAs (2011 codes) that received it (from ``lsoas`` and ``wards``);
    ``months_before``/``months_after``: the months in the panel; ``months_missing``: months of
    the window the source does not cover, left out of the panel (not counted as zero);
    ``panel``: ``area_code``, ``month``, ``count``, ``population``, ``treated``.
    ``can_tell`` and ``verdict`` are the DiD's.
    """

    measure: str
    title: str
    source: str
    definition_version: str | None
    synthetic: bool
    pfa_code: str
    start: str
    treated: tuple[str, ...]
    wards: tuple[str, ...]
    excluded: tuple[str, ...]
    months_before: tuple[str, ...]
    months_after: tuple[str, ...]
    months_missing: tuple[str, ...]
    matching: Matching
    did: DiDResult
    panel: pd.DataFrame
    can_tell: bool
    verdict: str
    caveats: tuple[str, ...]


def evaluate_place_based(
    wh: Warehouse,
    *,
    lsoas: Collection[str] = (),
    wards: Collection[str] = (),
    start: str,
    measure: Measure | str = DEFAULT_MEASURE,
    pfa_code: str,
    months_before: int = 24,
    months_after: int | None = None,
    k: int = 3,
    seed: int = 0,
    exclude: Collection[str] = (),
    level: float = 0.95,
) -> Evaluation:
    """Evaluate an intervention in ``lsoas`` and/or ``wards`` of force area ``pfa_code`` from
    ``start`` (YYYY-MM) on a record-level ``measure`` (a catalogue id or a Measure).

    The window is the ``months_before`` months before ``start`` and ``months_after`` months
    from it (default: to the last month the source covers); months the source lacks in the
    window (police.uk has no 2019-07) are left out for every area. Counts are the measure's
    monthly counts by LSOA (``where.measure_counts``: its definition, strand, filters and
    under-25 rule). Treated and candidate areas are the force area's 2011 LSOAs, on which IMD
    2019 ranks (``ref_imd2019.imd_rank``) and the ONS mid-2018 populations are published;
    wards are December 2019 wards (``ref_lsoa.ward19_code``). Candidates are the force area's
    other LSOAs less ``exclude`` (e.g. a buffer of neighbours against spillover), matched on
    deprivation and the rate of the measure in the months before.
    """
    _month(start, "start")
    if not isinstance(months_before, int) or months_before < 1:
        raise ValueError(f"months_before must be a whole number of months, not {months_before!r}")
    if months_after is not None and (not isinstance(months_after, int) or months_after < 1):
        raise ValueError(f"months_after must be a whole number of months, not {months_after!r}")
    where.police_uk_slug(wh, pfa_code)  # a clear error for a code that is not a force area
    ref = _force_lsoas(wh, pfa_code)
    treated = _treated(ref, lsoas, wards, pfa_code)
    counts = where.measure_counts(wh, measure, pfa_code)
    before, after, missing = _window(start, months_before, months_after, counts.months_covered)
    window = set(before + after)

    located = counts.frame[counts.frame["month"].isin(window) & counts.frame["lsoa"].notna()]
    by_area_month = located.groupby(["lsoa", "month"])["count"].sum()
    prior = located[located["month"].isin(before)].groupby("lsoa")["count"].sum()
    areas = ref.assign(prior_count=ref["lsoa_code"].map(prior).fillna(0).astype("int64"))
    areas = areas.rename(columns={"lsoa_code": "area_code"})
    matching = match_comparators(
        areas[["area_code", "imd_rank", "prior_count", "population"]],
        treated,
        k=k,
        seed=seed,
        exclude=exclude,
    )
    panel = _build_panel(treated, matching.comparators, sorted(window), by_area_month, ref)
    did = difference_in_differences(
        panel.drop(columns="treated"),
        treated=treated,
        start=start,
        level=level,
        outcome=_outcome(counts.measure.title),
        area_noun="LSOAs",
        comparison="matched comparison",
    )
    caveats = _caveats(counts, missing, matching, did)
    return Evaluation(
        measure=counts.measure.id,
        title=counts.measure.title,
        source=counts.measure.source,
        definition_version=counts.definition_version,
        synthetic=counts.synthetic,
        pfa_code=pfa_code,
        start=start,
        treated=tuple(treated),
        wards=tuple(sorted({str(w) for w in wards})),
        excluded=tuple(sorted({str(c) for c in exclude})),
        months_before=before,
        months_after=after,
        months_missing=missing,
        matching=matching,
        did=did,
        panel=panel,
        can_tell=did.can_tell,
        verdict=did.verdict,
        caveats=caveats,
    )


def _window(
    start: str, months_before: int, months_after: int | None, covered: Collection[str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The covered months before and from ``start``, and the window's months not covered."""
    covered = set(covered)
    first_after = pd.Period(start, freq="M")
    before_all = months_between(str(first_after - months_before), str(first_after - 1))
    end = str(first_after + months_after - 1) if months_after else max([*covered, start])
    after_all = months_between(start, end)
    return (
        tuple(m for m in before_all if m in covered),
        tuple(m for m in after_all if m in covered),
        tuple(m for m in before_all + after_all if m not in covered),
    )


def _force_lsoas(wh: Warehouse, pfa_code: str) -> pd.DataFrame:
    """The force area's 2011 LSOAs: code, December 2019 ward, mid-2018 population, IMD rank."""
    ref = where.lsoa_reference(wh, pfa_code)
    ref = ref[ref["in_2011"]]
    imd = wh.table("ref_imd2019")
    ranks = imd.filter(imd.lsoa11_code.isin(list(ref["lsoa_code"])))
    ranks = ranks.select("lsoa11_code", "imd_rank").execute()
    rank_of = dict(zip(ranks["lsoa11_code"], ranks["imd_rank"], strict=True))
    out = ref[["lsoa_code", "ward19_code", "population"]].copy()
    out["imd_rank"] = out["lsoa_code"].map(rank_of).astype(float)
    return out.reset_index(drop=True)


def _treated(ref: pd.DataFrame, lsoas, wards, pfa_code: str) -> list[str]:
    """The treated 2011 LSOAs: those given and those of the wards given, checked."""
    for name, value in (("lsoas", lsoas), ("wards", wards)):
        if isinstance(value, str):
            raise ValueError(f"{name} must be a collection of codes, not one string")
    codes = {str(c).strip() for c in lsoas}
    ward_codes = {str(w).strip() for w in wards}
    if not codes and not ward_codes:
        raise ValueError("give the treated areas: lsoas=[...] and/or wards=[...]")
    unknown = sorted(codes - set(ref["lsoa_code"]))
    if unknown:
        raise ValueError(
            f"not 2011 LSOAs of force area {pfa_code}: {', '.join(unknown[:10])}; the evaluation "
            "uses 2011 LSOA codes (IMD 2019 and the mid-2018 populations are published on them)"
        )
    known_wards = set(ref["ward19_code"].dropna())
    bad_wards = sorted(ward_codes - known_wards)
    if bad_wards:
        raise ValueError(
            f"not December 2019 wards of force area {pfa_code}: {', '.join(bad_wards[:10])} "
            "(ward codes are the ONS WD19 codes of ref_lsoa.ward19_code)"
        )
    codes |= set(ref.loc[ref["ward19_code"].isin(ward_codes), "lsoa_code"])
    return sorted(codes)


def _build_panel(treated, comparators, months, by_area_month, ref) -> pd.DataFrame:
    """Every area x covered month, 0 where there were no events, with the population."""
    codes = list(treated) + list(comparators)
    grid = pd.MultiIndex.from_product([codes, months], names=["area_code", "month"])
    panel = by_area_month.rename_axis(["area_code", "month"]).reindex(grid, fill_value=0)
    panel = panel.reset_index()
    population = dict(zip(ref["lsoa_code"], ref["population"], strict=True))
    panel["count"] = panel["count"].astype("int64")
    panel["population"] = panel["area_code"].map(population).astype(float)
    panel["treated"] = panel["area_code"].isin(set(treated))
    return panel


def _outcome(title: str) -> str:
    """'Violence and sexual offences (police.uk open data)' -> 'violence and sexual offences'."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", title).strip()
    return text[:1].lower() + text[1:]


def _caveats(counts, missing, matching, did) -> tuple[str, ...]:
    """What to print with the result: synthetic data first, then the gaps and the limits."""
    out: list[str] = []
    if counts.synthetic:
        out.append(SYNTHETIC_NOTE)
    if missing:
        out.append(
            f"The source has no data for {', '.join(month_ranges(list(missing)))}: "
            f"{'that month is' if len(missing) == 1 else 'those months are'} left out for every "
            "area, not counted as zero."
        )
    out += list(counts.measure.caveats) + list(counts.notes)
    if counts.measure.source == "police_uk_street":
        out.append(where.SNAP_NOTE)
    out.append(
        "Events with no location, or outside the treated and comparison LSOAs, are not in the "
        "comparison."
    )
    out.append(
        "Areas are often chosen after an unusually bad spell, and some fall afterwards would "
        "have happened anyway (regression to the mean); matching on violence before the start "
        "reduces this but does not remove it."
    )
    out += list(matching.notes) + list(did.caveats)
    return tuple(dict.fromkeys(out))
