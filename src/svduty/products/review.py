"""The annual review (`svduty review --year YEAR`): how the year went against the strategy.

The Duty's guidance asks a partnership to review its strategy every year, evaluating its
interventions and refreshing the needs assessment. The review is one accessible HTML page for the
partnership (internal: exact figures are shown), built from the same analysis layer as the needs
assessment:

1. each measure of the strategy (the Home Office success measures when there is no strategy)
   in the year against its baseline year and against the year before, as a rate ratio with a 95%
   interval, with the Fingertips trend marker and one plain sentence;
2. every action of the strategy with its owner, milestone and status, overdue ones flagged;
3. what changed since last year: LSOA hotspots (Gi*) that are new, gone or persistent, and the
   measures whose change from last year is statistically significant;
4. each place-based intervention against matched comparison areas (difference in differences,
   :func:`svduty.analysis.evaluation.evaluate_place_based`), with its verdict verbatim, which
   says plainly when the data cannot tell;
5. the questions the partnership must answer for the refresh, each linked to its evidence.

Like with like. A year the data cover only in part (police.uk and the police extract in the demo
stop in September 2021) is never set against whole years: every comparison of a record-level
measure uses only the calendar months both years have (January to September 2021 against
January to September 2020, less any month missing from either), and rates are per year of the
months compared. Hotspots of the two years are found on the same months too. Sources published
by financial year (partner returns, ONS tables) are compared whole year with whole year: the
review year 2021 reads the financial year 2021/22, as the measures read the baseline 2019 as
2019/20. See docs/review.md.
"""

from __future__ import annotations

import calendar
import dataclasses
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd

from svduty.analysis import hotspots as gi
from svduty.analysis.evaluation import Evaluation, evaluate_place_based
from svduty.analysis.evidence import where
from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.analysis.measures.catalogue import Catalogue, Measure
from svduty.analysis.measures.compute import Geography, compute
from svduty.analysis.stats import crude_rate, rate_ratio
from svduty.partnership import Partnership
from svduty.products import charts, html, maps
from svduty.products import strategy as strategies
from svduty.products.area import Area, resolve
from svduty.products.figure import Figure
from svduty.warehouse import Warehouse

__all__ = [
    "MIN_EVENTS",
    "ActionRow",
    "Change",
    "HotspotChange",
    "InterventionResult",
    "MeasureResult",
    "Question",
    "Review",
    "ReviewError",
    "action_rows",
    "build",
    "hotspot_change",
    "write",
]

#: Fewer events than this on either side of a comparison and the review says it cannot tell
#: (PHE's threshold for a stable rate): an interval from a handful of events is too wide to
#: mean "no change".
MIN_EVENTS = 10
MIN_MONTHS_DRAWN = 6
LOCATED = ("police_crime", "police_uk_street")  # placed in LSOAs: hotspots and evaluations
DEFAULT_HOTSPOT_MEASURE = "police-uk-violence"  # real open data, always there in the demo
HIGHER, LOWER, NO_CHANGE, CANNOT = "higher", "lower", "no significant change", "cannot tell"
BASELINE = "is the baseline"  # the year reviewed is the comparison year itself
SOURCES = {
    "police_uk_street": "police.uk street-level crime (data.police.uk, Open Government Licence)",
    "police_crime": "the police force's crime records extract",
    "ed_assault": "emergency department assault records (ISTV)",
    "partner_aggregate": "partner aggregate returns",
    "published": "ONS police force area tables",
}
POPULATION = "Census 2021 usual residents"
POOR_BALANCE = 0.25  # |standardised mean difference| above which groups are poorly balanced
_DID_COLUMNS = {
    "group": "Areas",
    "period": "Period",
    "areas": "LSOAs",
    "months": "Months",
    "events": "Events",
    "mean_count": "Events per LSOA per month",
    "rate": "Rate per 1,000 residents per year",
}
_BALANCE_COLUMNS = {
    "variable": "Variable",
    "treated_mean": "Treated mean",
    "candidates_mean": "All candidates mean",
    "comparators_mean": "Chosen comparators mean",
    "smd_before": "Standardised difference before matching",
    "smd_after": "Standardised difference after matching",
}
_VARIABLES = {
    "imd_rank": "IMD 2019 rank (1 = most deprived)",
    "imd_score": "IMD 2019 score",
    "imd_decile": "IMD 2019 decile",
    "prior_rate": "Rate before the start per 1,000 residents",
    "prior_count": "Events before the start",
}
CHANGE_CLASSES = ("new hotspot", "no longer a hotspot", "hotspot both years")
QUIET = "not a hotspot in either year"
# Each class its own lightness (CIE L* about 20, 38, 75, 96) so the map reads in greyscale;
# "no longer" is orange, not blue, so it is not read as a Gi* cold spot.
MAP_COLOURS = {
    CHANGE_CLASSES[2]: "#67001f",
    CHANGE_CLASSES[0]: "#b2182b",
    CHANGE_CLASSES[1]: "#f4a582",
    QUIET: "#f3f2f1",
}


class ReviewError(ValueError):
    """A review that cannot be built as asked; the message says what would fix it."""


# ---- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A measure in one period against an earlier one, like with like.

    ``months``: the calendar months compared (1-12) for record-level sources, empty when whole
    published periods are compared. ``ratio``, ``lower``, ``upper``: the rate ratio (now / then)
    and its 95% log-normal interval. ``finding``: higher, lower (the interval excludes 1), no
    significant change, or cannot tell (``reason`` says why).
    """

    against: str
    months: tuple[int, ...]
    count: int | None
    count_then: int | None
    rate: float | None
    rate_then: float | None
    ratio: float | None
    lower: float | None
    upper: float | None
    finding: str
    reason: str = ""

    @property
    def significant(self) -> bool:
        return self.finding in (HIGHER, LOWER)

    def phrase(self, polarity: str) -> str:
        """'significantly lower than 2019 (better)', 'cannot tell against 2020: too few events'."""
        if self.finding == CANNOT:
            return f"cannot tell against {self.against}: {self.reason}"
        if self.finding == BASELINE:
            return f"{self.against} is the baseline year"
        if self.finding == NO_CHANGE:
            return f"no significant change from {self.against}"
        better = (self.finding == LOWER) == (polarity == "low_is_good")
        judged = "" if polarity == "none" else f" ({'better' if better else 'worse'})"
        return f"significantly {self.finding} than {self.against}{judged}"


@dataclass(frozen=True)
class MeasureResult:
    """One measure in the review year for the area."""

    measure: Measure
    id: str  # the figure's anchor
    period: str  # "2021 (January to September)", "2021/22"
    available: bool
    count: int | None
    rate: float | None
    lower: float | None
    upper: float | None
    rate_unit: str
    baseline: Change
    previous: Change
    trend: str
    sentence: str
    figure: Figure
    synthetic: bool
    definition_version: str | None


@dataclass(frozen=True)
class ActionRow:
    priority: strategies.Priority
    intervention: strategies.Intervention
    action: strategies.Action
    overdue: bool
    days_overdue: int

    @property
    def id(self) -> str:
        return "action-" + _slug(self.action.id)


@dataclass(frozen=True)
class HotspotChange:
    """LSOA hotspots of the review year against the year before, on the same months.

    ``table``: one row per LSOA of the area hot in either year: ``lsoa_code``, ``lsoa_name``,
    ``ward``, ``local_authority``, the counts and Gi* classes of both years and ``change`` (one of
    CHANGE_CLASSES). Hotspots are found across the whole force area, so a border LSOA is judged
    with its neighbours, and then those in the area are kept.
    """

    measure: str
    title: str
    year: int
    previous: int
    months: tuple[int, ...]
    available: bool
    reason: str
    new: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    persistent: tuple[str, ...] = ()
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    figure: Figure | None = None
    synthetic: bool = False
    caveats: tuple[str, ...] = ()

    id = "hotspot-changes"


@dataclass(frozen=True)
class InterventionResult:
    """A place-based intervention and what the data say about it."""

    priority: strategies.Priority
    intervention: strategies.Intervention
    measure: str
    measure_title: str
    evaluation: Evaluation | None
    can_tell: bool
    verdict: str
    figure: Figure | None

    @property
    def id(self) -> str:
        return "intervention-" + _slug(self.intervention.id)

    @property
    def did_table(self) -> pd.DataFrame:
        """The raw before/after x treated/comparison table, for readers."""
        return self.evaluation.did.table.rename(columns=_DID_COLUMNS)

    @property
    def balance_table(self) -> pd.DataFrame:
        """How alike the treated and comparison areas are, for readers."""
        table = self.evaluation.matching.balance.rename(columns=_BALANCE_COLUMNS)
        return table.replace({"Variable": _VARIABLES})

    @property
    def balance_warning(self) -> str:
        """Words when matching left a variable poorly balanced (|SMD| over 0.25), else ''."""
        if self.evaluation is None:
            return ""
        balance = self.evaluation.matching.balance
        poor = balance[balance["smd_after"].abs() > POOR_BALANCE]
        if poor.empty:
            return ""
        listed = ", ".join(
            f"{_VARIABLES.get(v, v)} (standardised difference {d:.2f})"
            for v, d in zip(poor["variable"], poor["smd_after"], strict=True)
        )
        return (
            f"The comparison areas differ from the treated ones on {listed}: read the estimate "
            "with extra caution, since the groups may not be comparable."
        )


@dataclass(frozen=True)
class Question:
    """A question for the refresh; ``evidence`` is the id of what raised it on the page."""

    text: str
    evidence: str
    topic: str  # measure, action, hotspot, intervention or data


@dataclass(frozen=True)
class Review:
    partnership: str
    area: Area
    year: int
    today: date
    strategy: strategies.Strategy | None
    coverage: pd.DataFrame  # source, months covered in the year, what they are
    measures: tuple[MeasureResult, ...]
    actions: tuple[ActionRow, ...]
    action_counts: dict[str, int]
    hotspots: HotspotChange
    interventions: tuple[InterventionResult, ...]
    questions: tuple[Question, ...]
    seconds: float

    @property
    def figures(self) -> list[Figure]:
        out = [m.figure for m in self.measures]
        out += [self.hotspots.figure] if self.hotspots.figure else []
        return out + [i.figure for i in self.interventions if i.figure]

    @property
    def synthetic(self) -> bool:
        return any(f.synthetic for f in self.figures)

    @property
    def part_year(self) -> bool:
        return bool((self.coverage["Months covered"] < 12).any()) if len(self.coverage) else False

    @property
    def significant_moves(self) -> list[MeasureResult]:
        """Measures whose change from the year before is statistically significant."""
        return [m for m in self.measures if m.previous.significant]


# ---- build --------------------------------------------------------------------------------------


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
) -> Review:
    """The annual review of ``year`` for ``area`` (an area id such as "somerset", or an Area).

    ``strategy``: the area's strategy (a Strategy or its YAML file); without one the review
    covers the Home Office success measures and has no actions or interventions. ``today``: the
    date the action statuses are as of (default: the day the review is built, because the
    strategy file records each action's status now, not as it stood at the end of the year).
    ``hotspot_measure``: the measure whose hotspots are compared (default: the strategy's first
    measure placed in LSOAs, else police.uk violence).
    """
    started = time.perf_counter()
    place = area if isinstance(area, Area) else resolve(partnership, area)
    year = _year(year)
    plan = _strategy(strategy, place)
    today = today or date.today()
    catalogue = catalogue or measures_catalogue.load()
    ids = _measure_ids(plan, catalogue)
    geo = Geography.load(wh, place.pfa_code, place.police_uk_force)
    rows = pd.DataFrame(compute(wh, catalogue, geo, measure_ids=ids, period_types=_TYPES))
    if rows.empty:
        raise ReviewError(
            "the warehouse holds no data for any measure: run `svduty demo` or ingest"
        )
    measures = tuple(
        _measure(catalogue.get(m), rows[rows["measure"] == m], place, geo, year, catalogue)
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
    spots = hotspot_change(wh, place, year, chosen, permutations=permutations)
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


def _strategy(value, place: Area) -> strategies.Strategy | None:
    if value is None:
        return None
    plan = value if isinstance(value, strategies.Strategy) else strategies.load(value)
    if plan.area != place.id:
        raise ReviewError(
            f"the strategy {plan.path or plan.title!r} is for area {plan.area!r}, not "
            f"{place.id!r}: review each area against its own strategy"
        )
    return plan


def _measure_ids(plan: strategies.Strategy | None, catalogue: Catalogue) -> list[str]:
    """The strategy's measures in the order first named, else the Home Office measures."""
    if plan is not None:
        return list(dict.fromkeys(m for p in plan.priorities for m in p.measures))
    return [m.id for m in catalogue.measures if m.home_office]


def _located_measure(catalogue: Catalogue, ids: list[str], wh: Warehouse) -> str:
    """The first of ``ids`` placed in LSOAs with data in the warehouse, else police.uk violence."""
    for m in ids:
        measure = catalogue.get(m)
        table = measure.source
        if table in LOCATED and wh.has_table(table) and wh.table(table).count().execute() > 0:
            return m
    return DEFAULT_HOTSPOT_MEASURE


# ---- measures -----------------------------------------------------------------------------------


def _measure(
    m: Measure, rows: pd.DataFrame, place: Area, geo: Geography, year: int, cat: Catalogue
) -> MeasureResult:
    base_year = m.baseline_year or cat.baseline_year
    mine = rows[rows["area_code"] == place.code] if len(rows) else rows
    unit = f"per {m.multiplier:,} {'residents aged under 25' if m.under_25 else 'residents'}"
    if m.source in where.RECORD_SOURCES:
        got = _record_measure(m, rows, mine, place, geo, year, base_year)
    else:
        got = _aggregate_measure(m, mine, place, year, base_year)
    got["trend"] = _trend(mine, got["label"])
    synthetic = bool(rows["synthetic"].any()) if len(rows) else False
    definition = next((d for d in rows.get("definition", []) if d), None) if len(rows) else None
    sentence = _sentence(m, place, got, unit)
    figure = _measure_figure(m, place, got, unit, sentence, synthetic, definition, rows)
    return MeasureResult(
        measure=m,
        id=figure.id,
        period=got["period"],
        available=got["count"] is not None,
        count=got["count"],
        rate=got["rate"],
        lower=got["lower"],
        upper=got["upper"],
        rate_unit=f"{unit} per year",
        baseline=got["baseline"],
        previous=got["previous"],
        trend=got["trend"],
        sentence=sentence,
        figure=figure,
        synthetic=synthetic,
        definition_version=definition,
    )


def _record_measure(m, rows, mine, place, geo, year, base_year) -> dict:
    """Counts by month of the area -> the year, its like-for-like changes and its series."""
    months = mine[mine["period_type"] == "month"]
    monthly = pd.Series(
        months["count"].astype(float).to_numpy(), index=months["period"].astype(str)
    ).dropna()
    reason = _unplaced(rows, place)
    if reason:
        monthly = monthly.iloc[0:0]
    population = geo.population(place.code, m.under_25) if m.denominator != "none" else None
    now = sorted(int(k[5:]) for k in monthly.index if k.startswith(f"{year}-"))
    count = int(sum(monthly[f"{year}-{c:02d}"] for c in now)) if now else None
    rate = _rate(count, population, len(now), m.multiplier)
    series = _annual_series(monthly, population, m.multiplier, year)
    return {
        "label": str(year),
        "period": f"{year}" + ("" if len(now) in (0, 12) else f" ({_month_text(now)})"),
        "months": tuple(now),
        "count": count,
        "rate": rate.value if rate else None,
        "lower": rate.lower_95 if rate else None,
        "upper": rate.upper_95 if rate else None,
        "baseline": _like_for_like(monthly, year, base_year, population, m, reason),
        "previous": _like_for_like(monthly, year, year - 1, population, m, reason),
        "series": series,
        "unavailable": reason or ("" if now else f"no data for {year}"),
    }


def _unplaced(rows: pd.DataFrame, place: Area) -> str:
    """Why a local authority has no figure when nothing of the source is placed in one."""
    if place.is_force_area or rows.empty:
        return ""
    force = rows[(rows["area_code"] == place.pfa_code) & (rows["period_type"] == "month")]
    total, unplaced = force["count"].sum(), force["not_placed"].sum()
    if total > 0 and unplaced == total:
        return "the source is not placed in local authorities (see the force area's review)"
    return ""


def _rate(count, population, months: int, multiplier: int):
    if count is None or not population or not months:
        return None
    return crude_rate(count, population * months / 12, multiplier)


def _like_for_like(monthly: pd.Series, year: int, then: int, population, m, reason="") -> Change:
    """``year`` against ``then`` on the calendar months both have."""
    if year == then:
        return _baseline(str(year))
    have = {y: {int(k[5:]) for k in monthly.index if k.startswith(f"{y}-")} for y in (year, then)}
    common = tuple(sorted(have[year] & have[then]))
    if reason:
        return _cannot(str(then), (), reason)
    for y in (year, then):
        if not have[y]:
            return _cannot(str(then), (), f"no data for {y}")
    if not common:
        return _cannot(str(then), (), f"{year} and {then} have no month in common")
    now = int(sum(monthly[f"{year}-{c:02d}"] for c in common))
    before = int(sum(monthly[f"{then}-{c:02d}"] for c in common))
    exposure = population * len(common) / 12 if population else None
    return _compare(str(then), common, now, exposure, before, exposure, m.multiplier)


def _baseline(label: str) -> Change:
    return Change(label, (), None, None, None, None, None, None, None, BASELINE)


def _cannot(against: str, months: tuple[int, ...], reason: str) -> Change:
    return Change(against, months, None, None, None, None, None, None, None, CANNOT, reason)


def _compare(against, months, now, n_now, then, n_then, multiplier) -> Change:
    """The rate ratio of two counts over their person-years (or equal exposure when None)."""
    known = not (_missing(n_now) or _missing(n_then)) and n_now > 0 and n_then > 0
    rate = now / n_now * multiplier if known else None
    rate_then = then / n_then * multiplier if known else None
    if min(now, then) < MIN_EVENTS:
        return Change(
            against, months, now, then, rate, rate_then, None, None, None, CANNOT,
            f"too few events ({now} and {then}; at least {MIN_EVENTS} each needed)",
        )  # fmt: skip
    # without populations, equal exposure: the counts of the same months or periods
    ratio = rate_ratio(now, n_now if known else 1, then, n_then if known else 1)
    finding = HIGHER if ratio.lower > 1 else LOWER if ratio.upper < 1 else NO_CHANGE
    return Change(
        against, months, now, then, rate, rate_then, ratio.value, ratio.lower, ratio.upper, finding
    )


def _annual_series(monthly: pd.Series, population, multiplier: int, year: int) -> pd.DataFrame:
    """Per calendar year up to ``year``: events, months covered and the rate per year."""
    out = []
    for y in sorted({int(k[:4]) for k in monthly.index}):
        if y > year:
            continue
        part = monthly[[k.startswith(f"{y}-") for k in monthly.index]]
        rate = _rate(int(part.sum()), population, len(part), multiplier)
        out.append(
            {
                "period": str(y),
                "x": y,
                "months": len(part),
                "count": int(part.sum()),
                "rate": rate.value if rate else math.nan,
                "lower": rate.lower_95 if rate else math.nan,
                "upper": rate.upper_95 if rate else math.nan,
            }
        )
    return pd.DataFrame(out, columns=["period", "x", "months", "count", "rate", "lower", "upper"])


def _aggregate_measure(m: Measure, mine: pd.DataFrame, place: Area, year: int, base_year) -> dict:
    """Published or partner figures: whole periods as sent (financial years before calendar)."""
    kinds = set(mine["period_type"]) if len(mine) else set()
    kind = "financial_year" if "financial_year" in kinds else "calendar_year"
    label = _label(kind, year)
    periods = mine[mine["period_type"] == kind].sort_values("period_start")
    by_label = {r["period"]: r for r in periods.to_dict("records")}
    row = by_label.get(label)
    count = None if row is None or _missing(row["count"]) else int(row["count"])
    why = _aggregate_gap(row, place, label, periods.empty, m.source)

    def versus(then_year: int) -> Change:
        then_label = _label(kind, then_year)
        then = by_label.get(then_label)
        if then_year == year:
            return _baseline(label)
        if why:
            return _cannot(then_label, (), why)
        if then is None or _missing(then["count"]):
            gap = "suppressed" if then is not None and then["suppressed"] else "no figure"
            return _cannot(then_label, (), f"{gap} for {then_label}")
        return _compare(
            then_label, (), count, row["denominator"], int(then["count"]), then["denominator"],
            m.multiplier,
        )  # fmt: skip

    series = pd.DataFrame(
        {
            "period": periods["period"].astype(str),
            "x": periods["period"].astype(str),
            "months": 12,
            "count": periods["count"],
            "rate": periods["rate"].astype(float),
            "lower": periods["lower_95"].astype(float),
            "upper": periods["upper_95"].astype(float),
        }
    )
    series = series[series["period"].str[:4].astype(int) <= year]
    return {
        "label": label,
        "period": label,
        "months": (),
        "count": count,
        "rate": None if row is None else _number(row["rate"]),
        "lower": None if row is None else _number(row["lower_95"]),
        "upper": None if row is None else _number(row["upper_95"]),
        "baseline": versus(base_year),
        "previous": versus(year - 1),
        "series": series.reset_index(drop=True),
        "unavailable": why,
    }


def _aggregate_gap(row, place: Area, label: str, nothing: bool, source: str) -> str:
    if nothing:
        only = source == "published" and not place.is_force_area
        return f"no figures for {place.name}" + (
            " (published for force areas only)" if only else ""
        )
    if row is None:
        return f"no figure for {label}"
    if _missing(row["count"]):
        return f"the {label} figure is suppressed" if row["suppressed"] else f"no count for {label}"
    return ""


def _label(kind: str, year: int) -> str:
    return f"{year}/{str(year + 1)[2:]}" if kind == "financial_year" else str(year)


def _trend(mine: pd.DataFrame, label: str) -> str:
    """The Fingertips marker of the review period's row, or why there is none."""
    if mine.empty:
        return "Cannot be calculated: no data"
    annual = mine[(mine["period_type"] != "month") & (mine["period"] == label)]
    marks = [t for t in annual["trend"] if isinstance(t, str)]
    if marks:
        return marks[0]
    complete = mine[(mine["period_type"] != "month") & mine["complete"] & mine["rate"].notna()]
    upto = [p for p in complete["period"] if str(p)[:4] <= label[:4]]
    return (
        f"Cannot be calculated: the marker needs five complete years with rates up to {label} "
        f"(the data have {len(upto)})"
    )


def _sentence(m: Measure, place: Area, got: dict, unit: str) -> str:
    if got["count"] is None:
        return f"{m.title}, {place.name}, {got['period']}: cannot tell: {got['unavailable']}."
    value = f"{html.fmt_number(got['count'])} events"
    if got["rate"] is not None:
        value += f", {html.fmt_number(got['rate'], 1)} {unit} per year"
    said = [got["baseline"].phrase(m.polarity)]
    if got["previous"].against != got["baseline"].against:
        said.append(got["previous"].phrase(m.polarity))
    else:
        said[0] += ", the baseline year and the year before"
    return f"{m.title}, {place.name}, {got['period']}: {value}; {'; '.join(said)}."


def _measure_figure(m, place, got, unit, sentence, synthetic, definition, rows) -> Figure:
    series = got["series"]
    table = series.rename(
        columns={
            "period": "Period",
            "months": "Months covered",
            "count": "Events",
            "rate": f"Rate {unit} per year",
            "lower": "Lower 95% limit",
            "upper": "Upper 95% limit",
        }
    ).drop(columns="x")
    # A year with a few months of data is too noisy to draw beside whole years (table only).
    drawn = series[series["months"] >= MIN_MONTHS_DRAWN].dropna(subset=["rate"])
    chart = None
    if len(drawn):
        chart = charts.trend(
            drawn,
            "x",
            "rate",
            lower="lower",
            upper="upper",
            y_title=f"Rate {unit} per year",
            x_title="Financial year" if "/" in got["label"] else "Year",
        )
    notes = []
    part = series[series["months"] < 12]
    if len(part):
        listed = ", ".join(f"{p}: {n}" for p, n in zip(part["period"], part["months"], strict=True))
        notes.append(
            f"Years the source covers only in part (months covered: {listed}) are rates per year "
            f"of the months covered; years with fewer than {MIN_MONTHS_DRAWN} months are not drawn."
        )
    caveats = next((c for c in rows.get("caveats", []) if c), []) if len(rows) else []
    notes += [c for c in caveats if c not in notes]
    return Figure(
        id="measure-" + _slug(m.id),
        title=f"{m.title}, {place.name}",
        alt=sentence,
        table=table,
        source=SOURCES.get(m.source, m.source)
        + ("" if m.denominator == "none" else f"; rates per {POPULATION}"),
        chart=chart,
        definition_version=definition,
        synthetic=synthetic,
        notes=tuple(notes),
    )


# ---- actions ------------------------------------------------------------------------------------


def action_rows(
    plan: strategies.Strategy | None, today: date
) -> tuple[tuple[ActionRow, ...], dict[str, int]]:
    """Every action of the strategy in the order written, overdue ones flagged as of ``today``
    (milestone before ``today``, neither complete nor cancelled), and the counts by status."""
    if plan is None:
        return (), {}
    summary = strategies.action_summary(plan, today)
    late = {o.action.id: o.days_overdue for o in summary.overdue}
    rows = tuple(ActionRow(p, i, a, a.id in late, late.get(a.id, 0)) for p, i, a in plan.actions())
    return rows, dict(summary.counts)


# ---- hotspots -----------------------------------------------------------------------------------


def hotspot_change(
    wh: Warehouse, place: Area, year: int, measure: str, *, permutations: int = 9999
) -> HotspotChange:
    """Gi* hotspots of ``year`` and the year before on the calendar months both have, across the
    force area, then kept for the LSOAs of ``place``: new, gone and persistent."""
    previous = year - 1
    title = where.resolve_measure(measure).title
    try:
        counts = where.measure_counts(wh, measure, place.pfa_code, years=[previous, year])
    except ValueError as exc:
        return HotspotChange(measure, title, year, previous, (), False, str(exc))
    have = {
        y: {int(m[5:]) for m in counts.months_covered if m.startswith(str(y))}
        for y in (previous, year)
    }
    common = tuple(sorted(have[year] & have[previous]))
    if not common:
        missing = year if not have[year] else previous
        return HotspotChange(
            measure, title, year, previous, (), False,
            f"no {counts.measure.source} data for {missing} to compare",
        )  # fmt: skip
    keep = {f"{y}-{c:02d}" for y in (previous, year) for c in common}
    same_months = dataclasses.replace(
        counts,
        frame=counts.frame[counts.frame["month"].isin(keep)].reset_index(drop=True),
        months_covered=tuple(m for m in counts.months_covered if m in keep),
    )
    yearly = where.lsoa_hotspots_by_year(
        wh, measure, place.pfa_code, counts=same_months, permutations=permutations
    )
    if not yearly.available or set(yearly.by_year) != {previous, year}:
        return HotspotChange(measure, title, year, previous, common, False, yearly.caveats[-1])
    ref = where.lsoa_reference(wh, place.pfa_code)
    mine = set(ref.loc[ref["la_code"].isin(place.la_codes), "lsoa_code"])
    hot = {
        y: set(f.loc[(f["classification"] == gi.HOT) & f["lsoa_code"].isin(mine), "lsoa_code"])
        for y, f in yearly.by_year.items()
    }
    new, gone = hot[year] - hot[previous], hot[previous] - hot[year]
    both = hot[year] & hot[previous]
    table = _hotspot_table(yearly.by_year, previous, year, new, gone, both, ref)
    result = HotspotChange(
        measure=measure,
        title=title,
        year=year,
        previous=previous,
        months=common,
        available=True,
        reason="",
        new=tuple(sorted(new)),
        gone=tuple(sorted(gone)),
        persistent=tuple(sorted(both)),
        table=table,
        synthetic=yearly.synthetic,
        caveats=tuple(yearly.caveats),
    )
    if table.empty:  # nothing to map or tabulate: the page says so in words
        return result
    return dataclasses.replace(result, figure=_hotspot_figure(wh, place, result, yearly))


def _hotspot_table(by_year, previous, year, new, gone, both, ref) -> pd.DataFrame:
    codes = sorted(new | gone | both)
    frames = {y: f.set_index("lsoa_code") for y, f in by_year.items()}
    names = ref.set_index("lsoa_code")
    change = {c: CHANGE_CLASSES[0] for c in new}
    change |= {c: CHANGE_CLASSES[1] for c in gone} | {c: CHANGE_CLASSES[2] for c in both}
    order = {c: i for i, c in enumerate(CHANGE_CLASSES)}
    rows = [
        {
            "lsoa_code": c,
            "lsoa_name": names.at[c, "lsoa_name"] if c in names.index else c,
            "ward": names.at[c, "ward19_name"] if c in names.index else None,
            "la_code": names.at[c, "la_code"] if c in names.index else None,
            "local_authority": names.at[c, "la_name"] if c in names.index else None,
            f"events_{previous}": int(frames[previous].at[c, "count"]),
            f"events_{year}": int(frames[year].at[c, "count"]),
            "change": change[c],
        }
        for c in codes
    ]
    table = pd.DataFrame(
        rows,
        columns=["lsoa_code", "lsoa_name", "ward", "la_code", "local_authority",
                 f"events_{previous}", f"events_{year}", "change"],
    )  # fmt: skip
    return table.sort_values(
        ["change", "lsoa_code"], key=lambda s: s.map(order) if s.name == "change" else s
    ).reset_index(drop=True)


def _hotspot_figure(wh, place: Area, spots: HotspotChange, yearly) -> Figure:
    months = _month_text(spots.months)
    level = yearly.details[spots.year]["boundaries"]
    # A force-wide map would show a town-centre hotspot as a speck: draw only the local
    # authorities that have a hotspot in either year (all of the area's when none has).
    hot_las = set(spots.table["la_code"])
    shown = place
    if hot_las:
        shown = dataclasses.replace(
            place, la_codes=tuple(c for c in place.la_codes if c in hot_las)
        )
    shapes = maps.boundaries(wh, shown, level)
    drawn = " and ".join(sorted(set(spots.table["local_authority"].dropna())))
    change = dict(zip(spots.table["lsoa_code"], spots.table["change"], strict=True))
    shapes["change"] = [change.get(c, QUIET) for c in shapes["code"]]
    shapes["persistent"] = shapes["change"] == CHANGE_CLASSES[2]
    chart = maps.hotspot_map(
        shapes,
        "change",
        title=f"Hotspot changes in {place.name}, {spots.previous} to {spots.year}",
        persistent="persistent",
        legend_title="Hotspot",
        colours=MAP_COLOURS,
    )
    said = (
        f"{len(spots.new)} new, {len(spots.gone)} no longer and {len(spots.persistent)} "
        f"persistent LSOA hotspots of {_lower(spots.title)} in {place.name}, {months} "
        f"{spots.year} against the same months of {spots.previous}."
    )
    table = spots.table.drop(columns="la_code").rename(
        columns={
            "lsoa_code": "LSOA code",
            "lsoa_name": "LSOA name",
            "ward": "Ward (December 2019)",
            "local_authority": "Local authority",
            f"events_{spots.previous}": f"Events {spots.previous}",
            f"events_{spots.year}": f"Events {spots.year}",
            "change": "Change",
        }
    )
    return Figure(
        id=HotspotChange.id,
        title=f"Hotspots of {_lower(spots.title)}: {spots.previous} and {spots.year} compared",
        alt=said,
        table=table,
        source=f"{SOURCES.get(yearly.source, yearly.source)}; ONS LSOA boundaries",
        chart=chart,
        definition_version=yearly.definition_version,
        synthetic=yearly.synthetic,
        notes=(
            f"Getis-Ord Gi* on event counts per LSOA ({months} of each year), queen contiguity, "
            f"{yearly.settings['permutations']:,} permutations, false discovery rate "
            f"{yearly.settings['alpha']:.0%}; hotspots found across the force area.",
            *([f"The map shows {drawn}, where the hotspots are."] if shown != place else []),
        ),
    )


# ---- place-based interventions ------------------------------------------------------------------


def _intervention(wh, place, year, priority, intervention, catalogue, *, wh_measure):
    """Evaluate one place-based intervention on its priority's first located measure."""
    where_ = intervention.place_based
    measure = next((m for m in priority.measures if catalogue.get(m).source in LOCATED), wh_measure)
    start = where_.start_month
    title = catalogue.get(measure).title
    result = InterventionResult(priority, intervention, measure, title, None, False, "", None)
    if where_.start.year > year:
        said = (
            f"{intervention.name} starts in {_month_name(start)}, after {year}: there is nothing "
            "to evaluate in this review; the data cannot tell yet."
        )
        return dataclasses.replace(result, verdict=said)
    months_after = (year - where_.start.year) * 12 + 12 - where_.start.month + 1
    try:
        evaluation = evaluate_place_based(
            wh,
            lsoas=where_.lsoas,
            wards=where_.wards,
            start=start,
            measure=catalogue.get(measure),
            pfa_code=place.pfa_code,
            months_after=months_after,
        )
    except ValueError as exc:
        said = f"{intervention.name} could not be evaluated, so the data cannot tell: {exc}"
        return dataclasses.replace(result, verdict=said)
    return dataclasses.replace(
        result,
        evaluation=evaluation,
        can_tell=evaluation.can_tell,
        verdict=evaluation.verdict,
        figure=_intervention_figure(intervention, evaluation, result.id),
    )


def _intervention_figure(intervention, ev: Evaluation, anchor: str) -> Figure:
    """Treated and matched comparison areas, monthly rate per 1,000 residents per year."""
    panel = ev.panel.assign(group=ev.panel["treated"].map({True: "Treated", False: "Comparison"}))
    monthly = panel.groupby(["group", "month"], as_index=False)[["count", "population"]].sum()
    monthly["rate"] = monthly["count"] / (monthly["population"] / 12) * 1000
    monthly["when"] = pd.to_datetime(monthly["month"] + "-01")
    monthly = monthly.sort_values(["group", "month"], ascending=[False, True])
    chart = charts.trend(
        monthly,
        "when",
        "rate",
        series="group",
        series_title="Areas",
        y_title="Rate per 1,000 residents per year",
        x_title="Month",
    )
    start = pd.DataFrame({"when": [pd.Timestamp(ev.start + "-01")], "label": ["Start"]})
    rule = alt.Chart(start).mark_rule(strokeDash=[4, 4], color="#0b0c0c").encode(x="when:T")
    text = alt.Chart(start).mark_text(align="left", dx=4, y=8).encode(x="when:T", text="label:N")
    table = monthly[["month", "group", "count", "population", "rate"]].rename(
        columns={
            "month": "Month",
            "group": "Areas",
            "count": "Events",
            "population": "Residents (mid-2018)",
            "rate": "Rate per 1,000 residents per year",
        }
    )
    return Figure(
        id=anchor,
        title=f"{intervention.name}: {_lower(ev.title)} in the treated and comparison LSOAs",
        alt=ev.verdict,
        table=table.reset_index(drop=True),
        source=f"{SOURCES.get(ev.source, ev.source)}; ONS mid-2018 LSOA populations; IMD 2019",
        chart=alt.layer(chart, rule, text),
        definition_version=ev.definition_version,
        synthetic=ev.synthetic,
        notes=ev.caveats,
    )


# ---- coverage and questions ---------------------------------------------------------------------


def _coverage(rows: pd.DataFrame, place: Area, year: int, measures) -> pd.DataFrame:
    """How many months of the year each record-level source holds."""
    out = []
    for source in dict.fromkeys(m.measure.source for m in measures):
        if source not in where.RECORD_SOURCES:
            continue
        ids = [m.measure.id for m in measures if m.measure.source == source]
        part = rows[rows["measure"].isin(ids) & (rows["period_type"] == "month")]
        months = sorted({int(p[5:]) for p in part["period"].astype(str) if p[:4] == str(year)})
        out.append(
            {
                "Source": SOURCES[source],
                "Months covered": len(months),
                "Months": _month_text(months) if months else "none",
            }
        )
    return pd.DataFrame(out, columns=["Source", "Months covered", "Months"])


def _questions(place, year, measures, actions, spots, evaluated, coverage) -> tuple[Question, ...]:
    """The refresh's questions, by rule, each pointing at the evidence that raised it."""
    out: list[Question] = []
    for m in measures:
        title = _lower(m.measure.title)
        # a year before the baseline (a review of 2018 against 2019) asks nothing of a "rise"
        earlier = [c for c in (m.previous, m.baseline) if int(c.against[:4]) < year]
        moved = next((c for c in earlier if c.significant), None)
        unclear = [c for c in (m.baseline, m.previous) if c.finding == CANNOT]
        if moved is not None:
            rise = moved.finding == HIGHER
            text = (
                f"What explains the {'rise' if rise else 'fall'} in {title} in {place.name} "
                f"since {moved.against}" + ("?" if rise else ", and what would keep it falling?")
            )
            out.append(Question(text, m.id, "measure"))
        elif any(c.reason.startswith("too few events") for c in unclear):
            text = (
                f"'{m.measure.title}' counts too few events in {place.name} to show a change in "
                "one year: over how many years, or with which other measure, will the "
                "partnership judge it?"
            )
            out.append(Question(text, m.id, "data"))
        elif not m.available:
            gap = m.sentence.rsplit("cannot tell: ", 1)[-1].rstrip(".")
            text = f"How will the partnership get the data to track {title} ({gap})?"
            out.append(Question(text, m.id, "data"))
    for row in actions:
        if row.overdue or row.action.status in ("delayed", "at_risk"):
            state = "overdue" if row.overdue else row.action.status.replace("_", " ")
            text = (
                f"Is the timetable for '{row.action.description.rstrip('.')}' "
                f"({row.action.owner}, {state}) still realistic?"
            )
            out.append(Question(text, row.id, "action"))
    treated = {c for i in evaluated for c in i.intervention.place_based.lsoas}
    fresh = [c for c in spots.new if c not in treated]
    if spots.available and fresh:
        names = ", ".join(spots.table.loc[spots.table["lsoa_code"].isin(fresh), "lsoa_name"])
        text = f"Should the place-based approach extend to the new hotspots ({names})?"
        out.append(Question(text, spots.id, "hotspot"))
    for i in evaluated:
        name = i.intervention.name
        if not i.can_tell:
            text = f"How will the partnership evaluate {name}, since the data cannot yet tell?"
        else:
            text = f"Given its estimated effect, should {name} continue, change or extend?"
        out.append(Question(text, i.id, "intervention"))
    partial = coverage[coverage["Months covered"] < 12]
    if len(partial):
        text = (
            f"{year} is covered only in part ({'; '.join(dict.fromkeys(partial['Months']))}): "
            "when will the "
            "rest of the year's data arrive, and should the refresh wait for it?"
        )
        out.append(Question(text, "coverage", "data"))
    return tuple(out)


# ---- writing ------------------------------------------------------------------------------------


def write(review: Review, out_dir: Path | str) -> Path:
    """Write the review to ``out_dir/index.html`` (with its stylesheet) and return the path."""
    plan = review.strategy
    example = plan.example_note if plan is not None and plan.example else None
    return html.write_page(
        Path(out_dir),
        "index.html",
        "review.html",
        r=review,
        title=f"Annual review {review.year}: {review.area.name}",
        body_name=review.area.body,
        synthetic=review.synthetic,
        example=example,
        statuses=strategies.ACTION_STATUSES,
        change_classes=CHANGE_CLASSES,
        month_text=_month_text,
        fmt_ratio=_fmt_ratio,
        lower=_lower,
    )


# ---- small helpers ------------------------------------------------------------------------------


def _fmt_ratio(change: Change) -> str:
    if change.finding == BASELINE:
        return "[z]"
    if change.ratio is None:
        return "[x]"
    if change.lower is None or math.isnan(change.lower):
        return f"{change.ratio:.2f}"
    return f"{change.ratio:.2f} ({change.lower:.2f} to {change.upper:.2f})"


def _month_text(months: Iterable[int]) -> str:
    """[1..6, 8, 9] -> 'January to June, August and September'."""
    runs: list[list[int]] = []
    for m in sorted(months):
        if runs and runs[-1][-1] + 1 == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    if [m for r in runs for m in r] == list(range(1, 13)):
        return "the whole year"
    names = calendar.month_name
    parts = []
    for r in runs:
        if len(r) == 1:
            parts.append(names[r[0]])
        elif len(r) == 2:
            parts += [names[r[0]], names[r[1]]]
        else:
            parts.append(f"{names[r[0]]} to {names[r[-1]]}")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _month_name(month: str) -> str:
    return f"{calendar.month_name[int(month[5:])]} {month[:4]}"


def _lower(title: str) -> str:
    """'Violence and sexual offences (police.uk open data)' -> 'violence and sexual offences'."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", title).strip()
    return text[:1].lower() + text[1:]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value) -> float | None:
    return None if _missing(value) else float(value)
