"""The CLI: JSON output, exit codes, and the demo's summary reconciling with the raw files."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from conftest import AS_STREET, held_by_another_process, street_text
from svduty.cli import app

runner = CliRunner()


def env(tmp_path) -> dict:
    return {"SVDUTY_HOME": str(tmp_path / "home"), "SVDUTY_LOADED_BY": "cli-test"}


def test_ingest_json_reports_rows_per_file_and_exit_code_0(tmp_path):
    f = AS_STREET / "2018-03-avon-and-somerset-street.csv.gz"
    result = runner.invoke(app, ["ingest", "police-uk", str(f), "--json"], env=env(tmp_path))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (entry,) = doc["files"]
    raw_rows = len(street_text("2018-03").splitlines()) - 1  # counted from the raw file
    assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_quarantined"] == raw_rows


def test_refused_file_exits_1_and_says_why(tmp_path):
    bad = tmp_path / "2018-01-avon-and-somerset-street.csv"
    bad.write_text("")
    result = runner.invoke(app, ["ingest", "police-uk", str(bad), "--json"], env=env(tmp_path))
    assert result.exit_code == 1
    assert "empty" in json.loads(result.stdout)["files"][0]["message"]


def test_usage_error_exits_2(tmp_path):
    result = runner.invoke(app, ["ingest", "police-uk"], env=env(tmp_path))
    assert result.exit_code == 2


def test_status_json_reports_gaps(tmp_path):
    files = [str(AS_STREET / f"2019-{m}-avon-and-somerset-street.csv.gz") for m in ("06", "08")]
    runner.invoke(app, ["ingest", "police-uk", *files, "--json"], env=env(tmp_path))
    result = runner.invoke(app, ["status", "--json"], env=env(tmp_path))
    assert result.exit_code == 0
    (cov,) = json.loads(result.stdout)["coverage"]
    assert cov["gaps"] == ["2019-07"]


@pytest.mark.slow  # loads every bundled police.uk month (the whole archive): a minute or more
def test_demo_summary_accounts_for_every_violence_robbery_and_weapons_row(tmp_path):
    from svduty.analysis.police_summary import CRIME_TYPES, NO_LOCATION, OUTSIDE
    from svduty.cli import demo
    from svduty.settings import Config
    from test_police_uk_real import raw_counts

    result = demo(Config.from_env(env(tmp_path)), synthetic=False)
    summary = result["violence_summary"]
    raw = raw_counts()
    for crime_type in CRIME_TYPES:
        expected = sum(n for (_, c), n in raw.items() if c == crime_type)
        assert sum(r["count"] for r in summary if r["crime_type"] == crime_type) == expected
    areas = {r["area"] for r in summary}
    assert {"Somerset", "Bristol, City of", NO_LOCATION, OUTSIDE} <= areas
    assert "Mendip" not in areas
    assert all(r["rate_per_1000"] is None for r in summary if r["area"] in (NO_LOCATION, OUTSIDE))


def test_partner_feed_ingest_needs_the_key_that_init_writes(tmp_path):
    extract = tmp_path / "extract.csv"
    extract.write_text(
        "Crime reference,Offence code,Recorded date,Offence from\n"
        "AS/23/1,8N,2023-01-14,2023-01-13 23:40\n"
        "AS/23/2,99Z,2023-01-14,2023-01-13\n"
    )
    args = ["ingest", "police-crime", str(extract), "--json"]
    before = runner.invoke(app, args, env=env(tmp_path))
    assert before.exit_code == 1 and "svduty init" in before.output

    init = runner.invoke(app, ["init", "--json"], env=env(tmp_path))
    assert init.exit_code == 0
    doc = json.loads(init.stdout)
    key_text = (tmp_path / "home/keys/partnership.key").read_text()
    assert doc["key_written"] and key_text.split(":")[1].strip() not in init.stdout

    result = runner.invoke(app, args, env=env(tmp_path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"] == {
        "rows_read": 2,
        "rows_loaded": 1,
        "rows_quarantined": 1,
    }
    status = json.loads(runner.invoke(app, ["status", "--json"], env=env(tmp_path)).stdout)
    (feed,) = status["partner_feeds"]
    assert (feed["source"], feed["period_start"], feed["rows_loaded"]) == (
        "police-crime",
        "2023-01-14",
        1,
    )
    q = runner.invoke(app, ["quarantine", "--source", "police-crime", "--json"], env=env(tmp_path))
    (row,) = json.loads(q.stdout)["rows"]
    assert (row["file_name"], row["line"], row["field"]) == ("extract.csv", 3, "Offence code")
    assert "AS/23/2" not in q.stdout


def test_the_full_demo_loads_every_synthetic_feed_and_labels_what_derives_from_it(demo_result):
    # the session's demo build is this very call, demo(config), so it is not made twice
    from svduty.sources.feeds import FEEDS
    from svduty.sources.linked_records import EVENTS as LINKED
    from svduty.synth import FEEDS as SYNTHESISED

    result = demo_result
    assert set(result["partner_feeds"]) == set(SYNTHESISED)
    # Every feed but the linked-records ones, whose synthetic people need identifiers and a
    # linkage key (svduty.synth.linkage, tests/test_linkage.py); the demo does not make them yet.
    assert set(FEEDS) - set(SYNTHESISED) == set(LINKED)
    for source, files in result["partner_feeds"].items():
        assert files, source
        assert {f["status"] for f in files} == {"loaded"}, source
        assert all(f["synthetic"] and f["rows_quarantined"] == 0 for f in files), source
    assert all(f["synthetic"] for f in result["partner_feed_coverage"])
    by_measure = {}
    for row in result["measures"]:
        by_measure.setdefault(row["measure"], []).append(row)
    # the real published knife figure is not synthetic; the partner-fed measures are, and say so
    assert not any(r["synthetic"] for r in by_measure["knife-police-published"])
    for measure in ("knife-police", "hospital-sharp-object", "homicide"):
        assert all(r["synthetic"] for r in by_measure[measure])
        assert all(r["caveats"][0].startswith("SYNTHETIC DATA") for r in by_measure[measure])
    # the published Avon and Somerset figure for the year ending December 2024 (ONS table P6)
    (ye_dec_2024,) = [r for r in by_measure["knife-police-published"] if r["period"] == "2024"]
    assert ye_dec_2024["count"] == 1573


def test_a_reading_command_before_init_says_what_to_run_and_creates_nothing(tmp_path):
    # The installed `svduty` script (main), so the message a person sees is what is tested.
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "from svduty.cli import main; main()", "status"],
        env=dict(os.environ, **env(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert f"no warehouse at {tmp_path / 'home' / 'warehouse.duckdb'}" in message
    assert "svduty init" in message and "Traceback" not in result.stderr
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()


def test_reading_commands_run_beside_another_reader_of_the_warehouse(tmp_path):
    """The portal's pages hold the warehouse read only; `svduty status` (read only too) runs
    beside them. A command opening it read-write would be refused DuckDB's lock."""
    f = AS_STREET / "2018-03-avon-and-somerset-street.csv.gz"
    assert runner.invoke(app, ["ingest", "police-uk", str(f)], env=env(tmp_path)).exit_code == 0
    with held_by_another_process(tmp_path / "home" / "warehouse.duckdb", read_only=True):
        result = runner.invoke(app, ["status", "--json"], env=env(tmp_path))
    assert result.exit_code == 0, result.output
    (cov,) = json.loads(result.stdout)["coverage"]
    assert cov["months_loaded"] == 1


def test_quarantine_reads_beside_another_reader_of_the_warehouse(tmp_path):
    """`svduty quarantine` only reads, so it opens the warehouse read only like `status`: a
    read-write open would be refused DuckDB's lock while the portal's pages hold the file."""
    bad = tmp_path / "2018-03-avon-and-somerset-street.csv"
    lines = street_text("2018-03").splitlines()
    unknown_type = lines[1].replace(",Vehicle crime,", ",Not a crime type,", 1)
    bad.write_text(f"{lines[0]}\n{unknown_type}\n")
    assert runner.invoke(app, ["ingest", "police-uk", str(bad)], env=env(tmp_path)).exit_code == 0
    with held_by_another_process(tmp_path / "home" / "warehouse.duckdb", read_only=True):
        result = runner.invoke(app, ["quarantine", "--json"], env=env(tmp_path))
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["file_name"], row["line"]) == (bad.name, 2)
