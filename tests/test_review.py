"""The annual review (svduty.products.review) on the demo warehouse: it builds for the force area
and for Somerset; every action appears with its status and the overdue ones are those an
independent reading of the strategy finds; new, gone and persistent hotspots are the set
differences of the analysis layer's Gi* classes; the significant-change flag agrees with counts
taken straight from the warehouse and an interval computed by hand (and with an exact test); the
place-based section prints the evaluation's verdict and says the data cannot tell for a tiny
intervention; every question links to an id on the page.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser

import pytest
from scipy import stats

from svduty.analysis import hotspots
from svduty.analysis.evidence import where
from svduty.products.review import build as review
from svduty.products.review.actions import action_rows
from svduty.products.review.comparison import MIN_EVENTS
from svduty.products.strategy import file as strategy
from svduty.reference.population import denominator

YEAR = 2021
TODAY = date(2025, 10, 1)
AREAS = ("avon-and-somerset", "somerset")
PFA = "E23000036"
SOMERSET = "E06000066"
Z95 = 1.959963984540054


@pytest.fixture(scope="module")
def built(demo_wh, demo_partnership, tmp_path_factory):
    """Each area's review of 2021 against its example strategy, and its page."""
    out = {}
    for area in AREAS:
        plan = strategy.load(strategy.examples()[area])
        # the examples run 2024-2027 and the demo's data stop in 2021: reviewed with the warning
        r = review.build(
            demo_wh, demo_partnership, area, YEAR, strategy=plan, today=TODAY, outside_period=True
        )
        path = review.write(r, tmp_path_factory.mktemp(f"review-{area}"))
        out[area] = (r, path.read_text(encoding="utf-8"), path)
    return out


class _Page(HTMLParser):
    """Every id on the page, every fragment link, and the text of each row with an id."""

    def __init__(self, text: str):
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.rows: dict[str, str] = {}
        self._row: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
            if tag == "tr":
                self._row = attrs["id"]
                self.rows[self._row] = ""
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.links.append(attrs["href"][1:])

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._row is not None:
            self.rows[self._row] += data


def _text(fragment: str) -> str:
    return " ".join(fragment.split())


def _squash(page: str) -> str:
    """The page with entities decoded and white space collapsed, to find text in."""
    return " ".join(html.unescape(page).split())


# ---- builds -------------------------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_builds_for_the_area_with_provenance_and_synthetic_labels(built, area):
    r, page, path = built[area]
    assert path.name == "index.html" and (path.parent / "assets" / "svduty.css").exists()
    assert f"Annual review {YEAR}: {r.area.name}" in page
    ids = _Page(page).ids
    assert len(ids) == len(set(ids)), "every id on the page is unique"
    plan_measures = {m for p in r.strategy.priorities for m in p.measures}
    assert {m.measure.id for m in r.measures} == plan_measures
    for f in r.figures:
        assert f.id in ids
        assert _text(f.provenance) in _squash(page)
        assert "Software: svduty" in f.provenance
    # the police extract and partner feeds of the demo are synthetic; police.uk is not
    assert r.synthetic and "Synthetic data" in page
    flags = {m.measure.source: m.synthetic for m in r.measures}
    assert flags.get("police_uk_street") is False
    assert flags.get("police_crime") is True
    # part year said plainly: police.uk stops in September 2021
    assert r.part_year
    assert "covered only in part" in page and "January to September" in page


@pytest.mark.parametrize("area", AREAS)
def test_the_method_names_the_denominator_of_each_level(built, area):
    _, page, _ = built[area]
    text = " ".join(html.unescape(page).split())
    assert f"The measures' population, for every year, is {denominator('la').source}" in text
    assert f"(rates per LSOA) is {denominator('lsoa').source}" in text


# ---- actions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_every_action_appears_with_its_status_owner_and_milestone(built, area):
    r, page, _ = built[area]
    rows = _Page(page).rows
    actions = list(strategy.load(strategy.examples()[area]).actions())
    assert len(r.actions) == len(actions) > 0
    for _p, _i, a in actions:
        row = " ".join(rows[f"action-{a.id}"].split())
        assert a.status.replace("_", " ") in row
        assert _text(a.owner) in row
        assert a.milestone.strftime("%d %B %Y") in row


@pytest.mark.parametrize("area", AREAS)
def test_overdue_is_milestone_passed_and_not_finished(built, area):
    r, page, _ = built[area]
    plan = strategy.load(strategy.examples()[area])
    finished = {"complete", "cancelled"}

    def expected(today):
        return {
            a.id for _, _, a in plan.actions() if a.milestone < today and a.status not in finished
        }

    assert {a.action.id for a in r.actions if a.overdue} == expected(TODAY)
    assert expected(TODAY), "the example strategy has an overdue action on the fixed date"
    rows = _Page(page).rows
    for a in r.actions:
        assert ("Overdue" in rows[a.id]) == a.overdue
    milestones = sorted(a.milestone for _, _, a in plan.actions())
    for today in (milestones[0], date(2030, 1, 1), milestones[len(milestones) // 2]):
        got, counts = action_rows(plan, today)
        assert {a.action.id for a in got if a.overdue} == expected(today)
        assert sum(counts.values()) == len(milestones)
    # on a milestone's own day the action is not yet overdue
    assert not any(a.overdue for a in action_rows(plan, milestones[0])[0])


# ---- hotspots -----------------------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_hotspot_changes_are_the_set_differences_of_gi_star(demo_wh, built, area):
    r, page, _ = built[area]
    spots = r.hotspots
    assert spots.available
    counts = where.measure_counts(demo_wh, spots.measure, PFA, years=[YEAR - 1, YEAR])
    months = {
        y: {m[5:] for m in counts.months_covered if m.startswith(str(y))} for y in (YEAR - 1, YEAR)
    }
    common = months[YEAR] & months[YEAR - 1]
    assert common == {f"{m:02d}" for m in range(1, 10)}, "January to September of both years"
    keep = counts.frame["month"].str[5:].isin(common)
    same = replace(
        counts,
        frame=counts.frame[keep].reset_index(drop=True),
        months_covered=tuple(m for m in counts.months_covered if m[5:] in common),
    )
    yearly = where.lsoa_hotspots_by_year(demo_wh, spots.measure, PFA, counts=same)
    lsoa = demo_wh.table("ref_lsoa").execute()
    la_codes = r.area.la_codes
    mine = set(lsoa.loc[lsoa["la_code"].isin(la_codes), "lsoa_code"])

    def hot(y):
        f = yearly.by_year[y]
        return set(f.loc[f["classification"] == hotspots.HOT, "lsoa_code"]) & mine

    assert set(spots.new) == hot(YEAR) - hot(YEAR - 1)
    assert set(spots.gone) == hot(YEAR - 1) - hot(YEAR)
    assert set(spots.persistent) == hot(YEAR) & hot(YEAR - 1)
    if area == "avon-and-somerset":
        assert spots.new or spots.persistent, "the demo has central Bristol hotspots"
    for code in (*spots.new, *spots.gone, *spots.persistent):
        assert code in page
    if spots.new or spots.gone or spots.persistent:
        assert spots.figure is not None and spots.figure.svg
    else:  # nothing to map: no empty map or table, the page says so in words
        assert spots.figure is None
        assert "was a hotspot in either year" in page


# ---- measures -----------------------------------------------------------------------------------


def _police_uk_count(wh, crime_type: str, area_code: str, year: int, months) -> int:
    """Rows of police.uk straight from the warehouse: every row of the force for the force
    area (located or not, as the measures count it), the LSOAs of the authority otherwise."""
    months = [f"{year}-{m:02d}-01" for m in months]
    sql = (
        "select count(*) from police_uk_street s "
        + ("" if area_code == PFA else "join ref_lsoa l on l.lsoa_code = s.lsoa_code ")
        + "where s.force = 'avon-and-somerset' and s.crime_type = ? "
        + f"and cast(s.month as varchar) in ({', '.join('?' * len(months))})"
        + ("" if area_code == PFA else " and l.la_code = ?")
    )
    params = [crime_type, *months] + ([] if area_code == PFA else [area_code])
    return int(wh._raw.execute(sql, params).fetchone()[0])


@pytest.mark.parametrize("area", AREAS)
def test_significant_change_agrees_with_counts_and_an_interval_by_hand(demo_wh, built, area):
    r, page, _ = built[area]
    checked, by_hand = 0, set()
    for m in r.measures:
        if m.measure.source != "police_uk_street":
            continue
        crime_type = m.measure.filters["crime_type"]
        for change in (m.previous, m.baseline):
            then = int(change.against)
            assert change.months == tuple(range(1, 10))
            now_n = _police_uk_count(demo_wh, crime_type, r.area.code, YEAR, change.months)
            then_n = _police_uk_count(demo_wh, crime_type, r.area.code, then, change.months)
            assert (change.count, change.count_then) == (now_n, then_n)
            # same months and population on both sides: the rate ratio is the count ratio
            ratio = now_n / then_n
            se = math.sqrt(1 / now_n + 1 / then_n)
            lower, upper = ratio * math.exp(-Z95 * se), ratio * math.exp(Z95 * se)
            assert change.ratio == pytest.approx(ratio)
            assert (change.lower, change.upper) == (pytest.approx(lower), pytest.approx(upper))
            significant = lower > 1 or upper < 1
            assert change.significant == significant
            if significant and change is m.previous:
                by_hand.add(m.measure.id)
            assert change.finding == ("higher" if lower > 1 else "lower" if upper < 1 else
                                      "no significant change")  # fmt: skip
            checked += 1
    assert checked >= 2
    # the exact conditional test of two Poisson counts (equal exposure: binomial with p = 1/2)
    # agrees wherever it is clear-cut
    for m in r.measures:
        for change in (m.previous, m.baseline):
            if change.finding == "cannot tell" or not change.months:
                continue
            p = stats.binomtest(change.count, change.count + change.count_then, 0.5).pvalue
            if p < 0.01:
                assert change.significant, (m.measure.id, change)
            elif p > 0.1:
                assert not change.significant, (m.measure.id, change)
    # "what changed" lists exactly the police.uk measures the hand computation finds moved
    listed = {m.measure.id for m in r.significant_moves if m.measure.source == "police_uk_street"}
    assert listed == by_hand
    for m in r.significant_moves:
        assert f'<li><a href="#{m.id}">' in page


def test_too_few_events_cannot_tell(built):
    r, page, _ = built["avon-and-somerset"]
    homicide = next(m for m in r.measures if m.measure.id == "homicide-under-25")
    for change in (homicide.baseline, homicide.previous):
        assert min(change.count, change.count_then) < MIN_EVENTS
        assert change.finding == "cannot tell" and "too few events" in change.reason
    assert "cannot tell against 2020: too few events" in page


# ---- place-based interventions ------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_place_based_section_prints_the_verdict(built, area):
    r, page, _ = built[area]
    plan = strategy.load(strategy.examples()[area])
    placed = [i.id for _, i in plan.interventions() if i.place_based is not None]
    assert [i.intervention.id for i in r.interventions] == placed and placed
    for i in r.interventions:
        assert i.evaluation is not None
        assert i.verdict == i.evaluation.verdict
        assert i.can_tell == i.evaluation.can_tell
        assert _text(i.verdict) in _squash(page)
        assert i.figure is not None and i.figure.id == i.id
        assert i.evaluation.months_after[-1] <= f"{YEAR}-12", "no month after the review year"
        # the page names the index the areas were matched on (England's own, for English LSOAs)
        named = f"matched on {i.evaluation.deprivation_index} ranks"
        assert named in _squash(page) and i.evaluation.deprivation_index.startswith("IMD")
        if not i.can_tell:
            assert "The data cannot tell" in page


TINY = """
title: A tiny test strategy
area: somerset
period: 2021-2024
status: draft
adopted: null
local_definition: asvrp-2023
priorities:
  - id: town
    title: Town centre violence
    finding: Violence concentrates in Taunton town centre.
    objectives: [Less violence in the town centre.]
    measures: [police-uk-violence]
    interventions:
      - id: one-street
        name: One street patrol
        approach: hot-spots-policing
        lead_partner: Avon and Somerset Constabulary
        description: Patrols in one LSOA for the last months of the data.
        place_based: {lsoas: [E01029284], start: 2021-07}
        actions:
          - {id: a-1, description: Start the patrols., owner: Police, milestone: 2021-07-01,
             status: delayed}
"""


def test_a_tiny_intervention_says_the_data_cannot_tell(demo_wh, demo_partnership, tmp_path):
    plan = strategy.loads(TINY)
    r = review.build(
        demo_wh, demo_partnership, "somerset", YEAR, strategy=plan, today=TODAY, permutations=99
    )
    (i,) = r.interventions
    assert i.evaluation is not None and not i.can_tell
    assert "cannot tell" in i.verdict.lower()
    assert set(i.evaluation.did.reasons) >= {"few_treated_areas", "few_months_after"}
    page = review.write(r, tmp_path).read_text(encoding="utf-8")
    assert "The data cannot tell" in page and _text(i.verdict) in _squash(page)
    asks = [q for q in r.questions if q.evidence == i.id]
    assert asks and "evaluate" in asks[0].text
    assert [q.evidence for q in r.questions if q.topic == "action"] == ["action-a-1"]


# ---- questions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_each_question_links_to_an_id_on_the_page(built, area):
    r, page, _ = built[area]
    parsed = _Page(page)
    assert r.questions
    for q in r.questions:
        assert q.evidence in parsed.ids, q
        assert f'href="#{q.evidence}"' in page
        assert _text(q.text) in _squash(page)
    asked = {q.evidence for q in r.questions}
    for a in r.actions:
        if a.overdue or a.action.status in ("delayed", "at_risk"):
            assert a.id in asked
    for i in r.interventions:
        assert i.id in asked
    for m in r.significant_moves:
        assert m.id in asked
    assert "coverage" in asked, "the part year raises a question"


# ---- no strategy, and mistakes ------------------------------------------------------------------


def test_without_a_strategy_the_home_office_and_open_data_measures_are_reviewed(
    demo_wh, demo_partnership, tmp_path
):
    r = review.build(demo_wh, demo_partnership, "somerset", YEAR, today=TODAY, permutations=99)
    assert {m.measure.home_office for m in r.measures} - {None} == {
        "knife_police",
        "hospital_sharp",
        "homicide",
    }
    # and police.uk's, which a partnership without partner data still has
    others = {m.measure.source for m in r.measures if m.measure.home_office is None}
    assert others == {"police_uk_street"}
    assert r.actions == () and r.interventions == ()
    page = review.write(r, tmp_path).read_text(encoding="utf-8")
    assert "no actions to review" in page
    published = next(m for m in r.measures if m.measure.id == "knife-police-published")
    assert not published.available and published.baseline.finding == "cannot tell"


def test_a_year_without_data_and_a_strategy_for_another_area_are_refused(demo_wh, demo_partnership):
    with pytest.raises(review.ReviewError, match="choose one of those years"):
        review.build(demo_wh, demo_partnership, "somerset", 2030, permutations=99)
    plan = strategy.load(strategy.examples()["avon-and-somerset"])
    with pytest.raises(review.ReviewError, match="is for area 'avon-and-somerset'"):
        review.build(demo_wh, demo_partnership, "somerset", YEAR, strategy=plan)
    with pytest.raises(review.ReviewError, match="not a year"):
        review.build(demo_wh, demo_partnership, "somerset", "last year")


# ---- in a browser -------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_page_is_accessible_in_a_browser(built, page):
    from browser import assert_clean, check_page, serve_dir

    _, _, path = built["avon-and-somerset"]
    with serve_dir(path.parent) as base:
        assert_clean(check_page(page, base + "index.html"))


# ---- the strategy's period, one baseline, the summary, what the page prints ---------------------


def test_a_year_outside_the_strategy_is_refused_unless_asked_and_then_warned(
    demo_wh, demo_partnership, built
):
    plan = strategy.load(strategy.examples()["somerset"])  # 2024-2027; the data stop in 2021
    with pytest.raises(review.ReviewError, match=r"2021 is before the strategy started"):
        review.build(demo_wh, demo_partnership, "somerset", YEAR, strategy=plan, permutations=99)
    r, page, _ = built["somerset"]
    assert r.warnings and "2021 is before the strategy started" in _squash(page)
    assert _squash(page).index("before the strategy started") < _squash(page).index('id="coverage"')


@pytest.mark.parametrize("area", AREAS)
def test_every_measure_has_the_one_baseline_year_the_page_states(built, area):
    r, page, _ = built[area]
    assert r.baseline_year == r.strategy.baseline == 2018  # the examples' baseline_year
    assert {m.baseline.against[:4] for m in r.measures} == {"2018"}
    assert f"one baseline year, {r.baseline_year}" in _squash(page)


@pytest.mark.parametrize("area", AREAS)
def test_the_page_prints_no_nan_none_or_machine_path(built, area):
    _, page, _ = built[area]
    text = _squash(page)
    assert not re.search(r"\b(nan|None)\b", text), re.search(r".{60}\b(nan|None)\b.{20}", text)
    assert str(strategy.EXAMPLES_DIR) not in page and "/tmp/" not in page
    assert f"the strategy file {area}.yaml" in text


@pytest.mark.parametrize("area", AREAS)
def test_the_review_opens_with_a_summary(built, area):
    r, page, _ = built[area]
    text = _squash(page)
    assert text.index(">Summary</h2>") < text.index(">Data coverage</h2>")
    assert f"{len(r.measures)} measures reviewed against the baseline year 2018" in text
    assert f"{len(r.actions)} actions in the strategy" in text
