"""The strategic needs assessment (svduty.products.assessment.build) on the demo warehouse, for the
force area and for Somerset: the sections come in the issue's order; every figure has its text
alternative, data table and provenance; every link lands on an id of the page; Somerset's LSOA map
holds Somerset's LSOAs and nothing else (counted from the reference tables); the headline count
equals a count of the raw police.uk files; the missing month is named as a data gap; figures made
from synthetic feeds say so; findings keep their counts apart for the disclosure gate. Also: how
periods are written and the default period.
"""

from __future__ import annotations

import csv
import gzip
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import svduty
from svduty.privacy.disclosure import Source
from svduty.products.area import resolve
from svduty.products.assessment import build as sna
from svduty.products.assessment.period import PeriodError, default_period, parse_period
from svduty.products.strategy import file as strategy
from svduty.reference.population import DENOMINATORS, denominator

AREAS = ("avon-and-somerset", "somerset")
SOMERSET = "E06000066"
STREET = Path(__file__).resolve().parent.parent / "src/svduty/data/police_uk/street"
VIOLENCE = "Violence and sexual offences"
HEADINGS = [
    "Summary of key findings",
    "The local definition and its scope",
    "Partnership arrangements",
    "Data sources and their quality",
    "The most recent data",
    "Volumes and trends",
    "Serious violence by strand",
    "Success measures",
    "Comparison with England and Wales and similar partnerships",
    "Where",
    "When",
    "Who",
    "What",
    "Why: deprivation and partner indicators",
    "Triangulation: emergency department and police data",
    "What people told us",
    "Data gaps",
    "Recommendations",
    "About this assessment",
]
# Figures read from the police force's extract (synthetic in the demo) and from police.uk (real).
FROM_POLICE_RECORDS = (
    "fig-definition-rules",
    "fig-when-day-hour",
    "fig-who-ages",
    "fig-what-offences",
    "fig-what-flags",
)
FROM_POLICE_UK = (
    "fig-volume-monthly",
    "fig-where-choropleth",
    "fig-where-hotspots",
    "fig-when-seasonal",
    "fig-why-deprivation",
)


# ---- periods (no warehouse) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last", "kind", "months"),
    [
        ("2020", "2020-01", "2020-12", "calendar", 12),
        ("2018-2021", "2018-01", "2021-12", "calendar", 48),
        (" 2018 - 2021 ", "2018-01", "2021-12", "calendar", 48),
        ("2020/21", "2020-04", "2021-03", "financial", 12),
        ("1999/00", "1999-04", "2000-03", "financial", 12),
        ("2019/20-2021/22", "2019-04", "2022-03", "financial", 36),
        ("2019-01..2021-09", "2019-01", "2021-09", "months", 33),
        ("2021-12..2022-01", "2021-12", "2022-01", "months", 2),
    ],
)
def test_periods_are_read_as_written(text, first, last, kind, months):
    p = parse_period(text)
    assert (p.first, p.last, p.kind) == (first, last, kind)
    assert len(p.months) == months
    assert p.months[0] == first and p.months[-1] == last
    assert p.month_starts[0].isoformat() == f"{first}-01"


def test_a_period_prints_as_written_and_parses_from_the_class():
    p = sna.Period.parse("2019/20-2021/22")
    assert str(p) == "2019/20 to 2021/22" and p == parse_period("2019/20-2021/22")
    assert p.describe() == "2019/20 to 2021/22 (April 2019 to March 2022)"


def test_the_whole_years_of_a_period():
    assert parse_period("2018-2020").annual_labels == ("2018", "2019", "2020")
    assert parse_period("2019/20-2020/21").annual_labels == ("2019/20", "2020/21")
    assert parse_period("2019-03..2021-01").annual_labels == ("2020",)
    assert parse_period("2020/21").years == (2020, 2021)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2020/22", "consecutive"),
        ("2021-2018", "earlier year first"),
        ("2019-13..2020-01", "not a month"),
        ("2021-03..2020-01", "earlier first"),
        ("last year", "2019/20-2021/22"),
        ("", "2019-01..2021-09"),
    ],
)
def test_a_period_that_cannot_be_read_says_how_to_write_one(text, says):
    with pytest.raises(PeriodError, match=re.escape(says)):
        parse_period(text)


def test_the_default_period_ends_with_the_latest_complete_year():
    # the demo's police.uk months: 2018-01..2021-09 without 2019-07, and 2023-01
    held = [f"{y}-{m:02d}" for y in range(2018, 2022) for m in range(1, 13)]
    held = [m for m in held if m != "2019-07" and m <= "2021-09"] + ["2023-01"]
    p = default_period(held)
    # 2021 lacks October to December and 2023 has January only: 2020 is the latest full year
    assert (p.first, p.last, p.kind) == ("2018-01", "2020-12", "calendar")
    assert default_period(held, years=1).label == "2020"
    assert default_period([f"2020-{m:02d}" for m in range(1, 13)]).label == "2020"
    with pytest.raises(PeriodError, match="no complete calendar year"):
        default_period([f"2020-{m:02d}" for m in range(1, 12)])


# ---- the assessments ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(demo_wh, demo_partnership, tmp_path_factory):
    """Each area's assessment over the default period, and its technical annex (the page with
    every section; the board version beside it is tested in test_sna_board)."""
    out = {}
    for area_id in AREAS:
        a = sna.build(demo_wh, demo_partnership, resolve(demo_partnership, area_id))
        board = sna.write(a, tmp_path_factory.mktemp(f"sna-{area_id}"))
        path = board.parent / sna.ANNEX_PAGE
        out[area_id] = (a, path.read_text(encoding="utf-8"), path)
    return out


class _Page(HTMLParser):
    """The h2 headings in order, every id, every fragment link, and each figure's parts."""

    def __init__(self, text: str):
        super().__init__()
        self.headings: list[str] = []
        self.ids: list[str] = []
        self.links: list[str] = []
        self.figures: dict[str, dict] = {}
        self.tables: dict[str, list[list[str]]] = {}  # figure id -> rows of its data table
        self._h2 = None
        self._figure = None
        self._p_class = None
        self._cell = None
        self._caption = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.links.append(a["href"][1:])
        if tag == "h2" and a.get("id", "").endswith("-title") and a["id"] != "contents-title":
            self._h2 = ""
        if tag == "figure":
            self._figure = a["id"]
            self.figures[self._figure] = {"alt": "", "provenance": "", "caption": "", "svg": None}
            self.tables[self._figure] = []
        if self._figure is None:
            return
        f = self.figures[self._figure]
        if tag == "figcaption":
            self._caption = True
        if tag == "svg" and f["svg"] is None:
            f["svg"] = a
        if tag == "p" and a.get("class") in ("chart-alt", "provenance"):
            self._p_class = a["class"]
        if tag == "tr":
            self.tables[self._figure].append([])
        if tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "h2" and self._h2 is not None:
            self.headings.append(" ".join(self._h2.split()))
            self._h2 = None
        if tag == "figure":
            self._figure = None
        if tag == "figcaption":
            self._caption = False
        if tag == "p":
            self._p_class = None
        if tag in ("td", "th") and self._cell is not None and self._figure is not None:
            self.tables[self._figure][-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._h2 is not None:
            self._h2 += data
        if self._figure is None:
            return
        f = self.figures[self._figure]
        if self._caption:
            f["caption"] += data
        if self._p_class == "chart-alt":
            f["alt"] += data
        elif self._p_class == "provenance":
            f["provenance"] += data
        if self._cell is not None:
            self._cell += data


def _section_text(page: str, section_id: str) -> str:
    found = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    assert found, f"no section {section_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


def _period_months(a) -> set[str]:
    return set(a.period.months)


def _raw_street_rows(months: set[str]):
    """Every row of the bundled police.uk street files of those months, read from the CSVs."""
    for path in sorted((STREET / "avon-and-somerset").glob("*-street.csv.gz")):
        if path.name[:7] in months:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                yield from csv.DictReader(handle)


@pytest.mark.parametrize("area", AREAS)
def test_every_section_heading_in_the_issues_order(built, area):
    a, page, _ = built[area]
    headings = _Page(page).headings
    # a section's heading carries a "Synthetic" tag when any figure in it is synthetic
    assert [re.sub(r"\s*Synthetic$", "", h) for h in headings] == HEADINGS
    assert [s.title for s in a.sections] == HEADINGS


@pytest.mark.parametrize("area", AREAS)
def test_every_figure_has_alt_text_a_data_table_and_provenance(built, area):
    a, page, _ = built[area]
    parsed = _Page(page)
    assert len(parsed.figures) == len(a.figures) >= 15
    version = a.definition_version
    for fid, f in parsed.figures.items():
        assert len(f["alt"].split()) >= 8, f"{fid}: no text alternative"
        # the alternative states the message with numbers, not a description of marks
        assert re.search(r"\d", f["alt"]), f"{fid}: its text alternative quotes no number"
        rows = parsed.tables[fid]
        assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), f"{fid}: table"
        assert f["provenance"].startswith("Source: ")
        assert version in f["provenance"], f"{fid} does not name the definition version"
        assert f"svduty {svduty.__version__}" in f["provenance"]
        if f["svg"] is not None:  # a chart is one image, named by its text alternative
            assert f["svg"]["role"] == "img"
            assert f["svg"]["aria-labelledby"] == f"{fid}-alt"
    assert sum(1 for f in parsed.figures.values() if f["svg"] is not None) == len(a.figures)


@pytest.mark.parametrize("area", AREAS)
def test_every_rate_names_the_one_denominator_of_its_level(built, area):
    a, page, _ = built[area]
    text = " ".join(html.unescape(page).split())
    named = [d.source for d in DENOMINATORS.values()]
    named += [n.replace("usual residents", "usual residents aged 0 to 24", 1) for n in named]
    # the comparison with similar partnerships divides ONS's counts by ONS's own residents
    named.append("population estimates, as Table C4 gives them")
    rated = [f for f in a.figures if any("rate" in str(c).lower() for c in f.table.columns)]
    assert len(rated) >= 3
    for f in rated:
        assert any(n in f.source for n in named), f"{f.id} names no population: {f.source}"
        assert " ".join(f.source.split()) in text, f"{f.id}: its source line is not on the page"
    # local authorities and the force area are on Census 2021, LSOAs and wards on mid-2018
    by_id = {f.id: f for f in a.figures}
    level = "la" if a.area.is_force_area else "ward24"
    assert denominator(level).source in by_id["fig-where-areas"].source
    assert denominator("lsoa").source in by_id["fig-where-choropleth"].source


@pytest.mark.parametrize("area", AREAS)
def test_every_link_lands_on_an_id_of_the_page(built, area):
    a, page, _ = built[area]
    parsed = _Page(page)
    ids = set(parsed.ids)
    assert len(parsed.ids) == len(ids), "an id is used twice"
    assert set(parsed.links) <= ids
    figures = {f.id for f in a.figures}
    assert a.findings and a.recommendations
    for f in a.findings:
        assert f.id in ids and f.figure_id in figures
        assert f"#{f.figure_id}" in page
    for r in a.recommendations:
        assert r.id in ids
        assert r.evidence and set(r.evidence) <= figures
        assert set(r.findings) <= {f.id for f in a.findings}


def test_the_somerset_map_holds_somersets_lsoas_and_no_others(built, demo_wh):
    _, page, _ = built["somerset"]
    ref = demo_wh.table("ref_lsoa").execute()
    somerset = ref[ref["la_code"] == SOMERSET]
    somerset_2011 = set(somerset.loc[somerset["in_2011"].astype(bool), "lsoa_code"])
    elsewhere = set(ref.loc[ref["pfa_code"] == "E23000036", "lsoa_code"]) - set(
        somerset["lsoa_code"]
    )
    assert len(somerset_2011) > 300 and elsewhere
    rows = _Page(page).tables["fig-where-choropleth"]
    column = rows[0].index("LSOA")
    codes = {r[column] for r in rows[1:]}
    assert somerset_2011 <= codes <= set(somerset["lsoa_code"])
    assert not codes & elsewhere
    # the map draws one shape per 2011 LSOA of Somerset (the first layer of the chart)
    svg = re.search(r'id="fig-where-choropleth".*?</svg>', page, re.S).group(0)
    layer = re.search(r'class="mark-shape role-mark layer_0_marks"[^>]*>(.*?)</g>', svg, re.S)
    assert layer.group(1).count("<path") == len(somerset_2011)


@pytest.mark.parametrize("area", AREAS)
def test_the_headline_count_equals_a_count_of_the_raw_police_uk_files(built, demo_wh, area):
    a, page, _ = built[area]
    months = _period_months(a)
    if area == "somerset":
        ref = demo_wh.table("ref_lsoa").execute()
        mine = set(ref.loc[ref["la_code"] == SOMERSET, "lsoa_code"])
    rows = [
        r
        for r in _raw_street_rows(months)
        if r["Crime type"] == VIOLENCE and (area != "somerset" or r["LSOA code"] in mine)
    ]
    assert a.headline.counts["total"] == len(rows) > 30_000
    assert f"{len(rows):,} violence and sexual offences" in page
    # and the same from the warehouse's own table, by SQL
    sql = (
        "select count(*) from police_uk_street where crime_type = ? and strftime(month, '%Y-%m')"
        " in (select unnest(?))"
    )
    params = [VIOLENCE, sorted(months)]
    if area == "somerset":
        sql += " and lsoa_code in (select lsoa_code from ref_lsoa where la_code = ?)"
        params.append(SOMERSET)
    assert demo_wh._raw.execute(sql, params).fetchone()[0] == len(rows)


@pytest.mark.parametrize("area", AREAS)
def test_the_missing_month_is_a_data_gap(built, area):
    a, page, _ = built[area]
    assert a.period.contains("2019-07")
    gaps = _section_text(page, "gaps")
    assert re.search(r"police\.uk \(avon-and-somerset\) has no data for 2019-07\b", gaps)
    assert any(f.rule == "data-gap-missing-month" for f in a.findings)
    # and the coverage figure shows the month empty in both police sources (an ED return can
    # hold an assault of July sent with a later month)
    rows = _Page(page).tables["fig-data-coverage"]
    july = dict(zip(rows[0], next(r for r in rows if r[0] == "2019-07"), strict=True))
    assert july["police.uk"] == july["Police records"] == "0"
    assert int(
        next(r for r in rows if r[0] == "2019-08")[rows[0].index("police.uk")].replace(",", "")
    )


@pytest.mark.parametrize("area", AREAS)
def test_figures_from_synthetic_feeds_are_tagged_and_real_ones_are_not(built, area):
    a, page, _ = built[area]
    parsed = _Page(page)
    assert 'class="tag tag-synthetic">Synthetic data' in page  # the banner
    for fid in FROM_POLICE_RECORDS:
        assert "Synthetic" in parsed.figures[fid]["caption"], fid
        assert "SYNTHETIC" in parsed.figures[fid]["provenance"], fid
    for fid in FROM_POLICE_UK:
        assert "Synthetic" not in parsed.figures[fid]["caption"], fid
    for f in a.findings:
        li = re.search(rf'<li id="{f.id}">(.*?)</li>', page, re.S).group(1)
        assert ("tag-synthetic" in li) == f.synthetic


@pytest.mark.parametrize("area", AREAS)
def test_findings_keep_their_counts_apart_for_the_disclosure_gate(built, area):
    a, _, _ = built[area]
    kinds = {f.rule: f.source_kind for f in a.findings}
    assert kinds["headline"] == Source.RECORD_LEVEL
    assert all(isinstance(k, Source) for k in kinds.values())
    for f in a.findings:
        assert all(type(v) is int for v in f.counts.values())
        for name, value in f.counts.items():
            assert "{" + name + "}" in f.template
            assert f"{value:,}" in f.text
        # the template filled with other values changes only the counts
        assert f.template.format(**{k: "[c]" for k in f.counts}).count("[c]") == len(f.counts)
    json.dumps(a.as_dict())  # plain data for the public summary


def test_the_comparators(built):
    force, _, _ = built["avon-and-somerset"]
    somerset, _, _ = built["somerset"]
    annual = somerset.figure("fig-volume-annual").table
    assert set(annual["Area"]) == {"Somerset", "Avon and Somerset"}
    assert set(force.figure("fig-volume-annual").table["Area"]) == {"Avon and Somerset"}
    # the force area's published knife crime is set against England and Wales
    assert "England and Wales" in set(force.figure("fig-success-knife").table["Area"])


def test_recommendations_name_approaches_of_the_toolkit(built):
    ids = set(strategy.load_catalogue().ids)
    for a, page, _ in built.values():
        named = {x for r in a.recommendations for x in r.approaches}
        assert named <= ids
        for x in named:
            assert strategy.load_catalogue().get(x).name in page


def test_a_period_without_data_is_refused(demo_wh, demo_partnership):
    with pytest.raises(PeriodError, match="no police data for 2030"):
        sna.build(
            demo_wh, demo_partnership, resolve(demo_partnership, "somerset"), parse_period("2030")
        )


@pytest.mark.browser
def test_the_page_is_accessible_in_a_browser(built, page):
    from browser import assert_clean, check_page, serve_dir

    _, _, path = built["somerset"]
    with serve_dir(path.parent) as base:
        assert_clean(check_page(page, base + "index.html"))
        assert_clean(check_page(page, base + "annex.html"))


def test_sections_built_alongside_make_the_same_document(
    built, demo_wh, demo_partnership, tmp_path, monkeypatch
):
    """`svduty sna` shares the sections with a second process (assessment.alongside): the
    pages must be the same, byte for byte, as those built in one process."""
    from svduty.products.assessment import alongside

    # the second process must have built some (a failure would build them here, silently)
    answered = []
    result = alongside.Running.result
    monkeypatch.setattr(
        alongside.Running, "result", lambda self: answered.append(result(self)) or answered[-1]
    )
    a = sna.build(demo_wh, demo_partnership, resolve(demo_partnership, "somerset"), parallel=True)
    assert answered and answered[0], "the second process built nothing"
    board = sna.write(a, tmp_path)
    serial = built["somerset"][2].parent
    for page in (sna.BOARD_PAGE, sna.ANNEX_PAGE):
        assert (board.parent / page).read_bytes() == (serial / page).read_bytes(), page
