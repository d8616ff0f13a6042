"""Data quality for the evidence base: completeness, coverage gaps, quarantine rates, synthetic
share and the data-gap sentences, from real police.uk files and small partner files loaded
through the real feeds. Expected values are counted by hand from the rows written here, or from
the raw police.uk files with the csv module."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest

from conftest import AS_STREET
from svduty.analysis.evidence import quality
from svduty.privacy.pseudonymise import Pseudonymiser
from svduty.warehouse import connect
from svduty.warehouse.feed_ingest import ingest_feed
from svduty.warehouse.ingest import ingest_police_uk

KEY = Pseudonymiser(b"k" * 32)
STREET = [AS_STREET / f"2019-{m}-avon-and-somerset-street.csv.gz" for m in ("06", "08")]

POLICE_HEADER = "Crime reference,Offence code,Recorded date,Offence from,LSOA code,Victim age"
POLICE = [
    "Q1,8N,2023-01-05,2023-01-05 10:00,E01014399,19",
    "Q2,8N,2023-01-06,2023-01-06,E01014485,",
    "Q3,5D,2023-01-20,2023-01-20 22:00,,30",
    "Q4,8N,2023-02-02,2023-02-01,,",
    "Q5,8N,2023-02-14,2023-02-14 03:00,,41",
    # March: nothing recorded at all
    "Q6,8N,2023-04-30,2023-04-29 23:00,E01014399,17",
    "Q7,99Z,2023-04-10,2023-04-10,,",  # quarantined: not an offence code
    "Q8,8N,2023-04-11,2023-04-11,E01999999,",  # quarantined: not an LSOA
]
ED_HEADER = (
    "Site code,Reporting period start,Reporting period end,Assault date and time,"
    "Assault method,Assault location type,LSOA code,Age band,Sex,Synthetic"
)


def ed_file(tmp, site, month, rows, synthetic="N", last="31"):
    path = tmp / f"{site}_{month}.csv"
    lines = [f"{r[0]},{month}-01,{month}-{last},{month}-{r[1]},Body part,Street,{r[2]},18-24,Male,"
             f"{synthetic}" for r in rows]  # fmt: skip
    path.write_text("\n".join([ED_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def build(url, tmp):
    """police.uk June and August 2019 (no July), a force extract with nothing recorded in March
    and two bad rows, two ED sites (RA701 sent no March return; RXH01's February return is
    synthetic and its April return has a bad row), and one ED file refused whole."""
    wh = connect(url)
    ingest_police_uk(wh, STREET, loaded_by="t")
    police = tmp / "police.csv"
    police.write_text("\n".join([POLICE_HEADER, *POLICE]) + "\n", encoding="utf-8")
    ingest_feed(wh, "police-crime", [police], pseudonymiser=KEY, loaded_by="t")
    ra, rx = "RA701", "RXH01"
    files = [
        ed_file(tmp, ra, "2024-01", [(ra, "03 22:00", "E01014399"), (ra, "04 23:00", "")]),
        ed_file(tmp, ra, "2024-02", [(ra, "03 22:00", "")] * 3, last="29"),
        ed_file(tmp, ra, "2024-04", [(ra, "10 01:00", "E01014485")], last="30"),
        ed_file(tmp, rx, "2024-01", [(rx, "11 21:00", "")]),
        ed_file(tmp, rx, "2024-02", [(rx, "11 21:00", "")], synthetic="Y", last="29"),
        ed_file(tmp, rx, "2024-03", [(rx, "11 21:00", "")]),
        ed_file(tmp, rx, "2024-04", [(rx, "11 21:00", ""), ("rxh01", "12 21:00", "")], last="30"),
    ]
    refused = tmp / "refused.csv"
    refused.write_text(ED_HEADER + ",NHS number\nRA701,2024-05-01,2024-05-31,2024-05-01 10:00,"
                       "Body part,Street,,18-24,Male,N,\n", encoding="utf-8")  # fmt: skip
    results = ingest_feed(wh, "ed-assaults", [*files, refused], pseudonymiser=KEY, loaded_by="t")
    assert [r.status for r in results] == ["loaded"] * 7 + ["refused"]
    return wh


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quality")
    warehouse = build(f"duckdb:///{tmp / 'w.duckdb'}", tmp)
    yield warehouse
    warehouse.close()


def street_rows(path):
    text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def pick(frame, **where):
    for k, v in where.items():
        frame = frame[frame[k] == v]
    assert len(frame) == 1, where
    return frame.iloc[0]


def test_completeness_per_column_and_month(wh):
    c = quality.completeness(wh)
    ed = c.by_month[(c.by_month.table == "ed_assault") & (c.by_month.column == "lsoa_code")]
    # Jan: RA701 1 of 2, RXH01 0 of 1; Feb: 0 of 3 + 0 of 1; Mar: RXH01 0 of 1; Apr: 1 of 1 + 0 of 1
    assert list(zip(ed.period, ed.rows, ed.non_null, strict=True)) == [
        ("2024-01", 3, 1), ("2024-02", 4, 0), ("2024-03", 1, 0), ("2024-04", 2, 1)]  # fmt: skip
    assert list(ed.share) == pytest.approx([1 / 3, 0, 0, 1 / 2])
    age = pick(c.overall, table="police_crime", column="victim_age")
    assert (age["rows"], age["non_null"]) == (6, 4)  # the quarantined rows are not in it
    assert pick(c.overall, table="police_crime", column="crime_ref")["share"] == 1
    assert "load_id" not in set(c.overall.column) and "line" not in set(c.overall.column)
    for month, path in zip(("2019-06", "2019-08"), STREET, strict=True):
        rows = street_rows(path)
        got = pick(c.by_month, table="police_uk_street", period=month, column="lsoa_code")
        assert got["rows"] == len(rows)
        assert got["non_null"] == sum(1 for r in rows if r["LSOA code"])


def test_coverage_gaps_by_loads_and_by_rows(wh):
    cov = quality.coverage_gaps(wh)
    by_loads = {(r.source, r.provider): r.missing_months for r in cov.by_loads.itertuples()}
    assert by_loads[("police-uk-street", "avon-and-somerset")] == ["2019-07"]
    assert by_loads[("ed-assaults", "RA701")] == ["2024-03"]
    assert by_loads[("ed-assaults", "RXH01")] == []
    # the force extract's one load covers January to April: only its rows show the gap
    assert by_loads[("police-crime", "force extract")] == []
    by_rows = {(r.table, r.provider): r.missing_months for r in cov.by_rows.itertuples()}
    assert by_rows[("police_crime", "")] == ["2023-03"]
    assert by_rows[("ed_assault", "RA701")] == ["2024-03"]
    assert by_rows[("police_uk_street", "avon-and-somerset")] == ["2019-07"]


def test_quarantine_rates_by_source_and_reason(wh):
    q = quality.quarantine_rates(wh)
    police = pick(q.by_source, source="police-crime")
    assert (police.rows_read, police.rows_quarantined, police.rate) == (8, 2, 2 / 8)
    reasons = q.by_reason[q.by_reason.source == "police-crime"]
    assert set(zip(reasons.reason_code, reasons.rows_quarantined, reasons.rate, strict=True)) == {
        ("code_form", 1, 1 / 8), ("lsoa_unknown", 1, 1 / 8)}  # fmt: skip
    ed = pick(q.by_source, source="ed-assaults")
    assert (ed.files, ed.files_refused, ed.rows_read, ed.rows_quarantined) == (7, 1, 11, 1)
    assert pick(q.by_reason, source="ed-assaults").reason_code == "site_code_form"


def test_synthetic_share(wh):
    s = quality.synthetic_share(wh)
    ed = pick(s.frame, table="ed_assault")
    assert (ed.rows, ed.synthetic_rows, ed.share) == (10, 1, 0.1)
    assert pick(s.frame, table="police_crime").synthetic_rows == 0
    assert s.synthetic is True


def test_the_data_gap_sentences(wh):
    q = quality.quality(wh)
    gaps = q.gaps
    expected = [
        "police.uk (avon-and-somerset) has no data for 2019-07 (between 2019-06 and 2019-08).",
        "ED assault data (ISTV) (RA701) has no data for 2024-03 (between 2024-01 and 2024-04).",
        "ED data lack an LSOA for 80% of rows (8 of 10).",
        "Police records lack a victim age for 33% of rows (2 of 6).",
        "25% of police recorded crime (force extract) rows (2 of 8) were quarantined and are "
        "not in any figure; most often code_form in Offence code (1), lsoa_unknown in LSOA "
        "code (1).",
        "1 ED assault data (ISTV) file(s) were refused whole and loaded nothing.",
        "10% of ED data rows are synthetic (1 of 10).",
    ]
    for sentence in expected:
        assert sentence in gaps, (sentence, gaps)
    assert any(g.startswith("Police records have no rows for 2023-03") for g in gaps)
    # the extract sent no flags at all: one sentence, not one per column
    (never,) = [g for g in gaps if g.startswith("Police records never give")]
    assert "a location type" in never and "the exploitation flag" in never
    assert not any(g.startswith("Police records lack the knife flag") for g in gaps)
    # RA701's March is said once, from its loads, not again from its rows
    assert sum("2024-03" in g for g in gaps) == 1
    assert any("police.uk gives only the month" in g for g in gaps)
    assert q.synthetic is True
    json.dumps(q.as_dict())


@pytest.mark.postgres
def test_postgres_gives_the_same_answers(pg_url, wh, tmp_path):
    on_pg = build(pg_url, tmp_path)
    try:
        pg = quality.quality(on_pg).as_dict()
    finally:
        on_pg.close()
    assert pg == quality.quality(wh).as_dict()
