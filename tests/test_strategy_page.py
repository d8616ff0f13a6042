"""The strategy page: both shipped examples rendered, every priority, intervention and action on
it, overdue actions flagged in words, evidence warnings where they belong, the example label,
links to the needs assessment, and the page opened in chromium with axe finding nothing serious.

Expected values come from the YAML files read with PyYAML (strategies, catalogue, measures,
partnership) and from date arithmetic done here, not from the code under test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from browser import assert_clean, check_page, serve_dir
from svduty.partnership import DEFAULT_YAML
from svduty.partnership import load as load_partnership
from svduty.products import html
from svduty.products.strategy import file as st
from svduty.products.strategy import page as strategy_page

ROOT = Path(__file__).resolve().parent.parent
STRATEGIES = ROOT / "src/svduty/products/strategy/examples"
CATALOGUE = ROOT / "src/svduty/products/strategy/catalogues/yef-toolkit.yaml"
MEASURES = ROOT / "src/svduty/analysis/measures/measures.yaml"
EXAMPLES = ("avon-and-somerset", "somerset")
# A day on which some of the examples' actions are overdue and some are not yet due.
TODAY = date(2026, 1, 15)


# ---- reading the page ----------------------------------------------------------------------------

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)  # Node or str

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find_all(self, tag: str | None = None, class_: str | None = None) -> list[Node]:
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag) and (class_ is None or class_ in n.classes)
        ]

    def by_id(self, id_: str) -> Node:
        found = [n for n in self.walk() if n.attrs.get("id") == id_]
        assert len(found) == 1, f"expected one element with id {id_!r}, found {len(found)}"
        return found[0]

    def has_id(self, id_: str) -> bool:
        return any(n.attrs.get("id") == id_ for n in self.walk())

    def hrefs(self) -> list[str]:
        return [a.attrs["href"] for a in self.find_all("a") if "href" in a.attrs]


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(path: Path) -> Node:
    tree = _Tree()
    tree.feed(path.read_text(encoding="utf-8"))
    tree.close()
    assert tree.stack == [tree.root], "unclosed elements"
    return tree.root


def words(text: str) -> str:
    """Text as the page shows it: whitespace collapsed (YAML block text keeps its newlines)."""
    return re.sub(r"\s+", " ", text).strip()


# ---- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def partnership():
    return load_partnership()


@pytest.fixture(scope="module")
def raw_catalogue() -> dict:
    return yaml.safe_load(CATALOGUE.read_text())


def raw_strategy(name: str) -> dict:
    return yaml.safe_load((STRATEGIES / f"{name}.yaml").read_text())


def render(tmp_path: Path, partnership, name: str, **kwargs) -> tuple[Path, Node]:
    s = st.load(STRATEGIES / f"{name}.yaml")
    kwargs.setdefault("today", TODAY)
    out = strategy_page.write(s, tmp_path / name, partnership=partnership, area=s.area, **kwargs)
    return out, parse(out)


def raw_actions(doc: dict):
    for p in doc["priorities"]:
        for i in p.get("interventions") or []:
            for a in i.get("actions") or []:
                yield p, i, a


def overdue_on_page(page: Node) -> dict[str, int]:
    """Action id -> the days the page says it is overdue, for every action row."""
    out = {}
    for row in page.find_all("tr"):
        if row.attrs.get("id", "").startswith("action-"):
            found = re.search(r"Overdue by (\d+) days?", row.text())
            if found:
                out[row.attrs["id"].removeprefix("action-")] = int(found[1])
    return out


# A strategy of one priority whose one intervention takes the approach named; the milestones
# are the day before TODAY and TODAY itself.
def small_strategy(approach: str | None) -> dict:
    return {
        "title": "Test strategy",
        "area": "somerset",
        "period": "2025-2028",
        "status": "approved",
        "adopted": "2025-04-01",
        "local_definition": "asvrp-2023",
        "priorities": [
            {
                "id": "p1",
                "title": "Keep young people out of prison",
                "finding": "Reoffending by young people is high.",
                "finding_ref": "fig-reoffending",
                "objectives": ["Less reoffending."],
                "measures": ["police-uk-violence"],
                "interventions": [
                    {
                        "id": "prison-visits",
                        "name": "Prison visits for young people at risk",
                        "approach": approach,
                        "lead_partner": "Somerset Council",
                        "description": "Young people visit a prison and meet prisoners.",
                        "actions": [
                            {
                                "id": "pv-1",
                                "description": "Book the visits.",
                                "owner": "Somerset Council",
                                "milestone": "2026-01-14",
                                "status": "on_track",
                            },
                            {
                                "id": "pv-2",
                                "description": "Run the visits.",
                                "owner": "Somerset Council",
                                "milestone": "2026-01-15",
                                "status": "on_track",
                            },
                        ],
                    }
                ],
            }
        ],
    }


def harmful_id(raw_catalogue: dict) -> str:
    """The catalogue's id for prison awareness ("Scared Straight"), read from the YAML."""
    [entry] = [a for a in raw_catalogue["approaches"] if a["impact_band"] == "harmful"]
    assert "prison awareness" in entry["name"].lower()
    return entry["id"]


def render_small(tmp_path: Path, partnership, approach: str | None) -> tuple[Path, Node]:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small_strategy(approach), sort_keys=False))
    s = st.load(path)
    out = strategy_page.write(
        s, tmp_path / "small", partnership=partnership, area="somerset", today=TODAY
    )
    return out, parse(out)


# ---- the examples --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_priority_intervention_and_action_is_on_the_page(tmp_path, partnership, name):
    out, page = render(tmp_path, partnership, name)
    assert out == tmp_path / name / "index.html"
    assert (tmp_path / name / "assets" / html.STYLESHEET).is_file()
    doc = raw_strategy(name)
    assert page.find_all("h1")[0].text() == words(doc["title"])
    for n, p in enumerate(doc["priorities"], start=1):
        section = page.by_id(f"priority-{p['id']}")
        assert section.find_all("h2")[0].text() == f"Priority {n}: {words(p['title'])}"
        assert words(p["finding"]) in section.text()
        for objective in p["objectives"]:
            assert words(objective) in section.text()
        for i in p.get("interventions") or []:
            block = section.by_id(f"intervention-{i['id']}")
            assert words(i["name"]) in block.find_all("h3")[0].text()
            assert words(i["description"]) in block.text()
            assert words(i["lead_partner"]) in block.text()
            for code in (i.get("place_based") or {}).get("lsoas", []):
                assert code in block.text()
            for a in i.get("actions") or []:
                cells = [td.text() for td in block.by_id(f"action-{a['id']}").find_all("td")]
                assert cells[0] == words(a["description"])
                assert cells[1] == words(a["owner"])
                assert cells[2] == f"{a['milestone'].day} {a['milestone']:%B %Y}"
                assert cells[4] == words(a.get("note", ""))


@pytest.mark.parametrize("name", EXAMPLES)
def test_overdue_actions_are_flagged_in_words(tmp_path, partnership, name):
    _, page = render(tmp_path, partnership, name)
    # worked out here from the YAML: a milestone before today, not complete and not cancelled
    expected = {
        a["id"]: (TODAY - a["milestone"]).days
        for _, _, a in raw_actions(raw_strategy(name))
        if a["milestone"] < TODAY and a["status"] not in ("complete", "cancelled")
    }
    assert expected, "TODAY should leave some example actions overdue"
    assert len(expected) < len(list(raw_actions(raw_strategy(name)))), "and some not"
    assert overdue_on_page(page) == expected
    summary = st.action_summary(st.load(STRATEGIES / f"{name}.yaml"), TODAY)
    assert {o.action.id: o.days_overdue for o in summary.overdue} == expected


def test_an_action_due_today_is_not_overdue_and_one_day_is_singular(tmp_path, partnership):
    _, page = render_small(tmp_path, partnership, "mentoring")
    assert page.by_id("action-pv-1").text().endswith("Overdue by 1 day")
    assert "Overdue" not in page.by_id("action-pv-2").text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_example_label_cannot_be_missed(tmp_path, partnership, name):
    _, page = render(tmp_path, partnership, name)
    note = raw_strategy(name)["example_note"]
    labels = page.find_all(class_="tag-example")
    # once in the layout's banner, once at the top of the content (which the site reuses)
    assert len(labels) == 2 and all(t.text() == "Example" for t in labels)
    banner = page.find_all(class_="phase-banner")[0]
    assert note in banner.text()
    main = page.by_id("main-content")
    assert note in main.find_all(class_="panel")[0].text()


def test_a_strategy_that_is_not_an_example_has_no_example_label(tmp_path, partnership):
    _, page = render_small(tmp_path, partnership, "mentoring")
    assert page.find_all(class_="tag-example") == []
    assert not page.has_id("harmful-approaches")


@pytest.mark.parametrize("name", EXAMPLES)
def test_findings_link_to_the_assessment_by_their_finding_ref(tmp_path, partnership, name):
    doc = raw_strategy(name)
    for href, expected_base in (
        (strategy_page.ASSESSMENT_HREF, "../sna/annex.html"),
        ("assessment/2025.html", "assessment/2025.html"),
    ):
        _, page = render(
            tmp_path / expected_base.replace("/", "_"), partnership, name, assessment_href=href
        )
        for p in doc["priorities"]:
            links = page.by_id(f"priority-{p['id']}").hrefs()
            assert f"{expected_base}#{p['finding_ref']}" in links
    _, page = render(tmp_path / "unlinked", partnership, name, assessment_href=None)
    for p in doc["priorities"]:
        section = page.by_id(f"priority-{p['id']}")
        assert words(p["finding"]) in section.text()
        assert not any(p["finding_ref"] in h for h in section.hrefs())


@pytest.mark.parametrize("name", EXAMPLES)
def test_success_measures_are_named_and_linked(tmp_path, partnership, name):
    _, page = render(tmp_path, partnership, name)
    titles = {m["id"]: m["title"] for m in yaml.safe_load(MEASURES.read_text())["measures"]}
    for p in raw_strategy(name)["priorities"]:
        section = page.by_id(f"priority-{p['id']}")
        for measure in p["measures"]:
            measure = measure["id"] if isinstance(measure, dict) else measure
            assert f"#measure-{measure}" in section.hrefs()
            text = page.by_id(f"measure-{measure}").text()
            title = titles[measure]
            if "{" in title:  # a local measure's title names the partnership's own definition
                title = title.split("{", 1)[0]
                assert partnership.local_definition["id"] in text, text
            assert text.startswith(words(title))


def test_knife_crime_education_shows_its_warning_and_band(tmp_path, partnership, raw_catalogue):
    _, page = render(tmp_path, partnership, "somerset")
    [entry] = [
        a for a in raw_catalogue["approaches"] if a["id"] == "knife-crime-education-programmes"
    ]
    assert (entry["impact_band"], entry["evidence_strength"]) == (
        "no_clear_evidence",
        "insufficient",
    )
    block = page.by_id("intervention-schools-knife-talks")
    tags = {t.text(): t.classes for t in block.find_all(class_="tag")}
    assert "tag-warning" in tags["No clear evidence"]
    assert "tag-warning" in tags["Insufficient evidence"]
    [warning] = block.find_all(class_="warning-text")
    assert "Knife crime awareness talks in secondary schools" in warning.text()
    assert "insufficient evidence" in warning.text()
    assert words(entry["notes"]) in block.text()
    assert entry["source"] in block.hrefs()
    # an insufficient-evidence warning stays with its intervention; only harm goes to the top
    assert not page.has_id("harmful-approaches")


def test_a_harmful_approach_is_warned_about_at_the_top(tmp_path, partnership, raw_catalogue):
    _, page = render_small(tmp_path, partnership, harmful_id(raw_catalogue))
    main = page.by_id("main-content")
    top = main.by_id("harmful-approaches")
    # before anything else the page says: the key facts and the contents come after it
    order = [n for n in main.walk() if n is top or "summary-list" in n.classes or n.tag == "nav"]
    assert order[0] is top
    [warning] = top.find_all(class_="warning-text")
    assert "Prison visits for young people at risk" in warning.text()
    assert "HARMFUL" in warning.text()
    assert "#intervention-prison-visits" in top.hrefs()
    block = page.by_id("intervention-prison-visits")
    assert "HARMFUL" in block.find_all(class_="warning-text")[0].text()
    tags = {t.text(): t.classes for t in block.find_all(class_="tag")}
    assert "tag-harmful" in tags["Harmful"]


def test_a_local_approach_gets_an_evaluation_note(tmp_path, partnership):
    _, page = render_small(tmp_path, partnership, None)
    block = page.by_id("intervention-prison-visits")
    [note] = block.find_all(class_="inset-text")
    assert "plan an evaluation" in note.text()
    assert block.find_all(class_="warning-text") == []


def test_the_evidence_ratings_cite_the_catalogue(tmp_path, partnership, raw_catalogue):
    _, page = render(tmp_path, partnership, "somerset")
    ratings_heading = page.by_id("evidence-ratings")
    main_text = page.by_id("main-content").text()
    assert ratings_heading.text() == "About the evidence ratings"
    as_of = raw_catalogue["as_of"]
    assert f"version {raw_catalogue['version']}" in main_text
    assert f"{as_of.day} {as_of:%B %Y}" in main_text
    for meaning in raw_catalogue["impact_bands"].values():
        assert words(meaning) in main_text
    hrefs = page.hrefs()
    for source in raw_catalogue["sources"]:
        assert source in hrefs


def test_key_facts_definition_and_contact(tmp_path, partnership):
    _, page = render(tmp_path, partnership, "somerset")
    raw = yaml.safe_load(DEFAULT_YAML.read_text())
    facts = {
        row.find_all("dt")[0].text(): row.find_all("dd")[0].text()
        for row in page.find_all("dl")[0].find_all(class_="summary-list-row")
    }
    doc = raw_strategy("somerset")
    assert facts["Period"] == doc["period"].replace("-", " to ")
    assert facts["Adopted"] == "Not adopted yet"  # the example is a draft
    assert facts["Status"] == "Draft"
    [la] = [la for la in raw["local_authorities"] if la["name"] == "Somerset"]
    assert facts["Owned by"] == la["local_partnership_group"]
    definition = raw["local_definition"]
    assert words(definition["text"]) in page.by_id("main-content").text()
    assert definition["source"] in page.hrefs()
    assert f"mailto:{la['public_contact']['email']}" in page.hrefs()
    assert la["public_contact"]["url"] in page.hrefs()


def test_an_adopted_strategy_shows_its_adopted_date(tmp_path, partnership):
    _, page = render_small(tmp_path, partnership, "mentoring")
    text = page.find_all("dl")[0].text()
    assert "Adopted 1 April 2025" in text and "Status Approved" in text


def test_the_body_renders_inside_another_layout(partnership):
    """The public site includes the same partial in its own layout."""
    s = st.load(STRATEGIES / "somerset.yaml")
    view = strategy_page.view(s, partnership=partnership, area="somerset", today=TODAY)
    layout = html.environment().from_string(
        '<main>{% include "' + strategy_page.BODY_TEMPLATE + '" %}</main>'
    )
    text = layout.render(strategy_page=view)
    assert words(s.title) in text and "tag-example" in text and "Overdue by" in text


def test_the_wrong_area_or_definition_is_refused(partnership):
    s = st.load(STRATEGIES / "somerset.yaml")
    with pytest.raises(strategy_page.StrategyPageError, match="for the area 'somerset'"):
        strategy_page.view(s, partnership=partnership, area="avon-and-somerset")
    other = st.loads((STRATEGIES / "somerset.yaml").read_text().replace("asvrp-2023", "other-2025"))
    # a StrategyError, so whatever reports a strategy file's problems reports this one too
    with pytest.raises(st.StrategyError, match="'other-2025'"):
        strategy_page.view(other, partnership=partnership, area="somerset")


# ---- in a browser --------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("name", EXAMPLES)
def test_the_page_is_accessible_in_chromium(tmp_path, partnership, page, name):
    # the assessment is not beside the page here, so the findings are shown unlinked
    render(tmp_path, partnership, name, assessment_href=None)
    with serve_dir(tmp_path / name) as base:
        report = check_page(page, base + "index.html")
    assert_clean(report)
    assert report.status == 200


@pytest.mark.browser
def test_a_harmful_warning_page_is_accessible_in_chromium(
    tmp_path, partnership, page, raw_catalogue
):
    render_small(tmp_path, partnership, harmful_id(raw_catalogue))
    # give the assessment link a real target, so the link check covers it too
    sna = tmp_path / "sna"
    sna.mkdir()
    (sna / "annex.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>SNA</title></head>'
        '<body><h1 id="fig-reoffending">Reoffending</h1></body></html>'
    )
    with serve_dir(tmp_path) as base:
        report = check_page(page, base + "small/index.html")
    assert_clean(report)
