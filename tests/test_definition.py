"""The local definition applied to inline warehouse tables: spec tests run on DuckDB and PostgreSQL.

Every expected value below is derived by hand from the rows written next to it, not from the
code under test.
"""

# The inline YAML rules read better one rule to a line, as they would be written in a file.
# ruff: noqa: E501

from __future__ import annotations

import textwrap
from datetime import date, datetime

import pyarrow as pa
import pytest

from svduty.definition import Definition, apply, compile_source, diff, load, loads, scope_counts
from svduty.sources import offence_codes
from svduty.warehouse import schema
from svduty.warehouse.connection import Warehouse

ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
_ARROW = {
    "TEXT": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "DOUBLE PRECISION": pa.float64(),
}


@pytest.fixture(params=ENGINES)
def wh(request, tmp_path):
    """An empty warehouse with every canonical table, on each engine in turn."""
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path}/w.duckdb"
    else:
        url = request.getfixturevalue("pg_url")
    warehouse = Warehouse(url)
    yield warehouse
    warehouse.close()


# ---- writing inline rows ------------------------------------------------------------------------


def insert(wh: Warehouse, table: str, records: list[dict]) -> None:
    """Insert rows into a canonical table; columns not given are null."""
    columns = schema.TABLES[table][1]
    arrays, names = [], []
    for name, sql_type, _ in columns:
        arrow_type = next(t for k, t in _ARROW.items() if sql_type.startswith(k))
        arrays.append(pa.array([r.get(name) for r in records], arrow_type))
        names.append(name)
    with wh.transaction() as tx:
        tx.insert(table, pa.table(arrays, names=names))


def crime(line: int, code: str, **values) -> dict:
    """A police_crime row as the feed would write it (derived columns from the recorded code)."""
    current = offence_codes.current(code)
    offence = offence_codes.OFFENCES[current]
    return {
        "load_id": 1,
        "line": line,
        "crime_ref": f"token-{line}",
        "offence_code_recorded": code,
        "recorded_date": date(2024, 3, 15),
        "offence_from": datetime(2024, 3, 14, 22, 30),
        "synthetic": False,
        "offence_code": current,
        "offence_group": offence.group,
        "police_uk_crime_type": offence.police_uk_type,
        "offence_time_known": True,
        "month": date(2024, 3, 1),
    } | values


def street(line: int, crime_type: str) -> dict:
    return {
        "load_id": 1,
        "force": "avon-and-somerset",
        "line": line,
        "crime_id": None if crime_type == "Anti-social behaviour" else f"id{line}",
        "month": date(2024, 3, 1),
        "reported_by": "Avon and Somerset Constabulary",
        "falls_within": "Avon and Somerset Constabulary",
        "crime_type": crime_type,
    }


def attendance(line: int, method: str, location: str, age_band: str | None, **values) -> dict:
    return {
        "load_id": 1,
        "line": line,
        "site_code": "RA701",
        "period_start": date(2024, 3, 1),
        "period_end": date(2024, 3, 31),
        "arrival_at": datetime(2024, 3, 2, 1, 25),
        "assault_at": datetime(2024, 3, 2, 0, 40),
        "assault_method": method,
        "location_type": location,
        "age_band": age_band,
        "synthetic": False,
        "month": date(2024, 3, 1),
        "knife_or_sharp": method == "knife_sharp",
    } | values


def figure(line: int, measure: str, age_band: str, count: int | None, sex: str = "Persons") -> dict:
    return {
        "load_id": 1,
        "line": line,
        "period_start": date(2023, 4, 1),
        "period_end": date(2024, 3, 31),
        "area_code": "E06000023",
        "measure": measure,
        "count": count,
        "suppressed": count is None,
        "age_band": age_band,
        "sex": sex,
        "feed": "hospital-admissions",
        "synthetic": False,
    }


HEADER = """\
id: test
version: "1"
title: Test definition
wording: {text: "Test wording.", source: "https://example.org/definition"}
adopted: 2024-01-01
strands: {priority: Priority strand, wider: Wider strand}
rules:
"""


def define(rules: str) -> Definition:
    return loads(HEADER + textwrap.indent(textwrap.dedent(rules), "  "), "test.yaml")


def matched(wh: Warehouse, definition: Definition, source: str) -> dict[int, str | None]:
    """line -> the rule that took the row (None when out of scope); checks the other columns."""
    frame = (
        apply(definition, wh, source)
        .table.select("line", "in_scope", "strand", "matched_rule", "evaluation")
        .execute()
    )
    out = {}
    for row in frame.to_dict("records"):
        rule = row["matched_rule"] if isinstance(row["matched_rule"], str) else None
        assert bool(row["in_scope"]) == (rule is not None)
        if rule is None:
            assert not isinstance(row["strand"], str)
        else:
            assert row["strand"] == definition.rule(rule).strand
        assert row["evaluation"] in ("exact", "approximate")
        out[int(row["line"])] = rule
    return out


def evaluations(wh: Warehouse, definition: Definition, source: str) -> dict[int, str]:
    frame = apply(definition, wh, source).table.select("line", "evaluation").execute()
    return {int(r["line"]): r["evaluation"] for r in frame.to_dict("records")}


# ---- police recorded crime: each criterion at its boundary --------------------------------------


def test_age_is_inclusive_at_both_ends_and_a_blank_age_never_matches(wh):
    d = define(
        """
        - {id: young, strand: priority, description: u25, criteria: {offence_codes: [8N], victim_age: {max: 24}}}
        - {id: adult, strand: wider, description: 25+, criteria: {offence_codes: [5D], victim_age: {min: 25}}}
        - {id: teen, strand: wider, description: 10-17, criteria: {offence_codes: [3B], suspect_age: {min: 10, max: 17}}}
        """
    )
    insert(
        wh,
        "police_crime",
        [
            crime(2, "8N", victim_age=24),
            crime(3, "8N", victim_age=25),
            crime(4, "8N"),  # no victim age
            crime(5, "8N", victim_age=0),
            crime(6, "5D", victim_age=25),
            crime(7, "5D", victim_age=24),
            crime(8, "3B", suspect_age=10),
            crime(9, "3B", suspect_age=17),
            crime(10, "3B", suspect_age=18),
            crime(11, "3B", suspect_age=9, victim_age=12),
        ],
    )
    assert matched(wh, d, "police_crime") == {
        2: "young",
        3: None,
        4: None,
        5: "young",
        6: "adult",
        7: None,
        8: "teen",
        9: "teen",
        10: None,
        11: None,
    }


def test_legacy_codes_count_as_todays_and_a_legacy_code_named_counts_only_itself(wh):
    d = define(
        """
        - {id: gbh, strand: priority, description: 5D, criteria: {offence_codes: [5D]}}
        - {id: gbh-no-intent-legacy, strand: priority, description: 8F, criteria: {offence_codes: [8F]}}
        - {id: robbery-by-type, strand: wider, description: Robbery, criteria: {crime_types: [Robbery]}}
        - {id: injury-group, strand: wider, description: VWI, criteria: {offence_groups: [violence with injury]}}
        """
    )
    insert(
        wh,
        "police_crime",
        [
            crime(2, "5A"),  # legacy wounding: counted as 5D
            crime(3, "5D"),
            crime(4, "8F"),  # legacy GBH without intent: named by its own rule
            crime(5, "8G"),  # legacy ABH -> 8N: not 8F, but in the violence with injury group
            crime(6, "5E"),
            crime(7, "34A"),
            crime(8, "105A"),  # violence without injury
            crime(9, "5B"),  # legacy -> 5E: violence with injury
        ],
    )
    assert matched(wh, d, "police_crime") == {
        2: "gbh",
        3: "gbh",
        4: "gbh-no-intent-legacy",
        5: "injury-group",
        6: "injury-group",
        7: "robbery-by-type",
        8: None,
        9: "injury-group",
    }


def test_public_space_takes_public_places_and_not_dwellings_or_unknown_places(wh):
    d = define(
        """
        - {id: public, strand: priority, description: public, criteria: {offence_codes: [8N], place: public_space}}
        - {id: at-home, strand: wider, description: home, criteria: {offence_codes: [8N], location_types: [dwelling]}}
        """
    )
    places = ["street", "licensed_premises", "education", "retail", "dwelling", "not_known", None]
    insert(
        wh,
        "police_crime",
        [crime(i, "8N", location_type=p) for i, p in enumerate(places, 2)],
    )
    assert matched(wh, d, "police_crime") == {
        2: "public",
        3: "public",
        4: "public",
        5: "public",
        6: "at-home",
        7: None,
        8: None,
    }


def test_a_blank_flag_is_neither_true_nor_false(wh):
    d = define(
        """
        - {id: knife, strand: priority, description: k, criteria: {offence_codes: [8N], flags: {knife: true}}}
        - {id: no-knife, strand: priority, description: nk, criteria: {offence_codes: [5D], flags: {knife: false}}}
        - {id: sober, strand: wider, description: s, criteria: {offence_codes: [3B], flags: {alcohol: false, drugs: false}}}
        """
    )
    insert(
        wh,
        "police_crime",
        [
            crime(2, "8N", knife_flag=True),
            crime(3, "8N", knife_flag=False),
            crime(4, "8N"),
            crime(5, "5D", knife_flag=False),
            crime(6, "5D"),
            crime(7, "5D", knife_flag=True),
            crime(8, "3B", alcohol_flag=False, drugs_flag=False),
            crime(9, "3B", alcohol_flag=False),
        ],
    )
    assert matched(wh, d, "police_crime") == {
        2: "knife",
        3: None,
        4: None,
        5: "no-knife",
        6: None,
        7: None,
        8: "sober",
        9: None,
    }


def test_victim_sex(wh):
    d = define(
        """
        - {id: women, strand: wider, description: f, criteria: {offence_groups: [stalking and harassment], victim_sex: [Female]}}
        """
    )
    insert(
        wh,
        "police_crime",
        [
            crime(2, "8Q", victim_sex="Female"),
            crime(3, "8Q", victim_sex="Male"),
            crime(4, "8Q"),
            crime(5, "8N", victim_sex="Female"),
        ],
    )
    assert matched(wh, d, "police_crime") == {2: "women", 3: None, 4: None, 5: None}


def test_exclude_takes_rows_out_only_when_every_criterion_of_a_block_holds(wh):
    d = define(
        """
        - id: injury
          strand: priority
          description: violence with injury, not domestic, not 8N against the over-65s
          criteria: {offence_groups: [violence with injury]}
          exclude:
            - {flags: {domestic_abuse: true}}
            - {offence_codes: [8N], victim_age: {min: 65}}
        """
    )
    insert(
        wh,
        "police_crime",
        [
            crime(2, "8N", domestic_abuse_flag=True),
            crime(3, "8N"),  # blank flag: not excluded
            crime(4, "8N", domestic_abuse_flag=False),
            crime(5, "8N", victim_age=70),
            crime(6, "5D", victim_age=70),  # second block: age holds, code does not
            crime(7, "8N", victim_age=64),
            crime(8, "5D", victim_age=70, domestic_abuse_flag=True),
        ],
    )
    assert matched(wh, d, "police_crime") == {
        2: None,
        3: "injury",
        4: "injury",
        5: None,
        6: "injury",
        7: "injury",
        8: None,
    }


def test_a_row_is_attributed_to_the_first_rule_that_takes_it(wh):
    rules = [
        "- {id: knife-robbery, strand: priority, description: kr, "
        "criteria: {offence_codes: [34B], flags: {knife: true}}}",
        "- {id: any-robbery, strand: wider, description: r, criteria: {offence_codes: [34B]}}",
    ]
    first, swapped = define("\n".join(rules)), define("\n".join(reversed(rules)))
    insert(wh, "police_crime", [crime(2, "34B", knife_flag=True), crime(3, "34B")])
    assert matched(wh, first, "police_crime") == {2: "knife-robbery", 3: "any-robbery"}
    assert matched(wh, swapped, "police_crime") == {2: "any-robbery", 3: "any-robbery"}
    assert evaluations(wh, first, "police_crime") == {2: "exact", 3: "exact"}


# ---- police.uk: approximate and not evaluable, said out loud ------------------------------------

POLICE_UK_RULES = """
- id: robbery-u25
  strand: priority
  description: robbery of under 25s in public
  criteria: {offence_codes: [34A, 34B], crime_types: [Robbery], victim_age: {max: 24}, place: public_space}
- {id: homicide, strand: priority, description: h, criteria: {offence_codes: ["1/1"]}}
- {id: weapons, strand: priority, description: w, criteria: {crime_types: [Possession of weapons]}}
"""


def test_police_uk_counts_what_it_can_and_says_how_the_figure_is_wrong(wh):
    d = define(POLICE_UK_RULES)
    insert(
        wh,
        "police_uk_street",
        [
            street(2, "Robbery"),
            street(3, "Possession of weapons"),
            street(4, "Violence and sexual offences"),
            street(5, "Anti-social behaviour"),
        ],
    )
    assert matched(wh, d, "police_uk_street") == {2: "robbery-u25", 3: "weapons", 4: None, 5: None}
    # robbery-u25 over-counts (no age, no place): its rows are approximate. Out-of-scope rows are
    # approximate too, because homicide cannot be counted here at all.
    assert evaluations(wh, d, "police_uk_street") == {
        2: "approximate",
        3: "exact",
        4: "approximate",
        5: "approximate",
    }
    plan = compile_source(d, "police_uk_street")
    by_rule = {r.rule.id: r for r in plan.rules}
    assert by_rule["robbery-u25"].evaluation == "approximate"
    assert by_rule["robbery-u25"].over and not by_rule["robbery-u25"].under
    assert by_rule["homicide"].evaluation == "not_evaluable"
    assert by_rule["weapons"].evaluation == "exact"
    texts = [n.text for n in plan.notes if n.rule == "robbery-u25"]
    assert any(
        "police.uk has no victim age" in t
        and "all ages" in t
        and "under 25" in t
        and "over-counts" in t
        for t in texts
    )
    assert any("no location type" in t and "public space" in t for t in texts)
    # 34A and 34B are the whole of police.uk's Robbery: no note about other offences
    assert not any("also holds" in t for t in texts)
    (homicide_note,) = [n for n in plan.notes if n.rule == "homicide"]
    assert homicide_note.kind == "not_evaluable" and "not counted here" in homicide_note.text


def test_police_uk_out_of_scope_rows_are_exact_when_no_rule_can_miss_any(wh):
    d = define(
        "- {id: weapons, strand: priority, description: w, criteria: {crime_types: [Possession of weapons]}}"
    )
    insert(wh, "police_uk_street", [street(2, "Possession of weapons"), street(3, "Robbery")])
    assert evaluations(wh, d, "police_uk_street") == {2: "exact", 3: "exact"}
    assert compile_source(d, "police_uk_street").evaluation == "exact"


def test_a_crime_type_wider_than_the_rule_and_an_exclusion_it_cannot_see_over_count():
    d = define(
        """
        - {id: personal, strand: priority, description: p, criteria: {offence_codes: [34B], crime_types: [Robbery]}}
        - id: no-knife
          strand: wider
          description: nk
          criteria: {crime_types: [Robbery]}
          exclude: {flags: {knife: true}}
        - {id: county-lines, strand: priority, description: cl, criteria: {flags: {exploitation: true}, victim_age: {max: 24}}}
        """
    )
    plan = compile_source(d, "police_uk_street")
    notes = {r.rule.id: [n.text for n in r.notes] for r in plan.rules}
    assert any("34A Robbery of business property" in t for t in notes["personal"])
    assert any("nothing is excluded" in t and "over-counts" in t for t in notes["no-knife"])
    # A rule naming no offence is its flag: without the flag there is nothing to count
    assert plan.rules[2].evaluation == "not_evaluable"
    assert compile_source(d, "ed_assault").rules[2].evaluation == "not_evaluable"


# ---- ED assaults (ISTV) and partner aggregates ----------------------------------------------------

needs_ed = pytest.mark.skipif(
    "ed_assault" not in schema.TABLES, reason="the ed_assault table is not in the schema yet"
)
needs_aggregates = pytest.mark.skipif(
    "partner_aggregate" not in schema.TABLES,
    reason="the partner_aggregate table is not in the schema yet",
)


@needs_ed
def test_ed_assaults_by_method_band_and_place(wh):
    d = define(
        """
        - id: knife-u25
          strand: priority
          description: knife, under 25, public place
          criteria: {offence_codes: [8N], assault_methods: [knife_sharp], victim_age: {max: 24}, place: public_space}
        - {id: not-knife, strand: wider, description: nk, criteria: {flags: {knife: false}}}
        - {id: homicide, strand: priority, description: h, criteria: {offence_codes: ["1/1"]}}
        """
    )
    insert(
        wh,
        "ed_assault",
        [
            attendance(2, "knife_sharp", "public_place", "18-24"),
            attendance(3, "knife_sharp", "public_place", "20-29"),  # straddles 25: counted out
            attendance(4, "knife_sharp", "public_place", "All ages"),
            attendance(5, "knife_sharp", "home", "18-24"),
            attendance(6, "knife_sharp", "licensed_premises", "0-17"),
            attendance(7, "knife_sharp", "education", "25-34"),
            attendance(8, "body", "public_place", "18-24"),
            attendance(9, "not_known", "public_place", "18-24"),
            attendance(10, "knife_sharp", "public_place", None),
        ],
    )
    assert matched(wh, d, "ed_assault") == {
        2: "knife-u25",
        3: None,
        4: None,
        5: None,
        6: "knife-u25",
        7: None,
        8: "not-knife",
        9: None,
        10: None,
    }
    plan = compile_source(d, "ed_assault")
    by_rule = {r.rule.id: r for r in plan.rules}
    assert by_rule["knife-u25"].under and not by_rule["knife-u25"].over
    assert any("straddles" in n.text for n in by_rule["knife-u25"].notes)
    assert by_rule["homicide"].evaluation == "not_evaluable"
    # in-scope rows are sure (no rule here over-counts); out-of-scope ones may be wrong
    assert evaluations(wh, d, "ed_assault")[2] == "exact"
    assert evaluations(wh, d, "ed_assault")[3] == "approximate"


@needs_aggregates
def test_partner_aggregates_by_icd10_group_and_band_with_the_counts_summed(wh):
    d = define(
        """
        - id: sharp-u25
          strand: priority
          description: admissions for assault by a sharp object, under 25
          criteria: {icd10: [X99], flags: {knife: true}, victim_age: {max: 24}, place: public_space}
        """
    )
    insert(
        wh,
        "partner_aggregate",
        [
            figure(2, "admissions_assault_sharp_object", "0-24", 12),
            figure(3, "admissions_assault_sharp_object", "25+", 30),
            figure(4, "admissions_assault_sharp_object", "All ages", 42),
            figure(5, "admissions_assault_all", "0-24", 90),
            figure(6, "first_time_entrants", "10-17", 84),
            figure(7, "admissions_assault_sharp_object", "0-24", None),  # suppressed
        ],
    )
    assert matched(wh, d, "partner_aggregate") == {
        2: "sharp-u25",
        3: None,
        4: None,
        5: None,
        6: None,
        7: "sharp-u25",
    }
    plan = compile_source(d, "partner_aggregate")
    (rule,) = plan.rules
    # X99 is the knife; place cannot be seen (over), bands may straddle (under)
    assert rule.evaluation == "approximate" and rule.over and rule.under
    assert not any("knife flag" in n.text for n in rule.notes)
    assert any("no location type" in n.text for n in rule.notes)
    (counts,) = [c for c in scope_counts(d, wh) if c["source"] == "partner_aggregate"]
    assert counts["in_scope"] == 2 and counts["weighted_in_scope"] == 12


@needs_aggregates
def test_icd10_groups_name_measures_of_the_hospital_admissions_feed():
    from svduty.definition.compile import ICD10_MEASURES
    from svduty.definition.vocabulary import ICD10_GROUPS
    from svduty.sources.aggregates import HOSPITAL_ADMISSIONS

    (measure_column,) = [c for c in HOSPITAL_ADMISSIONS.columns if c.name == "measure"]
    assert set(ICD10_MEASURES) == set(ICD10_GROUPS)
    assert set(ICD10_MEASURES.values()) <= set(measure_column.codes.values())


# ---- the two shipped definitions on one set of crimes ---------------------------------------------

# line: the crime, then where asvrp-2023 and home-office-core put it (worked out by hand from the
# YAML files' rules, in their order).
SHIPPED_ROWS = [
    (
        crime(2, "1/1", victim_age=19, location_type="street", victim_sex="Male"),
        "homicide",
        "homicide",
    ),
    (crime(3, "1/1", victim_age=40, location_type="dwelling", victim_sex="Male"), None, "homicide"),
    (crime(4, "34B", victim_age=24, location_type="street", victim_sex="Male"), "robbery", None),
    (crime(5, "34B", victim_age=25, location_type="street", victim_sex="Male"), None, None),
    (
        crime(6, "34B", victim_age=24, location_type="street", knife_flag=True, victim_sex="Male"),
        "robbery",
        "knife-enabled-selected-offences",
    ),
    (
        crime(7, "8N", victim_age=30, location_type="street", knife_flag=True, victim_sex="Male"),
        None,
        "knife-enabled-selected-offences",
    ),
    (
        crime(8, "5A", victim_age=20, location_type="street", victim_sex="Male"),
        "wounding-gbh",
        None,
    ),
    (crime(9, "5A", victim_age=20, location_type="dwelling", victim_sex="Male"), None, None),
    (
        crime(10, "8N", victim_age=18, location_type="open_space", alcohol_flag=True),
        "alcohol-related-violence",
        None,
    ),
    (crime(11, "8N", victim_age=18, location_type="open_space"), None, None),
    (crime(12, "8N", victim_age=18, location_type="open_space", alcohol_flag=False), None, None),
    (
        crime(
            13,
            "105A",
            victim_age=35,
            location_type="dwelling",
            victim_sex="Female",
            domestic_abuse_flag=True,
        ),
        "domestic-abuse",
        None,
    ),
    (crime(14, "10D", suspect_age=17, location_type="street"), "weapons-possession", None),
    (
        crime(
            15, "19C", victim_age=30, location_type="dwelling", victim_sex="Female", knife_flag=True
        ),
        "rape",
        "knife-enabled-selected-offences",
    ),
    (
        crime(16, "92A", suspect_age=16, location_type="dwelling", exploitation_flag=True),
        "county-lines-suspect",
        None,
    ),
    (crime(17, "8N", victim_age=50, location_type="street", victim_sex="Female"), "vawg", None),
    (
        crime(18, "8G", victim_age=22, location_type="street", knife_flag=True, victim_sex="Male"),
        "knife-crime",
        "knife-enabled-selected-offences",
    ),
    (crime(19, "46", location_type="retail"), None, None),
]
SHIPPED_STREET = [
    (street(2, "Robbery"), "robbery", None),
    (street(3, "Possession of weapons"), "weapons-possession", None),
    (street(4, "Violence and sexual offences"), None, None),
    (street(5, "Anti-social behaviour"), None, None),
]


def test_the_shipped_definitions_differ_on_a_known_set_of_crimes(wh):
    asvrp, home_office = load("asvrp-2023"), load("home-office-core")
    insert(wh, "police_crime", [row for row, _, _ in SHIPPED_ROWS])
    insert(wh, "police_uk_street", [row for row, _, _ in SHIPPED_STREET])
    assert matched(wh, asvrp, "police_crime") == {r["line"]: a for r, a, _ in SHIPPED_ROWS}
    assert matched(wh, home_office, "police_crime") == {r["line"]: h for r, _, h in SHIPPED_ROWS}
    assert matched(wh, asvrp, "police_uk_street") == {r["line"]: a for r, a, _ in SHIPPED_STREET}
    assert matched(wh, home_office, "police_uk_street") == {
        r["line"]: None for r, _, _ in SHIPPED_STREET
    }
    counts = {c["source"]: c for c in scope_counts(asvrp, wh)}
    assert counts["police_crime"]["in_scope"] == 11
    assert counts["police_uk_street"]["in_scope"] == 2
    assert {c["source"]: c["in_scope"] for c in scope_counts(home_office, wh)}["police_crime"] == 6


def test_diff_counts_rows_entering_and_leaving_scope(wh):
    insert(wh, "police_crime", [row for row, _, _ in SHIPPED_ROWS])
    insert(wh, "police_uk_street", [row for row, _, _ in SHIPPED_STREET])
    result = diff(load("asvrp-2023"), load("home-office-core"), wh)
    sources = {s["source"]: s for s in result["sources"]}
    crimes = sources["police_crime"]
    # in scope under asvrp: lines 2 4 6 8 10 13 14 15 16 17 18; under home office: 2 3 6 7 15 18
    assert crimes["rows"] == 18
    assert (crimes["in_scope_a"], crimes["in_scope_b"]) == (11, 6)
    assert crimes["entering"] == 2  # lines 3 and 7
    assert crimes["leaving"] == 7  # lines 4 8 10 13 14 16 17
    assert crimes["in_both"] == 4  # lines 2 6 15 18
    assert crimes["moved_between_rules"] == 3  # 6 robbery, 15 rape, 18 knife-crime -> knife
    rules = {r["rule"]: r for r in crimes["rules"]}
    assert (rules["homicide"]["rows_a"], rules["homicide"]["rows_b"]) == (1, 2)
    assert (rules["homicide"]["entering"], rules["homicide"]["leaving"]) == (1, 0)
    knife = rules["knife-enabled-selected-offences"]
    assert (knife["rows_a"], knife["rows_b"], knife["entering"], knife["leaving"]) == (0, 4, 1, 0)
    assert knife["evaluation_a"] is None and knife["evaluation_b"] == "exact"
    robbery = rules["robbery"]
    assert (robbery["rows_a"], robbery["rows_b"], robbery["entering"], robbery["leaving"]) == (
        2,
        0,
        0,
        1,
    )
    street_rows = sources["police_uk_street"]
    assert (street_rows["entering"], street_rows["leaving"], street_rows["in_scope_b"]) == (0, 2, 0)
    assert street_rows["evaluation_b"] == "not_evaluable"
    assert "knife-enabled-selected-offences" in result["rules"]["added"]
    assert "vawg" in result["rules"]["removed"]
    assert [c["rule"] for c in result["rules"]["changed"]] == ["homicide"]


def test_diff_of_a_definition_with_itself_moves_nothing(wh):
    insert(wh, "police_crime", [row for row, _, _ in SHIPPED_ROWS])
    asvrp = load("asvrp-2023")
    result = diff(asvrp, asvrp, wh)
    for source in result["sources"]:
        assert source["entering"] == source["leaving"] == source["moved_between_rules"] == 0
    assert result["rules"] == {
        "added": [],
        "removed": [],
        "changed": [],
        "strands_added": [],
        "strands_removed": [],
    }


def test_the_shipped_definitions_are_valid_and_compile_for_every_source():
    from svduty.definition import SOURCES, compile_all, shipped

    assert set(shipped()) >= {"asvrp-2023", "home-office-core"}
    for name in shipped():
        d = load(name)
        plans = compile_all(d)
        assert set(plans) == set(SOURCES)
        for plan in plans.values():
            for rule in plan.rules:
                if rule.evaluation != "exact":
                    assert rule.notes, f"{name}: {rule.rule.id} on {plan.source} has no note"


def test_annotating_refuses_a_table_that_already_has_the_columns():
    from svduty.definition import annotate
    from svduty.definition.compile import canonical_table

    table = canonical_table("police_uk_street").mutate(in_scope=True)
    with pytest.raises(ValueError, match="in_scope"):
        annotate(load("asvrp-2023"), table, "police_uk_street")
