"""`svduty synth` for any force area: South Wales (Welsh codes) and Merseyside (a metropolitan
force), built on each force's own police.uk files in ../shared/data/police_uk/street.

Checked against the raw police.uk files and the published ONS lookups (read here with the csv
module, not through svduty's reference code): every area code is one of the force area's
authorities, every LSOA an ED row gives is in the force area, the police records equal
police.uk by LSOA, month and crime type, no hospital is named, everything is labelled
synthetic, and every file loads.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import shared_data as _shared
from svduty.cli import app

# Two force areas, generated and loaded (about 40 s of CPU): make test runs it, test-fast not
pytestmark = pytest.mark.slow
runner = CliRunner()


def _csv(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


STREET = _shared("police_uk", "street")
NATIONAL = _shared("geography", "national")
FEEDS = ("police-crime", "ed-assaults", "hospital-admissions", "youth-justice", "probation",
         "fire", "education", "community-voice")  # fmt: skip


def _force_las(pfa: str) -> set[str]:
    return {
        r["ltla24_code"]
        for r in _csv(NATIONAL / "lookup_ltla24_csp24_pfa24.csv.gz")
        if r["pfa24_code"] == pfa
    }


def _force_lsoas(las: set[str]) -> set[str]:
    return {
        r["lsoa21_code"]
        for r in _csv(NATIONAL / "lookup_lsoa21_ward24_ltla24.csv.gz")
        if r["ltla24_code"] in las
    }


def _rows(folder: Path) -> list[dict]:
    return [row for path in sorted(folder.glob("SYNTHETIC-*")) for row in _csv(path)]


def _check_area(out: Path, pfa: str, name: str, raw_files: list[Path]) -> None:
    las = _force_las(pfa)
    lsoas = _force_lsoas(las)
    # labelled synthetic: file names, every row, the README
    for feed in FEEDS:
        files = sorted((out / feed).iterdir())
        assert files and all(f.name.startswith("SYNTHETIC-") for f in files), feed
        assert all(r["Synthetic"] == "Y" for r in _rows(out / feed)), feed
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("SYNTHETIC DATA: NOT REAL RECORDS") and name in readme
    assert "Avon" not in readme and "Somerset" not in readme
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["police_force_area"] == pfa

    # every authority code of the yearly feeds is one of the force area's, and all of them are
    for feed in ("hospital-admissions", "youth-justice", "probation", "fire", "education"):
        assert {r["Area code"] for r in _rows(out / feed)} == las, feed
    # the residents' survey: about 120 responses a year, each from one of those authorities
    assert {r["Area code"] for r in _rows(out / "community-voice")} <= las

    # ED returns: no hospital named, site codes that are not ODS codes, LSOAs in the force area
    ed = _rows(out / "ed-assaults")
    assert ed and {r["Site code"][:5] for r in ed} == {"SYNED"}
    assert len({r["Site code"] for r in ed}) <= len(las)
    assert {r["LSOA code"] for r in ed if r["LSOA code"]} <= lsoas
    text = " ".join(
        r["Assault location description"] for r in ed if r["Assault location description"]
    )
    # ("Hospital grounds" is a kind of place; no department's name is written anywhere)
    for word in ("Infirmary", "Southmead", "Musgrove", "Yeovil", "Bristol", "Taunton", "Weston"):
        assert word not in text

    # police records: one per police.uk crime, the same month and LSOA (anti-social behaviour
    # is not a crime record)
    raw = Counter(
        (r["Month"], r["LSOA code"])
        for path in raw_files
        for r in _csv(path)
        if r["Crime type"] != "Anti-social behaviour"
    )
    police = _rows(out / "police-crime")
    assert Counter((r["Recorded date"][:7], r["LSOA code"]) for r in police) == raw
    assert {r["Crime reference"].split("/")[0] for r in police} != {"AS"}


def test_south_wales_from_its_loaded_police_uk_files(tmp_path):
    """init --force south-wales, ingest two months of police.uk, synth from the warehouse,
    then ingest every synthetic feed."""
    street = tmp_path / "street"
    street.mkdir()
    raw = sorted((STREET / "south-wales").glob("*.csv.gz"))[:2]
    for path in raw:
        shutil.copy(path, street / path.name)
    env = {"SVDUTY_HOME": str(tmp_path / "home"), "SVDUTY_LOADED_BY": "test"}

    def run(*args: str) -> dict:
        result = runner.invoke(app, [*args, "--json"], env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    run("init", "--force", "south-wales")
    run("ingest", "police-uk", str(street))
    made = run("synth", "--seed", "1")
    out = Path(made["out"])
    _check_area(out, "W15000003", "South Wales", raw)
    assert all(la.startswith("W06") for la in made["local_authorities"])
    # the knife flag follows South Wales's own ONS share, not Avon and Somerset's
    (knife,) = made["knife_share_by_year"]
    assert abs(knife["percent"] - knife["ons_percent"]) < 0.1
    for feed in FEEDS:
        loaded = run("ingest", feed, str(out / feed))
        files = loaded["files"]
        assert files and all(f["status"] == "loaded" and f["synthetic"] for f in files), feed
        assert sum(f["rows_loaded"] for f in files) == made["rows_by_feed"][feed], feed
        assert all(f["rows_quarantined"] == 0 for f in files), feed


def test_merseyside_a_metropolitan_force_from_its_street_files(tmp_path):
    env = {"SVDUTY_HOME": str(tmp_path / "home"), "SVDUTY_LOADED_BY": "test"}
    assert runner.invoke(app, ["init", "--force", "merseyside"], env=env).exit_code == 0
    folder = STREET / "merseyside"
    result = runner.invoke(app, ["synth", "--seed", "2", "--police-uk", str(folder), "--json"],
                           env=env)  # fmt: skip
    assert result.exit_code == 0, result.output
    made = json.loads(result.stdout)
    _check_area(Path(made["out"]), "E23000004", "Merseyside", sorted(folder.glob("*.csv.gz")))


def test_another_force_without_police_uk_data_is_told_what_to_do(tmp_path):
    env = {"SVDUTY_HOME": str(tmp_path / "home")}
    assert runner.invoke(app, ["init", "--force", "gwent"], env=env).exit_code == 0
    result = runner.invoke(app, ["synth", "--seed", "1"], env=env)
    assert result.exit_code == 1
    assert "--police-uk" in result.output and "svduty ingest police-uk" in result.output
    assert "Traceback" not in result.output
