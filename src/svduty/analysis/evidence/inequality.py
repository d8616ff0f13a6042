"""Why: how a measure varies with deprivation, and how it goes with partners' indicators.

- :func:`deprivation`: the rate in each decile of the Index of Multiple Deprivation 2019 (each
  event placed by its 2011 LSOA; each decile's denominator the mid-2018 population of the force
  area's LSOAs in it, ``denominator("imd_decile")``), with 95% limits; the rate ratio of the most
  deprived decile (1) to the least deprived (10); and the slope and relative indices of
  inequality over the deciles.
- :func:`gradient`: the rate ratio and SII/RII from a table of decile counts and populations
  (pure; :func:`deprivation` uses it).
- :func:`partner_association`: Spearman's rank correlation, across the force area's local
  authorities, between the measure's rate and each partner indicator (suspensions, permanent
  exclusions, children in need, NEET 16-17, ...), with n and a plain sentence: it is an
  association between areas, not a cause, and five areas cannot say much.

Rates are per ``multiplier`` residents per year, as in :mod:`svduty.analysis.evidence.where`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from svduty.analysis.evidence import deprivation_areas as areas_of
from svduty.analysis.evidence.where import (
    NO_LOCATION,
    OUTSIDE,
    UNKNOWN_CODE,
    UNSTABLE_NOTE,
    MeasureCounts,
    _Evidence,
    _evidence,
    _jsonable,
    lsoa_reference,
    measure_counts,
    place,
    records,
    with_rates,
)
from svduty.analysis.hotspots import DEFAULT_SEED
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import SYNTHETIC_NOTE, Geography
from svduty.analysis.stats import rate_ratio, slope_index_of_inequality
from svduty.reference.deprivation import INDICES, Index
from svduty.reference.population import denominator as denominator_of
from svduty.warehouse import Warehouse

__all__ = [
    "DECILES",
    "DEFAULT_INDICATORS",
    "NO_DECILE",
    "Association",
    "Deprivation",
    "Gradient",
    "deprivation",
    "gradient",
    "partner_association",
]

DECILES = tuple(range(1, 11))
NO_DECILE = "no IMD 2019 decile (a 2021-only or Welsh LSOA)"
DEFAULT_INDICATORS = ("suspensions", "permanent_exclusions", "children_in_need", "neet_16_17")
IMD_SOURCE = INDICES["IMD 2019"].source


# ---- rate by deprivation decile -----------------------------------------------------------------


@dataclass(frozen=True)
class Gradient:
    """The rate ratio (decile 1 / decile 10) and the slope and relative indices of inequality.

    ``sii`` is the modelled gap between the most and the least deprived ends of the scale, in the
    rate's units (most deprived minus least deprived: positive when the rate is higher where
    deprivation is greater); ``rii`` the modelled ratio most / least deprived. Both come from
    :func:`svduty.analysis.stats.slope_index_of_inequality` over the deciles, most deprived
    first, weighted by population, with multiplier -1 so that they read in that direction;
    limits by simulation (``repetitions`` draws, seeded). A note says why a figure is missing.
    """

    rate_ratio: float
    rate_ratio_lower: float
    rate_ratio_upper: float
    rate_ratio_note: str | None
    sii: float
    sii_lower: float
    sii_upper: float
    rii: float
    rii_lower: float
    rii_upper: float
    sii_method: str | None
    sii_note: str | None
    deciles_used: tuple[int, ...]

    def as_dict(self) -> dict:
        return {k: _jsonable(v) for k, v in self.__dict__.items()}


def gradient(
    deciles: pd.DataFrame,
    *,
    transform: bool = True,
    seed: int | None = DEFAULT_SEED,
    repetitions: int = 100_000,
) -> Gradient:
    """Rate ratio and SII/RII from ``deciles``: columns ``imd_decile`` (1 = most deprived),
    ``count``, ``person_years`` (the rate's denominator), ``population`` (the SII's weights),
    ``rate``, ``lower_95`` and ``upper_95`` (rates per the same multiplier).

    The rate ratio is :func:`svduty.analysis.stats.rate_ratio` of decile 1 to decile 10 (count
    and person-years of each). The SII uses every decile with a population: rates as
    ``value_type="rate"`` with standard errors from the 95% limits on the log scale. With
    ``transform`` (the default here) the regression is of log rates and the SII and RII are read
    from the fitted curve at the two ends: violence falls steeply with deprivation, and a
    straight line through the rates (PHEindicatormethods' default, ``transform=False``) can come
    close to zero at the least deprived end, which makes its RII very large and unstable. If
    some decile has no events (a rate of 0 has no log) the SII is fitted on the rates themselves
    with no limits, and the note says so. Fewer than 5 deciles: no SII.
    """
    frame = deciles.set_index("imd_decile").sort_index()
    ratio = (math.nan, math.nan, math.nan)
    ratio_note = None
    have = frame[frame["person_years"].fillna(0) > 0]
    if have.empty:
        none = "no population denominator: counts only"
        return Gradient(*ratio, none, *(math.nan,) * 6, None, none, ())
    if 1 in have.index and 10 in have.index:
        got = rate_ratio(
            float(have.loc[1, "count"]),
            float(have.loc[1, "person_years"]),
            float(have.loc[10, "count"]),
            float(have.loc[10, "person_years"]),
        )
        ratio, ratio_note = (got.value, got.lower, got.upper), got.note
    else:
        ratio_note = "the force area has no residents in decile 1 or decile 10"
    sii = (math.nan,) * 6
    method = note = None
    used = tuple(int(d) for d in have.index)
    if len(have) < 5:
        note = f"the SII needs at least 5 deciles with residents; {len(have)} have"
    else:
        pops = have["population"].to_numpy(dtype=float)
        rates = have["rate"].to_numpy(dtype=float)
        if (rates > 0).all():
            got = slope_index_of_inequality(
                pops,
                rates,
                value_type="rate",
                lower=have["lower_95"].to_numpy(dtype=float),
                upper=have["upper_95"].to_numpy(dtype=float),
                multiplier=-1,
                transform=transform,
                repetitions=repetitions,
                seed=seed,
            )
            fit = "log-linear (transform)" if transform else "linear (PHE default)"
            method = f"phe_sii, {fit}; standard errors from the 95% limits on the log scale"
        else:
            got = slope_index_of_inequality(pops, rates, value_type="other", multiplier=-1)
            method = "PHE phe_sii on the rates, no limits"
            note = "a decile has no events: the SII has no confidence limits"
        sii = (got.sii, got.sii_lower, got.sii_upper, got.rii, got.rii_lower, got.rii_upper)
        if len(have) < len(DECILES):
            partial = f"over the {len(have)} of the 10 deciles with residents in the area"
            note = f"{note}; {partial}" if note else partial
    return Gradient(*ratio, ratio_note, *sii, method, note, used)


@dataclass(frozen=True, kw_only=True)
class Deprivation(_Evidence):
    """The measure by deprivation decile of the force area's LSOAs in one country, on that
    country's own index (``index``: IMD 2019 or IMD 2025 for England, WIMD 2019 for Wales).

    ``frame``: one row per decile 1..10: ``imd_decile`` (the decile of ``index``), ``lsoas``,
    ``count``, ``population``, ``person_years``, ``rate`` (per ``multiplier`` per year),
    ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``, ``rate_method``, ``unstable``.
    ``not_placed``: rows with no location, outside the force area, an unknown code, an LSOA
    with no decile or (a force area in both countries) in the other country; ``frame`` count +
    ``not_placed`` count = ``total``. ``gradient``: rate ratio and SII/RII. ``lsoa_vintage``:
    the LSOAs counted on (2011 or 2021); ``mapped``: rows whose 2011 code was carried to its
    best-fit 2021 LSOA.
    """

    pfa_code: str
    period: dict
    multiplier: int
    denominator: str | None
    denominator_label: str
    frame: pd.DataFrame
    not_placed: pd.DataFrame
    total: int
    gradient: Gradient
    index: Index
    lsoa_vintage: int
    mapped: int

    def as_dict(self) -> dict:
        return self._header() | {
            "pfa_code": self.pfa_code,
            "period": self.period,
            "multiplier": self.multiplier,
            "rate_unit": f"per {self.multiplier:,} residents per year",
            "denominator": self.denominator,
            "deprivation": self.index.source,
            "deprivation_index": self.index.name,
            "country": self.index.country,
            "lsoa_vintage": self.lsoa_vintage,
            "total": self.total,
            "deciles": records(self.frame),
            "not_placed": records(self.not_placed),
            "gradient": self.gradient.as_dict(),
        }


def no_decile(index: Index) -> str:
    """The reason a row in the area has no decile."""
    if index.name == "IMD 2019":
        return NO_DECILE
    return f"no {index.name} decile"


def in_other_country(index: Index) -> str:
    """The reason a row in the area is not on ``index``: its LSOA is in the other country."""
    other = "Wales" if index.country == "England" else "England"
    return f"in {other}: ranked on {other}'s own index"


def deprivation(
    wh: Warehouse,
    measure: Measure | str,
    pfa_code: str,
    *,
    years: Iterable[int] | None = None,
    counts: MeasureCounts | None = None,
    transform: bool = True,
    seed: int | None = DEFAULT_SEED,
    country: str | None = None,
) -> Deprivation:
    """Rates of ``measure`` by deprivation decile in the force area ``pfa_code`` over ``years``,
    with the rate ratio (decile 1 / decile 10) and the SII and RII (see :func:`gradient`).

    Each country's LSOAs are ranked on its own index and never together: ``country``
    (E92000001 or W92000004) picks one; it may be left out when the force area is in one
    country only. The index and the LSOAs counted on follow the rows' LSOA codes
    (svduty.analysis.evidence.deprivation_areas)."""
    if counts is None:
        counts = measure_counts(wh, measure, pfa_code, years=years)
    m = counts.measure
    lsoas = lsoa_reference(wh, pfa_code)
    present = areas_of.countries(lsoas)
    if country is None:
        if len(present) > 1:
            raise ValueError(
                f"{pfa_code} has LSOAs in England and in Wales: each is ranked on its own index; "
                "pass country='E92000001' or 'W92000004'"
            )
        country = present[0]
    placed = place(counts, wh, lsoas)
    vintage = areas_of.lsoa_vintage(placed["lsoa"], lsoas, counts.months_covered)
    index, areas = areas_of.area_deciles(wh, lsoas, country, vintage)
    mapped = 0
    codes = placed["lsoa"]
    if vintage == 2021:
        old = lsoas[lsoas["in_2011"] & ~lsoas["in_2021"]]["lsoa_code"]
        carried = codes.isin(set(old)) & (placed["category"] == "inside")
        mapped = int(placed.loc[carried, "count"].sum())
        codes = codes.where(~carried, codes.map(areas_of.to_lsoa21(wh, codes[carried])))
    other = (placed["category"] == "inside") & ~codes.isin(set(areas["lsoa_code"]))
    country_of_code = lsoas.set_index("lsoa_code")["la_code"].map(areas_of.country_of)
    elsewhere = other & (placed["lsoa"].map(country_of_code) != country)
    placed.loc[elsewhere, "category"] = in_other_country(index)
    decile_of = dict(zip(areas["lsoa_code"], areas["decile"].astype("float64"), strict=True))
    decile = codes.map(decile_of)
    missing = (placed["category"] == "inside") & decile.isna()
    placed.loc[missing, "category"] = no_decile(index)
    inside = placed["category"] == "inside"
    per_decile = placed[inside].groupby(decile[inside].astype(int))["count"].sum()
    ranked = areas[areas["decile"].notna()]
    by = ranked.groupby(ranked["decile"].astype(int))
    frame = pd.DataFrame({"imd_decile": list(DECILES)})
    frame["lsoas"] = by.size().reindex(DECILES, fill_value=0).to_numpy()
    frame["count"] = per_decile.reindex(DECILES, fill_value=0).to_numpy()
    frame["population"] = by["population"].sum(min_count=1).reindex(DECILES).to_numpy(dtype=float)
    caveats = [UNSTABLE_NOTE]
    level = (
        "decile_2021"
        if vintage == 2021
        else ("imd_decile" if index.name == "IMD 2019" else "wimd_decile")
    )
    denominator = denominator_of(level).source
    if m.denominator != "population":
        frame["population"] = np.nan
        denominator = None
        caveats.append(
            f"The measure's denominator is {m.denominator}; no such population by {vintage} "
            "LSOA is bundled, so deciles have counts but no rates, rate ratio or SII."
        )
    frame = with_rates(frame, counts.person_year_fraction, m.multiplier)
    caveats.append(index.note)
    if vintage == 2021 and index.lsoa_vintage == 2011:
        carried_ranks = int((areas["mapping"] != "as published").sum())
        caveats.append(
            f"{index.name} is published on 2011 LSOAs; each 2021 LSOA takes the rank of its "
            "2011 LSOA in the ONS best-fit lookup (a merged one the population-weighted mean "
            "rank of its 2011 LSOAs, a part of a split one the rank of the nearest 2011 LSOA): "
            f"{carried_ranks} of the area's {len(areas)} 2021 LSOAs are not as published."
        )
    if mapped:
        caveats.append(
            f"Offences recorded on 2011 LSOA codes ({mapped:,}) are placed in their best-fit "
            "2021 LSOA (ONS LSOA 2011 to 2021 lookup) to be ranked on 2021 LSOAs."
        )
    caveats.append(
        "Deprivation deciles describe areas, not people: a higher rate in deprived areas does "
        "not say who the victims or offenders are, and police.uk locations are where crimes "
        "were recorded, not where the people involved live."
    )
    order = {
        NO_LOCATION: 0,
        OUTSIDE: 1,
        UNKNOWN_CODE: 2,
        in_other_country(index): 3,
        no_decile(index): 4,
    }
    rest = placed[~inside]
    not_placed = rest.groupby("category", as_index=False)["count"].sum()
    not_placed["count"] = not_placed["count"].astype("int64")
    not_placed = not_placed.sort_values("category", key=lambda s: s.map(order))
    return Deprivation(
        **_evidence(counts, caveats),
        pfa_code=pfa_code,
        period=counts.period(),
        multiplier=m.multiplier,
        denominator=denominator,
        denominator_label=denominator_of(level).label,
        frame=frame,
        not_placed=not_placed.reset_index(drop=True),
        total=counts.total,
        gradient=gradient(frame, transform=transform, seed=seed),
        index=index,
        lsoa_vintage=vintage,
        mapped=mapped,
    )


# ---- association with partners' indicators ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Association(_Evidence):
    """Rank correlations across local authorities between the measure and partner indicators.

    ``frame``: one row per indicator and period: ``indicator``, ``feed``, ``period_start``,
    ``period_end``, ``indicator_unit``, ``violence_months`` (months of the measure's data in the
    window compared), ``n`` (authorities with both figures), ``rho`` (Spearman), ``p_value``
    and ``p_method`` (exact permutation for n up to 8), ``sentence``. ``points``: the figures
    per authority behind each correlation. ``denominator``: the population of the measure's
    rates (the local authority denominator) and of indicators sent without one.
    """

    pfa_code: str
    frame: pd.DataFrame
    points: pd.DataFrame
    denominator: str

    def as_dict(self) -> dict:
        return self._header() | {
            "pfa_code": self.pfa_code,
            "denominator": self.denominator,
            "correlations": records(self.frame),
            "points": records(self.points),
        }


def partner_association(
    wh: Warehouse,
    measure: Measure | str,
    pfa_code: str,
    *,
    indicators: Iterable[str] = DEFAULT_INDICATORS,
    counts: MeasureCounts | None = None,
) -> Association:
    """How the measure's rate per local authority goes with partner indicators.

    Each indicator is a ``partner_aggregate`` measure code, read for every period a partner sent
    it, persons of all ages (or the one age band sent); former districts are added into their
    current authority. Its value per authority is count / denominator x 100 where the partner
    sent a denominator (pupils, children, young people known), else count per 1,000 residents.
    The measure's rate per authority is taken over the months of its data inside the
    indicator's period (for a count on a date, the 12 months up to it), per the measure's
    multiplier per year. Residents are the local authority denominator (Census 2021, all ages or
    aged 0 to 24: :func:`svduty.reference.population.denominator`).

    Periods with no month of the measure's data are left out; an authority whose
    count was suppressed is left out of that period's n.
    """
    indicators = tuple(indicators)
    if counts is None:
        counts = measure_counts(wh, measure, pfa_code)
    m = counts.measure
    geo = counts.geography
    lsoas = lsoa_reference(wh, pfa_code)
    placed = place(counts, wh, lsoas)
    la_of = dict(zip(lsoas["lsoa_code"], lsoas["la_code"], strict=True))
    inside = placed[placed["category"] == "inside"].copy()
    inside["la_code"] = inside["lsoa"].map(la_of)
    las = geo.las.sort_values("la_code")
    d = denominator_of("la")
    residents = las.set_index("la_code")[d.column].astype(float)
    if m.denominator == "population_under_25":
        violence_pop = las.set_index("la_code")[d.under_25_column].astype(float)
        violence_unit = f"per {m.multiplier:,} residents aged 0 to 24 per year ({d.label})"
    else:
        violence_pop = residents
        violence_unit = f"per {m.multiplier:,} residents per year ({d.label})"
    sent = _indicator_rows(wh, list(indicators), geo, residents)
    results, points = [], []
    synthetic = counts.synthetic
    for (indicator, feed, start, end), part in sent.groupby(
        ["measure", "feed", "period_start", "period_end"], sort=True
    ):
        months = [mo for mo in _window(start, end) if mo in set(counts.months_covered)]
        if not months:
            continue
        part = part.dropna(subset=["value"])
        window = inside[inside["month"].isin(months)]
        violence = window.groupby("la_code")["count"].sum().reindex(las["la_code"], fill_value=0)
        rate = violence / (violence_pop * len(months) / 12) * m.multiplier
        joined = part.set_index("la_code").join(
            pd.DataFrame({"violence_count": violence, "violence_rate": rate}), how="inner"
        )
        synthetic = synthetic or bool(joined["synthetic"].any())
        n = len(joined)
        rho, p, p_method = _spearman(joined["value"].to_numpy(), joined["violence_rate"].to_numpy())
        unit = str(part["unit"].iloc[0]) if len(part) else None
        results.append(
            {
                "indicator": indicator,
                "feed": feed,
                "period_start": start,
                "period_end": end,
                "indicator_unit": unit,
                "violence_unit": violence_unit,
                "violence_months": len(months),
                "n": n,
                "rho": rho,
                "p_value": p,
                "p_method": p_method,
                "sentence": _sentence(indicator, m.title, rho, p, n, unit),
            }
        )
        for la, r in joined.iterrows():
            points.append(
                {
                    "indicator": indicator,
                    "period_start": start,
                    "period_end": end,
                    "la_code": la,
                    "la_name": geo.name(str(la)),
                    "indicator_count": r["count"],
                    "indicator_denominator": r["denominator"],
                    "indicator_value": r["value"],
                    "violence_count": int(r["violence_count"]),
                    "violence_rate": r["violence_rate"],
                }
            )
    columns = ["indicator", "feed", "period_start", "period_end", "indicator_unit",
               "violence_unit", "violence_months", "n", "rho", "p_value", "p_method",
               "sentence"]  # fmt: skip
    frame = pd.DataFrame(results, columns=columns)
    caveats = [
        "Correlations across a handful of local authorities describe how areas differ; they "
        "are associations, not causes, and with so few areas they say little on their own.",
    ]
    if frame.empty:
        caveats.append(
            "No partner indicator overlaps the measure's months: nothing to correlate "
            f"(indicators asked for: {', '.join(indicators)})."
        )
    evidence = _evidence(counts, caveats)
    if synthetic and not counts.synthetic:
        evidence["caveats"] = (SYNTHETIC_NOTE, *evidence["caveats"])
    evidence["synthetic"] = synthetic
    return Association(
        **evidence,
        pfa_code=pfa_code,
        frame=frame,
        points=pd.DataFrame(points),
        denominator=d.describe(under_25=m.denominator == "population_under_25"),
    )


def _indicator_rows(
    wh: Warehouse, indicators: list[str], geo: Geography, residents: pd.Series
) -> pd.DataFrame:
    """partner_aggregate rows of the indicators, per current authority of the force area and
    period, with ``value`` (null when suppressed) and ``unit``."""
    table = wh.table("partner_aggregate")
    table = table.filter(table.measure.isin(indicators) & (table.sex == "Persons"))
    raw = table.select(
        "feed", "measure", "area_code", "period_start", "period_end", "age_band", "count",
        "suppressed", "denominator", "synthetic",
    ).execute()  # fmt: skip
    columns = ["feed", "measure", "la_code", "period_start", "period_end", "count",
               "denominator", "suppressed", "synthetic", "value", "unit"]  # fmt: skip
    if raw.empty:
        return pd.DataFrame(columns=columns)
    raw["la_code"] = raw["area_code"].map(geo.any_la)
    raw = raw[raw["la_code"].isin(set(geo.las["la_code"]))].copy()
    raw["period_start"] = pd.to_datetime(raw["period_start"]).dt.date
    raw["period_end"] = pd.to_datetime(raw["period_end"]).dt.date
    # one age band per indicator and period: 'All ages' when sent, else the one band sent
    keys = ["feed", "measure", "period_start", "period_end"]
    chosen = (
        raw.groupby(keys)["age_band"]
        .agg(lambda s: "All ages" if (s == "All ages").any() else sorted(set(s))[0])
        .rename("chosen_band")
        .reset_index()
    )
    raw = raw.merge(chosen, on=keys)
    raw = raw[raw["age_band"] == raw["chosen_band"]].copy()
    raw["synthetic"] = raw["synthetic"].fillna(False).astype(bool)
    out = raw.groupby([*keys, "la_code"], as_index=False).agg(
        count=("count", lambda s: s.sum(min_count=len(s))),
        denominator=("denominator", lambda s: s.sum(min_count=len(s))),
        suppressed=("suppressed", "any"),
        synthetic=("synthetic", "any"),
    )
    out.loc[out["suppressed"], "count"] = np.nan
    with_denominator = out["denominator"].notna() & (out["denominator"] > 0)
    per_resident = out["count"] / out["la_code"].map(residents) * 1000
    out["value"] = np.where(with_denominator, out["count"] / out["denominator"] * 100, per_resident)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    named = out["measure"].map(DENOMINATOR_NAMES).fillna("per 100 of the denominator sent")
    residents_unit = f"per 1,000 residents ({denominator_of('la').label})"
    out["unit"] = np.where(with_denominator, named, residents_unit)
    return out[columns]


# What the denominator of each education indicator is, as the feed asks partners to send it.
DENOMINATOR_NAMES = {
    "suspensions": "per 100 pupils",
    "permanent_exclusions": "per 100 pupils",
    "children_in_need": "per 100 children aged 0-17",
    "neet_16_17": "per 100 young people aged 16-17 known to the authority",
}


def _window(start: date, end: date) -> list[str]:
    """The months (YYYY-MM) an indicator period covers; for a date, the 12 months up to it."""
    if (end - start).days < 28:
        first = (pd.Timestamp(end) - pd.DateOffset(months=11)).replace(day=1)
        return list(pd.period_range(first, end, freq="M").strftime("%Y-%m"))
    return list(pd.period_range(start, end, freq="M").strftime("%Y-%m"))


EXACT_UP_TO = 8


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float, str | None]:
    """Spearman's rho and its two-sided p-value (exact permutation up to 8 pairs)."""
    n = len(x)
    if n < 3:
        return math.nan, math.nan, None
    if np.ptp(x) == 0 or np.ptp(y) == 0:  # a constant has no ranks to correlate
        return math.nan, math.nan, None
    from scipy import stats as scipy_stats  # here, not at the top: about 1 s of CPU to import

    rho = float(scipy_stats.spearmanr(x, y).statistic)
    if n > EXACT_UP_TO:
        return rho, float(scipy_stats.spearmanr(x, y).pvalue), "t approximation (scipy)"
    rx, ry = scipy_stats.rankdata(x), scipy_stats.rankdata(y)
    perms = np.array(list(itertools.permutations(ry)))
    rx_c = rx - rx.mean()
    perm_c = perms - perms.mean(axis=1, keepdims=True)
    sims = perm_c @ rx_c / np.sqrt((perm_c**2).sum(axis=1) * (rx_c**2).sum())
    p = float(np.mean(np.abs(sims) >= abs(rho) - 1e-12))
    return rho, p, f"exact (all {len(perms):,} orderings)"


def _sentence(indicator: str, title: str, rho: float, p: float, n: int, unit: str | None) -> str:
    name = indicator.replace("_", " ")
    if math.isnan(rho):
        return (
            f"No association can be measured between {name} and {title} here: n = {n} local "
            "authorities, too few or with no variation. An association would not show a cause "
            "anyway."
        )
    direction = "higher" if rho > 0 else "lower"
    strength = "strong" if abs(rho) >= 0.7 else "moderate" if abs(rho) >= 0.4 else "weak"
    return (
        f"Across the force area's local authorities (n = {n}), those with more {name} "
        f"({unit}) tended to have {direction} rates of {title}: a {strength} rank correlation "
        f"(Spearman's rho = {rho:.2f}, p = {p:.2f}). This is an association between areas, not "
        f"evidence that one causes the other, and {n} areas cannot say much: a correlation this "
        "size can easily arise by chance."
    )
