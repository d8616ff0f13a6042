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

import numpy as np
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
from test_sna_compare import expected_violence

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
    many = [HEADLINE] + [_finding("knife-share", numbers={"share": i / 100}) for i in range(1, 11)]
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
        _, owner, timescale, _, answers = row
        assert any(name in owner for name in authorities), owner
        assert timescale and answers
    assert {r[3] for r in actions[1:]} <= {"High", "Medium", "Low"}
    assert {r[3] for r in data[1:]} == {"Data"}
    assert any(r[0].startswith("Fill the missing month") for r in data[1:])
    assert not any("missing month" in r[0] for r in actions[1:])
    if area == "somerset":
        assert {r[1] for r in actions[1:]} <= set(authorities)  # one named authority each


# ---- every number of the executive summary, recomputed from the raw rows -----------------------
#
# By SQL on the warehouse's record tables (police.uk, the force's records, the ONS tables) and the
# reference tables, with the statistics written out here (log rate ratios, Wilson and Byar's
# intervals): nothing is read from svduty's analysis, measures or products. The period is the
# default one the pages state, 2018 to 2020.

FIRST, LAST = "2018-01-01", "2020-12-31"
Z = 1.959963984540054
PUBLIC_SPACE = ("street", "open_space", "transport", "licensed_premises", "retail", "education")
# The partnership's local definition (asvrp-2023), written out as SQL from its rules: a crime is
# in scope when any rule takes it.
IN_SCOPE = f"""(
    (victim_age <= 24 and location_type in {PUBLIC_SPACE} and (
        offence_code in ('1/1', '1/2', '4/1', '4/2', '2', '34A', '34B', '5D', '5E')
        or offence_code_recorded = '8F'
        or (offence_group in ('violence with injury', 'violence without injury', 'robbery')
            and (knife_flag or firearm_flag))
        or (offence_group in ('violence with injury', 'violence without injury')
            and (alcohol_flag or drugs_flag))))
    or (suspect_age <= 24 and location_type in {PUBLIC_SPACE}
        and offence_code in ('10A', '10B', '10C', '10D', '81', '90'))
    or (exploitation_flag and (victim_age <= 24 or suspect_age <= 24))
    or (offence_code = '106' and victim_age <= 24)
    or domestic_abuse_flag
    or offence_code in ('19C', '19D', '19E', '19F', '19G', '19H', '17A', '17B', '20A', '20B',
                        '21', '22A', '22B', '71', '72', '88A')
    or (victim_sex = 'Female' and offence_group in ('homicide', 'violence with injury',
        'violence without injury', 'stalking and harassment', 'rape', 'other sexual offences'))
) is true"""
# The Home Office knife measure: the special collection's selected offences with the knife flag
# (homicides are counted as homicides)
KNIFE = """(knife_flag and offence_code in ('2', '5D', '5E', '8N', '34A', '34B', '3B', '19C', '19D',
    '19E', '19F', '19G', '19H', '17A', '17B', '20A', '20B')) is true"""


def _one(wh, sql: str, params=()):
    return wh._raw.execute(sql, list(params)).fetchone()


def _where(area: str) -> str:
    """The rows of the area: Somerset's LSOAs, or every row of the force."""
    if area == "somerset":
        return f"lsoa_code in (select lsoa_code from ref_lsoa where la_code = '{SOMERSET}')"
    return "true"


def _street(area: str) -> str:
    return (
        f"from police_uk_street where force = 'avon-and-somerset' and crime_type = '{VIOLENCE}'"
        f" and month between date '{FIRST}' and date '{LAST}' and {_where(area)}"
    )


def _records(area: str, first=FIRST, last=LAST) -> str:
    return (
        f"from police_crime where month between date '{first}' and date '{last}' and {_where(area)}"
    )


def _ratio_interval(a: float, b: float, ratio: float) -> tuple[float, float]:
    """95% interval of a ratio of two Poisson counts a and b (on the log scale)."""
    se = math.sqrt(1 / a + 1 / b)
    return ratio * math.exp(-Z * se), ratio * math.exp(Z * se)


def _wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def _byar(o: int) -> tuple[float, float]:
    lower = o * (1 - 1 / (9 * o) - Z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def _n(value) -> str:
    return f"{value:,}"


def _d(value: float) -> str:
    return f"{value:,.1f}"


def recompute(wh, area: str) -> dict[str, list[str]]:
    """Every number the executive summary quotes, by finding id (and 'scale'), as it reads."""
    out: dict[str, list[str]] = {}
    total = _one(wh, f"select count(*) {_street(area)}")[0]
    covered = _one(
        wh,
        "select count(distinct month) from police_uk_street where force = 'avon-and-somerset' "
        f"and month between date '{FIRST}' and date '{LAST}'",
    )[0]
    out["scale"] = [_n(total)] + ([_n(covered), "36"] if covered < 36 else [])

    # the change in police.uk violence, 2018 to 2020 (the same residents both years)
    before, after = (
        _one(wh, f"select count(*) {_street(area)} and year(month) = {y}")[0] for y in (2018, 2020)
    )
    ratio = after / before
    lower, upper = _ratio_interval(after, before, ratio)
    out["finding-change-police-uk-violence"] = [
        _d(abs(100 * (ratio - 1))), _n(before), _n(after),
        _d(100 * (lower - 1)), _d(100 * (upper - 1)),
    ]  # fmt: skip

    # deprivation: England's IMD 2019 deciles of the 2011 LSOAs, mid-2018 residents
    level = "la_code" if area == "somerset" else "pfa_code"
    code = SOMERSET if area == "somerset" else "E23000036"
    by_decile = {}
    for decile in (1, 10):
        lsoas = (
            f"select i.lsoa11_code from ref_imd2019 i join ref_lsoa l on l.lsoa_code = "
            f"i.lsoa11_code where l.{level} = '{code}' and i.imd_decile = {decile}"
        )
        count = _one(wh, f"select count(*) {_street(area)} and lsoa_code in ({lsoas})")[0]
        people = _one(
            wh,
            "select sum(population_mid2018) from ref_population_lsoa11 "
            f"where lsoa11_code in ({lsoas})",
        )[0]
        by_decile[decile] = (count, people)
    (c1, p1), (c10, p10) = by_decile[1], by_decile[10]
    rr = (c1 / p1) / (c10 / p10)
    lower, upper = _ratio_interval(c1, c10, rr)
    out["finding-why-deprivation"] = [_d(rr), _d(lower), _d(upper), _n(c1), _n(c10)]

    # the comparison with similar areas: ONS's tables and the IoD files, read with pandas
    out["finding-similar-violence"] = expected_violence(
        "E22000369" if area == "somerset" else "E23000036"
    )

    # concentration: the tenth of the area's LSOAs with most offences
    n_lsoas = _one(wh, f"select count(*) from ref_lsoa where {level} = '{code}' and in_2011")[0]
    top_n = math.ceil(n_lsoas / 10)
    per_lsoa = wh._raw.execute(
        f"select count(*) as n {_street(area)} and lsoa_code in (select lsoa_code from "
        f"ref_lsoa where {level} = '{code}') group by lsoa_code order by n desc"
    ).fetchall()
    placed = sum(n for (n,) in per_lsoa)
    top = sum(n for (n,) in per_lsoa[:top_n])
    out["finding-where-concentration"] = [_n(top_n), _d(100 * top / placed), _n(top), _n(placed)]

    # the seasons (meteorological): a season's offences over its months with data
    monthly = wh._raw.execute(
        f"select month(month), count(*), count(distinct month) {_street(area)} group by 1"
    ).fetchall()
    seasons = {
        "winter": (12, 1, 2),
        "spring": (3, 4, 5),
        "summer": (6, 7, 8),
        "autumn": (9, 10, 11),
    }
    means = {
        s: sum(n for m, n, _ in monthly if m in ms) / sum(k for m, _, k in monthly if m in ms)
        for s, ms in seasons.items()
    }
    peak, low = max(means, key=means.get), min(means, key=means.get)
    out["finding-when-season"] = [_n(round(means[peak])), _d(100 * (means[peak] / means[low] - 1))]

    # the local definition's crimes: domestic abuse and the victims' ages
    known, flagged = _one(
        wh,
        f"select count(domestic_abuse_flag), count(*) filter (where domestic_abuse_flag) "
        f"{_records(area)} and {IN_SCOPE}",
    )
    out["finding-what-domestic-abuse"] = [_d(100 * flagged / known), _n(flagged), _n(known)]
    aged, young = _one(
        wh,
        f"select count(victim_age), count(*) filter (where victim_age <= 24) "
        f"{_records(area)} and {IN_SCOPE}",
    )
    lower, upper = _wilson(young, aged)
    out["finding-who-under-25"] = [
        _d(100 * young / aged), _n(young), _n(aged), _d(100 * lower), _d(100 * upper)
    ]  # fmt: skip

    # hot places: the expected-count test of docs/sna.md ("Where"), written out with scipy
    out["finding-where-hot-places"] = _hot_places(wh, area, level, code)
    # hot clusters (Gi*, 9,999 permutations): which LSOAs are persistent is read from the
    # annex's table (test_hotspots tests Gi* itself); their count and offences are recounted
    out["finding-where-persistent"] = "clusters"

    # knife crime against the comparator, per 100,000 Census 2021 residents
    if area == "somerset":
        count = _one(wh, f"select count(*) {_records(area, '2020-01-01')} and {KNIFE}")[0]
        force = _one(wh, f"select count(*) {_records('force', '2020-01-01')} and {KNIFE}")[0]
        people = _one(
            wh, f"select population_2021 from ref_local_authority where la_code = '{SOMERSET}'"
        )[0]
        everyone = _one(
            wh, "select sum(population_2021) from ref_local_authority where pfa_code = 'E23000036'"
        )[0]
        lower, upper = (1e5 * x / people for x in _byar(count))
        assert upper < 1e5 * force / everyone  # "lower than in Avon and Somerset"
        out["finding-compare-knife-police"] = [
            _n(count), _d(1e5 * count / people), _d(lower), _d(upper)
        ]  # fmt: skip
    else:
        published = (
            "select sum(value) from published_statistic where sheet = 'Table P6' and measure = "
            "'knife_selected_offences' and period_label = 'Apr 2019 to Mar 2020' and area_code = ?"
        )
        count = int(_one(wh, published, ["E23000036"])[0])
        england_and_wales = _one(wh, published, ["K04000001"])[0]
        people = _one(
            wh, "select sum(population_2021) from ref_local_authority where pfa_code = 'E23000036'"
        )[0]
        residents = _one(wh, "select sum(population_2021) from ref_local_authority")[0]
        lower, upper = (1e5 * x / people for x in _byar(count))
        assert upper < 1e5 * england_and_wales / residents  # "lower than in England and Wales"
        out["finding-compare-knife-police-published"] = [
            _n(count), _d(1e5 * count / people), _d(lower), _d(upper)
        ]  # fmt: skip
    return out


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values."""
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(q, 1.0)
    return out


def _hot(counts: np.ndarray, person_years: np.ndarray) -> np.ndarray:
    """Which areas are hot places: more events than the area's rate x their person-years,
    significantly after over-dispersion (Spiegelhalter 2005, z winsorised at 10% and 90%) and
    the Benjamini-Hochberg false discovery rate at 0.05."""
    from scipy import stats

    e = counts.sum() / person_years.sum() * person_years
    half = 0.5 * stats.poisson.pmf(counts, e)
    upper = stats.poisson.sf(counts, e) + half
    lower = stats.poisson.cdf(counts - 1, e) + half
    z = np.where(
        upper < 0.5,
        stats.norm.isf(np.maximum(upper, 1e-300)),
        -stats.norm.isf(np.maximum(lower, 1e-300)),
    )
    low, high = np.quantile(z, [0.1, 0.9])
    c = stats.norm.ppf(0.9)  # E[z^2] of a normal winsorised at 10%: 2(F(c) - 1/2 - c f(c)) + 0.2c^2
    unbiased = 2 * ((stats.norm.cdf(c) - 0.5) - c * stats.norm.pdf(c)) + 0.2 * c**2
    phi = np.mean(np.clip(z, low, high) ** 2) / unbiased
    k = len(counts)
    if k * phi > stats.chi2.ppf(0.95, k - 1):
        p = stats.norm.sf(z / np.sqrt(phi))
    else:
        p = stats.poisson.sf(counts - 1, e)
    return (_bh(p) <= 0.05) & (counts > e)


def _hot_places(wh, area: str, level: str, code: str) -> list[str]:
    study = wh._raw.execute(
        "select l.lsoa_code, p.population_mid2018 from ref_lsoa l join ref_population_lsoa11 p "
        f"on p.lsoa11_code = l.lsoa_code where l.{level} = '{code}' and l.in_2011 "
        "and p.population_mid2018 > 0 order by 1"
    ).fetchall()
    codes = [c for c, _ in study]
    people = np.array([float(n) for _, n in study])
    rows = wh._raw.execute(
        f"select year(month), lsoa_code, count(*) {_street(area)} group by all"
    ).fetchall()
    months = dict(
        wh._raw.execute(
            "select year(month), count(distinct month) from police_uk_street where force = "
            f"'avon-and-somerset' and month between date '{FIRST}' and date '{LAST}' group by 1"
        ).fetchall()
    )
    by_year = {y: dict.fromkeys(codes, 0) for y in months}
    for year, lsoa, n in rows:
        if lsoa in by_year[year]:
            by_year[year][lsoa] = n
    hot_years = dict.fromkeys(codes, 0)
    for year, counted in by_year.items():
        hot = _hot(np.array([counted[c] for c in codes], float), people * months[year] / 12)
        for c, h in zip(codes, hot, strict=True):
            hot_years[c] += int(h)
    period = np.array([sum(by_year[y][c] for y in by_year) for c in codes], float)
    chosen = [c for c in codes if hot_years[c] >= 2]
    if not chosen:  # none in 2 of the 3 years: the hot places of the period
        hot = _hot(period, people * sum(months.values()) / 12)
        chosen = [c for c, h in zip(codes, hot, strict=True) if h]
    offences = sum(int(period[codes.index(c)]) for c in chosen)
    return [_n(len(chosen)), _n(offences), _n(int(period.sum()))]


def _clusters(wh, area: str, annex: str) -> list[str]:
    """The persistent hot clusters of the annex's table: how many, and their offences over
    the period recounted from the raw rows."""
    fig = re.search(r'id="fig-where-clusters".*?</figure>', annex, re.S).group(0)
    rows = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in re.findall(r"<tr>(.*?)</tr>", fig, re.S)
    ]
    persistent = [r[0] for r in rows if r and r[-1] == "yes"]
    marks = ", ".join(f"'{c}'" for c in persistent)
    offences = _one(wh, f"select count(*) {_street(area)} and lsoa_code in ({marks})")[0]
    return [_n(len(persistent)), _n(offences)]


# labels, not figures: years, the 95% of an interval, "under 25", a decile's number, a rate's unit
_LABELS = re.compile(
    r"\b(?:19|20)\d\d(?:/\d\d)?\b|95% interval|under[- ]25s?|decile \d+|IMD 2019|"
    r"per [\d,]+ residents|at least \d+ of|\([^()]*\b\d{3}[A-Z]\)"  # the rule's 2 of 3 years;
)  # an LSOA's ONS name ("(South Somerset 015B)")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> list[str]:
    """The figures a sentence quotes, labels left out, as written ("12,554", "-0.7")."""
    return sorted(_NUMBER.findall(_LABELS.sub(" ", text)))


@pytest.mark.parametrize("area", AREAS)
def test_every_number_in_the_executive_summary_is_recomputed_from_the_raw_rows(
    pages, demo_wh, area
):
    board = pages[area]["board"]
    assert "(January 2018 to December 2020)" in html.unescape(board)
    expected = recompute(demo_wh, area)
    scale = re.search(r"The scale:</strong>(.*?)</p>", board, re.S).group(1)
    shown = {"scale": " ".join(html.unescape(re.sub(r"<[^>]+>", " ", scale)).split())}
    for f in pages[area]["parsed"].findings:
        shown[f["id"]] = " ".join(html.unescape(f["text"]).split())
    if "finding-where-persistent" in shown:
        expected["finding-where-persistent"] = _clusters(demo_wh, area, pages[area]["annex"])
    assert set(shown) <= set(expected), f"no recomputation for {set(shown) - set(expected)}"
    for finding_id, text in shown.items():
        assert _numbers(text) == sorted(expected[finding_id]), (finding_id, text)


# ---- correct statements -------------------------------------------------------------------------


def _text(page: str) -> str:
    page = re.sub(r"<(svg|style|script)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _table_rows(page: str, caption: str) -> list[list[str]]:
    found = re.search(rf"<caption[^>]*>{re.escape(caption)}</caption>(.*?)</table>", page, re.S)
    assert found, f"no table {caption!r}"
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


def test_missing_is_never_zero_a_measure_with_no_placeable_records_is_not_compared(pages):
    """In the demo no emergency department attendance can be placed in Somerset: its ED
    measures cannot be measured there, and are neither shown as 0 nor called Better."""
    annex = pages["somerset"]["annex"]
    rows = _table_rows(annex, "Success measures, Somerset")
    head = rows[0]
    ed = [dict(zip(head, r, strict=True)) for r in rows[1:] if "(ISTV)" in r[0]]
    assert ed
    for row in ed:
        assert row["Figures for"].startswith("Avon and Somerset (cannot be measured in Somerset")
        assert row["Compared with"] == "not compared"
    # no row compares a zero
    for r in rows[1:]:
        row = dict(zip(head, r, strict=True))
        if row["Count"] == "0":
            assert row["Compared with"] in ("not compared", ""), row
    text = _text(annex)
    assert "0 against" not in text
    assert "cannot be measured in Somerset" in _text(pages["somerset"]["board"])
    # the triangulation figure shows no ED count and no ratio for Somerset
    fig = re.search(r'id="fig-triangulation-volumes".*?</figure>', annex, re.S).group(0)
    table = _table_rows(fig, re.search(r"<caption[^>]*>(.*?)</caption>", fig, re.S).group(1))
    ed_column = table[0].index("ED assault attendances")
    assert {r[ed_column] for r in table[1:]} == {"[x]"}


@pytest.mark.parametrize("area", AREAS)
def test_deciles_say_whose_they_are(pages, area):
    for part in ("board", "annex"):
        text = _text(pages[area][part])
        for sentence in re.split(r"(?<=\.)\s", text):
            # a deprivation tenth or decile: England's, or the area's own, said each time
            if re.search(r"deprived tenth|\bdecile\b|\bquintile\b", sentence):
                assert re.search(r"England|own|IMD 2019", sentence), sentence
        assert not re.search(r"most deprived tenth of (?!England)", text)


@pytest.mark.parametrize("area", AREAS)
def test_one_rounding_rule_in_text_and_tables(pages, area):
    annex = pages[area]["annex"]
    fig = re.search(r'id="fig-volume-annual".*?</figure>', annex, re.S).group(0)
    caption = re.search(r"<caption[^>]*>(.*?)</caption>", fig, re.S).group(1)
    rows = _table_rows(fig, caption)
    head = rows[0]
    rate = next(c for c in head if c.startswith("Rate per"))
    name = "Somerset" if area == "somerset" else "Avon and Somerset"
    latest = next(dict(zip(head, r, strict=True)) for r in rows if r[:2] == ["2020", name])
    alt = _text(re.search(r'<p class="chart-alt"[^>]*>(.*?)</p>', fig, re.S).group(1))
    assert re.fullmatch(r"\d+\.\d", latest[rate]), latest
    assert f"in 2020 ({latest[rate]})" in alt  # the text quotes the table's figure as shown
    # every rate, interval and percentage in every table of the annex: one decimal place
    for table in re.findall(r"<table.*?</table>", annex, re.S):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table, re.S).group(1)
        rows = _table_rows(table, caption)
        for i, column in enumerate(rows[0]):
            if re.search(r"^Rate|95%|\(%\)", column) and "rho" not in column:
                for r in rows[1:]:
                    # every figure of the cell, years aside ("+8.8% from 2019 (+3.5% to ...)")
                    figures = _NUMBER.findall(re.sub(r"\b(19|20)\d\d(/\d\d)?\b", " ", r[i]))
                    assert all(re.fullmatch(r"-?[\d,]+\.\d", n) for n in figures), (
                        caption,
                        column,
                        r[i],
                    )


BASELINE = re.compile(
    r"(19|20)\d\d(/\d\d)? \((the partnership's baseline year|this measure's own baseline)"
)


@pytest.mark.parametrize("area", AREAS)
def test_each_measure_names_its_baseline(pages, area):
    name = "Somerset" if area == "somerset" else "Avon and Somerset"
    rows = _table_rows(pages[area]["annex"], f"Success measures, {name}")
    head = rows[0]
    assert "Baseline" in head
    for r in rows[1:]:
        assert BASELINE.match(r[head.index("Baseline")]), r


# ---- every built page, scanned -----------------------------------------------------------------

# A machine's folders (the build machine's home, temporary or working directory)
_PATH = re.compile(
    r"(?<![\w.:/])/(?:tmp|home|root|work|usr|var|srv|opt|Users)/[\w.-]+|[A-Z]:\\\\?\w"
)
# a source whose rows the demo makes with `svduty synth`
_SYNTHETIC_SOURCE = re.compile(
    r"crime records extract|record-level extract|emergency department|\bISTV\b|"
    r"hospital admissions|partner aggregate",
    re.I,
)


class _Texts(HTMLParser):
    """Each text node of a page (not scripts or styles), and its figures."""

    def __init__(self, page: str):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def _leaks(text: str) -> list[str]:
    found = []
    if re.search(r"\bnan\b|\bNaN\b|Traceback \(most recent call last\)|\bTraceback\b", text):
        found.append(text)
    # "None" only as English, opening a sentence ("None: no LSOA was hot ..."); alone or inside
    # a sentence it is Python's None leaking
    for m in re.finditer(r"\bNone\b", text):
        opens = m.start() == 0 or text[: m.start()].rstrip().endswith((".", ":", "!", "?"))
        if not (opens and re.match(r"None(:| of)\s+\w", text[m.start() :])):
            found.append(text)
    if _PATH.search(text):
        found.append(text)
    return found


def _built_files(home: Path) -> list[Path]:
    files = []
    for folder in ("products", "site"):
        for path in sorted((home / folder).rglob("*")):
            if path.suffix in (".html", ".csv", ".json", ".geojson") and path.is_file():
                files.append(path)
    return files


def test_no_built_page_has_nan_none_a_machine_path_a_traceback_or_an_unlabelled_synthetic_figure(
    demo_config,
):
    files = _built_files(demo_config.home)
    assert len([f for f in files if f.suffix == ".html"]) >= 20
    assert any(f.name == "annex.html" for f in files)
    problems = []
    for path in files:
        raw = path.read_text(encoding="utf-8")
        where = path.relative_to(demo_config.home)
        texts = _Texts(raw).texts if path.suffix == ".html" else raw.splitlines()
        if path.suffix in (".csv", ".json", ".geojson"):
            # data files: a cell or value, not prose
            texts = [t for line in texts for t in re.split(r"[,\"]", line)]
            problems += [f"{where}: {t!r}" for t in texts if t.strip() in ("nan", "NaN", "None")]
            problems += [f"{where}: {t!r}" for t in texts if _PATH.search(t)]
            continue
        problems += [f"{where}: {t!r}" for t in texts for _ in _leaks(t)]
        for figure in re.findall(r"<figure\b.*?</figure>", raw, re.S):
            caption = re.search(r"<figcaption.*?</figcaption>", figure, re.S)
            provenance = " ".join(re.findall(r'<p class="provenance">(.*?)</p>', figure, re.S))
            synthetic = _SYNTHETIC_SOURCE.search(html.unescape(provenance))
            if synthetic and not (caption and "tag-synthetic" in caption.group(0)):
                problems.append(f"{where}: an unlabelled synthetic figure: {provenance[:120]}")
        if _SYNTHETIC_SOURCE.search(raw) and "tag-synthetic" in raw:
            assert 'class="tag tag-synthetic">Synthetic data' in raw, f"{where}: no banner"
    assert not problems, "\n".join(problems[:40])


def test_the_scan_finds_each_leak():
    """The scanner itself: each leak on a made-up page is found; English "None" is not."""
    for bad in ("Local definition: nan.", "Compared with None", "None", "Source: /tmp/x/s.yaml.",
                "Traceback (most recent call last):", "rate NaN"):  # fmt: skip
        assert _leaks(bad), bad
    for good in ("None: no LSOA was hot often enough to be persistent.", "None of the areas.",
                 "Avon and Somerset Constabulary", "1,234 offences (12.3%)"):  # fmt: skip
        assert not _leaks(good), good


# ---- in a browser ------------------------------------------------------------------------------

A4_CONTENT = {"width": 680, "height": 1009}  # A4 less 15 mm margins, in CSS pixels (96 per inch)
MAX_BOARD_PAGES = 12


@pytest.fixture(scope="module")
def module_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("area", AREAS)
def test_both_parts_are_accessible_in_a_browser(pages, module_page, area):
    from browser import assert_clean, check_page, serve_dir

    with serve_dir(pages[area]["folder"]) as base:
        for name in ("index.html", "annex.html"):
            report = check_page(module_page, base + name)
            assert_clean(report)
            assert report.status == 200


@pytest.mark.browser
@pytest.mark.parametrize("area", AREAS)
def test_the_board_version_prints_to_at_most_12_a4_pages_with_a_one_page_summary(
    pages, browser, area
):
    from browser import serve_dir

    context = browser.new_context()  # a fresh page: an earlier viewport changes the print
    try:
        page = context.new_page()
        with serve_dir(pages[area]["folder"]) as base:
            page.goto(base + "index.html")
            pdf = page.pdf(format="A4")
            # the page tree's root counts the pages
            printed = max(int(n) for n in re.findall(rb"/Count\s+(\d+)", pdf))
            assert printed == len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
            assert 1 < printed <= MAX_BOARD_PAGES
            # the executive summary, laid out for print at A4's width, fits one page's height
            page.set_viewport_size(A4_CONTENT)
            page.emulate_media(media="print")
            bottom = page.evaluate(
                "document.getElementById('summary').getBoundingClientRect().bottom + window.scrollY"
            )
            assert bottom <= A4_CONTENT["height"], f"the summary runs to {bottom:.0f} px"
    finally:
        context.close()
    annex = re.findall(r'<figure class="chart"', pages[area]["annex"])
    board = re.findall(r'<figure class="chart"', pages[area]["board"])
    assert len(board) < len(annex)  # the board shows the figures of its findings only
