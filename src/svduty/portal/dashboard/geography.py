"""The places the dashboards count in: the force area's LSOAs, the wards of a local authority
and the LSOAs of an area or ward, read once per version of the reference data."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import where
from svduty.analysis.measures.compute import Geography
from svduty.portal.dashboard.caching import DATA, key
from svduty.products.area import Area
from svduty.warehouse import Warehouse

__all__ = ["area_lsoas", "geography", "lsoas", "ward_lsoas", "wards"]


def lsoas(wh: Warehouse, version, pfa_code: str) -> pd.DataFrame:
    return DATA.get(
        key(wh, version.reference, "lsoas", pfa_code), lambda: where.lsoa_reference(wh, pfa_code)
    )


def wards(wh: Warehouse, version, area: Area) -> list[tuple[str, str]]:
    """(code, name) of the December 2019 wards of a local authority, by name; none for the force
    area. Names shared by two wards (two former districts) carry the code too."""
    if area.is_force_area:
        return []
    ref = lsoas(wh, version, area.pfa_code)
    part = ref[ref["la_code"].isin(area.la_codes) & ref["in_2011"] & ref["ward19_code"].notna()]
    pairs = part[["ward19_code", "ward19_name"]].drop_duplicates()
    pairs = pairs.sort_values(["ward19_name", "ward19_code"])
    shared = pairs["ward19_name"].duplicated(keep=False)
    return [
        (code, f"{name} ({code})" if twin else name)
        for code, name, twin in zip(pairs["ward19_code"], pairs["ward19_name"], shared, strict=True)
    ]


def ward_lsoas(wh: Warehouse, version, area: Area, ward_code: str) -> set[str]:
    ref = lsoas(wh, version, area.pfa_code)
    return set(ref.loc[(ref["ward19_code"] == ward_code) & ref["in_2011"], "lsoa_code"])


def area_lsoas(wh: Warehouse, version, area: Area) -> set[str]:
    ref = lsoas(wh, version, area.pfa_code)
    return set(ref.loc[ref["la_code"].isin(area.la_codes), "lsoa_code"])


def geography(wh: Warehouse, version, area: Area) -> Geography:
    return DATA.get(
        key(wh, version.reference, "geography", area.pfa_code),
        lambda: Geography.load(wh, area.pfa_code, area.police_uk_force),
    )
