"""`svduty definition show | check | diff`: JSON documents, Rich output and exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from svduty import partnership
from svduty.cli.definition import app
from svduty.definition import shipped
from svduty.warehouse.connection import Warehouse
from test_definition import SHIPPED_ROWS, SHIPPED_STREET, insert

runner = CliRunner()


def env(tmp_path) -> dict:
    return {
        "SVDUTY_HOME": str(tmp_path / "home"),
        "SVDUTY_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'home' / 'warehouse.duckdb'}",
        "SVDUTY_LOADED_BY": "definition-test",
        "COLUMNS": "250",  # Rich wraps at the terminal width; keep each message on one line
    }


def loaded(tmp_path) -> dict:
    """The environment of a warehouse holding the shipped-definition rows of test_definition."""
    environment = env(tmp_path)
    wh = Warehouse(environment["SVDUTY_WAREHOUSE_URL"])
    try:
        insert(wh, "police_crime", [row for row, _, _ in SHIPPED_ROWS])
        insert(wh, "police_uk_street", [row for row, _, _ in SHIPPED_STREET])
    finally:
        wh.close()
    return environment


BAD = """\
id: bad
version: "1"
title: A definition with mistakes
wording: {text: "w", source: "https://example.org"}
adopted: 2024-01-01
strands: {priority: p}
rules:
  - {id: knife, strand: priority, description: d, criteria: {offence_codes: [5Z]}}
  - {id: knife, strand: prority, description: d, criteria: {victim_age: {min: 25, max: 24}}}
"""


def test_check_a_shipped_definition_is_valid(tmp_path):
    for name, path in shipped().items():
        result = runner.invoke(app, ["check", str(path), "--json"], env=env(tmp_path))
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert doc["ok"] and doc["problems"] == [] and doc["id"] == name
        assert {s["source"] for s in doc["sources"]} >= {"police_crime", "police_uk_street"}
    human = runner.invoke(app, ["check", "asvrp-2023"], env=env(tmp_path))
    assert human.exit_code == 0 and "is valid: 16 rules" in human.stdout


def test_check_a_bad_file_lists_every_problem_and_exits_1(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    result = runner.invoke(app, ["check", str(path), "--json"], env=env(tmp_path))
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert not doc["ok"] and len(doc["problems"]) == 4
    assert all(p.startswith(f"{path}: rule 'knife'") for p in doc["problems"])
    human = runner.invoke(app, ["check", str(path)], env=env(tmp_path))
    assert human.exit_code == 1
    assert "'5Z' is not a Home Office offence code" in human.stderr
    assert "duplicate rule id" in human.stderr and "4 problem(s)" in human.stderr


def test_check_a_missing_file_exits_1(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "none.yaml"), "--json"], env=env(tmp_path))
    assert result.exit_code == 1
    assert "neither a definition file" in json.loads(result.stdout)["problems"][0]


def test_show_counts_the_rows_each_rule_takes(tmp_path):
    result = runner.invoke(app, ["show", "asvrp-2023", "--json"], env=loaded(tmp_path))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["definition"]["id"] == "asvrp-2023"
    sources = {s["source"]: s for s in doc["sources"]}
    crimes = sources["police_crime"]
    assert (crimes["rows"], crimes["in_scope"], crimes["out_of_scope"]) == (18, 11, 7)
    rows = {r["rule"]: r["rows"] for r in crimes["rules"]}
    assert rows["robbery"] == 2 and rows["homicide"] == 1 and rows["gun-crime"] == 0
    street = sources["police_uk_street"]
    assert street["evaluation"] == "approximate" and street["in_scope"] == 2
    assert any("police.uk has no victim age" in n["text"] for n in street["notes"])
    human = runner.invoke(app, ["show", "asvrp-2023"], env=loaded(tmp_path / "again"))
    assert human.exit_code == 0
    assert "11 of 18 rows in scope" in human.stdout and "public space violence" in human.stdout


def test_show_defaults_to_the_partnerships_definition(tmp_path):
    environment = env(tmp_path)
    result = runner.invoke(app, ["show", "--json"], env=environment)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["definition"]["id"] == "asvrp-2023"
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()  # showing makes no warehouse
    partnership.write_default(tmp_path / "home" / "partnership.yaml")
    result = runner.invoke(app, ["show", "--json"], env=environment)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["definition"]["id"] == "asvrp-2023"


def test_show_an_unknown_name_exits_1(tmp_path):
    result = runner.invoke(app, ["show", "asvrp-2099"], env=env(tmp_path))
    assert result.exit_code == 1
    assert "home-office-core" in result.stderr


def test_diff_json_counts_rows_entering_and_leaving(tmp_path):
    result = runner.invoke(
        app, ["diff", "asvrp-2023", "home-office-core", "--json"], env=loaded(tmp_path)
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    crimes = next(s for s in doc["sources"] if s["source"] == "police_crime")
    # the same hand-derived counts as test_definition.test_diff_counts_rows_entering_and_leaving
    assert (crimes["in_scope_a"], crimes["in_scope_b"]) == (11, 6)
    assert (crimes["entering"], crimes["leaving"], crimes["moved_between_rules"]) == (2, 7, 3)
    human = runner.invoke(
        app, ["diff", "asvrp-2023", "home-office-core"], env=loaded(tmp_path / "b")
    )
    assert human.exit_code == 0
    assert "2 enter, 7 leave, 3 change rule" in human.stdout


def test_diff_with_a_bad_definition_exits_1_and_a_missing_argument_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    result = runner.invoke(app, ["diff", "asvrp-2023", str(path), "--json"], env=env(tmp_path))
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)["problems"]) == 4
    assert runner.invoke(app, ["diff", "asvrp-2023"], env=env(tmp_path)).exit_code == 2
    assert runner.invoke(app, ["check"], env=env(tmp_path)).exit_code == 2


def test_the_docs_describe_every_field_source_and_command():
    from pathlib import Path

    from svduty.definition import SOURCES
    from svduty.definition.model import _Validator
    from svduty.definition.vocabulary import (
        ASSAULT_METHODS,
        CRITERIA_KEYS,
        FLAGS,
        ICD10_GROUPS,
        ISTV_LOCATION_TYPES,
        OFFENCE_GROUPS,
        PLACES,
        POLICE_LOCATION_TYPES,
    )

    docs = (Path(__file__).resolve().parent.parent / "docs" / "definitions.md").read_text()
    words = [
        *CRITERIA_KEYS,
        *_Validator._TOP,
        *_Validator._RULE,
        *FLAGS,
        *OFFENCE_GROUPS,
        *ICD10_GROUPS,
        *ASSAULT_METHODS,
        *POLICE_LOCATION_TYPES,
        *ISTV_LOCATION_TYPES,
        *PLACES,
        *SOURCES,
        *shipped(),
    ]
    # a field is in the example file (`key:`) or the tables (`value`); list values end in commas
    missing = [
        w for w in words if not any(f in docs for f in (f"`{w}`", f" {w},", f"\n{w}:", f" {w}:"))
    ]
    assert not missing, f"docs/definitions.md does not describe: {missing}"
    for command in app.registered_commands:
        assert f"`{command.name}" in docs
