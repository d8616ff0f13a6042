"""`svduty retention`: rows past their agreement's period deleted, rows within it untouched, a
dry run changes nothing, a SIGKILL mid-run leaves the before state of the feed it was deleting,
each deletion audited and products built before it marked.

What should go is worked out here from the files' own rows and dates (not from svduty's output),
and the warehouse is compared as a whole before and after."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from svduty.cli import ingest_feed_files
from svduty.cli.retention import retention
from svduty.errors import InputError
from svduty.privacy.pseudonymise import generate_key_file
from svduty.settings import Config
from svduty.warehouse import retention as module

ROOT = Path(__file__).resolve().parents[1]
TODAY = date.today()
OLD = TODAY - timedelta(days=6 * 365)  # past both periods below
NEW = TODAY - timedelta(days=30)  # within both
VOICE = (
    "Response reference,Collected date,Age band,Area code,Response text,Consent to quote\n"
    + "".join(
        f"V{i},{d},16-17,E06000023,it is too dark,Y\n" for i, d in enumerate([OLD] * 3 + [NEW] * 2)
    )
)
AGG = "Period start,Period end,Area code,Measure,Count\n"
YOUTH = AGG + f"{OLD - timedelta(days=364)},{OLD},E06000023,first_time_entrants,40\n"
YOUTH_NEW = AGG + f"{NEW - timedelta(days=364)},{NEW},E06000023,first_time_entrants,41\n"
FIRE = AGG + f"{OLD - timedelta(days=364)},{OLD},E06000023,deliberate_primary_fires,300\n"
RULES = """feeds:
  community-voice: {keep: 2 years, from: collected, agreement: Youth survey agreement}
  youth-justice: {keep: 5 years, from: period, agreement: Youth justice agreement}
"""


def _env(home: Path) -> dict:
    return {"SVDUTY_HOME": str(home), "SVDUTY_LOADED_BY": "retention-test"}


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    (home / "keys").mkdir(parents=True)
    generate_key_file(home / "keys" / "partnership.key")
    config = Config.from_env(_env(home))
    for source, name, text in (
        ("community-voice", "voice.csv", VOICE),
        ("youth-justice", "yj-old.csv", YOUTH),
        ("youth-justice", "yj-new.csv", YOUTH_NEW),
        ("fire", "fire.csv", FIRE),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
        [result] = ingest_feed_files(config, source, [tmp_path / name])
        assert result.status == "loaded", result.message
    (home / "retention.yaml").write_text(RULES, encoding="utf-8")
    return home


def _state(home: Path) -> dict:
    """Every table's rows, sorted: the warehouse as a whole."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        return {
            n: sorted(map(repr, con.execute(f"SELECT * FROM {n}").fetchall()))
            for n in names
            if not n.startswith("ref_")
        }
    finally:
        con.close()


def _count(home: Path, sql: str) -> int:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_dry_run_counts_and_changes_nothing(home):
    before = _state(home)
    report = retention(Config.from_env(_env(home)), dry_run=True)
    assert _state(home) == before
    got = {f["feed"]: f["rows"] for f in report["feeds"]}
    assert got == {"community-voice": 3, "youth-justice": 1}  # the OLD rows of the files above
    assert report["products_marked"] == []


def test_run_deletes_past_rows_only_and_audits(home):
    product = home / "products" / "somerset" / "sna"
    product.mkdir(parents=True)
    (product / "index.html").write_text("<html></html>")
    os.utime(product / "index.html", (time.time() - 3600,) * 2)
    before_new = _count(home, f"SELECT count(*) FROM community_voice WHERE collected_on >= '{NEW}'")
    report = retention(Config.from_env(_env(home)), dry_run=False)
    assert _count(home, "SELECT count(*) FROM community_voice") == before_new == 2
    assert _count(home, f"SELECT count(*) FROM community_voice WHERE collected_on < '{NEW}'") == 0
    # youth-justice's old count is gone; its new one, and fire's (no rule) old one, are not
    assert _count(home, "SELECT count(*) FROM partner_aggregate WHERE feed = 'youth-justice'") == 1
    assert _count(home, "SELECT count(*) FROM partner_aggregate WHERE feed = 'fire'") == 1
    audit = _count(home, "SELECT sum(rows_deleted) FROM retention_deletions")
    assert audit == sum(f["rows"] for f in report["feeds"]) == 4
    assert report["products_marked"] == [str(product)]
    assert module.marked(product)
    (product / "index.html").write_text("<html>rebuilt</html>")  # a rebuild clears the mark
    os.utime(product / "index.html", (time.time() + 5,) * 2)
    assert not module.marked(product)
    # a second run finds nothing more
    again = retention(Config.from_env(_env(home)), dry_run=False)
    assert all(f["rows"] == 0 for f in again["feeds"])


def test_sigkill_mid_run_leaves_the_before_state(home, tmp_path):
    before = _state(home)
    pause = tmp_path / "paused"
    env = (
        os.environ
        | _env(home)
        | {
            "PYTHONPATH": str(ROOT / "src"),
            "SVDUTY_FAULT_PAUSE_BEFORE_COMMIT": str(pause),
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "svduty", "retention", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not pause.exists():
            assert proc.poll() is None, "retention ended before it paused"
            assert time.monotonic() < deadline, "retention never reached its commit"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert pause.read_text() == "community-voice"  # killed deleting the first feed
    assert _state(home) == before
    # and a run after the kill completes: the after state
    env.pop("SVDUTY_FAULT_PAUSE_BEFORE_COMMIT")
    done = subprocess.run(
        [sys.executable, "-m", "svduty", "retention", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {f["feed"]: f["rows"] for f in json.loads(done.stdout)["feeds"]} == {
        "community-voice": 3,
        "youth-justice": 1,
    }


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("feeds:\n  police-uk: {keep: 1 year, agreement: x}", "not a feed"),
        ("feeds:\n  fire: {keep: forever, agreement: x}", "feeds.fire.keep"),
        ("feeds:\n  fire: {keep: 1 year, from: birth, agreement: x}", "feeds.fire.from"),
        ("feeds:\n  fire: {keep: 1 year}", "feeds.fire.agreement"),
        ("nothing: here", "needs `feeds:`"),
    ],
)
def test_a_bad_retention_file_names_the_feed_and_fix(tmp_path, text, fragment):
    path = tmp_path / "retention.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"retention\.yaml") as exc:
        module.load_rules(path)
    assert fragment in str(exc.value)


def test_missing_retention_file_says_how_to_write_one(tmp_path):
    with pytest.raises(InputError, match="no retention file"):
        module.load_rules(tmp_path / "retention.yaml")


@pytest.mark.parametrize(
    ("keep", "today", "cutoff"),
    [
        ("2 years", date(2026, 2, 28), date(2024, 2, 28)),
        ("1 year", date(2024, 2, 29), date(2023, 2, 28)),
        ("18 months", date(2026, 8, 31), date(2025, 2, 28)),
        ("30 days", date(2026, 3, 1), date(2026, 1, 30)),
    ],
)
def test_cutoff_arithmetic(keep, today, cutoff):
    [rule] = module.load_rules_from({"feeds": {"fire": {"keep": keep, "agreement": "a"}}})
    assert rule.cutoff(today) == cutoff
