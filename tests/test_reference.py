"""Tests of svduty.reference against the raw bundled files, read independently (gzip + csv/json).

Figures written out here are published ones (ONS / Census 2021 / PROVENANCE.md), never figures
produced by the code under test.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow as pa
import pytest

from svduty import reference
from svduty.reference import forces, geography

DATA = Path(__file__).resolve().parents[1] / "src" / "svduty" / "data"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "reference.md"

AVON_AND_SOMERSET = "E23000036"
AVON_AND_SOMERSET_LAS = {
    "E06000022": "Bath and North East Somerset",
    "E06000023": "Bristol, City of",
    "E06000024": "North Somerset",
    "E06000025": "South Gloucestershire",
    "E06000066": "Somerset",
}
SOMERSET_DISTRICTS_2019 = {"E07000187", "E07000188", "E07000189", "E07000246"}
CENSUS_2021_EW_TOTAL = 59_597_114  # published: usual residents, England and Wales


# ------------------------------------------------------------------------------ raw readers


def raw_rows(relative: str) -> list[dict[str, str]]:
    with gzip.open(DATA / relative, "rt", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def raw_features(file: str) -> list[dict]:
    with gzip.open(DATA / "geography" / "boundaries" / file, "rt", encoding="utf-8") as f:
        return json.load(f)["features"]


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return reference.build_all()


@pytest.fixture(scope="module")
def census() -> list[dict[str, str]]:
    return raw_rows("population/census2021_LSOA21_usual_residents_by_age6_EW.csv.gz")


PER_PARTNERSHIP = ("ref_deprivation", "ref_rural_urban21")


@pytest.fixture(scope="module")
def lsoa_by_code(tables) -> dict[str, dict]:
    return {r["lsoa_code"]: r for r in tables["ref_lsoa"].to_pylist()}


# ----------------------------------------------------------------------------- registry, schema


def test_registry_names_and_order():
    assert list(reference.TABLES) == list(reference.SCHEMAS)
    assert set(reference.TABLES) == set(reference.SOURCES)
    for files in reference.SOURCES.values():
        for relative in files:
            assert reference.data_path(*relative.split("/")).is_file(), relative


@pytest.mark.parametrize("name", list(reference.TABLES))
def test_every_table_matches_its_schema(tables, name):
    reference.validate(name, tables[name])
    # the national deprivation and rural-urban rows are added per partnership at load
    assert tables[name].num_rows > 0 or name in PER_PARTNERSHIP


def test_validate_rejects_wrong_tables(tables):
    good = tables["ref_police_force"]
    with pytest.raises(reference.ReferenceDataError, match="missing"):
        reference.validate("ref_police_force", good.drop_columns(["police_uk_name"]))
    with pytest.raises(reference.ReferenceDataError, match="pfa_code"):
        reference.validate(
            "ref_police_force", good.set_column(0, "pfa_code", pa.array(range(good.num_rows)))
        )
    with pytest.raises(reference.ReferenceDataError, match="order"):
        reference.validate("ref_police_force", good.select(list(reversed(good.column_names))))


def test_data_path_points_into_the_package():
    path = reference.data_path("geography", "la_all_codes.csv.gz")
    assert path.is_file()
    assert path.resolve() == (DATA / "geography" / "la_all_codes.csv.gz").resolve()


# ----------------------------------------------------------------------------------- ref_lsoa


def test_lsoa_covers_both_vintages_once(tables, census):
    lsoa11 = {r["LSOA11CD"] for r in raw_rows("geography/LSOA11_to_WD19_to_LAD19_lookup_EW.csv.gz")}
    lsoa21 = {r["lsoa21_code"] for r in census}
    table = tables["ref_lsoa"]
    codes = table.column("lsoa_code").to_pylist()
    assert len(codes) == len(set(codes)) == len(lsoa11 | lsoa21)
    rows = table.to_pylist()
    assert {r["lsoa_code"] for r in rows if r["in_2011"]} == lsoa11
    assert {r["lsoa_code"] for r in rows if r["in_2021"]} == lsoa21
    assert all(r["la_code"] and r["pfa_code"] and r["lad_code"] for r in rows)
    assert all((r["ward19_code"] is None) == (not r["in_2011"]) for r in rows)
    assert all((r["lad22_code"] is None) == (not r["in_2021"]) for r in rows)


def test_avon_and_somerset_lsoa11s_roll_up_to_five_current_las(lsoa_by_code):
    features = raw_features("avon_somerset_LSOA11_boundaries.geojson.gz")
    boundary_la = {f["properties"]["LSOA11CD"]: f["properties"]["LADCD_ACTIVE"] for f in features}
    ours = {
        code: r
        for code, r in lsoa_by_code.items()
        if r["in_2011"] and r["pfa_code"] == AVON_AND_SOMERSET
    }
    assert len(ours) == 1005
    assert set(ours) == set(boundary_la)
    assert {r["la_code"]: r["la_name"] for r in ours.values()} == AVON_AND_SOMERSET_LAS
    assert all(r["la_code"] == boundary_la[code] for code, r in ours.items())
    assert {r["pfa_name"] for r in ours.values()} == {"Avon and Somerset"}


def test_avon_and_somerset_lsoa21s_match_the_boundary_file(lsoa_by_code):
    features = raw_features("avon_somerset_LSOA21_boundaries.geojson.gz")
    for f in features:
        row = lsoa_by_code[f["properties"]["LSOA21CD"]]
        assert row["in_2021"]
        assert row["la_code"] == f["properties"]["LADCD_ACTIVE"]
        assert row["pfa_code"] == AVON_AND_SOMERSET
    in_force = {
        c for c, r in lsoa_by_code.items() if r["in_2021"] and r["pfa_code"] == AVON_AND_SOMERSET
    }
    assert in_force == {f["properties"]["LSOA21CD"] for f in features}


def test_somerset_districts_roll_up(tables, lsoa_by_code):
    somerset = [r for r in lsoa_by_code.values() if r["la_code"] == "E06000066"]
    assert {r["lad_code"] for r in somerset if r["in_2011"]} == SOMERSET_DISTRICTS_2019
    assert {r["la_name"] for r in somerset} == {"Somerset"}
    assert {r["csp_code"] for r in somerset} == {"E22000369"}
    history = {r["lad_code"]: r for r in tables["ref_la_history"].to_pylist()}
    for code in SOMERSET_DISTRICTS_2019 | {"E07000190", "E07000191"}:
        assert history[code]["la_code"] == "E06000066"
        assert not history[code]["is_current"]


def test_lsoa21s_missing_from_the_lookup_are_placed_by_name(lsoa_by_code, census):
    in_lookup = {
        r["LSOA21CD"] for r in raw_rows("geography/LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz")
    }
    names = {r["lsoa21_code"]: r["lsoa21_name"] for r in census}
    by_name = {code: name for code, name in names.items() if code not in in_lookup}
    assert len(by_name) == 35_672 - 34_628  # published counts: all LSOA21s, those in the lookup
    for code, name in by_name.items():
        row = lsoa_by_code[code]
        assert name == f"{row['lad22_name']} {name[-4:]}"
        assert row["lsoa21_name"] == name


def test_lsoa_wards_ruc_and_centroids_come_from_the_raw_files(lsoa_by_code):
    for r in raw_rows("geography/LSOA11_to_WD19_to_LAD19_lookup_EW.csv.gz"):
        row = lsoa_by_code[r["LSOA11CD"]]
        assert (row["lsoa_name"], row["ward19_code"], row["lad_code"]) == (
            r["LSOA11NM"],
            r["WD19CD"],
            r["LAD19CD"],
        )
    for r in raw_rows("geography/LSOA11_Rural_Urban_Classification_2011_EW.csv.gz"):
        assert lsoa_by_code[r["LSOA11CD"]]["ruc11_code"] == r["RUC11CD"]
    for r in raw_rows("geography/LSOA11_population_weighted_centroids_EW.csv.gz"):
        row = lsoa_by_code[r["lsoa11cd"]]
        assert row["centroid_lon"] == pytest.approx(float(r["X"]))
        assert row["centroid_lat"] == pytest.approx(float(r["Y"]))
    for row in lsoa_by_code.values():
        if not row["in_2011"]:
            assert row["centroid_lon"] is None and row["ruc11_code"] is None
        if row["in_2021"]:
            assert row["centroid21_bng_x"] is not None


def test_lsoa11_lsoa21_is_the_lookup_as_is(tables):
    raw = {
        (r["LSOA11CD"], r["LSOA21CD"], r["LAD22CD"])
        for r in raw_rows("geography/LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz")
    }
    t = tables["ref_lsoa11_lsoa21"]
    ours = set(
        zip(
            t.column("lsoa11_code").to_pylist(),
            t.column("lsoa21_code").to_pylist(),
            t.column("lad22_code").to_pylist(),
            strict=True,
        )
    )
    assert t.num_rows == len(raw) and ours == raw


# --------------------------------------------------------------------- local authorities, forces


def test_local_authorities_are_the_current_ones_of_england_and_wales(tables):
    raw = raw_rows("geography/la_all_codes.csv.gz")
    current = {r["LADCD"] for r in raw if r["LADCD"] == r["LADCD_ACTIVE"] and r["LADCD"][0] in "EW"}
    t = tables["ref_local_authority"]
    assert set(t.column("la_code").to_pylist()) == current
    assert t.num_rows == len(current)
    assert sum(t.column("population_2021").to_pylist()) == CENSUS_2021_EW_TOTAL
    history = tables["ref_la_history"]
    assert history.num_rows == len(raw)


def test_local_authority_somerset_and_bristol(tables, census):
    las = {r["la_code"]: r for r in tables["ref_local_authority"].to_pylist()}
    somerset = las["E06000066"]
    assert (somerset["pfa_code"], somerset["csp_code"]) == (AVON_AND_SOMERSET, "E22000369")
    assert somerset["region_name"] == "South West"
    young_bands = {"Aged 15 years and under", "Aged 16 to 24 years"}
    bristol_young = sum(
        int(r["usual_residents"])
        for r in census
        if r["lsoa21_name"].startswith("Bristol") and r["age_group"] in young_bands
    )
    assert las["E06000023"]["population_2021_under_25"] == bristol_young
    assert {c for c, r in las.items() if r["pfa_code"] == AVON_AND_SOMERSET} == set(
        AVON_AND_SOMERSET_LAS
    )


def test_local_authority_population_matches_boundary_lsoas(tables, census):
    la_of = {
        f["properties"]["LSOA21CD"]: f["properties"]["LADCD_ACTIVE"]
        for f in raw_features("avon_somerset_LSOA21_boundaries.geojson.gz")
    }
    expected: Counter[str] = Counter()
    for r in census:
        if r["lsoa21_code"] in la_of:
            expected[la_of[r["lsoa21_code"]]] += int(r["usual_residents"])
    las = {r["la_code"]: r for r in tables["ref_local_authority"].to_pylist()}
    assert {c: las[c]["population_2021"] for c in expected} == dict(expected)


def test_every_pfa_has_a_police_uk_force(tables):
    pfas = {
        r["PFA19CD"]: r["PFA19NM"]
        for r in raw_rows("geography/LAD19_to_CSP19_to_PFA19_lookup_EW.csv.gz")
    }
    assert len(pfas) == 43
    rows = tables["ref_police_force"].to_pylist()
    assert len(rows) == 45
    assert {r["pfa_code"]: r["pfa_name"] for r in rows if r["pfa_code"]} == pfas
    slugs = {r["police_uk_slug"]: r for r in rows}
    assert slugs["btp"]["pfa_code"] is None and not slugs["btp"]["territorial"]
    assert slugs["northern-ireland"]["police_uk_name"] == "Police Service of Northern Ireland"
    assert slugs["devon-and-cornwall"]["police_uk_name"] == "Devon & Cornwall Police"
    assert slugs["city-of-london"]["pfa_name"] == "London, City of"
    # the PFA23 boundaries carry the same 43 codes and names
    boundary = {
        f["properties"]["PFA23CD"]: f["properties"]["PFA23NM"]
        for f in raw_features("PFA23_EW_BUC.geojson.gz")
    }
    assert boundary == pfas


def test_avon_and_somerset_name_is_what_police_uk_files_use(tables):
    street = (
        DATA
        / "police_uk"
        / "street"
        / "avon-and-somerset"
        / "2018-01-avon-and-somerset-street.csv.gz"
    )
    with gzip.open(street, "rt", encoding="utf-8-sig", newline="") as f:
        reported = {(r["Reported by"], r["Falls within"]) for r in csv.DictReader(f)}
    row = next(
        r for r in tables["ref_police_force"].to_pylist() if r["pfa_code"] == AVON_AND_SOMERSET
    )
    assert reported == {(row["police_uk_name"], row["police_uk_name"])}
    assert row["police_uk_slug"] == street.parent.name


def test_forces_raise_when_a_pfa_is_not_matched(monkeypatch):
    monkeypatch.setattr(forces, "FORCES", forces.FORCES[1:])
    with pytest.raises(reference.ReferenceDataError, match="Avon and Somerset"):
        forces.police_force()


def test_authorities_raise_when_constituents_disagree_on_pfa(monkeypatch):
    raw = geography.lad19_csp_pfa_raw()
    codes = raw.column("pfa_code").to_pylist()
    lads = raw.column("lad19_code").to_pylist()
    codes[lads.index("E07000187")] = "E23000035"  # Mendip into Devon & Cornwall
    broken = raw.set_column(raw.column_names.index("pfa_code"), "pfa_code", pa.array(codes))
    monkeypatch.setattr(geography, "lad19_csp_pfa_raw", lambda: broken)
    with pytest.raises(reference.ReferenceDataError, match="E06000066"):
        geography.authorities()


def test_unplaceable_lsoa21_raises(monkeypatch):
    names = geography.lsoa21_names()
    names["E01999999"] = "Atlantis 001A"
    monkeypatch.setattr(geography, "lsoa21_names", lambda: names)
    geography._lsoa21_districts.cache_clear()
    try:
        with pytest.raises(reference.ReferenceDataError, match="E01999999"):
            geography.lsoa21_districts()
    finally:
        monkeypatch.undo()
        geography._lsoa21_districts.cache_clear()


# --------------------------------------------------------------------------------- population


def test_census_population(tables, census):
    t = tables["ref_population"]
    assert t.num_rows == len(census)
    assert sum(int(r["usual_residents"]) for r in census) == CENSUS_2021_EW_TOTAL
    assert sum(t.column("residents").to_pylist()) == CENSUS_2021_EW_TOTAL
    bands = Counter(t.column("lsoa21_code").to_pylist())
    assert set(bands.values()) == {6}
    rows = t.to_pylist()
    first = {r["age_band_order"]: r for r in rows[:6]}
    assert [first[i]["age_min"] for i in range(1, 7)] == [0, 16, 25, 35, 50, 65]
    assert [first[i]["age_max"] for i in range(1, 7)] == [15, 24, 34, 49, 64, None]
    assert [first[i]["under_25"] for i in range(1, 7)] == [True, True] + [False] * 4
    assert first[1]["age_band"] == "Aged 15 years and under"
    assert {r["source"] for r in rows} == {"Census 2021"}
    raw = {(r["lsoa21_code"], r["age_group"]): int(r["usual_residents"]) for r in census}
    assert {(r["lsoa21_code"], r["age_band"]): r["residents"] for r in rows} == raw


def test_population_lsoa11(tables):
    sape = raw_rows("population/ONS_SAPE21DT11_mid2018_LSOA11_population_density_EW.csv.gz")
    file6 = raw_rows("imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz")
    t = tables["ref_population_lsoa11"]
    rows = {r["lsoa11_code"]: r for r in t.to_pylist()}
    assert len(rows) == len(sape) == t.num_rows
    assert sum(r["population_mid2018"] for r in rows.values()) == sum(
        int(r["mid_2018_population"]) for r in sape
    )
    total_2015 = "Total population: mid 2015 (excluding prisoners)"
    for r in file6:
        assert rows[r["LSOA code (2011)"]]["population_mid2015"] == int(
            r[total_2015].replace(",", "")
        )
    assert rows["E01000001"]["population_mid2015"] == 1296  # "1,296" in the file
    welsh = [r for c, r in rows.items() if c.startswith("W")]
    assert welsh and all(r["population_mid2015"] is None for r in welsh)
    assert all(
        r["population_mid2015_0_15"]
        + r["population_mid2015_16_59"]
        + r["population_mid2015_60_plus"]
        == r["population_mid2015"]
        for r in rows.values()
        if r["population_mid2015"] is not None
    )


# ---------------------------------------------------------------------------------------- IMD


def test_imd2019_matches_file_2(tables):
    with gzip.open(
        DATA / "imd2019" / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz",
        "rt",
        encoding="utf-8-sig",
        newline="",
    ) as f:
        reader = csv.reader(f)
        header = next(reader)
        raw = {row[0]: row for row in reader}
    t = tables["ref_imd2019"]
    assert t.num_rows == len(raw) == 32_844
    rows = {r["lsoa11_code"]: r for r in t.to_pylist()}
    # File 2 columns: code, name, LAD code, LAD name, then (rank, decile) for IMD and 7 domains
    ours = ["imd", "income", "employment", "education", "health", "crime", "barriers"]
    ours.append("living_environment")
    assert len(header) == 4 + 2 * len(ours)
    for code, row in raw.items():
        mine = rows[code]
        assert (mine["lsoa11_name"], mine["lad19_code"]) == (row[1], row[2])
        for i, key in enumerate(ours):
            assert mine[f"{key}_rank"] == int(row[4 + 2 * i])
            assert mine[f"{key}_decile"] == int(row[5 + 2 * i])
    # ranks run 1..32,844; File 2 has a few tied ranks (equal scores), so they are not a permutation
    ranks = [r["imd_rank"] for r in rows.values()]
    assert min(ranks) == 1 and max(ranks) == 32_844


# -------------------------------------------------------------------------------- boundaries


def test_boundary_counts_and_geometry(tables):
    t = tables["ref_boundary"]
    levels = Counter(t.column("level").to_pylist())
    files = {
        "lsoa11": ("avon_somerset_LSOA11_boundaries.geojson.gz", 1005),
        "lsoa21": ("avon_somerset_LSOA21_boundaries.geojson.gz", 1038),
        "msoa11": ("avon_somerset_MSOA11_boundaries.geojson.gz", 211),
        "ward25": ("avon_somerset_WD25_ward_boundaries.geojson.gz", 185),
        "la22": ("LAD22_UK_BUC.geojson.gz", 374),
        "pfa23": ("PFA23_EW_BUC.geojson.gz", 43),
    }
    for level, (file, published) in files.items():
        assert levels[level] == len(raw_features(file)) == published, level
    assert set(levels) == set(files)
    rows = t.to_pylist()
    codes = defaultdict(set)
    for r in rows:
        geometry = json.loads(r["geometry_geojson"])
        assert geometry["type"] in {"Polygon", "MultiPolygon"}
        assert geometry["coordinates"]
        codes[r["level"]].add(r["code"])
        if r["level"] in {"lsoa11", "lsoa21", "msoa11", "ward25"}:
            assert r["la_code"] in AVON_AND_SOMERSET_LAS
        if r["level"] == "pfa23":
            assert r["la_code"] is None
    assert sum(len(c) for c in codes.values()) == len(rows)
    la22 = {r["code"]: r["la_code"] for r in rows if r["level"] == "la22"}
    assert {la22[c] for c in ("E07000187", "E07000188", "E07000189", "E07000246")} == {"E06000066"}


# --------------------------------------------------------------------------------------- docs


def test_docs_describe_every_table():
    text = DOCS.read_text(encoding="utf-8")
    for name in reference.TABLES:
        assert f"`{name}`" in text, name
        assert reference.schema_markdown(name) in text, f"{name}: regenerate its column table"
        for relative in reference.SOURCES[name]:
            assert relative in text, relative
    assert reference.ATTRIBUTION in text
    assert reference.ATTRIBUTION_BOUNDARIES in text
    assert "https://data.police.uk/api/forces" in text


def test_one_denominator_per_level_read_from_a_real_reference_column():
    from svduty.reference import arrow_schema
    from svduty.reference.population import DENOMINATORS, denominator

    for level, d in DENOMINATORS.items():
        assert d.level == level and denominator(level) is d
        names = arrow_schema(d.table).names
        assert d.column in names, level
        assert d.under_25_column is None or d.under_25_column in names, level
        assert d.label in d.source  # the heading's short name is the one the line gives
    # areas made of 2021 LSOAs: Census 2021; the 2011 LSOA geography: mid-2018
    census = {lv for lv, d in DENOMINATORS.items() if d.label == "Census 2021"}
    assert census == {"la", "pfa", "decile_2021", "urban_rural", "ward24"}
    assert "aged 0 to 24" in denominator("la").describe(under_25=True)
    with pytest.raises(ValueError, match="no under-25 population"):
        denominator("lsoa").describe(under_25=True)
    with pytest.raises(ValueError, match="expected one of"):
        denominator("county")
