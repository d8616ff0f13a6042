"""Deprivation outside the 2011 LSOAs of the demo: a Welsh force area on the Welsh index (WIMD
2019), an English one with 2025 police.uk rows on IMD 2025, each decile's count recomputed here
with pandas from the published CSV files (the indices, the ONS lookups, the raw police.uk
files), never from svduty's own tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from conftest import AS_STREET
from conftest import shared_data as _shared
from svduty.analysis.evidence import inequality
from svduty.warehouse import connect
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.reference_load import load_reference

DATA = Path(__file__).resolve().parent.parent / "src/svduty/data"
VIOLENCE = "Violence and sexual offences"
MEASURE = "police-uk-violence"


def _force_lsoa21(pfa: str) -> pd.DataFrame:
    """The force area's 2021 LSOAs by the ONS 2024 lookups (LSOA -> authority -> force)."""
    las = pd.read_csv(DATA / "geography/lookup_ltla24_csp24_pfa24.csv.gz")
    lsoa = pd.read_csv(DATA / "geography/lookup_lsoa21_ward24_ltla24.csv.gz")
    return lsoa[lsoa["ltla24_code"].isin(las.loc[las["pfa24_code"] == pfa, "ltla24_code"])]


def _violence(paths) -> pd.Series:
    """Violence rows per LSOA code in the raw files."""
    raw = pd.concat([pd.read_csv(p, dtype=str) for p in paths], ignore_index=True)
    return raw.loc[raw["Crime type"] == VIOLENCE, "LSOA code"].value_counts()


def _census() -> pd.Series:
    census = pd.read_csv(DATA / "population/census2021_LSOA21_usual_residents_by_age6_EW.csv.gz")
    return census.groupby("lsoa21_code")["usual_residents"].sum()


def _warehouse(tmp_path_factory, name, la_codes, paths):
    wh = connect(f"duckdb:///{tmp_path_factory.mktemp(name) / 'w.duckdb'}")
    load_reference(wh, loaded_by="test", la_codes=la_codes)
    ingest_police_uk(wh, paths, loaded_by="test")
    return wh


# ---- Wales: WIMD 2019, carried from 2011 to 2021 LSOAs -----------------------------------------


def _wimd_on_lsoa21(codes: set[str]) -> pd.Series:
    """WIMD 2019 deciles of these Welsh 2021 LSOAs, recomputed from the published files: the
    best-fit 2011 LSOA's decile; merged 2011 LSOAs: their mid-2018-population-weighted mean
    rank in WIMD's own deciles; a part of a split one: the nearest 2011 centroid's decile."""
    wimd = pd.read_csv(DATA / "wimd2019/wimd2019_wales_lsoa11.csv.gz").set_index("lsoa11_code")
    look = pd.read_csv(
        DATA / "geography/LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz", encoding="utf-8-sig"
    )
    look = look[look["LSOA11CD"].isin(wimd.index)]
    pop = pd.read_csv(
        DATA / "population/ONS_SAPE21DT11_mid2018_LSOA11_population_density_EW.csv.gz",
        thousands=",",
    )
    pop = pop.set_index(pop.columns[0])[pop.columns[2]]  # code, name, mid-2018 population
    tops = wimd.groupby("IMD_decile")["IMD_rank"].max()
    c11 = pd.read_csv(
        DATA / "geography/LSOA11_population_weighted_centroids_EW.csv.gz", encoding="utf-8-sig"
    ).set_index("lsoa11cd")
    c11 = c11[c11.index.isin(wimd.index)]
    c21 = pd.read_csv(
        DATA / "geography/LSOA21_population_weighted_centroids_EW.csv.gz", encoding="utf-8-sig"
    ).set_index("LSOA21CD")
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(
        c21["x"].to_numpy(), c21["y"].to_numpy()
    )
    c21 = pd.DataFrame({"lon": lon, "lat": lat}, index=c21.index)
    out = {}
    for code in sorted(codes):
        parents = look.loc[look["LSOA21CD"] == code, "LSOA11CD"].tolist()
        if len(parents) == 1:
            out[code] = wimd.at[parents[0], "IMD_decile"]
        elif parents:
            w = pop.loc[parents].astype(float)
            rank = round((wimd.loc[parents, "IMD_rank"] * w).sum() / w.sum())
            out[code] = int(tops.index[np.searchsorted(tops.to_numpy(), rank)])
        else:
            here = c21.loc[code]
            d = ((c11["X"] - here["lon"]) * np.cos(np.radians(here["lat"]))) ** 2 + (
                c11["Y"] - here["lat"]
            ) ** 2
            out[code] = wimd.at[d.idxmin(), "IMD_decile"]
    return pd.Series(out)


@pytest.fixture(scope="module")
def wales(tmp_path_factory):
    street = _shared("police_uk", "street", "south-wales")
    paths = sorted(street.glob("2025-1[12]-*.csv.gz"))
    areas = _force_lsoa21("W15000003")
    wh = _warehouse(tmp_path_factory, "wales", sorted(set(areas["ltla24_code"])), paths)
    yield {"wh": wh, "paths": paths, "areas": areas}
    wh.close()


def test_a_welsh_force_area_is_ranked_on_wimd_and_each_decile_recomputes(wales):
    dep = inequality.deprivation(wales["wh"], MEASURE, "W15000003")
    assert dep.index.name == "WIMD 2019" and dep.index.country == "Wales"
    assert dep.lsoa_vintage == 2021
    codes = set(wales["areas"]["lsoa21_code"])
    deciles = _wimd_on_lsoa21(codes)
    violence = _violence(wales["paths"])
    counted = violence[violence.index.isin(codes)]
    expected = counted.groupby(counted.index.map(deciles)).sum()
    census = _census()
    got = dep.frame.set_index("imd_decile")
    for d in range(1, 11):
        assert got.at[d, "count"] == expected.get(d, 0), d
        assert got.at[d, "lsoas"] == (deciles == d).sum(), d
        assert got.at[d, "population"] == census[deciles.index[deciles == d]].sum(), d
    assert (
        got["count"].sum() + dep.not_placed["count"].sum()
        == dep.total
        == violence.sum()
        + (
            # rows with no location are in the total, not in value_counts
            dep.not_placed.set_index("category")["count"].get("no location", 0)
        )
    )
    # the index is named with its country wherever it is shown
    assert "Welsh Index of Multiple Deprivation 2019" in dep.as_dict()["deprivation"]
    assert any(c.startswith("WIMD 2019 ranks the 1,909 2011 LSOAs of Wales") for c in dep.caveats)
    assert not any("England" in c and "IMD 2025" in c for c in dep.caveats)


def test_a_welsh_area_loads_only_its_own_authorities_rows(wales):
    t = wales["wh"].table("ref_deprivation").execute()
    assert set(t["la_code"]) == set(wales["areas"]["ltla24_code"])
    assert set(t["deprivation_index"]) == {"WIMD 2019"}
    rural = wales["wh"].table("ref_rural_urban21").execute()
    assert set(rural["lsoa21_code"]) == set(wales["areas"]["lsoa21_code"])


# ---- England: IMD 2025 on 2021 LSOAs -----------------------------------------------------------

AVON = "E23000036"


@pytest.fixture(scope="module")
def england(tmp_path_factory):
    paths = [AS_STREET / "2025-12-avon-and-somerset-street.csv.gz"]
    areas = _force_lsoa21(AVON)
    wh = _warehouse(tmp_path_factory, "england", sorted(set(areas["ltla24_code"])), paths)
    yield {"wh": wh, "paths": paths, "areas": areas}
    wh.close()


def test_an_english_area_with_2021_lsoas_is_ranked_on_imd_2025(england):
    dep = inequality.deprivation(england["wh"], MEASURE, AVON)
    assert dep.index.name == "IMD 2025" and dep.lsoa_vintage == 2021 and dep.mapped == 0
    imd = pd.read_csv(DATA / "imd2025/imd2025_england_lsoa21.csv.gz").set_index("lsoa21_code")
    codes = set(england["areas"]["lsoa21_code"])
    violence = _violence(england["paths"])
    counted = violence[violence.index.isin(codes)]
    expected = counted.groupby(counted.index.map(imd["IMD_decile"])).sum()
    got = dep.frame.set_index("imd_decile")
    for d in range(1, 11):
        assert got.at[d, "count"] == expected.get(d, 0), d
    assert "English Indices of Deprivation 2025" in dep.as_dict()["deprivation"]


def test_a_period_across_the_change_of_lsoas_counts_on_2021_lsoas(england, tmp_path_factory):
    """2021-09 is on 2011 LSOAs, 2025-12 on 2021 ones: one ranking, IMD 2025, with the 2011
    codes carried to their best-fit 2021 LSOA and said so; no row lost."""
    paths = [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in ("2021-09", "2025-12")]
    wh = _warehouse(tmp_path_factory, "mixed", sorted(set(england["areas"]["ltla24_code"])), paths)
    try:
        dep = inequality.deprivation(wh, MEASURE, AVON, years=[2021, 2025])
    finally:
        wh.close()
    look = pd.read_csv(
        DATA / "geography/LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz", encoding="utf-8-sig"
    )
    codes21 = set(england["areas"]["lsoa21_code"])
    old = _violence(paths[:1])
    only11 = old[old.index.isin(set(look["LSOA11CD"]) - set(look["LSOA21CD"]))]
    carried = only11[only11.index.map(look.set_index("LSOA11CD")["LSOA21CD"]).isin(codes21)]
    assert dep.index.name == "IMD 2025" and dep.mapped == carried.sum() > 0
    assert any(
        c.startswith(f"Offences recorded on 2011 LSOA codes ({dep.mapped:,})") for c in dep.caveats
    )
    assert dep.frame["count"].sum() + dep.not_placed["count"].sum() == dep.total


# ---- rural and urban neighbourhoods (ONS 2021 classification) -----------------------------------


def test_urban_and_rural_counts_and_rates_recompute_from_the_published_files(england):
    from svduty.analysis.evidence import rurality
    from svduty.analysis.evidence.where import measure_counts

    # two authorities of the force area: a city (no rural LSOA) and a largely rural county
    las = ["E06000023", "E06000066"]
    counts = measure_counts(england["wh"], MEASURE, AVON)
    got = rurality.urban_rural(england["wh"], counts, las).frame.set_index("group")
    ruc = pd.read_csv(DATA / "geography/ruc21_lsoa21.csv.gz").set_index("lsoa21_code")
    areas = england["areas"]
    mine = ruc.loc[areas.loc[areas["ltla24_code"].isin(las), "lsoa21_code"]]
    violence = _violence(england["paths"])
    census = _census()
    months = 1  # one month of data: a twelfth of a year of exposure
    for group in ("Urban", "Rural"):
        codes = mine.index[mine["ruc"] == group]
        count = int(violence.reindex(codes).fillna(0).sum())
        years = census[codes].sum() * months / 12
        assert got.at[group, "lsoas"] == len(codes)
        assert got.at[group, "count"] == count
        assert got.at[group, "population"] == census[codes].sum()
        assert got.at[group, "rate"] == pytest.approx(1000 * count / years)
        # Byar's approximation, as PHEindicatormethods (10 events or more)
        assert count >= 10
        lower = count * (1 - 1 / (9 * count) - 1.959964 / (3 * np.sqrt(count))) ** 3
        assert got.at[group, "lower_95"] == pytest.approx(1000 * lower / years, rel=1e-4)
    assert (mine["ruc"] == "Rural").sum() > 0 and (mine["ruc"] == "Urban").sum() > 0


def test_an_area_with_no_rural_lsoa_says_so_without_a_ratio(england):
    from svduty.analysis.evidence import rurality
    from svduty.analysis.evidence.where import measure_counts

    counts = measure_counts(england["wh"], MEASURE, AVON)
    r = rurality.urban_rural(england["wh"], counts, ["E06000023"])  # Bristol
    by = r.frame.set_index("group")
    assert by.at["Rural", "lsoas"] == 0 and by.at["Rural", "count"] == 0
    assert np.isnan(by.at["Rural", "rate"]) and np.isnan(r.ratio[0])
    # every row is somewhere: in Bristol, elsewhere in the force area, or not located
    assert r.frame["count"].sum() + r.not_placed["count"].sum() == r.total
