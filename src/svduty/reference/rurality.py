"""The ONS 2021 rural-urban classification of every 2021 LSOA in England and Wales
(``ref_rural_urban21``), stored for a partnership's own authorities only.

The 2021 classification puts each LSOA in one of six classes (urban or larger rural or smaller
rural, each nearer to or further from a major town or city) and in one of two broad groups,
urban and rural. The 2011 classification of 2011 LSOAs stays in ``ref_lsoa`` (ruc11_code).
"""

from __future__ import annotations

import functools

import pyarrow as pa
import pyarrow.compute as pc

from svduty.reference import ReferenceDataError, arrow_schema, read_csv

RUC21_FILE = "geography/ruc21_lsoa21.csv.gz"
#: the broad groups as the file names them
GROUPS = ("Urban", "Rural")


@functools.cache
def national() -> pa.Table:
    """Every 2021 LSOA of England and Wales with its class and broad group (cached)."""
    from svduty.reference.geography import current_la, lsoa21_districts

    raw = read_csv(
        RUC21_FILE,
        {
            "lsoa21_code": "lsoa21_code",
            "ruc21_code": "ruc21_code",
            "classification": "ruc21_name",
            "ruc": "urban_rural",
        },
    )
    for column in raw.column_names:
        if raw.column(column).null_count:
            raise ReferenceDataError(f"{RUC21_FILE}: empty values in {column}")
    if unknown := set(raw.column("urban_rural").to_pylist()) - set(GROUPS):
        raise ReferenceDataError(f"{RUC21_FILE}: broad group(s) {sorted(unknown)} not urban/rural")
    active = current_la()
    districts = lsoa21_districts()
    codes = raw.column("lsoa21_code").to_pylist()
    if len(set(codes)) != len(codes):
        raise ReferenceDataError(f"{RUC21_FILE}: an LSOA appears twice")
    if missing := sorted(set(districts) - set(codes)):
        raise ReferenceDataError(f"{RUC21_FILE}: {len(missing)} 2021 LSOAs missing: {missing[:5]}")
    la = [active[districts[c][1]][0] if c in districts else None for c in codes]
    if None in la:
        raise ReferenceDataError(f"{RUC21_FILE}: an LSOA is not a 2021 LSOA of England or Wales")
    table = pa.table(
        {
            "lsoa21_code": raw.column("lsoa21_code"),
            "la_code": pa.array(la, pa.string()),
            "ruc21_code": raw.column("ruc21_code"),
            "ruc21_name": raw.column("ruc21_name"),
            "urban_rural": raw.column("urban_rural"),
        },
        schema=arrow_schema("ref_rural_urban21"),
    )
    return table.sort_by("lsoa21_code")


def empty() -> pa.Table:
    """``ref_rural_urban21`` as the reference load creates it: rows come per partnership."""
    return arrow_schema("ref_rural_urban21").empty_table()


def for_authorities(la_codes) -> pa.Table:
    """The rows of the 2021 LSOAs of these current local authorities."""
    table = national()
    return table.filter(pc.is_in(table.column("la_code"), pa.array(sorted(set(la_codes)))))
