"""Which index of deprivation ranks a force area's neighbourhoods, and on which LSOAs.

- :func:`lsoa_vintage`: the LSOAs the measure's rows are on. police.uk files carry 2011 LSOA
  codes up to about 2022 and 2021 codes after; a period with any 2021-only code is counted on
  2021 LSOAs (its 2011-only codes carried to their best-fit 2021 LSOA), else on 2011 LSOAs.
- :func:`countries`: the countries of a force area's LSOAs (England, Wales): each is ranked on
  its own index, never together.
- :func:`area_deciles`: one row per LSOA of the area in one country: its decile on the index
  for that country and vintage (:func:`svduty.reference.deprivation.index_for`) and its
  residents (mid-2018 estimates on 2011 LSOAs, Census 2021 on 2021 LSOAs).
- :func:`to_lsoa21`: 2011 codes carried to their best-fit 2021 LSOA (ONS lookup).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from svduty.reference import deprivation as indices
from svduty.warehouse import Warehouse

__all__ = ["area_deciles", "countries", "country_of", "lsoa_vintage", "to_lsoa21"]

#: police.uk moved to 2021 LSOAs during 2023: with no code that tells, the period decides
FIRST_2021_MONTH = "2023-01"


def country_of(la_code: str) -> str:
    """The country code of a current local authority (E... England, W... Wales)."""
    return indices.WALES if str(la_code).startswith("W") else indices.ENGLAND


def countries(lsoas: pd.DataFrame) -> tuple[str, ...]:
    """The countries of ``lsoas`` (``lsoa_reference`` rows), England first."""
    return tuple(sorted({country_of(code) for code in lsoas["la_code"]}))


def lsoa_vintage(codes: Iterable, lsoas: pd.DataFrame, months: Iterable[str]) -> int:
    """2021 if any of ``codes`` is a 2021-only LSOA of the area, 2011 if any is 2011-only and
    none 2021-only; with neither (every code in both), 2021 from 2023 on, else 2011."""
    ref = lsoas.set_index("lsoa_code")
    known = ref.loc[ref.index.intersection(pd.Index([c for c in set(codes) if c is not None]))]
    if (known["in_2021"] & ~known["in_2011"]).any():
        return 2021
    if (known["in_2011"] & ~known["in_2021"]).any():
        return 2011
    months = sorted(months)
    return 2021 if months and months[-1] >= FIRST_2021_MONTH else 2011


def to_lsoa21(wh: Warehouse, codes: Iterable[str]) -> dict[str, str]:
    """``codes`` (2011 LSOAs) -> their best-fit 2021 LSOA in the ONS lookup."""
    wanted = sorted({c for c in codes if c is not None})
    if not wanted:
        return {}
    t = wh.table("ref_lsoa11_lsoa21")
    got = t.filter(t.lsoa11_code.isin(wanted)).select("lsoa11_code", "lsoa21_code").execute()
    return dict(zip(got["lsoa11_code"], got["lsoa21_code"], strict=True))


def _index_rows(wh: Warehouse, la_codes: list[str], vintage: int, name: str) -> pd.DataFrame:
    """``ref_deprivation`` rows of these authorities; read from the bundled files when the
    warehouse was loaded without them (a warehouse loaded for no partnership)."""
    columns = ["lsoa_code", "decile", "rank", "mapping"]
    t = wh.table("ref_deprivation")
    got = (
        t.filter(
            t.la_code.isin(la_codes) & (t.lsoa_vintage == vintage) & (t.deprivation_index == name)
        )
        .select(*columns)
        .execute()
    )
    held = set(t.filter(t.la_code.isin(la_codes)).select("la_code").distinct().execute()["la_code"])
    if missing := [code for code in la_codes if code not in held]:
        rows = indices.for_authorities(missing).to_pandas()
        rows = rows[(rows["lsoa_vintage"] == vintage) & (rows["deprivation_index"] == name)]
        got = pd.concat([got, rows[columns]], ignore_index=True)
    return got


def _census_residents(wh: Warehouse, codes: list[str]) -> dict[str, float]:
    t = wh.table("ref_population")
    got = (
        t.filter(t.lsoa21_code.isin(codes))
        .group_by("lsoa21_code")
        .aggregate(residents=t.residents.sum())
        .execute()
    )
    return dict(zip(got["lsoa21_code"], got["residents"].astype(float), strict=True))


def area_deciles(
    wh: Warehouse, lsoas: pd.DataFrame, country: str, vintage: int
) -> tuple[indices.Index, pd.DataFrame]:
    """The index for ``country`` and ``vintage`` and one row per LSOA of that vintage in
    ``lsoas`` (``lsoa_reference`` rows) in that country: ``lsoa_code``, ``decile`` (Int64; null
    where the index has none), ``population`` (float), ``mapping`` (how a WIMD rank reached a
    2021 LSOA; "as published" otherwise)."""
    index = indices.index_for(country, vintage)
    mine = lsoas[[country_of(code) == country for code in lsoas["la_code"]]]
    mine = mine[mine["in_2011"] if vintage == 2011 else mine["in_2021"]]
    out = mine[["lsoa_code"]].reset_index(drop=True)
    if index.name == "IMD 2019":
        out["decile"] = mine["imd_decile"].to_numpy()
        out["mapping"] = "as published"
    else:
        ranks = _index_rows(wh, sorted(set(mine["la_code"])), vintage, index.name)
        by_code = ranks.set_index("lsoa_code")
        out["decile"] = out["lsoa_code"].map(by_code["decile"])
        out["mapping"] = out["lsoa_code"].map(by_code["mapping"])
    out["decile"] = pd.to_numeric(out["decile"]).astype("Int64")
    if vintage == 2011:
        out["population"] = mine["population"].to_numpy(dtype=float)
    else:
        residents = _census_residents(wh, list(out["lsoa_code"]))
        out["population"] = out["lsoa_code"].map(residents).astype(float)
    return index, out
