"""Difference in differences: how much the treated areas changed from the start relative to
the comparison areas, as the rate ratio of a Poisson model with area and month fixed effects,
beside the raw before/after table, and ``can_tell``: false whenever the data cannot answer (too
few areas, months or events, an interval that includes no change, or a failed pre-trend check).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from svduty.analysis.evaluation.panel import RATE_PER, _codes, _month, _panel
from svduty.analysis.evaluation.poisson import _design, _poisson
from svduty.analysis.evaluation.pretrend import PreTrend, _pretrend
from svduty.analysis.evaluation.verdict import _one, _Words
from svduty.analysis.evidence.quality import Result

#: Fewer areas than this on either side: cluster-robust errors are meaningless (one cluster has
#: no spread), so the interval falls back to quasi-Poisson errors and the verdict is "cannot tell".
MIN_AREAS = 2
#: Fewer treated areas than this: cluster-robust intervals tend to be too narrow (a caveat).
FEW_TREATED = 10
#: Months needed before and after the start: fewer and one odd month decides the answer.
MIN_MONTHS = 6
#: Events needed in the treated areas before and after the start.
MIN_EVENTS = 20


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


def _fit_did(frame: pd.DataFrame, level: float, clustered: bool, caveats: list[str]):
    design = _design(frame, frame["treated"] & frame["after"], "treated_after")
    if design.dropped_areas:
        caveats.append(
            f"{design.dropped_areas} area(s) had no events at all in the period and add nothing "
            "to the model."
        )
    return _poisson(design, "treated_after", level, clustered)
