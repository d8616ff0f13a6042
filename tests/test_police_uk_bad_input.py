"""Bad input: each case gets a clear message, and nothing is lost."""

from __future__ import annotations

import gzip

from conftest import street_text, write_variant
from svduty.warehouse.ingest import ingest_police_uk

NAME = "2018-01-avon-and-somerset-street.csv"


def load(warehouse, *paths):
    results = ingest_police_uk(warehouse, list(paths), loaded_by="test")
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined
    return results


def rows_in(warehouse) -> int:
    return int(warehouse.table("police_uk_street").count().execute())


def quarantine(warehouse) -> list[dict]:
    q = warehouse.table("quarantine").order_by("line").execute()
    return q.to_dict("records")


def lines(text: str) -> list[str]:
    return text.split("\r\n")


def test_empty_file_is_refused_with_a_reason(warehouse, tmp_path):
    (r,) = load(warehouse, write_variant(tmp_path, NAME, ""))
    assert r.status == "refused"
    assert "empty" in r.message and NAME in r.message
    assert rows_in(warehouse) == 0


def test_header_only_is_refused(warehouse, tmp_path):
    header = lines(street_text())[0] + "\r\n"
    (r,) = load(warehouse, write_variant(tmp_path, NAME, header))
    assert r.status == "refused" and "no rows" in r.message


def test_wrong_header_is_refused_naming_the_missing_column(warehouse, tmp_path):
    text = street_text().replace("Crime type", "Offence", 1)
    (r,) = load(warehouse, write_variant(tmp_path, NAME, text))
    assert r.status == "refused"
    assert "missing column(s): Crime type" in r.message
    assert rows_in(warehouse) == 0


def test_excel_saved_csv_with_bom_loads_every_row(warehouse, tmp_path):
    text = "\ufeff" + street_text()
    (r,) = load(warehouse, write_variant(tmp_path, NAME, text))
    assert r.status == "loaded"
    assert r.rows_loaded == len(lines(street_text())) - 2  # header and the final empty line


def test_windows_encoded_file_is_refused_with_the_line(warehouse, tmp_path):
    rows = lines(street_text())
    rows[3] = rows[3].replace("On or near", "On or near Caf\u00e9")
    (r,) = load(warehouse, write_variant(tmp_path, NAME, "\r\n".join(rows), encoding="cp1252"))
    assert r.status == "refused" and "line 4 is not UTF-8" in r.message


def test_truncated_gzip_is_refused_and_loads_nothing(warehouse, tmp_path):
    data = gzip.compress(street_text().encode())
    path = tmp_path / (NAME + ".gz")
    path.write_bytes(data[: len(data) // 2])
    (r,) = load(warehouse, path)
    assert r.status == "refused" and "truncated" in r.message
    assert rows_in(warehouse) == 0


def test_rows_of_another_force_are_quarantined_with_the_line(warehouse, tmp_path):
    rows = lines(street_text())
    rows[5] = rows[5].replace("Avon and Somerset Constabulary", "Wiltshire Police", 1)
    (r,) = load(warehouse, write_variant(tmp_path, NAME, "\r\n".join(rows)))
    assert r.rows_quarantined == 1
    (q,) = quarantine(warehouse)
    assert q["line"] == 6 and q["field"] == "Reported by" and q["reason_code"] == "other_force"
    assert "Wiltshire Police" in q["reason"]


def test_a_file_of_another_force_loads_under_that_force(warehouse, tmp_path):
    text = street_text().replace("Avon and Somerset Constabulary", "Wiltshire Police")
    (r,) = load(warehouse, write_variant(tmp_path, "2018-01-wiltshire-street.csv", text))
    assert r.status == "loaded" and r.scope == "wiltshire/2018-01"
    t = warehouse.table("police_uk_street")
    assert set(t.force.execute()) == {"wiltshire"}


def test_bad_coordinates_are_quarantined(warehouse, tmp_path):
    rows = lines(street_text())
    f = rows[2].split(",")
    f[4], f[5] = f[5], f[4]  # latitude in the longitude column
    rows[2] = ",".join(f)
    g = rows[3].split(",")
    g[4] = "west"
    rows[3] = ",".join(g)
    (r,) = load(warehouse, write_variant(tmp_path, NAME, "\r\n".join(rows)))
    q = quarantine(warehouse)
    assert [x["reason_code"] for x in q] == ["coordinates_outside_uk", "coordinates_not_numbers"]
    assert "swapped" in q[0]["reason"]
    assert r.rows_loaded == r.rows_read - 2


def test_unknown_crime_type_is_quarantined_with_field_and_value(warehouse, tmp_path):
    rows = lines(street_text())
    k = next(i for i, row in enumerate(rows) if ",Anti-social behaviour," in row)
    rows[k] = rows[k].replace("Anti-social behaviour", "Antisocial behavior")
    (_r,) = load(warehouse, write_variant(tmp_path, NAME, "\r\n".join(rows)))
    (q,) = quarantine(warehouse)
    assert q["field"] == "Crime type" and "'Antisocial behavior'" in q["reason"]
    assert q["line"] == k + 1
    assert '"Crime type":"Antisocial behavior"' in q["row_json"]


def test_month_that_disagrees_with_the_file_name_is_quarantined(warehouse, tmp_path):
    rows = lines(street_text())
    rows[7] = rows[7].replace(",2018-01,", ",2018-02,", 1)
    rows[8] = rows[8].replace(",2018-01,", ",Jan-18,", 1)
    (_r,) = load(warehouse, write_variant(tmp_path, NAME, "\r\n".join(rows)))
    q = quarantine(warehouse)
    assert [(x["line"], x["reason_code"]) for x in q] == [(8, "month_mismatch"), (9, "month_form")]
    assert "spreadsheet" in q[1]["reason"]


def test_row_with_too_many_fields_is_quarantined_not_lost(warehouse, tmp_path):
    rows = lines(street_text())
    rows[10] = rows[10] + ",extra"
    (r,) = load(warehouse, write_variant(tmp_path, NAME, "\r\n".join(rows)))
    (q,) = quarantine(warehouse)
    assert q["line"] == 11 and q["reason_code"] == "wrong_field_count"
    assert r.rows_read == len(rows) - 2


def test_a_file_named_for_a_month_that_does_not_exist_is_refused(warehouse, tmp_path):
    path = write_variant(tmp_path, "2018-13-avon-and-somerset-street.csv", street_text())
    (r,) = load(warehouse, path)
    assert r.status == "refused" and "'2018-13'" in r.message and "not a month" in r.message
    assert rows_in(warehouse) == 0


def test_quarantine_lines_count_blank_lines_before_the_row(warehouse, tmp_path):
    # A file opened and saved by hand can gain blank lines; the line in the message must still
    # be the row's line in the file the person has open.
    rows = lines(street_text())
    rows[12] = rows[12].replace(",2018-01,", ",Jan-18,", 1)
    rows[3:3] = ["", ""]  # two blank lines after line 3; the spoiled row is now on line 15
    (r,) = load(warehouse, write_variant(tmp_path, NAME, "\r\n".join(rows)))
    (q,) = quarantine(warehouse)
    assert (q["line"], q["reason_code"]) == (15, "month_form")
    assert r.rows_read == len(rows) - 4  # header, the final empty line and the two blank ones
