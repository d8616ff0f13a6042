"""The measures' results as the dashboards read them: every measure's annual rows for the force
area and its local authorities, and a record-level measure's monthly counts by LSOA, computed by
the analysis layer once per warehouse version."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import where
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import ANNUAL, compute
from svduty.portal.dashboard.caching import DATA, Memo, key
from svduty.portal.dashboard.choice import Choice, period
from svduty.portal.dashboard.configured import catalogue, catalogue_stamp
from svduty.portal.dashboard.geography import geography
from svduty.products.area import Area
from svduty.settings import Config
from svduty.warehouse import Warehouse
from svduty.warehouse.narrowed import Narrowed

__all__ = [
    "ENGLAND_AND_WALES",
    "PLACED_SOURCES",
    "area_results",
    "counts",
    "has_rows",
    "measure_results",
    "measure_results_by_area",
    "months",
    "record_years",
]

ENGLAND_AND_WALES = "K04000001"
# Sources whose rows carry an LSOA, so they can be counted for a ward and mapped.
PLACED_SOURCES = ("police_crime", "police_uk_street")


def _force_area_view(wh: Warehouse, pfa_code: str) -> Narrowed:
    """The warehouse as the dashboard's measures read it: published statistics narrowed to the
    force area and England and Wales. compute() otherwise compares every force in the country,
    seconds of work that no dashboard of this partnership shows."""
    codes = [pfa_code, ENGLAND_AND_WALES]
    return Narrowed(wh, {"published_statistic": lambda t: t.filter(t.area_code.isin(codes))})


def area_results(wh: Warehouse, version, cfg: Config, area: Area) -> pd.DataFrame:
    """Every measure's annual rows for the force area and its local authorities."""
    cat = catalogue(cfg)
    _compute_together(wh, version, cfg, area, cat.measures)
    parts = [measure_results(wh, version, cfg, area, m) for m in cat.measures]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def measure_results(wh: Warehouse, version, cfg: Config, area: Area, m: Measure) -> pd.DataFrame:
    """One measure's annual rows for the force area and its local authorities, kept until a
    load changes what the measure reads (opening.DataVersion.of)."""

    def make() -> pd.DataFrame:
        return _results(wh, version, cfg, area, [m])[m.id]

    return DATA.get(_measure_key(wh, version, cfg, area, m), make)


def measure_results_by_area(
    wh: Warehouse, version, cfg: Config, area: Area, m: Measure
) -> dict[str, pd.DataFrame]:
    """measure_results split by area code, once per process and version: a view of the
    measures page filtered each measure's frame by area at every view, half of a view's time
    (a boolean filter of a wide frame costs milliseconds, and a view makes 28)."""

    def split() -> dict[str, pd.DataFrame]:
        every = measure_results(wh, version, cfg, area, m)
        if every.empty:
            return {}
        return {code: part for code, part in every.groupby("area_code", sort=False)}

    return _BY_AREA.get(_measure_key(wh, version, cfg, area, m), split)


_BY_AREA = Memo(256, derived=True)  # this process's only: made from DATA in milliseconds


def _measure_key(wh: Warehouse, version, cfg: Config, area: Area, m: Measure) -> tuple:
    return key(wh, version.of(m), "measure", repr(m), area.pfa_code, catalogue_stamp(cfg))


def _results(
    wh: Warehouse, version, cfg: Config, area: Area, measures: list[Measure]
) -> dict[str, pd.DataFrame]:
    """The measures' rows by measure id, computed together (compute() counts the record-level
    measures of one source in one query)."""
    view = _force_area_view(wh, area.pfa_code)
    geo = geography(wh, version, area)
    rows = pd.DataFrame(
        compute(view, catalogue(cfg), geo, measure_ids=[m.id for m in measures],
                period_types=ANNUAL)
    )  # fmt: skip
    if rows.empty:
        return {m.id: pd.DataFrame() for m in measures}
    by_measure = {i: part.reset_index(drop=True) for i, part in _plain(rows).groupby("measure")}
    return {m.id: by_measure.get(m.id, pd.DataFrame()) for m in measures}


def _compute_together(wh: Warehouse, version, cfg: Config, area: Area, measures) -> None:
    """Compute in one go the measures that no process of the portal has computed (after a load,
    or on a fresh portal): one query per source instead of one per measure. The worker's
    warm-up and a fresh portal's first readers take turns (a claim on the area), so the
    second finds the first's results."""
    if len(measures) < 2 or DATA.only_reading():
        return
    with DATA.shared.claimed((wh.url, "measures together", area.pfa_code)):
        missing = [m for m in measures if not DATA.known(_measure_key(wh, version, cfg, area, m))]
        if len(missing) < 2:
            return
        computed = _results(wh, version, cfg, area, missing)
        for m in missing:
            DATA.get(_measure_key(wh, version, cfg, area, m), lambda m=m: computed[m.id])


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Python strings: every view filters these frames by area and period, and
    pandas' Arrow-backed strings make each filter several times slower (a range of years' view
    spent most of its 0.4 s there)."""
    text = [c for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def counts(wh: Warehouse, version, measure: Measure, pfa_code: str, year: int | None = None):
    """A record-level measure's monthly counts by LSOA (every year, or one). A year's are cut
    from every year's (which the worker's warm-up computes), not counted again."""
    every = DATA.get(
        key(wh, version.of(measure), "counts", repr(measure), pfa_code, None),
        lambda: where.measure_counts(wh, measure, pfa_code),
    )
    return every if year is None else every.of_years([year])


def has_rows(wh: Warehouse, table: str) -> bool:
    return wh.has_table(table) and int(wh.table(table).limit(1).count().execute()) > 0


def record_years(wh: Warehouse, version, measure: Measure, choice: Choice) -> list[int]:
    """The years (starting years, for financial years) a record-level measure's source covers
    at least in part."""
    covered = months(wh, version, measure, choice.area.pfa_code)
    return sorted({period(m, choice.period_type)[1].year for m in covered})


def months(wh: Warehouse, version, measure: Measure, pfa_code: str) -> tuple[str, ...]:
    """The months (YYYY-MM) a record-level measure's source has data for; none when it has
    no rows (of this force) yet."""
    if not has_rows(wh, measure.source):
        return ()
    try:
        return counts(wh, version, measure, pfa_code).months_covered
    except ValueError:  # rows, but none of this force's (police.uk files of another force)
        return ()
