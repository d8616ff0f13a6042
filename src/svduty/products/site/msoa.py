"""Counts by MSOA for the site's maps, and the MSOA boundaries to draw them on.

Why MSOAs: an LSOA holds about 1,500 residents, so a year's count of serious violence in most
LSOAs is 0 to 7 and the gate would suppress most of the map. An MSOA (about 8,000 residents)
keeps enough events for rates to mean something. Wards would do too, but the bundled ward
boundaries (2025) do not match the bundled LSOA to ward lookup (2019), while every 2011 LSOA
nests exactly in the 2011 MSOA whose name it carries ("Mendip 006A" is in "Mendip 006"). A 2021
LSOA that is not a 2011 one takes its 2011 parent's MSOA where the ONS lookup has one; its rows
are otherwise counted as "no MSOA" for its local authority, so that every local authority is its
MSOAs plus that remainder, a relation the gate is told about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from svduty.analysis.measures import counts as counting
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import Geography
from svduty.products.site.gate import Gate, count_key, source_kind
from svduty.reference.population import denominator
from svduty.warehouse import Warehouse

__all__ = ["POPULATION_SOURCE", "MsoaCounts", "MsoaGeography", "declare", "load", "msoa_counts"]

POPULATION_SOURCE = denominator("msoa").source


@dataclass(frozen=True)
class MsoaGeography:
    """The force area's 2011 MSOAs: names, local authority and population."""

    lsoa_msoa: dict[str, str]  # LSOA code (2011, or 2021 with a 2011 parent) -> MSOA code
    msoas: pd.DataFrame  # msoa_code, msoa_name, la_code, population (index: msoa_code)

    def in_las(self, la_codes) -> pd.DataFrame:
        return self.msoas[self.msoas["la_code"].isin(list(la_codes))]


@dataclass(frozen=True)
class MsoaCounts:
    """One measure's counts by MSOA over one period, and each authority's rows with no MSOA."""

    measure: Measure
    period: str
    counts: dict[str, int]  # msoa_code -> count (every MSOA of the force area, zeros included)
    no_msoa: dict[str, int]  # la_code -> rows placed in the authority but in no MSOA
    synthetic: bool
    geography: MsoaGeography


def load(wh: Warehouse, geo: Geography) -> MsoaGeography:
    """The MSOAs of ``geo``'s force area with their mid-2018 populations."""
    lsoa = wh.table("ref_lsoa")
    lsoa = lsoa.filter(lsoa.pfa_code == geo.pfa_code).select(
        "lsoa_code", "lsoa_name", "in_2011", "la_code"
    )
    lsoas = lsoa.execute()
    b = wh.table("ref_boundary")
    bounds = b.filter(b.level == "msoa11").select("code", "name").execute()
    by_name = dict(zip(bounds["name"], bounds["code"], strict=True))
    lsoa_msoa: dict[str, str] = {}
    for code, name, in_2011 in zip(
        lsoas["lsoa_code"], lsoas["lsoa_name"], lsoas["in_2011"], strict=True
    ):
        if in_2011 and name[:-1] in by_name:
            lsoa_msoa[code] = by_name[name[:-1]]
    lsoa_msoa |= _via_2011_parents(wh, lsoas, lsoa_msoa)
    d = denominator("msoa")
    pop = wh.table(d.table).select("lsoa11_code", population=d.column).execute()
    pop["msoa_code"] = pop["lsoa11_code"].map(lsoa_msoa)
    population = pop.dropna(subset=["msoa_code"]).groupby("msoa_code")["population"].sum()
    la_of = _la_of_msoa(lsoas, lsoa_msoa)
    mine = bounds[bounds["code"].isin(la_of)]
    msoas = pd.DataFrame(
        {
            "msoa_code": mine["code"].to_numpy(),
            "msoa_name": mine["name"].to_numpy(),
            "la_code": mine["code"].map(la_of).to_numpy(),
            "population": mine["code"].map(population).astype(float).to_numpy(),
        }
    ).set_index("msoa_code", drop=False)
    return MsoaGeography(lsoa_msoa=lsoa_msoa, msoas=msoas.sort_index())


def _via_2011_parents(wh: Warehouse, lsoas: pd.DataFrame, known: dict[str, str]) -> dict[str, str]:
    """2021-only LSOAs whose 2011 parents all lie in one MSOA."""
    new = lsoas.loc[~lsoas["in_2011"].astype(bool), "lsoa_code"].tolist()
    if not new:
        return {}
    t = wh.table("ref_lsoa11_lsoa21")
    pairs = t.filter(t.lsoa21_code.isin(new)).select("lsoa11_code", "lsoa21_code").execute()
    out: dict[str, str] = {}
    for code, part in pairs.groupby("lsoa21_code"):
        msoas = {known.get(c) for c in part["lsoa11_code"]}
        if len(msoas) == 1 and None not in msoas:
            out[code] = msoas.pop()
    return out


def _la_of_msoa(lsoas: pd.DataFrame, lsoa_msoa: dict[str, str]) -> dict[str, str]:
    pairs = {
        (lsoa_msoa[c], la)
        for c, la in zip(lsoas["lsoa_code"], lsoas["la_code"], strict=True)
        if c in lsoa_msoa
    }
    out: dict[str, str] = {}
    for msoa, la in sorted(pairs):
        if msoa in out and out[msoa] != la:
            raise ValueError(f"MSOA {msoa} has LSOAs in {out[msoa]} and {la}: MSOAs nest in LAs")
        out[msoa] = la
    return out


def msoa_counts(
    wh: Warehouse,
    measure: Measure,
    geo: Geography,
    msoa: MsoaGeography,
    *,
    period: str,
    start: date | str,
    end: date | str,
) -> MsoaCounts:
    """Counts of a record-level measure by MSOA for the months from ``start`` to ``end``.

    Rows are placed in local authorities exactly as the measures place them (``geo.lsoa_la``),
    so each authority's count is its MSOAs' counts plus ``no_msoa``.
    """
    got = counting.record_counts(wh, measure, police_uk_force=geo.police_uk_force)
    frame = got.frame
    first, last = str(start)[:7], str(end)[:7]
    frame = frame[(frame["month"] >= first) & (frame["month"] <= last)].copy()
    frame["la_code"] = frame["lsoa"].map(geo.lsoa_la)
    frame = frame.dropna(subset=["la_code"])
    frame["msoa_code"] = frame["lsoa"].map(msoa.lsoa_msoa)
    placed = frame.dropna(subset=["msoa_code"]).groupby("msoa_code")["count"].sum()
    counts = {code: int(placed.get(code, 0)) for code in msoa.msoas["msoa_code"]}
    lost = frame[frame["msoa_code"].isna()].groupby("la_code")["count"].sum()
    no_msoa = {la: int(lost.get(la, 0)) for la in geo.las["la_code"]}
    synthetic = bool(frame["synthetic"].fillna(False).astype(bool).any()) if len(frame) else False
    return MsoaCounts(measure, period, counts, no_msoa, synthetic, msoa)


def declare(gate: Gate, mapped: list[MsoaCounts], series: dict) -> None:
    """Each MSOA count as a cell, and each authority == its MSOAs + its rows with no MSOA."""
    for mc in mapped:
        m = mc.measure
        source = source_kind(m)
        for code, n in mc.counts.items():
            gate.add(count_key(m.id, code, mc.period), n, source)
        msoas = mc.geography.msoas
        for la, lost in mc.no_msoa.items():
            la_key = count_key(m.id, la, mc.period)
            if not gate.has(la_key):
                continue  # the authority is not published: nothing to relate the MSOAs to
            rest = ("no-msoa", m.id, la, mc.period)
            gate.add(rest, lost, source)
            parts = [count_key(m.id, c, mc.period) for c in msoas.loc[msoas["la_code"] == la].index]
            gate.relate(la_key, [*parts, rest], source)
