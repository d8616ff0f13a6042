"""May 2024 electoral wards: the ward an LSOA of either vintage lies in, and each ward's Census
2021 residents (svduty.analysis.evidence.where reads rates by ward through this).

- An LSOA is placed in a ward by ONS's best-fit "LSOA (2021) to Electoral Ward (2024) to LAD
  (2024)" lookup; a 2011 code (the police.uk files before 2023) first by ONS's best-fit LSOA
  2011 -> 2021 lookup (``ref_lsoa11_lsoa21``).
- A ward's residents are the Census 2021 usual residents of its 2021 LSOAs (all ages, and aged 0
  to 24): the denominator ``denominator("ward24")``, the same census as local authorities'.
- The best-fit lookup gives a 2011 LSOA that ONS split in 2021 one 2021 part, so its offences
  all go to that part's ward while its residents are counted in each part's. The wards that
  hold a 2021 LSOA no 2011 LSOA maps to (the other parts of a split) are marked ``split``: their
  rate, or their neighbour's, may be a little off.
"""

from __future__ import annotations

import pandas as pd

from svduty.reference.geography import current_la, lsoa21_ward24_raw
from svduty.reference.population import residents_by_lsoa21
from svduty.warehouse import Warehouse

__all__ = ["SPLIT_NOTE", "lsoa_wards", "ward_residents"]

SPLIT_NOTE = (
    "Wards are the May 2024 electoral wards, each the 2021 LSOAs ONS's best-fit lookup puts in "
    "it; offences on 2011 LSOAs (the police.uk files before 2023) are placed through ONS's "
    "best-fit LSOA 2011 to 2021 lookup, which gives a 2011 LSOA split in 2021 only one of its "
    "parts. A ward with 'yes' under 'Split LSOA' holds another part of such an LSOA: its "
    "residents are counted but the LSOA's offences went to the ward of the best-fit part, so "
    "its rate may be a little low and that ward's a little high."
)


def _wards21(la_codes: set[str] | None) -> pd.DataFrame:
    """lsoa21_code, ward24_code, ward24_name, la_code (current), la_name (current)."""
    frame = lsoa21_ward24_raw().to_pandas()
    active = current_la()
    frame["la_name"] = frame["la_code"].map(lambda c: active.get(c, (c, None))[1])
    frame["la_code"] = frame["la_code"].map(lambda c: active.get(c, (c, None))[0])
    if la_codes is not None:
        frame = frame[frame["la_code"].isin(la_codes)]
    return frame[["lsoa21_code", "ward24_code", "ward24_name", "la_code", "la_name"]]


def lsoa_wards(wh: Warehouse, la_codes: set[str]) -> pd.DataFrame:
    """Every LSOA code (2021 and 2011) of the authorities ``la_codes`` -> its 2024 ward:
    lsoa_code, ward24_code, ward24_name, la_code, la_name."""
    wards = _wards21(la_codes)
    lookup = wh.table("ref_lsoa11_lsoa21").select("lsoa11_code", "lsoa21_code").execute()
    lookup = lookup[lookup["lsoa21_code"].isin(set(wards["lsoa21_code"]))]
    by21 = wards.rename(columns={"lsoa21_code": "lsoa_code"})
    by11 = lookup.merge(wards, on="lsoa21_code").drop(columns="lsoa21_code")
    by11 = by11.rename(columns={"lsoa11_code": "lsoa_code"})
    # a code in both vintages (unchanged LSOAs) maps to the same ward either way
    return pd.concat([by21, by11], ignore_index=True).drop_duplicates("lsoa_code")


def ward_residents(wh: Warehouse, la_codes: set[str]) -> pd.DataFrame:
    """Each 2024 ward of the authorities ``la_codes``: ward24_code, ward24_name, la_code,
    la_name, population and population_under_25 (Census 2021), split (bool, see the module)."""
    wards = _wards21(la_codes)
    residents = residents_by_lsoa21()
    wards = wards.assign(
        population=wards["lsoa21_code"].map(lambda c: residents.get(c, (None, None))[0]),
        population_under_25=wards["lsoa21_code"].map(lambda c: residents.get(c, (None, None))[1]),
    )
    targets = set(wh.table("ref_lsoa11_lsoa21").select("lsoa21_code").execute()["lsoa21_code"])
    wards["split"] = ~wards["lsoa21_code"].isin(targets)
    return (
        wards.groupby(["ward24_code", "ward24_name", "la_code", "la_name"], as_index=False)
        .agg(
            population=("population", lambda s: s.sum(min_count=1)),
            population_under_25=("population_under_25", lambda s: s.sum(min_count=1)),
            split=("split", "any"),
        )
        .sort_values("ward24_code")
        .reset_index(drop=True)
    )
