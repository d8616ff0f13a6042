"""A measure for every area and period: count, rate with intervals, change from the baseline,
recent trend, and comparison with the force area.

Areas: the force area and its current local authorities (former Somerset districts roll up
into Somerset). For record-level sources the force area counts every row, including rows with
no location and rows placed in an LSOA outside the area, so the local authorities need not sum
to it; `not_placed` says how many were not placed. Periods: month, quarter, calendar year and
financial year (April to March) for record-level sources; as published for the others. A
period the source does not fully cover is marked incomplete and left out of changes and trends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property

import numpy as np
import pandas as pd

from svduty.analysis.measures import counts as counting
from svduty.analysis.measures.catalogue import Catalogue, Measure
from svduty.analysis.measures.periods import ANNUAL, PERIOD_TYPES
from svduty.analysis.stats import compare_to_benchmark, crude_rates, percentage_change, recent_trend
from svduty.reference.force_areas import display_name
from svduty.reference.population import denominator as denominator_of
from svduty.warehouse import Warehouse

SYNTHETIC_NOTE = "SYNTHETIC DATA: made by `svduty synth`, not real records."


@dataclass(frozen=True)
class Geography:
    """The partnership's areas and their populations: the local authority and force area
    denominators of :func:`svduty.reference.population.denominator` (Census 2021)."""

    pfa_code: str
    pfa_name: str
    police_uk_force: str
    las: pd.DataFrame  # la_code, la_name, population_2021, population_2021_under_25
    lsoa_la: dict[str, str]  # LSOA (2011 or 2021) -> current LA, for LSOAs in the force area
    any_la: dict[str, str]  # any LA code (current or former) -> current LA
    # Census 2021 residents (all ages, aged 0-24) of every force area and of England and Wales,
    # the denominators of published figures
    national: dict[str, tuple[int, int]]

    @classmethod
    def load(cls, wh: Warehouse, pfa_code: str, police_uk_force: str) -> Geography:
        las = wh.table("ref_local_authority")
        las = las.filter(las.pfa_code == pfa_code).execute()
        lsoa = wh.table("ref_lsoa")
        lsoa = lsoa.filter(lsoa.pfa_code == pfa_code).select("lsoa_code", "la_code").execute()
        history = wh.table("ref_la_history").select("lad_code", "la_code").execute()
        every = wh.table("ref_local_authority").execute()
        by_force = every.groupby("pfa_code")[["population_2021", "population_2021_under_25"]].sum()
        national = {c: (int(a), int(u)) for c, (a, u) in by_force.iterrows()}
        national["K04000001"] = (
            int(every["population_2021"].sum()),
            int(every["population_2021_under_25"].sum()),
        )
        return cls(
            pfa_code=pfa_code,
            # as a reader says it: "City of London", not ONS's "London, City of"
            pfa_name=display_name(str(las["pfa_name"].iloc[0])),
            police_uk_force=police_uk_force,
            las=las[["la_code", "la_name", "population_2021", "population_2021_under_25"]],
            lsoa_la=dict(zip(lsoa["lsoa_code"], lsoa["la_code"], strict=True)),
            any_la=dict(zip(history["lad_code"], history["la_code"], strict=True)),
            national=national,
        )

    def population(self, code: str, under_25: bool) -> float | None:
        if code in self.national and code != self.pfa_code:
            return float(self.national[code][1 if under_25 else 0])
        return self._populations[under_25].get(code)

    def name(self, code: str) -> str:
        if code == self.pfa_code:
            return self.pfa_name
        return self._names.get(code, code)

    # Looked up once per result row (thousands of rows in a run): dicts, read once from ``las``,
    # not a filter of the frame per row, which was most of the time `svduty measures` took.
    @cached_property
    def _populations(self) -> dict[bool, dict[str, float]]:
        out = {}
        for under_25 in (False, True):
            pfa, la = denominator_of("pfa"), denominator_of("la")
            pfa_column = pfa.under_25_column if under_25 else pfa.column
            la_column = la.under_25_column if under_25 else la.column
            # the first row of a code wins, as the frame filter's iloc[0] did
            by_la = {}
            for code, value in zip(self.las["la_code"], self.las[la_column], strict=True):
                by_la.setdefault(code, float(value))
            out[under_25] = by_la | {self.pfa_code: float(self.las[pfa_column].sum())}
        return out

    @cached_property
    def _names(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for code, name in zip(self.las["la_code"], self.las["la_name"], strict=True):
            out.setdefault(code, str(name))
        return out


def denominator_note(measure: Measure) -> str | None:
    """The line that names a measure's rate denominator under its tables and charts (local
    authorities, the force area and England and Wales share it), or None for a measure without
    rates."""
    if measure.denominator == "published":
        return "rates as ONS published them (ONS's own population estimates)"
    if measure.denominator == "none":
        return None
    under_25 = measure.denominator == "population_under_25"
    return f"rates per {denominator_of('la').describe(under_25)}"


def compute(
    wh: Warehouse,
    catalogue: Catalogue,
    geography: Geography,
    *,
    measure_ids: list[str] | None = None,
    period_types: tuple[str, ...] = PERIOD_TYPES,
) -> list[dict]:
    """Every result row of the chosen measures (all of the catalogue's by default)."""
    chosen = [catalogue.get(m) for m in measure_ids] if measure_ids else catalogue.measures
    rows: list[dict] = []
    # read once per source, not once per measure: whether it has rows, the months it covers
    available: dict[str, bool] = {}
    coverage: dict[str, frozenset[str]] = {}
    for measure in chosen:
        table = _table(measure)
        if table not in available:
            available[table] = _available(wh, table)
    chosen = [m for m in chosen if available[_table(m)]]
    counted = _counted_together(wh, chosen, geography, coverage)
    for measure in chosen:
        rows += measure_rows(
            wh,
            measure,
            geography,
            catalogue.baseline_year,
            period_types,
            coverage=coverage,
            counts=counted.get(id(measure)),
        )
    return rows


def _counted_together(
    wh: Warehouse, chosen: list[Measure], geo: Geography, coverage: dict[str, frozenset[str]]
) -> dict[int, counting.Counts]:
    """The counts of the record-level measures, one query per source that more than one of
    them reads (by id() of the measure, so two measures of one id stay apart)."""
    by_source: dict[str, list[Measure]] = {}
    for m in chosen:
        if m.source in counting.EVENT_DATE:
            by_source.setdefault(m.source, []).append(m)
    out: dict[int, counting.Counts] = {}
    for group in by_source.values():
        if len(group) > 1:
            got = counting.record_counts_of(
                wh, group, police_uk_force=geo.police_uk_force, coverage=coverage
            )
            out |= {id(m): c for m, c in zip(group, got, strict=True)}
    return out


def _table(measure: Measure) -> str:
    return "published_statistic" if measure.source == "published" else measure.source


def _available(wh: Warehouse, table: str) -> bool:
    if not wh.has_table(table):
        return False
    t = wh.table(table)
    return int(t.limit(1).count().execute()) > 0


def measure_rows(
    wh: Warehouse,
    measure: Measure,
    geo: Geography,
    baseline_year: int,
    period_types: tuple[str, ...] = PERIOD_TYPES,
    *,
    coverage: dict[str, frozenset[str]] | None = None,
    counts: counting.Counts | None = None,
) -> list[dict]:
    """The result rows of one measure. ``coverage``: the months each record-level source
    covers, shared by the caller across measures (see :func:`counting.record_counts`);
    ``counts``: a record-level measure's counts when the caller has them already (counted with
    other measures of its source, :func:`counting.record_counts_of`)."""
    if measure.source == "published":
        got = counting.published_counts(wh, measure)
        frame = _published_areas(got.frame, geo)
    elif measure.source == "partner_aggregate":
        got = counting.aggregate_counts(wh, measure)
        frame = _aggregate_areas(got.frame, geo)
    else:
        got = counts or counting.record_counts(
            wh, measure, police_uk_force=geo.police_uk_force, coverage=coverage
        )
        frame = _record_areas(got.frame, got.months_covered, geo, measure, period_types)
    if frame.empty:
        return []
    frame = _with_rates(frame, measure, geo)
    frame = _with_changes(frame, measure, measure.baseline_year or baseline_year)
    frame = _with_trends(frame, measure)
    frame = _with_comparison(frame, measure, geo)
    caveats = list(measure.caveats) + list(got.notes)
    if got.synthetic:
        caveats.insert(0, SYNTHETIC_NOTE)
    out = []
    # area_code and area_name order the other areas of published figures, which share one
    # area_order and which no engine returns in a set order (Spark and DuckDB differ).
    order = ["area_order", "area_code", "area_name", "period_type", "period_start"]
    for r in frame.sort_values(order).to_dict("records"):
        out.append(_row(r, measure, got, caveats))
    return out


# ---- areas and periods ------------------------------------------------------------------------


@cache
def _periods(month: str) -> dict[str, tuple[str, date, date]]:
    """label, start and end of each period type containing a month 'YYYY-MM'."""
    y, m = int(month[:4]), int(month[5:])
    q = (m - 1) // 3
    fy = y if m >= 4 else y - 1
    return {
        "month": (month, date(y, m, 1), _month_end(y, m)),
        "quarter": (f"{y} Q{q + 1}", date(y, 3 * q + 1, 1), _month_end(y, 3 * q + 3)),
        "calendar_year": (str(y), date(y, 1, 1), date(y, 12, 31)),
        "financial_year": (f"{fy}/{str(fy + 1)[2:]}", date(fy, 4, 1), date(fy + 1, 3, 31)),
    }


def _month_end(y: int, m: int) -> date:
    return (pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)).date()


def _months_in(start: date, end: date) -> list[str]:
    return list(_months_between(start, end))


@cache
def _months_between(start: date, end: date) -> tuple[str, ...]:
    """The months 'YYYY-MM' from ``start`` to ``end``: asked for the same few periods on every
    row of every measure, so computed once each."""
    return tuple(pd.period_range(start, end, freq="M").strftime("%Y-%m"))


def _record_areas(
    frame: pd.DataFrame,
    covered: frozenset[str],
    geo: Geography,
    measure: Measure,
    period_types: tuple[str, ...],
) -> pd.DataFrame:
    """Monthly counts by LSOA -> counts by area and period, with coverage."""
    # Each month once (the force area: every row; each local authority: the rows placed in
    # it), by pandas over the rows; then each month's counts into every period type that
    # contains it, in plain Python: a few hundred (area, month) sums, where a frame per period
    # type, a merge and a group-by cost more than the sums (a measure used to take 27 ms here).
    la_code = frame["lsoa"].map(geo.lsoa_la)
    placed_rows = la_code.notna()
    total = frame.groupby("month")["count"].sum()
    placed = (
        frame["count"][placed_rows]
        .groupby([frame["month"][placed_rows], la_code[placed_rows]])
        .sum()
    )
    periods = {m: _periods(m) for m in covered | set(total.index)}
    placed_total: dict[str, int] = {}
    monthly: list[tuple[str, str, int, int]] = []  # area, month, count, not placed
    for (month, la), count in placed.items():
        monthly.append((la, month, count, 0))
        placed_total[month] = placed_total.get(month, 0) + count
    for month, count in total.items():
        monthly.append((geo.pfa_code, month, count, count - placed_total.get(month, 0)))
    sums: dict[tuple, list[int]] = {}
    for area, month, count, not_placed in monthly:
        spans = periods[month]
        for ptype in period_types:
            got = sums.setdefault((area, ptype, *spans[ptype]), [0, 0])
            got[0] += count
            got[1] += not_placed
    # Areas with no events in a covered period count zero, not missing.
    keys = {(ptype, *periods[m][ptype]) for m in covered for ptype in period_types}
    grid = [(a, *k) for a in [geo.pfa_code, *geo.las["la_code"]] for k in keys]
    found = [sums.get(g) for g in grid]
    spans = [(g[3], g[4]) for g in grid]
    have = {span: sum(m in covered for m in _months_between(*span)) for span in set(spans)}
    counts = [0 if f is None else f[0] for f in found]
    out = pd.DataFrame(
        {
            "area_code": [g[0] for g in grid],
            "period_type": [g[1] for g in grid],
            "period_label": [g[2] for g in grid],
            "period_start": [g[3] for g in grid],
            "period_end": [g[4] for g in grid],
            # a float column when a zero was filled in, as the left join's NaN made it
            "count": np.array(counts, dtype=float if None in found else np.int64),
            "not_placed": [0 if f is None else f[1] for f in found],
            "months_covered": [have[span] for span in spans],
            "months_in_period": [len(_months_between(*span)) for span in spans],
        }
    )
    out["complete"] = out["months_covered"] == out["months_in_period"]
    out["suppressed"] = False
    return _ordered(out, geo)


def _aggregate_areas(frame: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """partner_aggregate rows -> current local authorities and the force area."""
    frame = frame.copy()
    frame["la_code"] = frame["area_code"].map(geo.any_la)
    frame.loc[frame["area_code"] == geo.pfa_code, "la_code"] = geo.pfa_code
    frame = frame.dropna(subset=["la_code"])
    frame = frame[frame["la_code"].isin([geo.pfa_code, *geo.las["la_code"]])]
    keys = ["la_code", "period_start", "period_end"]
    summed = frame.groupby(keys, as_index=False).agg(
        count=("count", lambda s: s.sum(min_count=1)), suppressed=("suppressed", "any")
    )
    # The force area: as sent when a partner sends it, else the sum of its local authorities
    # when every one of them is there for the period.
    explicit = summed[summed["la_code"] == geo.pfa_code]
    las = summed[summed["la_code"] != geo.pfa_code]
    built = []
    for (start, end), part in las.groupby(["period_start", "period_end"]):
        have_force = ((explicit["period_start"] == start) & (explicit["period_end"] == end)).any()
        if not have_force and set(part["la_code"]) == set(geo.las["la_code"]):
            built.append(
                {
                    "la_code": geo.pfa_code,
                    "period_start": start,
                    "period_end": end,
                    "count": part["count"].sum(min_count=len(part)),
                    "suppressed": bool(part["suppressed"].any()),
                }
            )
    summed = pd.concat([summed, pd.DataFrame(built)], ignore_index=True)
    summed.loc[summed["suppressed"], "count"] = np.nan
    out = summed.rename(columns={"la_code": "area_code"})
    return _as_given_periods(out, geo)


def _published_areas(frame: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """Published figures: every area as published (the force, the others, the country)."""
    out = frame.copy()
    return _as_given_periods(out, geo)


def _as_given_periods(out: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.date
    out["period_end"] = pd.to_datetime(out["period_end"]).dt.date
    out["period_type"] = [
        _period_type(s, e) for s, e in zip(out["period_start"], out["period_end"], strict=True)
    ]
    out["period_label"] = [
        _label(s, e, t)
        for s, e, t in zip(out["period_start"], out["period_end"], out["period_type"], strict=True)
    ]
    out["complete"] = True
    out["not_placed"] = 0
    return _ordered(out, geo)


def _period_type(start: date, end: date) -> str:
    months = len(_months_in(start, end))
    if months == 12 and start.month == 4 and start.day == 1:
        return "financial_year"
    if months == 12 and start.month == 1 and start.day == 1:
        return "calendar_year"
    if months == 12:
        return "year"
    return {1: "month", 3: "quarter"}.get(months, "period")


def _label(start: date, end: date, ptype: str) -> str:
    if ptype == "financial_year":
        return f"{start.year}/{str(start.year + 1)[2:]}"
    if ptype == "calendar_year":
        return str(start.year)
    if ptype == "year":
        return f"year ending {end:%b %Y}"
    return f"{start} to {end}"


def _ordered(out: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    order = {geo.pfa_code: 0} | {c: i + 1 for i, c in enumerate(sorted(geo.las["la_code"]))}
    names = {c: geo.name(c) for c in order}
    if "area_name" in out.columns:
        out["area_name"] = out["area_name"].fillna(out["area_code"].map(names))
    else:
        out["area_name"] = out["area_code"].map(names)
    out["area_order"] = out["area_code"].map(order).fillna(len(order)).astype(int)
    return out


# ---- statistics -------------------------------------------------------------------------------


def _with_rates(frame: pd.DataFrame, measure: Measure, geo: Geography) -> pd.DataFrame:
    frame = frame.copy()
    if measure.denominator == "published":
        # ONS publishes the rate; its population is count / rate, which the intervals need.
        rate = frame.get("published_rate")
        frame["denominator"] = (
            np.where((rate > 0), frame["count"] / rate * measure.multiplier, np.nan)
            if rate is not None
            else np.nan
        )
    elif measure.denominator == "none":
        frame["denominator"] = np.nan
    else:
        under_25 = measure.denominator == "population_under_25"
        frame["denominator"] = [geo.population(c, under_25) for c in frame["area_code"]]
    counts = frame["count"].astype(float)
    denominators = pd.to_numeric(frame["denominator"], errors="coerce").astype(float)
    rates = crude_rates(counts.to_numpy(), denominators.to_numpy(), measure.multiplier)
    frame["rate"] = rates["value"].to_numpy()
    frame["lower_95"] = rates["lower95_0cl"].to_numpy()
    frame["upper_95"] = rates["upper95_0cl"].to_numpy()
    frame["lower_998"] = rates["lower99_8cl"].to_numpy()
    frame["upper_998"] = rates["upper99_8cl"].to_numpy()
    frame["rate_method"] = rates["method"].to_numpy()
    # A rate over part of a period is not comparable with whole periods: withhold it.
    partial = ~frame["complete"].astype(bool)
    for col in ("rate", "lower_95", "upper_95", "lower_998", "upper_998"):
        frame.loc[partial, col] = np.nan
    return frame


def _baseline_label(ptype: str, year: int) -> str | None:
    if ptype == "calendar_year":
        return str(year)
    if ptype == "financial_year":
        return f"{year}/{str(year + 1)[2:]}"
    return None


def _with_changes(frame: pd.DataFrame, measure: Measure, baseline_year: int) -> pd.DataFrame:
    frame = frame.copy()
    rows = list(
        zip(
            frame["area_code"],
            frame["period_type"],
            frame["period_label"],
            frame["complete"],
            frame["count"],
            frame["denominator"],
            strict=True,
        )
    )
    # The baseline of each area and period type: its first complete row labelled as the
    # baseline period, in the frame's order.
    bases: dict[tuple, tuple] = {}
    for area, ptype, label, complete, count, denominator in rows:
        if complete and label == _baseline_label(ptype, baseline_year):
            bases.setdefault((area, ptype), (label, count, denominator))
    changes: list[tuple] = []
    for area, ptype, label, complete, count, denominator in rows:
        base = bases.get((area, ptype))
        if (
            base is None
            or not (base[1] > 0 and base[2] > 0)
            or label == base[0]  # the baseline itself
            or not complete
            or pd.isna(count)
            or not denominator > 0
        ):
            changes.append((None, None, None, None))
            continue
        change = percentage_change(count, denominator, base[1], base[2])
        changes.append((base[0], change.value, change.lower, change.upper))
    for i, col in enumerate(("baseline", "change_pct", "change_lower", "change_upper")):
        frame[col] = pd.Series([c[i] for c in changes], index=frame.index, dtype=object)
    return frame


def _with_trends(frame: pd.DataFrame, measure: Measure) -> pd.DataFrame:
    """The recent trend of each annual series, given on every row of that series up to it."""
    frame = frame.copy()
    polarity = None if measure.polarity == "none" else measure.polarity
    annual = frame[frame["period_type"].isin([*ANNUAL, "year"]) & frame["complete"]]
    # Each series (area, period type) by plain values: a pandas group per series, sorted and
    # read column by column, cost more than the trends themselves.
    series: dict[tuple, list[tuple]] = {}
    for point in zip(
        annual["area_code"],
        annual["period_type"],
        annual["period_start"],
        annual["rate"].to_numpy(float),
        annual["lower_95"].to_numpy(float),
        annual["upper_95"].to_numpy(float),
        annual.index,
        strict=True,
    ):
        series.setdefault(point[:2], []).append(point[2:])
    trends = {}
    for points in series.values():
        points.sort(key=lambda p: p[0])  # by period_start (one point per period)
        years = np.array([p[0].year for p in points])
        rate, lower, upper = (np.array([p[i] for p in points]) for i in (1, 2, 3))
        for i in range(4, len(points)):
            window = slice(i - 4, i + 1)
            if np.isnan(rate[window]).any():
                continue
            result = recent_trend(
                years[window],
                values=rate[window],
                lower=lower[window],
                upper=upper[window],
                polarity=polarity,
            )
            trends[points[i][4]] = result.label
    # object, not pandas' inferred str: rows with no trend hold None, as the results say
    trend = [trends.get(i) for i in frame.index]
    frame["trend"] = pd.Series(trend, index=frame.index, dtype=object)
    return frame


def _with_comparison(frame: pd.DataFrame, measure: Measure, geo: Geography) -> pd.DataFrame:
    """Each area against the force area (for published figures: against England and Wales)."""
    frame = frame.copy()
    benchmark_code = "K04000001" if measure.source == "published" else geo.pfa_code
    bench = frame[frame["area_code"] == benchmark_code]
    # the benchmark's rate in each period (the first row of a period, as .loc's iloc[0] read)
    rates: dict[tuple, float] = {}
    for key, value in zip(
        zip(bench["period_type"], bench["period_label"], strict=True), bench["rate"], strict=True
    ):
        rates.setdefault(key, value)
    polarity = None if measure.polarity == "none" else measure.polarity
    results = []
    for r in frame.itertuples(index=False):
        key = (r.period_type, r.period_label)
        if r.area_code == benchmark_code or key not in rates:
            results.append(None)
            continue
        value = rates[key]
        if _missing(r.lower_95) or _missing(value):
            results.append("Not compared")
            continue
        results.append(
            compare_to_benchmark(r.lower_95, r.upper_95, float(value), polarity=polarity).assessment
        )
    frame["compared_with"] = benchmark_code
    frame["comparison"] = results
    return frame


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _clean(value):
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


#: The keys of every result row (:func:`_row`), in order: a measure with no rows is still a
#: table with these columns (a force with police.uk data only has no partner measure rows).
ROW_COLUMNS = (
    "measure",
    "title",
    "home_office",
    "source",
    "synthetic",
    "definition",
    "area_code",
    "area_name",
    "period_type",
    "period",
    "period_start",
    "period_end",
    "complete",
    "months_covered",
    "count",
    "suppressed",
    "not_placed",
    "denominator",
    "multiplier",
    "rate",
    "published_rate",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "baseline",
    "change_pct",
    "change_lower",
    "change_upper",
    "trend",
    "compared_with",
    "comparison",
    "caveats",
)


def _row(r: dict, measure: Measure, got: counting.Counts, caveats: list[str]) -> dict:
    count = r["count"]
    return {
        "measure": measure.id,
        "title": measure.title,
        "home_office": measure.home_office,
        "source": measure.source,
        "synthetic": got.synthetic,
        "definition": got.definition_version,
        "area_code": _clean(r["area_code"]),
        "area_name": r.get("area_name") if isinstance(r.get("area_name"), str) else None,
        "period_type": r["period_type"],
        "period": r["period_label"],
        "period_start": _clean(r["period_start"]),
        "period_end": _clean(r["period_end"]),
        "complete": bool(r["complete"]),
        "months_covered": _clean(r.get("months_covered")),
        "count": None if _missing(count) else int(count),
        "suppressed": bool(r.get("suppressed", False)),
        "not_placed": int(r.get("not_placed") or 0),
        "denominator": _clean(r["denominator"]),
        "multiplier": measure.multiplier,
        "rate": _clean(r["rate"]),
        "published_rate": _clean(r.get("published_rate")),
        "lower_95": _clean(r["lower_95"]),
        "upper_95": _clean(r["upper_95"]),
        "lower_998": _clean(r["lower_998"]),
        "upper_998": _clean(r["upper_998"]),
        "baseline": r["baseline"],
        "change_pct": _clean(r["change_pct"]),
        "change_lower": _clean(r["change_lower"]),
        "change_upper": _clean(r["change_upper"]),
        "trend": r["trend"],
        "compared_with": r["compared_with"],
        "comparison": _clean(r["comparison"]),
        "caveats": caveats,
    }
