"""The ONS police force area tables (`ons-prc`) against the real workbook, December 2024.

Expected values are read from the workbook in the tests themselves with openpyxl by cell
address (independently of svduty's reader), then looked up in the warehouse by meaning (area,
measure, offence, period): so the reader has to have understood each table, not only copied it.
"""

from __future__ import annotations

import json
import struct
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from svduty import reference
from svduty.cli.published import ingest_ons_prc_command, ingest_ons_prc_files
from svduty.settings import Config
from svduty.sources import ons_prc
from svduty.sources.errors import FileRefused
from svduty.warehouse import connect, schema
from svduty.warehouse.published_ingest import ingest_ons_prc

WORKBOOK = (
    Path(__file__).resolve().parent.parent
    / "src/svduty/data/ons_prc/policeforceareatablesyedecember2024.xlsx"
)
AVON_AND_SOMERSET = "E23000036"
YE_DEC_2024 = (date(2024, 1, 1), date(2024, 12, 31))
YE_DEC_2023 = (date(2023, 1, 1), date(2023, 12, 31))


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand():
    """The workbook as openpyxl reads it (normal mode), sheets by their stripped names."""
    book = openpyxl.load_workbook(WORKBOOK, data_only=True)
    yield {ws.title.strip(): ws for ws in book.worksheets}
    book.close()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A DuckDB warehouse with the workbook loaded once, and the load's result."""
    url = f"duckdb:///{tmp_path_factory.mktemp('ons') / 'w.duckdb'}"
    wh = connect(url)
    (result,) = ingest_ons_prc(wh, [WORKBOOK], loaded_by="test")
    yield wh, result
    wh.close()


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Path:
    """A copy with an unreadable cell, a marker written with spaces and an unknown column."""
    book = openpyxl.load_workbook(WORKBOOK)
    sheets = {ws.title.strip(): ws for ws in book.worksheets}
    sheets["Table P5"]["C55"] = "n/a"  # Avon and Somerset's knife total
    sheets["Table P7"]["D56"] = "[ x ]"  # Avon and Somerset's knife rate
    sheets["Table P8"]["S9"] = "Something new"  # a column ONS might add
    sheets["Table P8"]["S10"] = 5
    path = tmp_path_factory.mktemp("edited") / "policeforceareatables-edited.xlsx"
    book.save(path)
    return path


def sql(wh, text: str, params: tuple = ()) -> list[tuple]:
    with wh.transaction() as tx:
        return tx.execute(text, params)


def value(wh, sheet, area_code, measure, period, offence=None) -> tuple[float | None, str]:
    rows = sql(
        wh,
        "SELECT value, cell FROM published_statistic WHERE sheet = ? AND area_code = ? "
        "AND measure = ? AND offence IS NOT DISTINCT FROM ? AND period_start = ? "
        "AND period_end = ?",
        (sheet, area_code, measure, offence, period[0], period[1]),
    )
    assert len(rows) == 1, (sheet, area_code, measure, offence, period, rows)
    return rows[0]


# ---- the knife measure and hand-read cells --------------------------------------------------


def test_avon_and_somerset_knife_offences_ye_december_2024_is_1573(loaded, hand):
    wh, _ = loaded
    assert hand["Table P5"]["A55"].value == AVON_AND_SOMERSET
    assert hand["Table P5"]["C55"].value == 1573  # the figure PROVENANCE.md quotes
    got, cell = value(wh, "Table P5", AVON_AND_SOMERSET, "knife_selected_offences", YE_DEC_2024)
    assert (got, cell) == (1573, "Table P5!C55")
    # the long series (P6) carries the same latest year
    got, _ = value(wh, "Table P6", AVON_AND_SOMERSET, "knife_selected_offences", YE_DEC_2024)
    assert got == 1573


# (sheet, cell, expected area code, code column, heading cell, words in the heading,
#  measure, offence, period)
# fmt: off
HAND_READ = [
    ("Table P5", "E55", AVON_AND_SOMERSET, "A", "E9", "Attempted murder",
     "knife_selected_offences", "Attempted murder", YE_DEC_2024),
    ("Table P5", "O55", AVON_AND_SOMERSET, "A", "O9", "Homicide",
     "knife_selected_offences", "Homicide", YE_DEC_2024),
    ("Table P5", "D55", AVON_AND_SOMERSET, "A", "D9", "% involving",
     "selected_offences_pct_involving_knife", None, YE_DEC_2024),
    ("Table P6", "C57", AVON_AND_SOMERSET, "A", "C9", "Apr 2010",
     "knife_selected_offences", None, (date(2010, 4, 1), date(2011, 3, 31))),
    ("Table P6", "AA57", AVON_AND_SOMERSET, "A", "AA9", "Jan 2023",
     "knife_selected_offences", None, YE_DEC_2023),
    ("Table P6", "AE57", AVON_AND_SOMERSET, "A", "AE9", "% change",
     "knife_selected_offences_pct_change", None, YE_DEC_2024),
    ("Table P6", "C10", "K04000001", "A", "C9", "Apr 2010",
     "knife_selected_offences", None, (date(2010, 4, 1), date(2011, 3, 31))),
    ("Table P7", "D56", AVON_AND_SOMERSET, "A", "D10", "Jan 2024",
     "knife_selected_offences_rate_per_100k", None, YE_DEC_2024),
    ("Table P1", "C53", AVON_AND_SOMERSET, "A", "C7", "Total recorded crime",
     "total_recorded_crime", None, YE_DEC_2024),
    ("Table P1", "K53", AVON_AND_SOMERSET, "A", "K7", "Robbery",
     "robbery", None, YE_DEC_2024),
    ("Table P4", "K53", AVON_AND_SOMERSET, "A", "K7", "Robbery",
     "robbery", None, YE_DEC_2023),
    ("Table P3", "M54", AVON_AND_SOMERSET, "A", "M8", "Robbery",
     "robbery_rate_per_1000", None, YE_DEC_2024),
    ("Table P8", "Q55", AVON_AND_SOMERSET, "A", "Q9", "Jan 2024",
     "firearm_offences", None, YE_DEC_2024),
    ("Table P9", "D56", AVON_AND_SOMERSET, "A", "D10", "Jan 2024",
     "fraud_and_computer_misuse_offences", None, YE_DEC_2024),
    ("Table C2", "G13", "E22000369", "C", "G8", "Total recorded crime",
     "total_recorded_crime", None, YE_DEC_2024),
    ("Table C2", "U11", "E22000002", "C", "U8", "Theft from the person",
     "theft_from_the_person", None, YE_DEC_2024),
    ("Table C4", "G13", "E22000369", "C", "G8", "mid-2022",
     "population", None, (date(2022, 6, 30), date(2022, 6, 30))),
    ("Table C5", "G13", "E22000369", "C", "G8", "Total recorded crime",
     "total_recorded_crime", None, YE_DEC_2023),
]
# fmt: on


@pytest.mark.parametrize("case", HAND_READ, ids=[f"{c[0]}!{c[1]}" for c in HAND_READ])
def test_values_read_by_hand_are_in_the_warehouse_with_their_meaning(loaded, hand, case):
    wh, _ = loaded
    sheet, addr, code, code_col, heading_addr, words, measure, offence, period = case
    ws = hand[sheet]
    row = ws[addr].row
    assert ws[f"{code_col}{row}"].value == code  # the address is the row we think it is
    assert words.lower() in " ".join(str(ws[heading_addr].value).split()).lower()
    expected = ws[addr].value
    assert isinstance(expected, int | float)
    got, cell = value(wh, sheet, code, measure, period, offence)
    assert got == pytest.approx(expected, rel=1e-12)
    assert cell == f"{sheet}!{addr}"


def test_markers_are_kept_as_status_with_no_value(loaded, hand):
    wh, _ = loaded
    assert hand["Table P7"]["B47"].value.strip() == "City of London"
    assert hand["Table P7"]["D47"].value == "[u1]"
    rows = sql(
        wh,
        "SELECT value, value_status FROM published_statistic WHERE cell = 'Table P7!D47'",
    )
    assert rows == [(None, "suppressed [u1]")]
    statuses = dict(
        sql(wh, "SELECT value_status, count(*) FROM published_statistic GROUP BY value_status")
    )
    assert set(statuses) <= {
        "published",
        "unavailable [x]",
        "not calculable [z]",
        "suppressed [u]",
        "suppressed [u1]",
    }
    assert sql(
        wh,
        "SELECT count(*) FROM published_statistic WHERE (value IS NULL) <> "
        "(value_status <> 'published')",
    ) == [(0,)]


# ---- totals ---------------------------------------------------------------------------------


def _counts(wh, sheet):
    """(measure, offence, period_start) -> {area key: value} for the count measures of a sheet."""
    out: dict[tuple, dict[str, float]] = defaultdict(dict)
    for measure, offence, start, code, kind, val in sql(
        wh,
        "SELECT measure, offence, period_start, area_code, area_type, value "
        "FROM published_statistic WHERE sheet = ? AND unit = 'count' "
        "AND measure NOT IN ('population', 'households')",
        (sheet,),
    ):
        out[(measure, offence, start)][code or kind] = val
    return out


@pytest.mark.parametrize(
    "sheet", ["Table P1", "Table P4", "Table P5", "Table P6", "Table P8", "Table P9"]
)
def test_england_and_wales_is_the_sum_of_the_forces(loaded, sheet):
    """ONS: England and Wales includes British Transport Police (P1-P6; P8 has no BTP row)
    and, for fraud (P9), offences whose victim's force area is unknown."""
    wh, _ = loaded
    checked = 0
    for key, areas in _counts(wh, sheet).items():
        forces = {c: v for c, v in areas.items() if c[:3] in ("E23", "W15")}
        assert len(forces) == 43, key
        english = sum(v for c, v in forces.items() if c.startswith("E"))
        welsh = sum(v for c, v in forces.items() if c.startswith("W"))
        assert areas["E92000001"] == english, key
        assert areas["W92000004"] == welsh, key
        extra = areas.get("british_transport_police", 0) + areas.get("unknown_force_area", 0)
        assert areas["K04000001"] == english + welsh + extra, key
        checked += 1
    assert checked > 0


def test_regions_are_the_sum_of_their_forces(loaded, hand):
    """Region membership read by hand from Table P1's order: forces follow their region."""
    wh, _ = loaded
    members: dict[str, list[str]] = defaultdict(list)
    region = None
    for row in hand["Table P1"].iter_rows(min_row=8, values_only=True):
        code = row[0]
        if code is None or code.startswith(("K04", "E92", "W92")):
            region = None
        elif code.startswith("E12"):
            region = code
        elif code.startswith("E23") and region is not None:
            members[region].append(code)
    assert len(members) == 9
    assert sum(len(m) for m in members.values()) == 39  # the English forces
    for sheet in ("Table P1", "Table P4", "Table P5"):
        for key, areas in _counts(wh, sheet).items():
            for region, forces in members.items():
                assert areas[region] == sum(areas[f] for f in forces), (sheet, key, region)


def test_excluding_greater_manchester_is_the_total_less_gmp(loaded):
    wh, _ = loaded
    for key, areas in _counts(wh, "Table P6").items():
        gmp = areas["E23000005"]
        assert areas["england_and_wales_excluding_gmp"] == areas["K04000001"] - gmp, key
        assert areas["country_excluding_gmp"] == areas["E92000001"] - gmp, key


def test_force_totals_in_the_csp_tables_add_up(loaded):
    """C2/C5: a force's total is its partnerships plus its unassigned offences (and Manchester
    Airport). The one exception is Gwent in C2, short by the 'Unassigned Gwent' row that ONS
    printed with South Wales's code, which svduty quarantines rather than guess."""
    wh, _ = loaded
    gaps = {}
    for sheet in ("Table C2", "Table C5"):
        for measure, force, kind, total in sql(
            wh,
            "SELECT measure, force_area_code, area_type = 'police_force_area', sum(value) "
            "FROM published_statistic WHERE sheet = ? GROUP BY 1, 2, 3",
            (sheet,),
        ):
            gaps.setdefault((sheet, measure, force), {})[kind] = total
    off = {
        k: v[True] - v[False]
        for k, v in gaps.items()
        if True in v and False in v and v[True] != v[False]
    }
    assert off == {
        ("Table C2", "total_recorded_crime", "W15000002"): 1,
        ("Table C2", "theft_offences", "W15000002"): 1,
        ("Table C2", "shoplifting", "W15000002"): 1,
    }
    quarantined = {
        json.loads(r)["heading"]: json.loads(r)["value"]
        for (r,) in sql(
            wh,
            "SELECT row_json FROM quarantine WHERE source = 'ons-prc' AND line = 129 "
            "AND field LIKE 'Table C2!%' AND reason_code = 'area_code_mismatch'",
        )
    }
    assert quarantined["Total recorded crime (excluding fraud)"] == 1
    assert quarantined["Shoplifting"] == 1


def test_p1_and_c2_agree_on_force_totals(loaded):
    wh, _ = loaded
    assert sql(
        wh,
        "SELECT count(*) FROM published_statistic p JOIN published_statistic c "
        "ON p.area_code = c.area_code AND p.measure = c.measure "
        "WHERE p.sheet = 'Table P1' AND c.sheet = 'Table C2' AND p.value <> c.value",
    ) == [(0,)]


# ---- coverage -------------------------------------------------------------------------------


def test_every_force_area_has_the_knife_series_since_ye_march_2011(loaded):
    wh, _ = loaded
    forces = {
        r["pfa_code"]
        for r in reference.build("ref_police_force").to_pylist()
        if r["pfa_code"] is not None
    }
    assert len(forces) == 43
    series: dict[str, list] = defaultdict(list)
    for code, start, end, val, status in sql(
        wh,
        "SELECT area_code, period_start, period_end, value, value_status "
        "FROM published_statistic WHERE sheet = 'Table P6' "
        "AND measure = 'knife_selected_offences' AND area_type = 'police_force_area' "
        "ORDER BY area_code, period_start",
    ):
        series[code].append((start, end, val, status))
    assert set(series) == forces
    for code, points in series.items():
        assert points[0][:2] == (date(2010, 4, 1), date(2011, 3, 31)), code
        assert points[-1][:2] == YE_DEC_2024, code
        assert len(points) == 14, code  # ONS gives no Apr 2022-Mar 2023 point
        assert all(s == "published" and v is not None and v >= 0 for _, _, v, s in points), code
    # and a 2024 rate per 100,000 for each, except the City of London ([u1])
    rates = dict(
        sql(
            wh,
            "SELECT area_code, value FROM published_statistic WHERE sheet = 'Table P7' "
            "AND area_type = 'police_force_area' AND period_end = ?",
            (YE_DEC_2024[1],),
        )
    )
    assert set(rates) == forces
    assert [c for c, v in rates.items() if v is None] == ["E23000034"]


# ---- the load ---------------------------------------------------------------------------------


def test_rows_read_is_loaded_plus_quarantined(loaded):
    """(How long the read and the load take is measured by benchmarks/bench_ons.py.)"""
    wh, result = loaded
    assert result.status == "loaded"
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert sql(wh, "SELECT count(*) FROM published_statistic") == [(result.rows_loaded,)]
    assert sql(wh, "SELECT count(*) FROM quarantine WHERE source = 'ons-prc'") == [
        (result.rows_quarantined,)
    ]
    assert sql(
        wh,
        "SELECT rows_read, rows_loaded, rows_quarantined, scope, period_start, period_end "
        "FROM loads WHERE load_id = ?",
        (result.load_id,),
    ) == [
        (
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            ons_prc.SCOPE,
            date(2009, 4, 1),
            date(2024, 12, 31),
        )
    ]
    # every quarantined cell is one of the two rows ONS printed with another force's code
    reasons = sql(
        wh,
        "SELECT field, reason_code FROM quarantine WHERE source = 'ons-prc' ORDER BY field",
    )
    assert {r for _, r in reasons} == {"area_code_mismatch"}
    assert {f.split("!")[0] for f, _ in reasons} == {"Table C2", "Table C3", "Table C4", "Table C5"}
    book = ons_prc.read_workbook(WORKBOOK)
    assert book.edition == "year ending December 2024"
    assert book.rows_read == result.rows_read


def test_warehouse_table_declares_the_reader_columns():
    assert schema.column_names("published_statistic") == ["load_id", *ons_prc.SCHEMA.names]


def test_loading_again_changes_nothing(loaded):
    wh, first = loaded
    before = sql(wh, "SELECT count(*), sum(value) FROM published_statistic")
    (again,) = ingest_ons_prc(wh, [WORKBOOK], loaded_by="test")
    assert again.status == "unchanged"
    assert again.load_id == first.load_id
    assert sql(wh, "SELECT count(*), sum(value) FROM published_statistic") == before
    assert sql(
        wh, "SELECT count(*) FROM loads WHERE source = 'ons-prc' AND status <> 'refused'"
    ) == [(1,)]


def test_a_changed_edition_replaces_the_older_and_unreadable_cells_are_quarantined(
    tmp_path, edited
):
    wh = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        (first,) = ingest_ons_prc(wh, [WORKBOOK], loaded_by="test")
        (second,) = ingest_ons_prc(wh, [edited], loaded_by="test")
        assert second.status == "replaced" and second.replaced_load_id == first.load_id
        assert second.rows_read == second.rows_loaded + second.rows_quarantined
        assert sql(wh, "SELECT DISTINCT load_id FROM published_statistic") == [(second.load_id,)]
        assert sql(wh, "SELECT count(*) FROM published_statistic") == [(second.rows_loaded,)]
        q = {
            (line, field): code
            for line, field, code in sql(
                wh,
                "SELECT line, field, reason_code FROM quarantine WHERE load_id = ?",
                (second.load_id,),
            )
        }
        assert q[(55, "Table P5!C55")] == "not_a_number"
        assert q[(10, "Table P8!S10")] == "column_not_recognised"
        assert sum(1 for f in q if f[1].startswith("Table P8!S")) == 55  # every P8 data row
        assert second.rows_quarantined == first.rows_quarantined + 1 + 55
        assert sql(
            wh,
            "SELECT count(*) FROM published_statistic WHERE cell = 'Table P5!C55'",
        ) == [(0,)]
        assert sql(
            wh,
            "SELECT value, value_status FROM published_statistic WHERE cell = 'Table P7!D56'",
        ) == [(None, "unavailable [x]")]
        # an older edition than the one loaded is refused, not allowed to replace it
        sql(
            wh,
            "UPDATE loads SET period_end = ? WHERE load_id = ?",
            (date(2025, 3, 31), second.load_id),
        )
        (older,) = ingest_ons_prc(wh, [WORKBOOK], loaded_by="test")
        assert older.status == "refused" and "older than the one already loaded" in older.message
        assert sql(wh, "SELECT DISTINCT load_id FROM published_statistic") == [(second.load_id,)]
        (same,) = ingest_ons_prc(wh, [edited], loaded_by="test")
        assert same.status == "unchanged"
    finally:
        wh.close()


# ---- refusals ---------------------------------------------------------------------------------


def _wrong_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.active.append(["Area Code", "Area Name", "Knife"])
    book.active.append(["E23000036", "Avon and Somerset", 1573])
    book.save(path)
    return path


def _unknown_layout(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ons_prc.TABLES:
        ws = book.create_sheet(name)
        ws.append([f"{name}: a table, year ending December 2024"])
        ws.append(["Force", "Count"])
        ws.append(["Avon and Somerset", 1])
    book.save(path)
    return path


def _csv(path: Path) -> Path:
    path.write_text("Area Code,Area Name\nE23000036,Avon and Somerset\n")
    return path


def _xls(path: Path) -> Path:
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    return path


def _truncated(path: Path) -> Path:
    path.write_bytes(WORKBOOK.read_bytes()[:40_000])
    return path


# openpyxl opens a workbook reading only the start of each sheet (its size), and the rest when
# the rows are asked for, so a workbook that opens can still fail in the middle of a table (the
# fuzzer's finds: a Bad CRC-32, an XML parse error). Table P1's sheet is damaged, as the first
# one read.


def _part(sheet: str) -> str:
    """The zip member holding `sheet`."""
    book = openpyxl.load_workbook(WORKBOOK, read_only=True)
    try:
        return {ws.title.strip(): ws._worksheet_path for ws in book.worksheets}[sheet]
    finally:
        book.close()


def _sheet_bytes_changed(path: Path) -> Path:
    """A byte changed half way through Table P1's compressed data, the zip's directory intact."""
    data = bytearray(WORKBOOK.read_bytes())
    with zipfile.ZipFile(WORKBOOK) as book:
        info = book.getinfo(_part("Table P1"))
    # the data follows the local header: 30 bytes, the name, the extra field
    at = info.header_offset
    name, extra = struct.unpack("<HH", data[at + 26 : at + 30])
    data[at + 30 + name + extra + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _sheet_not_xml(path: Path) -> Path:
    """A sound zip whose Table P1 XML stops half way."""
    part = _part("Table P1")
    with zipfile.ZipFile(WORKBOOK) as book, zipfile.ZipFile(path, "w") as out:
        for info in book.infolist():
            data = book.read(info)
            out.writestr(info, data[: len(data) // 2] if info.filename == part else data)
    return path


REFUSALS = [
    (_csv, "not_xlsx", "not an Excel .xlsx"),
    (_xls, "not_xlsx", ".xls"),
    (_truncated, "damaged_xlsx", "cannot be opened"),
    (_sheet_bytes_changed, "damaged_xlsx", "sheet 'Table P1' cannot be read"),
    (_sheet_not_xml, "damaged_xlsx", "sheet 'Table P1' cannot be read"),
    (_wrong_workbook, "not_ons_prc", "'Table P1'"),
    (_unknown_layout, "layout_not_recognised", "Table P1"),
]


@pytest.mark.parametrize(
    ("make", "code", "words"),
    REFUSALS,
    ids=[
        *("csv", "xls", "truncated", "sheet-bytes-changed", "sheet-not-xml"),
        *("wrong-workbook", "unknown-layout"),
    ],
)
def test_a_file_that_is_not_the_workbook_is_refused(tmp_path, make, code, words):
    path = make(tmp_path / "tables.xlsx")
    with pytest.raises(FileRefused) as refused:
        ons_prc.read_workbook(path)
    assert refused.value.code == code
    assert words in str(refused.value)
    wh = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        (result,) = ingest_ons_prc(wh, [path], loaded_by="test")
        assert result.status == "refused" and words in result.message
        assert sql(wh, "SELECT status, rows_read FROM loads") == [("refused", 0)]
        assert sql(wh, "SELECT count(*) FROM published_statistic") == [(0,)]
    finally:
        wh.close()


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(FileRefused) as refused:
        ons_prc.read_workbook(tmp_path / "nothing.xlsx")
    assert refused.value.code == "file_missing"


# ---- command line -----------------------------------------------------------------------------


def _cli() -> typer.Typer:
    app = typer.Typer()
    ingest = typer.Typer()
    app.add_typer(ingest, name="ingest")
    ingest.command("ons-prc")(ingest_ons_prc_command)
    return app


def test_command_loads_a_folder_and_reports_json(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / WORKBOOK.name).write_bytes(WORKBOOK.read_bytes())
    env = {"SVDUTY_HOME": str(tmp_path / "home"), "SVDUTY_LOADED_BY": "cli-test"}
    runner = CliRunner()
    result = runner.invoke(_cli(), ["ingest", "ons-prc", str(folder), "--json"], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (entry,) = doc["files"]
    assert entry["status"] == "loaded"
    assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_quarantined"]
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    result = runner.invoke(_cli(), ["ingest", "ons-prc", str(bad), "--json"], env=env)
    assert result.exit_code == 1
    assert "not an Excel .xlsx" in json.loads(result.stdout)["files"][0]["message"]
    result = runner.invoke(_cli(), ["ingest", "ons-prc", str(folder)], env=env)
    assert result.exit_code == 0 and "unchanged" in result.output


# ---- PostgreSQL -------------------------------------------------------------------------------


def _summary(wh) -> tuple:
    return (
        sql(
            wh,
            "SELECT sheet, count(*), count(value), sum(value) "
            "FROM published_statistic GROUP BY sheet ORDER BY sheet",
        ),
        sql(
            wh,
            "SELECT reason_code, count(*) FROM quarantine WHERE source = 'ons-prc' "
            "GROUP BY reason_code",
        ),
        value(wh, "Table P5", AVON_AND_SOMERSET, "knife_selected_offences", YE_DEC_2024),
    )


@pytest.mark.postgres
def test_postgres_gives_the_same_counts(loaded, pg_url, tmp_path):
    duck, duck_result = loaded
    config = Config.from_env(
        {"SVDUTY_HOME": str(tmp_path), "SVDUTY_WAREHOUSE_URL": pg_url, "SVDUTY_LOADED_BY": "pg"}
    )
    (result,) = ingest_ons_prc_files(config, [WORKBOOK])
    assert result.status == "loaded"
    for k in ("rows_read", "rows_loaded", "rows_quarantined"):
        assert getattr(result, k) == getattr(duck_result, k), k
    pg = connect(pg_url)
    try:
        pg_sheets, *pg_rest = _summary(pg)
        duck_sheets, *duck_rest = _summary(duck)
        assert pg_rest == duck_rest
        assert [r[:3] for r in pg_sheets] == [r[:3] for r in duck_sheets]
        # sums of doubles may differ in the last bit between engines (order of addition)
        assert [r[3] for r in pg_sheets] == pytest.approx([r[3] for r in duck_sheets], rel=1e-12)
        (again,) = ingest_ons_prc(pg, [WORKBOOK], loaded_by="pg")
        assert again.status == "unchanged"
        assert sql(pg, "SELECT count(*) FROM published_statistic") == [(result.rows_loaded,)]
    finally:
        pg.close()
