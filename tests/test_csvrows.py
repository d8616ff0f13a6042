"""CSV rows keep the file line they start on, whatever blank lines and multi-line values
come before them: a quarantine message that names the wrong line sends a person to the wrong
row."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from svduty.sources import csvrows

NAMES = ["a", "b", "c"]


def parsed(body: bytes, **kwargs) -> tuple[list[int], list[tuple[int, str]]]:
    rows, ragged = csvrows.parse_text(body, NAMES, **kwargs)
    return rows.column("line").to_pylist(), list(
        zip(ragged.column("line").to_pylist(), ragged.column("text").to_pylist(), strict=True)
    )


def true_lines(body: bytes, *first_fields: str) -> list[int]:
    """The file line (header = 1) on which each given first field starts, found by search."""
    text = "\n" + body.decode().replace("\r\n", "\n").replace("\r", "\n")
    return [text[: text.index(f"\n{field},")].count("\n") + 2 for field in first_fields]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_one_line_records_are_numbered_from_line_two(eol):
    body = eol.join(["r1,a,x", "r2,b,y", "r3,c", "r4,d,z"]).encode() + eol.encode()
    good, ragged = parsed(body)
    assert good == [2, 3, 5] == true_lines(body, "r1", "r2", "r4")
    assert ragged == [(4, "r3,c")]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_blank_lines_are_counted_though_arrow_skips_them(eol):
    lines = ["r1,a,x", "", "r2,b,y", "", "", "r3,c", "r4,d,z", ""]
    body = eol.join(lines).encode()
    good, ragged = parsed(body)
    assert good == true_lines(body, "r1", "r2", "r4") == [2, 4, 8]
    assert ragged == [(7, "r3,c")]


def test_a_blank_first_line_is_counted():
    body = b"\nr1,a,x\nr2,b,y\n"
    assert parsed(body)[0] == [3, 4]


def test_a_quoted_value_over_several_lines_moves_the_rows_after_it():
    body = b'r1,"two\nlines",x\nr2,b,y\n\nr3,c\nr4,"three\r\nmore\r\nlines",z\nr5,e,w\n'
    good, ragged = parsed(body, newlines_in_values=True)
    assert good == true_lines(body, "r1", "r2", "r4", "r5") == [2, 4, 7, 10]
    assert ragged == [(6, "r3,c")]


def test_without_multi_line_values_a_quote_changes_nothing():
    body = b'r1,"a, quoted",x\nr2,b,y\n'
    assert parsed(body) == ([2, 3], [])
    assert parsed(body, newlines_in_values=True) == ([2, 3], [])


def test_values_are_text_and_an_empty_field_is_null_but_quoted_empty_is_empty():
    rows, _ = csvrows.parse_text(b'007,,""\n', NAMES)
    assert rows.to_pylist() == [{"line": 2, "a": "007", "b": None, "c": ""}]


def test_ragged_rows_join_the_quarantine_in_line_order_with_their_text():
    quarantined = pa.table(
        {
            "line": pa.array([3, 9], pa.int64()),
            "field": ["b", "c"],
            "reason_code": ["x", "y"],
            "reason": ["bad b", "bad c"],
            "row_json": ["{}", "{}"],
        }
    )
    ragged = pa.table({"line": pa.array([5], pa.int64()), "text": ["r,1,2,3"]})
    out = csvrows.with_ragged(quarantined, ragged, lambda text: f"{text.count(',') + 1} fields")
    assert out.column("line").to_pylist() == [3, 5, 9]
    row = out.to_pylist()[1]
    assert row["field"] == "(row)" and row["reason_code"] == "wrong_field_count"
    assert row["reason"] == "4 fields" and json.loads(row["row_json"]) == {"text": "r,1,2,3"}
    empty = ragged.slice(0, 0)
    assert csvrows.with_ragged(quarantined, empty, str) is quarantined


def test_a_blank_line_is_counted_when_the_last_row_has_no_line_ending():
    # one line feed per row, but only because the last row lacks its own: not the plain case
    body = b"r1,a,x\n\nr2,b,y"
    assert parsed(body)[0] == true_lines(body, "r1", "r2") == [2, 4]


def test_a_quoted_value_longer_than_the_csv_modules_limit_keeps_the_lines_after_it():
    # the csv module, which finds where records start, refused fields over 128 KB by default
    long = "x" * 200_000
    body = f'r1,"{long}\n{long}",x\nr2,b,y\n'.encode()
    good, ragged = parsed(body, newlines_in_values=True)
    assert good == [2, 4] and ragged == []
