"""What the dashboards show: the measures of an area or ward with their trends, maps of rates and
hotspots, and the record-level rows behind a measure, read from the warehouse through the
analysis layer and kept in memory between page views.

Reading the warehouse. Each page opens the warehouse for as long as it reads and closes it
(DuckDB lets one process write a file or many read it, so a page must not hold the file the
upload worker needs). DuckDB files are opened read-only; a PostgreSQL session is set read-only.

Caching. The measures take about a second each to compute on the demo warehouse, a hotspot
analysis a few seconds and a chart a fifth of a second to draw, so results are kept in this
process, keyed by the warehouse URL and its *data version* (the loads table's count, last id and
replacements): a new load changes the version and the next view computes afresh; results of
older versions age out of the bounded caches. Each web worker process keeps its own.
:func:`warm` computes the default views ahead of the first visitor.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from django.conf import settings

from svduty import partnership as partnerships
from svduty.analysis.evidence import where
from svduty.analysis.hotspots import COLD, HOT
from svduty.analysis.measures import catalogue as catalogues
from svduty.analysis.measures import counts as counting
from svduty.analysis.measures.catalogue import Catalogue, Measure
from svduty.analysis.measures.compute import ANNUAL, SYNTHETIC_NOTE, Geography, compute
from svduty.analysis.stats import crude_rates, percentage_change, poisson_count_limits, recent_trend
from svduty.definition import model as definitions
from svduty.definition.apply import annotate
from svduty.products import charts, maps
from svduty.products.area import Area
from svduty.products.area import areas as partnership_areas
from svduty.products.figure import Figure
from svduty.products.html import fmt_number
from svduty.products.sna import PERMUTATIONS
from svduty.settings import Config
from svduty.warehouse import Warehouse, connect

__all__ = [
    "PERIOD_TYPES",
    "RECORDS_PER_PAGE",
    "Choice",
    "MapView",
    "Memo",
    "Panel",
    "Records",
    "WarehouseUnavailable",
    "area_years",
    "areas",
    "catalogue",
    "data_version",
    "forget",
    "map_view",
    "map_years",
    "mappable",
    "panels",
    "reading",
    "record_measures",
    "record_years",
    "records",
    "records_csv",
    "table_cells",
    "wards",
    "warm",
]

PERIOD_TYPES = {
    "calendar_year": "Calendar year (January to December)",
    "financial_year": "Financial year (April to March)",
}
RECORDS_PER_PAGE = 50
ENGLAND_AND_WALES = "K04000001"
# Sources whose rows carry an LSOA, so they can be counted for a ward and mapped.
PLACED_SOURCES = ("police_crime", "police_uk_street")
SOURCE_NAMES = {
    "police_crime": "police recorded crime (the force's record-level extract)",
    "police_uk_street": "police.uk street-level crime (open data)",
    "ed_assault": "emergency department assault attendances (ISTV minimum data set)",
    "partner_aggregate": "partner aggregate returns",
    "published": "ONS police force area tables (Home Office special collection)",
}
NOT_FOR_AREAS = {
    "published": "ONS publishes this figure for police force areas only: choose the force area.",
    "ed_assault": (
        "Emergency departments report by site, not by where people live: only the force area "
        "total is shown."
    ),
}
NOT_FOR_WARDS = (
    "Counted for local authorities and the force area only: its rows carry no LSOA to place "
    "them in a ward."
)


# ---- caches -------------------------------------------------------------------------------------


class Memo:
    """A bounded in-process cache, least recently used out first. A key is computed once at a
    time: a second request for a key being computed waits for the first, then reads its value."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict = {}

    def get(self, key, make: Callable[[], object]):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
            with self._lock:
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


# Computed data (small frames) and built views (which hold rendered SVG, up to 1 MB a map).
_DATA = Memo(96)
_VIEWS = Memo(48)


def forget() -> None:
    """Empty the caches (tests; nothing else needs to, since a new load changes the version)."""
    _DATA.clear()
    _VIEWS.clear()


# ---- the warehouse, the partnership, the catalogue ----------------------------------------------


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read just now; the message says why and what to do."""


def config() -> Config:
    """The portal's svduty settings (settings.CONFIG)."""
    return settings.CONFIG


def open_read_only(url: str) -> Warehouse:
    """The warehouse opened for reading only: DuckDB lets several processes (gunicorn's
    workers) read one file at once, but only while none holds it read-write."""
    try:
        return connect(url, read_only=True)
    except duckdb.ConnectionException as exc:
        # this process already has the file open read-write (an ingest in another thread):
        # DuckDB then allows only connections of the same configuration
        if "configuration" not in str(exc):
            raise
        return connect(url)


@contextlib.contextmanager
def reading(url: str | None = None) -> Iterator[Warehouse]:
    """The warehouse, open for one page's reading and closed after it."""
    url = url or config().warehouse_url
    if url.startswith("duckdb://") and not Path(url.removeprefix("duckdb://")).exists():
        raise WarehouseUnavailable(
            "There is no warehouse yet: load data first (`svduty demo`, or an upload by a "
            "partner data lead)."
        )
    try:
        wh = open_read_only(url)
    except Exception as exc:
        busy = isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()
        raise WarehouseUnavailable(
            "The warehouse is busy: a file is being loaded. Refresh this page in a minute."
            if busy
            else f"The warehouse could not be opened ({type(exc).__name__}). Ask a partnership "
            "analyst to check the portal's warehouse setting (SVDUTY_WAREHOUSE_URL)."
        ) from exc
    with closing(wh):
        yield wh


def data_version(wh: Warehouse) -> tuple[int, int, int]:
    """What changes whenever the warehouse's data do: the number of loads, the last load's id
    and the number of loads since replaced. Raises WarehouseUnavailable when the warehouse has
    no reference geography, without which nothing can be placed in an area."""
    missing = [t for t in ("ref_lsoa", "ref_local_authority") if not wh.has_table(t)]
    if missing:
        raise WarehouseUnavailable(
            f"The warehouse has no reference geography ({', '.join(missing)}): a partnership "
            "analyst can load it with `svduty init`."
        )
    loads = wh.table("loads")
    row = (
        loads.aggregate(
            n=loads.count(),
            last=loads.load_id.max(),
            replaced=loads.superseded_by_load_id.count(),
        )
        .execute()
        .iloc[0]
    )
    return tuple(0 if pd.isna(v) else int(v) for v in (row["n"], row["last"], row["replaced"]))


def _partnership(cfg: Config):
    path = cfg.partnership_path
    return partnerships.load(path if path.exists() else partnerships.DEFAULT_YAML)


def areas(cfg: Config | None = None) -> list[Area]:
    """The force area first, then each local authority (svduty.products.area)."""
    return partnership_areas(_partnership(cfg or config()))


def catalogue(cfg: Config | None = None) -> Catalogue:
    return catalogues.load((cfg or config()).measures_path)


def _catalogue_stamp(cfg: Config) -> tuple[str, int]:
    """The measures file and when it last changed: an edited catalogue is computed afresh."""
    path = cfg.measures_path or catalogues.SHIPPED
    return str(path), path.stat().st_mtime_ns if path.exists() else 0


def _key(wh: Warehouse, version, *rest) -> tuple:
    return (wh.url, version, *rest)


def _lsoas(wh: Warehouse, version, pfa_code: str) -> pd.DataFrame:
    return _DATA.get(
        _key(wh, version, "lsoas", pfa_code), lambda: where.lsoa_reference(wh, pfa_code)
    )


def wards(wh: Warehouse, version, area: Area) -> list[tuple[str, str]]:
    """(code, name) of the December 2019 wards of a local authority, by name; none for the force
    area. Names shared by two wards (two former districts) carry the code too."""
    if area.is_force_area:
        return []
    ref = _lsoas(wh, version, area.pfa_code)
    part = ref[ref["la_code"].isin(area.la_codes) & ref["in_2011"] & ref["ward19_code"].notna()]
    pairs = part[["ward19_code", "ward19_name"]].drop_duplicates()
    pairs = pairs.sort_values(["ward19_name", "ward19_code"])
    shared = pairs["ward19_name"].duplicated(keep=False)
    return [
        (code, f"{name} ({code})" if twin else name)
        for code, name, twin in zip(pairs["ward19_code"], pairs["ward19_name"], shared, strict=True)
    ]


def _ward_lsoas(wh: Warehouse, version, area: Area, ward_code: str) -> set[str]:
    ref = _lsoas(wh, version, area.pfa_code)
    return set(ref.loc[(ref["ward19_code"] == ward_code) & ref["in_2011"], "lsoa_code"])


def _area_lsoas(wh: Warehouse, version, area: Area) -> set[str]:
    ref = _lsoas(wh, version, area.pfa_code)
    return set(ref.loc[ref["la_code"].isin(area.la_codes), "lsoa_code"])


# ---- what the person chose ----------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """An area (and perhaps one of its wards), a kind of period and a range of years (a
    financial year is named by the year it starts in)."""

    area: Area
    period_type: str = "calendar_year"
    ward: tuple[str, str] | None = None  # (code, name)
    first: int | None = None
    last: int | None = None

    @property
    def place(self) -> str:
        return f"{self.ward[1]} ward, {self.area.name}" if self.ward else self.area.name

    def bounds(self) -> tuple[date, date] | None:
        """First and last day of the chosen years, or None for every year."""
        if self.first is None or self.last is None:
            return None
        if self.period_type == "financial_year":
            return date(self.first, 4, 1), date(self.last + 1, 3, 31)
        return date(self.first, 1, 1), date(self.last, 12, 31)

    def as_detail(self) -> dict:
        """The choice as the audit log records it."""
        return {
            "area": self.area.id,
            "ward": self.ward[0] if self.ward else None,
            "period_type": self.period_type,
            "from": self.first,
            "to": self.last,
        }


def _period(month: str, period_type: str) -> tuple[str, date, date]:
    y, m = int(month[:4]), int(month[5:7])
    if period_type == "financial_year":
        fy = y if m >= 4 else y - 1
        return f"{fy}/{str(fy + 1)[2:]}", date(fy, 4, 1), date(fy + 1, 3, 31)
    return str(y), date(y, 1, 1), date(y, 12, 31)


# ---- the measures -------------------------------------------------------------------------------


class _ForceAreaView:
    """The warehouse as the dashboard's measures read it: published statistics narrowed to the
    force area and England and Wales. compute() otherwise compares every force in the country,
    seconds of work that no dashboard of this partnership shows."""

    def __init__(self, wh: Warehouse, pfa_code: str):
        self._wh = wh
        self.url = wh.url
        self._codes = [pfa_code, ENGLAND_AND_WALES]

    @property
    def ibis(self):
        return self._wh.ibis

    def has_table(self, name: str) -> bool:
        return self._wh.has_table(name)

    def table(self, name: str):
        t = self._wh.table(name)
        if name == "published_statistic":
            t = t.filter(t.area_code.isin(self._codes))
        return t


def _geography(wh: Warehouse, version, area: Area) -> Geography:
    return _DATA.get(
        _key(wh, version, "geography", area.pfa_code),
        lambda: Geography.load(wh, area.pfa_code, area.police_uk_force),
    )


def _area_results(wh: Warehouse, version, cfg: Config, area: Area) -> pd.DataFrame:
    """Every measure's annual rows for the force area and its local authorities."""

    def make() -> pd.DataFrame:
        cat = catalogue(cfg)
        geo = _geography(wh, version, area)
        rows = compute(_ForceAreaView(wh, area.pfa_code), cat, geo, period_types=ANNUAL)
        return pd.DataFrame(rows)

    return _DATA.get(_key(wh, version, "measures", area.pfa_code, _catalogue_stamp(cfg)), make)


def _counts(wh: Warehouse, version, measure: Measure, pfa_code: str, year: int | None = None):
    """A record-level measure's monthly counts by LSOA (every year, or one)."""
    return _DATA.get(
        _key(wh, version, "counts", repr(measure), pfa_code, year),
        lambda: where.measure_counts(wh, measure, pfa_code, years=None if year is None else [year]),
    )


def _ward_results(wh: Warehouse, version, cfg: Config, choice: Choice) -> pd.DataFrame:
    """The record-level measures that place rows in LSOAs, counted for one ward.

    Rates use the ward's ONS mid-2018 residents (as svduty.analysis.evidence.where does);
    under-25 measures have counts only (no under-25 figures for 2011 LSOAs are bundled). As for
    areas, a period the source does not wholly cover keeps its count but has no rate, change or
    trend.
    """
    area, (ward_code, ward_name) = choice.area, choice.ward

    def make() -> pd.DataFrame:
        cat = catalogue(cfg)
        lsoas = _ward_lsoas(wh, version, area, ward_code)
        ref = _lsoas(wh, version, area.pfa_code)
        residents = ref.loc[ref["lsoa_code"].isin(lsoas), "population"].sum(min_count=1)
        rows = []
        for m in cat.measures:
            if m.source not in PLACED_SOURCES or not _has_rows(wh, m.source):
                continue
            counts = _counts(wh, version, m, area.pfa_code)
            for period_type in ANNUAL:
                rows += _ward_rows(counts, lsoas, residents, m, cat, period_type)
        for r in rows:
            r.update(area_code=ward_code, area_name=f"{ward_name} ward")
        return pd.DataFrame(rows)

    return _DATA.get(_key(wh, version, "ward", ward_code, _catalogue_stamp(cfg)), make)


def _has_rows(wh: Warehouse, table: str) -> bool:
    return wh.has_table(table) and int(wh.table(table).limit(1).count().execute()) > 0


def _ward_rows(counts, lsoas, residents, m: Measure, cat: Catalogue, period_type) -> list[dict]:
    frame = counts.frame[counts.frame["lsoa"].isin(lsoas)]
    periods: dict[str, dict] = {}
    for month in counts.months_covered:
        label, start, end = _period(month, period_type)
        p = periods.setdefault(label, {"start": start, "end": end, "months": 0, "count": 0})
        p["months"] += 1
    for month, n in frame.groupby("month")["count"].sum().items():
        periods[_period(month, period_type)[0]]["count"] += int(n)
    population = None if m.under_25 or m.denominator == "none" else residents
    if population is not None and not population > 0:
        population = None
    baseline = str(m.baseline_year or cat.baseline_year)
    if period_type == "financial_year":
        baseline = f"{baseline}/{str(int(baseline) + 1)[2:]}"
    base = periods.get(baseline)
    base_ok = base is not None and base["months"] == 12 and base["count"] > 0
    rows = []
    for label, p in sorted(periods.items(), key=lambda kv: kv[1]["start"]):
        complete = p["months"] == 12
        rate = lower = upper = None
        if complete and population is not None:
            r = crude_rates([p["count"]], [population], m.multiplier).iloc[0]
            rate, lower, upper = (float(r[c]) for c in ("value", "lower95_0cl", "upper95_0cl"))
        change = None
        if complete and base_ok and label != baseline:
            change = percentage_change(p["count"], population or 1.0, base["count"],
                                       population or 1.0)  # fmt: skip
        rows.append(
            {
                "measure": m.id,
                "title": m.title,
                "source": m.source,
                "synthetic": counts.synthetic,
                "definition": counts.definition_version,
                "period_type": period_type,
                "period": label,
                "period_start": p["start"].isoformat(),
                "period_end": p["end"].isoformat(),
                "complete": complete,
                "months_covered": p["months"],
                "count": p["count"],
                "suppressed": False,
                "denominator": population,
                "multiplier": m.multiplier,
                "rate": rate,
                "lower_95": lower,
                "upper_95": upper,
                "baseline": baseline if change is not None else None,
                "change_pct": change.value if change else None,
                "change_lower": change.lower if change else None,
                "change_upper": change.upper if change else None,
                "trend": None,
                "compared_with": None,
                "comparison": None,
                "caveats": counts.caveats(),
            }
        )
    _ward_trends(rows, m)
    return rows


def _ward_trends(rows: list[dict], m: Measure) -> None:
    """The recent-trend marker on each complete row, from it and the complete rows before it (as
    compute does for areas); counts stand in for rates where there is no population."""
    polarity = None if m.polarity == "none" else m.polarity
    done = [r for r in rows if r["complete"]]
    for i, r in enumerate(done):
        upto = done[max(0, i - 4) : i + 1]
        if len(upto) < 5:
            continue
        values, lower, upper = _values(pd.DataFrame(upto))
        if values.isna().any():
            continue
        result = recent_trend(
            [int(u["period_start"][:4]) for u in upto],
            values=values.to_numpy(),
            lower=lower.to_numpy(),
            upper=upper.to_numpy(),
            polarity=polarity,
        )
        r["trend"] = result.label


def _values(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Rates and their 95% limits, or, where no row has a rate, counts and their exact or
    Byar's limits (the same limits a rate's are scaled from)."""
    rates = pd.to_numeric(rows["rate"], errors="coerce") if "rate" in rows else None
    if rates is not None and rates.notna().any():
        return (
            rates,
            pd.to_numeric(rows["lower_95"], errors="coerce"),
            pd.to_numeric(rows["upper_95"], errors="coerce"),
        )
    counts = pd.to_numeric(rows["count"], errors="coerce").astype(float)
    lower, upper, _ = poisson_count_limits(counts.to_numpy(), 0.95)
    return counts, pd.Series(lower, index=rows.index), pd.Series(upper, index=rows.index)


def area_years(wh: Warehouse, version, choice: Choice, cfg: Config | None = None) -> list[int]:
    """The years (starting years, for financial years) the measures have rows for, for the
    chosen area or ward and kind of period."""
    rows = _rows_for(wh, version, cfg or config(), choice)
    if rows.empty:
        return []
    part = rows[rows["period_type"] == choice.period_type]
    return sorted({int(s[:4]) for s in part["period_start"]})


def record_years(wh: Warehouse, version, measure: Measure, choice: Choice) -> list[int]:
    """The years (starting years, for financial years) a record-level measure's source covers
    at least in part."""
    months = _months(wh, version, measure, choice.area.pfa_code)
    return sorted({_period(m, choice.period_type)[1].year for m in months})


def _months(wh: Warehouse, version, measure: Measure, pfa_code: str) -> tuple[str, ...]:
    """The months (YYYY-MM) a record-level measure's source has data for; none when it has
    no rows (of this force) yet."""
    if not _has_rows(wh, measure.source):
        return ()
    try:
        return _counts(wh, version, measure, pfa_code).months_covered
    except ValueError:  # rows, but none of this force's (police.uk files of another force)
        return ()


def _rows_for(wh: Warehouse, version, cfg: Config, choice: Choice) -> pd.DataFrame:
    if choice.ward is not None:
        return _ward_results(wh, version, cfg, choice)
    rows = _area_results(wh, version, cfg, choice.area)
    if rows.empty:
        return rows
    return rows[rows["area_code"] == choice.area.code]


@dataclass(frozen=True)
class Panel:
    """One measure as the dashboard shows it for a choice: its rows in the range, the latest of
    them (the latest complete one, where there is one), its figure and its data table; or why
    it has no figures here (``unavailable``)."""

    measure: Measure
    rows: pd.DataFrame
    latest: dict | None
    figure: Figure | None
    cells: dict | None
    unavailable: str | None = None

    @property
    def anchor(self) -> str:
        return _figure_id(self.measure)

    @property
    def synthetic(self) -> bool:
        return bool(self.latest and self.latest.get("synthetic"))

    @property
    def headline(self) -> dict:
        """The latest row, worded for the headline table."""
        r, m = self.latest or {}, self.measure
        return {
            "period": r.get("period", ""),
            "count": _count_text(r),
            "rate": _fmt(r.get("rate"), 2),
            "interval": _interval(r.get("lower_95"), r.get("upper_95")),
            "unit": rate_unit(m),
            "change": _change_text(r),
            "trend": _text_or(r.get("trend"), "Not assessed (needs five complete years)"),
            "comparison": _text_or(r.get("comparison"), ""),
            "complete": bool(r.get("complete")),
        }


def panels(wh: Warehouse, version, choice: Choice, cfg: Config | None = None) -> list[Panel]:
    """Every measure of the catalogue for ``choice``, in the catalogue's order, with figures
    drawn (charts are drawn on a few threads; the result is cached)."""
    cfg = cfg or config()

    def make() -> list[Panel]:
        cat = catalogue(cfg)
        rows = _rows_for(wh, version, cfg, choice)
        comparator = None
        if choice.ward is None:
            # beside a local authority its force area; beside the force area England and Wales
            # (published figures only)
            every = _area_results(wh, version, cfg, choice.area)
            if len(every):
                other = ENGLAND_AND_WALES if choice.area.is_force_area else choice.area.pfa_code
                comparator = every[every["area_code"] == other]
        built = [_panel(m, rows, comparator, choice) for m in cat.measures]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda p: p.figure.svg if p.figure else None, built))
        return built

    return _VIEWS.get(_key(wh, version, "panels", choice, _catalogue_stamp(cfg)), make)


def _panel(m: Measure, rows: pd.DataFrame, comparator, choice: Choice) -> Panel:
    reason = _unavailable(m, choice)
    mine = rows[(rows["measure"] == m.id)] if len(rows) else rows
    if reason is None and mine.empty:
        reason = "No data for this measure have been loaded yet."
    if reason is not None:
        return Panel(m, pd.DataFrame(), None, None, None, reason)
    kinds = set(mine["period_type"])
    mine = _in_range(mine, choice)
    if mine.empty:
        other = [k for k in PERIOD_TYPES if k != choice.period_type and k in kinds]
        why = (
            f"Figures for this measure come by {PERIOD_TYPES[other[0]].split(' (')[0].lower()} "
            "only: choose those periods to see them."
            if choice.period_type not in kinds and other
            else "No figures for this measure in the years chosen."
        )
        return Panel(m, mine, None, None, None, why)
    complete = mine[mine["complete"]]
    latest = (complete if len(complete) else mine).iloc[-1].to_dict()
    others = None
    if comparator is not None and len(comparator):
        others = _in_range(comparator[comparator["measure"] == m.id], choice)
    table = _series_table(mine, choice.place, others)
    figure = _trend_figure(m, choice, mine, table, latest)
    return Panel(m, mine, latest, figure, table_cells(table, _DIGITS), None)


def _unavailable(m: Measure, choice: Choice) -> str | None:
    if choice.ward is not None and m.source not in PLACED_SOURCES:
        return NOT_FOR_WARDS
    if not choice.area.is_force_area:
        return NOT_FOR_AREAS.get(m.source)
    return None


def _in_range(rows: pd.DataFrame, choice: Choice) -> pd.DataFrame:
    rows = rows[rows["period_type"] == choice.period_type]
    years = rows["period_start"].str[:4].astype(int)
    if choice.first is not None:
        rows = rows[years >= choice.first]
        years = years[years >= choice.first]
    if choice.last is not None:
        rows = rows[years <= choice.last]
    return rows.sort_values("period_start")


_RATE, _LOWER, _UPPER = "Rate", "Lower 95%", "Upper 95%"
_DIGITS = {_RATE: 2, _LOWER: 2, _UPPER: 2, "Change from baseline (%)": 1}


def _series_table(mine: pd.DataFrame, place: str, others) -> pd.DataFrame:
    frames = [_annual(mine, place)]
    if others is not None and len(others):
        frames.append(_annual(others, str(others["area_name"].iloc[0])))
    return pd.concat(frames, ignore_index=True)


def _annual(rows: pd.DataFrame, name: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Period": rows["period"].to_numpy(),
            "Area": name,
            "Count": pd.to_numeric(rows["count"], errors="coerce").to_numpy(dtype=float),
            "Whole period covered": rows["complete"].map({True: "yes", False: "no"}).to_numpy(),
            _RATE: pd.to_numeric(rows["rate"], errors="coerce").to_numpy(dtype=float),
            _LOWER: pd.to_numeric(rows["lower_95"], errors="coerce").to_numpy(dtype=float),
            _UPPER: pd.to_numeric(rows["upper_95"], errors="coerce").to_numpy(dtype=float),
            "Change from baseline (%)": pd.to_numeric(rows["change_pct"], errors="coerce").to_numpy(
                dtype=float
            ),
            "Trend": [_text_or(t, "not assessed") for t in rows["trend"]],
        }
    )


def _trend_figure(m: Measure, choice: Choice, mine, table: pd.DataFrame, latest) -> Figure:
    x_title = "Financial year" if choice.period_type == "financial_year" else "Calendar year"
    rated = table.dropna(subset=[_RATE])
    chart, what = None, f"rate {rate_unit(m)}"
    if len(rated):
        chart = _trend_chart(rated, _RATE, f"Rate {rate_unit(m)}", x_title)
    else:
        # no rate anywhere (no population to divide by): the counts, with their own limits
        counted = table[table["Whole period covered"] == "yes"].dropna(subset=["Count"])
        if len(counted):
            _, lower, upper = _values(pd.DataFrame({"count": counted["Count"]}))
            counted = counted.assign(**{_LOWER: lower.to_numpy(), _UPPER: upper.to_numpy()})
            chart = _trend_chart(counted, "Count", "Count", x_title)
            what = "count"
    synthetic = bool(mine["synthetic"].any())
    definition = _text_or(latest.get("definition"), "") or None
    return Figure(
        id=_figure_id(m),
        title=f"{m.title}, {choice.place}",
        alt=_alt(m, choice, latest, chart is not None, what),
        table=table.rename(columns={_RATE: f"Rate {rate_unit(m)}"}),
        source=SOURCE_NAMES.get(m.source, m.source)
        + (" - SYNTHETIC data made by svduty synth, not real records" if synthetic else ""),
        chart=chart,
        definition_version=definition,
        synthetic=synthetic,
        notes=tuple(c for c in _caveats(mine) if c != SYNTHETIC_NOTE) + _gaps(mine),
    )


def _gaps(mine: pd.DataFrame) -> tuple[str, ...]:
    part = mine[~mine["complete"].astype(bool)]
    if part.empty:
        return ()
    listed = ", ".join(part["period"])
    return (
        f"The data do not cover all of {listed}: those periods keep their counts in the table "
        "but have no rate, change or trend, and the chart leaves them out.",
    )


def _trend_chart(frame: pd.DataFrame, y: str, y_title: str, x_title: str):
    data = frame.copy()
    if data["Period"].astype(str).str.fullmatch(r"\d{4}").all():
        data["Period"] = data["Period"].astype(int)  # calendar years on a numeric axis
    many = data["Area"].nunique() > 1
    return charts.trend(
        data,
        "Period",
        y,
        lower=_LOWER,
        upper=_UPPER,
        series="Area" if many else None,
        series_title="Area" if many else None,
        y_title=y_title,
        x_title=x_title,
    )


def _alt(m: Measure, choice: Choice, latest: dict, charted: bool, what: str) -> str:
    counted = _count_text(latest)
    counted += " counted" if counted[:1].isdigit() else ""
    text = f"{m.title} in {choice.place}, {latest['period']}: {counted}"
    if latest.get("rate") is not None and not _missing(latest.get("rate")):
        text += (
            f", {_fmt(latest['rate'], 2)} {rate_unit(m)} (95% interval "
            f"{_fmt(latest['lower_95'], 2)} to {_fmt(latest['upper_95'], 2)})"
        )
    text += "."
    if not _missing(latest.get("change_pct")):
        text += f" {_change_text(latest)}."
    if not _missing(latest.get("trend")):
        text += f" Recent trend: {str(latest['trend']).lower()}."
    if not charted:
        text += " No complete period has a figure to chart."
    elif what == "count":
        text += " The chart shows counts: there is no population to give a rate here."
    return text


def _caveats(rows: pd.DataFrame) -> list[str]:
    out: list[str] = []
    for caveats in rows["caveats"]:
        out += [c for c in caveats if c not in out]
    return out


def _figure_id(m: Measure) -> str:
    return "fig-" + re.sub(r"[^a-z0-9]+", "-", m.id.lower()).strip("-")


def rate_unit(m: Measure) -> str:
    who = "residents aged 0 to 24" if m.under_25 else "residents"
    return f"per {m.multiplier:,} {who} per year"


# ---- wording ------------------------------------------------------------------------------------


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fmt(value, digits: int = 0) -> str:
    return "" if _missing(value) else fmt_number(float(value), digits)


def _interval(lower, upper) -> str:
    return "" if _missing(lower) or _missing(upper) else f"{_fmt(lower, 2)} to {_fmt(upper, 2)}"


def _text_or(value, default: str) -> str:
    return default if _missing(value) or value == "" else str(value)


def _count_text(r: dict) -> str:
    if r.get("suppressed"):
        return "suppressed by the sender"
    return "no count" if _missing(r.get("count")) else fmt_number(int(r["count"]))


def _change_text(r: dict) -> str:
    if _missing(r.get("change_pct")):
        return ""
    change = f"{r['change_pct']:+.1f}% from {r['baseline']}"
    if _missing(r.get("change_lower")) or _missing(r.get("change_upper")):
        return f"{change} (no interval: there were no events)"
    return f"{change} (95% interval {r['change_lower']:+.1f}% to {r['change_upper']:+.1f}%)"


def table_cells(frame: pd.DataFrame, digits: dict | None = None) -> dict:
    """A data table for a template: ``columns`` (name, numeric) and ``rows`` of (text, numeric)
    cells, numbers formatted with thousands separators ("[x]" where there is none)."""
    digits = digits or {}
    numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]
    rows = []
    for values in frame.itertuples(index=False):
        row = []
        for col, value, is_number in zip(frame.columns, values, numeric, strict=True):
            if is_number:
                row.append((fmt_number(value, digits.get(col, 0)), True))
            else:
                row.append(("[x]" if _missing(value) else str(value), False))
        rows.append(row)
    return {"columns": list(zip(frame.columns, numeric, strict=True)), "rows": rows}


# ---- maps ---------------------------------------------------------------------------------------


def mappable(cfg: Config | None = None) -> list[Measure]:
    """The measures whose rows carry an LSOA, so they can be mapped."""
    return [m for m in catalogue(cfg).measures if m.source in PLACED_SOURCES]


def map_years(wh: Warehouse, version, area: Area, measure: Measure) -> list[tuple[int, int]]:
    """(year, months covered) of every calendar year the measure's source has data for."""
    months = pd.Series([int(m[:4]) for m in _months(wh, version, measure, area.pfa_code)])
    return sorted((int(y), int(n)) for y, n in months.value_counts().items())


@dataclass(frozen=True)
class MapView:
    """The maps of one measure, area and year: rates by LSOA and Gi* hotspots, with the data."""

    measure: Measure
    area: Area
    year: int
    rates: Figure
    hotspots: Figure | None
    rates_cells: dict
    hotspot_cells: dict | None
    not_placed: dict[str, int]
    synthetic: bool


def map_view(wh: Warehouse, version, area: Area, measure: Measure, year: int) -> MapView:
    """The choropleth (where.area_rates at LSOA level) and the hotspot map (Gi* across the whole
    force area, so an LSOA on a border has its real neighbours, shown for the chosen area)."""

    def make() -> MapView:
        counts = _counts(wh, version, measure, area.pfa_code, year)
        rates = where.area_rates(wh, measure, area.pfa_code, "lsoa", counts=counts)
        frame = rates.frame[rates.frame["la_code"].isin(area.la_codes)].reset_index(drop=True)
        bounds = maps.boundaries(wh, area, "lsoa11")
        yearly = _DATA.get(
            _key(wh, version, "hotspots", repr(measure), area.pfa_code, year),
            lambda: where.lsoa_hotspots_by_year(
                wh, measure, area.pfa_code, counts=counts, permutations=PERMUTATIONS
            ),
        )
        classes = yearly.by_year.get(year)
        rate_figure, table = _rates_figure(measure, area, year, rates, frame, bounds, classes)
        hot_figure = hot_cells = None
        if classes is not None:
            hot_figure = _hotspot_figure(measure, area, year, yearly, frame, bounds, classes)
            hot_cells = table_cells(hot_figure.table, {"Gi* z-score": 2, "q value": 4})
        digits = {_map_rate(measure): 2, _LOWER: 2, _UPPER: 2}
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda f: f.svg if f else None, [rate_figure, hot_figure]))
        return MapView(
            measure, area, year, rate_figure, hot_figure, table_cells(table, digits),
            hot_cells, rates.not_placed_by_category(), rates.synthetic,
        )  # fmt: skip

    return _VIEWS.get(_key(wh, version, "map", area.id, repr(measure), year), make)


def _map_rate(m: Measure) -> str:
    # where.area_rates: per the measure's multiplier of mid-2018 residents, per year
    return f"Rate per {m.multiplier:,} residents per year"


def _rates_figure(m: Measure, area: Area, year: int, rates, frame, bounds, classes):
    has_rates = bool(frame["rate"].notna().any())
    rate = _map_rate(m)
    table = pd.DataFrame(
        {
            "LSOA": frame["area_code"],
            "Name": frame["area_name"],
            "Ward (2019)": frame["ward_name"],
            "Local authority": frame["la_name"],
            "Count": frame["count"].astype("int64"),
            "Residents (mid-2018)": frame["population"],
            rate: frame["rate"],
            _LOWER: frame["lower_95"],
            _UPPER: frame["upper_95"],
            "Fewer than 10 events": frame["unstable"].map({True: "yes", False: "no"}),
        }
    )
    if classes is not None:
        table[f"Hotspot {year}"] = (
            table["LSOA"].map(classes.set_index("lsoa_code")["classification"]).fillna("not tested")
        )
    value = rate if has_rates else "Count"
    gdf = bounds.merge(table[["LSOA", value]], left_on="code", right_on="LSOA", how="left")
    shaded = table.dropna(subset=[value]).sort_values(value)
    unit = f"rates {rate.removeprefix('Rate ')}" if has_rates else "counts"
    alt_text = f"Across the {len(table):,} LSOAs of {area.name} in {year}, {unit} of {m.title}"
    if len(shaded):
        low, high = shaded.iloc[0], shaded.iloc[-1]
        digits = 2 if has_rates else 0
        alt_text += (
            f" ranged from {fmt_number(low[value], digits)} ({low['Name']}) to "
            f"{fmt_number(high[value], digits)} ({high['Name']})."
        )
    else:
        alt_text += ": there are none to show."
    not_placed = sum(rates.not_placed_by_category().values())
    if not_placed:
        alt_text += (
            f" {not_placed:,} events across the force area had no location in it and are not "
            "mapped."
        )
    legend = rate if has_rates else f"Count, {year}"
    figure = Figure(
        id="fig-map-rates",
        title=f"{m.title}: {'rates' if has_rates else 'counts'} by LSOA, {area.name}, {year}",
        alt=alt_text,
        table=table,
        source=SOURCE_NAMES[m.source]
        + ("; " + where.POPULATION_SOURCE if has_rates else "")
        + (" - SYNTHETIC data made by svduty synth, not real records" if rates.synthetic else ""),
        chart=maps.choropleth(gdf, value, title=alt_text, legend_title=legend)
        if len(shaded)
        else None,
        definition_version=rates.definition_version,
        synthetic=rates.synthetic,
        notes=tuple(c for c in rates.caveats if c != SYNTHETIC_NOTE),
    )
    return figure, table


HOTSPOT_LABELS = {
    HOT: "hot",
    COLD: "cold",
    "not significant": "not significant",
    "no neighbours": "no neighbours",
}


def _hotspot_figure(m: Measure, area: Area, year: int, yearly, frame, bounds, classes):
    by_code = classes.set_index("lsoa_code")
    gdf = bounds.copy()
    gdf["Hotspot"] = gdf["code"].map(by_code["classification"]).fillna("not tested")
    names = frame.set_index("area_code")["area_name"]
    table = pd.DataFrame(
        {
            "LSOA": gdf["code"],
            "Name": gdf["code"].map(names).fillna(gdf["name"]),
            "Count": gdf["code"].map(by_code["count"]).fillna(0).astype("int64"),
            "Gi* z-score": gdf["code"].map(by_code["z"]).astype(float),
            "q value": gdf["code"].map(by_code["q_value"]).astype(float),
            "Class": gdf["Hotspot"],
        }
    )
    hot = int((gdf["Hotspot"] == HOT).sum())
    cold = int((gdf["Hotspot"] == COLD).sum())
    whole = classes["classification"].value_counts()
    alt_text = (
        f"Gi* hotspots of {m.title} in {area.name}, {year}: {hot:,} hot and {cold:,} cold LSOAs of "
        f"{len(gdf):,} (across the force area: {int(whole.get(HOT, 0)):,} hot, "
        f"{int(whole.get(COLD, 0)):,} cold)."
    )
    settings_ = yearly.settings
    return Figure(
        id="fig-map-hotspots",
        title=f"{m.title}: Gi* hotspots by LSOA, {area.name}, {year}",
        alt=alt_text,
        table=table,
        source=SOURCE_NAMES[m.source]
        + (" - SYNTHETIC data made by svduty synth, not real records" if yearly.synthetic else ""),
        chart=maps.hotspot_map(gdf, "Hotspot", title=alt_text, colours={"not tested": "#ffffff"}),
        definition_version=yearly.definition_version,
        synthetic=yearly.synthetic,
        notes=(
            f"Getis-Ord Gi* on counts per LSOA across the whole force area, queen contiguity, "
            f"{settings_['permutations']:,} permutations (seed {settings_['seed']}), "
            f"Benjamini-Hochberg false discovery rate at {settings_['alpha']}.",
            *[c for c in yearly.caveats if c.startswith(("Gi*", "Years covered"))],
        ),
    )


# ---- record-level rows --------------------------------------------------------------------------

# What the records view shows of each source: never a raw identifier (the warehouse holds only
# keyed tokens), never an exact age or a free-text description, never coordinates.
RECORD_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "police_crime": (
        ("crime_ref", "Crime (pseudonymised token)"),
        ("recorded_date", "Recorded"),
        ("offence_code", "Offence code"),
        ("offence_group", "Offence group"),
        ("lsoa_code", "LSOA"),
        ("location_type", "Kind of place"),
        ("victim_age", "Victim age band"),
        ("suspect_age", "Suspect age band"),
        ("knife_flag", "Knife"),
        ("firearm_flag", "Firearm"),
        ("domestic_abuse_flag", "Domestic abuse"),
        ("alcohol_flag", "Alcohol"),
        ("drugs_flag", "Drugs"),
        ("exploitation_flag", "Exploitation"),
        ("synthetic", "Synthetic"),
    ),
    "police_uk_street": (
        ("month", "Month"),
        ("crime_type", "Crime type"),
        ("lsoa_code", "LSOA"),
        ("location", "Location (police.uk snap point)"),
        ("last_outcome", "Last outcome"),
    ),
    "ed_assault": (
        ("assault_at", "Assault date"),
        ("assault_method", "Method"),
        ("location_type", "Kind of place"),
        ("lsoa_code", "LSOA"),
        ("age_band", "Age band"),
        ("sex", "Sex"),
        ("site_code", "Department site"),
        ("synthetic", "Synthetic"),
    ),
}
_AGE_COLUMNS = ("victim_age", "suspect_age")
_AGE_BANDS = ((0, "0-9"), (10, "10-17"), (18, "18-24"), (25, "25-34"), (35, "35-44"),
              (45, "45-54"), (55, "55-64"), (65, "65+"))  # fmt: skip
_ORDER = {"police_crime": "recorded_date", "police_uk_street": "month", "ed_assault": "assault_at"}


def record_measures(cfg: Config | None = None) -> list[Measure]:
    """The measures counted from record-level rows."""
    return [m for m in catalogue(cfg).measures if m.source in RECORD_COLUMNS]


def age_band(age) -> str:
    """An age in years as its band ('18-24'); '' when unknown."""
    if _missing(age):
        return ""
    band = ""
    for lowest, label in _AGE_BANDS:
        if int(age) >= lowest:
            band = label
    return band


@dataclass(frozen=True)
class Records:
    """One page of a measure's rows: the column names, the rows as text, the total."""

    columns: tuple[str, ...]
    rows: list[list[str]]
    total: int
    page: int
    pages: int
    synthetic: bool = False  # some of the page's rows are synthetic

    @property
    def first(self) -> int:
        """The number of the page's first row (from 1)."""
        return (self.page - 1) * RECORDS_PER_PAGE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * RECORDS_PER_PAGE + len(self.rows)


def _selection(wh: Warehouse, version, m: Measure, choice: Choice):
    """The rows a measure counts (force, local definition scope and strand, filters, victims
    under 25, as svduty.analysis.measures.counts selects them) in the chosen place and years."""
    table = wh.table(m.source)
    if m.source == "police_uk_street":
        table = table.filter(table.force == choice.area.police_uk_force)
    if m.definition:
        definition = definitions.load(m.definition)
        annotated = annotate(definition, table, m.source).table
        table = annotated.filter(annotated.in_scope)
        if m.strand:
            rules = [r.id for r in definition.rules if r.strand == m.strand]
            table = table.filter(table.matched_rule.isin(rules))
    table = counting.filtered(table, m)
    if m.under_25:
        table = counting.only_under_25(table, m.source)
    bounds = choice.bounds()
    if bounds is not None:
        when = table[counting.EVENT_DATE[m.source]].cast("date")
        table = table.filter((when >= bounds[0]) & (when <= bounds[1]))
    if choice.ward is not None:
        lsoas = _ward_lsoas(wh, version, choice.area, choice.ward[0])
        table = table.filter(table.lsoa_code.isin(sorted(lsoas)))
    elif not choice.area.is_force_area:
        table = table.filter(table.lsoa_code.isin(sorted(_area_lsoas(wh, version, choice.area))))
    columns = [c for c, _ in RECORD_COLUMNS[m.source] if c in table.columns]
    order = [table[_ORDER[m.source]].desc(), table.load_id, table.line]
    return table.order_by(order).select(*columns)


def _shown(frame: pd.DataFrame, source: str) -> tuple[tuple[str, ...], list[list[str]]]:
    names = dict(RECORD_COLUMNS[source])
    out = frame.copy()
    for column in out.columns:
        if column in _AGE_COLUMNS:
            out[column] = [age_band(a) for a in out[column]]
        elif out[column].dtype == bool or out[column].dtype == object:
            out[column] = [_cell(v) for v in out[column]]
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    rows = [[_cell(v) for v in row] for row in out.itertuples(index=False)]
    return tuple(names[c] for c in frame.columns), rows


def _cell(value) -> str:
    if _missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def records(wh: Warehouse, version, m: Measure, choice: Choice, page: int = 1) -> Records:
    """Page ``page`` (from 1) of the measure's rows, newest first, RECORDS_PER_PAGE a page."""
    table = _selection(wh, version, m, choice)
    total = int(table.count().execute())
    pages = max(1, math.ceil(total / RECORDS_PER_PAGE))
    page = min(max(1, page), pages)
    frame = table.limit(RECORDS_PER_PAGE, offset=(page - 1) * RECORDS_PER_PAGE).execute()
    columns, rows = _shown(frame, m.source)
    synthetic = "synthetic" in frame and bool(frame["synthetic"].fillna(False).astype(bool).any())
    return Records(columns, rows, total, page, pages, synthetic)


def records_csv(wh: Warehouse, version, m: Measure, choice: Choice) -> tuple[str, int]:
    """Every row of the measure for the choice as CSV (the page's columns), and how many."""
    frame = _selection(wh, version, m, choice).execute()
    columns, rows = _shown(frame, m.source)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([[_spreadsheet_safe(v) for v in row] for row in rows])
    return out.getvalue(), len(rows)


# A spreadsheet runs a cell beginning with one of these as a formula (OWASP CSV injection); the
# values come from partners' files, so such a cell is quoted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


# ---- warming ------------------------------------------------------------------------------------


def warm(cfg: Config | None = None) -> dict:
    """Compute what the first visitor would otherwise wait for: the measures and trends of every
    area, for calendar and for financial years. Run it in each web process (a thread is fine)
    after start-up or after a load. The warehouse is opened afresh for each view, so a load
    waiting for the file gets its turn in between."""
    cfg = cfg or config()
    done, version = 0, None
    for area in areas(cfg):
        for period_type in PERIOD_TYPES:
            with reading(cfg.warehouse_url) as wh:
                version = data_version(wh)
                panels(wh, version, Choice(area, period_type), cfg)
            done += 1
    return {"views": done, "version": version}
