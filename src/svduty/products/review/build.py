"""The review's entry: :func:`build`, which reads the strategy, computes the measures once for
the months and calendar years the review needs, and puts the measures, actions, hotspot changes,
interventions, coverage and questions together as a :class:`~svduty.products.review.model.Review`;
and :func:`write` (:mod:`svduty.products.review.page`), which renders it."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pandas as pd

from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.analysis.measures.catalogue import Catalogue
from svduty.analysis.measures.compute import Geography, compute
from svduty.partnership import Partnership
from svduty.products.area import Area, resolve
from svduty.products.review.actions import action_rows
from svduty.products.review.hotspot_changes import hotspot_change
from svduty.products.review.interventions import _intervention
from svduty.products.review.measures import _measure, _measure_ids, baseline_year
from svduty.products.review.model import Review, ReviewError
from svduty.products.review.page import write
from svduty.products.review.questions import _questions
from svduty.products.review.sources import _coverage, _located_measure
from svduty.products.strategy import file as strategies
from svduty.warehouse import Warehouse

__all__ = ["Review", "ReviewError", "build", "write"]


def build(
    wh: Warehouse,
    partnership: Partnership,
    area: Area | str,
    year: int | str,
    *,
    strategy: strategies.Strategy | Path | str | None = None,
    today: date | None = None,
    catalogue: Catalogue | None = None,
    hotspot_measure: str | None = None,
    permutations: int = 9999,
    outside_period: bool = False,
) -> Review:
    """The annual review of ``year`` for ``area`` (an area id such as "somerset", or an Area).

    ``strategy``: the area's strategy (a Strategy or its YAML file); without one the review
    covers the Home Office success measures and has no actions or interventions. ``today``: the
    date the action statuses are as of (default: the day the review is built, because the
    strategy file records each action's status now, not as it stood at the end of the year).
    ``hotspot_measure``: the measure whose hotspots are compared (default: the strategy's first
    measure placed in LSOAs, else police.uk violence). A ``year`` outside the strategy's
    period is refused (ReviewError) unless ``outside_period`` is set; then the review is built
    with a warning at its top saying so.
    """
    started = time.perf_counter()
    place = area if isinstance(area, Area) else resolve(partnership, area)
    year = _year(year)
    today = today or date.today()
    catalogue = catalogue or measures_catalogue.load(partnership=partnership)
    plan = _strategy(strategy, place, catalogue)
    warned = _period_warnings(plan, year, outside_period)
    base = baseline_year(plan, catalogue)
    ids = _measure_ids(plan, catalogue)
    geo = Geography.load(wh, place.pfa_code, place.police_uk_force)
    rows = pd.DataFrame(compute(wh, catalogue, geo, measure_ids=ids, period_types=_TYPES))
    if rows.empty:
        raise ReviewError(
            "the warehouse holds no data for any measure: run `svduty demo` or ingest"
        )
    measures = tuple(
        _measure(
            catalogue.get(m),
            rows[rows["measure"] == m],
            place,
            geo,
            year,
            base,
            plan.target(m) if plan else None,
        )
        for m in ids
    )
    if not any(m.available for m in measures):
        years = sorted({int(str(p)[:4]) for p in rows["period_start"]})
        raise ReviewError(
            f"no measure has data for {year} in {place.name}; the warehouse has data for "
            f"{', '.join(map(str, years))}: choose one of those years"
        )
    actions, counts = action_rows(plan, today)
    chosen = hotspot_measure or _located_measure(catalogue, ids, wh)
    # the Measure itself: its id alone would be looked up in the shipped catalogue
    spots = hotspot_change(wh, place, year, catalogue.get(chosen), permutations=permutations)
    evaluated = tuple(
        _intervention(wh, place, year, p, i, catalogue, wh_measure=chosen)
        for p, i in (plan.interventions() if plan else ())
        if i.place_based is not None
    )
    coverage = _coverage(rows, place, year, measures)
    questions = _questions(place, year, measures, actions, spots, evaluated, coverage)
    return Review(
        partnership=partnership.name,
        area=place,
        year=year,
        today=today,
        strategy=plan,
        coverage=coverage,
        measures=measures,
        actions=actions,
        action_counts=counts,
        hotspots=spots,
        interventions=evaluated,
        questions=questions,
        seconds=time.perf_counter() - started,
        baseline_year=base,
        warnings=warned,
    )


def _period_warnings(plan, year: int, outside_period: bool) -> tuple[str, ...]:
    """A year the strategy does not cover: refused, or (asked for) the warning the page shows."""
    if plan is None or plan.covers(year):
        return ()
    first, last = plan.years
    when = "before the strategy started" if year < first else "after the strategy ended"
    if not outside_period:
        raise ReviewError(
            f"{year} is {when}: the strategy {plan.file_name or plan.title!r} runs from {first} "
            f"to {last}. Review a year from {first} to {last}, or pass --outside-period to "
            "review it anyway with a warning on the page"
        )
    return (
        f"{year} is {when} ({first} to {last}): this review sets the year against a strategy "
        "that did not cover it, so its actions and targets are not what the partnership was "
        f"doing in {year}. Read it as an illustration of the method, not as a review of the "
        "strategy.",
    )


_TYPES = ("month", "calendar_year")


def _year(value: int | str) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise ReviewError(f"year {value!r} is not a year: give four digits, e.g. 2021") from None
    if not 2000 <= year <= 2100:
        raise ReviewError(
            f"year {year} is out of range: give the calendar year reviewed, e.g. 2021"
        )
    return year


def _strategy(value, place: Area, catalogue: Catalogue) -> strategies.Strategy | None:
    if value is None:
        return None
    if isinstance(value, strategies.Strategy):
        plan = value
    else:  # its measures are those of the catalogue the review counts
        plan = strategies.load(value, measures=catalogue)
    if plan.area != place.id:
        raise ReviewError(
            f"the strategy {plan.path or plan.title!r} is for area {plan.area!r}, not "
            f"{place.id!r}: review each area against its own strategy"
        )
    return plan
