"""A place-based intervention evaluated from the warehouse: its treated LSOAs (given, or those
of the wards given), the months of the window the source covers, matched comparison LSOAs from
the rest of the force area, and the difference in differences of a record-level measure's
monthly counts, with the caveats to print beside it."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from svduty.analysis.evaluation.did import DiDResult, difference_in_differences
from svduty.analysis.evaluation.matching import Matching, match_comparators
from svduty.analysis.evaluation.panel import _month
from svduty.analysis.evidence import deprivation_areas, where
from svduty.analysis.evidence.quality import Result, month_ranges, months_between
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import SYNTHETIC_NOTE
from svduty.reference import deprivation as indices
from svduty.reference.population import denominator
from svduty.warehouse import Warehouse

DEFAULT_MEASURE = "police-uk-violence"
CENSUS_LSOA21 = "Census 2021 usual residents of 2021 LSOAs (ONS, census day 21 March 2021)"


@dataclass(frozen=True)
class Evaluation(Result):
    """A place-based intervention evaluated from the warehouse.

    ``treated``: the LSOAs that received it (from ``lsoas`` and ``wards``), on
    ``lsoa_vintage`` (2011 or 2021) LSOAs; ``deprivation_index``: the index the areas were
    matched on ("IMD 2019", "IMD 2025" or "WIMD 2019", one country's, never two);
    ``population_source``: the residents of the rates;
    ``months_before``/``months_after``: the months in the panel; ``months_missing``: months of
    the window the source does not cover, left out of the panel (not counted as zero);
    ``panel``: ``area_code``, ``month``, ``count``, ``population``, ``treated``.
    ``can_tell`` and ``verdict`` are the DiD's.
    """

    measure: str
    title: str
    source: str
    definition_version: str | None
    synthetic: bool
    pfa_code: str
    start: str
    lsoa_vintage: int
    deprivation_index: str
    population_source: str
    treated: tuple[str, ...]
    wards: tuple[str, ...]
    excluded: tuple[str, ...]
    months_before: tuple[str, ...]
    months_after: tuple[str, ...]
    months_missing: tuple[str, ...]
    matching: Matching
    did: DiDResult
    panel: pd.DataFrame
    can_tell: bool
    verdict: str
    caveats: tuple[str, ...]


def evaluate_place_based(
    wh: Warehouse,
    *,
    lsoas: Collection[str] = (),
    wards: Collection[str] = (),
    start: str,
    measure: Measure | str = DEFAULT_MEASURE,
    pfa_code: str,
    months_before: int = 24,
    months_after: int | None = None,
    k: int = 3,
    seed: int = 0,
    exclude: Collection[str] = (),
    level: float = 0.95,
) -> Evaluation:
    """Evaluate an intervention in ``lsoas`` and/or ``wards`` of force area ``pfa_code`` from
    ``start`` (YYYY-MM) on a record-level ``measure`` (a catalogue id or a Measure).

    The window is the ``months_before`` months before ``start`` and ``months_after`` months
    from it (default: to the last month the source covers); months the source lacks in the
    window (police.uk has no 2019-07) are left out for every area. Counts are the measure's
    monthly counts by LSOA (``where.measure_counts``: its definition, strand, filters and
    under-25 rule).

    The areas are the force area's LSOAs of one vintage: 2011 LSOAs when every located row of
    the window carries a 2011 code (police.uk before 2023), else 2021 LSOAs, the 2011 codes
    carried to their best-fit 2021 LSOA (ONS lookup) and said so. Deprivation is the index of
    the treated areas' country for that vintage (:func:`svduty.reference.deprivation.index_for`:
    IMD 2019 for English 2011 LSOAs, the index published on them; IMD 2025 for English 2021
    LSOAs; WIMD 2019 for Welsh LSOAs), and candidates come from that country only, so two
    countries' ranks are never compared. Residents: the ONS mid-2018 estimates on 2011 LSOAs,
    Census 2021 on 2021 LSOAs. Treated ``lsoas`` may be given on either vintage (a 2011 code is
    carried forward; a 2021-only code on a 2011 window is refused); ``wards`` are December 2019
    wards (``ref_lsoa.ward19_code``). Candidates are the other LSOAs less ``exclude`` (e.g. a
    buffer of neighbours against spillover), matched on deprivation and the rate of the measure
    in the months before.
    """
    _month(start, "start")
    if not isinstance(months_before, int) or months_before < 1:
        raise ValueError(f"months_before must be a whole number of months, not {months_before!r}")
    if months_after is not None and (not isinstance(months_after, int) or months_after < 1):
        raise ValueError(f"months_after must be a whole number of months, not {months_after!r}")
    where.police_uk_slug(wh, pfa_code)  # a clear error for a code that is not a force area
    counts = where.measure_counts(wh, measure, pfa_code)
    before, after, missing = _window(start, months_before, months_after, counts.months_covered)
    window = set(before + after)

    located = counts.frame[counts.frame["month"].isin(window) & counts.frame["lsoa"].notna()]
    every = where.lsoa_reference(wh, pfa_code)
    vintage = deprivation_areas.lsoa_vintage(located["lsoa"], every, window)
    carried: dict[str, str] = {}
    if vintage == 2021:
        old = every.loc[every["in_2011"] & ~every["in_2021"], "lsoa_code"]
        carried = deprivation_areas.to_lsoa21(wh, old)
        located = located.assign(lsoa=located["lsoa"].map(lambda c: carried.get(c, c)))
    ref = _force_lsoas(wh, every, vintage)
    treated = _treated(ref, every, lsoas, wards, pfa_code, vintage, carried)
    country = _one_country(ref, treated, pfa_code)
    index = indices.index_for(country, vintage)
    ref = _with_ranks(wh, ref[ref["country"] == country], index, vintage)
    by_area_month = located.groupby(["lsoa", "month"])["count"].sum()
    prior = located[located["month"].isin(before)].groupby("lsoa")["count"].sum()
    areas = ref.assign(prior_count=ref["lsoa_code"].map(prior).fillna(0).astype("int64"))
    areas = areas.rename(columns={"lsoa_code": "area_code"})
    matching = match_comparators(
        areas[["area_code", "deprivation_rank", "prior_count", "population"]],
        treated,
        k=k,
        seed=seed,
        exclude=exclude,
        index_name=index.name,
    )
    panel = _build_panel(treated, matching.comparators, sorted(window), by_area_month, ref)
    did = difference_in_differences(
        panel.drop(columns="treated"),
        treated=treated,
        start=start,
        level=level,
        outcome=_outcome(counts.measure.title),
        area_noun="LSOAs",
        comparison="matched comparison",
    )
    population_source = denominator("lsoa").source if vintage == 2011 else CENSUS_LSOA21
    notes = [f"Deprivation: {index.note}"]
    if carried and set(carried) & set(counts.frame.loc[counts.frame["month"].isin(window), "lsoa"]):
        notes.append(
            "The window holds rows on 2011 and 2021 LSOA codes (police.uk changed in 2023): "
            "the 2011 codes are counted on their best-fit 2021 LSOA (ONS lookup)."
        )
    caveats = _caveats(counts, missing, matching, did, notes)
    return Evaluation(
        measure=counts.measure.id,
        title=counts.measure.title,
        source=counts.measure.source,
        definition_version=counts.definition_version,
        synthetic=counts.synthetic,
        pfa_code=pfa_code,
        start=start,
        lsoa_vintage=vintage,
        deprivation_index=index.name,
        population_source=population_source,
        treated=tuple(treated),
        wards=tuple(sorted({str(w) for w in wards})),
        excluded=tuple(sorted({str(c) for c in exclude})),
        months_before=before,
        months_after=after,
        months_missing=missing,
        matching=matching,
        did=did,
        panel=panel,
        can_tell=did.can_tell,
        verdict=did.verdict,
        caveats=caveats,
    )


def _window(
    start: str, months_before: int, months_after: int | None, covered: Collection[str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The covered months before and from ``start``, and the window's months not covered."""
    covered = set(covered)
    first_after = pd.Period(start, freq="M")
    before_all = months_between(str(first_after - months_before), str(first_after - 1))
    end = str(first_after + months_after - 1) if months_after else max([*covered, start])
    after_all = months_between(start, end)
    return (
        tuple(m for m in before_all if m in covered),
        tuple(m for m in after_all if m in covered),
        tuple(m for m in before_all + after_all if m not in covered),
    )


def _force_lsoas(wh: Warehouse, every: pd.DataFrame, vintage: int) -> pd.DataFrame:
    """The force area's LSOAs of ``vintage``: code, December 2019 ward (2011 codes), local
    authority, country and residents (mid-2018 on 2011 LSOAs, Census 2021 on 2021 LSOAs)."""
    mine = every[every["in_2011"] if vintage == 2011 else every["in_2021"]]
    out = mine[["lsoa_code", "ward19_code", "la_code", "population"]].copy()
    out["country"] = out["la_code"].map(deprivation_areas.country_of)
    if vintage == 2021:
        residents = deprivation_areas._census_residents(wh, list(out["lsoa_code"]))
        out["population"] = out["lsoa_code"].map(residents).astype(float)
    return out.reset_index(drop=True)


def _with_ranks(
    wh: Warehouse, ref: pd.DataFrame, index: indices.Index, vintage: int
) -> pd.DataFrame:
    """``ref`` with ``deprivation_rank``: each LSOA's rank on ``index`` (null where none)."""
    codes = list(ref["lsoa_code"])
    if index.name == "IMD 2019":
        imd = wh.table("ref_imd2019")
        got = imd.filter(imd.lsoa11_code.isin(codes)).select("lsoa11_code", "imd_rank").execute()
        rank_of = dict(zip(got["lsoa11_code"], got["imd_rank"], strict=True))
    else:
        got = deprivation_areas._index_rows(wh, sorted(set(ref["la_code"])), vintage, index.name)
        rank_of = dict(zip(got["lsoa_code"], got["rank"], strict=True))
    out = ref.copy()
    out["deprivation_rank"] = out["lsoa_code"].map(rank_of).astype(float)
    return out.reset_index(drop=True)


def _one_country(ref: pd.DataFrame, treated: list[str], pfa_code: str) -> str:
    """The one country of the treated LSOAs (England and Wales are ranked apart)."""
    if lost := sorted(set(treated) - set(ref["lsoa_code"])):
        raise ValueError(f"LSOA(s) {', '.join(lost[:10])} have no LSOA of the window's vintage")
    country = ref.set_index("lsoa_code").loc[treated, "country"]
    if country.nunique() != 1:
        raise ValueError(
            f"the treated LSOAs of force area {pfa_code} lie in England and in Wales: the two "
            "countries rank deprivation on different indices, so evaluate each country's areas "
            "on their own"
        )
    return str(country.iloc[0])


def _treated(ref, every, lsoas, wards, pfa_code: str, vintage: int, carried) -> list[str]:
    """The treated LSOAs of ``vintage``: those given and those of the wards given, checked;
    2011 codes carried to their best-fit 2021 LSOA on a 2021 window."""
    for name, value in (("lsoas", lsoas), ("wards", wards)):
        if isinstance(value, str):
            raise ValueError(f"{name} must be a collection of codes, not one string")
    codes = {str(c).strip() for c in lsoas}
    ward_codes = {str(w).strip() for w in wards}
    if not codes and not ward_codes:
        raise ValueError("give the treated areas: lsoas=[...] and/or wards=[...]")
    unknown = sorted(codes - set(every["lsoa_code"]))
    if unknown:
        raise ValueError(
            f"not LSOAs of force area {pfa_code}: {', '.join(unknown[:10])}; give 2011 or 2021 "
            "LSOA codes (ONS) of the force area"
        )
    if vintage == 2011:
        newer = sorted(codes - set(ref["lsoa_code"]))
        if newer:
            raise ValueError(
                f"2021 LSOA codes for a window whose data are on 2011 LSOAs: "
                f"{', '.join(newer[:10])}; give the 2011 LSOA codes of the area (the police.uk "
                "files before 2023 carry 2011 codes)"
            )
    known_wards = set(every["ward19_code"].dropna())
    bad_wards = sorted(ward_codes - known_wards)
    if bad_wards:
        raise ValueError(
            f"not December 2019 wards of force area {pfa_code}: {', '.join(bad_wards[:10])} "
            "(ward codes are the ONS WD19 codes of ref_lsoa.ward19_code)"
        )
    old = every[every["in_2011"]]
    codes |= set(old.loc[old["ward19_code"].isin(ward_codes), "lsoa_code"])
    if vintage == 2021:
        codes = {carried.get(c, c) for c in codes}
    return sorted(codes)


def _build_panel(treated, comparators, months, by_area_month, ref) -> pd.DataFrame:
    """Every area x covered month, 0 where there were no events, with the population."""
    codes = list(treated) + list(comparators)
    grid = pd.MultiIndex.from_product([codes, months], names=["area_code", "month"])
    panel = by_area_month.rename_axis(["area_code", "month"]).reindex(grid, fill_value=0)
    panel = panel.reset_index()
    population = dict(zip(ref["lsoa_code"], ref["population"], strict=True))
    panel["count"] = panel["count"].astype("int64")
    panel["population"] = panel["area_code"].map(population).astype(float)
    panel["treated"] = panel["area_code"].isin(set(treated))
    return panel


def _outcome(title: str) -> str:
    """'Violence and sexual offences (police.uk open data)' -> 'violence and sexual offences'."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", title).strip()
    return text[:1].lower() + text[1:]


def _caveats(counts, missing, matching, did, notes=()) -> tuple[str, ...]:
    """What to print with the result: synthetic data first, then the gaps and the limits."""
    out: list[str] = []
    if counts.synthetic:
        out.append(SYNTHETIC_NOTE)
    if missing:
        out.append(
            f"The source has no data for {', '.join(month_ranges(list(missing)))}: "
            f"{'that month is' if len(missing) == 1 else 'those months are'} left out for every "
            "area, not counted as zero."
        )
    out += list(counts.measure.caveats) + list(counts.notes)
    if counts.measure.source == "police_uk_street":
        out.append(where.SNAP_NOTE)
    out.append(
        "Events with no location, or outside the treated and comparison LSOAs, are not in the "
        "comparison."
    )
    out.append(
        "Areas are often chosen after an unusually bad spell, and some fall afterwards would "
        "have happened anyway (regression to the mean); matching on violence before the start "
        "reduces this but does not remove it."
    )
    out += list(matching.notes) + list(notes) + list(did.caveats)
    return tuple(dict.fromkeys(out))
