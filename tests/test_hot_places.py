"""Hot places (svduty.analysis.hotplaces) and the names readers are shown for them.

On the real data: for Somerset in 2020 (all twelve months of police.uk data), the LSOAs with
most violence and sexual offences, counted here with pandas from the raw police.uk files and
placed in Somerset with the raw ONS lookup, are the hot places the analysis names first, and
their wards (May 2024) are in Yeovil, Bridgwater and Taunton. Gi* on the same data finds no hot
cluster (issue 12: the map that found "no hot neighbourhood").

On SYNTHETIC data (labelled so in every name below): a rural and an urban study area where
every LSOA has the same underlying rate, where the test must find nothing and say so, and the
same areas with one planted hot place, which it must find.
"""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from conftest import AS_STREET
from svduty.analysis import hotplaces, hotspots
from svduty.analysis.evidence import where
from svduty.products.assessment.scope import ScopedWarehouse
from svduty.reference import data_path
from svduty.reference.geography import place_names
from svduty.warehouse import connect
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.reference_load import load_reference

PFA = "E23000036"
SOMERSET = "E06000066"
# the four districts Somerset Council replaced in April 2023 (ONS LAD19 codes)
SOMERSET_DISTRICTS = {"E07000187", "E07000188", "E07000189", "E07000246"}
VIOLENCE = "Violence and sexual offences"
MONTHS_2020 = [f"2020-{m:02d}" for m in range(1, 13)]


# ---- synthetic study areas (SYNTHETIC: made here, not real data) --------------------------------


def synthetic_areas(
    n: int,
    residents: tuple[int, int],
    rate_per_1000: float,
    *,
    seed: int,
    spread: float = 0.0,
    planted: float = 1.0,
) -> pd.DataFrame:
    """SYNTHETIC: ``n`` LSOAs with residents drawn between ``residents``, one year of events at
    the same underlying rate (``spread``: the standard deviation of a normal area effect around
    1, the ordinary variation between places that the over-dispersion allows for, as the
    method assumes; 0: pure Poisson). ``planted`` multiplies the rate of the first LSOA."""
    rng = np.random.default_rng(seed)
    population = rng.integers(*residents, size=n).astype(float)
    effect = np.clip(rng.normal(1, spread, size=n), 0.1, None) if spread else np.ones(n)
    effect[0] *= planted
    counts = rng.poisson(population * rate_per_1000 / 1000 * effect)
    return pd.DataFrame(
        {
            "lsoa_code": [f"SYNTH{i:04d}" for i in range(n)],
            "count": counts,
            "person_years": population,
        }
    )


# rural: small counts (about 4 a year each), the exact Poisson path
RURAL = {"n": 300, "residents": (1000, 2000), "rate_per_1000": 3.0}
# urban: large counts (about 120 a year each) varying between places as real ones do
URBAN = {"n": 400, "residents": (1200, 2500), "rate_per_1000": 65.0, "spread": 0.25}


@pytest.mark.parametrize("case", ["rural", "urban"])
@pytest.mark.parametrize("seed", range(1, 11))
def test_synthetic_areas_with_no_hot_place_find_none_and_say_so(case, seed):
    settings = RURAL if case == "rural" else URBAN
    result = hotplaces.hot_places(synthetic_areas(**settings, seed=seed))
    assert result.attrs["hot"] == 0
    assert set(result["classification"]) == {hotplaces.NOT_SIGNIFICANT}
    # the urban counts vary between places more than chance would, and the test allows for it
    # (the rural ones are Poisson: the dispersion test passes them but 1 time in 20)
    if case == "urban":
        assert result.attrs["overdispersed"]
    text = hotplaces.describe(result, f"SYNTHETIC {case} area", "SYNTHETIC year")
    assert text.startswith(f"The test found no hot place in SYNTHETIC {case} area")


@pytest.mark.parametrize("case", ["rural", "urban"])
def test_a_planted_hot_place_is_found_and_named_first(case):
    settings = RURAL if case == "rural" else URBAN
    planted = synthetic_areas(**settings, seed=7, planted=6.0 if case == "rural" else 3.0)
    result = hotplaces.hot_places(planted)
    hot = result[result["classification"] == hotplaces.HOT_PLACE]
    assert list(hot["lsoa_code"]) == ["SYNTH0000"]
    text = hotplaces.describe(result.assign(place="SYNTHETIC place"), "X", "Y")
    assert text.startswith("1 LSOA of X was a hot place in Y")


def test_a_plain_poisson_test_would_call_ordinary_variation_hot():
    """Why the over-dispersion matters: on the SYNTHETIC urban areas with no hot place, the
    exact Poisson test against the area's rate alone rejects many LSOAs."""
    frame = synthetic_areas(**URBAN, seed=1)
    expected = frame["count"].sum() / frame["person_years"].sum() * frame["person_years"]
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    p = stats.poisson.sf(frame["count"] - 1, expected)
    assert multipletests(p, alpha=0.05, method="fdr_bh")[0].sum() > 20
    assert hotplaces.hot_places(frame).attrs["hot"] == 0


def test_expected_counts_rates_and_limits():
    frame = pd.DataFrame(
        {"lsoa_code": ["a", "b", "c"], "count": [30, 10, 0], "person_years": [1000.0, 1000.0, None]}
    )
    result = hotplaces.hot_places(frame)
    assert result.attrs["area_rate"] == pytest.approx(20.0)  # 40 events / 2,000 person-years
    assert result["expected"].tolist()[:2] == pytest.approx([20.0, 20.0])
    assert result["ratio"].tolist()[:2] == pytest.approx([1.5, 0.5])
    assert result["rate"].tolist()[:2] == pytest.approx([30.0, 10.0])
    assert result["lower_95"].iloc[0] < 30 < result["upper_95"].iloc[0]
    assert result["classification"].iloc[2] == hotplaces.NO_POPULATION
    top = hotplaces.top_places(result, "rate", 5)
    assert top["lsoa_code"].tolist() == ["a", "b"] and top["rank"].tolist() == [1, 2]


# ---- names ---------------------------------------------------------------------------------------


def test_places_are_named_by_their_2024_ward_and_current_council_for_both_vintages():
    raw = pd.read_csv(data_path("geography", "lookup_lsoa21_ward24_ltla24.csv.gz"))
    names = place_names(["E01029284", "E01035114", "E01029234", "NOT-A-CODE"])
    # 2011 code unchanged in 2021: Taunton Deane 010B is in Taunton East, Somerset
    row = raw[raw["lsoa21_code"] == "E01029284"].iloc[0]
    assert names["E01029284"].label == f"{row['ward24_name']}, Somerset"
    assert names["E01029284"].ons_name == "Taunton Deane 010B"
    assert "Taunton Deane" not in names["E01029284"].label
    # a 2021-only code (Sedgemoor 010E) and a split 2011 code (South Somerset 015B)
    assert names["E01035114"].la_name == "Somerset" and names["E01035114"].ward_name
    assert names["E01029234"].lsoa21_code != "E01029234"
    assert names["E01029234"].label.endswith(", Somerset")
    assert names["NOT-A-CODE"].label == "NOT-A-CODE"


# ---- the real data: Somerset, 2020 ---------------------------------------------------------------


@pytest.fixture(scope="module")
def somerset_2020(tmp_path_factory):
    path = tmp_path_factory.mktemp("hot_places") / "w.duckdb"
    wh = connect(f"duckdb:///{path}")
    load_reference(wh, loaded_by="test")
    files = [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in MONTHS_2020]
    ingest_police_uk(wh, files, loaded_by="test")
    view = ScopedWarehouse(wh, la_codes=(SOMERSET,))
    yield view, wh
    wh.close()


@pytest.fixture(scope="module")
def raw_top():
    """Violence and sexual offences per Somerset LSOA in 2020, from the raw files and the raw
    ONS LSOA (2011) -> ward (2019) -> district lookup, with pandas: not through svduty."""
    frames = [
        pd.read_csv(AS_STREET / f"{m}-avon-and-somerset-street.csv.gz", dtype=str)
        for m in MONTHS_2020
    ]
    rows = pd.concat(frames)
    rows = rows[rows["Crime type"] == VIOLENCE]
    with gzip.open(data_path("geography", "LSOA11_to_WD19_to_LAD19_lookup_EW.csv.gz"), "rt") as f:
        lookup = pd.read_csv(f, dtype=str)
    somerset = set(lookup.loc[lookup["LAD19CD"].isin(SOMERSET_DISTRICTS), "LSOA11CD"])
    counts = rows[rows["LSOA code"].isin(somerset)]["LSOA code"].value_counts()
    return counts


def test_somerset_2020_names_the_town_centre_lsoas_with_most_violence(somerset_2020, raw_top):
    view, _ = somerset_2020
    result = where.hot_places(view, "police-uk-violence", PFA, years=[2020])
    frame = result.period_frame
    assert len(frame) == 327  # every 2011 LSOA of Somerset, none of the rest of the force
    # the three busiest LSOAs, counted independently, each with about 300 offences in 2020
    top3 = raw_top.head(3)
    assert raw_top.iloc[3] < top3.iloc[2]  # no tie at the cut
    mine = result.top("count", 3)
    assert mine["lsoa_code"].tolist() == top3.index.tolist()
    assert mine["count"].tolist() == top3.tolist()
    assert (mine["classification"] == hotplaces.HOT_PLACE).all()
    # ... are the hot places named first, in the town centres' wards
    assert result.hot["lsoa_code"].head(3).tolist() == top3.index.tolist()
    raw_wards = pd.read_csv(data_path("geography", "lookup_lsoa21_ward24_ltla24.csv.gz"))
    towns = [p.split(",")[0].split()[0] for p in mine["place"]]
    assert sorted(towns) == ["Bridgwater", "Taunton", "Yeovil"]
    assert set(mine["ward24_name"]) <= set(
        raw_wards.loc[raw_wards["ltla24_code"] == SOMERSET, "ward24_name"]
    )
    assert all(
        not p.startswith(("South Somerset", "Sedgemoor", "Taunton Deane")) for p in mine["place"]
    )
    # a handful of hot places, not a fifth of the county
    assert 3 <= len(result.hot) <= 20
    json.dumps(result.as_dict())


def test_somerset_2020_gi_star_finds_no_hot_cluster_and_why(somerset_2020, raw_top):
    """The defect of issue 12 explained, not hidden: Gi* on the same counts finds no cluster,
    because its conditional permutation test asks about the neighbours of the busy LSOAs."""
    view, _ = somerset_2020
    yearly = where.lsoa_hotspots_by_year(view, "police-uk-violence", PFA, years=[2020])
    frame = yearly.by_year[2020].set_index("lsoa_code")
    assert (frame["classification"] != hotspots.HOT).all()
    busiest = frame.loc[raw_top.index[:3]]
    assert (busiest["z"] > 3).all()  # large z under normality ...
    assert (busiest["q_value"] > 0.05).all()  # ... yet not significant once neighbours are shuffled
