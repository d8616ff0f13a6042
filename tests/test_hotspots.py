"""svduty.analysis.hotspots: Gi* with FDR over LSOAs and H3 cells, persistence, repeat locations.

Reference values come from esda itself (the package, version pinned in pyproject.toml): its
``G_Local`` docstring and ``esda/tests/test_getisord.py``, and libpysal's bundled Columbus
example (``libpysal/examples/columbus``), so nothing is downloaded.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import duckdb
import h3
import libpysal
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from libpysal import examples
from libpysal.graph import Graph
from libpysal.weights.distance import DistanceBand

from svduty.analysis import hotspots as hs
from svduty.reference import build

AS_STREET = (
    Path(__file__).resolve().parent.parent / "src/svduty/data/police_uk/street/avon-and-somerset"
)

# --- esda's own example: six points, a distance band of 15 --------------------------------------
# esda 2.9.0, esda/getisord.py, G_Local docstring ("Applying Getis and Ord local G* test using a
# binary weights object"): lg_star.Zs, printed to 8 decimals.
ESDA_POINTS = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
ESDA_Y = [2, 3, 3.2, 5, 8, 7]
ESDA_STAR_BINARY_ZS = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]
# esda 2.9.0, esda/tests/test_getisord.py, TestGLocal.test_star_binary: G_Local(y, w,
# transform="B", star=True, seed=10) with the default 999 permutations gives p_sim[0] == 0.102,
# asserted there with libpysal.common RTOL=1e-5, ATOL=1e-7.
ESDA_STAR_BINARY_P_SIM_0 = 0.102


def esda_example_graph() -> Graph:
    return Graph.from_W(DistanceBand(np.array(ESDA_POINTS), threshold=15))


def test_gi_star_reproduces_esda_documented_values():
    result = hs.gi_star(ESDA_Y, esda_example_graph(), permutations=999, seed=10)
    # the docstring prints 8 decimals: agree to within half a unit of the last one
    np.testing.assert_allclose(result["z"], ESDA_STAR_BINARY_ZS, rtol=0, atol=5e-9)
    np.testing.assert_allclose(
        result["p_sim"].iloc[0], ESDA_STAR_BINARY_P_SIM_0, rtol=1e-5, atol=1e-7
    )
    assert result["neighbours"].tolist() == [2, 3, 1, 3, 4, 1]
    # six areas and a smallest two-sided p of 0.002: nothing survives the FDR
    assert set(result["classification"]) == {hs.NOT_SIGNIFICANT}
    assert result.attrs["fdr_floor_count"] == 1


def exact_two_sided(y: list[float], graph: Graph) -> list[float]:
    """The conditional permutation test by enumeration: area i keeps its value, its k
    neighbours are any k of the other values, every such set equally likely."""
    y = np.asarray(y)
    out = []
    for i, area in enumerate(graph.unique_ids):
        neighbours = graph[area].index
        observed = y[graph.unique_ids.get_indexer(neighbours)].sum()
        others = np.delete(y, i)
        sums = np.array([sum(c) for c in combinations(others, len(neighbours))])
        greater = np.mean(sums >= observed - 1e-9)
        lesser = np.mean(sums <= observed + 1e-9)
        out.append(min(1.0, 2 * min(greater, lesser)))
    return out


def test_two_sided_p_counts_ties_and_matches_enumeration():
    """esda's p_sim for the first point (0.102) leaves out the permutations that tie with the
    observed neighbour sum (2 + 3 + 5 = 2 + 3 + 5: drawing 3 and 5 again), which are one in ten
    of them: the exact one-sided p is 2 / 10, two-sided 0.4. Our p_value counts the ties."""
    graph = esda_example_graph()
    exact = exact_two_sided(ESDA_Y, graph)
    assert exact[0] == pytest.approx(0.4)
    result = hs.gi_star(ESDA_Y, graph, permutations=9999, seed=10)
    # Monte Carlo error of a two-sided p from 9,999 permutations: sd at most 2*sqrt(.25/9999)
    np.testing.assert_allclose(result["p_value"], exact, atol=4 * 2 * 0.005)
    # ...and with every value equal in a background, no area becomes a cold spot on ties alone
    flat = hs.gi_star([1, 1, 1, 1, 1, 9], graph, permutations=999, seed=1)
    assert (flat["p_value"] > 0.5).sum() >= 4


def _columbus() -> tuple[str, pd.DataFrame]:
    text = Path(examples.get_path("columbus.json")).read_text()
    features = json.loads(text)["features"]
    crime = pd.DataFrame(
        {
            "lsoa_code": [str(int(f["properties"]["POLYID"])) for f in features],
            "count": [f["properties"]["CRIME"] for f in features],
        }
    )
    return text, crime


# G_Local itself does not state the alternative of its permutation test; esda warns about that.
@pytest.mark.filterwarnings(
    "ignore:The alternative hypothesis for conditional randomization:DeprecationWarning"
)
def test_polygon_path_matches_esda_on_libpysal_columbus():
    """GeoJSON -> queen contiguity -> Gi* agrees with esda run on libpysal's own queen file."""
    text, crime = _columbus()
    ours = hs.lsoa_hotspots(crime, text, code_property="POLYID", permutations=999, seed=7)
    gal_file = libpysal.io.open(examples.get_path("columbus.gal"))
    try:
        gal = gal_file.read()
    finally:
        gal_file.close()
    w = Graph.from_W(gal)
    assert list(w.unique_ids) == ours["lsoa_code"].tolist()
    np.testing.assert_array_equal(ours["neighbours"], w.cardinalities.to_numpy())
    theirs = G_Local(crime["count"].to_numpy(), w, transform="B", star=True, seed=7, n_jobs=1)
    np.testing.assert_allclose(ours["z"], theirs.Zs, rtol=1e-12)
    np.testing.assert_allclose(ours["p_sim"], theirs.p_sim, rtol=1e-6)


# --- a constructed lattice ------------------------------------------------------------------------


def lattice(n: int = 10, size: float = 0.01, extra: list[tuple[float, float]] = ()) -> str:
    """An n x n lattice of square polygons near Bristol as GeoJSON; codes 'r{row}c{col}'.

    ``extra`` adds detached squares (codes 'x0', 'x1', ...) with their lower-left corners there.
    """
    lon0, lat0 = -2.6, 51.45

    def square(x0: float, y0: float) -> dict:
        ring = [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)]
        return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}

    features = [
        {
            "type": "Feature",
            "properties": {"code": f"r{r}c{c}"},
            "geometry": square(lon0 + c * size, lat0 + r * size),
        }
        for r in range(n)
        for c in range(n)
    ]
    features += [
        {"type": "Feature", "properties": {"code": f"x{k}"}, "geometry": square(x, y)}
        for k, (x, y) in enumerate(extra)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


CELLS = [(r, c) for r in range(10) for c in range(10)]
CODES = [f"r{r}c{c}" for r, c in CELLS]


def test_lattice_neighbours_are_queen_contiguity():
    result = hs.lsoa_hotspots(pd.DataFrame({"lsoa_code": CODES, "count": 1}), lattice())
    neighbours = dict(zip(result["lsoa_code"], result["neighbours"], strict=True))
    assert neighbours["r0c0"] == 3  # a corner: two edges and one diagonal
    assert neighbours["r0c5"] == 5
    assert neighbours["r5c5"] == 8
    # every value equal: nothing can stand out
    assert set(result["classification"]) == {hs.NOT_SIGNIFICANT}
    assert result["z"].isna().all() and (result["q_value"] == 1).all()


@pytest.mark.parametrize("block", [(4, 7, 4, 7), (3, 7, 3, 7)], ids=["3x3", "4x4"])
@pytest.mark.parametrize("seed", [1, 2])
def test_planted_cluster_is_hot_at_its_core_and_nowhere_else(block, seed):
    r0, r1, c0, c1 = block
    planted = {(r, c) for r in range(r0, r1) for c in range(c0, c1)}
    # background 4, 5 or 6 in a fixed pattern; the planted block counts 20
    count = [20 if (r, c) in planted else 4 + (3 * r + c) % 3 for r, c in CELLS]
    result = hs.lsoa_hotspots(
        pd.DataFrame({"lsoa_code": CODES, "count": count}), lattice(), seed=seed
    )
    # The core: planted cells whose Gi* window (itself and its 8 neighbours) is at least two
    # thirds planted. The block's corners see 4 planted cells of 9 and are not expected hot.
    core = {
        f"r{r}c{c}"
        for r, c in planted
        if sum((r + dr, c + dc) in planted for dr in (-1, 0, 1) for dc in (-1, 0, 1)) >= 6
    }
    hot = set(result.loc[result["classification"] == hs.HOT, "lsoa_code"])
    assert hot == core
    assert (result["classification"] != hs.COLD).all()
    assert (result.loc[result["lsoa_code"].isin(core), "z"] > 3).all()


def test_planted_empty_block_is_cold_at_its_core_and_nothing_is_hot():
    planted = {(r, c) for r in range(4, 7) for c in range(4, 7)}
    count = [1 if (r, c) in planted else 9 + (3 * r + c) % 3 for r, c in CELLS]
    result = hs.lsoa_hotspots(pd.DataFrame({"lsoa_code": CODES, "count": count}), lattice())
    cold = set(result.loc[result["classification"] == hs.COLD, "lsoa_code"])
    assert cold == {"r5c5", "r4c5", "r6c5", "r5c4", "r5c6"}  # the centre and edge cells
    assert (result["classification"] != hs.HOT).all()
    assert (result.loc[result["lsoa_code"].isin(cold), "z"] < -3).all()


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, written out independently of statsmodels."""
    m = len(p)
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1)
    return out


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_fdr_makes_no_more_discoveries_than_raw_p_on_random_data(seed):
    rng = np.random.default_rng(seed)
    counts = pd.DataFrame({"lsoa_code": CODES, "count": rng.poisson(5, len(CODES))})
    result = hs.lsoa_hotspots(counts, lattice(), permutations=999, seed=seed)
    raw = (result["p_value"] <= 0.05).sum()
    fdr = (result["q_value"] <= 0.05).sum()
    assert fdr <= raw
    assert (result["q_value"] >= result["p_value"]).all()
    np.testing.assert_allclose(result["q_value"], bh(result["p_value"].to_numpy()))
    significant = result["classification"].isin([hs.HOT, hs.COLD])
    assert significant.sum() == fdr
    # the two-sided p is at least twice esda's one-sided p_sim, more where esda drops ties
    assert (result["p_value"] >= np.minimum(1, 2 * result["p_sim"]) - 1e-12).all()


def test_rates_use_the_population():
    planted = {(r, c) for r in range(4, 7) for c in range(4, 7)}
    count = [20 if cell in planted else 5 for cell in CELLS]
    population = [4000 if cell in planted else 1000 for cell in CELLS]
    counts = pd.DataFrame({"lsoa_code": CODES, "count": count})
    on_counts = hs.lsoa_hotspots(counts, lattice())
    assert (on_counts["classification"] == hs.HOT).sum() == 5
    # the same counts over four times the residents: the rate is flat, nothing is hot
    on_rates = hs.lsoa_hotspots(
        counts, lattice(), population=pd.DataFrame({"lsoa_code": CODES, "population": population})
    )
    assert on_rates["rate_per_1000"].tolist() == [5.0] * 100
    assert set(on_rates["classification"]) == {hs.NOT_SIGNIFICANT}
    with pytest.raises(ValueError, match="not positive for 1 area"):
        hs.lsoa_hotspots(
            counts,
            lattice(),
            population=pd.DataFrame({"lsoa_code": CODES[1:], "population": population[1:]}),
        )


def test_islands_are_joined_to_the_nearest_area_or_excluded():
    text = lattice(extra=[(-2.45, 51.45)])  # 5 km east of the lattice's lower right corner
    counts = pd.DataFrame({"lsoa_code": [*CODES, "x0"], "count": [5] * 50 + [6] * 50 + [40]})
    nearest = hs.lsoa_hotspots(counts, text).set_index("lsoa_code")
    assert nearest.loc["x0", "island"]
    assert nearest.loc["x0", "neighbours"] == 1
    assert nearest.loc["r0c9", "neighbours"] == 3 + 1  # the nearest square gained the island
    assert not np.isnan(nearest.loc["x0", "z"])

    excluded = hs.lsoa_hotspots(counts, text, islands="exclude").set_index("lsoa_code")
    island = excluded.loc["x0"]
    assert island["classification"] == hs.NO_NEIGHBOURS
    assert island["neighbours"] == 0
    assert np.isnan(island[["z", "p_sim", "p_value", "q_value"]].astype(float)).all()
    others = excluded.drop(index="x0")
    # left out of the FDR family: the others' q-values are BH over the 100 tested areas
    np.testing.assert_allclose(others["q_value"], bh(others["p_value"].to_numpy()))


def test_counts_are_summed_and_unmatched_codes_reported():
    counts = pd.DataFrame({"lsoa_code": ["r0c0", "r0c0", "E01099999", None], "count": [2, 3, 7, 1]})
    result = hs.lsoa_hotspots(counts, lattice(), permutations=99)
    assert len(result) == 100
    assert result.set_index("lsoa_code").loc["r0c0", "count"] == 5
    assert result["count"].sum() == 5
    assert result.attrs["unmatched"] == {"E01099999": 7, "(missing)": 1}
    assert result.attrs["unmatched_count"] == 8


def test_global_random_state_is_left_alone():
    np.random.seed(99)
    before = np.random.get_state()[1].copy()
    hs.gi_star(ESDA_Y, esda_example_graph(), seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_bad_inputs_are_refused():
    graph = esda_example_graph()
    with pytest.raises(ValueError, match="non-negative"):
        hs.gi_star([1, 2, -1, 4, 5, 6], graph)
    with pytest.raises(ValueError, match="6 areas"):
        hs.gi_star([1, 2], graph)
    with pytest.raises(ValueError, match=r"no .LSOA11CD."):
        hs.lsoa_hotspots(
            pd.DataFrame({"lsoa_code": [], "count": []}), lattice(), code_property="LSOA11CD"
        )
    with pytest.raises(ValueError, match="missing column"):
        hs.lsoa_hotspots(pd.DataFrame({"code": ["r0c0"], "n": [1]}), lattice())


# --- H3 ---------------------------------------------------------------------------------------


def test_h3_cluster_planted_around_one_location_is_hot():
    rng = np.random.default_rng(11)
    centre_lat, centre_lon = 51.4545, -2.5879  # Bristol city centre
    background = pd.DataFrame(
        {
            "latitude": rng.uniform(51.42, 51.49, 1500),
            "longitude": rng.uniform(-2.64, -2.53, 1500),
        }
    )
    planted = pd.DataFrame(
        {
            # about 450 m either way: the cell of the location and its neighbours fill up.
            # (A spike confined to one cell is not a hotspot for Gi* with conditional
            # permutation: the cell's own value is held fixed, and its neighbours are ordinary.)
            "latitude": centre_lat + rng.normal(0, 0.004, 300),
            "longitude": centre_lon + rng.normal(0, 0.006, 300),
        }
    )
    missing = pd.DataFrame({"latitude": [np.nan, 91.0], "longitude": [-2.6, -2.6]})
    points = pd.concat([background, planted, missing], ignore_index=True)
    result = hs.h3_hotspots(points, resolution=8, seed=5)
    target = h3.latlng_to_cell(centre_lat, centre_lon, 8)
    by_cell = result.set_index("h3_cell")
    assert by_cell.loc[target, "classification"] == hs.HOT
    hot = by_cell.index[by_cell["classification"] == hs.HOT]
    assert all(h3.grid_distance(target, cell) <= 2 for cell in hot)
    assert (result["classification"] != hs.COLD).all()
    assert result.attrs["dropped"] == 2
    assert result["count"].sum() == 1800
    # the study area: occupied cells plus a ring of empty ones, each cell once, sorted
    assert (result["count"] == 0).any()
    assert result["h3_cell"].is_unique and result["h3_cell"].is_monotonic_increasing
    assert by_cell.loc[target, "neighbours"] == 6
    assert set(result["neighbours"]) <= set(range(1, 7))
    lat, lon = h3.cell_to_latlng(target)
    assert (by_cell.loc[target, "latitude"], by_cell.loc[target, "longitude"]) == (lat, lon)


def test_h3_study_area_from_a_polygon():
    points = pd.DataFrame({"latitude": [51.45, 51.45, 51.30], "longitude": [-2.60, -2.60, -2.60]})
    box = {
        "type": "Polygon",
        "coordinates": [
            [[-2.65, 51.42], [-2.55, 51.42], [-2.55, 51.48], [-2.65, 51.48], [-2.65, 51.42]]
        ],
    }
    result = hs.h3_hotspots(points, 8, area_geojson=json.dumps(box), permutations=99)
    inside = h3.geo_to_cells(box, 8)
    outside = h3.latlng_to_cell(51.30, -2.60, 8)
    assert set(result["h3_cell"]) == set(inside) | {outside}
    # the point outside the area is kept, as a cell with no neighbour in the study area
    assert result.set_index("h3_cell").loc[outside, "classification"] == hs.NO_NEIGHBOURS


# --- persistence ------------------------------------------------------------------------------


def year(hot: list[str], others: list[str] = ("z",), cold: list[str] = ("c",)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lsoa_code": [*hot, *others, *cold],
            "classification": [hs.HOT] * len(hot)
            + [hs.NOT_SIGNIFICANT] * len(others)
            + [hs.COLD] * len(cold),
        }
    )


def test_persistence_at_its_boundaries():
    yearly = {
        2019: year(["old", "run"]),
        2020: year(["run"]),
        2021: year(["two", "run"]),
        2022: year(["gap"]),
        2023: year(["two", "gap", "once", "run"]),
    }
    # window 2021..2023, persistent when hot in at least 2 of those 3 years
    result = hs.persistence(yearly, min_hot=2, window=3).set_index("lsoa_code")
    assert result.loc["two", "persistent"]  # exactly 2 of 3: persistent
    assert result.loc["gap", "persistent"]  # 2022 and 2023
    assert not result.loc["once", "persistent"]  # 1 of 3
    assert not result.loc["old", "persistent"]  # hot only before the window
    assert result.loc["old", "years_hot"] == 1 and result.loc["old", "hot_in_window"] == 0
    assert result.loc["run", "persistent"]
    assert result.loc["run", "hot_years"] == (2019, 2020, 2021, 2023)
    assert result.loc["run", "longest_run"] == 3
    assert result.loc["run", "current_run"] == 1
    assert result.loc["gap", "current_run"] == 2
    assert result.loc["two", "longest_run"] == 1
    assert not result.loc["z", "persistent"] and result.loc["z", "years_hot"] == 0
    assert not result.loc["c", "persistent"] and result.loc["c", "years_hot"] == 0  # cold
    assert (result["years_in_window"] == 3).all()
    # one more needed: 2 of 3 is no longer enough
    strict = hs.persistence(yearly, min_hot=3, window=3).set_index("lsoa_code")
    assert not strict.loc["two", "persistent"] and not strict.loc["gap", "persistent"]
    # most persistent first
    assert hs.persistence(yearly)["lsoa_code"].iloc[0] == "run"


def test_persistence_counts_missing_years_and_areas_as_not_hot():
    yearly = {
        2021: year(["a", "b"]),
        2023: year(["a"], others=[], cold=[]),
    }  # no 2022; b absent in 2023
    result = hs.persistence(yearly, min_hot=2, window=3).set_index("lsoa_code")
    assert result.loc["a", "persistent"]
    assert result.loc["a", "current_run"] == 1 and result.loc["a", "longest_run"] == 1
    assert not result.loc["b", "persistent"]
    assert result.loc["a", "years_in_window"] == 2
    with pytest.raises(ValueError, match="min_hot <= window"):
        hs.persistence(yearly, min_hot=4, window=3)
    with pytest.raises(ValueError, match="min_hot <= window"):
        hs.persistence(yearly, min_hot=0, window=3)
    h3_years = {2023: pd.DataFrame({"h3_cell": ["88"], "classification": [hs.HOT]})}
    assert hs.persistence(h3_years, min_hot=1, window=1)["h3_cell"].tolist() == ["88"]


# --- repeat locations -------------------------------------------------------------------------


def test_top_repeat_locations():
    rows = pd.DataFrame(
        {
            "longitude": [-2.5, -2.5, -2.5, -2.6, -2.6, -2.7, -2.7, None],
            "latitude": [51.4, 51.4, 51.4, 51.5, 51.5, 51.6, 51.6, 51.6],
            "location": [
                "On or near A",
                "On or near A",
                "On or near B",
                "On or near Parking Area",
                "On or near Parking Area",
                "On or near Parking Area",
                "On or near C",
                "x",
            ],
        }
    )
    top = hs.top_repeat_locations(rows, n=2)
    assert top["count"].tolist() == [3, 2]
    assert top["rank"].tolist() == [1, 2]
    assert top["longitude"].tolist() == [-2.5, -2.7]  # the tie at 2 goes to the smaller key
    # the label is the most frequent name at the point; a tie goes to the first alphabetically
    assert top["location"].tolist() == ["On or near A", "On or near C"]
    assert top["share"].iloc[0] == pytest.approx(3 / 7)
    assert top.attrs["without_location"] == 1
    # text alone merges different places that share a name
    by_name = hs.top_repeat_locations(rows[["location"]], n=1)
    assert by_name[["location", "count"]].values.tolist() == [["On or near Parking Area", 3]]
    with pytest.raises(ValueError, match="need longitude"):
        hs.top_repeat_locations(pd.DataFrame({"crime": [1]}))


# --- the real Avon and Somerset data ----------------------------------------------------------


@pytest.fixture(scope="module")
def violence_2019h1() -> pd.DataFrame:
    """Violence and sexual offences, January to June 2019, straight from the bundled files."""
    files = sorted(str(p) for p in AS_STREET.glob("2019-0[1-6]-*-street.csv.gz"))
    assert len(files) == 6
    return duckdb.sql(
        f"""
        SELECT "LSOA code" AS lsoa_code, "LSOA name" AS lsoa_name,
               TRY_CAST("Longitude" AS DOUBLE) AS longitude,
               TRY_CAST("Latitude" AS DOUBLE) AS latitude, "Location" AS location
        FROM read_csv({files}, all_varchar = true, header = true)
        WHERE "Crime type" = 'Violence and sexual offences'
        """
    ).df()


def test_avon_and_somerset_lsoas_smoke(violence_2019h1):
    boundary = build("ref_boundary").to_pandas()
    lsoa11 = boundary[boundary["level"] == "lsoa11"]
    counts = violence_2019h1["lsoa_code"].value_counts(dropna=False).reset_index()
    result = hs.lsoa_hotspots(counts, hs.feature_collection(lsoa11))
    assert len(result) == len(lsoa11) == 1005
    assert result["lsoa_code"].is_unique
    assert set(result["lsoa_code"]) == set(lsoa11["code"])
    # every crime is either counted in an LSOA or reported as unmatched
    assert result["count"].sum() + result.attrs["unmatched_count"] == len(violence_2019h1)
    # the busiest Bristol LSOAs by the raw counts (central Bristol: Broadmead, Cabot Circus,
    # the harbourside) come out hot
    bristol = violence_2019h1[violence_2019h1["lsoa_name"].str.startswith("Bristol ", na=False)]
    busiest = bristol["lsoa_code"].value_counts().head(3).index
    by_code = result.set_index("lsoa_code")
    assert (by_code.loc[busiest, "classification"] == hs.HOT).all()
    assert result["classification"].isin(hs.CLASSIFICATIONS).all()
    assert not result["island"].any()


def test_avon_and_somerset_h3_and_repeat_locations_smoke(violence_2019h1):
    # Resolution 7 (about 5 km2): at resolution 8 the 4,716 cells need about 99,999
    # permutations before the FDR can find anything (see the module docstring).
    result = hs.h3_hotspots(violence_2019h1, resolution=7)
    assert result["count"].sum() + result.attrs["dropped"] == len(violence_2019h1)
    located = violence_2019h1.dropna(subset=["latitude", "longitude"])
    cells = [
        h3.latlng_to_cell(lat, lon, 7)
        for lat, lon in zip(located["latitude"], located["longitude"], strict=True)
    ]
    busiest = pd.Series(cells).value_counts().index[0]
    assert h3.grid_distance(busiest, h3.latlng_to_cell(51.4545, -2.5879, 7)) <= 1  # Bristol
    assert result.set_index("h3_cell").loc[busiest, "classification"] == hs.HOT
    top = hs.top_repeat_locations(violence_2019h1, n=10)
    assert len(top) == 10 and top["count"].is_monotonic_decreasing


def test_feature_collection_from_reference_rows():
    rows = pd.DataFrame(
        {"code": ["A", "B"], "geometry_geojson": ['{"type":"Point","coordinates":[0,0]}'] * 2}
    )
    collection = json.loads(hs.feature_collection(rows))
    assert [f["properties"]["code"] for f in collection["features"]] == ["A", "B"]
