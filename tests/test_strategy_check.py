"""`strategy check` and what it checks beyond the file's form (issue 12): each problem's place
(file, line, field) and fix, an impossible date, an unknown area or measure, a finding cited
that the assessment does not have or that shows nothing, a measure that does not fit its
priority's focus, targets and the one baseline year, and the sections the guidance expects.

The expected lines are counted in the YAML text written here, not taken from the code.
"""

from __future__ import annotations

import json
import textwrap
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from svduty import partnership
from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.cli import app
from svduty.products.strategy import check as checks
from svduty.products.strategy import file as st
from svduty.products.strategy.fit import fits, measure_topics

runner = CliRunner()

# A valid strategy; tests change one line of it. Line numbers below count from 1.
TEXT = textwrap.dedent(
    """\
    title: Test strategy
    area: somerset
    period: 2024-2027
    status: draft
    adopted: null
    local_definition: asvrp-2023
    baseline_year: 2019
    governance: The board leads it.
    resources: Each partner names its staff.
    engagement: Young people were asked.
    priorities:
      - id: p1
        title: Fewer knife crimes against young people
        finding: Knife crime is rising.
        finding_ref: finding-knife
        focus: [knives, young_people]
        objectives: [Fewer knife crimes.]
        measures:
          - id: knife-police-under-25
            target: {change_pct: -10, by: 2027}
          - police-uk-weapons
        interventions:
          - id: i1
            name: Mentoring
            approach: mentoring
            lead_partner: Somerset Youth Justice Service
            description: Mentors for young people.
            actions:
              - id: a1
                description: Recruit mentors.
                owner: Somerset Council
                milestone: 2025-03-31
                status: on_track
    """
)


def _line(text: str, startswith: str) -> int:
    """The line number (from 1) of the first line whose stripped text starts with ``startswith``."""
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(startswith):
            return n
    raise AssertionError(startswith)


def _problems(text: str) -> list[str]:
    with pytest.raises(st.StrategyError) as info:
        st.loads(text, "plan.yaml")
    return info.value.problems


def test_the_valid_strategy_loads_with_its_targets_and_baseline():
    s = st.loads(TEXT, "plan.yaml")
    (p,) = s.priorities
    assert p.measures == ("knife-police-under-25", "police-uk-weapons")
    assert p.focus == ("knives", "young_people")
    (t,) = p.targets
    assert (t.measure, t.change_pct, t.by, t.baseline_year) == (
        "knife-police-under-25",
        -10,
        2027,
        2019,
    )
    assert t.text() == "10% lower than in 2019 by 2027" and t.ratio == pytest.approx(0.9)
    assert s.baseline == 2019 and s.target("police-uk-weapons") is None
    assert checks.check_sections(s) == []


def test_without_a_baseline_year_the_baseline_is_the_year_before_the_period():
    s = st.loads(TEXT.replace("baseline_year: 2019\n", ""), "plan.yaml")
    assert s.baseline == 2023 and s.priorities[0].targets[0].baseline_year == 2023


def test_an_impossible_date_is_a_problem_with_its_line_not_a_traceback():
    text = TEXT.replace("milestone: 2025-03-31", "milestone: 2025-02-30")
    (problem,) = _problems(text)
    line = _line(text, "milestone:")
    assert problem.startswith(
        f"plan.yaml: line {line}: priorities[0].interventions[0].actions[0].milestone: "
        "'2025-02-30' is not a real date"
    )
    assert "YYYY-MM-DD" in problem


def test_an_unknown_measure_names_its_line_and_the_nearest_id():
    text = TEXT.replace("- police-uk-weapons", "- police-uk-weapon")
    (problem,) = _problems(text)
    assert problem.startswith(f"plan.yaml: line {_line(text, '- police-uk-weapon')}: ")
    assert "priorities[0].measures[1]" in problem and "did you mean 'police-uk-weapons'" in problem


def test_a_measure_that_does_not_fit_the_priority_focus_is_refused():
    text = TEXT.replace("- police-uk-weapons", "- domestic-abuse-police")
    (problem,) = _problems(text)
    assert f"line {_line(text, '- domestic-abuse-police')}: priorities[0].measures[1]:" in problem
    assert "domestic_abuse" in problem and "knives, young_people" in problem


def test_a_target_outside_the_period_and_a_late_baseline_are_refused():
    text = TEXT.replace("by: 2027", "by: 2030").replace(
        "baseline_year: 2019", "baseline_year: 2025"
    )
    problems = "\n".join(_problems(text))
    assert "priorities[0].measures[0].target.by: 2030 is outside the strategy's period" in problems
    assert (
        f"line {_line(text, 'baseline_year')}: baseline_year: the baseline 2025 is after"
        in problems
    )


def test_missing_sections_are_warned_about():
    text = TEXT.replace("resources: Each partner names its staff.\n", "")
    (warning,) = checks.check_sections(st.loads(text, "plan.yaml"))
    assert "no resources section" in warning


def test_bad_yaml_names_its_line():
    text = TEXT.replace("title: Test strategy", "title: [unclosed")
    (problem,) = _problems(text)
    assert "not valid YAML" in problem and "line " in problem


# ---- what a measure is about ------------------------------------------------------------------


def test_the_shipped_measures_have_the_topics_their_titles_say():
    cat = measures_catalogue.load()
    topics = {m.id: measure_topics(m) for m in cat.measures}
    assert {"knives", "young_people"} <= set(topics["knife-police-under-25"])
    assert "weapons" in topics["police-uk-weapons"]
    assert "domestic_abuse" in topics["domestic-abuse-police"]
    assert {"young_people", "public_space"} <= set(topics["u25-public-space-serious-violence"])
    assert "homicide" in topics["homicide-under-25"]
    assert not fits(cat.get("police-uk-violence"), ("young_people", "public_space"))
    assert fits(cat.get("police-uk-weapons"), ("knives",))  # carrying a knife is a weapon
    assert fits(cat.get("police-uk-robbery"), ("violence",))


# ---- the findings cited -----------------------------------------------------------------------


def _assessment():
    """An assessment as its model shows it: findings, the figures they draw on, anchors."""
    rows = pd.DataFrame({"x": [1]})
    figures = (
        SimpleNamespace(id="fig-knife", table=rows),
        SimpleNamespace(id="fig-where-hotspots", table=rows),  # no finding draws on it
        SimpleNamespace(id="fig-empty", table=rows.iloc[0:0]),
    )
    findings = (SimpleNamespace(id="finding-knife", figure_id="fig-knife"),)
    anchors = {"finding-knife", "fig-knife", "fig-where-hotspots", "fig-empty", "where"}
    return SimpleNamespace(findings=findings, figures=figures, anchors=lambda: anchors)


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("finding-knife", None),
        ("fig-knife", None),
        ("fig-where-hotspots", "none of its findings draws on that figure"),
        ("fig-empty", "its figure has no data"),
        (
            "finding-knif",
            "is not a finding of the needs assessment (did you mean 'finding-knife'?)",
        ),
    ],
)
def test_a_priority_must_cite_something_the_assessment_found(ref, says):
    text = TEXT.replace("finding_ref: finding-knife", f"finding_ref: {ref}")
    known, empty = checks.assessment_refs(_assessment())
    problems = checks.check_findings(st.loads(text, "plan.yaml"), known, empty=empty)
    if says is None:
        assert problems == []
    else:
        (problem,) = problems
        assert problem.startswith(f"plan.yaml: line {_line(text, 'finding_ref')}: ")
        assert says in problem


# ---- the command ------------------------------------------------------------------------------


def _env(tmp_path) -> dict[str, str]:
    """No warehouse: the check says the findings were not checked and checks the rest."""
    return {
        "SVDUTY_HOME": str(tmp_path / "home"),
        "SVDUTY_PARTNERSHIP": str(partnership.DEFAULT_YAML),
        "SVDUTY_MEASURES": "",
    }


def test_the_command_reports_every_problem_with_its_place_and_exits_1(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        TEXT.replace("milestone: 2025-03-31", "milestone: 2025-13-01").replace(
            "- police-uk-weapons", "- police-uk-weapon"
        )
    )
    result = runner.invoke(app, ["strategy", "check", str(plan)], env=_env(tmp_path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    err = " ".join(result.stderr.split())
    assert f"{plan}: line 32: priorities[0].interventions[0].actions[0].milestone" in err
    assert f"{plan}: line 21: priorities[0].measures[1]" in err
    assert "2 problems" in err


def test_the_command_reports_an_unknown_area_with_the_areas_it_could_be(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(TEXT.replace("area: somerset", "area: somersett"))
    result = runner.invoke(app, ["strategy", "check", str(plan), "--json"], env=_env(tmp_path))
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem.startswith(f"{plan}: line 2: area: 'somersett' is not an area")
    assert "did you mean 'somerset'" in problem


def test_the_command_passes_a_valid_file_and_says_the_findings_were_not_checked(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(TEXT)
    result = runner.invoke(app, ["strategy", "check", str(plan), "--json"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["problems"] == []
    assert any("findings cited were not checked" in n for n in report["notes"])


@pytest.mark.parametrize("name", ["avon-and-somerset", "somerset"])
def test_the_examples_cite_findings_of_the_demo_assessment(demo_config, name):
    """The shipped examples against the assessment built from the demo warehouse: every
    finding they cite exists and shows something found (the Somerset example once cited an
    empty hotspot map)."""
    path = st.examples()[name]
    env = {"SVDUTY_HOME": str(demo_config.home), "SVDUTY_MEASURES": ""}
    result = runner.invoke(app, ["strategy", "check", str(path), "--json"], env=env)
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["ok"], report["problems"]
    assert any("findings checked against the needs assessment" in n for n in report["notes"])
