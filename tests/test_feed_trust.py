"""Issue 17 (trust): what a partner file cannot make svduty store, show or count twice, and the
files that used to fail with an Arrow error instead of a message a person can act on.

- an identifier (postcode, NHS number) in any column refuses the file, not only in free text;
- a value that failed its check is withheld from the reason and the quarantine's row_json
  unless its column's kind makes it safe to show;
- a fact repeated inside one file refuses the file, as one repeated across files does;
- CR-only line endings load; a row over 1 MB and a header over 64 KB are refused with the line
  and a fix.
"""

from __future__ import annotations

import json

import pytest

from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.sources import csvrows, police_uk
from svduty.sources import feed as feeds_base
from svduty.sources.errors import FileRefused
from svduty.sources.feeds import FEEDS
from svduty.warehouse.feed_ingest import ingest_feed
from test_feed_aggregates import BASE
from test_feed_aggregates import HEADER as AGGREGATE_HEADER
from test_feed_ed_assaults import BAD_ROWS as ED_BAD_ROWS
from test_feed_ed_assaults import GOOD as ED_GOOD
from test_feed_police_crime import GOOD, HEADER

KEY = Pseudonymiser(b"k" * 32)
POLICE = FEEDS["police-crime"]
NHS = "943 476 5919"  # a number with a valid check digit (NHS Data Dictionary example)
POSTCODE = "BS1 4DJ"
FIRST = GOOD[0]  # AS/23/0000101,8N,2023-01-14,... with 20 fields


def with_field(row: str, index: int, value: str) -> str:
    fields = row.split(",")
    fields[index] = value
    return ",".join(fields)


def write(tmp_path, rows, *, header=HEADER, eol="\n", name="extract.csv"):
    path = tmp_path / name
    path.write_bytes((eol.join([header, *rows]) + eol).encode("utf-8"))
    return path


def check(path, feed=POLICE):
    read = feeds_base.read(path, feed, KEY.token)
    return read, feeds_base.validate(feed, read)


def refused(path, feed=POLICE) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        check(path, feed)
    return caught.value


# --- defect 1: identifiers in coded columns ---------------------------------------------------


@pytest.mark.parametrize(
    ("index", "column", "value", "what"),
    [
        (1, "Offence code", NHS, "an NHS number"),
        (1, "Offence code", NHS.replace(" ", ""), "an NHS number"),
        (5, "LSOA code", POSTCODE, "a full postcode"),
        (2, "Recorded date", POSTCODE, "a full postcode"),
        (9, "Victim age", NHS.replace(" ", ""), "an NHS number"),
        (10, "Victim sex", "bs14dj", "a full postcode"),
    ],
)
def test_an_identifier_in_any_column_refuses_the_file_and_is_not_repeated(
    tmp_path, index, column, value, what
):
    error = refused(write(tmp_path, [FIRST, with_field(FIRST, index, value)]))
    assert error.code == "identifier_in_text"
    assert f"line 3, column '{column}' holds what looks like {what}" in error.reason
    assert value not in str(error) and value.replace(" ", "") not in str(error)


def test_ten_decimal_places_of_a_coordinate_are_not_taken_for_an_nhs_number(tmp_path):
    # -2.9434765919: the fraction's ten digits carry a valid NHS check digit
    row = with_field(with_field(FIRST, 6, "-2." + NHS.replace(" ", "")), 7, "51.45")
    _, checked = check(write(tmp_path, [row]))
    assert checked.loaded.num_rows == 1


def test_a_file_without_its_header_is_refused_without_repeating_line_one(tmp_path):
    row = with_field(FIRST, 5, POSTCODE)
    error = refused(write(tmp_path, [FIRST], header=row))
    assert error.code == "identifier_in_text" and "is the header missing" in error.reason
    assert POSTCODE not in str(error) and "AS/23" not in str(error)


def test_a_failed_value_is_withheld_from_reason_and_row_unless_safe_to_show(tmp_path):
    rows = [
        with_field(FIRST, 8, "Jane Smyth's flat"),  # a code column: not a code
        with_field(FIRST, 2, "14th Jan"),  # a date column: not a date
        with_field(FIRST, 9, "130"),  # an age out of range: a short number, safe
        with_field(FIRST, 5, "E01999999"),  # an unknown LSOA in ONS form: safe
        with_field(FIRST, 9, "070 0900 123"),  # a number of ten digits: withheld
    ]
    rows = [with_field(r, 0, f"AS/{i}") for i, r in enumerate(rows)]
    _, checked = check(write(tmp_path, rows))
    q = {r["line"]: r for r in checked.quarantined.to_pylist()}
    assert {line: r["field"] for line, r in q.items()} == {
        2: "Location type",
        3: "Recorded date",
        4: "Victim age",
        5: "LSOA code",
        6: "Victim age",
    }
    stored = json.dumps(checked.quarantined.to_pylist())
    for unsafe in ("Jane", "Smyth", "14th Jan", "0900"):
        assert unsafe not in stored
    assert q[2]["reason"].startswith("Location type (withheld) is not one of the codes")
    assert json.loads(q[2]["row_json"])["Location type"] == feeds_base.WITHHELD
    assert json.loads(q[3]["row_json"])["Recorded date"] == feeds_base.WITHHELD
    assert "'130'" in q[4]["reason"] and json.loads(q[4]["row_json"])["Victim age"] == "130"
    assert "'E01999999'" in q[5]["reason"]
    assert q[6]["reason"] == "Victim age (withheld) is not a whole number"
    # the other values of a quarantined row that passed their checks are kept to find it by
    row = json.loads(q[2]["row_json"])
    assert (row["Offence code"], row["Recorded date"]) == ("8N", "2023-01-14")
    assert row["Crime reference"] == KEY.token("AS/0")


def test_a_check_across_fields_cannot_repeat_a_raw_value():
    with pytest.raises(ValueError, match="shown_"):
        feeds_base.Check("Site code", "form", "true", "'Site code ' || raw_site_code")


def test_free_text_that_failed_a_check_is_withheld():
    _, checked = check(ED_BAD_ROWS, FEEDS["ed-assaults"])
    q = {r["line"]: r for r in checked.quarantined.to_pylist()}
    # Site code is free text: its failed value is in no reason and no row
    assert q[11]["field"] == "Site code" and "RA7-01" not in json.dumps(q[11])
    assert json.loads(q[11]["row_json"])["Site code"] == feeds_base.WITHHELD


# --- defect 2: a fact repeated inside one file ------------------------------------------------


def test_a_crime_reference_repeated_inside_a_file_refuses_it(tmp_path, warehouse):
    path = write(tmp_path, [FIRST, GOOD[1], FIRST, FIRST])
    (result,) = ingest_feed(warehouse, "police-crime", [path], pseudonymiser=KEY, loaded_by="test")
    assert result.status == "refused" and result.rows_loaded == 0
    assert "line 4 repeats line 2 (the same Crime reference)" in result.message
    assert "2 row(s) in all" in result.message
    assert warehouse.table("police_crime").count().execute() == 0


def test_a_repeated_row_that_is_quarantined_counts_nothing_twice(tmp_path):
    bad_copy = with_field(FIRST, 9, "130")  # same reference, but the row does not load
    _, checked = check(write(tmp_path, [FIRST, bad_copy]))
    assert (checked.loaded.num_rows, checked.quarantined.num_rows) == (1, 1)


def test_an_aggregate_repeated_inside_a_file_refuses_it_but_other_periods_load(tmp_path):
    feed, base = FEEDS["youth-justice"], BASE["youth-justice"]
    later = base.replace("2023-04-01", "2024-04-01").replace("2024-03-31", "2025-03-31")
    _, checked = check(write(tmp_path, [base, later], header=AGGREGATE_HEADER), feed)
    assert checked.loaded.num_rows == 2
    other_sex = with_field(base, 4, "Male")  # the same area and period, another fact
    _, checked = check(write(tmp_path, [base, other_sex], header=AGGREGATE_HEADER), feed)
    assert checked.loaded.num_rows == 2
    rows = [base, later, base]
    error = refused(write(tmp_path, rows, header=AGGREGATE_HEADER, name="b.csv"), feed)
    assert error.code == "repeated_fact" and "line 4 repeats line 2" in error.reason
    assert "Area code" in error.reason and "overlapping period" in error.reason


def test_rows_of_one_ed_return_share_their_site_and_all_load():
    read, checked = check(ED_GOOD, FEEDS["ed-assaults"])
    assert checked.loaded.num_rows == read.rows_read > 1


# --- defect 9 (first half): files that failed with an Arrow error ------------------------------


def test_cr_only_line_endings_load_with_their_lines(tmp_path):
    rows = [FIRST, with_field(GOOD[1], 9, "130")]
    read, checked = check(write(tmp_path, rows, eol="\r"))
    assert read.rows_read == 2 and checked.loaded.column("line").to_pylist() == [2]
    assert checked.quarantined.column("line").to_pylist() == [3]


@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.parametrize("last", [False, True])  # Arrow itself stops only at the first
def test_a_row_over_a_megabyte_is_refused_with_its_line(tmp_path, quoted, last):
    long = ('"' if quoted else "") + "x" * (csvrows.MAX_ROW_BYTES + 10)
    rows = [FIRST, with_field(with_field(GOOD[1], 0, "AS/2"), 11, long)]
    rows += [] if last else [with_field(GOOD[1], 0, "AS/3")]
    error = refused(write(tmp_path, rows))
    assert error.code == "row_too_long" and error.reason.startswith("line 3 is 1.0 MB long")
    assert "never closed" in error.reason and "send the file again" in error.reason


def test_a_police_uk_row_over_a_megabyte_is_refused_with_its_line(tmp_path):
    path = tmp_path / "2023-01-avon-and-somerset-street.csv"
    row = ",2023-01,Avon and Somerset Constabulary,Avon and Somerset Constabulary,,,{},,,"
    row += "Anti-social behaviour,,"
    body = "\n".join([",".join(police_uk.COLUMNS), row.format("x"), row.format("y" * (1 << 21))])
    path.write_text(body + "\n")
    with pytest.raises(FileRefused) as caught:
        police_uk.read_street_file(path, {"avon-and-somerset": "Avon and Somerset Constabulary"})
    assert caught.value.code == "row_too_long" and "line 3 is 2.0 MB" in caught.value.reason


def test_a_row_over_a_megabyte_with_a_quoted_line_break_is_refused(tmp_path):
    # the fuzzer's find: police.uk files are read without values spanning lines, and a quoted
    # line break in a row longer than Arrow's block made Arrow fail with "out of sync with
    # chunker" (not its "straddling object"), which escaped as a traceback
    path = tmp_path / "street.csv"
    row = ',,,,,,,,,{},"\n"\n'.format("x" * (csvrows.MAX_ROW_BYTES + 1))
    path.write_text(",".join(police_uk.COLUMNS) + "\n" + row + "\n" + row)
    with pytest.raises(FileRefused) as caught:
        police_uk.read_street_file(path, {"avon-and-somerset": "Avon and Somerset Constabulary"})
    assert caught.value.code == "row_too_long" and "line 2 is 1.0 MB" in caught.value.reason


def test_a_header_over_64_kb_is_refused_with_a_fix(tmp_path):
    error = refused(write(tmp_path, [FIRST], header=HEADER + "," + "y" * 200_000))
    assert error.code == "wrong_header" and error.reason.startswith("line 1, the header, is 195 KB")
    assert "y" * 61 not in str(error)


def test_unknown_columns_are_named_cut_short(tmp_path):
    error = refused(write(tmp_path, [FIRST + ",1"], header=HEADER + "," + "z" * 5000))
    assert error.code == "unknown_column" and "z" * 61 not in str(error) and "..." in str(error)
