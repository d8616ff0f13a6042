"""What the command line does with what it is given: areas named any way the partnership names
them, bad input told apart from svduty's own defects, output in full when it is not going to a
terminal, and `--version`."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from conftest import AS_STREET
from svduty import partnership
from svduty.cli import app
from svduty.cli import products as products_cli
from svduty.errors import InputError
from svduty.products import area as areas

runner = CliRunner()
MONTHS = ("2019-01", "2019-02")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A data directory after `svduty init` and two months of police.uk street files."""
    from svduty.cli import ingest, init
    from svduty.settings import Config

    path = tmp_path_factory.mktemp("cli-input") / "home"
    config = Config.from_env({"SVDUTY_HOME": str(path), "SVDUTY_LOADED_BY": "cli-test"})
    init(config)
    ingest(config, [AS_STREET / f"{m}-avon-and-somerset-street.csv.gz" for m in MONTHS])
    return path


def env(home, **extra) -> dict[str, str]:
    return {"SVDUTY_HOME": str(home), "SVDUTY_LOADED_BY": "cli-test", **extra}


def run_script(home, *args: str, **extra) -> subprocess.CompletedProcess:
    """The installed `svduty` script (main) with standard output a pipe, as in `svduty ... > f`."""
    return subprocess.run(
        [sys.executable, "-c", "from svduty.cli import main; main()", *args],
        env=dict(os.environ, **env(home, **extra)),
        capture_output=True,
        text=True,
        timeout=300,
    )


# ---- areas ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("named", "area_id"),
    [
        ("somerset", "somerset"),
        ("SOMERSET", "somerset"),
        ("E06000066", "somerset"),
        ("e06000066", "somerset"),
        ("Bath and North East Somerset", "bath-and-north-east-somerset"),
        ("bath and north east somerset", "bath-and-north-east-somerset"),
        ("Avon and Somerset", "avon-and-somerset"),
        ("E23000036", "avon-and-somerset"),
        (" bristol ", "bristol"),
    ],
)
def test_an_area_is_named_by_its_id_code_or_name_in_any_case(named, area_id):
    assert areas.resolve(partnership.load(), named).id == area_id


def test_areas_come_from_the_partnership_configuration_not_from_avon_and_somerset():
    other = dataclasses.replace(
        partnership.load(),
        name="Thames Valley Violence Reduction Unit",
        police_force_area="E23000043",
        police_uk_force="thames-valley",
        local_authorities=(
            partnership.LocalAuthority("E06000036", "Bracknell Forest", "Community Safety"),
        ),
    )
    assert areas.resolve(other, "BRACKNELL FOREST").code == "E06000036"
    assert areas.resolve(other, "e23000043").id == "thames-valley"
    with pytest.raises(areas.AreaError, match=r"thames-valley.*bracknell-forest") as refused:
        areas.resolve(other, "somerset")
    assert isinstance(refused.value, InputError)


def test_measures_for_an_area_named_by_code_slug_or_name_are_that_areas(home):
    wanted = {}
    for named in ("E06000066", "somerset", "Somerset", "SOMERSET"):
        result = runner.invoke(app, ["measures", "--area", named, "--json"], env=env(home))
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["results"]
        assert rows and {r["area_code"] for r in rows} == {"E06000066"}
        wanted[named] = rows
    assert len({json.dumps(rows, sort_keys=True) for rows in wanted.values()}) == 1


def test_an_unknown_area_is_refused_with_the_choices_not_reported_as_no_data(home):
    result = runner.invoke(app, ["measures", "--area", "narnia"], env=env(home))
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "no area 'narnia'" in message
    for choice in ("avon-and-somerset", "somerset", "E06000066", "South Gloucestershire"):
        assert choice in message
    assert "No measure has data yet" not in result.output


def test_the_product_commands_read_an_area_the_same_way(home, tmp_path):
    """`strategy render` finds the area's strategy file under its id, however it was named."""
    made = runner.invoke(
        app,
        ["strategy", "render", "--area", "E06000066", "--out", str(tmp_path), "--json"],
        env=env(home),
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["area"] == "somerset"
    refused = runner.invoke(app, ["sna", "--area", "narnia"], env=env(home))
    assert refused.exit_code == 1
    assert "no area 'narnia'" in refused.stderr and "bristol" in refused.stderr


# ---- bad input and defects ---------------------------------------------------------------------


def test_bad_input_is_a_message_and_exit_1(home):
    result = run_script(home, "sna", "--area", "somerset", "--period", "2019-13..2019-14")
    assert result.returncode == 1, result.stderr
    assert "is not a month" in result.stderr and "Traceback" not in result.stderr


def test_a_warehouse_url_svduty_cannot_use_is_bad_input(home):
    result = run_script(home, "status", SVDUTY_WAREHOUSE_URL="mysql://db.example.org/svduty")
    assert result.returncode == 1, result.stderr
    message = " ".join(result.stderr.split())
    assert "SVDUTY_WAREHOUSE_URL='mysql://db.example.org/svduty' is neither" in message
    assert "Traceback" not in result.stderr


def test_a_defect_raising_valueerror_is_reported_as_a_defect_not_as_bad_input(home):
    """A ValueError from a bug (here put in place of the status query) must not read as the
    user's mistake: its traceback is printed and the exit code says it is svduty's fault."""
    script = (
        "import svduty.cli as cli\n"
        "def broken(config):\n"
        "    raise ValueError('a defect in svduty')\n"
        "cli.status = broken\n"
        "cli.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "status"],
        env=dict(os.environ, **env(home)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" in result.stderr and "ValueError: a defect in svduty" in result.stderr
    assert "internal error" in result.stderr and "please report" in result.stderr.lower()


def test_a_product_command_does_not_catch_a_defects_valueerror(home, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a defect in the assessment")

    monkeypatch.setattr(products_cli, "sna_built", broken)
    result = runner.invoke(app, ["sna", "--area", "somerset"], env=env(home))
    assert isinstance(result.exception, ValueError)
    assert "a defect in the assessment" not in result.output  # not printed as an error message


# ---- output ------------------------------------------------------------------------------------


def test_output_to_a_pipe_or_file_is_never_cut_to_a_terminals_width(home):
    status = run_script(home, "status")
    assert status.returncode == 0, status.stderr
    assert "avon-and-somerset" in status.stdout and "…" not in status.stdout
    measures = runner.invoke(app, ["measures"], env=env(home))  # not a terminal either
    assert measures.exit_code == 0, measures.output
    for name in ("South Gloucestershire", "Bath and North East Somerset", "North Somerset"):
        assert name in measures.stdout
    assert "…" not in measures.stdout


def test_version_prints_the_installed_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"svduty {version('svduty')}"
