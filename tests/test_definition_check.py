"""Checking a definition file: each malformed case gives an error naming the file, the rule,
the field, and what would fix it; every problem in a file is reported at once."""

from __future__ import annotations

import textwrap

import pytest

from svduty.definition import DefinitionError, load, loads, problems

HEADER = """\
id: test
version: "1"
title: Test definition
wording: {text: "Test wording.", source: "https://example.org/definition"}
adopted: 2024-01-01
strands: {priority: Priority strand, wider: Wider strand}
rules:
"""


def errors(rules: str, header: str = HEADER) -> list[str]:
    text = header + textwrap.indent(textwrap.dedent(rules), "  ")
    with pytest.raises(DefinitionError) as caught:
        loads(text, "my-definition.yaml")
    return caught.value.problems


def one_error(rules: str) -> str:
    (problem,) = errors(rules)
    assert problem.startswith("my-definition.yaml: ")
    return problem


def test_a_valid_definition_loads():
    rule = "- {id: r1, strand: priority, description: d, criteria: {offence_codes: [8N, 2, 81]}}"
    d = loads(HEADER + "  " + rule + "\n", "ok.yaml")
    assert d.rules[0].criteria.offence_codes == ("8N", "2", "81")  # YAML numbers read as codes


@pytest.mark.parametrize(
    ("criteria", "field", "says"),
    [
        (
            "{offence_codes: [5Z]}",
            "criteria.offence_codes",
            "'5Z' is not a Home Office offence code",
        ),
        ("{offence_groups: [violence]}", "criteria.offence_groups", "is not an ONS offence group"),
        ("{crime_types: [Violence]}", "criteria.crime_types", "is not a police.uk crime type"),
        ("{location_types: [park]}", "criteria.location_types", "is not a police location type"),
        ("{istv_location_types: [street]}", "criteria.istv_location_types", "ISTV location type"),
        ("{assault_methods: [knife]}", "criteria.assault_methods", "is not an ISTV assault method"),
        ("{icd10: [X98]}", "criteria.icd10", "is not an ICD-10 group svduty counts"),
        ("{victim_sex: [F]}", "criteria.victim_sex", "is not a sex"),
        ("{flags: {weapon: true}}", "criteria.flags.weapon", "unknown flag"),
        ("{flags: {knife: yes please}}", "criteria.flags.knife", "is not true or false"),
        ("{place: public}", "criteria.place", "unknown place 'public'"),
        ("{offence_code: [8N]}", "criteria.offence_code", "unknown field"),
        ("{offence_codes: []}", "criteria.offence_codes", "expected a non-empty list"),
        ("{offence_codes: [8N, 8N]}", "criteria.offence_codes", "listed twice"),
    ],
)
def test_an_unknown_value_names_the_rule_and_field(criteria, field, says):
    problem = one_error(f"- {{id: r1, strand: priority, description: d, criteria: {criteria}}}")
    assert f"rule 'r1' (rules[0]).{field}: " in problem
    assert says in problem


def test_an_unknown_code_suggests_the_nearest_and_says_where_codes_come_from():
    problem = one_error(
        "- {id: r1, strand: priority, description: d, criteria: {offence_codes: [5F]}}"
    )
    assert "did you mean" in problem
    assert "svduty.sources.offence_codes" in problem and "legacy" in problem
    problem = one_error(
        "- {id: r1, strand: priority, description: d, criteria: {crime_types: [Robery]}}"
    )
    assert "did you mean 'Robbery'" in problem
    problem = one_error(
        "- {id: r1, strand: priority, description: d, criteria: {crime_types: [Violence]}}"
    )
    assert "did you mean 'Violence and sexual offences'" in problem


@pytest.mark.parametrize(
    ("age", "says"),
    [
        ("{min: 25, max: 18}", "min 25 is above max 18"),
        ("{max: -1}", "-1 is outside 0 to 120"),
        ("{max: 200}", "200 is outside 0 to 120"),
        ('{max: "24"}', "'24' is not a whole number of years"),
        ("{max: 24.5}", "24.5 is not a whole number of years"),
        ("24", "24 is not an age range; write e.g. {max: 24}"),
        ("{upto: 24}", "unknown field"),
    ],
)
def test_a_malformed_age_range(age, says):
    problem = one_error(
        f"- {{id: r1, strand: priority, description: d, criteria: {{victim_age: {age}}}}}"
    )
    assert "rule 'r1' (rules[0]).criteria.victim_age" in problem
    assert says in problem


def test_an_unknown_strand_lists_the_declared_ones():
    problem = one_error(
        "- {id: r1, strand: priorty, description: d, criteria: {offence_codes: [8N]}}"
    )
    assert "rule 'r1' (rules[0]).strand: unknown strand 'priorty'" in problem
    assert "did you mean 'priority'" in problem and "declare it under strands" in problem


def test_a_duplicate_rule_id_names_both_positions():
    problem = one_error(
        """
        - {id: r1, strand: priority, description: d, criteria: {offence_codes: [8N]}}
        - {id: r1, strand: wider, description: d, criteria: {offence_codes: [5D]}}
        """
    )
    assert "rule 'r1' (rules[1]).id: duplicate rule id: rules[0] already uses it" in problem


def test_crime_types_that_would_miss_some_of_the_offence_codes():
    problem = one_error(
        "- {id: r1, strand: priority, description: d, "
        "criteria: {offence_codes: [34B, 8N], crime_types: [Robbery]}}"
    )
    assert "criteria.crime_types" in problem
    assert "8N is published by police.uk as 'Violence and sexual offences'" in problem
    assert "add 'Violence and sexual offences', or leave crime_types out" in problem


@pytest.mark.parametrize(
    ("criteria", "says"),
    [
        ("{place: public_space, location_types: [street]}", "give place or location_types"),
        ("{icd10: [X99, X85-Y09]}", "X99 lies within X85-Y09"),
        ("{assault_methods: [body], flags: {knife: true}}", "add knife_sharp"),
    ],
)
def test_combinations_that_would_silently_count_nothing_or_twice(criteria, says):
    problem = one_error(f"- {{id: r1, strand: priority, description: d, criteria: {criteria}}}")
    assert says in problem


def test_a_rule_without_criteria_or_with_unknown_fields():
    (missing,) = errors("- {id: r1, strand: priority, description: d}")
    assert "rule 'r1' (rules[0]).criteria: required field is missing" in missing
    (unknown,) = errors(
        "- {id: r1, strand: priority, description: d, criteria: {offence_codes: [8N]}, exclud: {}}"
    )
    assert "rule 'r1' (rules[0]).exclud: unknown field (did you mean 'exclude'?)" in unknown


def test_exclude_blocks_are_checked_like_criteria():
    problem = one_error(
        """
        - id: r1
          strand: priority
          description: d
          criteria: {offence_codes: [8N]}
          exclude: [{flags: {domestic: true}}]
        """
    )
    assert "rule 'r1' (rules[0]).exclude[0].flags.domestic: unknown flag" in problem
    assert "did you mean 'domestic_abuse'" in problem


def test_the_header_is_checked():
    header = """\
id: Test Definition
title: t
wording: {text: "w", source: "example.org/definition"}
adopted: 24/01/2024
strands: {priority: p}
rules:
"""
    found = errors(
        "- {id: r1, strand: priority, description: d, criteria: {offence_codes: [8N]}}", header
    )
    text = "\n".join(found)
    assert "my-definition.yaml: version: required field is missing" in text
    assert "my-definition.yaml: id: 'Test Definition' is not an id" in text
    assert "wording.source: 'example.org/definition' is not a URL" in text
    assert "adopted: '24/01/2024' is not a date; write it as YYYY-MM-DD" in text


def test_every_problem_is_reported_at_once():
    found = errors(
        """
        - {id: r1, strand: nope, description: d, criteria: {offence_codes: [5Z]}}
        - {id: r2, strand: priority, description: d, criteria: {victim_age: {min: 30, max: 20}}}
        - {id: r2, strand: priority, description: d, criteria: {flags: {knife: 1}}}
        """
    )
    assert len(found) == 5
    assert [p.split(": ")[1].split(" (")[0] for p in found] == [
        "rule 'r1'",
        "rule 'r1'",
        "rule 'r2'",
        "rule 'r2'",
        "rule 'r2'",
    ]


def test_not_yaml_and_missing_files(tmp_path):
    with pytest.raises(DefinitionError, match=r"bad\.yaml: not valid YAML"):
        loads("rules: [unclosed", "bad.yaml")
    with pytest.raises(DefinitionError, match="top level: expected a mapping"):
        loads("- just a list", "list.yaml")
    missing = tmp_path / "nowhere.yaml"
    said = problems(missing)[0]
    assert "nowhere.yaml: neither a definition file, a shipped definition" in said
    assert "give the path of a YAML file, or one of those ids" in said
    with pytest.raises(FileNotFoundError, match="asvrp-2023"):
        load("asvrp-2024")


def test_a_file_is_named_by_its_path(tmp_path):
    path = tmp_path / "local.yaml"
    path.write_text(
        HEADER + "  - {id: r1, strand: x, description: d, criteria: {offence_codes: [8N]}}\n"
    )
    (problem,) = problems(path)
    assert problem.startswith(f"{path}: rule 'r1' (rules[0]).strand: unknown strand 'x'")
