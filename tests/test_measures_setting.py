"""SVDUTY_MEASURES names the partnership's own measures file: every command that reads measures
uses it (`measures`, `strategy`, `sna`, `review`, `publish`), not only `measures`."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from measures_setting import OUR_MEASURE, OUR_TITLE, write_measures, write_strategy
from svduty import partnership
from svduty.cli import app
from svduty.cli.products import DEMO_REVIEW_YEAR
from svduty.products.strategy import file as strategies

runner = CliRunner()


def env(tmp_path, measures) -> dict[str, str]:
    """No warehouse: these commands must read the measures file before they need one."""
    return {
        "SVDUTY_HOME": str(tmp_path / "home"),
        "SVDUTY_PARTNERSHIP": str(partnership.DEFAULT_YAML),
        "SVDUTY_MEASURES": str(measures),
    }


def test_a_strategy_may_track_a_measure_of_the_partnerships_own(tmp_path):
    measures = write_measures(tmp_path)
    plan = write_strategy(tmp_path / "somerset.yaml")
    checked = runner.invoke(
        app, ["strategy", "check", str(plan), "--json"], env=env(tmp_path, measures)
    )
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["ok"]

    out = tmp_path / "page"
    args = ["strategy", "render", "--area", "somerset", "--file", str(plan), "--out", str(out)]
    rendered = runner.invoke(app, args, env=env(tmp_path, measures))
    assert rendered.exit_code == 0, rendered.output
    assert OUR_TITLE in (out / "index.html").read_text(encoding="utf-8")


def test_without_the_setting_that_strategy_is_refused_naming_the_measure(tmp_path):
    """The same strategy against the shipped catalogue: the check above is not vacuous."""
    plan = write_strategy(tmp_path / "somerset.yaml")
    result = runner.invoke(
        app,
        ["strategy", "check", str(plan)],
        env={"SVDUTY_HOME": str(tmp_path / "home"), "SVDUTY_MEASURES": ""},
    )
    assert result.exit_code == 1
    assert OUR_MEASURE in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["measures"],
        ["sna", "--area", "somerset"],
        ["review", "--year", "2021", "--area", "somerset"],
        ["publish", "--area", "somerset"],
        ["strategy", "render", "--area", "somerset", "--file", "EXAMPLE"],
        ["strategy", "check", "EXAMPLE"],
    ],
)
def test_every_command_that_reads_measures_reads_the_named_file(tmp_path, args):
    """A measures file that is not there stops each of them, naming it: proof each one reads
    the file SVDUTY_MEASURES names rather than the shipped catalogue."""
    example = str(strategies.examples()["somerset"])
    args = [example if a == "EXAMPLE" else a for a in args]
    missing = tmp_path / "not-there.yaml"
    result = runner.invoke(app, args, env=env(tmp_path, missing))
    assert result.exit_code == 1, result.output
    assert f"{missing}: no such measures file" in " ".join(result.stderr.split())


def test_the_assessment_review_and_site_count_and_name_the_partnerships_own_measure(
    demo_config, tmp_path
):
    """On the demo warehouse: a strategy tracking a measure of the partnership's own is
    reviewed on it (its hotspots too, looked up in the partnership's catalogue), and the
    assessment and the public site show it."""
    from svduty.cli import products as products_cli

    home = tmp_path / "home"
    write_strategy(home / "strategies" / "somerset.yaml")
    config = dataclasses.replace(demo_config, home=home, measures_path=write_measures(tmp_path))

    report, built = products_cli.sna_built(config, "somerset", out=tmp_path / "sna")
    assert OUR_TITLE in Path(report["annex"]).read_text(encoding="utf-8")  # the success measures

    review = products_cli.review(
        config, DEMO_REVIEW_YEAR, "somerset", out=tmp_path / "review", outside_period=True
    )
    assert review["strategy"]
    assert OUR_TITLE in Path(review["path"]).read_text(encoding="utf-8")

    site = products_cli.publish(
        config, tmp_path / "site", ["somerset"], assessments={"somerset": built}
    )
    pages = "".join(p.read_text(encoding="utf-8") for p in Path(site["site"]).rglob("*.html"))
    assert OUR_TITLE in pages
