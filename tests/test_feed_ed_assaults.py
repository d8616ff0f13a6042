"""Feed 2, emergency department assaults (ISTV): real-shaped files through the real warehouse.

Every expected value here is written out by hand from the fixture files
(tests/fixtures/feeds/ed_assaults/), never computed by the feed: the tests fail if the feed
maps a spelling, a date or an age band wrongly. The core tests run on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest

from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.sources import ed_assaults
from svduty.sources import feed as feed_base
from svduty.sources.errors import FileRefused
from svduty.warehouse.connection import Warehouse
from svduty.warehouse.feed_ingest import ingest_feed

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds" / "ed_assaults"
GOOD = FIXTURES / "RA701_2024-03.csv"
BAD_ROWS = FIXTURES / "RA701_2024-03_bad_rows.csv"
SOURCE = "ed-assaults"
PSEUDONYMISER = Pseudonymiser(b"ed-assaults-test-key-0123456789abcdef")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def wh(request, tmp_path):
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path}/w.duckdb"
    else:
        url = request.getfixturevalue("pg_url")
    warehouse = Warehouse(url)
    yield warehouse
    warehouse.close()


def ingest(wh: Warehouse, *paths: Path):
    return ingest_feed(wh, SOURCE, list(paths), pseudonymiser=PSEUDONYMISER, loaded_by="test")


def sql(wh: Warehouse, query: str, params: tuple = ()) -> list[tuple]:
    with wh.transaction() as tx:
        return tx.execute(query, params)


def count(wh: Warehouse, table: str) -> int:
    return sql(wh, f"SELECT count(*) FROM {table}")[0][0]


def lines_of(path: Path) -> list[str]:
    """The file's lines without line endings or byte-order mark (header first)."""
    return path.read_text(encoding="utf-8-sig").splitlines()


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


# --- a good file ------------------------------------------------------------------------------

# Line -> what the row must become, read off the fixture by hand:
# (assault_method, location_type, assault_at, month, assault_hour, assault_weekday,
#  knife_or_sharp, age_band, under_25, sex, lsoa_code)
EXPECTED_GOOD = {
    2: ("knife_sharp", "public_place", datetime(2024, 3, 2, 0, 40), date(2024, 3, 1), 0, 6,
        True, "18-24", True, "Male", "E01014540"),
    3: ("body", "licensed_premises", datetime(2024, 3, 3, 1, 30), date(2024, 3, 1), 1, 7,
        False, "25-34", False, "Female", None),
    4: ("glass", "licensed_premises", datetime(2024, 3, 9, 23, 5), date(2024, 3, 1), 23, 6,
        False, "20-29", None, "Male", "E01014485"),
    5: ("knife_sharp", "home", datetime(2024, 3, 12, 18, 15), date(2024, 3, 1), 18, 2,
        True, "35-44", False, "Female", None),
    6: ("blunt", "education", datetime(2024, 3, 14, 15, 45), date(2024, 3, 1), 15, 4,
        False, "10-17", True, "Female", "E01033347"),
    7: ("firearm", "public_place", datetime(2024, 3, 16, 2, 30), date(2024, 3, 1), 2, 6,
        False, "65+", False, "Male", "E01014709"),
    8: ("other", "other", datetime(2024, 3, 18, 11, 20), date(2024, 3, 1), 11, 1,
        False, None, None, None, None),
    9: ("not_known", "not_known", datetime(2024, 3, 15, 0, 0), date(2024, 3, 1), None, 5,
        False, "45-54", False, "Not known", None),
    10: ("knife_sharp", "public_place", datetime(2024, 2, 27, 23, 0), date(2024, 2, 1), 23, 2,
         True, "18-24", True, "Female", "E01033362"),
    11: ("glass", "work", datetime(2024, 3, 23, 22, 30), date(2024, 3, 1), 22, 6,
         False, "25-34", False, "Male", None),
    12: ("body", "home", datetime(2024, 3, 31, 23, 50), date(2024, 3, 1), 23, 7,
         False, "16-24", True, "Not known", None),
    13: ("glass", "public_place", datetime(2024, 3, 29, 1, 10), date(2024, 3, 1), 1, 5,
         False, "25+", False, "Male", "E01014540"),
}  # fmt: skip


def test_a_good_file_loads_every_row_with_its_canonical_values(wh):
    (result,) = ingest(wh, GOOD)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        12,
        12,
        0,
    )
    rows = sql(
        wh,
        "SELECT line, assault_method, location_type, assault_at, month, assault_hour, "
        "assault_weekday, knife_or_sharp, age_band, under_25, sex, lsoa_code "
        "FROM ed_assault ORDER BY line",
    )
    assert {r[0]: tuple(r[1:]) for r in rows} == EXPECTED_GOOD

    # The fields that are the same on most rows, and those only some rows have.
    common = sql(
        wh,
        "SELECT DISTINCT site_code, period_start, period_end, synthetic, load_id FROM ed_assault",
    )
    assert common == [("RA701", date(2024, 3, 1), date(2024, 3, 31), False, result.load_id)]
    some = sql(
        wh,
        "SELECT line, arrival_at, assault_method_other, location_description FROM ed_assault "
        "WHERE line IN (2, 6, 8, 9, 11) ORDER BY line",
    )
    assert some == [
        (2, datetime(2024, 3, 2, 1, 25), None, "Outside nightclub, Harbourside"),
        (6, datetime(2024, 3, 14, 16, 20), None, "School playground"),  # DD/MM/YYYY in the file
        (8, datetime(2024, 3, 18, 12, 0), "Dog set on victim", "Park"),
        (9, datetime(2024, 3, 16, 9, 0), None, None),
        (11, None, None, "Nightclub door (door supervisor at work)"),
    ]
    loads = sql(
        wh,
        "SELECT source, covers, scope, period_start, period_end, rows_read, rows_loaded, "
        "rows_quarantined, status, key_fingerprint FROM loads",
    )
    assert loads == [
        (
            SOURCE,
            "RA701",
            "RA701 2024-03-01..2024-03-31",
            date(2024, 3, 1),
            date(2024, 3, 31),
            12,
            12,
            0,
            "loaded",
            None,  # the feed has no identifier columns, so no key is used
        )
    ]
    assert count(wh, "quarantine") == 0


# --- bad rows ---------------------------------------------------------------------------------

# Line -> (field, reason_code, words the reason must hold), read off the fixture by hand.
EXPECTED_QUARANTINE = {
    3: ("Assault method", "code_form", ["(withheld)", "knife_sharp"]),
    4: ("Assault location type", "code_form", ["(withheld)", "public_place"]),
    5: ("Assault date and time", "datetime_form", ["(withheld)", "YYYY-MM-DD HH:MM"]),
    6: (
        "Assault date and time",
        "assault_after_arrival",
        ["2024-03-10 23:30", "2024-03-10 22:45", "after Arrival"],
    ),
    7: ("Reporting period end", "period_order", ["2024-03-01", "2024-03-31", "swap"]),
    8: ("LSOA code", "lsoa_unknown", ["'E01999999'", "LSOA code"]),
    9: ("Age band", "age_band_form", ["(withheld)", "18-24"]),
    11: ("Site code", "site_code_form", ["ODS"]),
    12: ("Assault date and time", "assault_outside_period", ["2023-03-05 21:00", "year"]),
    13: ("Arrival date and time", "arrival_outside_period", ["2024-04-02 01:00", "period"]),
    14: ("Assault method", "missing", ["required"]),
    15: ("(row)", "wrong_field_count", ["12 fields", "double quotes"]),
}


def test_each_kind_of_bad_row_is_quarantined_with_its_field_and_an_actionable_reason(wh):
    (result,) = ingest(wh, BAD_ROWS)
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (15, 3, 12)
    # Nothing lost, counted in the tables themselves rather than taken from the result.
    assert count(wh, "ed_assault") == 3
    assert count(wh, "quarantine") == 12
    assert sql(wh, "SELECT line FROM ed_assault ORDER BY line") == [(2,), (10,), (16,)]
    assert sql(wh, "SELECT rows_read, rows_loaded, rows_quarantined FROM loads") == [(15, 3, 12)]

    got = sql(
        wh,
        "SELECT line, field, reason_code, reason, row_json, source, file_name, load_id "
        "FROM quarantine ORDER BY line",
    )
    assert {r[0]: (r[1], r[2]) for r in got} == {
        line: (field, code) for line, (field, code, _) in EXPECTED_QUARANTINE.items()
    }
    for line, _, _, reason, row_json, source, file_name, load_id in got:
        for words in EXPECTED_QUARANTINE[line][2]:
            assert words in reason, (line, reason)
        assert (source, file_name, load_id) == (SOURCE, BAD_ROWS.name, result.load_id)
        assert row_json  # the row's values that are safe to show, so a person can find it
    # a row that cannot be split into fields had none of its values checked: none is kept
    ragged = next(r for r in got if r[0] == 15)
    assert "Outside Tesco, Broadmead" not in ragged[4] and "(withheld)" in ragged[4]


def test_a_description_over_two_lines_keeps_the_lines_of_the_rows_after_it(wh, tmp_path):
    # Excel writes a line break typed in a cell inside the quotes; the quarantine must still
    # name the line the person sees the bad row on.
    header, first, second, third, *_ = lines_of(GOOD)
    first = first.replace('"Outside nightclub, Harbourside"', '"Outside nightclub,\r\nHarbourside"')
    third = third.replace(",Bottle/glass,", ",Spoon,", 1)
    path = write(tmp_path, "RA701_2024-03.csv", [header, first, second, "", third])
    (result,) = ingest(wh, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert sql(wh, "SELECT line FROM ed_assault ORDER BY line") == [(2,), (4,)]
    assert sql(wh, "SELECT line, field FROM quarantine") == [(6, "Assault method")]
    (where,) = sql(wh, "SELECT location_description FROM ed_assault WHERE line = 2")
    assert where[0].splitlines() == ["Outside nightclub,", "Harbourside"]


# --- files refused whole ----------------------------------------------------------------------

NHS_NUMBER = "943 476 5919"  # check digit: 299 mod 11 = 2, 11 - 2 = 9, so the number is valid
POSTCODE = "BS1 4DJ"
ADDRESS = f"12 High St, {POSTCODE}"


def with_column(header: str, values: list[str]) -> list[str]:
    good = lines_of(GOOD)
    return [f"{good[0]},{header}"] + [
        f"{row},{v}" for row, v in zip(good[1:], values, strict=False)
    ]


def with_description(line: int, description: str) -> list[str]:
    good = lines_of(GOOD)
    (fields,) = csv.reader([good[line - 1]])
    assert fields[8] == "Corn Street pub"  # the row changed is the one meant
    fields[8] = description
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return [*good[: line - 1], out.getvalue(), *good[line:]]


REFUSALS = {
    # name: (lines of the file, code of the refusal, raw values that must be stored nowhere)
    "nhs_number_column": (
        with_column("NHS number", [NHS_NUMBER] * 12),
        "identifier_column",
        [NHS_NUMBER, NHS_NUMBER.replace(" ", "")],
    ),
    "date_of_birth_column": (
        with_column("Date of birth", ["14/03/2001"] * 12),
        "identifier_column",
        ["14/03/2001", "2001-03-14"],
    ),
    "patient_name_column": (
        with_column("Patient name", ["Jordan Whitfield"] * 12),
        "identifier_column",
        ["Jordan Whitfield", "Whitfield"],
    ),
    "nhs_number_in_description": (
        with_description(3, f"Corn Street pub, patient {NHS_NUMBER}"),
        "identifier_in_text",
        [NHS_NUMBER, NHS_NUMBER.replace(" ", "")],
    ),
    "postcode_in_description": (
        with_description(3, f"outside {ADDRESS}"),
        "identifier_in_text",
        [POSTCODE, POSTCODE.replace(" ", ""), "12 High St"],
    ),
    "unknown_column": (
        with_column("Presenting complaint notes", ["brought in by Darren Smith"] * 12),
        "unknown_column",
        ["Darren Smith"],
    ),
    "postcode_in_a_row_with_too_many_fields": (
        # Unquoted, the comma splits the row: it goes whole to quarantine unless refused.
        [*lines_of(GOOD), lines_of(GOOD)[1].replace('"Outside nightclub, Harbourside"', ADDRESS)],
        "identifier_in_text",
        [POSTCODE, POSTCODE.replace(" ", ""), "12 High St"],
    ),
}


def text_anywhere(wh: Warehouse, value: str) -> list[str]:
    """Every table.column whose text holds `value` (any case), across the whole warehouse."""
    found = []
    for table in wh.ibis.list_tables():
        t = wh.table(table)
        for name, dtype in t.schema().items():
            if dtype.is_string():
                n = t.filter(t[name].lower().contains(value.lower())).count().execute()
                if n:
                    found.append(f"{table}.{name}")
    return found


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_file_carrying_identifiers_or_unknown_columns_is_refused_and_stored_nowhere(
    wh, tmp_path, case
):
    lines, code, raw_values = REFUSALS[case]
    path = write(tmp_path, f"RA701_2024-03_{case}.csv", lines)
    # The file really carries the values (so the checks below can fail).
    assert raw_values[0] in path.read_text()

    with pytest.raises(FileRefused) as refused:
        feed_base.read(path, ed_assaults.FEED, PSEUDONYMISER.token)
    assert refused.value.code == code

    (result,) = ingest(wh, path)
    assert result.status == "refused"
    assert sql(wh, "SELECT status, rows_read, rows_loaded FROM loads") == [("refused", 0, 0)]
    assert count(wh, "ed_assault") == 0 and count(wh, "quarantine") == 0
    for value in raw_values:
        assert value.lower() not in str(refused.value).lower()
        assert value.lower() not in refused.value.reason.lower()
        assert value.lower() not in (result.message or "").lower()
        assert text_anywhere(wh, value) == []
    # The refusal says what is wrong and what to do, without the value.
    stored = sql(wh, "SELECT message FROM loads")[0][0]
    assert "send the file again" in stored or "refuses columns it does not know" in stored


def test_a_ten_digit_number_without_a_valid_check_digit_is_kept(wh, tmp_path):
    """The refusals above are about the value: one digit off an NHS number, the file loads."""
    path = write(tmp_path, "f.csv", with_description(3, "Corn Street pub, ref 943 476 5918"))
    (result,) = ingest(wh, path)
    assert (result.status, result.rows_loaded) == ("loaded", 12)
    assert sql(wh, "SELECT location_description FROM ed_assault WHERE line = 3") == [
        ("Corn Street pub, ref 943 476 5918",)
    ]
    # ...and the scan the refusal tests rely on does find a value that is stored.
    assert text_anywhere(wh, "943 476 5918") == ["ed_assault.location_description"]


# --- loads: idempotent, replaced, overlap refused ---------------------------------------------


def snapshot(wh: Warehouse) -> dict:
    return {
        table: sql(wh, f"SELECT * FROM {table} ORDER BY 1, 2, 3")
        for table in ("loads", "quarantine", "ed_assault")
    }


def test_loading_the_same_file_twice_changes_nothing(wh):
    ingest(wh, BAD_ROWS)
    before = snapshot(wh)
    (again,) = ingest(wh, BAD_ROWS)
    assert again.status == "unchanged" and again.load_id == 1
    assert snapshot(wh) == before
    assert count(wh, "ed_assault") == 3 and count(wh, "loads") == 1


def test_a_corrected_file_for_the_same_site_and_period_replaces_the_first(wh, tmp_path):
    first = lines_of(GOOD)
    assert ",Bottle/glass," in first[3]
    first[3] = first[3].replace(",Bottle/glass,", ",Glass bottle,")  # not a code: quarantined
    (r1,) = ingest(wh, write(tmp_path, "RA701_2024-03_v1.csv", first))
    assert (r1.rows_loaded, r1.rows_quarantined) == (11, 1)

    (r2,) = ingest(wh, GOOD)
    assert r2.status == "replaced" and r2.replaced_load_id == r1.load_id
    assert sql(
        wh, "SELECT load_id, scope, status, replaces_load_id, superseded_by_load_id FROM loads "
        "ORDER BY load_id"
    ) == [
        (r1.load_id, "RA701 2024-03-01..2024-03-31", "loaded", None, r2.load_id),
        (r2.load_id, "RA701 2024-03-01..2024-03-31", "replaced", r1.load_id, None),
    ]  # fmt: skip
    # Only the corrected file's rows remain, all twelve of them.
    assert sql(wh, "SELECT load_id, count(*) FROM ed_assault GROUP BY load_id") == [
        (r2.load_id, 12)
    ]
    assert sql(wh, "SELECT assault_method FROM ed_assault WHERE line = 4") == [("glass",)]


def test_a_file_overlapping_a_loaded_one_in_part_is_refused(wh, tmp_path):
    (march,) = ingest(wh, GOOD)
    header = lines_of(GOOD)[0]
    overlapping = write(
        tmp_path,
        "RA701_2024-03-16_to_04-15.csv",
        [
            header,
            "RA701,2024-03-16,2024-04-15,2024-03-20 01:00,2024-03-20 00:30,Knife,,60,Harbourside,,"
            "18-24,Male",
            "RA701,2024-03-16,2024-04-15,2024-04-10 02:00,2024-04-10 01:15,Body part,,60,"
            "Broadmead,,25-34,Female",
        ],
    )
    (r,) = ingest(wh, overlapping)
    assert r.status == "refused"
    assert f"repeat facts already held by load {march.load_id}" in r.message
    assert "RA701 2024-03-01..2024-03-31" in r.message
    assert count(wh, "ed_assault") == 12
    assert sql(wh, "SELECT DISTINCT load_id FROM ed_assault") == [(march.load_id,)]
    assert sql(wh, "SELECT status FROM loads ORDER BY load_id") == [("loaded",), ("refused",)]

    # Not every second file is refused: the next month, and another site's March, load.
    april = write(
        tmp_path,
        "RA701_2024-04.csv",
        [header, "RA701,2024-04-01,2024-04-30,,2024-04-10 01:15,Body part,,60,Broadmead,,25-34,"],
    )
    other_site = write(
        tmp_path,
        "RVJ01_2024-03.csv",
        [header, "RVJ01,2024-03-01,2024-03-31,,2024-03-10 01:15,Knife,,60,Southmead,,18-24,"],
    )
    assert [x.status for x in ingest(wh, april, other_site)] == ["loaded", "loaded"]
    assert sql(wh, "SELECT covers, scope FROM loads WHERE status = 'loaded' ORDER BY load_id") == [
        ("RA701", "RA701 2024-03-01..2024-03-31"),
        ("RA701", "RA701 2024-04-01..2024-04-30"),
        ("RVJ01", "RVJ01 2024-03-01..2024-03-31"),
    ]
