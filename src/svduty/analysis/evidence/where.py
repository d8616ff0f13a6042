"""Where: counts and rates by LSOA, ward and local authority, hotspots, their persistence and the
most frequent locations, for one measure over a chosen set of calendar years.

Everything reads the warehouse through :func:`svduty.analysis.measures.counts.record_counts`
(monthly counts by LSOA honouring the measure's local definition, strand, under-25 rule and
filters) and the reference tables, so DuckDB and PostgreSQL give the same answers.

How rows are placed. A row is placed by its LSOA code:

- no LSOA code: "no location" (police.uk publishes some crimes without one);
- a code of another force area: "outside the force area" (police.uk snap points can fall across
  the boundary);
- a code the ONS lookups do not know: "LSOA code not in the ONS lookups";
- for wards only, a 2021 LSOA code that is not also a 2011 code: "2021 LSOA code: no December
  2019 ward" (wards come from the 2011 LSOA -> December 2019 ward lookup).

These rows are counted on their own in ``not_placed``, never dropped: the areas plus
``not_placed`` always add up to ``total``.

Rates. Each level has one denominator, chosen in :func:`svduty.reference.population.denominator`
and named on every page that shows the rate: LSOAs and December 2019 wards (2011 LSOA geography)
use the ONS mid-2018 estimates for 2011 LSOAs (SAPE21DT11); current local authorities use Census
2021 usual residents, as the success measures and the dashboard do. A 2021-only LSOA has no
mid-2018 figure and so no rate. Rates are per ``multiplier`` residents **per year**: the
denominator is person-years, population x months covered / 12, so a year the source covers only
in part (police.uk lacks July 2019) is still on the same footing. Limits follow
PHEindicatormethods ``phe_rate`` (exact Poisson below 10 events, Byar's from 10,
:func:`svduty.analysis.stats.crude_rates`); a rate from fewer than 10 events is kept with its
exact interval but marked ``unstable`` ("where numbers allow"). Under-25 measures get rates only
for local authorities (Census 2021 residents aged 0-24: no under-25 figures on 2011 LSOAs are
bundled); other levels show their counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from svduty.analysis import hotplaces, hotspots
from svduty.analysis.evidence import wards as wards24
from svduty.analysis.measures import counts as counting
from svduty.analysis.measures import selection
from svduty.analysis.measures.catalogue import Measure, load
from svduty.analysis.measures.compute import SYNTHETIC_NOTE, Geography
from svduty.analysis.stats import crude_rates
from svduty.reference.geography import place_names
from svduty.reference.population import denominator as denominator_of
from svduty.warehouse import Warehouse

__all__ = [
    "LEVELS",
    "NO_LOCATION",
    "NO_WARD",
    "NO_WARD24",
    "OUTSIDE",
    "POPULATION_SOURCE",
    "SNAP_NOTE",
    "UNKNOWN_CODE",
    "UNSTABLE_BELOW",
    "AreaRates",
    "HotPlaces",
    "HotspotPersistence",
    "MeasureCounts",
    "RepeatLocations",
    "YearlyHotspots",
    "area_rates",
    "events",
    "h3_hotspots_by_year",
    "hot_places",
    "hotspot_persistence",
    "lsoa_hotspots_by_year",
    "lsoa_reference",
    "measure_counts",
    "named",
    "place",
    "police_uk_slug",
    "records",
    "repeat_locations",
    "resolve_measure",
    "with_rates",
]

LEVELS = ("lsoa", "ward", "ward24", "la")
NO_LOCATION = "no location"
OUTSIDE = "outside the force area"
UNKNOWN_CODE = "LSOA code not in the ONS lookups"
NO_WARD = "2021 LSOA code: no December 2019 ward"
NO_WARD24 = "LSOA code: no May 2024 ward in the ONS lookups"
UNSTABLE_BELOW = 10
#: The denominator of LSOA rates (other levels: :func:`svduty.reference.population.denominator`).
POPULATION_SOURCE = denominator_of("lsoa").source
UNSTABLE_NOTE = (
    f"Rates from fewer than {UNSTABLE_BELOW} events are marked unstable: they can change a lot "
    "with one or two events; their 95% limits are exact Poisson limits and are wide."
)
SNAP_NOTE = (
    "police.uk locations are anonymised to snap points, which can fall in a neighbouring LSOA "
    "or across the force boundary: read LSOA figures as approximate and do not interpret "
    "individual points."
)
RECORD_SOURCES = selection.RECORD_SOURCES


# ---- the measure and its counts -----------------------------------------------------------------


def resolve_measure(measure: Measure | str) -> Measure:
    """A Measure as given, or the measure of that id in the shipped catalogue."""
    if isinstance(measure, Measure):
        return measure
    return load().get(measure)


@dataclass(frozen=True)
class MeasureCounts:
    """A record-level measure's monthly counts by LSOA for the chosen calendar years.

    ``frame``: ``month`` (YYYY-MM), ``lsoa`` (null: no location), ``count``. ``months_covered``
    are the months of the chosen years the source holds data for (the force's own months, for
    police.uk); ``months_missing`` the months of those years it does not.
    """

    measure: Measure
    pfa_code: str
    geography: Geography
    years: tuple[int, ...]
    frame: pd.DataFrame
    months_covered: tuple[str, ...]
    months_missing: tuple[str, ...]
    definition_version: str | None
    synthetic: bool
    notes: tuple[str, ...]
    # the months whose rows include synthetic ones, so that a choice of years says so only when
    # its own rows do (of_years)
    synthetic_months: frozenset[str] = frozenset()

    @property
    def total(self) -> int:
        return int(self.frame["count"].sum())

    @property
    def person_year_fraction(self) -> float:
        """Years of exposure the covered months stand for (months / 12)."""
        return len(self.months_covered) / 12

    def caveats(self) -> list[str]:
        out = list(self.measure.caveats) + list(self.notes)
        if self.synthetic:
            out.insert(0, SYNTHETIC_NOTE)
        if self.months_missing:
            out.append(
                f"The source has no data for {len(self.months_missing)} month(s) of the "
                f"years chosen ({_month_list(self.months_missing)}); counts cover "
                f"{len(self.months_covered)} month(s) and rates are per year of the months "
                "covered."
            )
        if self.measure.source == "police_uk_street":
            out.append(SNAP_NOTE)
        return out

    def of_years(self, years: Iterable[int]) -> MeasureCounts:
        """These counts narrowed to ``years`` (calendar years), as measure_counts would count
        them: a choice with no data raises ``ValueError``."""
        m = self.measure
        chosen = tuple(sorted({int(y) for y in years}))
        if not chosen:
            raise ValueError(f"measure {m.id!r}: the warehouse holds no {m.source} data")
        covered = tuple(mo for mo in self.months_covered if int(mo[:4]) in chosen)
        if not covered:
            raise ValueError(
                f"measure {m.id!r}: the warehouse holds no {m.source} data for "
                f"{_years_text(chosen)}"
            )
        every = [f"{y}-{mo:02d}" for y in chosen for mo in range(1, 13)]
        frame = self.frame[self.frame["month"].str[:4].astype(int).isin(chosen)]
        return replace(
            self,
            years=chosen,
            frame=frame.reset_index(drop=True),
            months_covered=covered,
            months_missing=tuple(mo for mo in every if mo not in covered),
            synthetic=any(int(mo[:4]) in chosen for mo in self.synthetic_months),
        )

    def period(self) -> dict:
        return {
            "years": list(self.years),
            "months_covered": len(self.months_covered),
            "first_month": self.months_covered[0] if self.months_covered else None,
            "last_month": self.months_covered[-1] if self.months_covered else None,
            "months_missing": list(self.months_missing),
        }


def measure_counts(
    wh: Warehouse, measure: Measure | str, pfa_code: str, *, years: Iterable[int] | None = None
) -> MeasureCounts:
    """The measure's counts for ``years`` (default: every year the source has data for).

    Only record-level measures (police_crime, police_uk_street, ed_assault) can be placed in
    LSOAs; others raise ``ValueError``, as does a choice of years with no data at all.
    """
    m = resolve_measure(measure)
    if m.source not in RECORD_SOURCES:
        raise ValueError(
            f"measure {m.id!r} comes from {m.source}, which has no record-level locations; "
            f"'where' needs one of {', '.join(RECORD_SOURCES)}"
        )
    geo = Geography.load(wh, pfa_code, police_uk_slug(wh, pfa_code))
    got = counting.record_counts(wh, m, police_uk_force=geo.police_uk_force)
    covered = tuple(sorted(got.months_covered))
    every_year = tuple(sorted({int(mo[:4]) for mo in covered}))
    if not every_year:
        raise ValueError(f"measure {m.id!r}: the warehouse holds no {m.source} data")
    rows = got.frame
    flagged = rows["synthetic"].fillna(False).astype(bool)
    frame = rows[["month", "lsoa", "count"]].reset_index(drop=True)
    frame["count"] = frame["count"].astype("int64")
    whole = MeasureCounts(
        measure=m,
        pfa_code=pfa_code,
        geography=geo,
        years=every_year,
        frame=frame,
        months_covered=covered,
        months_missing=tuple(
            f"{y}-{mo:02d}"
            for y in every_year
            for mo in range(1, 13)
            if f"{y}-{mo:02d}" not in got.months_covered
        ),
        definition_version=got.definition_version,
        synthetic=bool(flagged.any()),
        notes=got.notes,
        synthetic_months=frozenset(rows.loc[flagged, "month"].astype(str)),
    )
    return whole if years is None else whole.of_years(years)


def police_uk_slug(wh: Warehouse, pfa_code: str) -> str:
    """The data.police.uk force id of a police force area (ref_police_force)."""
    forces = wh.table("ref_police_force")
    found = forces.filter(forces.pfa_code == pfa_code).select("police_uk_slug").execute()
    if found.empty:
        raise ValueError(f"{pfa_code!r} is not a police force area code (E23/W15)")
    return str(found["police_uk_slug"].iloc[0])


# ---- the geography ------------------------------------------------------------------------------


def lsoa_reference(wh: Warehouse, pfa_code: str) -> pd.DataFrame:
    """Every LSOA code (2011 or 2021) of the force area with its ward, authority, population
    (the LSOA denominator, for 2011 codes) and IMD 2019 decile (English 2011 codes)."""
    lsoa = wh.table("ref_lsoa")
    lsoa = lsoa.filter(lsoa.pfa_code == pfa_code).select(
        "lsoa_code", "lsoa_name", "in_2011", "in_2021", "ward19_code", "ward19_name",
        "la_code", "la_name",
    )  # fmt: skip
    d = denominator_of("lsoa")
    pop = wh.table(d.table).select(lsoa_code="lsoa11_code", population=d.column)
    imd = wh.table("ref_imd2019").select(lsoa_code="lsoa11_code", imd_decile="imd_decile")
    joined = (
        lsoa.left_join(pop, "lsoa_code")
        .select(lsoa, pop.population)
        .left_join(imd, "lsoa_code")
        .select(*[c for c in lsoa.columns], "population", imd.imd_decile)
    )
    frame = joined.execute().sort_values("lsoa_code").reset_index(drop=True)
    frame["in_2011"] = frame["in_2011"].astype(bool)
    frame["in_2021"] = frame["in_2021"].astype(bool)
    # a 2021-only code has no mid-2018 figure even if one were joined by code
    frame.loc[~frame["in_2011"], "population"] = np.nan
    frame["population"] = pd.to_numeric(frame["population"]).astype("float64")
    frame["imd_decile"] = pd.to_numeric(frame["imd_decile"]).astype("Int64")
    return frame


def place(counts: MeasureCounts, wh: Warehouse, lsoas: pd.DataFrame) -> pd.DataFrame:
    """The counts with ``category``: ``inside`` or the reason a row is not placed."""
    frame = counts.frame.copy()
    inside = frame["lsoa"].isin(set(lsoas["lsoa_code"]))
    others = sorted(set(frame.loc[~inside & frame["lsoa"].notna(), "lsoa"]))
    known: set[str] = set()
    if others:
        ref = wh.table("ref_lsoa")
        known = set(
            ref.filter(ref.lsoa_code.isin(others)).select("lsoa_code").execute()["lsoa_code"]
        )
    frame["category"] = np.select(
        [frame["lsoa"].isna(), inside, frame["lsoa"].isin(known)],
        [NO_LOCATION, "inside", OUTSIDE],
        default=UNKNOWN_CODE,
    )
    return frame


def _not_placed(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows not placed in an area, by reason and LSOA code (null for no location)."""
    rest = frame[frame["category"] != "inside"]
    out = (
        rest.groupby(["category", "lsoa"], dropna=False, as_index=False)["count"]
        .sum()
        .rename(columns={"lsoa": "lsoa_code"})
    )
    out["count"] = out["count"].astype("int64")
    order = {NO_LOCATION: 0, OUTSIDE: 1, UNKNOWN_CODE: 2, NO_WARD: 3, NO_WARD24: 4}
    out["_order"] = out["category"].map(order)
    out = out.sort_values(["_order", "count", "lsoa_code"], ascending=[True, False, True])
    return out.drop(columns="_order").reset_index(drop=True)


# ---- results ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Evidence:
    """What every result of this package carries, as the measures do."""

    measure: str
    title: str
    source: str
    definition_version: str | None  # "<id> <version>" of the local definition, or None
    synthetic: bool
    caveats: tuple[str, ...]

    def _header(self) -> dict:
        return {
            "measure": self.measure,
            "title": self.title,
            "source": self.source,
            "definition_version": self.definition_version,
            "synthetic": self.synthetic,
            "caveats": list(self.caveats),
        }


def _evidence(counts: MeasureCounts, extra: Iterable[str] = ()) -> dict:
    caveats = counts.caveats()
    caveats += [c for c in extra if c not in caveats]
    return {
        "measure": counts.measure.id,
        "title": counts.measure.title,
        "source": counts.measure.source,
        "definition_version": counts.definition_version,
        "synthetic": counts.synthetic,
        "caveats": tuple(caveats),
    }


@dataclass(frozen=True, kw_only=True)
class AreaRates(_Evidence):
    """Counts and rates per area of one level for a measure and a set of years.

    ``frame``: one row per area (every area of the level in the force area, zero counts
    included; for LSOAs also any 2021-only code that has events): the area's code and name
    (``area_code``, ``area_name``), for LSOAs and wards their authority (``la_code``,
    ``la_name``), for LSOAs ``ward_code``, ``ward_name`` and ``lsoa_vintage``; ``count``,
    ``population``, ``person_years``, ``rate`` (per ``multiplier`` per year), ``lower_95``,
    ``upper_95``, ``lower_998``, ``upper_998``, ``rate_method`` (Exact/Byars) and ``unstable``
    (fewer than 10 events). ``not_placed``: ``category``, ``lsoa_code``, ``count``.
    ``total`` = frame count + not_placed count.
    """

    level: str
    pfa_code: str
    period: dict
    multiplier: int
    denominator: str | None
    frame: pd.DataFrame
    not_placed: pd.DataFrame
    total: int

    @property
    def rate_unit(self) -> str:
        return f"per {self.multiplier:,} residents per year"

    def not_placed_by_category(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.not_placed.groupby("category")["count"].sum().items()}

    def as_dict(self) -> dict:
        return self._header() | {
            "level": self.level,
            "pfa_code": self.pfa_code,
            "period": self.period,
            "multiplier": self.multiplier,
            "rate_unit": self.rate_unit,
            "denominator": self.denominator,
            "total": self.total,
            "placed": int(self.frame["count"].sum()),
            "not_placed_by_category": self.not_placed_by_category(),
            "areas": records(self.frame),
            "not_placed": records(self.not_placed),
        }


def area_rates(
    wh: Warehouse,
    measure: Measure | str,
    pfa_code: str,
    level: str = "la",
    *,
    years: Iterable[int] | None = None,
    counts: MeasureCounts | None = None,
) -> AreaRates:
    """Counts and rates of ``measure`` per LSOA, December 2019 ward, May 2024 ward or current
    local authority (``level``: "lsoa", "ward", "ward24" or "la") of the force area
    ``pfa_code`` over ``years``.

    ``counts`` (from :func:`measure_counts`) may be passed to reuse one query for several
    levels; ``measure`` and ``years`` are then read from it.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if counts is None:
        counts = measure_counts(wh, measure, pfa_code, years=years)
    lsoas = lsoa_reference(wh, pfa_code)
    placed = place(counts, wh, lsoas)
    inside = placed[placed["category"] == "inside"]
    by_code = inside.groupby("lsoa")["count"].sum()
    m = counts.measure
    geo = counts.geography
    ref = lsoas.set_index("lsoa_code")
    if level == "lsoa":
        codes = sorted(set(lsoas.loc[lsoas["in_2011"], "lsoa_code"]) | set(by_code.index))
        area = ref.loc[codes]
        frame = pd.DataFrame(
            {
                "area_code": codes,
                "area_name": area["lsoa_name"].to_numpy(),
                "lsoa_vintage": np.where(area["in_2011"], "2011", "2021"),
                "ward_code": area["ward19_code"].to_numpy(),
                "ward_name": area["ward19_name"].to_numpy(),
                "la_code": area["la_code"].to_numpy(),
                "la_name": area["la_name"].to_numpy(),
                "count": by_code.reindex(codes, fill_value=0).to_numpy(),
                "population": area["population"].to_numpy(),
            }
        )
    elif level == "ward":
        wards = lsoas[lsoas["in_2011"] & lsoas["ward19_code"].notna()]
        ward_of = dict(zip(wards["lsoa_code"], wards["ward19_code"], strict=True))
        no_ward = ~placed["lsoa"].map(ward_of).notna() & (placed["category"] == "inside")
        placed.loc[no_ward, "category"] = NO_WARD
        inside = placed[placed["category"] == "inside"]
        per_ward = inside.groupby(inside["lsoa"].map(ward_of))["count"].sum()
        frame = (
            wards.groupby(["ward19_code", "ward19_name", "la_code", "la_name"], as_index=False)
            .agg(population=("population", lambda s: s.sum(min_count=1)))
            .rename(columns={"ward19_code": "area_code", "ward19_name": "area_name"})
        )
        frame["count"] = per_ward.reindex(frame["area_code"], fill_value=0).to_numpy()
        frame = frame[["area_code", "area_name", "la_code", "la_name", "count", "population"]]
    elif level == "ward24":
        la_codes = set(lsoas["la_code"].dropna())
        ward_of = wards24.lsoa_wards(wh, la_codes).set_index("lsoa_code")["ward24_code"]
        no_ward = placed["lsoa"].map(ward_of).isna() & (placed["category"] == "inside")
        placed.loc[no_ward, "category"] = NO_WARD24
        inside = placed[placed["category"] == "inside"]
        per_ward = inside.groupby(inside["lsoa"].map(ward_of))["count"].sum()
        frame = wards24.ward_residents(wh, la_codes).rename(
            columns={"ward24_code": "area_code", "ward24_name": "area_name"}
        )
        if m.denominator == "population_under_25":
            frame["population"] = frame["population_under_25"]
        frame["count"] = per_ward.reindex(frame["area_code"], fill_value=0).to_numpy()
        frame = frame[["area_code", "area_name", "la_code", "la_name", "count", "population",
                       "split"]]  # fmt: skip
    else:
        las = geo.las.sort_values("la_code")
        la_of = dict(zip(lsoas["lsoa_code"], lsoas["la_code"], strict=True))
        per_la = inside.groupby(inside["lsoa"].map(la_of))["count"].sum()
        d = denominator_of("la")
        column = d.under_25_column if m.denominator == "population_under_25" else d.column
        population = las[column].astype(float).to_numpy()
        frame = pd.DataFrame(
            {
                "area_code": las["la_code"].to_numpy(),
                "area_name": las["la_name"].to_numpy(),
                "count": per_la.reindex(las["la_code"], fill_value=0).to_numpy(),
                "population": population,
            }
        )
    denominator, note = _denominator(m, level)
    if denominator is None:
        frame["population"] = np.nan
    frame = with_rates(frame, counts.person_year_fraction, m.multiplier)
    extra = [UNSTABLE_NOTE] + ([note] if note else [])
    if level == "ward":
        extra.append(
            "Wards are the December 2019 wards of the ONS 2011 LSOA lookup; today's wards (the "
            "May 2025 boundaries used for maps) differ in places."
        )
    if level == "ward24":
        extra.append(wards24.SPLIT_NOTE)
    if level == "lsoa" and (frame["lsoa_vintage"] == "2021").any():
        extra.append(
            "Some rows carry 2021 LSOA codes that are not 2011 codes: they are counted but have "
            "no mid-2018 population (the LSOA denominator) and so no rate."
        )
    not_placed = _not_placed(placed)
    return AreaRates(
        **_evidence(counts, extra),
        level=level,
        pfa_code=pfa_code,
        period=counts.period(),
        multiplier=m.multiplier,
        denominator=denominator,
        frame=frame.reset_index(drop=True),
        not_placed=not_placed,
        total=counts.total,
    )


def _denominator(m: Measure, level: str) -> tuple[str | None, str | None]:
    """The line naming the level's denominator (None: counts only), and a note saying why not."""
    d = denominator_of(level)
    if m.denominator == "population":
        return d.source, None
    if m.denominator == "population_under_25" and d.under_25_column:
        return d.describe(under_25=True), None
    if m.denominator == "population_under_25":
        return None, (
            "No under-25 population on 2011 LSOAs or wards is bundled: counts only at this "
            "level (local authority rates use Census 2021 residents aged 0 to 24)."
        )
    return None, f"The measure has no population denominator ({m.denominator}): counts only."


def with_rates(frame: pd.DataFrame, years_of_exposure: float, multiplier: float) -> pd.DataFrame:
    """``frame`` (columns ``count``, ``population``) with person-years, rates per
    ``multiplier`` per year and their limits (PHEindicatormethods ``phe_rate``), and
    ``unstable`` (fewer than 10 events). A missing population gives no rate."""
    out = frame.copy()
    out["count"] = out["count"].astype("int64")
    population = pd.to_numeric(out["population"], errors="coerce").astype(float)
    population[population <= 0] = np.nan
    out["population"] = population
    out["person_years"] = population * years_of_exposure
    rates = crude_rates(
        out["count"].to_numpy(dtype=float), out["person_years"].to_numpy(), multiplier
    )
    known = out["person_years"].notna().to_numpy()
    out["rate"] = rates["value"].to_numpy()
    out["lower_95"] = rates["lower95_0cl"].to_numpy()
    out["upper_95"] = rates["upper95_0cl"].to_numpy()
    out["lower_998"] = rates["lower99_8cl"].to_numpy()
    out["upper_998"] = rates["upper99_8cl"].to_numpy()
    out["rate_method"] = np.where(known, rates["method"].to_numpy(), None)
    out["unstable"] = known & (out["count"].to_numpy() < UNSTABLE_BELOW)
    return out


# ---- hot places ---------------------------------------------------------------------------------


def named(frame: pd.DataFrame, key: str = "lsoa_code") -> pd.DataFrame:
    """``frame`` with ``place`` ("Yeovil South, Somerset": the May 2024 ward and the current
    authority), ``ward24_name``, ``la24_name`` and ``ons_name`` (the official LSOA name) of
    each LSOA in ``key``: the names every product shows (svduty.reference.geography
    .place_names)."""
    names = place_names(frame[key].dropna().unique())
    out = frame.copy()
    out["place"] = [names[c].label if c in names else c for c in out[key]]
    out["ward24_name"] = [names[c].ward_name if c in names else None for c in out[key]]
    out["la24_name"] = [names[c].la_name if c in names else None for c in out[key]]
    out["ons_name"] = [names[c].ons_name if c in names else None for c in out[key]]
    return out


@dataclass(frozen=True, kw_only=True)
class HotPlaces(_Evidence):
    """The expected-count test of every LSOA (:func:`svduty.analysis.hotplaces.hot_places`)
    over the whole period and each year, and how persistent each place is.

    ``period_frame``: one row per LSOA of the study area (the LSOAs of the view's local
    authorities, of the vintage most of the period's codes use), with ``count``,
    ``population``, ``person_years``, ``expected``, ``ratio``, ``rate``, ``lower_95``,
    ``upper_95``, ``z``, ``p_value``, ``q_value``, ``classification``, the names of
    :func:`named`, and the persistence columns ``years_hot`` and ``years_top`` (in the last
    ``window`` years) with ``hot_years`` and ``top_years``. ``by_year``: the test per year.
    ``details``: the test's attrs per year and for the period (``"period"``), with the events
    not placed in the study area (``not_placed``).
    """

    pfa_code: str
    period: dict
    multiplier: int
    denominator: str
    top_n: int
    window: int
    window_years: tuple[int, ...]
    period_frame: pd.DataFrame
    by_year: Mapping[int, pd.DataFrame] = field(default_factory=dict)
    details: Mapping[str, dict] = field(default_factory=dict)

    @property
    def hot(self) -> pd.DataFrame:
        """The hot places of the whole period, most events first."""
        frame = self.period_frame
        hot = frame[frame["classification"] == hotplaces.HOT_PLACE]
        return hot.sort_values(["count", "lsoa_code"], ascending=[False, True])

    def top(self, by: str = "count", n: int | None = None) -> pd.DataFrame:
        """The ``n`` (default ``top_n``) LSOAs with most events, or the highest rates."""
        return hotplaces.top_places(self.period_frame, by, n or self.top_n)

    def as_dict(self) -> dict:
        return self._header() | {
            "pfa_code": self.pfa_code,
            "period": self.period,
            "multiplier": self.multiplier,
            "denominator": self.denominator,
            "top_n": self.top_n,
            "window_years": list(self.window_years),
            "details": _jsonable(dict(self.details)),
            "areas": records(self.period_frame),
        }


def hot_places(
    wh: Warehouse,
    measure: Measure | str,
    pfa_code: str,
    *,
    years: Iterable[int] | None = None,
    counts: MeasureCounts | None = None,
    alpha: float = 0.05,
    top_n: int = 10,
    window: int = 3,
) -> HotPlaces:
    """Hot places of ``measure`` among the LSOAs of ``wh`` (narrow it to a partnership's local
    authorities with a scoped view: the study area is every LSOA in its ``ref_lsoa``).

    Expected counts use the LSOA denominator (ONS mid-2018 residents of 2011 LSOAs, all ages,
    whatever the measure's own denominator: the test asks whether a place has more events than
    its share of the area's residents) over the months each year covers. Events with no
    location or outside the study area are not tested and are counted in ``details``.
    """
    if counts is None:
        counts = measure_counts(wh, measure, pfa_code, years=years)
    lsoas = lsoa_reference(wh, pfa_code)
    frame = counts.frame.dropna(subset=["lsoa"])
    year_of = frame["month"].str[:4].astype(int)
    d = denominator_of("lsoa")

    def test(part: pd.DataFrame, months: int) -> tuple[pd.DataFrame, dict]:
        vintage = _lsoa_vintage(set(part["lsoa"]), lsoas)
        study = lsoas[lsoas[vintage]]
        by_code = part.groupby("lsoa")["count"].sum()
        rows = pd.DataFrame(
            {
                "lsoa_code": study["lsoa_code"].to_numpy(),
                "count": by_code.reindex(study["lsoa_code"], fill_value=0).to_numpy(),
                "population": study["population"].to_numpy(),
            }
        )
        rows["person_years"] = rows["population"] * months / 12
        result = hotplaces.hot_places(rows, alpha=alpha, multiplier=counts.measure.multiplier)
        result.insert(2, "population", rows["population"].to_numpy())
        info = dict(result.attrs)
        info["months_covered"] = months
        info["boundaries"] = "lsoa11" if vintage == "in_2011" else "lsoa21"
        info["not_placed"] = int(part["count"].sum() - by_code.reindex(study["lsoa_code"]).sum())
        return result, info

    by_year: dict[int, pd.DataFrame] = {}
    details: dict[str, dict] = {}
    for year in counts.years:
        months = sum(1 for mo in counts.months_covered if int(mo[:4]) == year)
        if months:
            by_year[year], details[str(year)] = test(frame[year_of == year], months)
    period_frame, details["period"] = test(frame, len(counts.months_covered))
    details["period"]["not_placed"] += int(counts.frame["count"].sum() - frame["count"].sum())
    persistence = hotplaces.place_persistence(by_year, n=top_n, window=window)
    period_frame = named(period_frame).merge(persistence, on="lsoa_code", how="left")
    for column in ("years_hot", "years_top"):
        period_frame[column] = period_frame[column].fillna(0).astype("int64")
    extra = [
        "A hot place has significantly more events than its residents would lead one to expect "
        "(the area's rate x its residents); town centres, with few residents and many visitors, "
        "stand out by design: their rate per resident finds the place, it is not the risk to "
        "the people who live there.",
    ]
    return HotPlaces(
        **_evidence(counts, extra),
        pfa_code=pfa_code,
        period=counts.period(),
        multiplier=counts.measure.multiplier,
        denominator=d.source,
        top_n=top_n,
        window=window,
        window_years=tuple(persistence.attrs["window_years"]),
        period_frame=period_frame,
        by_year=by_year,
        details=details,
    )


def _lsoa_vintage(codes: set[str], lsoas: pd.DataFrame) -> str:
    """``in_2011`` or ``in_2021``: the LSOA vintage matching most of ``codes`` (2011 on a tie)."""
    known11 = set(lsoas.loc[lsoas["in_2011"], "lsoa_code"])
    known21 = set(lsoas.loc[lsoas["in_2021"], "lsoa_code"])
    return "in_2021" if len(codes & known21) > len(codes & known11) else "in_2011"


# ---- hotspots -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class YearlyHotspots(_Evidence):
    """Gi* hotspots of a measure, one analysis per calendar year.

    ``method``: "lsoa" (queen contiguity of the LSOA boundaries in ``ref_boundary``) or "h3"
    (H3 cells of the events' coordinates). ``by_year`` maps each year to the frame of
    :func:`svduty.analysis.hotspots.lsoa_hotspots` / ``h3_hotspots`` (one row per LSOA of the
    boundaries, or per cell of the study area); ``details`` holds per year the months covered,
    the boundary vintage, and the rows that could not be placed (``unmatched_count`` for LSOAs,
    ``dropped`` for points without coordinates). ``available`` is false, with a caveat saying
    why, when the source has no coordinates or there are no boundaries for the force area.
    """

    method: str
    pfa_code: str
    available: bool = True
    settings: dict
    by_year: Mapping[int, pd.DataFrame] = field(default_factory=dict)
    details: Mapping[int, dict] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Per year: areas analysed, hot, cold, months covered."""
        rows = []
        for year, frame in sorted(self.by_year.items()):
            labels = frame["classification"].value_counts()
            rows.append(
                {
                    "year": year,
                    "areas": len(frame),
                    "hot": int(labels.get(hotspots.HOT, 0)),
                    "cold": int(labels.get(hotspots.COLD, 0)),
                    "months_covered": self.details[year]["months_covered"],
                }
            )
        return pd.DataFrame(rows, columns=["year", "areas", "hot", "cold", "months_covered"])

    def as_dict(self) -> dict:
        return self._header() | {
            "method": self.method,
            "pfa_code": self.pfa_code,
            "available": self.available,
            "settings": self.settings,
            "summary": records(self.summary()),
            "years": {
                str(year): {"details": _jsonable(self.details[year]), "areas": records(frame)}
                for year, frame in sorted(self.by_year.items())
            },
        }


def lsoa_hotspots_by_year(
    wh: Warehouse,
    measure: Measure | str,
    pfa_code: str,
    *,
    years: Iterable[int] | None = None,
    counts: MeasureCounts | None = None,
    permutations: int = 9999,
    seed: int = hotspots.DEFAULT_SEED,
    alpha: float = 0.05,
) -> YearlyHotspots:
    """Gi* on the counts per LSOA, queen contiguity, FDR-corrected, for each year.

    The boundaries are the force area's LSOAs in ``ref_boundary``, of the vintage (2011 or 2021)
    that matches more of the year's LSOA codes. Rows with no location, or in an LSOA outside the
    boundaries, are not in the analysis and are counted per year in ``details``
    (``unmatched_count``). Gi* runs on counts, not rates: the busiest places are often town
    centres with few residents, where a rate per resident misleads.
    """
    if counts is None:
        counts = measure_counts(wh, measure, pfa_code, years=years)
    settings = {"permutations": permutations, "seed": seed, "alpha": alpha}
    settings |= {"weights": "queen contiguity", "value": "count"}
    boundaries = _lsoa_boundaries(wh, counts.geography)
    base = _evidence(counts)
    if not boundaries:
        return YearlyHotspots(
            **base | {"caveats": (*base["caveats"], "No LSOA boundaries for this force area.")},
            method="lsoa",
            pfa_code=pfa_code,
            available=False,
            settings=settings,
        )
    by_year, details = {}, {}
    for year in counts.years:
        months = [mo for mo in counts.months_covered if int(mo[:4]) == year]
        if not months:
            continue
        part = counts.frame[counts.frame["month"].str[:4].astype(int) == year]
        located = part.dropna(subset=["lsoa"])
        level = _vintage(set(located["lsoa"]), boundaries)
        geojson = boundaries[level][1]
        result = hotspots.lsoa_hotspots(
            part.rename(columns={"lsoa": "lsoa_code"})[["lsoa_code", "count"]],
            geojson,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
        )
        by_year[year] = result
        details[year] = {
            "months_covered": len(months),
            "boundaries": level,
            "events": int(part["count"].sum()),
            "unmatched_count": int(result.attrs["unmatched_count"]),
            "fdr_floor_count": int(result.attrs["fdr_floor_count"]),
        }
    extra = [
        "Gi* asks whether an area and its neighbours together stand out; a single busy LSOA "
        "among quiet neighbours is not a hotspot (see the counts and repeat locations).",
    ]
    partial = [y for y, d in details.items() if d["months_covered"] < 12]
    if partial:
        extra.append(
            f"Years covered only in part: {', '.join(str(y) for y in partial)} (hotspots in "
            "them rest on fewer months)."
        )
    base["caveats"] = (*base["caveats"], *extra)
    return YearlyHotspots(
        **base,
        method="lsoa",
        pfa_code=pfa_code,
        settings=settings,
        by_year=by_year,
        details=details,
    )


def _lsoa_boundaries(wh: Warehouse, geo: Geography) -> dict[str, tuple[set[str], str]]:
    """The force area's LSOA codes and their GeoJSON FeatureCollection, by level (lsoa11,
    lsoa21)."""
    table = wh.table("ref_boundary")
    las = list(geo.las["la_code"])
    rows = (
        table.filter(table.level.isin(["lsoa11", "lsoa21"]) & table.la_code.isin(las))
        .select("level", "code", "geometry_geojson")
        .execute()
        .sort_values(["level", "code"])
    )
    return {
        str(level): (set(part["code"]), hotspots.feature_collection(part))
        for level, part in rows.groupby("level")
        if len(part)
    }


def _vintage(codes: set[str], boundaries: dict[str, tuple[set[str], str]]) -> str:
    """The boundary level matching most of ``codes`` (2011 on a tie)."""
    matches = {level: len(codes & known) for level, (known, _) in boundaries.items()}
    return max(sorted(matches), key=lambda k: (matches[k], k == "lsoa11"))


def h3_hotspots_by_year(
    wh: Warehouse,
    measure: Measure | str,
    pfa_code: str,
    *,
    years: Iterable[int] | None = None,
    resolution: int = 7,
    ring: int = 1,
    permutations: int = 9999,
    seed: int = hotspots.DEFAULT_SEED,
    alpha: float = 0.05,
) -> YearlyHotspots:
    """Gi* on counts per H3 cell of the events' coordinates, FDR-corrected, for each year.

    Where the source has coordinates (police.uk snap points; police_crime longitude/latitude
    when the force gives them); rows without are counted per year in ``details["dropped"]``.
    Resolution 7 cells are about 5.2 km²; the study area is the occupied cells and their
    neighbours within ``ring`` (see :func:`svduty.analysis.hotspots.h3_hotspots`).
    """
    counts = measure_counts(wh, measure, pfa_code, years=years)
    m = counts.measure
    settings = {"permutations": permutations, "seed": seed, "alpha": alpha}
    settings |= {"resolution": resolution, "ring": ring, "weights": "H3 edge adjacency"}
    base = _evidence(counts)
    table = wh.table(m.source)
    if not {"longitude", "latitude"} <= set(table.columns):
        note = f"{m.source} has no coordinates: no H3 hotspots (see the LSOA hotspots)."
        return YearlyHotspots(
            **base | {"caveats": (*base["caveats"], note)},
            method="h3",
            pfa_code=pfa_code,
            available=False,
            settings=settings,
        )
    points = events(
        wh, m, counts.geography.police_uk_force, counts.years, ["longitude", "latitude"]
    )
    by_year, details = {}, {}
    for year in counts.years:
        months = [mo for mo in counts.months_covered if int(mo[:4]) == year]
        part = points[points["year"] == year]
        if not months or part.empty:
            continue
        result = hotspots.h3_hotspots(
            part, resolution, ring=ring, permutations=permutations, seed=seed, alpha=alpha
        )
        by_year[year] = result
        details[year] = {
            "months_covered": len(months),
            "events": len(part),
            "dropped": int(result.attrs["dropped"]),
            "fdr_floor_count": int(result.attrs["fdr_floor_count"]),
        }
    base["caveats"] = (
        *base["caveats"],
        "H3 cells show where events cluster whatever the boundaries; empty cells next to busy "
        "ones count zero.",
    )
    return YearlyHotspots(
        **base, method="h3", pfa_code=pfa_code, settings=settings, by_year=by_year, details=details
    )


@dataclass(frozen=True, kw_only=True)
class HotspotPersistence(_Evidence):
    """How often each area was hot across the years (:func:`hotspots.persistence`)."""

    method: str
    pfa_code: str
    min_hot: int
    window: int
    window_years: tuple[int, ...]
    years: tuple[int, ...]
    frame: pd.DataFrame

    def persistent(self) -> pd.DataFrame:
        return self.frame[self.frame["persistent"]]

    def as_dict(self) -> dict:
        return self._header() | {
            "method": self.method,
            "pfa_code": self.pfa_code,
            "min_hot": self.min_hot,
            "window": self.window,
            "window_years": list(self.window_years),
            "years": list(self.years),
            "persistent_count": int(self.frame["persistent"].sum()),
            "areas": records(self.frame[self.frame["years_hot"] > 0]),
        }


def hotspot_persistence(
    yearly: YearlyHotspots, *, min_hot: int = 2, window: int = 3
) -> HotspotPersistence:
    """Areas hot in at least ``min_hot`` of the last ``window`` years of ``yearly``."""
    if not yearly.by_year:
        raise ValueError("no yearly hotspots to follow over time")
    frame = hotspots.persistence(yearly.by_year, min_hot=min_hot, window=window)
    caveats = list(yearly.caveats)
    window_years = tuple(frame.attrs["window_years"])
    gaps = [y for y in window_years if y not in yearly.by_year]
    if gaps:
        caveats.append(
            f"No data for {', '.join(str(y) for y in gaps)} in the window: those years count as "
            "not hot."
        )
    return HotspotPersistence(
        measure=yearly.measure,
        title=yearly.title,
        source=yearly.source,
        definition_version=yearly.definition_version,
        synthetic=yearly.synthetic,
        caveats=tuple(caveats),
        method=yearly.method,
        pfa_code=yearly.pfa_code,
        min_hot=min_hot,
        window=window,
        window_years=window_years,
        years=tuple(sorted(yearly.by_year)),
        frame=frame,
    )


# ---- repeat locations ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RepeatLocations(_Evidence):
    """The most frequent exact locations (:func:`hotspots.top_repeat_locations`)."""

    pfa_code: str
    period: dict
    frame: pd.DataFrame
    without_location: int
    events: int

    def as_dict(self) -> dict:
        return self._header() | {
            "pfa_code": self.pfa_code,
            "period": self.period,
            "events": self.events,
            "without_location": self.without_location,
            "locations": records(self.frame),
        }


def repeat_locations(
    wh: Warehouse,
    measure: Measure | str,
    pfa_code: str,
    *,
    years: Iterable[int] | None = None,
    n: int = 20,
) -> RepeatLocations:
    """The ``n`` locations with most events: police.uk snap point and its 'On or near' text;
    police_crime coordinates; ED location descriptions (text only)."""
    counts = measure_counts(wh, measure, pfa_code, years=years)
    m = counts.measure
    columns = {
        "police_uk_street": ["longitude", "latitude", "location"],
        "police_crime": ["longitude", "latitude"],
        "ed_assault": ["location_description"],
    }[m.source]
    rows = events(wh, m, counts.geography.police_uk_force, counts.years, columns)
    rows = rows.rename(columns={"location_description": "location"})
    if "location" in rows.columns:  # police.uk's 'No Location' is no location
        rows.loc[rows["location"].isin(["No Location", ""]), "location"] = None
    top = hotspots.top_repeat_locations(rows.drop(columns="year"), n=n)
    extra = []
    if m.source == "ed_assault":
        extra.append(
            "Emergency department locations are descriptions in words as the department "
            "recorded them, not coordinates; the same place can be written several ways."
        )
    if m.source == "police_uk_street":
        extra.append(
            "A repeat location is a police.uk snap point gathering the crimes of the streets "
            "around it, not an address or premises: a place to look at more closely with "
            "partners' own data, never to name a building or a person."
        )
    return RepeatLocations(
        **_evidence(counts, extra),
        pfa_code=pfa_code,
        period=counts.period(),
        frame=top,
        without_location=int(top.attrs["without_location"]),
        events=len(rows),
    )


def events(
    wh: Warehouse, m: Measure, police_uk_force: str, years: Iterable[int], columns: list[str]
) -> pd.DataFrame:
    """The measure's rows in ``years``, with ``columns`` and ``year``.

    The rows :func:`svduty.analysis.measures.rows` selects (force, definition scope and strand,
    filters, under 25), the same rows the counts count, one row per event.
    """
    table = selection.rows(wh, m, police_uk_force=police_uk_force, years=years)
    frame = table.select(*columns, year=table.event_date.year()).execute()
    frame["year"] = frame["year"].astype("int64")
    return frame


# ---- plain values for JSON ----------------------------------------------------------------------


def records(frame: pd.DataFrame) -> list[dict]:
    """A frame as a list of JSON-ready dicts (NaN -> None, numpy -> Python)."""
    return [
        {str(k): _jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
    ]


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _month_list(months: tuple[str, ...]) -> str:
    return ", ".join(months) if len(months) <= 6 else f"{', '.join(months[:6])}, ..."


def _years_text(years: tuple[int, ...]) -> str:
    return ", ".join(str(y) for y in years)
