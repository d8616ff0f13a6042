"""The needs assessment in two parts (issue 12): the board version (index.html) and the technical
annex (annex.html), and the statements every product must get right.

Without a warehouse: the ranking rule (size, change, certainty), findings apart from caveats,
recommendations with an owner taken from the partnership's specified authorities, a timescale, a
priority and the finding they answer, data-improvement actions apart.

On the products `svduty demo` built (the session's one demo build, never a second): the board
version's executive summary has 5 to 7 ranked findings, each with its "so what" and its figure,
the caveats in a box of their own; every number in the summary is recomputed here by SQL on the
warehouse's raw rows, not read from svduty's output; printed, the board version is at most 12
A4 pages and its summary one; axe finds nothing serious on either part. And every built page
(products and public site) is scanned for "nan", "None", a machine path, a traceback and a
synthetic figure without its label.
"""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from svduty import partnership as partnership_config
from svduty.privacy.disclosure import Source
from svduty.products.area import resolve
from svduty.products.assessment import rank, recommend
from svduty.products.assessment.model import (
    CAVEAT,
    DATA_ACTION,
    FINDING,
    PARTNERSHIP_ACTION,
    Finding,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"
AREAS = ("avon-and-somerset", "somerset")
SOMERSET = "E06000066"
VIOLENCE = "Violence and sexual offences"


# ---- the ranking rule and the kinds of statement (no warehouse) --------------------------------


def _finding(rule: str, *, synthetic=False, counts=None, numbers=None, subject="", template=""):
    counts = counts or {}
    return Finding(
        id=f"finding-{rule}-{len(numbers or {})}-{synthetic}",
        rule=rule,
        template=template or " ".join("{" + k + "}" for k in counts) or rule,
        counts=counts,
        figure_id="fig-x",
        section="s",
        source_kind=Source.RECORD_LEVEL,
        synthetic=synthetic,
        numbers=numbers or {},
        subject=subject,
    )


HEADLINE = _finding("headline", counts={"total": 12_000}, numbers={"months_covered": 36})


def test_findings_rank_by_size_change_and_certainty_and_caveats_are_not_ranked():
    significant_rise = _finding(
        "measure-change",
        counts={"before": 3000, "after": 3600},
        numbers={"change_pct": 20.0, "lower": 15.0, "upper": 25.0},
        subject="Violence and sexual offences (police.uk open data)",
        template="rose {before} {after}",
    )
    small_share = _finding("knife-share", numbers={"share": 0.02})
    synthetic_big_share = _finding("domestic-abuse-share", synthetic=True, numbers={"share": 0.5})
    concentration = _finding("concentration", numbers={"top_share": 0.3, "top_lsoas": 30})
    missing_month = _finding("data-gap-missing-month", numbers={"missing_months": 1})
    no_ed = _finding("ed-police-gap", numbers={"ratio": 0.0})
    out = rank.ranked(
        [
            HEADLINE,
            small_share,
            missing_month,
            synthetic_big_share,
            no_ed,
            concentration,
            significant_rise,
        ],
        36,
    )
    kinds = {f.rule: f.kind for f in out}
    assert kinds["data-gap-missing-month"] == kinds["ed-police-gap"] == CAVEAT
    assert {kinds[r] for r in ("headline", "knife-share", "concentration")} == {FINDING}
    # caveats come last and carry no rank
    assert [f.kind for f in out] == [FINDING] * 5 + [CAVEAT] * 2
    assert all(f.rank is None for f in out if f.kind == CAVEAT)
    scores = {f.rule: (f.rank.size, f.rank.change, f.rank.certainty) for f in out[:5]}
    assert scores["measure-change"] == (2, 2, 2)  # all violence, interval leaves out 0, real
    assert scores["concentration"] == (2, 1, 2)
    assert scores["headline"] == (2, 0, 2)
    assert scores["domestic-abuse-share"] == (2, 0, 0)  # synthetic: no certainty
    assert scores["knife-share"] == (0, 0, 2)
    # ties (2 points each) go to the larger size: the synthetic half before the 2% share
    assert [f.rule for f in out[:5]] == [
        "measure-change",
        "concentration",
        "headline",
        "domestic-abuse-share",
        "knife-share",
    ]
    assert all(f.so_what for f in out)


def test_a_missing_month_lowers_certainty():
    head = _finding("headline", counts={"total": 12_000}, numbers={"months_covered": 35})
    out = rank.ranked([head, _finding("knife-share", numbers={"share": 0.3})], 36)
    assert [f.rank.certainty for f in out] == [1, 1]


def test_the_board_shows_at_most_seven_findings_and_not_the_headline():
    many = [HEADLINE] + [
        _finding("knife-share", numbers={"share": i / 100}) for i in range(1, 11)
    ]
    many = [Finding(**{**f.__dict__, "id": f"finding-{i}"}) for i, f in enumerate(many)]
    summary = tuple(rank.ranked(many, 36))
    key = rank.key_findings(summary)
    assert len(key) == rank.KEY_FINDINGS == 7
    assert all(f.rule != "headline" for f in key)


@pytest.fixture(scope="module")
def shipped_partnership():
    return partnership_config.load()


def test_owners_are_the_areas_own_specified_authorities(shipped_partnership):
    p = shipped_partnership
    somerset = resolve(p, "somerset")
    names = {b["name"] for b in p.specified_authorities}
    assert recommend.owner(p, somerset, "local_authority") == "Somerset Council"
    assert recommend.owner(p, somerset, "integrated_care_board") == "NHS Somerset ICB"
    assert recommend.owner(p, somerset, "youth_offending") == "Somerset Youth Justice Service"
    assert recommend.owner(p, somerset, "police") == "Avon and Somerset Constabulary"
    for kind in ("local_authority", "integrated_care_board", "police", "probation"):
        assert recommend.owner(p, somerset, kind) in names
    force = resolve(p, "avon-and-somerset")
    every = recommend.owner(p, force, "local_authority")
    assert all(
        b["name"] in every for b in p.specified_authorities if b["kind"] == "local_authority"
    )


def test_recommendations_have_owner_timescale_priority_and_the_finding_they_answer(
    shipped_partnership,
):
    p = shipped_partnership
    findings = rank.ranked(
        [
            HEADLINE,
            _finding("deprivation-gradient", numbers={"rate_ratio": 3.0}),
            _finding("data-gap-missing-month", numbers={"missing_months": 1}),
            _finding("under-25-share", synthetic=True, numbers={"share": 0.4}),
        ],
        36,
    )
    made = recommend.recommendations(findings, p, resolve(p, "somerset"))
    names = {b["name"] for b in p.specified_authorities}
    by_rule = {r.rule: r for r in made}
    assert set(by_rule) == {"deprivation-gradient", "data-gap-missing-month", "under-25-share"}
    for r in made:
        assert r.owner in names and r.timescale and r.findings
    assert by_rule["deprivation-gradient"].kind == PARTNERSHIP_ACTION
    assert by_rule["deprivation-gradient"].priority == "high"  # 2 + 2 + 2
    assert by_rule["under-25-share"].priority == "low"  # 2 + 0 + 0
    # "Fill the missing month(s)" is housekeeping: a data-improvement action, listed last
    assert by_rule["data-gap-missing-month"].kind == DATA_ACTION
    assert made[-1].rule == "data-gap-missing-month"
    assert [r.id for r in made] == [f"recommendation-{i}" for i in range(1, 4)]


def test_the_ranking_rule_is_stated_in_docs():
    text = " ".join((DOCS / "sna.md").read_text(encoding="utf-8").split())
    for words in ("size", "change", "certainty", "a quarter or more", "synthetic"):
        assert words in text, words
    assert "annex.html" in text and "index.html" in text


# ---- the demo's products ----------------------------------------------------------------------


class _Board(HTMLParser):
    """The executive summary's findings (text, so-what, figure link), the caveats, the
    recommendation rows and every id of a board page."""

    def __init__(self, text: str):
        super().__init__()
        self.ids: set[str] = set()
        self.findings: list[dict] = []
        self.caveats: list[str] = []
        self.rows: dict[str, list[list[str]]] = {}
        self._in: list[str] = []
        self._finding = None
        self._caveat = None
        self._table = None
        self._cell = None
        self._p = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        cls = a.get("class") or ""
        if tag == "li" and "board-finding" in cls:
            self._finding = {"id": a["id"], "text": "", "so_what": "", "href": None}
        if tag == "p" and self._finding is not None:
            self._p = "text" if "board-finding-text" in cls else "so_what"
        if tag == "a" and self._finding is not None and self._p == "so_what":
            self._finding["href"] = a.get("href")
        if tag == "div" and "caveats" in cls:
            self._caveat = ""
        if tag == "li" and self._caveat is not None:
            self._caveat = ""
        if tag == "table" and "recommendation-table" in cls:
            self._table = []
        if tag == "tr" and self._table is not None:
            self._table.append([])
        if tag in ("td", "th") and self._table is not None:
            self._cell = ""
        if tag == "caption" and self._table is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "p":
            self._p = None
        if tag == "li" and self._finding is not None:
            self.findings.append(self._finding)
            self._finding = None
        elif tag == "li" and self._caveat is not None:
            self.caveats.append(" ".join(self._caveat.split()))
            self._caveat = ""
        if tag == "div" and self._caveat is not None:
            self._caveat = None
        if tag == "caption" and self._table is not None:
            self._caption = " ".join(self._cell.split())
            self._cell = None
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join(self._cell.split()))
            self._cell = None
        if tag == "table" and self._table is not None:
            self.rows[self._caption] = self._table
            self._table = None

    def handle_data(self, data):
        if self._finding is not None and self._p:
            self._finding[self._p] += data
        if self._caveat is not None:
            self._caveat += data
        if self._cell is not None:
            self._cell += data


@pytest.fixture(scope="module")
def pages(demo_config) -> dict[str, dict]:
    """Each demo area's board version and annex, as `svduty demo` wrote them."""
    out = {}
    for area in AREAS:
        folder = demo_config.home / "products" / area / "sna"
        board = (folder / "index.html").read_text(encoding="utf-8")
        annex = (folder / "annex.html").read_text(encoding="utf-8")
        out[area] = {"folder": folder, "board": board, "annex": annex, "parsed": _Board(board)}
    return out


@pytest.mark.parametrize("area", AREAS)
def test_the_board_summary_has_five_to_seven_findings_each_with_so_what_and_figure(pages, area):
    parsed = pages[area]["parsed"]
    assert 5 <= len(parsed.findings) <= 7
    for f in parsed.findings:
        assert f["text"].strip() and len(f["so_what"].split()) >= 6, f
        assert f["href"] and f["href"].startswith("#fig-") and f["href"][1:] in parsed.ids
    # the ranking rule is stated on the page
    assert rank.RULE_TEXT in html.unescape(pages[area]["board"])


@pytest.mark.parametrize("area", AREAS)
def test_caveats_sit_in_their_own_box_not_among_findings(pages, area):
    parsed = pages[area]["parsed"]
    texts = " ".join(f["text"] for f in parsed.findings)
    assert not re.search(r"has no data for|special cause|cannot be measured", texts)
    caveats = " ".join(parsed.caveats)
    assert "has no data for 2019-07" in caveats  # the demo's missing month
    assert "special cause variation" in caveats


@pytest.mark.parametrize("area", AREAS)
def test_recommendations_have_an_owner_timescale_priority_and_data_actions_apart(
    pages, area, demo_partnership
):
    parsed = pages[area]["parsed"]
    actions = parsed.rows["What the partnership should do"]
    data = parsed.rows["Data-improvement actions"]
    assert actions[0] == ["Recommendation", "Owner", "Timescale", "Priority", "Answers"]
    authorities = [b["name"] for b in demo_partnership.specified_authorities]
    for row in actions[1:] + data[1:]:
        text, owner, timescale, priority, answers = row
        assert any(name in owner for name in authorities), owner
        assert timescale and answers
    assert {r[3] for r in actions[1:]} <= {"High", "Medium", "Low"}
    assert {r[3] for r in data[1:]} == {"Data"}
    assert any(r[0].startswith("Fill the missing month") for r in data[1:])
    assert not any("missing month" in r[0] for r in actions[1:])
    if area == "somerset":
        assert {r[1] for r in actions[1:]} <= set(authorities)  # one named authority each
