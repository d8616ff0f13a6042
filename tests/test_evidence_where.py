"""svduty.analysis.evidence.where: counts and rates per LSOA, ward and local authority reconcile
with the raw police.uk files (read with the csv module, placed with ref_lsoa read directly); rates
use their level's one denominator (mid-2018 for 2011 LSOAs and wards, Census 2021 for local
authorities, as every other path computing a local authority's rate does) and person-years; rows
with no location or outside the force area are counted on their own, and hotspots run on the real
data."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from conftest import AS_STREET
from svduty.analysis import hotspots, police_summary
from svduty.analysis.evidence import where
from svduty.analysis.measures import Geography, load
from svduty.analysis.stats import crude_rates
from svduty.reference.population import denominator
from svduty.warehouse import connect
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.reference_load import load_reference

PFA = "E23000036"
MONTHS = ["2018-01", "2018-02", "2018-03"]
VIOLENCE = "Violence and sexual offences"
MEASURE = "police-uk-violence"


def files(months):
    return [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in months]


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("evidence_where") / "w.duckdb"
    warehouse = connect(f"duckdb:///{path}")
    load_reference(warehouse, loaded_by="test")
    ingest_police_uk(warehouse, files(MONTHS), loaded_by="test")
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def raw_rows():
    """Every row of the raw files, read with the csv module."""
    rows = []
    for path in files(MONTHS):
        text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
        rows += list(csv.DictReader(io.StringIO(text)))
    return rows


@pytest.fixture(scope="module")
def ref(wh):
    """ref_lsoa and the mid-2018 populations, read directly (not through the code under test)."""
    lsoa = wh.table("ref_lsoa").execute()
    pop = wh.table("ref_population_lsoa11").execute()
    # May 2024 wards from the bundled ONS best-fit lookups: 2021 codes directly, 2011 codes
    # through their best-fit 2021 LSOA
    geo = Path(__file__).resolve().parent.parent / "src/svduty/data/geography"
    wards = pd.read_csv(geo / "lookup_lsoa21_ward24_ltla24.csv.gz")
    ward24 = dict(zip(wards["lsoa21_code"], wards["ward24_code"], strict=True))
    best = pd.read_csv(geo / "LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz")
    for a, b in zip(best["LSOA11CD"], best["LSOA21CD"], strict=True):
        ward24.setdefault(a, ward24.get(b))
    return {
        "ward24": ward24,
        "pfa": dict(zip(lsoa["lsoa_code"], lsoa["pfa_code"], strict=True)),
        "la": dict(zip(lsoa["lsoa_code"], lsoa["la_code"], strict=True)),
        "ward": dict(zip(lsoa["lsoa_code"], lsoa["ward19_code"], strict=True)),
        "force_2011": set(lsoa[(lsoa["pfa_code"] == PFA) & lsoa["in_2011"]]["lsoa_code"]),
        "pop": dict(zip(pop["lsoa11_code"], pop["population_mid2018"], strict=True)),
    }


@pytest.fixture(scope="module")
def counts(wh):
    return where.measure_counts(wh, MEASURE, PFA, years=[2018])


@pytest.fixture(scope="module")
def levels(wh, counts):
    return {
        level: where.area_rates(wh, MEASURE, PFA, level, counts=counts) for level in where.LEVELS
    }


def raw_by_lsoa(rows, crime_type=VIOLENCE) -> Counter:
    return Counter(r["LSOA code"] or None for r in rows if r["Crime type"] == crime_type)


def test_counts_per_lsoa_ward_and_la_reconcile_with_the_raw_files(levels, raw_rows, ref):
    raw = raw_by_lsoa(raw_rows)
    inside = {c: n for c, n in raw.items() if c and ref["pfa"].get(c) == PFA}
    expected = {
        "lsoa": Counter(inside),
        "ward": Counter(),
        "ward24": Counter(),
        "la": Counter(),
    }
    for code, n in inside.items():
        expected["ward"][ref["ward"][code]] += n
        expected["ward24"][ref["ward24"][code]] += n
        expected["la"][ref["la"][code]] += n
    for level, result in levels.items():
        got = dict(zip(result.frame["area_code"], result.frame["count"], strict=True))
        nonzero = {k: int(v) for k, v in got.items() if v}
        assert nonzero == dict(expected[level]), level
        assert result.total == sum(raw.values())
        assert int(result.frame["count"].sum()) + int(result.not_placed["count"].sum()) == (
            sum(raw.values())
        )
    # every area of the level is listed, with zero when it had no events
    assert len(levels["lsoa"].frame) == len(ref["force_2011"]) == 1005
    assert set(levels["lsoa"].frame["area_code"]) == ref["force_2011"]
    assert len(levels["la"].frame) == 5
    assert len(levels["ward"].frame) == len({ref["ward"][c] for c in ref["force_2011"]})


def test_rows_with_no_location_or_outside_the_force_are_counted_on_their_own(levels, raw_rows, ref):
    raw = raw_by_lsoa(raw_rows)
    outside = {c: n for c, n in raw.items() if c and ref["pfa"].get(c) not in (PFA, None)}
    unknown = {c: n for c, n in raw.items() if c and c not in ref["pfa"]}
    assert raw[None] > 0 and outside  # the real files have both
    for result in levels.values():
        by = result.not_placed_by_category()
        assert by[where.NO_LOCATION] == raw[None]
        assert by[where.OUTSIDE] == sum(outside.values())
        assert by.get(where.UNKNOWN_CODE, 0) == sum(unknown.values())
        listed = result.not_placed[result.not_placed["category"] == where.OUTSIDE]
        assert dict(zip(listed["lsoa_code"], listed["count"], strict=True)) == outside


def test_rates_use_the_mid_2018_population_over_the_months_covered(levels, counts, ref, raw_rows):
    # three months of 2018: nine months missing, a quarter of a year of exposure
    assert counts.months_covered == tuple(MONTHS)
    assert len(counts.months_missing) == 9 and counts.months_missing[0] == "2018-04"
    assert any("9 month(s)" in c for c in levels["la"].caveats)
    raw = raw_by_lsoa(raw_rows)
    lsoa = levels["lsoa"].frame.set_index("area_code")
    code = max((c for c in raw if c in ref["force_2011"]), key=lambda c: raw[c])
    population = ref["pop"][code]
    assert lsoa.loc[code, "population"] == population
    assert lsoa.loc[code, "person_years"] == pytest.approx(population * 3 / 12)
    # per 1,000 residents per year (the measure's multiplier)
    assert lsoa.loc[code, "rate"] == pytest.approx(raw[code] / (population / 4) * 1000)
    # Byar's lower limit, by hand (docs/sources.md, "Rates and intervals"), for a count >= 10
    o = raw[code]
    assert o >= 10
    byar = o * (1 - 1 / (9 * o) - 1.959963984540054 / (3 * math.sqrt(o))) ** 3
    assert lsoa.loc[code, "lower_95"] == pytest.approx(byar / (population / 4) * 1000)
    assert levels["lsoa"].denominator == denominator("lsoa").source
    assert "mid-2018" in levels["lsoa"].denominator and "mid-2018" in levels["ward"].denominator


def test_every_local_authority_rate_uses_the_census_2021_residents(wh, levels, raw_rows, ref):
    # Census 2021 residents of Bristol, read from the reference directly (not the code under test)
    las = wh.table("ref_local_authority").execute().set_index("la_code")
    bristol = "E06000023"
    census = int(las.loc[bristol, "population_2021"])
    raw = raw_by_lsoa(raw_rows)
    count = sum(
        n for c, n in raw.items() if c and ref["pfa"].get(c) == PFA and ref["la"][c] == bristol
    )
    # the needs assessment's "where" (three months: a quarter of a year of exposure)
    la = levels["la"].frame.set_index("area_code")
    assert la.loc[bristol, "population"] == census
    assert la.loc[bristol, "rate"] == pytest.approx(count / (census / 4) * 1000)
    assert levels["la"].denominator == denominator("la").source
    assert "Census 2021" in levels["la"].denominator
    # the success measures and the dashboard
    geo = Geography.load(wh, PFA, "avon-and-somerset")
    assert geo.population(bristol, under_25=False) == census
    # the first summary (`svduty load` prints it): per 1,000, not annualised
    summary = police_summary.violence_summary(wh, force="avon-and-somerset", pfa_code=PFA)
    row = next(
        r for r in summary
        if r["area_code"] == bristol and r["year"] == 2018 and r["crime_type"] == VIOLENCE
    )  # fmt: skip
    assert (row["count"], row["population"]) == (count, census)
    assert row["rate_per_1000"] == pytest.approx(1000 * count / census, abs=0.005)


def test_rates_from_fewer_than_ten_events_are_marked_unstable(levels):
    frame = levels["lsoa"].frame
    small = frame[frame["count"] < 10]
    large = frame[frame["count"] >= 10]
    assert len(small) and len(large)
    assert small["unstable"].all() and not large["unstable"].any()
    assert set(small["rate_method"]) == {"Exact"} and set(large["rate_method"]) == {"Byars"}
    # the exact interval is kept (the rates convention), and matches crude_rates
    row = small.iloc[0]
    expected = crude_rates([row["count"]], [row["person_years"]], 1000).iloc[0]
    assert row["upper_95"] == pytest.approx(expected["upper95_0cl"])
    assert any("fewer than 10" in c for c in levels["lsoa"].caveats)


def test_results_carry_provenance_and_serialise(levels, wh):
    for result in levels.values():
        d = json.loads(json.dumps(result.as_dict()))
        assert d["source"] == "police_uk_street"
        assert d["definition_version"] is None  # police.uk measures take no local definition
        assert d["synthetic"] is False
        assert d["caveats"] and d["measure"] == MEASURE
        assert d["placed"] + sum(d["not_placed_by_category"].values()) == d["total"]
    # a Measure object works as well as its id
    measure = load().get(MEASURE)
    same = where.area_rates(wh, measure, PFA, "la", years=[2018])
    assert same.frame["count"].tolist() == levels["la"].frame["count"].tolist()


def test_a_measure_without_locations_or_a_year_without_data_is_refused(wh):
    with pytest.raises(ValueError, match="no record-level locations"):
        where.measure_counts(wh, "knife-police-published", PFA)
    with pytest.raises(ValueError, match="no police_uk_street data for 2030"):
        where.measure_counts(wh, MEASURE, PFA, years=[2030])
    with pytest.raises(ValueError, match="level must be"):
        where.area_rates(wh, MEASURE, PFA, "msoa")


def test_lsoa_hotspots_run_on_real_data_with_one_row_per_lsoa(wh, counts, ref):
    result = where.lsoa_hotspots_by_year(wh, MEASURE, PFA, counts=counts, permutations=999)
    assert result.available and set(result.by_year) == {2018}
    frame = result.by_year[2018]
    boundary = wh.table("ref_boundary").execute()
    lsoa11 = set(boundary[boundary["level"] == "lsoa11"]["code"])
    assert len(frame) == len(lsoa11) == 1005
    assert set(frame["lsoa_code"]) == lsoa11
    assert set(frame["classification"]) <= set(hotspots.CLASSIFICATIONS)
    details = result.details[2018]
    assert details["boundaries"] == "lsoa11" and details["months_covered"] == 3
    # everything counted is in an LSOA of the map or among the unmatched rows
    assert int(frame["count"].sum()) + details["unmatched_count"] == counts.total
    assert (frame["q_value"].dropna() >= frame["p_value"].dropna() - 1e-12).all()
    summary = result.summary()
    assert summary["areas"].tolist() == [1005]
    persistence = where.hotspot_persistence(result)
    assert len(persistence.frame) == 1005
    assert persistence.window_years == (2016, 2017, 2018)
    assert any("2016, 2017" in c for c in persistence.caveats)
    json.dumps(result.as_dict())
    json.dumps(persistence.as_dict())


def test_h3_hotspots_use_the_snap_points(wh, raw_rows):
    result = where.h3_hotspots_by_year(
        wh, MEASURE, PFA, years=[2018], resolution=7, permutations=999
    )
    assert result.available
    frame = result.by_year[2018]
    violence = [r for r in raw_rows if r["Crime type"] == VIOLENCE]
    located = [r for r in violence if r["Longitude"]]
    assert int(frame["count"].sum()) == len(located)
    assert result.details[2018]["dropped"] == len(violence) - len(located)
    assert frame["h3_cell"].is_unique
    json.dumps(result.as_dict())


def test_repeat_locations_are_snap_points_with_their_text(wh, raw_rows):
    result = where.repeat_locations(wh, MEASURE, PFA, years=[2018], n=5)
    violence = [r for r in raw_rows if r["Crime type"] == VIOLENCE]
    points = Counter(
        (float(r["Longitude"]), float(r["Latitude"])) for r in violence if r["Longitude"]
    )
    top = result.frame.iloc[0]
    assert top["count"] == max(points.values())
    assert points[(top["longitude"], top["latitude"])] == top["count"]
    assert top["location"].startswith("On or near")
    assert result.without_location == sum(1 for r in violence if not r["Longitude"])
    assert any("snap point" in c for c in result.caveats)
    json.dumps(result.as_dict())


def answers(warehouse) -> tuple:
    from svduty.analysis.evidence import inequality

    wards = where.area_rates(warehouse, MEASURE, PFA, "ward")
    deciles = inequality.deprivation(warehouse, MEASURE, PFA)
    repeat = where.repeat_locations(warehouse, MEASURE, PFA, n=3)
    return (
        wards.as_dict()["areas"],
        wards.not_placed_by_category(),
        deciles.as_dict()["deciles"],
        deciles.as_dict()["gradient"],
        repeat.as_dict()["locations"],
    )


@pytest.mark.postgres
def test_postgres_gives_the_same_answers_as_duckdb(pg_url, wh):
    warehouse = connect(pg_url)
    try:
        load_reference(warehouse, loaded_by="test")
        ingest_police_uk(warehouse, files(MONTHS), loaded_by="test")
        on_pg = answers(warehouse)
    finally:
        warehouse.close()
    on_duck = answers(wh)
    assert on_pg == on_duck
    assert sum(a["count"] for a in on_pg[0]) > 0
