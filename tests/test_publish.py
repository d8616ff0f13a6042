"""svduty publish: the public site's pages, contacts, downloads and synthetic labels.

The site built once for Avon and Somerset and Somerset (the fixture of test_public_site_gate) is
read back: every page and download the layout promises is there and every relative link lands
on a file; each area shows its own contact from the partnership configuration; the CSV, XLSX and
GeoJSON hold exactly the figures of the HTML tables; and what the warehouse says is synthetic is
labelled synthetic on the page and inside the downloads.
"""

from __future__ import annotations

import csv
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from svduty import partnership
from svduty.analysis.measures import Geography, compute, load
from svduty.privacy.disclosure import Source
from svduty.products import area as areas
from svduty.products.assessment.model import Finding, Recommendation
from svduty.products.site import SiteError, manifest_path, publish
from svduty.products.site.series import parts_of
from svduty.products.site.summary import in_words, quotes_no_numbers, summarise
from svduty.reference.population import denominator
from svduty.warehouse import connect
from test_public_site_gate import public_site  # noqa: F401  (the shared site build)

AREAS = ("avon-and-somerset", "somerset")
PAGES = (
    "index.html",
    "measures.html",
    "map.html",
    "strategy.html",
    "assessment.html",
    "review.html",
)
SOMERSET_EMAIL = "CommunitySafetyTeam@somerset.gov.uk"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.count_cells: dict[tuple, str] = {}
        self._key: tuple | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("data-kind") == "count":
            self._key = tuple(json.loads(a["data-key"]))
            self.count_cells[self._key] = ""

    def handle_endtag(self, tag):
        if tag in ("td", "dd"):
            self._key = None

    def handle_data(self, data):
        if self._key is not None:
            self.count_cells[self._key] += data.strip()


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _key(rec: dict) -> tuple:
    return ("count", rec["measure"], rec["area_code"], str(rec["period"]))


@pytest.fixture(scope="module")
def site(public_site):  # noqa: F811
    return public_site.out


@pytest.fixture(scope="module")
def synthetic_truth(demo_config):
    """Which measures the warehouse counts from synthetic rows (svduty.analysis, not publish)."""
    wh = connect(demo_config.warehouse_url, read_only=True)
    try:
        p = partnership.load(demo_config.partnership_path)
        geo = Geography.load(wh, p.police_force_area, p.police_uk_force)
        rows = compute(wh, load(), geo, period_types=("financial_year",))
    finally:
        wh.close()
    out: dict[str, bool] = {}
    for r in rows:
        out[r["measure"]] = out.get(r["measure"], False) or bool(r["synthetic"])
    return out


# ---- structure -----------------------------------------------------------------------------------


def test_the_site_has_every_page_and_download(site):
    for name in ("index.html", "about-the-data.html", "accessibility.html", "assets/svduty.css"):
        assert (site / name).is_file(), name
    for area_id in AREAS:
        for page in PAGES:
            assert (site / area_id / page).is_file(), f"{area_id}/{page}"
        data = site / area_id / "data"
        assert (data / "measures.csv").is_file() and (data / "measures.xlsx").is_file()
        assert sorted(p.name for p in data.glob("msoa-*.geojson")) == [
            "msoa-knife-police.geojson",
            "msoa-police-uk-violence.geojson",
        ]


def test_every_page_with_rates_names_their_one_denominator(site):
    def text(path):
        return " ".join(html.unescape(path.read_text(encoding="utf-8")).split())

    areas_ = denominator("la").source
    msoas = denominator("msoa").source
    about = text(site / "about-the-data.html")
    assert areas_ in about and msoas in about
    for area_id in AREAS:
        for page in ("index.html", "measures.html"):
            assert f"the population is {areas_}" in text(site / area_id / page), page
        assert f"the population is {msoas}" in text(site / area_id / "map.html")


def test_every_relative_link_and_fragment_lands(site):
    pages = {p: _parse(p) for p in site.rglob("*.html")}
    for page, parsed in pages.items():
        for href in parsed.links:
            if re.match(r"^(https?:|mailto:)", href):
                continue
            target, _, fragment = href.partition("#")
            path = (page.parent / target).resolve() if target else page
            assert path.is_file(), f"{page.relative_to(site)} links to missing {href}"
            if fragment and path.suffix == ".html":
                assert fragment in pages[path].ids, f"{page.relative_to(site)}: no #{fragment}"


def test_the_home_page_lists_both_areas_and_the_local_definition(site, demo_config):
    p = partnership.load(demo_config.partnership_path)
    home = (site / "index.html").read_text(encoding="utf-8")
    for area_id in AREAS:
        assert f'href="{area_id}/index.html"' in home
    assert p.local_definition["source"] in home
    assert "Priority focus on the prevention and reduction of public space violence" in home


# ---- contact details -----------------------------------------------------------------------------


def test_each_area_shows_its_own_contact_from_the_configuration(site, demo_config):
    p = partnership.load(demo_config.partnership_path)
    [somerset] = [la for la in p.local_authorities if la.name == "Somerset"]
    assert somerset.public_contact["email"] == SOMERSET_EMAIL  # the configuration, not a copy
    for page in PAGES:
        if page in ("measures.html", "map.html"):
            continue
        text = (site / "somerset" / page).read_text(encoding="utf-8")
        assert f'href="mailto:{SOMERSET_EMAIL}"' in text, f"somerset/{page}"
        assert somerset.public_contact["url"] in text
        force = (site / "avon-and-somerset" / page).read_text(encoding="utf-8")
        assert SOMERSET_EMAIL not in force, f"avon-and-somerset/{page} shows Somerset's email"
        assert p.public_contact["url"] in force


def test_the_force_area_email_is_the_configured_one_or_none(site, demo_config):
    p = partnership.load(demo_config.partnership_path)
    force = (site / "avon-and-somerset" / "index.html").read_text(encoding="utf-8")
    mailto = re.findall(r'href="mailto:([^"]+)"', force)
    # the demo configuration has none yet ("set before publishing"): none is invented
    assert mailto == ([p.public_contact["email"]] if p.public_contact["email"] else [])


# ---- downloads match the pages -------------------------------------------------------------------


def test_the_csv_holds_exactly_the_figures_of_the_measures_page(site):
    for area_id in AREAS:
        page = _parse(site / area_id / "measures.html").count_cells
        rows = _csv(site / area_id / "data" / "measures.csv")
        from_csv = {_key(r): r["count"] for r in rows}
        assert len(from_csv) == len(rows), "a figure appears twice in the CSV"
        shown = {k: v.replace(",", "") for k, v in page.items()}
        assert from_csv == shown


def test_the_xlsx_matches_the_csv_and_carries_its_notes(site):
    for area_id in AREAS:
        rows = _csv(site / area_id / "data" / "measures.csv")
        book = load_workbook(site / area_id / "data" / "measures.xlsx", read_only=True)
        assert book.sheetnames[0] == "Notes"
        sheet = list(book["Measures"].iter_rows(values_only=True))
        header = list(sheet[0])
        assert header == list(rows[0])
        from_xlsx = [dict(zip(header, r, strict=True)) for r in sheet[1:]]
        assert len(from_xlsx) == len(rows)
        for x, c in zip(from_xlsx, rows, strict=True):
            assert str(x["count"]) == c["count"] and x["area_code"] == c["area_code"]
            assert x["synthetic"] == (c["synthetic"] == "true")
            if c["rate"]:
                assert x["rate"] == pytest.approx(float(c["rate"]))
        notes = " ".join(str(v) for r in book["Notes"].iter_rows(values_only=True) for v in r if v)
        for needed in (
            "[c]",
            "Open Government Licence v3.0",
            "SYNTHETIC",
            "rounded to the nearest 5",
        ):
            assert needed in notes, needed
        msoa = [s for s in book.sheetnames if s.startswith("MSOA")]
        assert len(msoa) == 2
        book.close()


def test_the_geojson_matches_the_map_table(site):
    for area_id in AREAS:
        for measure in ("police-uk-violence", "knife-police"):
            collection = json.loads(
                (site / area_id / "data" / f"msoa-{measure}.geojson").read_text()
            )
            page = _parse(site / area_id / "map.html").count_cells
            rows = _csv(site / area_id / "data" / f"msoa-{measure}.csv")
            features = {
                _key(f["properties"]): f["properties"]["count"] for f in collection["features"]
            }
            assert features == {_key(r): _typed(r["count"]) for r in rows}
            mine = {k: v for k, v in page.items() if k[1] == measure}
            assert {k: str(v) for k, v in features.items()} == {
                k: v.replace(",", "") for k, v in mine.items()
            }
            for f in collection["features"]:
                assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    somerset = json.loads((site / "somerset/data/msoa-knife-police.geojson").read_text())
    force = json.loads((site / "avon-and-somerset/data/msoa-knife-police.geojson").read_text())
    assert 0 < len(somerset["features"]) < len(force["features"])


def _typed(text: str):
    return text if text == "[c]" else int(text)


# ---- synthetic labelling -------------------------------------------------------------------------


def test_synthetic_figures_are_labelled_on_pages_and_in_downloads(site, synthetic_truth):
    assert any(synthetic_truth.values()) and not all(synthetic_truth.values())
    for area_id in AREAS:
        rows = _csv(site / area_id / "data" / "measures.csv")
        for r in rows:
            expected = "true" if synthetic_truth[r["measure"]] else "false"
            assert r["synthetic"] == expected, (area_id, r["measure"])
        page = (site / area_id / "measures.html").read_text(encoding="utf-8")
        for measure, synthetic in synthetic_truth.items():
            section = re.search(rf'<h2 id="{measure}">(.*?)</h2>', page, re.S)
            if section is None:
                continue
            assert ("tag-synthetic" in section.group(1)) == synthetic, (area_id, measure)
        assert "Synthetic data" in page  # the banner
        geo = json.loads((site / area_id / "data" / "msoa-knife-police.geojson").read_text())
        assert any("SYNTHETIC" in n for n in geo["notes"])
        assert all(f["properties"]["synthetic"] == "true" for f in geo["features"])
    real = json.loads((site / "somerset/data/msoa-police-uk-violence.geojson").read_text())
    assert not any("SYNTHETIC" in n for n in real["notes"])


def test_the_strategy_page_shows_the_example_strategy_labelled(site):
    for area_id in AREAS:
        page = (site / area_id / "strategy.html").read_text(encoding="utf-8")
        assert "Illustrative example" in page
        assert "Impact on violence (YEF Toolkit)" in page
    somerset = (site / "somerset" / "strategy.html").read_text(encoding="utf-8")
    assert "Knife crime awareness talks in secondary schools" in somerset
    # the same content as `svduty strategy render`: the evidence warning is on the public page
    assert "No clear evidence" in somerset and "Insufficient evidence" in somerset
    assert 'href="#measure-knife-police-under-25"' in somerset
    assert 'id="measure-knife-police-under-25"' in somerset


# ---- building ------------------------------------------------------------------------------------


def test_a_directory_svduty_did_not_build_is_refused(demo_config, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("not a site")
    wh = connect(demo_config.warehouse_url, read_only=True)
    p = partnership.load(demo_config.partnership_path)
    try:
        with pytest.raises(SiteError, match="not built by svduty publish"):
            publish(wh, p, out, areas=[areas.resolve(p, "somerset")])
    finally:
        wh.close()
    assert (out / "precious.txt").read_text() == "not a site"


def test_a_calendar_year_site_rebuilds_in_place(demo_config, tmp_path):
    wh = connect(demo_config.warehouse_url, read_only=True)
    p = partnership.load(demo_config.partnership_path)
    out = tmp_path / "site"
    kwargs = {
        "areas": [areas.resolve(p, "somerset")],
        "measure_ids": ["police-uk-violence"],
        "map_measures": (),
    }
    try:
        publish(wh, p, out, period="financial_year", **kwargs)
        (out / "stale.html").write_text("left from an earlier build")
        manifest = publish(wh, p, out, period="2018-2020", **kwargs)
    finally:
        wh.close()
    assert not (out / "stale.html").exists()
    assert manifest.path == manifest_path(out) and manifest.path.parent == out.parent
    periods = {r["period"] for r in _csv(out / "somerset" / "data" / "measures.csv")}
    assert periods and all(re.fullmatch(r"\d{4}", p) for p in periods)


# ---- the assessment summary ----------------------------------------------------------------------


def _finding(template, counts=None, numbers=None):
    return Finding(
        id="finding-x", rule="r", template=template, counts=counts or {}, figure_id="fig-x",
        section="s", source_kind=Source.RECORD_LEVEL, numbers=numbers or {},
    )  # fmt: skip


def test_the_public_summary_quotes_no_figure_the_gate_did_not_pass():
    assessment = SimpleNamespace(
        period=SimpleNamespace(describe=lambda: "2018 to 2020"),
        synthetic=False,
        findings=(
            _finding("Violence peaks on Friday and Saturday nights in town centres."),
            _finding("{n} knife crimes were recorded in 2020.", counts={"n": 3}),
            _finding("Knife crime rose by 12.5% in 2020.", numbers={"pct": 12.5}),
            _finding("Two of the 5 authorities had no homicide."),
        ),
        recommendations=(
            Recommendation("r1", "r", "Target the town centres in 2021/22.", (), ()),
            Recommendation("r2", "r", "Fund 3 youth workers.", (), ()),
        ),
    )
    public = summarise(assessment, [])
    assert public.findings == ("Violence peaks on Friday and Saturday nights in town centres.",)
    assert public.recommendations == ("Target the town centres in 2021/22.",)
    assert public.left_out == 4


def test_only_years_pass_as_numbers_in_public_text():
    assert quotes_no_numbers("Between 2018 and 2020/21, and in 2019.")
    assert not quotes_no_numbers("police.uk has no data for 2019-07")
    assert not quotes_no_numbers("3 knife crimes")
    assert not quotes_no_numbers("rose by 12.5%")


def test_the_assessment_page_leads_with_gated_headlines(site):
    page = (site / "somerset" / "assessment.html").read_text(encoding="utf-8")
    csv_rows = {_key(r): r for r in _csv(site / "somerset" / "data" / "measures.csv")}
    row = csv_rows[("count", "knife-police", "E06000066", "2020/21")]
    assert f"Somerset, 2020/21: {row['rate']} per 100,000 residents" in page


def test_parts_of_finds_the_under_25_and_knife_subsets():
    pairs = {(p.id, w.id) for p, w in parts_of(load().measures)}
    assert ("knife-police-under-25", "knife-police") in pairs
    assert ("hospital-sharp-object-under-25", "hospital-sharp-object") in pairs
    assert ("ed-knife-assault-attendances", "ed-assault-attendances") in pairs
    assert ("police-uk-robbery", "police-uk-violence") not in pairs
    assert ("knife-police", "knife-police-under-25") not in pairs


def test_the_summary_counts_what_the_site_holds(public_site):  # noqa: F811
    summary = public_site.summary()
    site = public_site.out
    assert summary["pages"] == len(list(site.rglob("*.html")))
    assert summary["downloads"] == len([p for p in site.rglob("*") if p.parent.name == "data"])
    assert summary["counts_withheld"] > 0 and summary["counts_shown"] > summary["counts_withheld"]
    assert "secondary" not in json.dumps(summary)  # no status leaves the manifest


# ---- issue 12: findings in words, published_rate, the review's public page ----------------------


@pytest.mark.parametrize(
    ("rule", "text", "public"),
    [
        (
            "measure-change",
            "Violence and sexual offences (police.uk open data) rose by 11.5% between 2018 and "
            "2020 in Somerset (12,554 to 13,998; 95% interval 8.8% to 14.2%).",
            "Violence and sexual offences (police.uk open data) rose between 2018 and 2020 in "
            "Somerset.",
        ),
        (
            "seasonal-peak",
            "Violence peaks in summer: 1,228 offences a month on average in Somerset, 19% more.",
            "Violence peaks in summer.",
        ),
        ("under-25-share", "33% of the victims were under 25 (9,166 of 27,675).", None),
        ("data-gap-missing-month", "police.uk has no data for 2019-07: figures differ.", None),
        ("monthly-special-cause", "Violence shows special cause variation: worth a look.", None),
    ],
)
def test_a_finding_is_published_in_words_without_its_figures(rule, text, public):
    finding = SimpleNamespace(rule=rule, text=text, counts={"n": 1}, numbers={})
    assert in_words(finding) == public
    if public is not None:
        assert quotes_no_numbers(public)


def test_the_assessment_summary_shows_findings_in_words(demo_config):
    """The demo's site, built with its assessments (svduty demo), gives their findings in words."""
    site = demo_config.home / "site"
    page = _squash((site / "somerset" / "assessment.html").read_text(encoding="utf-8"))
    found = page.split('id="findings"', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", found)
    assert items, "the public summary shows no finding"
    assert all(quotes_no_numbers(i) for i in items)
    assert "all quote figures" not in page


def test_the_downloads_carry_the_published_rate_the_page_promises(site):
    rows = [r for r in _csv(site / "avon-and-somerset" / "data" / "measures.csv")]
    official = [r for r in rows if r["measure"] == "knife-police-published"]
    given = {r["period"]: r["published_rate"] for r in official if r["published_rate"]}
    assert set(given) >= {"2023", "2024"}  # ONS publishes its own rate for these years
    assert all(float(v) > 0 for v in given.values())
    assert not any(r["published_rate"] for r in rows if r["source_kind"] != "official statistic")
    page = (site / "avon-and-somerset" / "measures.html").read_text(encoding="utf-8")
    assert "published_rate" in page and "Rate as published per 100,000 residents" in page


@pytest.mark.parametrize("area_id", AREAS)
def test_the_review_has_a_public_page_of_gated_figures(site, area_id):
    page = _squash((site / area_id / "review.html").read_text(encoding="utf-8"))
    assert "Annual review" in page and "baseline" in page
    assert 'href="review.html"' in _squash((site / area_id / "index.html").read_text("utf-8"))
    # a table of the baseline and the latest year, compared, with counts the gate released
    assert "Compared with 2018/19" in page
    assert 'data-kind="count"' in page
    assert "outside the strategy's period" in page  # the demo's latest year is before 2024


def _squash(text: str) -> str:
    return " ".join(html.unescape(text).split())


def test_the_gate_refuses_a_published_rate_for_anything_but_an_official_statistic():
    from svduty.privacy.disclosure import DisclosureError
    from svduty.products.site.gate import Gate, RowSpec, count_key

    cat = load()
    gate = Gate()
    records = count_key("knife-police", "E06000066", "2020/21")
    official = count_key("knife-police-published", "E23000036", "2023")
    gate.add(records, 50, Source.RECORD_LEVEL)
    gate.add(official, 1486, Source.OFFICIAL_STATISTIC)
    gate.protect()

    def table(measure_id, key):
        return gate.table(
            id=measure_id,
            title="t",
            measure=cat.get(measure_id),
            label_columns=(("period", "Period"),),
            rows=[RowSpec({"period": key[-1]}, key, 100_000.0, None, 84.17336)],
            synthetic=False,
            rate_unit="per 100,000 residents",
        )

    assert table("knife-police-published", official).rows[0].published_rate == 84.2
    with pytest.raises(DisclosureError, match="only for official statistics"):
        table("knife-police", records)


@pytest.mark.parametrize("area_id", AREAS)
def test_no_page_prints_nan_or_none(site, area_id):
    """A withheld rate read back from a table frame is NaN: it reads "withheld", never "nan"
    (the by-local-authority chart's text alternative once said "Bristol, City of: nan")."""
    for name in PAGES:
        text = re.sub(r"<svg.*?</svg>", "", (site / area_id / name).read_text("utf-8"), flags=re.S)
        words = _squash(re.sub(r"<[^>]+>", " ", text))
        assert not re.search(r"\b(nan|NaN|None)\b", words), (
            name,
            re.findall(r".{40}\bnan\b", words),
        )


def test_every_area_is_named_one_way_the_partnerships(site, demo_config):
    """The partnership file names each area; the measures' ONS spelling ("Bristol, City of")
    appears on no page and in no download, and every row of a download names its area as the
    partnership file does."""
    p = partnership.load(demo_config.partnership_path)
    configured = {a.code: a.name for a in areas.areas(p)}
    wh = connect(demo_config.warehouse_url, read_only=True)
    try:
        ref = wh.table("ref_local_authority").execute()
    finally:
        wh.close()
    ons = dict(zip(ref["la_code"], ref["la_name"], strict=True))
    other = {ons[c] for c, name in configured.items() if c in ons and ons[c] != name}
    assert other, "the demo partnership names no authority unlike ONS: the test shows nothing"
    for path in site.rglob("*"):
        if path.suffix in (".html", ".csv", ".geojson"):
            text = html.unescape(path.read_text(encoding="utf-8"))
            assert not [o for o in other if o in text], path
    for area_id in AREAS:
        for row in _csv(site / area_id / "data" / "measures.csv"):
            if row["area_code"] in configured:
                assert row["area"] == configured[row["area_code"]], row


def test_a_year_missing_from_a_series_is_a_gap_in_its_chart(site):
    """police.uk lacks a month of the demo's data, so one financial year is not published: the
    chart keeps that year on its axis with no point, its line breaks there, and its text
    alternative says so (it used to join the years either side)."""
    rows = _csv(site / "avon-and-somerset" / "data" / "measures.csv")
    years = sorted({int(r["period"][:4]) for r in rows if r["measure"] == "police-uk-violence"})
    missing = [f"{y}/{(y + 1) % 100:02d}" for y in range(years[0], years[-1]) if y not in years]
    assert missing, "no year is missing from the series: the test shows nothing"
    page = (site / "avon-and-somerset" / "measures.html").read_text(encoding="utf-8")
    figure = re.search(r'<figure[^>]*id="fig-police-uk-violence".*?</figure>', page, re.S)
    assert figure
    svg = figure.group(0)
    axis = re.findall(r">(\d{4}/\d{2})</text>", svg)
    for label in missing:
        assert label in axis  # the missing year keeps its place on the axis
        assert f"period: {label}" not in svg  # and has no point
    for path in re.findall(r'aria-roledescription="line mark" d="([^"]+)"', svg):
        assert path.count("M") >= 2, path  # each area's line is broken, not drawn across
    alt = _squash(re.sub(r"<[^>]+>", " ", svg))
    assert f"No figures for {', '.join(missing)}" in alt


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        (["2018/19", "2020/21"], ["2019/20"]),
        (["2017/18", "2018/19"], []),
        (["2020/21", "2021/22", "2023", "2024"], ["Apr to Dec 2022"]),
        (["2018", "2021"], ["2019", "2020"]),
        (["2021/22", "2024"], ["Apr 2022 to Dec 2023"]),
    ],
)
def test_the_gaps_in_a_run_of_years(periods, expected):
    from svduty.products.site.figures import gaps

    assert [label for label, _ in gaps(periods)] == expected


MAP_COLUMNS = {
    "MSOA code": "area_code",
    "MSOA": "area",
    "Local authority": "local_authority",
    "Number": "count",
    "Lower 95% limit": "lower_95",
    "Upper 95% limit": "upper_95",
}


@pytest.mark.parametrize("area_id", AREAS)
def test_the_msoa_downloads_hold_every_column_of_the_map_table(site, area_id, demo_config):
    """The map page's table names each MSOA's local authority: its CSV does too, as the
    partnership names the authority."""
    p = partnership.load(demo_config.partnership_path)
    names = {la.name for la in p.local_authorities}
    page = (site / area_id / "map.html").read_text(encoding="utf-8")
    headings = set(re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page))
    assert "Local authority" in headings
    for path in (site / area_id / "data").glob("msoa-*.csv"):
        rows = _csv(path)
        assert rows and all(r["local_authority"] in names for r in rows), path
        for heading, column in MAP_COLUMNS.items():
            assert heading in headings and column in rows[0], (heading, column)
