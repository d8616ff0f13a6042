"""The five aggregate feeds (hospital admissions, youth justice, probation, fire, education).

All write `partner_aggregate`. Expected values are read from the fixture files here, through
this file's own tables of spellings and area prefixes, not through the feeds' declarations.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from conftest import warehouse_text
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.sources import aggregates
from svduty.sources.feed import known_areas
from svduty.sources.feeds import FEEDS, canonical_tables
from svduty.warehouse import connect, schema
from svduty.warehouse.feed_ingest import ingest_feed

KEY = Pseudonymiser(b"k" * 32)
FIXTURES = Path(__file__).resolve().parent / "fixtures/feeds/aggregates"
HEADER = "Period start,Period end,Area code,Age band,Sex,Measure,Count,Denominator"

GOOD_FILES = {
    "hospital-admissions": "hospital-admissions-2023-24.csv",
    "youth-justice": "youth-justice-bristol-2023-24.csv",
    "probation": "probation-2024-03-31.csv",
    "fire": "fire-2022-23.csv",
    "education": "education-2022-23.csv",
}
# How each spelling in the fixtures must come out (lower case as sent -> measure code).
MEASURES = {
    "hospital-admissions": {
        "x99": "admissions_assault_sharp_object",
        "x85-y09": "admissions_assault_all",
        "admissions_assault_all": "admissions_assault_all",
    },
    "youth-justice": {
        "first_time_entrants": "first_time_entrants",
        "fte": "first_time_entrants",
        "children_cautioned_violence": "children_cautioned_violence",
        "children cautioned for violence": "children_cautioned_violence",
        "children_sentenced_violence": "children_sentenced_violence",
    },
    "probation": {
        "people_on_probation_violence": "people_on_probation_violence",
        "people on probation for violence": "people_on_probation_violence",
    },
    "fire": {
        "deliberate_primary_fires": "deliberate_primary_fires",
        "deliberate primary fires": "deliberate_primary_fires",
        "deliberate_secondary_fires": "deliberate_secondary_fires",
        "deliberate secondary fires": "deliberate_secondary_fires",
        "attacks on firefighters": "attacks_on_crews",
    },
    "education": {
        "suspensions": "suspensions",
        "fixed period exclusions": "suspensions",
        "permanent_exclusions": "permanent_exclusions",
        "children_in_need": "children_in_need",
        "cin": "children_in_need",
        "neet": "neet_16_17",
        "neet_16_17": "neet_16_17",
    },
}
AREA_TYPE = {"E06": "local_authority", "E07": "local_authority", "E23": "police_force_area"}
SEX = {"": "Persons", "m": "Male", "male": "Male", "f": "Female", "female": "Female"}
# One good row per feed, in HEADER order, to build files of bad rows around.
BASE = {
    "hospital-admissions": "2023-04-01,2024-03-31,E06000023,0-24,,X99,35,155433",
    "youth-justice": "2023-04-01,2024-03-31,E06000023,10-17,,first_time_entrants,96,41250",
    "probation": "2024-03-31,2024-03-31,E06000023,18-24,Male,people_on_probation_violence,212,",
    "fire": "2022-04-01,2023-03-31,E06000023,,,deliberate_primary_fires,312,",
    "education": "2022-09-01,2023-08-31,E06000023,,,suspensions,4210,61540",
}
# A measure of another feed, for each feed.
FOREIGN = {
    "hospital-admissions": "first_time_entrants",
    "youth-justice": "suspensions",
    "probation": "deliberate_primary_fires",
    "fire": "X99",
    "education": "people_on_probation_violence",
}


def load(wh, source, *paths):
    return ingest_feed(wh, source, list(paths), pseudonymiser=KEY, loaded_by="test")


def write(tmp_path, name, rows, header=HEADER):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def records(wh, table="partner_aggregate", order=("load_id", "line")):
    return wh.table(table).order_by(list(order)).to_pyarrow().to_pylist()


def as_date(value):
    """A DATE column as a date, whichever engine returned it."""
    return value.date() if isinstance(value, datetime) else value


def nullable(value):
    return None if value is None else int(value)


def expected_rows(path: Path, source: str) -> list[dict]:
    """What partner_aggregate must hold for each row of a good file, worked out here."""
    text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    out = []
    for line, raw in enumerate(reader, start=2):
        row = {k.lower(): v.strip() for k, v in raw.items()}
        fmt = "%d/%m/%Y" if "/" in row["period start"] else "%Y-%m-%d"
        count = row["count"]
        out.append(
            {
                "line": line,
                "period_start": datetime.strptime(row["period start"], fmt).date(),
                "period_end": datetime.strptime(row["period end"], fmt).date(),
                "area_code": row["area code"],
                "age_band": row["age band"] or "All ages",
                "age_band_as_sent": row["age band"] or None,
                "sex": SEX[row["sex"].lower()],
                "measure": MEASURES[source][row["measure"].lower()],
                "count": None if count in ("*", "c") else int(count),
                "suppressed": count in ("*", "c"),
                "denominator": int(row["denominator"]) if row.get("denominator") else None,
                "feed": source,
                "area_type": AREA_TYPE[row["area code"][:3]],
                "synthetic": False,
            }
        )
    return out


def got_rows(wh, keys) -> list[dict]:
    got = []
    for r in records(wh):
        g = {k: r[k] for k in keys}
        g["period_start"], g["period_end"] = as_date(g["period_start"]), as_date(g["period_end"])
        g["count"], g["denominator"] = nullable(g["count"]), nullable(g["denominator"])
        got.append(g)
    return got


@pytest.mark.parametrize("source", sorted(GOOD_FILES))
def test_a_good_file_loads_every_row_with_the_right_values(warehouse, source):
    path = FIXTURES / GOOD_FILES[source]
    expected = expected_rows(path, source)
    (r,) = load(warehouse, source, path)
    assert (r.status, r.rows_read, r.rows_quarantined) == ("loaded", len(expected), 0)
    assert got_rows(warehouse, expected[0].keys()) == expected
    assert records(warehouse, "quarantine") == []


def test_the_second_youth_offending_team_layout_loads_too(warehouse):
    """Columns in another order and case, day-first dates, M/F, and other spellings."""
    path = FIXTURES / "youth-justice-somerset-2023-24.csv"
    expected = expected_rows(path, "youth-justice")
    (r,) = load(warehouse, "youth-justice", path)
    assert (r.status, r.rows_loaded) == ("loaded", 5)
    assert got_rows(warehouse, expected[0].keys()) == expected


def test_suppressed_counts_load_as_null_and_flagged(warehouse):
    path = FIXTURES / GOOD_FILES["hospital-admissions"]
    lines = path.read_text().splitlines()
    starred = {n for n, text in enumerate(lines, start=1) if text.split(",")[6] == "*"}
    assert starred == {5, 6, 12}  # the fixture is what this test says it is
    load(warehouse, "hospital-admissions", path)
    rows = records(warehouse)
    assert {r["line"] for r in rows if r["suppressed"]} == starred
    assert all(nullable(r["count"]) is None for r in rows if r["suppressed"])
    assert all(nullable(r["count"]) is not None for r in rows if not r["suppressed"])


def test_departmental_c_marks_a_suppressed_count_too(warehouse):
    load(warehouse, "education", FIXTURES / GOOD_FILES["education"])
    (row,) = [r for r in records(warehouse) if r["suppressed"]]
    assert (row["line"], row["measure"], row["area_code"]) == (
        5,
        "permanent_exclusions",
        "E06000022",
    )
    assert nullable(row["count"]) is None and nullable(row["denominator"]) == 27480


def test_each_accepted_spelling_of_the_hospital_measures(warehouse, tmp_path):
    spellings = {
        "X99": "admissions_assault_sharp_object",
        "x99": "admissions_assault_sharp_object",
        "Assault by sharp object": "admissions_assault_sharp_object",
        "admissions assault sharp object": "admissions_assault_sharp_object",
        "X85-Y09": "admissions_assault_all",
        "x85 - y09": "admissions_assault_all",
        "X85\u2013Y09": "admissions_assault_all",
        "X85 to Y09": "admissions_assault_all",
        "ADMISSIONS_ASSAULT_ALL": "admissions_assault_all",
    }
    # one year each: rows of the same measure, area and period would be one fact twice
    rows = [
        f"{2010 + i}-04-01,{2011 + i}-03-31,E06000023,,,{spelling},10,"
        for i, spelling in enumerate(spellings)
    ]
    (r,) = load(warehouse, "hospital-admissions", write(tmp_path, "hes.csv", rows))
    assert r.rows_quarantined == 0
    assert [g["measure"] for g in records(warehouse)] == list(spellings.values())


def replace_field(row: str, index: int, value: str) -> str:
    fields = row.split(",")
    fields[index] = value
    return ",".join(fields)


# case -> (how to spoil the feed's good row, field, reason_code, words the reason must hold)
BAD = {
    "unknown_area_code": (
        lambda row, source: replace_field(row, 2, "E06999999"),
        "Area code",
        "area_unknown",
        ("'E06999999'", "ONS area code"),
    ),
    "area_name_not_code": (
        lambda row, source: replace_field(row, 2, "Bristol"),
        "Area code",
        "area_unknown",
        ("(withheld)", "not names"),
    ),
    "negative_count": (
        lambda row, source: replace_field(row, 6, "-3"),
        "Count",
        "negative",
        ("negative", "-3"),
    ),
    "count_not_a_number": (
        lambda row, source: replace_field(row, 6, "x"),
        "Count",
        "count_form",
        ("(withheld)", "whole number"),
    ),
    "count_blank": (
        lambda row, source: replace_field(row, 6, ""),
        "Count",
        "missing",
        ("blank", "required"),
    ),
    "count_above_denominator": (
        lambda row, source: replace_field(replace_field(row, 6, "50"), 7, "40"),
        "Count",
        "count_above_denominator",
        ("Count (50)", "Denominator (40)"),
    ),
    "negative_denominator": (
        lambda row, source: replace_field(row, 7, "-1"),
        "Denominator",
        "negative",
        ("negative", "-1"),
    ),
    "measure_of_another_feed": (
        lambda row, source: replace_field(row, 5, FOREIGN[source]),
        "Measure",
        "code_form",
        ("not one of the codes of this feed",),
    ),
    "measure_blank": (
        lambda row, source: replace_field(row, 5, ""),
        "Measure",
        "missing",
        ("Measure is blank",),
    ),
    "end_before_start": (
        lambda row, source: replace_field(replace_field(row, 0, "2024-03-31"), 1, "2023-04-01"),
        "Period end",
        "period_order",
        ("(2023-04-01) is before Period start (2024-03-31)",),
    ),
    "not_a_date": (
        lambda row, source: replace_field(row, 0, "April 2023"),
        "Period start",
        "date_form",
        ("(withheld)", "YYYY-MM-DD"),
    ),
    "bad_age_band": (
        lambda row, source: replace_field(row, 3, "young people"),
        "Age band",
        "age_band_form",
        ("(withheld)", "such as 10-17"),
    ),
    "reversed_age_band": (
        lambda row, source: replace_field(row, 3, "24-18"),
        "Age band",
        "age_band_form",
        ("(withheld)",),
    ),
    "bad_sex": (
        lambda row, source: replace_field(row, 4, "boys"),
        "Sex",
        "sex_form",
        ("(withheld)", "Persons"),
    ),
    "ragged": (
        lambda row, source: row + ",extra",
        "(row)",
        "wrong_field_count",
        ("double quotes",),
    ),
}


@pytest.mark.parametrize("source", sorted(GOOD_FILES))
@pytest.mark.parametrize("case", sorted(BAD))
def test_each_bad_row_is_quarantined_with_field_reason_and_message(
    warehouse, tmp_path, source, case
):
    spoil, field, code, words = BAD[case]
    bad = spoil(BASE[source], source)
    (r,) = load(warehouse, source, write(tmp_path, "file.csv", [BASE[source], bad]))
    assert (r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("loaded", 2, 1, 1)
    (q,) = records(warehouse, "quarantine")
    assert (q["line"], q["field"], q["reason_code"], q["source"]) == (3, field, code, source)
    for w in words:
        assert w in q["reason"], q["reason"]
    (loaded,) = records(warehouse)
    assert loaded["line"] == 2


@pytest.mark.parametrize("source", sorted(GOOD_FILES))
def test_a_foreign_measure_is_told_the_feeds_own_codes(warehouse, tmp_path, source):
    bad = replace_field(BASE[source], 5, FOREIGN[source])
    load(warehouse, source, write(tmp_path, "file.csv", [bad]))
    (q,) = records(warehouse, "quarantine")
    own = set(MEASURES[source].values())
    assert all(code in q["reason"] for code in own), q["reason"]


def test_former_somerset_districts_are_known_and_typed(warehouse):
    load(warehouse, "fire", FIXTURES / GOOD_FILES["fire"])
    districts = {r["area_code"]: r["area_type"] for r in records(warehouse)}
    for code in ("E07000187", "E07000188", "E07000189", "E07000246"):
        assert districts[code] == "local_authority"
    assert districts["E23000036"] == "police_force_area"


REFUSED = {
    "missing_measure_column": (
        HEADER.replace(",Measure", ""),
        "2023-04-01,2024-03-31,E06000023,0-24,,35,155433",
        "required column(s) missing: Measure",
    ),
    "police_uk_file": (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context",
        ",2023-01,Avon and Somerset Constabulary,Avon and Somerset Constabulary,-2.5,51.4,"
        "On or near Park Street,E01014399,Bristol 032B,Violence and sexual offences,,",
        "are not part of the",
    ),
    "unknown_extra_column": (
        HEADER + ",Notes",
        "2023-04-01,2024-03-31,E06000023,0-24,,X99,35,155433,checked by Jo Bloggs",
        "'Notes' are not part of the",
    ),
    "postcode_column": (
        HEADER + ",Postcode",
        "2023-04-01,2024-03-31,E06000023,0-24,,X99,35,155433,BS1 4DJ",
        "looks like a postcode",
    ),
    "nhs_number_column": (
        HEADER + ",NHS number",
        "2023-04-01,2024-03-31,E06000023,0-24,,X99,35,155433,9434765919",
        "looks like an NHS number",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_file_that_cannot_be_taken_is_refused_whole(warehouse, tmp_path, case):
    header, row, words = REFUSED[case]
    (r,) = load(warehouse, "hospital-admissions", write(tmp_path, "hes.csv", [row], header))
    assert r.status == "refused" and words in r.message, r.message
    (loads_row,) = records(warehouse, "loads", order=("load_id",))
    assert loads_row["status"] == "refused" and words in loads_row["message"]
    assert records(warehouse) == [] and records(warehouse, "quarantine") == []
    if case in ("postcode_column", "nhs_number_column"):
        # a health feed: the refusal says why, and the identifier is nowhere
        assert "s16" in r.message
        secret = row.rsplit(",", 1)[1]
        assert secret not in r.message and secret not in warehouse_text(warehouse)


def test_nothing_is_lost_counted_in_the_warehouse(warehouse, tmp_path):
    good = (FIXTURES / GOOD_FILES["youth-justice"]).read_text().splitlines()
    bad = [spoil(BASE["youth-justice"], "youth-justice") for spoil, *_ in BAD.values()]
    path = write(tmp_path, "mixed.csv", [*good[1:], *bad], header=good[0])
    rows_in_file = len(path.read_text().splitlines()) - 1
    (r,) = load(warehouse, "youth-justice", path)
    con = warehouse.ibis.con
    loaded = con.execute(
        "SELECT count(*) FROM partner_aggregate WHERE load_id = ?", [r.load_id]
    ).fetchone()[0]
    quarantined = con.execute(
        "SELECT count(*) FROM quarantine WHERE load_id = ?", [r.load_id]
    ).fetchone()[0]
    recorded = con.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined FROM loads WHERE load_id = ?",
        [r.load_id],
    ).fetchone()
    assert rows_in_file == len(good) - 1 + len(BAD)
    assert (loaded, quarantined) == (len(good) - 1, len(BAD))
    assert recorded == (rows_in_file, loaded, quarantined)
    # every line of the file is in exactly one of the two tables
    lines = con.execute(
        "SELECT line FROM partner_aggregate UNION ALL SELECT line FROM quarantine ORDER BY 1"
    ).fetchall()
    assert [n for (n,) in lines] == list(range(2, rows_in_file + 2))


def snapshot(wh) -> dict:
    return {
        name: wh.table(name).order_by(wh.table(name).columns).execute().to_csv(index=False)
        for name in ("loads", "quarantine", "partner_aggregate")
    }


@pytest.mark.parametrize("source", sorted(GOOD_FILES))
def test_loading_the_same_file_twice_changes_nothing(warehouse, source):
    (first,) = load(warehouse, source, FIXTURES / GOOD_FILES[source])
    before = snapshot(warehouse)
    (again,) = load(warehouse, source, FIXTURES / GOOD_FILES[source])
    assert again.status == "unchanged" and again.load_id == first.load_id
    assert snapshot(warehouse) == before


def test_two_youth_offending_teams_for_the_same_period_both_load(warehouse):
    bristol, somerset = load(
        warehouse,
        "youth-justice",
        FIXTURES / "youth-justice-bristol-2023-24.csv",
        FIXTURES / "youth-justice-somerset-2023-24.csv",
    )
    assert (bristol.status, somerset.status) == ("loaded", "loaded")
    assert bristol.scope == (
        "youth-justice: children_cautioned_violence, children_sentenced_violence, "
        "first_time_entrants in E06000023 2023-04-01..2024-03-31"
    )
    assert somerset.scope.endswith("in E06000066 2023-04-01..2024-03-31")
    by_area = {}
    for r in records(warehouse):
        by_area.setdefault(r["area_code"], set()).add(r["load_id"])
    assert by_area == {"E06000023": {bristol.load_id}, "E06000066": {somerset.load_id}}
    loads = records(warehouse, "loads", order=("load_id",))
    assert [nullable(row["superseded_by_load_id"]) for row in loads] == [None, None]


def test_a_corrected_file_for_the_same_areas_and_period_replaces(warehouse, tmp_path):
    bristol = FIXTURES / "youth-justice-bristol-2023-24.csv"
    (a, b) = load(
        warehouse, "youth-justice", bristol, FIXTURES / "youth-justice-somerset-2023-24.csv"
    )
    corrected = bristol.read_text().replace(",96,41250", ",97,41250").replace(",74,", ",75,")
    (c,) = load(warehouse, "youth-justice", write(tmp_path, "bristol-v2.csv", [], corrected))
    assert c.status == "replaced" and c.replaced_load_id == a.load_id
    rows = records(warehouse)
    assert {r["load_id"] for r in rows} == {b.load_id, c.load_id}
    fte = {
        (r["sex"], nullable(r["count"]))
        for r in rows
        if r["area_code"] == "E06000023" and r["measure"] == "first_time_entrants"
    }
    assert fte == {("Persons", 97), ("Male", 75), ("Female", 22)}
    loads = {row["load_id"]: row for row in records(warehouse, "loads", order=("load_id",))}
    assert nullable(loads[a.load_id]["superseded_by_load_id"]) == c.load_id
    assert nullable(loads[b.load_id]["superseded_by_load_id"]) is None


def test_a_file_overlapping_a_loaded_period_in_part_is_refused(warehouse, tmp_path):
    bristol = FIXTURES / "youth-justice-bristol-2023-24.csv"
    load(warehouse, "youth-justice", bristol)
    shifted = (
        bristol.read_text().replace("2023-04-01", "2023-10-01").replace("2024-03-31", "2024-09-30")
    )
    (r,) = load(warehouse, "youth-justice", write(tmp_path, "bristol-shifted.csv", [], shifted))
    assert r.status == "refused" and "repeat facts already held by load 1" in r.message
    assert len(records(warehouse)) == 5


def lsoa_rows(codes):
    return [f"2023-04-01,2024-03-31,{c},,,X99,1," for c in codes]


def test_files_of_many_areas_are_told_apart_by_their_list(warehouse, tmp_path):
    lsoas = sorted(c for c in known_areas().column("code").to_pylist() if c.startswith("E0101"))[
        :24
    ]
    first, second = lsoas[:12], lsoas[12:]
    a, b = load(
        warehouse,
        "hospital-admissions",
        write(tmp_path, "a.csv", lsoa_rows(first)),
        write(tmp_path, "b.csv", lsoa_rows(second)),
    )
    assert (a.status, b.status) == ("loaded", "loaded")
    assert f"12 areas, {first[0]} to {first[-1]} #" in a.scope
    # the same areas again, counts corrected: replaces the first, not the second
    again = [row.replace(",1,", ",2,") for row in lsoa_rows(first)]
    (c,) = load(warehouse, "hospital-admissions", write(tmp_path, "a2.csv", again))
    assert c.status == "replaced" and c.replaced_load_id == a.load_id


def test_every_area_code_the_reference_knows_gets_an_area_type():
    con = duckdb.connect()
    con.register("known", known_areas())
    untyped = con.sql(
        f"SELECT DISTINCT left(code, 3) FROM (SELECT code AS area_code, code FROM known) "
        f"WHERE ({aggregates.AREA_TYPE_SQL}) IS NULL"
    ).fetchall()
    assert untyped == []
    typed = dict(
        con.sql(
            f"SELECT code, {aggregates.AREA_TYPE_SQL} FROM (SELECT code AS area_code, code "
            "FROM known) WHERE code IN ('E01014399', 'E05010892', 'E06000066', 'E22000125', "
            "'E23000036', 'E12000009', 'E92000001', 'W06000001', 'W15000001')"
        ).fetchall()
    )
    assert typed == {
        "E01014399": "lsoa",
        "E05010892": "ward",
        "E06000066": "local_authority",
        "W06000001": "local_authority",
        "E22000125": "csp",
        "E23000036": "police_force_area",
        "W15000001": "police_force_area",
        "E12000009": "region",
        "E92000001": "country",
    }


def test_the_five_feeds_share_one_table_described_as_a_table():
    sources = [f.source for f in aggregates.FEEDS]
    assert sources == ["hospital-admissions", "youth-justice", "probation", "fire", "education"]
    assert all(FEEDS[s] is f for s, f in zip(sources, aggregates.FEEDS, strict=True))
    assert {f.table for f in aggregates.FEEDS} == {"partner_aggregate"}
    description, columns = schema.TABLES["partner_aggregate"]
    assert description == aggregates.TABLE_DESCRIPTION
    assert aggregates.HOSPITAL_ADMISSIONS.description not in description
    names = [n for n, _, _ in columns]
    for name in ("feed", "area_type", "age_band", "sex", "count", "suppressed", "denominator"):
        assert name in names
    assert FEEDS["hospital-admissions"].health and not FEEDS["fire"].health


def test_feeds_that_share_a_table_must_agree_on_it():
    feeds = aggregates.FEEDS
    other_words = dataclasses.replace(feeds[1], table_description="Something else.")
    with pytest.raises(ValueError, match="description of partner_aggregate"):
        canonical_tables([feeds[0], other_words])
    fewer_columns = dataclasses.replace(feeds[1], columns=feeds[1].columns[:-1])
    with pytest.raises(ValueError, match="columns of partner_aggregate"):
        canonical_tables([feeds[0], fewer_columns])
    # one feed alone is described by its own description
    alone = dataclasses.replace(feeds[0], table="solo", table_description="")
    assert canonical_tables([alone])["solo"][0] == feeds[0].description


def test_each_feed_document_names_its_publication():
    from svduty.sources.feed import markdown

    names = {
        "hospital-admissions": ("HES Admitted Patient Care", "X99", "X85-Y09"),
        "youth-justice": ("Youth Justice Board", "first time entrants"),
        "probation": ("Offender Management Statistics Quarterly", "record-level probation"),
        "fire": ("FIRE0402", "FIRE0508"),
        "education": ("Suspensions and permanent exclusions", "Children in need", "NEET"),
    }
    for source, words in names.items():
        text = markdown(FEEDS[source])
        for w in words:
            assert w in text, (source, w)


@pytest.mark.postgres
def test_postgres_gives_the_same_rows_and_loads(tmp_path, pg_url):
    # a year the good education file does not hold, so nothing in it is counted twice
    next_year = BASE["education"].replace("2022-09-01,2023-08-31", "2023-09-01,2024-08-31")
    mixed = [next_year, BAD["count_above_denominator"][0](next_year, "x")]
    mixed_path = write(tmp_path, "education-mixed.csv", mixed)
    bristol = FIXTURES / "youth-justice-bristol-2023-24.csv"
    corrected = write(
        tmp_path, "bristol-v2.csv", [], bristol.read_text().replace(",96,41250", ",97,41250")
    )
    answers = []
    for url in (f"duckdb:///{tmp_path / 'w.duckdb'}", pg_url):
        wh = connect(url)
        try:
            statuses = []
            for source, name in GOOD_FILES.items():
                statuses += [r.status for r in load(wh, source, FIXTURES / name)]
            statuses += [
                r.status
                for r in load(
                    wh, "hospital-admissions", FIXTURES / GOOD_FILES["hospital-admissions"]
                )
            ]
            statuses += [
                r.status
                for r in load(
                    wh, "youth-justice", FIXTURES / "youth-justice-somerset-2023-24.csv", corrected
                )
            ]
            statuses += [r.status for r in load(wh, "education", mixed_path)]
            keys = expected_rows(FIXTURES / GOOD_FILES["fire"], "fire")[0].keys()
            rows = sorted((tuple(g.values()) for g in got_rows(wh, keys)), key=str)
            quarantine = [
                (q["source"], q["line"], q["field"], q["reason_code"])
                for q in records(wh, "quarantine")
            ]
            answers.append((statuses, rows, quarantine))
        finally:
            wh.close()
    duck, pg = answers
    assert duck == pg
    assert duck[0] == ["loaded"] * 5 + ["unchanged", "loaded", "replaced", "loaded"]
    assert duck[2] == [("education", 3, "Count", "count_above_denominator")]
    suppressed = [t for t in duck[1] if t[list(keys).index("suppressed")]]
    assert len(suppressed) == 5  # three * in hospital, one * in Somerset's YOT, one c
