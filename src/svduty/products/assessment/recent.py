"""The most recent data: police.uk's latest months, after the assessment's period.

The assessment's annual figures, trends and hotspots need whole calendar years, so its period
ends with the latest complete ones. police.uk may hold later months (the demo holds six of
2025): this section counts them for the area, labelled with their months, and sets them against
the same calendar months of the latest earlier year that holds every one of them, never
against a whole year (svduty.products.recency). The months police.uk lacks after the period are
listed as gaps. The count is read from the whole warehouse, not the period's narrowed view.

The later files place crimes in 2021 LSOAs, the earlier ones in 2011 LSOAs: the area's LSOAs of
both vintages (``ref_lsoa``) are counted, so both years are counted over the same area.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from svduty.analysis.stats import rate_ratio
from svduty.errors import InputError
from svduty.products import recency
from svduty.products.assessment.common import Built, num, source_name
from svduty.products.assessment.model import Paragraph, Section, Table
from svduty.products.assessment.scope import Context, headline_months

__all__ = ["CRIME_TYPES", "Recent", "latest", "recent_section"]

SOURCE = "police_uk_street"
#: the police.uk crime types of serious violence's kind, the first the one the statement quotes
CRIME_TYPES = ("Violence and sexual offences", "Robbery", "Possession of weapons")
#: years whose months are not a fair "before" on their own: COVID-19 restrictions in England
#: (national lockdowns from March 2020; the last legal restrictions lifted on 19 July 2021)
RESTRICTED_YEARS = (2020, 2021)
#: fewer events than this on either side and no change is given (PHE's threshold for a stable
#: rate, as the annual review uses): an interval from a handful of events is too wide to read
MIN_EVENTS = 10
_ID = "recent"
_TABLE = "table-recent"


@dataclass(frozen=True)
class Recent:
    """The latest police.uk year of the force and what the area's counts say about it.

    ``latest`` is None when the force has no police.uk rows; ``after`` says whether it holds
    months after the period; ``then`` is the year its months are set against (None if none
    holds them all); ``counts`` has one row per crime type (count now, count then)."""

    latest: recency.YearHeld | None
    after: bool
    then: int | None
    counts: pd.DataFrame
    gaps: tuple[str, ...]  # months with no police.uk data after the period, as ranges
    statement: str  # the board's "How recent" sentence
    covers: str = ""  # its first sentence: the years the annual figures cover

    @property
    def public(self) -> str:
        """How recent, in words with no count: for the public summary, whose figures are the
        gate's own."""
        if self.latest is None:
            return ""
        if not self.after:
            return self.covers
        return (
            f"{self.covers} The most recent police.uk data, for {self.latest.label()}, are counted "
            "in the assessment and set only against the same months of an earlier year."
        )


def latest(ctx: Context) -> Recent:
    """The most recent police.uk data for the area (computed once per assessment)."""
    cache = ctx.__dict__
    if "_recent" not in cache:
        cache["_recent"] = _latest(ctx)
    return cache["_recent"]


def _latest(ctx: Context) -> Recent:
    try:
        months = headline_months(ctx.wh, ctx.area)
    except InputError:  # no police data at all: the other sections say so
        months = []
    last = recency.year_held(months)
    period = ctx.period
    covers = f"Annual figures cover {period.label}."
    if last is None:
        return Recent(None, False, None, pd.DataFrame(), (), "", covers)
    if last.keys[-1] <= period.last:
        said = f"{covers} police.uk holds no month after {period.last}."
        return Recent(last, False, None, pd.DataFrame(), (), said, covers)
    then = recency.like_for_like_year(months, last)
    counts = _counts(ctx, last, then)
    gaps = _gap_runs(months, period.last)
    said = f"{covers} {_statement(ctx, last, then, counts)}"
    return Recent(last, True, then, counts, gaps, said, covers)


def _counts(ctx: Context, last: recency.YearHeld, then: int | None) -> pd.DataFrame:
    """Per crime type: the area's police.uk count in ``last``'s months and in the same months
    of ``then``."""
    t = ctx.wh.table(SOURCE)
    t = t.filter(t.force == ctx.area.police_uk_force)
    if not ctx.area.is_force_area:  # LSOAs of both vintages: 2011 before 2023, 2021 after
        t = t.filter(t.lsoa_code.isin(list(ctx.lsoas)))
    keys = list(last.keys) + [f"{then}-{m:02d}" for m in last.months] if then else list(last.keys)
    starts = [pd.Timestamp(f"{k}-01").date() for k in keys]
    t = t.filter(t.month.isin(starts) & t.crime_type.isin(list(CRIME_TYPES)))
    got = t.group_by(["crime_type", "month"]).aggregate(n=t.count()).execute()
    got["year"] = pd.to_datetime(got["month"]).dt.year
    rows = []
    for crime_type in CRIME_TYPES:
        mine = got[got["crime_type"] == crime_type]
        now = int(mine.loc[mine["year"] == last.year, "n"].sum())
        before = int(mine.loc[mine["year"] == then, "n"].sum()) if then else None
        rows.append({"crime_type": crime_type, "now": now, "then": before})
    return pd.DataFrame(rows)


def _change(now: int, before: int | None):
    """The change from ``before`` to ``now`` (same months, same population: equal exposure)
    as a rate ratio with its 95% interval; None when it cannot be told."""
    if before is None or min(now, before) < MIN_EVENTS:
        return None
    return rate_ratio(now, 1, before, 1)


def _pct(ratio: float) -> float:
    return 100 * (ratio - 1)


def _change_words(change) -> str:
    """'9.9% more (95% interval 6.0% to 13.9% more)'."""
    p, lo, hi = _pct(change.value), _pct(change.lower), _pct(change.upper)
    word = "more" if p >= 0 else "fewer"
    span = f"{lo:+.1f}% to {hi:+.1f}%"
    if lo > 0 or hi < 0:
        return f"{abs(p):.1f}% {word} (95% interval {span})"
    return f"{abs(p):.1f}% {word}, not a significant change (95% interval {span})"


def _statement(ctx: Context, last, then, counts: pd.DataFrame) -> str:
    first = counts.iloc[0]
    what = f"{num(first['now'])} {first['crime_type'].lower()}"
    said = f"The most recent police.uk data are for {last.label()}: {what} in {ctx.area.name}"
    change = _change(int(first["now"]), first["then"])
    if then is None:
        return said + " (no earlier year holds the same months to compare them with)."
    if change is None:
        return said + f"; too few to set against the same months of {then}."
    return said + f", {_change_words(change)} than in the same months of {then}."


def _gap_runs(held: list[str], after: str) -> tuple[str, ...]:
    """The months after ``after`` up to the latest held that police.uk lacks, as runs
    ('2021-10 to 2022-12', '2023-02')."""
    if not held:
        return ()
    every = pd.period_range(after, held[-1], freq="M").strftime("%Y-%m")[1:]
    have = set(held)
    runs: list[list[str]] = []
    for m in every:
        if m in have:
            continue
        if runs and pd.Period(runs[-1][-1], freq="M") + 1 == pd.Period(m, freq="M"):
            runs[-1].append(m)
        else:
            runs.append([m])
    return tuple(r[0] if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)


def recent_section(ctx: Context) -> Built:
    got = latest(ctx)
    title = "The most recent data"
    if got.latest is None:
        return Built(Section(_ID, title, (Paragraph("police.uk holds no data for this area."),)))
    if not got.after:
        return Built(Section(_ID, title, (Paragraph(got.statement),)))
    last, then = got.latest, got.then
    parts: list = [
        Paragraph(
            f"The assessment's annual figures, trends and hotspots cover {ctx.period.describe()}"
            ", the latest run of calendar years its police data hold; a rate or a trend is "
            f"never read from part of a year. police.uk also holds {last.label()}. Those "
            "months are counted here for the crime types nearest serious violence and set "
            "against the same calendar months of an earlier year, like with like: never "
            "against a whole year."
        )
    ]
    if not last.complete:
        parts.append(
            Paragraph(
                f"{last.year} is held in part: {recency.months_in_words(len(last.months))} of "
                f"twelve. The months police.uk lacks ({last.gaps()} {last.year}) are gaps in "
                "the data, not months without crime."
            )
        )
    if got.gaps:
        parts.append(
            Paragraph(
                "Months after the period with no police.uk data in the warehouse (gaps, not "
                f"zeros): {'; '.join(got.gaps)}."
            )
        )
    caption = _caption(ctx, last, then)
    parts.append(Table(_TABLE, caption, _frame(ctx, got), _source(ctx), ctx.not_applied))
    if then in RESTRICTED_YEARS:
        parts.append(
            Paragraph(
                f"The months of {then} fell under COVID-19 restrictions (national lockdowns from "
                "March 2020; the last restrictions in England lifted in July 2021): a change "
                "from them may owe as much to the restrictions as to anything since. A change "
                "between two single years is a signal to look into, not a trend."
            )
        )
    gaps = [] if last.complete else [(f"police.uk holds {last.label()}", _TABLE)]
    return Built(Section(_ID, title, tuple(parts)), gaps=gaps)


def _caption(ctx: Context, last, then) -> str:
    since = f", against the same months of {then}" if then else ""
    return f"police.uk crimes in {ctx.area.name}, {last.label()}{since}"


def _source(ctx: Context) -> str:
    return (
        source_name(ctx, SOURCE) + "; rates per 1,000 residents per year: Census 2021 "
        "usual residents x months counted / 12"
    )


def _frame(ctx: Context, got: Recent) -> pd.DataFrame:
    last, then = got.latest, got.then
    n = len(last.months)
    population = ctx.geography.population(ctx.area.code, False)
    out = []
    for r in got.counts.itertuples():
        change = _change(r.now, r.then)
        rate = r.now / (population * n / 12) * 1000 if population else None
        out.append(
            {
                "Crime type": r.crime_type,
                f"Count, {last.year} ({recency.months_in_words(n)})": r.now,
                "Rate per 1,000 residents per year": rate,
                f"Count, same months of {then}" if then else "Count, same months earlier": (r.then),
                "Change (%)": _pct(change.value) if change else None,
                "95% interval, lower (%)": _pct(change.lower) if change else None,
                "95% interval, upper (%)": _pct(change.upper) if change else None,
            }
        )
    return pd.DataFrame(out)
