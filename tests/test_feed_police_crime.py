"""The police recorded crime feed: values, bad rows, refused files, pseudonymisation, loads."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from conftest import warehouse_text
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed

KEY = Pseudonymiser(b"k" * 32)
HEADER = (
    "Crime reference,Offence code,Recorded date,Offence from,Offence to,LSOA code,Longitude,"
    "Latitude,Location type,Victim age,Victim sex,Victim reference,Suspect age,"
    "Suspect reference,Knife or sharp instrument,Firearm,Domestic abuse,Alcohol related,"
    "Drug related,Exploitation or county lines"
)
GOOD = [
    "AS/23/0000101,8N,2023-01-14,2023-01-13 23:40,,E01014399,-2.58,51.45,street,19,M,"
    "PV-778812,22,PS-110022,Y,N,N,Y,N,N",
    "AS/23/0000102,5A,2023-01-15,14/01/2023,,E01014399,,,Dwelling,34,Female,,,,N,,Y,,,",
    "AS/23/0000103,34B,2023-01-20,2023-01-19 02:10,2023-01-19 03:00,E01014485,,,"
    "Pub, bar, club or other licensed premises,17,F,PV-778812,,,Y,N,N,N,N,Y",
]


def write(tmp_path, name, rows, header=HEADER):
    path = tmp_path / name
    # quote the location label that holds commas
    text = "\n".join([header, *rows]) + "\n"
    text = text.replace(
        "Pub, bar, club or other licensed premises", '"Pub, bar, club or other licensed premises"'
    )
    path.write_text(text, encoding="utf-8")
    return path


def load(wh, *paths):
    results = ingest_feed(wh, "police-crime", list(paths), pseudonymiser=KEY, loaded_by="test")
    for r in results:
        if r.status in ("loaded", "replaced"):
            assert r.rows_read == r.rows_loaded + r.rows_quarantined
    return results


def rows(wh, table="police_crime"):
    return wh.table(table).order_by("line").execute().to_dict("records")


def test_a_good_file_loads_every_row_with_canonical_values(warehouse, tmp_path):
    (r,) = load(warehouse, write(tmp_path, "extract-2023-01.csv", GOOD))
    assert (r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("loaded", 3, 3, 0)
    a, b, c = rows(warehouse)
    assert a["crime_ref"] == KEY.token("AS/23/0000101")
    assert a["offence_code"] == "8N" and a["offence_group"] == "violence with injury"
    assert a["offence_from"] == datetime(2023, 1, 13, 23, 40) and a["offence_time_known"]
    assert a["victim_sex"] == "Male" and a["victim_age"] == 19 and a["knife_flag"] is True
    assert a["alcohol_flag"] is True and a["synthetic"] is False
    # legacy 5A is kept as recorded and mapped forward; a date alone means the time is unknown
    assert (b["offence_code_recorded"], b["offence_code"]) == ("5A", "5D")
    assert b["location_type"] == "dwelling" and b["offence_time_known"] is False
    assert b["firearm_flag"] is None  # blank is "not known", not "no"
    assert c["location_type"] == "licensed_premises" and c["exploitation_flag"] is True
    assert c["police_uk_crime_type"] == "Robbery"
    # the same victim reference in two crimes links, through the token only
    assert a["victim_ref"] == c["victim_ref"] == KEY.token("PV-778812")
    assert pd_date(a["month"]) == date(2023, 1, 1)


def pd_date(value):
    return value.date() if hasattr(value, "date") else value


BAD = {
    "offence_code": (
        "AS/23/9,99Z,2023-01-14,2023-01-13,,,,,,,,,,,,,,,,",
        "Offence code",
        "code_form",
    ),
    "recorded_missing": ("AS/23/9,8N,,2023-01-13,,,,,,,,,,,,,,,,", "Recorded date", "missing"),
    "ref_missing": (",8N,2023-01-14,2023-01-13,,,,,,,,,,,,,,,,", "Crime reference", "missing"),
    "date_form": (
        "AS/23/9,8N,14 Jan 2023,2023-01-13,,,,,,,,,,,,,,,,",
        "Recorded date",
        "date_form",
    ),
    "window": (
        "AS/23/9,8N,2023-01-14,2023-01-13 10:00,2023-01-13 09:00,,,,,,,,,,,,,,,",
        "Offence to",
        "offence_window",
    ),
    "after_recording": (
        "AS/23/9,8N,2023-01-14,2023-01-15,,,,,,,,,,,,,,,,",
        "Offence from",
        "offence_after_recording",
    ),
    "lsoa": (
        "AS/23/9,8N,2023-01-14,2023-01-13,,E01999999,,,,,,,,,,,,,,",
        "LSOA code",
        "lsoa_unknown",
    ),
    "age": ("AS/23/9,8N,2023-01-14,2023-01-13,,,,,,130,,,,,,,,,,", "Victim age", "out_of_range"),
    "flag": (
        "AS/23/9,8N,2023-01-14,2023-01-13,,,,,,,,,,,maybe,,,,,",
        "Knife or sharp instrument",
        "flag_form",
    ),
    "half_coords": (
        "AS/23/9,8N,2023-01-14,2023-01-13,,,-2.5,,,,,,,,,,,,,",
        "Longitude",
        "coordinates_half",
    ),
    "outside_uk": (
        "AS/23/9,8N,2023-01-14,2023-01-13,,,51.4,-2.5,,,,,,,,,,,,",
        "Longitude",
        "out_of_range",
    ),
    "location": (
        "AS/23/9,8N,2023-01-14,2023-01-13,,,,,castle,,,,,,,,,,,",
        "Location type",
        "code_form",
    ),
    "ragged": ("AS/23/9,8N,2023-01-14", "(row)", "wrong_field_count"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_bad_row_is_quarantined_with_its_field_and_reason(warehouse, tmp_path, case):
    row, field, code = BAD[case]
    (r,) = load(warehouse, write(tmp_path, "extract.csv", [GOOD[0], row]))
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    (q,) = rows(warehouse, "quarantine")
    assert (q["line"], q["field"], q["reason_code"]) == (3, field, code)
    assert len(q["reason"]) > 20
    # the quarantine keeps the row, but never the raw crime reference
    assert "AS/23/9" not in q["row_json"] and "AS/23/9" not in q["reason"]
    assert int(warehouse.table("police_crime").count().execute()) == 1


@pytest.mark.parametrize(
    ("column", "code"),
    [
        ("Victim name", "identifier_column"),
        ("Date of birth", "identifier_column"),
        ("Home address", "identifier_column"),
        ("Postcode", "identifier_column"),
        ("Officer notes", "unknown_column"),
    ],
)
def test_a_file_with_an_identifier_or_unknown_column_is_refused(warehouse, tmp_path, column, code):
    secret = "Jane Q Example 01/02/2003 BS1 4DJ"
    path = write(tmp_path, "extract.csv", [GOOD[0] + f",{secret}"], header=HEADER + f",{column}")
    (r,) = load(warehouse, path)
    assert r.status == "refused" and column in r.message
    assert secret not in r.message
    assert "AS/23/0000101" not in warehouse_text(warehouse)
    assert secret not in warehouse_text(warehouse)
    assert int(warehouse.table("police_crime").count().execute()) == 0


def test_missing_required_columns_refuse_the_file(warehouse, tmp_path):
    header = HEADER.replace("Recorded date,", "")
    path = write(tmp_path, "extract.csv", ["AS/1,8N,2023-01-13" + ",," * 8], header=header)
    (r,) = load(warehouse, path)
    assert r.status == "refused" and "Recorded date" in r.message


def test_no_raw_reference_reaches_the_warehouse(warehouse, tmp_path):
    load(warehouse, write(tmp_path, "extract.csv", [*GOOD, BAD["lsoa"][0], BAD["ragged"][0]]))
    text = warehouse_text(warehouse)
    for raw in (
        "AS/23/0000101",
        "AS/23/0000102",
        "AS/23/0000103",
        "AS/23/9",
        "PV-778812",
        "PS-110022",
    ):
        assert raw not in text and raw.lower() not in text


def test_reload_is_a_no_op_and_a_corrected_file_replaces(warehouse, tmp_path):
    first = write(tmp_path, "extract.csv", GOOD)
    (a,) = load(warehouse, first)
    (b,) = load(warehouse, first)
    assert b.status == "unchanged" and b.load_id == a.load_id
    # the same period, corrected: one row's code changes
    fixed = write(tmp_path, "extract-v2.csv", [GOOD[0].replace(",8N,", ",5D,"), *GOOD[1:]])
    (c,) = load(warehouse, fixed)
    assert c.status == "replaced" and c.replaced_load_id == a.load_id
    codes = sorted(r["offence_code"] for r in rows(warehouse))
    assert codes == ["34B", "5D", "5D"]
    loads = warehouse.table("loads").order_by("load_id").execute()
    assert loads["superseded_by_load_id"].tolist()[0] == c.load_id


def test_a_file_overlapping_a_loaded_one_in_part_is_refused(warehouse, tmp_path):
    load(warehouse, write(tmp_path, "jan.csv", GOOD))  # 2023-01-14 .. 2023-01-20
    overlap = GOOD[2].replace("2023-01-20", "2023-02-02")
    (r,) = load(warehouse, write(tmp_path, "jan-feb.csv", [GOOD[1], overlap]))
    assert r.status == "refused" and "2 row(s)" in r.message and "load 1 (jan.csv, " in r.message
    assert int(warehouse.table("police_crime").count().execute()) == 3


def test_a_crime_already_held_under_another_period_is_not_counted_twice(warehouse, tmp_path):
    load(warehouse, write(tmp_path, "jan.csv", GOOD))
    february = [
        "AS/23/0000201,8N,2023-02-03,2023-02-02,,,,,,,,,,,,,,,,",
        # recorded again in February's extract, under the same crime reference
        "as/23/0000103,34B,2023-02-04,2023-01-19,,,,,,,,,,,,,,,,",
    ]
    (r,) = load(warehouse, write(tmp_path, "feb.csv", february))
    assert r.status == "refused" and "line 3" in r.message
    (ok,) = load(warehouse, write(tmp_path, "feb-fixed.csv", february[:1]))
    assert ok.status == "loaded"
    assert int(warehouse.table("police_crime").count().execute()) == 4


@pytest.mark.postgres
def test_postgres_gives_the_same_rows(tmp_path, pg_url):
    path = write(tmp_path, "extract.csv", [*GOOD, BAD["flag"][0]])
    answers = []
    for url in (f"duckdb:///{tmp_path / 'w.duckdb'}", pg_url):
        wh = connect(url)
        try:
            (r,) = load(wh, path)
            got = rows(wh)
            answers.append(
                (
                    r.rows_loaded,
                    r.rows_quarantined,
                    [
                        (g["crime_ref"], g["offence_code"], g["victim_age"], g["knife_flag"])
                        for g in got
                    ],
                    [q["reason_code"] for q in rows(wh, "quarantine")],
                )
            )
        finally:
            wh.close()
    assert answers[0] == answers[1]
