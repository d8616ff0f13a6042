"""Local measures follow the partnership's own definition and place (issue 13).

The shipped local measure says `definition: partnership`: for Avon and Somerset it is the ASVRP
priority strand (as before); for South Wales with its own definition file in the data
directory it counts that definition, and its title names South Wales and the definition.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from svduty import definition
from svduty.analysis.measures import catalogue
from svduty.cli import app
from svduty.settings import Config

runner = CliRunner()
LOCAL = "u25-public-space-serious-violence"
CARDIFF_LSOA = "W01001866"  # Cardiff 016A (ONS LSOA 2021 to ward to authority lookup, 2024)


def _own_definition(home: Path) -> Path:
    """The partnership's own definition: the Home Office core rules under the id
    south-wales-2025 (no `priority` strand), in the data directory."""
    own = home / "definitions" / "south-wales-2025.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    text = definition.shipped()["home-office-core"].read_text(encoding="utf-8")
    own.write_text(text.replace("id: home-office-core", "id: south-wales-2025"), "utf-8")
    path = home / "partnership.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["local_definition"]["id"] = "south-wales-2025"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return own


def test_avon_and_somerset_local_measure_is_still_the_asvrp_priority_strand():
    m = catalogue.load().get(LOCAL)
    assert (m.definition, m.strand, m.under_25) == ("asvrp-2023", "priority", True)
    assert "Avon and Somerset" in m.title and "asvrp-2023" in m.title
    assert "priority strand" in m.title


def test_another_partnerships_local_measure_says_its_own_definition_and_name(tmp_path, monkeypatch):
    home = tmp_path / "home"
    env = {"SVDUTY_HOME": str(home), "SVDUTY_LOADED_BY": "test"}
    monkeypatch.setenv("SVDUTY_HOME", str(home))  # definition.resolve reads the data directory
    result = runner.invoke(app, ["init", "--force", "south-wales", "--json"], env=env)
    assert result.exit_code == 0, result.output
    _own_definition(home)

    m = catalogue.configured(Config.from_env()).get(LOCAL)
    assert m.definition == "south-wales-2025"
    assert "South Wales" in m.title and "south-wales-2025" in m.title
    assert "Avon" not in m.title and "ASVRP" not in m.title and "asvrp" not in m.title
    # the definition has no priority strand: the whole definition counts, and it says so
    assert m.strand is None and "whole definition" in m.title
    assert any("no 'priority' strand" in c for c in m.caveats)

    # counted through the own definition: of three under-25 crimes in Cardiff, the homicide
    # is in the core definition's scope; assault with injury and a 40-year-old's homicide are not
    extract = tmp_path / "crimes.csv"
    extract.write_text(
        "Crime reference,Offence code,Recorded date,Offence from,LSOA code,Victim age\n"
        f"S1,1/1,2025-05-02,2025-05-01,{CARDIFF_LSOA},19\n"
        f"S2,1/1,2025-06-02,2025-06-01,{CARDIFF_LSOA},40\n"
        f"S3,8N,2025-06-03,2025-06-02,{CARDIFF_LSOA},20\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ingest", "police-crime", str(extract), "--json"], env=env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["measures", "-m", LOCAL, "--period", "calendar_year", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (cardiff,) = [
        r for r in doc["results"] if r["area_code"] == "W06000015" and r["period"] == "2025"
    ]
    assert cardiff["count"] == 1
    assert cardiff["definition"].startswith("south-wales-2025")


def test_a_missing_own_definition_is_named_with_its_key(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SVDUTY_HOME", str(home))
    result = runner.invoke(
        app, ["init", "--force", "gwent", "--json"], env={"SVDUTY_HOME": str(home)}
    )
    assert result.exit_code == 0, result.output
    path = home / "partnership.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["local_definition"]["id"] = "gwent-2030"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        catalogue.configured(Config.from_env())
    except catalogue.CatalogueError as exc:
        assert "gwent-2030" in str(exc) and "local_definition.id" in str(exc)
    else:
        raise AssertionError("a missing definition was not reported")
