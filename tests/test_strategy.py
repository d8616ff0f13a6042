"""The strategy file: the shipped examples, every kind of error, the evidence warnings, action
progress, and the YEF Toolkit catalogue against the approaches docs/sources.md ("YEF Toolkit")
and the YEF pages list.

Expected values come from the documents written inline here, from the raw YAML read with
PyYAML, or from the bundled ONS and police.uk files read directly: not from the code under test.
"""

from __future__ import annotations

import copy
import csv
import gzip
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.partnership import load as load_partnership
from svduty.products import area
from svduty.products.strategy import check as checks
from svduty.products.strategy import file as st
from svduty.reference import geography

ROOT = Path(__file__).resolve().parent.parent
STRATEGIES = ROOT / "src/svduty/products/strategy/examples"
STREET = ROOT / "src/svduty/data/police_uk/street/avon-and-somerset"

# The approaches of the Youth Endowment Fund Toolkit as read in its pages (docs/sources.md, "YEF
# Toolkit"), with the band it gives each, pinned here as the spec.
YEF_APPROACHES = {
    "Focused deterrence": "high",
    "Social skills training": "high",
    "Cognitive behavioural therapy": "high",
    "Trauma-specific therapies": "high",
    "A&E navigators": "high",
    "Sports programmes": "high",
    "Mentoring": "moderate",
    "Hot spots policing": "moderate",
    "Pre-court diversion": "moderate",
    "Restorative justice": "moderate",
    "Functional Family Therapy": "moderate",
    "Multi-Systemic Therapy": "moderate",
    "CCTV": "low",
    "Adventure and wilderness therapy": "low",
    "Police in schools": "no_clear_evidence",
    "Knife crime education programmes": "no_clear_evidence",
    "Prison awareness": "harmful",  # "Prison awareness / Scared Straight"
    "Anti-bullying": "not_banded",  # its figure is for bullying, not violence
}
# The only figures read in the YEF sources (percent less violence, or bullying for anti-bullying).
YEF_FIGURES = {
    "focused-deterrence": "33%",
    "social-skills-training": "32%",
    "mentoring": "21%",
    "anti-bullying-programmes": "19%",
}

# A small valid strategy; each error test breaks one thing in a copy of it.
MINIMAL = {
    "title": "Test strategy",
    "area": "somerset",
    "period": "2024-2027",
    "status": "draft",
    "adopted": None,
    "local_definition": "asvrp-2023",
    "priorities": [
        {
            "id": "p1",
            "title": "Fewer knife crimes",
            "finding": "Knife crime is rising.",
            "finding_ref": "fig-knife",
            "objectives": ["Fewer knife crimes."],
            "measures": ["knife-police"],
            "interventions": [
                {
                    "id": "i1",
                    "name": "Mentoring",
                    "approach": "mentoring",
                    "lead_partner": "Somerset Youth Justice Service",
                    "description": "Mentors for young people.",
                    "place_based": {"lsoas": ["E01029284"], "start": "2020-01"},
                    "actions": [
                        {
                            "id": "a1",
                            "description": "Recruit mentors.",
                            "owner": "Somerset Council",
                            "milestone": "2025-03-31",
                            "status": "on_track",
                        }
                    ],
                }
            ],
        }
    ],
}


def _doc(**changes) -> dict:
    doc = copy.deepcopy(MINIMAL)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return doc


_DELETE = object()
INTERVENTION = "priorities__0__interventions__0"
ACTION = f"{INTERVENTION}__actions__0"


def _loads(doc: dict) -> st.Strategy:
    return st.loads(yaml.safe_dump(doc, sort_keys=False), "test.yaml")


def _problems(doc: dict) -> list[str]:
    """The problems, each checked to name the file and a line, then without the line (the
    tests of lines are below) so the field and the fix read as they are asserted."""
    with pytest.raises(st.StrategyError) as info:
        _loads(doc)
    assert all(re.match(r"test\.yaml: line \d+: ", p) for p in info.value.problems)
    return [re.sub(r"^test\.yaml: line \d+: ", "test.yaml: ", p) for p in info.value.problems]


# ---- the shipped examples -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["avon-and-somerset", "somerset"])
def test_example_loads_and_is_labelled(name):
    path = STRATEGIES / f"{name}.yaml"
    s = st.load(path)
    text = path.read_text()
    # labelled twice: in the comment at the top, and in a field every rendering shows
    assert "ILLUSTRATIVE EXAMPLE" in text.splitlines()[0]
    assert s.example is True
    assert "not an adopted strategy" in s.example_note
    assert "example" in s.title
    assert s.status == "draft" and s.adopted is None
    # the area is one the partnership has, and it is the one the file is named for
    assert s.area == name
    assert area.resolve(load_partnership(), s.area).id == name
    raw = yaml.safe_load(text)
    assert [p["id"] for p in raw["priorities"]] == [p.id for p in s.priorities]
    assert st.examples()[name] == path


def test_examples_cover_the_asvrp_definition_and_use_real_measures():
    shipped = {m.id for m in measures_catalogue.load().measures}
    for path in STRATEGIES.glob("*.yaml"):
        raw = yaml.safe_load(path.read_text())
        assert raw["local_definition"] == "asvrp-2023"
        titles = " ".join(p["title"].lower() for p in raw["priorities"])
        assert re.search(r"\bkni(fe|ves)\b", titles) and "domestic abuse" in titles
        for p in raw["priorities"]:
            ids = {m["id"] if isinstance(m, dict) else m for m in p["measures"]}
            assert ids <= shipped, path


def test_somerset_example_shows_the_knife_education_warning():
    s = st.load(STRATEGIES / "somerset.yaml")
    found = [w for w in st.warnings(s) if w.approach == "knife-crime-education-programmes"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].source.startswith("https://youthendowmentfund.org.uk/toolkit/knife-crime")
    assert "carry" in found[0].quote


@pytest.mark.parametrize(
    ("name", "la_codes"),
    [
        ("avon-and-somerset", {"E06000023"}),  # Bristol city centre
        ("somerset", {"E06000066"}),  # Taunton
    ],
)
def test_place_based_lsoas_exist_in_the_bundled_geography(name, la_codes):
    s = st.load(STRATEGIES / f"{name}.yaml")
    places = [i.place_based for _, i in s.interventions() if i.place_based is not None]
    assert len(places) == 1
    lsoas = {r["lsoa11_code"]: r for r in geography.lsoa11_ward_raw().to_pylist()}
    current = geography.current_la()
    for code in places[0].lsoas:
        assert code in lsoas, code
        assert current[lsoas[code]["lad19_code"]][0] in la_codes, code
    # the start month is one the bundled police.uk data covers, with months before it
    months = sorted(re.match(r"\d{4}-\d{2}", p.name)[0] for p in STREET.glob("*.csv.gz"))
    assert months[0] < places[0].start_month <= months[-1]
    assert checks.check_places(s) == []


def test_check_places_reports_a_code_that_does_not_exist():
    doc = _doc(**{f"{INTERVENTION}__place_based": {"lsoas": ["E01999999"], "start": "2020-01"}})
    problems = checks.check_places(_loads(doc))
    assert len(problems) == 1
    assert "priorities[0].interventions[0].place_based.lsoas[0]: E01999999" in problems[0]
    # a ward that exists is accepted
    doc = _doc(**{f"{INTERVENTION}__place_based": {"wards": ["E05010892"], "start": "2020-01"}})
    assert checks.check_places(_loads(doc)) == []


def test_place_lsoas_adds_the_lsoas_of_the_wards():
    lookup = ROOT / "src/svduty/data/geography/LSOA11_to_WD19_to_LAD19_lookup_EW.csv.gz"
    with gzip.open(lookup, "rt", encoding="utf-8-sig") as f:
        central = {
            r["LSOA11CD"]
            for r in csv.DictReader(f)
            if r["WD19NM"] == "Central" and r["LAD19NM"] == "Bristol, City of"
        }
    assert len(central) > 1
    place = st.Place(start=date(2020, 4, 1), lsoas=("E01014682",), wards=("E05010892",))
    assert st.place_lsoas(place) == tuple(sorted(central | {"E01014682"}))


# ---- errors -------------------------------------------------------------------------------------


def test_minimal_document_is_valid():
    s = _loads(MINIMAL)
    action = s.priorities[0].interventions[0].actions[0]
    assert action.milestone == date(2025, 3, 31)
    assert s.priorities[0].interventions[0].place_based.start == date(2020, 1, 1)
    assert s.years == (2024, 2027)
    assert s.example is False and s.example_note == ""


@pytest.mark.parametrize(
    ("changes", "where", "says"),
    [
        ({"title": _DELETE}, "test.yaml: title:", "required field is missing"),
        ({f"{ACTION}__owner": _DELETE}, "actions[0].owner", "required field is missing"),
        ({"tittle": "x"}, "test.yaml: tittle:", "did you mean 'title'"),
        ({f"{ACTION}__milstone": "2025-01-01"}, "actions[0].milstone", "unknown field"),
        ({f"{ACTION}__milestone": "2025-13-01"}, "actions[0].milestone", "YYYY-MM-DD"),
        ({f"{ACTION}__milestone": "31/03/2025"}, "actions[0].milestone", "YYYY-MM-DD"),
        ({"adopted": "1 April 2024"}, "test.yaml: adopted:", "YYYY-MM-DD"),
        ({f"{ACTION}__status": "done"}, "actions[0].status", "not_started"),
        ({"status": "adopted"}, "test.yaml: status:", "one of draft"),
        ({"priorities__0__measures": ["knife-polic"]}, "priorities[0].measures[0]", "knife-police"),
        ({f"{INTERVENTION}__approach": "scared-straight"}, "interventions[0].approach", "null"),
        ({f"{INTERVENTION}__place_based__lsoas": ["E0101454"]}, "lsoas[0]", "six digits"),
        ({f"{INTERVENTION}__place_based__lsoas": ["E02003456"]}, "lsoas[0]", "LSOA code"),
        ({f"{INTERVENTION}__place_based__wards": ["E01014540"]}, "wards[0]", "ward code"),
        ({f"{INTERVENTION}__place_based__start": "2020-13"}, "place_based.start", "YYYY-MM"),
        ({f"{INTERVENTION}__place_based__start": "2020-04-01"}, "place_based.start", "YYYY-MM"),
        ({f"{INTERVENTION}__place_based__lsoas": []}, "place_based", "lsoas, of wards"),
        ({"period": "2027-2024"}, "test.yaml: period:", "2024-2027"),
        ({"status": "approved"}, "test.yaml: adopted:", "date it was adopted"),
        ({"adopted": "2024-04-01"}, "test.yaml: adopted:", "adopted: null"),
        ({"priorities__0__objectives": []}, "priorities[0].objectives", "at least 1"),
        ({"example": "yes"}, "test.yaml: example:", "true or false"),
        ({"area": "Somerset"}, "test.yaml: area:", "not an id"),
    ],
)
def test_error_names_the_path_and_the_fix(changes, where, says):
    problems = _problems(_doc(**changes))
    assert len(problems) == 1, problems
    assert where in problems[0] and says in problems[0], problems[0]


def test_the_full_path_is_given():
    problems = _problems(_doc(**{f"{ACTION}__milestone": "soon"}))
    assert problems == [
        "test.yaml: priorities[0].interventions[0].actions[0].milestone: 'soon' is not a "
        "date; write it as YYYY-MM-DD"
    ]


def test_every_problem_is_reported_at_once_and_ids_are_unique():
    doc = _doc(**{"status": "bogus", f"{ACTION}__status": "bogus"})
    doc["priorities"].append(copy.deepcopy(doc["priorities"][0]))  # every id repeated
    problems = _problems(doc)
    text = "\n".join(problems)
    assert (
        "test.yaml: status:" in text and "priorities[0].interventions[0].actions[0].status" in text
    )
    for kind in ("priorities[1].id", "priorities[1].interventions[0].id", "actions[0].id"):
        assert f"{kind}: " in text and "already the id of" in text, kind


def test_a_missing_file_and_bad_yaml_are_strategy_errors(tmp_path):
    with pytest.raises(st.StrategyError, match="no such file"):
        st.load(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("title: [unclosed\n")
    with pytest.raises(st.StrategyError, match="not valid YAML"):
        st.load(tmp_path / "bad.yaml")


def test_measures_are_checked_against_the_catalogue_given(tmp_path):
    own = tmp_path / "measures.yaml"
    own.write_text(
        "baseline_year: 2019\nmeasures:\n  - {id: my-measure, title: Mine, source: police_crime}\n"
    )
    doc = _doc(**{"priorities__0__measures": ["my-measure"]})
    text = yaml.safe_dump(doc)
    assert st.loads(text, measures=measures_catalogue.load(own)).priorities[0].measures == (
        "my-measure",
    )
    with pytest.raises(st.StrategyError, match=r"measures\[0\]: 'my-measure'"):
        st.loads(text)  # the shipped catalogue has no such measure


# ---- evidence warnings ---------------------------------------------------------------------------


def _with_approach(approach):
    return _loads(_doc(**{f"{INTERVENTION}__approach": approach}))


def test_harmful_approach_gets_a_strong_warning_quoting_the_catalogue():
    catalogue = st.load_catalogue()
    raw = yaml.safe_load(st.CATALOGUE_FILE.read_text())
    entry = next(a for a in raw["approaches"] if a["impact_band"] == "harmful")
    [warning] = st.warnings(_with_approach(entry["id"]), catalogue)
    assert warning.severity == "strong"
    assert "HARMFUL" in warning.message
    assert warning.quote == entry["notes"].strip() and warning.source == entry["source"]
    assert warning.where == "priorities[0].interventions[0]" and warning.intervention == "i1"


@pytest.mark.parametrize("approach", ["knife-crime-education-programmes", "police-in-schools"])
def test_no_clear_evidence_gets_a_warning(approach):
    [warning] = st.warnings(_with_approach(approach))
    assert warning.severity == "warning" and warning.approach == approach


def test_local_approach_gets_an_info_note_and_strong_evidence_none():
    [note] = st.warnings(_with_approach(None))
    assert note.severity == "info" and "plan an evaluation" in note.message
    assert st.warnings(_with_approach("focused-deterrence")) == []
    [weak] = st.warnings(_with_approach("a-and-e-navigators"))  # high band, very low confidence
    assert weak.severity == "info" and "very low confidence" in weak.message


def test_unknown_approach_is_an_error_not_a_warning(tmp_path):
    s = _with_approach("mentoring")
    raw = yaml.safe_load(st.CATALOGUE_FILE.read_text())
    raw["approaches"] = [a for a in raw["approaches"] if a["id"] != "mentoring"]
    other = tmp_path / "older.yaml"
    other.write_text(yaml.safe_dump(raw))
    with pytest.raises(st.StrategyError, match=r"interventions\[0\]\.approach: 'mentoring'"):
        st.warnings(s, st.load_catalogue(other))


# ---- action progress -----------------------------------------------------------------------------


def test_action_summary_counts_and_overdue():
    actions = [
        ("late", "2025-01-10", "on_track"),  # past, not complete: overdue
        ("due-today", "2025-02-01", "at_risk"),  # not past yet
        ("done", "2024-12-01", "complete"),
        ("dropped", "2024-12-01", "cancelled"),
        ("later", "2025-06-01", "delayed"),
        ("stalled", "2025-01-31", "delayed"),  # one day past: overdue
    ]
    doc = _doc(
        **{
            f"{INTERVENTION}__actions": [
                {"id": i, "description": "d", "owner": "o", "milestone": m, "status": s}
                for i, m, s in actions
            ]
        }
    )
    summary = st.action_summary(_loads(doc), date(2025, 2, 1))
    assert summary.counts == {
        "not_started": 0,
        "on_track": 1,
        "at_risk": 1,
        "delayed": 2,
        "complete": 1,
        "cancelled": 1,
    }
    assert summary.total == 6
    assert [(o.action.id, o.days_overdue) for o in summary.overdue] == [
        ("late", 22),
        ("stalled", 1),
    ]
    assert {(o.priority, o.intervention) for o in summary.overdue} == {("p1", "i1")}


@pytest.mark.parametrize("name", ["avon-and-somerset", "somerset"])
def test_action_summary_of_examples_matches_the_raw_file(name):
    raw = yaml.safe_load((STRATEGIES / f"{name}.yaml").read_text())
    raw_actions = [
        a for p in raw["priorities"] for i in p.get("interventions", []) for a in i["actions"]
    ]
    today = date(2026, 1, 1)
    summary = st.action_summary(st.load(STRATEGIES / f"{name}.yaml"), today)
    for status in st.ACTION_STATUSES:
        assert summary.counts[status] == sum(a["status"] == status for a in raw_actions)
    assert {o.action.id for o in summary.overdue} == {
        a["id"]
        for a in raw_actions
        if a["milestone"] < today and a["status"] not in ("complete", "cancelled")
    }
    assert len(set(summary.counts.values()) - {0}) > 1  # a mix of statuses to show


# ---- findings ----------------------------------------------------------------------------------


def test_check_findings():
    s = _loads(MINIMAL)
    assert checks.check_findings(s, {"fig-knife", "fig-other"}) == []
    [problem] = checks.check_findings(s, {"fig-knife-trend"})
    assert "priorities[0].finding_ref: 'fig-knife'" in problem and "fig-knife-trend" in problem
    assert checks.check_findings(_loads(_doc(priorities__0__finding_ref=None)), set()) == []


# ---- the catalogue ------------------------------------------------------------------------------


def test_catalogue_has_every_approach_of_domain_md_with_its_band():
    catalogue = st.load_catalogue()
    for name, band in YEF_APPROACHES.items():
        found = [a for a in catalogue.approaches if a.name.lower().startswith(name.lower())]
        assert len(found) == 1, name
        assert found[0].impact_band == band, name
    assert len(catalogue.approaches) == len(YEF_APPROACHES)


def test_catalogue_entries_have_band_source_and_no_invented_figures():
    catalogue = st.load_catalogue()
    assert catalogue.version and catalogue.as_of <= date.today()
    assert "30%" in catalogue.impact_bands["high"] and "10%" in catalogue.impact_bands["moderate"]
    assert "2%" in catalogue.impact_bands["low"] and "9%" in catalogue.impact_bands["low"]
    for a in catalogue.approaches:
        assert a.impact_band in st.IMPACT_BANDS
        assert a.source.startswith("https://"), a.id
        if a.evidence_strength == "unknown":
            assert a.marker == "[U]", a.id
    with_figures = {a.id: a.estimated_effect for a in catalogue.approaches if a.estimated_effect}
    assert set(with_figures) == set(YEF_FIGURES)
    for approach_id, figure in YEF_FIGURES.items():
        assert figure in with_figures[approach_id]
    # the two confidence ratings read in the YEF sources
    assert catalogue.get("a-and-e-navigators").evidence_strength == "very_low"
    assert catalogue.get("sports-programmes").evidence_strength == "low"
    text = st.CATALOGUE_FILE.read_text()
    assert "youthendowmentfund.org.uk/toolkit" in text and "six months" in text


def test_a_broken_catalogue_names_the_entry_and_field(tmp_path):
    raw = yaml.safe_load(st.CATALOGUE_FILE.read_text())
    raw["approaches"][2]["impact_band"] = "very_high"
    raw["approaches"][3]["source"] = "youthendowmentfund.org.uk"
    raw["approaches"][4]["evidence_strength"] = "unknown"
    raw["approaches"][4]["marker"] = "[V]"
    path = tmp_path / "cat.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(st.StrategyError) as info:
        st.load_catalogue(path)
    text = str(info.value)
    assert "approaches[2].impact_band: 'very_high'" in text
    assert "approaches[3].source" in text and "not a URL" in text
    assert "approaches[4].marker" in text
