"""Where, by kind of place: a measure in the urban and the rural neighbourhoods of an area (the
ONS 2021 rural-urban classification of 2021 LSOAs, ``ref_rural_urban21``), with rates per
Census 2021 resident, their 95% limits and the ratio of the rural rate to the urban one.

Rows on 2011 LSOA codes that are not 2021 codes (the police.uk files before 2023) are placed in
their best-fit 2021 LSOA (ONS lookup), and the result says how many were.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from svduty.analysis.evidence import deprivation_areas as areas_of
from svduty.analysis.evidence.where import (
    NO_LOCATION,
    UNKNOWN_CODE,
    UNSTABLE_NOTE,
    MeasureCounts,
    _Evidence,
    _evidence,
    lsoa_reference,
    place,
    records,
    with_rates,
)
from svduty.analysis.stats import rate_ratio
from svduty.reference import rurality
from svduty.reference.population import denominator as denominator_of
from svduty.warehouse import Warehouse

__all__ = ["OUTSIDE_AREA", "UrbanRural", "urban_rural"]

OUTSIDE_AREA = "outside the area"
SOURCE = "ONS Rural Urban Classification (2021) of 2021 LSOAs"


@dataclass(frozen=True, kw_only=True)
class UrbanRural(_Evidence):
    """``frame``: one row per broad group (Urban, Rural): ``group``, ``lsoas``, ``classes``
    (the six-way classes of the area's LSOAs in it), ``count``, ``population`` (Census 2021),
    ``person_years``, ``rate``, ``lower_95``, ``upper_95``, ...; ``not_placed``: ``category``,
    ``count``; frame count + not_placed count = ``total``. ``ratio``: rural rate / urban rate
    with its 95% limits (NaN where either group has no residents or events); ``mapped``: rows
    whose 2011 code was placed in its best-fit 2021 LSOA."""

    frame: pd.DataFrame
    not_placed: pd.DataFrame
    total: int
    multiplier: int
    denominator: str
    ratio: tuple[float, float, float]
    mapped: int

    def as_dict(self) -> dict:
        return self._header() | {
            "classification": SOURCE,
            "multiplier": self.multiplier,
            "denominator": self.denominator,
            "total": self.total,
            "groups": records(self.frame),
            "not_placed": records(self.not_placed),
            "rural_to_urban_rate_ratio": list(self.ratio),
            "mapped_from_2011": self.mapped,
        }


def _classes(wh: Warehouse, la_codes: list[str]) -> pd.DataFrame:
    """``ref_rural_urban21`` rows of these authorities (from the bundled file for any the
    warehouse was loaded without)."""
    t = wh.table("ref_rural_urban21")
    got = t.filter(t.la_code.isin(la_codes)).execute()
    if missing := [code for code in la_codes if code not in set(got["la_code"])]:
        got = pd.concat([got, rurality.for_authorities(missing).to_pandas()], ignore_index=True)
    return got


def urban_rural(
    wh: Warehouse,
    counts: MeasureCounts,
    la_codes: Iterable[str],
) -> UrbanRural:
    """``counts`` (a force area's measure counts) in the urban and rural 2021 LSOAs of the
    authorities ``la_codes`` (the area: the force area or one partnership's authorities)."""
    m = counts.measure
    wanted = sorted(set(la_codes))
    lsoas = lsoa_reference(wh, counts.pfa_code)
    placed = place(counts, wh, lsoas)
    codes = placed["lsoa"]
    old = lsoas[lsoas["in_2011"] & ~lsoas["in_2021"]]["lsoa_code"]
    carried = codes.isin(set(old))
    mapped_codes = codes.where(~carried, codes.map(areas_of.to_lsoa21(wh, codes[carried])))
    classes = _classes(wh, wanted).set_index("lsoa21_code")
    group = mapped_codes.map(classes["urban_rural"])
    category = pd.Series(
        np.select(
            [group.notna(), placed["lsoa"].isna(), placed["category"] == UNKNOWN_CODE],
            ["inside", NO_LOCATION, UNKNOWN_CODE],
            default=OUTSIDE_AREA,
        ),
        index=placed.index,
    )
    inside = category == "inside"
    mapped = int(placed.loc[inside & carried, "count"].sum())
    per_group = placed[inside].groupby(group[inside])["count"].sum()
    d = denominator_of("urban_rural")
    t = wh.table(d.table)
    residents = (
        t.filter(t.lsoa21_code.isin(list(classes.index)))
        .group_by("lsoa21_code")
        .aggregate(population=t[d.column].sum())
        .execute()
        .set_index("lsoa21_code")["population"]
    )
    classes = classes.assign(population=residents.reindex(classes.index).astype(float))
    rows = []
    for name in rurality.GROUPS:
        mine = classes[classes["urban_rural"] == name]
        rows.append(
            {
                "group": name,
                "lsoas": len(mine),
                "classes": "; ".join(
                    f"{cls} ({n})"
                    for cls, n in mine["ruc21_name"].value_counts().sort_index().items()
                ),
                "count": int(per_group.get(name, 0)),
                "population": float(mine["population"].sum()) if len(mine) else math.nan,
            }
        )
    frame = with_rates(pd.DataFrame(rows), counts.person_year_fraction, m.multiplier)
    by = frame.set_index("group")
    ratio = (math.nan, math.nan, math.nan)
    if all(by.at[g, "person_years"] > 0 for g in rurality.GROUPS):
        got = rate_ratio(
            float(by.at["Rural", "count"]),
            float(by.at["Rural", "person_years"]),
            float(by.at["Urban", "count"]),
            float(by.at["Urban", "person_years"]),
        )
        ratio = (got.value, got.lower, got.upper)
    caveats = [UNSTABLE_NOTE]
    if mapped:
        caveats.append(
            f"Offences recorded on 2011 LSOA codes ({mapped:,}) are placed in their best-fit "
            "2021 LSOA (ONS LSOA 2011 to 2021 lookup) to take its 2021 classification."
        )
    caveats.append(
        "Urban and rural describe where offences were recorded, not where the people involved "
        "live; a town centre's visitors raise its rate per resident."
    )
    rest = pd.DataFrame({"category": category[~inside], "count": placed.loc[~inside, "count"]})
    not_placed = rest.groupby("category", as_index=False)["count"].sum()
    not_placed["count"] = not_placed["count"].astype("int64")
    return UrbanRural(
        **_evidence(counts, caveats),
        frame=frame,
        not_placed=not_placed,
        total=counts.total,
        multiplier=m.multiplier,
        denominator=d.source,
        ratio=ratio,
        mapped=mapped,
    )
