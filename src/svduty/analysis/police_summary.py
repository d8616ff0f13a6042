"""The first violence summary: police.uk counts and rates per 1,000 residents, by local
authority and year.

Rows are placed by their LSOA: a current local authority of the partnership's force area, or
one of two lines of their own, never dropped: "No location recorded" (police.uk publishes some
crimes without a location) and "Outside the force area" (the snap point lies in an LSOA of
another force area, or in an LSOA code the ONS lookups do not know).
"""

from __future__ import annotations

import ibis
import pandas as pd

from svduty.reference.population import denominator

NO_LOCATION = "No location recorded"
OUTSIDE = "Outside the force area"
CRIME_TYPES = ("Violence and sexual offences", "Robbery", "Possession of weapons")


def violence_summary(warehouse, *, force: str, pfa_code: str) -> list[dict]:
    """One row per (area, year, crime type): count, months covered, rate per 1,000.

    The denominator is the local authority one (``denominator("la")``: Census 2021). Rates
    cover only the months loaded for that year and are not annualised: `months` says how many.
    """
    crimes = warehouse.table("police_uk_street")
    crimes = crimes.filter((crimes.force == force) & crimes.crime_type.isin(CRIME_TYPES))
    lsoa = warehouse.table("ref_lsoa").select("lsoa_code", "la_code", "la_name", "pfa_code")
    d = denominator("la")
    las = warehouse.table(d.table).select("la_code", population_2021=d.column)
    placed = crimes.left_join(lsoa, "lsoa_code")
    area = ibis.cases(
        (placed.lsoa_code.isnull(), NO_LOCATION),
        (placed.pfa_code.isnull() | (placed.pfa_code != pfa_code), OUTSIDE),
        else_=placed.la_name,
    )
    area_code = ibis.ifelse(placed.pfa_code == pfa_code, placed.la_code, ibis.null(str))
    counts = (
        placed.mutate(area=area, area_code=area_code, year=placed.month.year())
        .group_by(["area", "area_code", "year", "crime_type"])
        .aggregate(count=lambda t: t.count())
    )
    months = crimes.group_by(year=crimes.month.year()).aggregate(months=lambda t: t.month.nunique())
    joined = counts.left_join(las, counts.area_code == las.la_code).join(months, "year")
    rows = joined.select(
        "area", "area_code", "year", "crime_type", "count", "months", "population_2021"
    ).execute()
    out = []
    for r in rows.itertuples(index=False):
        population = None if pd.isna(r.population_2021) else int(r.population_2021)
        out.append(
            {
                "area": r.area,
                "area_code": None if pd.isna(r.area_code) else r.area_code,
                "year": int(r.year),
                "crime_type": r.crime_type,
                "count": int(r.count),
                "months": int(r.months),
                "population": population,
                "rate_per_1000": round(1000 * r.count / population, 2) if population else None,
            }
        )
    order = {NO_LOCATION: 2, OUTSIDE: 3}
    out.sort(
        key=lambda d: (
            order.get(d["area"], 1),
            d["area"],
            d["year"],
            CRIME_TYPES.index(d["crime_type"]),
        )
    )
    return out
