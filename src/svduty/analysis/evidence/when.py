"""When: the time profile of violence for the strategic needs assessment.

- ``monthly``: counts by month for one source, with an XmR chart (NHS Making Data Count rules,
  ``svduty.analysis.stats.xmr_chart``) and its special-cause flags per month;
- ``seasonal``: counts by meteorological season (winter DJF, spring MAM, summer JJA, autumn SON;
  December belongs to the winter of the following January) and the month-of-year profile;
- ``day_hour``: day of the week by hour of the day, for the sources that record a time: the force
  extract (``offence_from`` where ``offence_time_known``) and ED returns (``assault_hour``,
  ``assault_weekday``). Rows without a known time are counted and reported, never dropped.
  police.uk publishes only the month, and says so.

Each source is counted by the date it is counted by elsewhere (the measures): police records by
the date recorded (Home Office Counting Rules), police.uk by its month, ED returns by the date
of the assault. Every function takes an optional definition (and strand) or a measure, and
returns a result with ``as_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from svduty.analysis.evidence.quality import (
    LABELS,
    RECORD_SOURCES,
    Result,
    count_true,
    covered_months,
    finish,
    month_label,
    month_ranges,
    months_between,
    scoped,
)
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.stats import xmr_chart
from svduty.definition import model as definitions
from svduty.warehouse import Warehouse

SEASONS = ("winter", "spring", "summer", "autumn")
SEASON_OF_MONTH = {
    12: "winter", 1: "winter", 2: "winter",
    3: "spring", 4: "spring", 5: "spring",
    6: "summer", 7: "summer", 8: "summer",
    9: "autumn", 10: "autumn", 11: "autumn",
}  # fmt: skip
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: fewer points than this and XmR limits move a lot as points are added
FEW_POINTS = 12

_COUNTED_BY = {
    "police_crime": "Police records are counted by the date the crime was recorded (Home Office "
    "Counting Rules), not the date it happened.",
    "police_uk_street": "police.uk crimes are counted by the month police.uk publishes them under.",
    "ed_assault": "ED attendances are counted by the date of the assault as the patient gave it.",
}
NO_TIMES = (
    "police.uk publishes only the month of each crime: it has no day of the week or time of day."
)

Definitionish = str | definitions.Definition | None


def _check(source: str) -> None:
    if source not in RECORD_SOURCES:
        raise ValueError(
            f"{source}: the time profile is for record-level sources ({', '.join(RECORD_SOURCES)})"
        )


def _base_caveats(s, source: str) -> tuple[str, ...]:
    return (_COUNTED_BY[source], *s.notes)


# ---- by month, with an XmR chart ----------------------------------------------------------------


@dataclass(frozen=True)
class Monthly(Result):
    """Counts by month with an XmR chart.

    ``frame``: month (YYYY-MM), covered (the source has rows that month), count (None where not
    covered), and for charted months: mean, lower_process_limit, upper_process_limit,
    special_cause (bool), special_cause_type, point_type. ``gaps``: months in the span with no
    data at all (left out of the chart).
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    frame: pd.DataFrame
    gaps: tuple[str, ...]
    mean: float | None
    lower_process_limit: float | None
    upper_process_limit: float | None
    variation: str | None


def _monthly_counts(s) -> tuple[dict[str, int], list[str], bool]:
    """Counts of the scoped rows by month, the months the source covers, and the synthetic flag.

    A month the source covers in which no scoped row falls counts 0.
    """
    t = s.table
    frame = (
        t.group_by(m=t.month.cast("date").truncate("M"))
        .aggregate(n=t.count(), synth=t._synthetic.any())
        .execute()
    )
    counts = {month_label(m): int(n) for m, n in zip(frame["m"], frame["n"], strict=True)}
    covered = covered_months(s.all_rows)
    return counts, covered, bool(frame["synth"].fillna(False).any()) if len(frame) else False


def monthly(
    wh: Warehouse,
    source: str,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
    police_uk_force: str | None = None,
    improvement_direction: str | None = "decrease",
) -> Monthly:
    """Counts by month from the first to the last month the source covers, with an XmR chart.

    The chart runs over the months the source covers (a month with rows of the source but none
    in scope is a zero); months with no rows at all are gaps, left out of the chart and named in
    the caveats. ``improvement_direction`` is "decrease" for violence (fewer is better).
    """
    _check(source)
    s = scoped(
        wh,
        source,
        definition=definition,
        strand=strand,
        measure=measure,
        police_uk_force=police_uk_force,
    )
    counts, covered, synthetic = _monthly_counts(s)
    caveats = list(_base_caveats(s, source))
    if not covered:
        frame = pd.DataFrame(columns=["month", "covered", "count"])
        caveats.append(f"The warehouse holds no {LABELS[source]} rows.")
        return Monthly(source, s.definition_version, False, finish(caveats, False), frame, (),
                       None, None, None, None)  # fmt: skip
    span = months_between(covered[0], covered[-1])
    held = set(covered)
    gaps = [m for m in span if m not in held]
    frame = pd.DataFrame(
        {
            "month": span,
            "covered": [m in held for m in span],
            "count": [counts.get(m, 0) if m in held else None for m in span],
        }
    )
    for column in ("mean", "lower_process_limit", "upper_process_limit"):
        frame[column] = float("nan")
    frame["special_cause"] = None
    frame["special_cause_type"] = None
    frame["point_type"] = None
    values = [counts.get(m, 0) for m in covered]
    chart = None
    if len(values) >= 2:
        chart = xmr_chart(values, improvement_direction=improvement_direction)
        at = frame.index[frame["covered"]]
        frame.loc[at, "mean"] = chart.mean
        frame.loc[at, "lower_process_limit"] = chart.lower_process_limit
        frame.loc[at, "upper_process_limit"] = chart.upper_process_limit
        frame.loc[at, "special_cause"] = pd.Series(chart.special_cause, index=at, dtype=object)
        frame.loc[at, "special_cause_type"] = pd.Series(chart.special_cause_type, index=at)
        frame.loc[at, "point_type"] = pd.Series(chart.point_types, index=at)
        if len(values) < FEW_POINTS:
            caveats.append(
                f"The chart has only {len(values)} months: its limits will move as months are "
                "added; treat any signal as provisional."
            )
    else:
        caveats.append("An XmR chart needs at least two months; there is one.")
    if gaps:
        caveats.append(
            f"No {LABELS[source]} rows at all for {', '.join(month_ranges(gaps))}: a gap in the "
            "data, not a zero. The chart joins the months either side of it."
        )
    caveats.append(
        "XmR chart (NHS Making Data Count): limits are the mean ± 2.66 times the mean moving "
        "range; special cause is a point outside them, 7 points on one side of the mean, 7 "
        "rising or falling, or 2 of 3 close to a limit."
    )
    return Monthly(
        source,
        s.definition_version,
        synthetic,
        finish(caveats, synthetic),
        frame,
        tuple(gaps),
        chart.mean if chart else None,
        chart.lower_process_limit if chart else None,
        chart.upper_process_limit if chart else None,
        chart.variation if chart else None,
    )


# ---- seasons and months of the year ----------------------------------------------------------


@dataclass(frozen=True)
class Seasonal(Result):
    """Counts by meteorological season and by month of the year.

    ``by_season_year``: season, season_year ('2023/24' for a winter, '2024' otherwise), label,
    months_covered (of 3), count, complete. ``by_season``: season, months (covered months that
    fall in it), count, mean_per_month. ``by_month_of_year``: month (1-12), name, months
    (how many of that calendar month are covered), count, mean_per_month.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    by_season_year: pd.DataFrame
    by_season: pd.DataFrame
    by_month_of_year: pd.DataFrame


def season_of(month: str) -> tuple[str, str]:
    """('winter', '2023/24') for '2023-12' or '2024-01'; ('summer', '2024') for '2024-07'."""
    year, m = int(month[:4]), int(month[5:7])
    season = SEASON_OF_MONTH[m]
    if season == "winter":
        start = year if m == 12 else year - 1
        return season, f"{start}/{(start + 1) % 100:02d}"
    return season, str(year)


def seasonal(
    wh: Warehouse,
    source: str,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
    police_uk_force: str | None = None,
) -> Seasonal:
    """Seasons (DJF, MAM, JJA, SON) and the month-of-year profile of the covered months.

    Means per month are over the covered months only, so a season or calendar month with less
    data is not made to look quieter; a season of a year with fewer than 3 covered months is
    marked incomplete.
    """
    _check(source)
    s = scoped(
        wh,
        source,
        definition=definition,
        strand=strand,
        measure=measure,
        police_uk_force=police_uk_force,
    )
    counts, covered, synthetic = _monthly_counts(s)
    per_month = pd.DataFrame({"month": covered, "count": [counts.get(m, 0) for m in covered]})
    per_month["season"] = [season_of(m)[0] for m in covered]
    per_month["season_year"] = [season_of(m)[1] for m in covered]
    per_month["moy"] = [int(m[5:7]) for m in covered]

    years = (
        per_month.groupby(["season", "season_year"], sort=False)
        .agg(months_covered=("month", "size"), count=("count", "sum"))
        .reset_index()
    )
    years["label"] = years["season"] + " " + years["season_year"]
    years["complete"] = years["months_covered"] == 3
    starts = {"winter": 12, "spring": 3, "summer": 6, "autumn": 9}  # a season's first month
    years["_order"] = [
        (int(sy[:4]), starts[se]) for se, sy in zip(years.season, years.season_year, strict=True)
    ]
    years = (
        years.sort_values("_order")
        .drop(columns="_order")[
            ["season", "season_year", "label", "months_covered", "count", "complete"]
        ]
        .reset_index(drop=True)
    )

    seasons = []
    for season in SEASONS:
        rows = per_month[per_month.season == season]
        n, total = len(rows), int(rows["count"].sum())
        seasons.append((season, n, total, total / n if n else None))
    by_season = pd.DataFrame(seasons, columns=["season", "months", "count", "mean_per_month"])

    moy = []
    for m in range(1, 13):
        rows = per_month[per_month.moy == m]
        n, total = len(rows), int(rows["count"].sum())
        moy.append((m, MONTH_NAMES[m - 1], n, total, total / n if n else None))
    by_moy = pd.DataFrame(moy, columns=["month", "name", "months", "count", "mean_per_month"])

    caveats = list(_base_caveats(s, source))
    caveats.append(
        "Seasons are meteorological: winter is December to February (December counted with the "
        "winter of the following January), spring March to May, summer June to August, autumn "
        "September to November."
    )
    if len(covered) < 24:
        caveats.append(
            f"Only {len(covered)} months of data: a seasonal pattern needs two or more years "
            "before it can be told from chance and from trend."
        )
    incomplete = years[~years.complete]
    if len(incomplete):
        caveats.append(
            "Incomplete seasons (fewer than 3 months of data): "
            + ", ".join(incomplete["label"])
            + "."
        )
    return Seasonal(
        source,
        s.definition_version,
        synthetic,
        finish(caveats, synthetic),
        years,
        by_season,
        by_moy,
    )


# ---- day of the week by hour of the day ---------------------------------------------------------


@dataclass(frozen=True)
class DayHour(Result):
    """Day of the week by hour of the day.

    ``grid``: 168 rows (weekday 1 Monday to 7 Sunday, day name, hour 0-23, count) of the rows
    with a known time. ``by_weekday``: weekday, day, time_known, time_not_known, count (all rows
    whose day is known). Totals: rows, time_known, time_not_known (counted, not dropped), of
    which day_not_known (a window over more than one day: neither day nor hour is known).
    ``times_available`` is false for police.uk, which has neither.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    times_available: bool
    rows: int
    time_known: int
    time_not_known: int
    day_not_known: int
    grid: pd.DataFrame
    by_weekday: pd.DataFrame
    by_hour: pd.DataFrame


def day_hour(
    wh: Warehouse,
    source: str,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
    police_uk_force: str | None = None,
) -> DayHour:
    """Day of week by hour of day, with the rows whose time is not known counted separately.

    Force extract: the hour and ISO weekday of ``offence_from`` where ``offence_time_known``;
    where only a date was given, the day is known when the offence has no end (``offence_to``)
    or ends the same day, and the hour is not known. ED returns: ``assault_weekday`` and
    ``assault_hour`` (null when the patient gave only a date).
    """
    _check(source)
    s = scoped(
        wh,
        source,
        definition=definition,
        strand=strand,
        measure=measure,
        police_uk_force=police_uk_force,
    )
    caveats = list(_base_caveats(s, source))
    t = s.table
    if source == "police_uk_street":
        row = t.aggregate(n=t.count(), synth=t._synthetic.any()).execute().iloc[0]
        rows = int(row["n"])
        synthetic = bool(row["synth"]) if rows else False
        caveats.insert(0, NO_TIMES)
        empty = pd.DataFrame(columns=["weekday", "day", "hour", "count"])
        return DayHour(
            source, s.definition_version, synthetic, finish(caveats, synthetic),
            False, rows, 0, rows, rows, empty,
            pd.DataFrame(columns=["weekday", "day", "time_known", "time_not_known", "count"]),
            pd.DataFrame(columns=["hour", "count"]),
        )  # fmt: skip
    if source == "police_crime":
        known = t.offence_time_known.fill_null(False)
        start = t.offence_from
        same_day = t.offence_to.isnull() | (t.offence_to.date() == start.date())
        weekday = ibis.ifelse(known | same_day, start.day_of_week.index() + 1, ibis.null("int64"))
        hour = ibis.ifelse(known, start.hour(), ibis.null("int64"))
        windowed = count_true(known & t.offence_to.notnull())
    else:  # ed_assault
        weekday = t.assault_weekday
        hour = t.assault_hour
        windowed = ibis.literal(0)
    keyed = t.mutate(_weekday=weekday.cast("int64"), _hour=hour.cast("int64"))
    frame = (
        keyed.group_by(["_weekday", "_hour"])
        .aggregate(n=keyed.count(), synth=keyed._synthetic.any())
        .execute()
    )
    windows = int(t.aggregate(w=windowed).execute()["w"].iloc[0] or 0) if len(frame) else 0
    synthetic = bool(frame["synth"].fillna(False).any()) if len(frame) else False
    frame["_weekday"] = frame["_weekday"].astype("Int64")
    frame["_hour"] = frame["_hour"].astype("Int64")
    frame["n"] = frame["n"].astype(int)
    timed = frame[frame["_hour"].notna()]
    grid_counts = {(int(d), int(h)): int(n) for d, h, n in timed[["_weekday", "_hour", "n"]].values}
    grid = pd.DataFrame(
        [(d, DAYS[d - 1], h, grid_counts.get((d, h), 0)) for d in range(1, 8) for h in range(24)],
        columns=["weekday", "day", "hour", "count"],
    )
    untimed = frame[frame["_hour"].isna()]
    by_weekday = []
    for d in range(1, 8):
        k = int(timed.loc[timed["_weekday"] == d, "n"].sum())
        u = int(untimed.loc[untimed["_weekday"] == d, "n"].sum())
        by_weekday.append((d, DAYS[d - 1], k, u, k + u))
    by_weekday = pd.DataFrame(
        by_weekday, columns=["weekday", "day", "time_known", "time_not_known", "count"]
    )
    by_hour = grid.groupby("hour", as_index=False)["count"].sum()
    rows = int(frame["n"].sum())
    time_known = int(timed["n"].sum())
    day_not_known = int(untimed.loc[untimed["_weekday"].isna(), "n"].sum())
    if rows - time_known:
        caveats.append(
            f"{rows - time_known:,} of {rows:,} rows ({100 * (rows - time_known) / rows:.1f}%) "
            "have no time of day: they are counted by day where the day is known "
            f"(time_not_known) and are not in the hour-by-day grid"
            + (f"; {day_not_known:,} have neither day nor time." if day_not_known else ".")
        )
    if windows:
        caveats.append(
            f"{windows:,} police records with a time give a window (offence from and to); "
            "they are placed at its start."
        )
    return DayHour(
        source,
        s.definition_version,
        synthetic,
        finish(caveats, synthetic),
        True,
        rows,
        time_known,
        rows - time_known,
        day_not_known,
        grid,
        by_weekday,
        by_hour,
    )


# ---- everything, per source -------------------------------------------------------------------


def profile(
    wh: Warehouse,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    police_uk_force: str | None = None,
) -> dict[str, dict[str, Result]]:
    """monthly, seasonal and day_hour for every record-level source with rows, by source."""
    out: dict[str, dict[str, Result]] = {}
    for source in RECORD_SOURCES:
        if not int(wh.table(source).count().execute()):
            continue
        kw = dict(definition=definition, strand=strand, police_uk_force=police_uk_force)
        out[source] = {
            "monthly": monthly(wh, source, **kw),
            "seasonal": seasonal(wh, source, **kw),
            "day_hour": day_hour(wh, source, **kw),
        }
    return out
