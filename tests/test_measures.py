"""The measures: counts reconcile with the raw files and the warehouse, rates and intervals
follow the published formulas, incomplete periods are withheld, and suppressed counts stay
suppressed."""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections import Counter

import pytest
from scipy import stats

from conftest import AS_STREET
from svduty.analysis.measures import Geography, compute, load
from svduty.analysis.measures.catalogue import CatalogueError
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.reference_load import load_reference

PFA = "E23000036"
SOMERSET = "E06000066"
MONTHS_2018 = [f"2018-{m:02d}" for m in range(1, 13)] + ["2019-06", "2019-08"]


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A warehouse with the reference tables, 2018 and two 2019 months of police.uk."""
    path = tmp_path_factory.mktemp("measures") / "w.duckdb"
    wh = connect(f"duckdb:///{path}")
    load_reference(wh, loaded_by="test")
    files = [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in MONTHS_2018]
    ingest_police_uk(wh, files, loaded_by="test")
    yield wh
    wh.close()


def raw(crime_type: str, months) -> Counter:
    """Counts by LSOA from the raw files, read with the csv module."""
    counts: Counter = Counter()
    for m in months:
        text = gzip.decompress(
            (AS_STREET / f"{m}-avon-and-somerset-street.csv.gz").read_bytes()
        ).decode("utf-8-sig")
        for row in csv.DictReader(io.StringIO(text)):
            if row["Crime type"] == crime_type:
                counts[row["LSOA code"] or None] += 1
    return counts


def rows_for(wh, measure, **kw):
    geo = Geography.load(wh, PFA, "avon-and-somerset")
    return compute(wh, load(), geo, measure_ids=[measure], **kw)


def pick(rows, area, period, period_type="calendar_year"):
    (row,) = [
        r
        for r in rows
        if r["area_code"] == area and r["period"] == period and r["period_type"] == period_type
    ]
    return row


def test_police_uk_counts_reconcile_with_the_raw_files(filled):
    rows = rows_for(filled, "police-uk-robbery")
    counts = raw("Robbery", MONTHS_2018[:12])
    force = pick(rows, PFA, "2018")
    assert force["count"] == sum(counts.values())
    # the local authorities plus the rows not placed in one make up the force area
    las = [pick(rows, la, "2018") for la in
           ("E06000022", "E06000023", "E06000024", "E06000025", SOMERSET)]  # fmt: skip
    assert sum(r["count"] for r in las) + force["not_placed"] == force["count"]
    assert force["not_placed"] >= counts[None]


def test_every_area_has_every_covered_month_counted_from_the_raw_files_zero_when_none(filled):
    # Each local authority's count in each month recounted from the raw files through the
    # reference LSOA lookup; an authority with no robbery in a covered month counts zero (a
    # row, not a gap), and no period outside the covered months appears.
    rows = rows_for(filled, "police-uk-robbery", period_types=("month", "quarter"))
    geo = Geography.load(filled, PFA, "avon-and-somerset")
    las = ("E06000022", "E06000023", "E06000024", "E06000025", SOMERSET)
    got = {(r["area_code"], r["period"]) for r in rows if r["period_type"] == "month"}
    assert got == {(a, m) for a in (PFA, *las) for m in MONTHS_2018}
    quarters = {r["period"] for r in rows if r["period_type"] == "quarter"}
    assert quarters == {"2018 Q1", "2018 Q2", "2018 Q3", "2018 Q4", "2019 Q2", "2019 Q3"}
    for month in MONTHS_2018:
        counts = raw("Robbery", [month])
        by_la: Counter = Counter()
        for lsoa, n in counts.items():
            if lsoa in geo.lsoa_la:
                by_la[geo.lsoa_la[lsoa]] += n
        assert pick(rows, PFA, month, "month")["count"] == sum(counts.values())
        for la in las:
            assert pick(rows, la, month, "month")["count"] == by_la[la], (la, month)
    # a 2019 quarter with one covered month of three: counted, marked incomplete
    q = pick(rows, PFA, "2019 Q2", "quarter")
    assert q["months_covered"] == 1 and q["complete"] is False


def test_rate_and_interval_follow_byar_from_the_census_population(filled):
    row = pick(rows_for(filled, "police-uk-robbery"), SOMERSET, "2018")
    population = int(
        filled.table("ref_local_authority")
        .filter(lambda t: t.la_code == SOMERSET)
        .population_2021.execute()
        .iloc[0]
    )
    o = row["count"]
    assert row["denominator"] == population
    assert row["rate"] == pytest.approx(o / population * 1000, rel=1e-9)
    z = stats.norm.ppf(0.975)
    byar_lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    byar_upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    assert row["lower_95"] == pytest.approx(byar_lower / population * 1000, rel=1e-6)
    assert row["upper_95"] == pytest.approx(byar_upper / population * 1000, rel=1e-6)


def test_a_year_with_a_missing_month_has_a_count_but_no_rate(filled):
    row = pick(rows_for(filled, "police-uk-robbery"), PFA, "2019")
    assert row["complete"] is False and row["months_covered"] == 2
    assert row["count"] == sum(raw("Robbery", ["2019-06", "2019-08"]).values())
    assert row["rate"] is None and row["change_pct"] is None


def test_change_from_baseline_uses_the_rate_ratio_interval(filled, tmp_path):
    rows = rows_for(filled, "police-uk-robbery", period_types=("quarter", "calendar_year"))
    # baseline 2018 for police.uk measures: the baseline row carries no change of its own
    assert pick(rows, PFA, "2018")["change_pct"] is None
    # quarters have no baseline year to compare with
    assert all(r["change_pct"] is None for r in rows if r["period_type"] == "quarter")

    # the catalogue's baseline (2019, so the financial year 2019/20) against 2022/23
    wh = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_reference(wh, loaded_by="test")
        f = tmp_path / "hes.csv"
        f.write_text(
            "Period start,Period end,Area code,Age band,Sex,Measure,Count\n"
            "2019-04-01,2020-03-31,E06000023,,,X99,50\n"
            "2022-04-01,2023-03-31,E06000023,,,X99,61\n"
        )
        ingest_feed(wh, "hospital-admissions", [f], pseudonymiser=Pseudonymiser(b"k" * 32),
                    loaded_by="test")  # fmt: skip
        row = pick(rows_for(wh, "hospital-sharp-object"), "E06000023", "2022/23", "financial_year")
    finally:
        wh.close()
    # same population both years: the rate ratio is 61/50, SE(log RR) = sqrt(1/61 + 1/50)
    ratio, se, z = 61 / 50, math.sqrt(1 / 61 + 1 / 50), stats.norm.ppf(0.975)
    assert row["baseline"] == "2019/20"
    assert row["change_pct"] == pytest.approx(100 * (ratio - 1))
    assert row["change_lower"] == pytest.approx(100 * (ratio * math.exp(-z * se) - 1))
    assert row["change_upper"] == pytest.approx(100 * (ratio * math.exp(z * se) - 1))


def test_quarters_sum_to_the_year(filled):
    rows = rows_for(filled, "police-uk-violence", period_types=("quarter", "calendar_year"))
    quarters = [r for r in rows if r["period_type"] == "quarter" and r["area_code"] == PFA
                and r["period"].startswith("2018")]  # fmt: skip
    assert len(quarters) == 4
    assert sum(q["count"] for q in quarters) == pick(rows, PFA, "2018")["count"]


HES = """Period start,Period end,Area code,Age band,Sex,Measure,Count
2022-04-01,2023-03-31,E06000022,,,X99,12
2022-04-01,2023-03-31,E06000023,,,X99,61
2022-04-01,2023-03-31,E06000024,,,X99,*
2022-04-01,2023-03-31,E06000025,,,X99,15
2022-04-01,2023-03-31,E06000066,,,X99,33
2022-04-01,2023-03-31,E06000023,0-24,,X99,24
2022-04-01,2023-03-31,E06000023,,,X85-Y09,300
"""


def test_hospital_admissions_keep_suppression_and_build_no_force_total_from_it(tmp_path):
    wh = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_reference(wh, loaded_by="test")
        f = tmp_path / "hes.csv"
        f.write_text(HES)
        (r,) = ingest_feed(wh, "hospital-admissions", [f], pseudonymiser=Pseudonymiser(b"k" * 32),
                           loaded_by="test")  # fmt: skip
        assert r.rows_loaded == 7
        rows = rows_for(wh, "hospital-sharp-object")
        bristol = pick(rows, "E06000023", "2022/23", "financial_year")
        assert bristol["count"] == 61  # X85-Y09 and the 0-24 row are not counted
        assert bristol["rate"] == pytest.approx(61 / bristol["denominator"] * 100000)
        north = pick(rows, "E06000024", "2022/23", "financial_year")
        assert north["suppressed"] and north["count"] is None and north["rate"] is None
        force = pick(rows, PFA, "2022/23", "financial_year")
        # one authority suppressed: the force total cannot be known, so it is not invented
        assert force["count"] is None and force["suppressed"]
        under_25 = rows_for(wh, "hospital-sharp-object-under-25")
        assert pick(under_25, "E06000023", "2022/23", "financial_year")["count"] == 24
    finally:
        wh.close()


def test_a_measure_from_the_local_definition_counts_only_rows_in_scope(tmp_path):
    wh = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        load_reference(wh, loaded_by="test")
        f = tmp_path / "crimes.csv"
        f.write_text(
            "Crime reference,Offence code,Recorded date,Offence from,LSOA code,Victim age\n"
            "A1,1/1,2022-05-02,2022-05-01,E01029046,19\n"  # homicide, under 25, Somerset LSOA
            "A2,4/1,2022-06-02,2022-06-01,E01014399,40\n"  # manslaughter, 40
            "A3,8N,2022-06-03,2022-06-02,E01014399,20\n"  # assault with injury: not homicide
            "A4,1/1,2022-07-03,2022-07-02,,\n"  # homicide with no location or age
        )
        ingest_feed(wh, "police-crime", [f], pseudonymiser=Pseudonymiser(b"k" * 32),
                    loaded_by="test")  # fmt: skip
        rows = rows_for(wh, "homicide", period_types=("calendar_year",))
        force = pick(rows, PFA, "2022")
        assert force["count"] == 3 and force["not_placed"] == 1
        assert force["definition"].startswith("home-office-core")
        under_25 = pick(rows_for(wh, "homicide-under-25", period_types=("calendar_year",)),
                        PFA, "2022")  # fmt: skip
        assert under_25["count"] == 1
        # months outside the extract are not covered, so 2022 is incomplete: no rate
        assert force["complete"] is False and force["rate"] is None
    finally:
        wh.close()


def test_catalogue_errors_name_the_measure_and_field(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("baseline_year: 2019\nmeasures:\n  - id: x\n    title: X\n    source: tea\n")
    with pytest.raises(CatalogueError, match=r"'x'.*source 'tea'"):
        load(bad)
    bad.write_text(
        "baseline_year: 2019\nmeasures:\n  - id: x\n    title: X\n    source: police_uk_street\n"
        "    filters: {victim_age: 3}\n"
    )
    with pytest.raises(CatalogueError, match="cannot filter police_uk_street by victim_age"):
        load(bad)


@pytest.mark.postgres
def test_postgres_gives_the_same_measures(tmp_path, pg_url):
    files = [AS_STREET / f"2018-0{m}-avon-and-somerset-street.csv.gz" for m in (1, 2, 3)]
    answers = []
    for url in (f"duckdb:///{tmp_path / 'w.duckdb'}", pg_url):
        wh = connect(url)
        try:
            load_reference(wh, loaded_by="test")
            ingest_police_uk(wh, files, loaded_by="test")
            rows = rows_for(wh, "police-uk-weapons", period_types=("month", "quarter"))
            answers.append(sorted((r["area_code"], r["period"], r["count"], r["rate"])
                                  for r in rows))  # fmt: skip
        finally:
            wh.close()
    assert answers[0] == answers[1] and len(answers[0]) > 10
