"""The needs assessment's rates by ward (fig-where-areas) for a local authority are on May 2024
wards with Census 2021 residents: recomputed here from the police.uk rows (SQL on the demo
warehouse) and the bundled ONS files read with pandas (the best-fit LSOA 2011 -> 2021 and LSOA
2021 -> ward 2024 lookups, the Census 2021 residents by LSOA), not through svduty's own code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from svduty.products.area import resolve
from svduty.products.assessment import place
from svduty.products.assessment.scope import Context
from svduty.products.assessment.volumes import HEADLINE

DATA = Path(__file__).resolve().parent.parent / "src/svduty/data"
SOMERSET = "E06000066"


@pytest.fixture(scope="module")
def somerset(demo_wh, demo_partnership):
    ctx = Context.make(
        demo_wh,
        demo_partnership,
        resolve(demo_partnership, "somerset"),
        None,
        permutations=99,
        seed=1,
    )
    return ctx, place._areas_figure(ctx, ctx.measures.get(HEADLINE), ctx.counts(HEADLINE))


def test_the_wards_are_may_2024_wards_with_census_2021_residents(somerset, demo_wh):
    ctx, figure = somerset
    wards = pd.read_csv(DATA / "geography/lookup_lsoa21_ward24_ltla24.csv.gz")
    wards = wards[wards["ltla24_code"] == SOMERSET]
    best = pd.read_csv(DATA / "geography/LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz")
    ward_of = dict(zip(wards["lsoa21_code"], wards["ward24_code"], strict=True))
    ward_of |= {
        a: ward_of[b]
        for a, b in zip(best["LSOA11CD"], best["LSOA21CD"], strict=True)
        if b in ward_of and a not in ward_of
    }
    census = pd.read_csv(DATA / "population/census2021_LSOA21_usual_residents_by_age6_EW.csv.gz")
    residents = census.groupby("lsoa21_code")["usual_residents"].sum()
    population = residents.reindex(wards["lsoa21_code"]).groupby(wards["ward24_code"].values).sum()
    first, last = ctx.period.month_starts[0], ctx.period.month_starts[-1]
    between = f"month BETWEEN DATE '{first}' AND DATE '{last}'"
    rows = demo_wh.ibis.raw_sql(
        "SELECT lsoa_code, count(*) FROM police_uk_street WHERE force = 'avon-and-somerset' "
        f"AND crime_type = 'Violence and sexual offences' AND {between} GROUP BY lsoa_code"
    ).fetchall()
    months = demo_wh.ibis.raw_sql(
        "SELECT count(DISTINCT month) FROM police_uk_street "
        f"WHERE force = 'avon-and-somerset' AND {between}"
    ).fetchall()[0][0]
    counts = pd.Series(dict(rows)).groupby(lambda c: ward_of.get(c)).sum()
    table = figure.table.set_index("Code")
    assert set(table.index) == set(wards["ward24_code"])  # every May 2024 ward, no other
    assert table.index.str.startswith("E05").all()
    for code, row in table.iterrows():
        expected = counts.get(code, 0)
        assert row["Offences"] == expected, code
        assert row["Residents (Census 2021)"] == population[code], code
        rate = expected / (population[code] * months / 12) * 1000
        assert row["Rate per 1,000 residents per year"] == pytest.approx(rate), code
    assert "May 2024 wards" in figure.title and "December 2019" not in figure.title
    assert "Census 2021 usual residents" in figure.source and "May 2024 wards" in figure.source
    assert any("best-fit" in n for n in figure.notes)
