"""`svduty init --force NAME` for any police force area, and the partnership file's checks.

The expected lists are computed here from the national lookups as published (the shared copies
under ../shared/data/geography, read with the csv module), not from svduty's reference code:
local authorities (under their current codes), community safety partnerships, fire and rescue
authorities and integrated care boards of each force area.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from svduty import partnership
from svduty.cli import app
from svduty.partnership.generate import render
from svduty.reference.force_areas import force_areas


def _national() -> Path:
    """../shared/data/geography/national beside the checkout (or beside a parent of it, for
    a worktree)."""
    for parent in Path(__file__).resolve().parents[1:]:
        candidate = parent / "shared" / "data" / "geography" / "national"
        if candidate.is_dir():
            return candidate
    pytest.skip("../shared/data/geography/national is not here", allow_module_level=True)


NATIONAL = _national()
LA_ALL_CODES = NATIONAL.parent / "la_all_codes.csv.gz"
runner = CliRunner()


def _rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def expected() -> dict[str, dict[str, set[str]]]:
    """PFA code -> {"las", "csps", "fras", "icbs"}, from the published lookups."""
    current = {r["LADCD"]: r["LADCD_ACTIVE"] for r in _rows(LA_ALL_CODES)}
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    pfa_of = {}
    for r in _rows(NATIONAL / "lookup_ltla24_csp24_pfa24.csv.gz"):
        la = current[r["ltla24_code"]]
        pfa_of[la] = r["pfa24_code"]
        out[r["pfa24_code"]]["las"].add(la)
        out[r["pfa24_code"]]["csps"].add(r["csp24_code"])
    for r in _rows(NATIONAL / "lookup_ltla24_fra24.csv.gz"):
        out[pfa_of[current[r["ltla24_code"]]]]["fras"].add(r["fra24_code"])
    la_of_lsoa = {
        r["lsoa21_code"]: current[r["ltla24_code"]]
        for r in _rows(NATIONAL / "lookup_lsoa21_ward24_ltla24.csv.gz")
    }
    for r in _rows(NATIONAL / "lookup_lsoa21_icb24.csv.gz"):
        out[pfa_of[la_of_lsoa[r["lsoa21_code"]]]]["icbs"].add(r["icb24_code"])
    return {pfa: dict(sets) for pfa, sets in out.items()}


def _pfa_codes() -> list[str]:
    return sorted({r["pfa24_code"] for r in _rows(NATIONAL / "lookup_ltla24_csp24_pfa24.csv.gz")})


def test_every_force_area_of_england_and_wales_is_known():
    assert len(_pfa_codes()) == 43
    assert sorted(force_areas()) == _pfa_codes()


@pytest.mark.parametrize("pfa", _pfa_codes())
def test_generated_file_is_valid_and_lists_the_reference_bodies(pfa, tmp_path):
    area = force_areas()[pfa]
    path = tmp_path / "partnership.yaml"
    path.write_text(render(area), encoding="utf-8")
    p = partnership.load(path)  # the format and every code against the reference data
    raw = yaml.safe_load(path.read_text())
    want = expected()[pfa]
    assert p.police_force_area == pfa
    assert set(p.local_authority_codes) == want["las"]
    assert {c for g in raw["groups"] for c in g.get("community_safety_partnerships", [])} == (
        want["csps"]
    )
    codes = defaultdict(set)
    for body in p.specified_authorities:
        codes[body["kind"]].add(body.get("code"))
    assert codes["fire_and_rescue"] == want["fras"]
    assert codes["local_authority"] == want["las"]
    if pfa.startswith("E"):
        assert codes["integrated_care_board"] == want["icbs"]
    else:  # Wales: the local health boards, W11 codes; never an English ICB
        assert codes["integrated_care_board"] and all(
            c.startswith("W11") for c in codes["integrated_care_board"]
        )
    # every local authority sits in a group, and the board covers them all
    assert {c for g in p.groups for c in g["local_authorities"]} == want["las"]
    assert p.local_definition["id"] == "home-office-core"


def test_south_wales_health_boards_are_the_three_that_serve_it():
    area = force_areas()["W15000003"]
    # Cardiff and Vale (Cardiff, Vale of Glamorgan), Cwm Taf Morgannwg (Bridgend, Rhondda
    # Cynon Taf, Merthyr Tydfil), Swansea Bay (Swansea, Neath Port Talbot)
    assert {b.code for b in area.health_bodies} == {"W11000029", "W11000030", "W11000031"}
    assert sum(b.lsoas for b in area.health_bodies) == area.lsoas


def test_barnsley_and_sheffield_under_their_current_codes():
    # the 2024 lookups say E08000016 and E08000019; ONS recoded both in 2025
    las = dict(force_areas()["E23000011"].local_authorities)
    assert {"E08000038", "E08000039"} <= set(las)
    assert not {"E08000016", "E08000019"} & set(las)


# ---- the CLI ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def south_wales_home(tmp_path_factory) -> dict:
    env = {"SVDUTY_HOME": str(tmp_path_factory.mktemp("sw") / "home")}
    result = runner.invoke(app, ["init", "--force", "South-Wales", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return {"env": env, "result": json.loads(result.stdout)}


def test_init_force_writes_a_file_that_checks(south_wales_home):
    assert south_wales_home["result"]["partnership_written"]
    result = runner.invoke(app, ["partnership", "check", "--json"], env=south_wales_home["env"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] and doc["police_force_area"] == "W15000003"
    # what a person must fill is listed with its line
    texts = [item["text"] for item in doc["to_fill"]]
    assert any(t.startswith("email: null") for t in texts)


def test_init_force_refuses_to_replace_a_file_without_overwrite(south_wales_home):
    result = runner.invoke(app, ["init", "--force", "gwent"], env=south_wales_home["env"])
    assert result.exit_code == 1
    assert "--overwrite" in result.output


@pytest.mark.parametrize("name", ["W15000003", "south wales", "SOUTH-WALES", "South Wales Police"])
def test_a_force_is_named_by_slug_code_or_name_in_any_case(name):
    from svduty.reference.force_areas import find_force

    assert find_force(name).pfa_code == "W15000003"


def test_unknown_force_exits_1_listing_the_choices(tmp_path):
    env = {"SVDUTY_HOME": str(tmp_path / "home")}
    result = runner.invoke(app, ["init", "--force", "atlantis"], env=env)
    assert result.exit_code == 1
    assert "'atlantis' is not a police force area" in result.output
    assert "south-wales (W15000003, South Wales)" in result.output
    assert "city-of-london (E23000034, City of London)" in result.output
    assert not (tmp_path / "home").exists()  # nothing written


def test_init_partnership_file_is_checked_then_copied(tmp_path):
    source = tmp_path / "mine.yaml"
    source.write_text(render(force_areas()["E23000034"]), encoding="utf-8")
    env = {"SVDUTY_HOME": str(tmp_path / "home")}
    result = runner.invoke(app, ["init", "--partnership", str(source), "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / "partnership.yaml").read_bytes() == source.read_bytes()


def _south_yorkshire(tmp_path, old: str, new: str) -> tuple[Path, int]:
    text = render(force_areas()["E23000011"])
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t == f"  - code: {old}")
    path = tmp_path / "partnership.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


def test_superseded_code_is_refused_with_line_and_successor(tmp_path):
    path, line = _south_yorkshire(tmp_path, "E08000038", "E08000016")
    with pytest.raises(partnership.PartnershipConfigError) as exc:
        partnership.load(path)
    message = str(exc.value)
    index = force_areas()["E23000011"].la_codes.index("E08000038")
    assert f"partnership.yaml, line {line}: local_authorities[{index}].code" in message
    assert "E08000016 (Barnsley) is a superseded code" in message
    assert "Write E08000038" in message


def test_authority_of_another_force_area_is_refused(tmp_path):
    path, line = _south_yorkshire(tmp_path, "E08000038", "E06000023")  # Bristol
    with pytest.raises(partnership.PartnershipConfigError) as exc:
        partnership.load(path)
    assert f"line {line}" in str(exc.value)
    assert "in the Avon and Somerset police force area, not South Yorkshire" in str(exc.value)


def test_init_partnership_refuses_an_invalid_file(tmp_path):
    path, _ = _south_yorkshire(tmp_path, "E08000038", "E08000016")
    env = {"SVDUTY_HOME": str(tmp_path / "home")}
    result = runner.invoke(app, ["init", "--partnership", str(path)], env=env)
    assert result.exit_code == 1
    assert "superseded" in result.output
    assert not (tmp_path / "home" / "partnership.yaml").exists()


def test_check_reports_every_problem_of_a_file_at_once(tmp_path):
    """Five problems in one file: `partnership check` lists them all (not only the first), each
    with its key, line and a fix; the superseded code is answered with its successor."""
    text = render(force_areas()["E23000011"])
    text = text.replace("E08000038", "E08000016")  # Barnsley under its 2024 code
    text = text.replace("E08000039", "E06000023")  # Bristol: another force area
    data = yaml.safe_load(text)
    data["specified_authorities"][0]["kind"] = "army"
    data["public_contact"]["email"] = "not an address"
    del data["local_definition"]["source"]
    path = tmp_path / "partnership.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    env = {"SVDUTY_HOME": str(tmp_path / "home")}
    result = runner.invoke(app, ["partnership", "check", str(path), "--json"], env=env)
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    by_key = {x["key"]: x for x in doc["problems"]}
    codes = [la["code"] for la in data["local_authorities"]]
    barnsley = by_key[f"local_authorities[{codes.index('E08000016')}].code"]
    assert "superseded" in barnsley["problem"] and "E08000038" in barnsley["fix"]
    bristol = by_key[f"local_authorities[{codes.index('E06000023')}].code"]
    assert "Avon and Somerset" in bristol["problem"]
    assert "army" in by_key["specified_authorities[0].kind"]["problem"]
    assert "email address" in by_key["public_contact.email"]["problem"]
    assert by_key["local_definition.source"]["problem"] == "required key is missing"
    assert len(doc["problems"]) == 5
    lines = path.read_text().splitlines()
    for x in doc["problems"]:
        assert x["fix"], x
        assert x["line"] and 1 <= x["line"] <= len(lines)
    # the Barnsley problem's line is the line of its code
    assert lines[barnsley["line"] - 1].strip().endswith("E08000016")

    # the text form lists them all too, and load() raises one error holding all five
    text_result = runner.invoke(app, ["partnership", "check", str(path)], env=env)
    assert text_result.exit_code == 1
    assert text_result.output.count("fix:") == 5
    with pytest.raises(partnership.PartnershipConfigError) as exc:
        partnership.load(path)
    assert len(exc.value.problems) == 5
    assert "5 problems" in str(exc.value)
