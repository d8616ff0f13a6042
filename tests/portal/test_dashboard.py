"""The dashboards under /dashboard/: the measures of an area or ward with their trends, maps of
rates and hotspots, and the record-level rows behind a measure for roles that may see them.

They read the whole demo warehouse (demo_config, built once per session); every figure checked
here is recounted independently with SQL over the warehouse's own tables, or with the analysis
layer's measures, never copied from the page.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import re
from html.parser import HTMLParser

import duckdb
import pytest
from django.urls import reverse

from svduty.analysis.measures import catalogue
from svduty.analysis.measures.compute import Geography, compute
from svduty.portal import dashboard
from svduty.portal.dashboard import results
from svduty.portal.models import AuditEvent
from svduty.reference.population import denominator
from svduty.warehouse import connect

PFA = "E23000036"
SOMERSET = "E06000066"
FORCE = "avon-and-somerset"
VIOLENCE = "Violence and sexual offences"


@pytest.fixture
def demo(settings, demo_config):
    """The portal pointed at the demo warehouse."""
    settings.CONFIG = demo_config
    return demo_config


@pytest.fixture(scope="module")
def sql(demo_config):
    """Independent SQL over the demo warehouse (read-only, closed after the module)."""
    con = duckdb.connect(demo_config.warehouse_url.removeprefix("duckdb://"), read_only=True)
    yield lambda query, *params: con.execute(query, params).fetchall()
    con.close()


def signed_in(client, user):
    client.force_login(user)
    return client


def chart_spec(html: str, spec_id: str) -> dict:
    """The Vega-Lite specification a chart box names (Django's json_script element)."""
    found = re.search(rf'<script id="{spec_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no specification {spec_id}"
    return json.loads(found.group(1))


class _Tables(HTMLParser):
    """Every table on a page by id: its header row and its body rows (cell texts), and the
    attributes of every svg element and of every chart box the browser draws in."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, dict] = {}
        self.rows_by_id: dict[str, list[str]] = {}
        self.svgs: list[dict] = []
        self.chart_boxes: list[dict] = []
        self._table = self._row = self._cell = None
        self._row_id = None
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs.append(a)
        elif "data-vega-spec" in a:
            self.chart_boxes.append(a)
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("id", f"t{len(self.tables)}"),
                                                 {"head": [], "rows": []})  # fmt: skip
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row, self._row_id = [], a.get("id")
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._table is not None:
                (self._table["head"] if self._in_head else self._table["rows"]).append(self._row)
            if self._row_id:
                self.rows_by_id[self._row_id] = self._row
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def number(text: str) -> int:
    return int(text.replace(",", ""))


def main(html: str) -> str:
    """The page's main content (the header holds a fresh CSRF token each time)."""
    return html[html.index("<main") : html.index("</main>")]


def headline_count(html: str, measure: str) -> int:
    """The count in the headline table's row of ``measure`` (third cell)."""
    return number(_Tables(html).rows_by_id[f"headline-{measure}"][2])


def ward_of_somerset(sql) -> tuple[str, int]:
    """The Somerset ward (December 2019) with the most LSOAs, and how many it has."""
    return sql(
        "SELECT ward19_code, count(*) AS n FROM ref_lsoa WHERE la_code = ? AND in_2011 "
        "GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1",
        SOMERSET,
    )[0]


def street_count(sql, start: str, end: str, lsoas_where: str = "TRUE", *params) -> int:
    """police.uk violence and sexual offences of the force recorded in [start, end]."""
    return sql(
        "SELECT count(*) FROM police_uk_street WHERE force = ? AND crime_type = ? "
        f"AND month BETWEEN ?::DATE AND ?::DATE AND {lsoas_where}",
        FORCE,
        VIOLENCE,
        start,
        end,
        *params,
    )[0][0]


# ---- the measures -------------------------------------------------------------------------------


def test_a_viewer_sees_every_measure_with_its_trend(client, people, demo, sql):
    viewer = signed_in(client, people["viewer"])
    page = viewer.get(reverse("portal:dashboard"), {"start": 2020, "end": 2020})
    assert page.status_code == 200
    html = page.content.decode()
    tables = _Tables(html)
    shown = {key.removeprefix("headline-") for key in tables.rows_by_id}
    # every measure counted from records has figures for the force area in 2020
    records = ("police_crime", "police_uk_street", "ed_assault")
    with_data = {m.id for m in catalogue.load().measures if m.source in records}
    assert with_data <= shown
    # hospital returns come by financial year: listed, with why, and shown for those
    assert "by financial year" in html.split('id="not-shown"')[1]
    financial = viewer.get(reverse("portal:dashboard"), {"period_type": "financial_year"})
    assert "headline-hospital-sharp-object" in _Tables(financial.content.decode()).rows_by_id
    success = {r[0] for r in tables.tables["headline-success"]["rows"]}
    assert any("Homicides" in s for s in success)
    assert not any("police.uk" in s for s in success)  # a local measure, not a success measure
    # the open-data count for 2020 is the warehouse's own, recounted in SQL
    assert headline_count(html, "police-uk-violence") == street_count(
        sql, "2020-01-01", "2020-12-01"
    )
    # a chart per measure, sent as its Vega-Lite specification for the browser to draw (the
    # journey test draws them in chromium), named by its text alternative, with a data table
    boxes = tables.chart_boxes
    assert len(boxes) >= len(with_data)
    for box in boxes:
        assert f'id="{box["data-alt"]}"' in html
        assert chart_spec(html, box["data-vega-spec"])["$schema"].startswith(
            "https://vega.github.io/schema/vega-lite/"
        )
    assert "fig-police-uk-violence-data" in tables.tables
    # the chart draws the table's figures: its rates are the data table's, period by period
    table = tables.tables["fig-police-uk-violence-data"]
    rate_col = next(i for i, h in enumerate(table["head"][0]) if h.startswith("Rate"))
    tabled = {r[0]: r[rate_col] for r in table["rows"] if r[rate_col] not in ("", "[x]")}
    charted = {
        str(v["Period"]): f"{v['Rate']:.2f}"
        for values in chart_spec(html, "fig-police-uk-violence-spec")["datasets"].values()
        for v in values
    }
    assert tabled and charted == tabled
    # synthetic partner data say so next to the figure
    knife = tables.rows_by_id["headline-knife-police"][0]
    assert "Synthetic" in knife
    assert "Synthetic" not in tables.rows_by_id["headline-police-uk-violence"][0]


def test_somerset_and_one_of_its_wards_change_the_numbers(client, people, demo, sql):
    ward, _ = ward_of_somerset(sql)
    viewer = signed_in(client, people["viewer"])
    url = reverse("portal:dashboard")
    year = {"period_type": "calendar_year", "start": 2020, "end": 2020}
    force = headline_count(viewer.get(url, year).content.decode(), "police-uk-violence")
    somerset_page = viewer.get(url, {"area": "somerset", **year}).content.decode()
    ward_page = viewer.get(url, {"area": "somerset", "ward": ward, **year}).content.decode()
    in_somerset = "lsoa_code IN (SELECT lsoa_code FROM ref_lsoa WHERE la_code = ?)"
    in_ward = "lsoa_code IN (SELECT lsoa_code FROM ref_lsoa WHERE ward19_code = ? AND in_2011)"
    somerset = street_count(sql, "2020-01-01", "2020-12-01", in_somerset, SOMERSET)
    in_the_ward = street_count(sql, "2020-01-01", "2020-12-01", in_ward, ward)
    assert headline_count(somerset_page, "police-uk-violence") == somerset
    assert headline_count(ward_page, "police-uk-violence") == in_the_ward
    # the ward's rate: per 1,000 of its ONS mid-2018 residents (2011 LSOAs)
    residents = sql(
        "SELECT sum(population_mid2018) FROM ref_population_lsoa11 WHERE lsoa11_code IN "
        "(SELECT lsoa_code FROM ref_lsoa WHERE ward19_code = ? AND in_2011)",
        ward,
    )[0][0]
    rate = _Tables(ward_page).rows_by_id["headline-police-uk-violence"][3].split()[0]
    assert float(rate) == pytest.approx(1000 * in_the_ward / residents, abs=0.005)
    # the page names the denominators it used (one per level, svduty.reference.population)
    assert html.unescape(denominator("ward").source) in html.unescape(ward_page)
    assert denominator("la").source in html.unescape(somerset_page)
    assert force > somerset > in_the_ward > 0
    # the ward's own select lists Somerset's wards, and the ward is named on the page
    name = sql("SELECT DISTINCT ward19_name FROM ref_lsoa WHERE ward19_code = ?", ward)[0][0]
    assert f"{name} ward, Somerset" in ward_page
    # financial years: April 2020 to March 2021
    fy = {"period_type": "financial_year", "start": 2020, "end": 2020}
    fy_page = viewer.get(url, {"area": "somerset", "ward": ward, **fy}).content.decode()
    assert headline_count(fy_page, "police-uk-violence") == street_count(
        sql, "2020-04-01", "2021-03-01", in_ward, ward
    )
    # aggregate returns carry no LSOA: they are listed as not shown for a ward, with why
    assert "Hospital admissions for assault with a knife" in ward_page.split('id="not-shown"')[1]


def test_a_ward_of_another_area_is_dropped_with_a_notice(client, people, demo, sql):
    ward, _ = ward_of_somerset(sql)
    page = signed_in(client, people["board"]).get(
        reverse("portal:dashboard"), {"area": "bristol", "ward": ward}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "The ward chosen is not in Bristol" in html
    assert "Measures and trends: Bristol" in html


def test_a_range_that_ends_before_it_starts_is_an_error_linked_to_its_field(client, people, demo):
    page = signed_in(client, people["viewer"]).get(
        reverse("portal:dashboard"), {"start": 2021, "end": 2018}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="error-summary"' in html and 'href="#id_end"' in html
    assert 'id="id_end-error"' in html and "<title>Error:" in html
    assert 'id="headline-success"' not in html


def test_repeat_views_come_from_the_cache(client, people, demo, monkeypatch):
    viewer = signed_in(client, people["viewer"])
    url = reverse("portal:dashboard")
    query = {"area": "north-somerset", "period_type": "financial_year"}
    first = main(viewer.get(url, query).content.decode())

    def refuse(*args, **kwargs):
        raise AssertionError("the measures were computed again")

    monkeypatch.setattr(results, "compute", refuse)
    monkeypatch.setattr(results.where, "measure_counts", refuse)
    again = viewer.get(url, query)
    assert again.status_code == 200 and main(again.content.decode()) == first


def test_a_warehouse_without_data_says_so_for_every_measure(client, people, settings, tmp_path):
    from svduty.cli import init
    from svduty.settings import Config

    empty = Config.from_env({"SVDUTY_HOME": str(tmp_path), "SVDUTY_LOADED_BY": "pytest"})
    init(empty)  # the reference geography, no data
    settings.CONFIG = empty
    page = signed_in(client, people["analyst"]).get(reverse("portal:dashboard"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("No data for this measure have been loaded yet.") == len(
        catalogue.load().measures
    )
    records = client.get(reverse("portal:dashboard-records"), {"area": "somerset"})
    assert records.status_code == 200 and "0 rows: Somerset" in records.content.decode()
    assert AuditEvent.objects.get(action="restricted_view").detail["rows_total"] == 0
    maps = client.get(reverse("portal:dashboard-map"))
    assert "no data for this measure are loaded yet" in maps.content.decode()


def test_a_warehouse_without_reference_geography_is_explained(
    client, people, settings, demo_config, duckdb_url
):
    # a warehouse made (tables, no reference data) and published for readers, as `svduty init`
    # would leave it had its reference load failed
    connect(duckdb_url).close()
    settings.CONFIG = dataclasses.replace(demo_config, warehouse_url=duckdb_url)
    page = signed_in(client, people["viewer"]).get(reverse("portal:dashboard"))
    assert page.status_code == 503 and page["Retry-After"]
    assert "svduty init" in page.content.decode()


# ---- the maps -----------------------------------------------------------------------------------


def test_the_map_shows_every_lsoa_of_the_area_with_its_count(client, people, demo, sql):
    page = signed_in(client, people["data_lead"]).get(
        reverse("portal:dashboard-map"),
        {"area": "somerset", "measure": "police-uk-violence", "year": 2020},
    )
    assert page.status_code == 200
    html = page.content.decode()
    tables = _Tables(html)
    maps = [s for s in tables.svgs if s.get("role") == "img"]
    assert {s["aria-labelledby"] for s in maps} == {"fig-map-rates-alt", "fig-map-hotspots-alt"}
    rows = tables.tables["fig-map-rates-data"]["rows"]
    head = tables.tables["fig-map-rates-data"]["head"][0]
    lsoas = {r[0] for r in rows}
    expected = {
        code for (code,) in sql("SELECT lsoa_code FROM ref_lsoa WHERE la_code = ? AND in_2011",
                                SOMERSET)
    }  # fmt: skip
    assert lsoas == expected and len(rows) == len(expected)
    # exact counts: each LSOA's is the warehouse's, recounted
    counted = dict(
        sql(
            "SELECT lsoa_code, count(*) FROM police_uk_street WHERE force = ? AND crime_type = ? "
            "AND year(month) = 2020 GROUP BY 1",
            FORCE,
            VIOLENCE,
        )
    )
    at = head.index("Count")
    assert {r[0]: number(r[at]) for r in rows} == {c: counted.get(c, 0) for c in expected}
    hot_rows = tables.tables["fig-map-hotspots-data"]["rows"]
    assert {r[0] for r in hot_rows} == expected


def test_the_map_s_geojson_holds_every_lsoa_of_the_area_with_its_count(client, people, demo, sql):
    """The interactive map's figures: every Somerset LSOA, each with its recounted count, its
    local authority and, where it has a rate, the interval around it; no figure is made up."""
    response = signed_in(client, people["viewer"]).get(
        reverse("portal:dashboard-map-geojson"),
        {"area": "somerset", "measure": "police-uk-violence", "year": 2020},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    features = response.json()["features"]
    expected = {
        code for (code,) in sql("SELECT lsoa_code FROM ref_lsoa WHERE la_code = ? AND in_2011",
                                SOMERSET)
    }  # fmt: skip
    props = {f["properties"]["code"]: f["properties"] for f in features}
    assert set(props) == expected and len(features) == len(expected)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    counted = dict(
        sql(
            "SELECT lsoa_code, count(*) FROM police_uk_street WHERE force = ? AND crime_type = ? "
            "AND year(month) = 2020 GROUP BY 1",
            FORCE,
            VIOLENCE,
        )
    )
    assert {c: p["count"] for c, p in props.items()} == {c: counted.get(c, 0) for c in expected}
    assert {p["la_code"] for p in props.values()} == {SOMERSET}
    for p in props.values():
        if p["rate"] is not None:
            assert p["lower_95"] <= p["rate"] <= p["upper_95"]


def test_a_map_geojson_for_a_bad_query_is_a_clear_error(client, people, demo):
    response = signed_in(client, people["viewer"]).get(
        reverse("portal:dashboard-map-geojson"), {"area": "nowhere"}
    )
    assert response.status_code == 400
    assert response.json()["errors"]["area"][0]["message"] == "Choose an area from the list."


@pytest.mark.parametrize("name", ["dashboard", "dashboard-map", "dashboard-records"])
def test_asked_by_the_filters_script_a_page_is_its_main_region_only(client, people, demo, name):
    """The partial response (svduty.portal.partial) is the full page's main region, the same
    bytes, without the header, navigation and footer; both vary by the header, so no cache
    mixes them; the records page is audited either way."""
    client = signed_in(client, people["analyst"])
    query = {"area": "somerset", "measure": "knife-police", "start": 2020, "end": 2020}
    url = reverse(f"portal:{name}")
    before = AuditEvent.objects.count()
    full = client.get(url, query)
    part = client.get(url, query, headers={"X-Svduty-Partial": "1"})
    assert full.status_code == part.status_code == 200
    for response in (full, part):
        assert "X-Svduty-Partial" in response["Vary"]
    full_html, part_html = full.content.decode(), part.content.decode()
    assert main(part_html) == main(full_html)
    assert "<header" in full_html and "<footer" in full_html
    assert "<header" not in part_html and "<footer" not in part_html
    assert "portal/dashboard.js" not in part_html  # the scripts are already on the page
    title = re.search(r"<title>(.*?)</title>", full_html, re.S).group(1)
    assert f"<title>{title}</title>" in part_html
    if name == "dashboard-records":
        assert AuditEvent.objects.count() == before + 2


# ---- record-level rows --------------------------------------------------------------------------

RECORDS = {"measure": "knife-police", "area": "somerset", "start": 2020, "end": 2020}


def test_an_analyst_sees_the_rows_a_measure_counts_as_tokens_and_it_is_audited(
    client, people, demo, sql
):
    analyst = signed_in(client, people["analyst"])
    page = analyst.get(reverse("portal:dashboard-records"), RECORDS)
    assert page.status_code == 200
    html = page.content.decode()
    table = _Tables(html).tables["records"]
    columns = table["head"][0]
    # the rows are the ones the measure counts: the analysis layer's own count for Somerset
    with dashboard.reading(demo.warehouse_url) as wh:
        geo = Geography.load(wh, PFA, FORCE)
        rows = compute(wh, catalogue.load(), geo, measure_ids=["knife-police"],
                       period_types=("calendar_year",))  # fmt: skip
    expected = next(
        r["count"] for r in rows if r["area_code"] == SOMERSET and r["period"] == "2020"
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.RESTRICTED_VIEW)
    assert event.username == "ana" and event.target == reverse("portal:dashboard-records")
    assert event.detail["measure"] == "knife-police" and event.detail["area"] == "somerset"
    assert event.detail["from"] == 2020 and event.detail["to"] == 2020
    assert event.detail["rows_total"] == expected > dashboard.RECORDS_PER_PAGE
    assert len(table["rows"]) == dashboard.RECORDS_PER_PAGE == event.detail["rows_shown"]
    # identifiers only as keyed tokens: no raw reference column, no raw reference anywhere
    lowered = [c.lower() for c in columns]
    assert not any(c in ("crime_ref", "crime reference", "victim_ref", "suspect_ref")
                   for c in lowered)  # fmt: skip
    assert "Crime (pseudonymised token)" in columns
    assert not re.search(r"AS/\d{2}/\d{7}|\bP\d{8}\b", html)  # the synthetic raw formats
    tokens = [r[columns.index("Crime (pseudonymised token)")] for r in table["rows"]]
    assert all(re.fullmatch(r"[0-9a-f]{64}", t) for t in tokens)
    stored = {t for (t,) in sql("SELECT crime_ref FROM police_crime")}
    assert set(tokens) <= stored
    # ages are bands, never exact ages
    ages = {r[columns.index("Victim age band")] for r in table["rows"]}
    assert ages <= {"", "0-9", "10-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"}
    # the next page shows the next rows
    second = analyst.get(reverse("portal:dashboard-records"), {**RECORDS, "page": 2})
    more = _Tables(second.content.decode()).tables["records"]["rows"]
    assert not {tuple(r) for r in more} & {tuple(r) for r in table["rows"]}
    assert AuditEvent.objects.filter(action="restricted_view").count() == 2


@pytest.mark.parametrize("role", ["viewer", "board", "data_lead"])
def test_other_roles_are_refused_the_records_and_the_refusal_is_audited(client, people, demo, role):
    signed_in(client, people[role])
    for name in ("portal:dashboard-records", "portal:dashboard-records-csv"):
        response = client.get(reverse(name), RECORDS)
        assert response.status_code == 403
    refused = AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED)
    assert refused.count() == 2 and {e.username for e in refused} == {people[role].username}
    assert not AuditEvent.objects.filter(action__in=["restricted_view", "download"]).exists()


@pytest.mark.parametrize(
    "name", ["portal:dashboard", "portal:dashboard-map", "portal:dashboard-records",
             "portal:dashboard-records-csv"]
)  # fmt: skip
def test_anonymous_people_are_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))


def test_the_csv_download_is_audited_with_its_row_count(client, people, demo):
    response = signed_in(client, people["analyst"]).get(
        reverse("portal:dashboard-records-csv"), RECORDS
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOWNLOAD)
    assert event.detail["rows"] == len(body) > 0
    assert event.detail["measure"] == "knife-police" and event.detail["area"] == "somerset"
    assert "Crime (pseudonymised token)" in header
    assert not any("crime_ref" in h.lower() or "reference" in h.lower() for h in header)


# ---- pieces -------------------------------------------------------------------------------------


def test_the_cache_computes_a_key_once_and_forgets_the_least_recently_used():
    memo = dashboard.Memo(2)
    made = []

    def make(value):
        def _make():
            made.append(value)
            return value

        return _make

    assert memo.get("a", make(1)) == 1 and memo.get("a", make(99)) == 1
    memo.get("b", make(2))
    memo.get("a", make(99))  # a is now the most recently used
    memo.get("c", make(3))  # so b goes
    assert memo.get("b", make(4)) == 4 and made == [1, 2, 3, 4] and len(memo) == 2


@pytest.mark.parametrize(
    ("age", "band"),
    [(None, ""), (0, "0-9"), (9, "0-9"), (10, "10-17"), (17, "10-17"), (18, "18-24"),
     (24, "18-24"), (25, "25-34"), (64, "55-64"), (65, "65+"), (101, "65+")],
)  # fmt: skip
def test_ages_are_shown_as_bands(age, band):
    assert dashboard.age_band(age) == band


# ---- the shared results and the worker's warm-up --------------------------------------------


@pytest.mark.warms_dashboards
def test_after_the_worker_warms_a_fresh_web_worker_computes_nothing(
    client, people, demo, monkeypatch
):
    """The worker's warm-up (run after each load) leaves every figure of the measures page in
    the shared results: a web worker with nothing in memory serves every area and kind of
    period without computing a measure or a count."""
    from svduty.portal import tasks
    from svduty.portal.dashboard import caching

    viewer = signed_in(client, people["viewer"])
    dashboard.forget()  # nothing in memory, nothing shared
    done = tasks.warm_dashboards.call()
    assert done["measures"] == len(catalogue.load().measures)
    from svduty.portal.dashboard import catching_up

    with dashboard.reading() as wh:  # readers catching up with a later load may show this one
        assert catching_up.warmed(wh) == dashboard.data_version(wh)
    caching.DATA.clear()
    caching.PANELS.clear()  # a web worker that has computed nothing itself

    def refuse(*args, **kwargs):
        raise AssertionError("a measure was computed while a person waited")

    monkeypatch.setattr(results, "compute", refuse)
    monkeypatch.setattr(results.where, "measure_counts", refuse)
    for area in ("avon-and-somerset", "somerset", "bristol"):
        for period_type in dashboard.PERIOD_TYPES:
            query = {"area": area, "period_type": period_type}
            page = viewer.get(reverse("portal:dashboard"), query)
            assert page.status_code == 200
            assert "headline-police-uk-violence" in _Tables(page.content.decode()).rows_by_id


def test_a_shared_result_cut_short_is_computed_again_and_the_oldest_go(tmp_path):
    from svduty.portal.dashboard.shared import SharedResults

    shared = SharedResults(lambda: tmp_path, limit=3)
    assert shared.get(("k", 1), lambda: {"n": 1}) == {"n": 1}
    assert shared.get(("k", 1), lambda: {"n": 99}) == {"n": 1}  # read back, not computed
    # a file cut short (a crash while another svduty wrote it by hand) is computed again
    path = shared.path(("k", 1))
    path.write_bytes(path.read_bytes()[:5])
    assert shared.get(("k", 1), lambda: {"n": 2}) == {"n": 2}
    assert shared.get(("k", 1), lambda: {"n": 99}) == {"n": 2}
    for i in range(5):
        shared.get(("other", i), lambda i=i: i)
    shared.prune()
    assert len(list(tmp_path.glob("*.pickle"))) == 3
    # a key's lock goes with its result
    assert {p.stem for p in tmp_path.glob("*.lock")} == {p.stem for p in tmp_path.glob("*.pickle")}
    shared.clear()
    assert list(tmp_path.iterdir()) == []


def test_two_processes_wanting_one_result_compute_it_once(tmp_path):
    """The worker warming a fresh portal and its first reader want the same results: one
    computes each, the other waits and reads it. Two SharedResults over one folder share
    nothing but the files, as two processes do (the lock is an flock, which holds between any
    two openings of the lock file); threads keep the test quick."""
    import threading
    import time

    from svduty.portal.dashboard.shared import SharedResults

    made, values = [], []

    def make():
        made.append(1)
        time.sleep(0.5)  # long enough for the other to ask meanwhile
        return 42

    def want():
        values.append(SharedResults(lambda: tmp_path).get(("wanted by both",), make))

    both = [threading.Thread(target=want) for _ in range(2)]
    for t in both:
        t.start()
    for t in both:
        t.join(timeout=30)
    assert values == [42, 42] and made == [1]


def test_a_map_drawn_once_is_served_to_every_web_worker(client, people, demo, monkeypatch):
    """A map is drawn by the first web worker asked for it and kept in the shared results: a
    worker with nothing in memory serves it without counting, testing or drawing again."""
    from svduty.portal.dashboard import caching, mapping

    viewer = signed_in(client, people["viewer"])
    url = reverse("portal:dashboard-map")
    query = {"area": "bristol", "measure": "police-uk-violence", "year": 2019}
    first = viewer.get(url, query)
    assert first.status_code == 200
    caching.DATA.clear()
    caching.VIEWS.clear()  # another web worker: nothing in its memory

    def refuse(*args, **kwargs):
        raise AssertionError("the map was made again")

    monkeypatch.setattr(mapping.where, "area_rates", refuse)
    monkeypatch.setattr(mapping.where, "lsoa_hotspots_by_year", refuse)
    monkeypatch.setattr(mapping.maps, "boundaries", refuse)
    again = viewer.get(url, query)
    assert again.status_code == 200
    assert main(again.content.decode()) == main(first.content.decode())
    assert 'role="img"' in main(again.content.decode())  # the drawn SVG, kept with the view


def test_the_caches_only_read_when_asked_to_show_what_is_ready(tmp_path):
    from svduty.portal.dashboard.caching import NotReady, only_ready
    from svduty.portal.dashboard.shared import SharedResults

    shared = SharedResults(lambda: tmp_path)
    shared.put(("ready",), 1)
    memo = dashboard.Memo(4, shared)
    with only_ready():
        assert memo.get(("ready",), lambda: 99) == 1  # another process computed it
        with pytest.raises(NotReady):
            memo.get(("never",), lambda: 99)
    assert memo.get(("never",), lambda: 2) == 2  # outside the block, computed as ever


def _a_later_version(version, *, minutes_ago: float = 0.0):
    """The demo warehouse's version as if a load of police.uk files had just committed."""
    from datetime import UTC, datetime, timedelta

    from svduty.portal.dashboard.opening import DataVersion

    loads = tuple(
        (source, n + (source == "police-uk-street"), last, replaced)
        for source, n, last, replaced in version.loads
    )
    at = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=minutes_ago)
    return DataVersion(loads, at)


def test_after_a_load_readers_see_the_last_warmed_figures_until_the_worker_catches_up(
    client, people, demo, settings, monkeypatch
):
    """For a while after a load the measures page and the maps show the figures the worker last
    finished, saying so, and compute nothing while a person waits; what was never computed is
    computed from the data as they are; after the window, or with no warm-up, nothing older is
    shown."""
    from svduty.portal.dashboard import caching, catching_up, mapping

    settings.DASHBOARD_WARMING = True
    dashboard.forget()  # so that the ward below was never computed by another test
    viewer = signed_in(client, people["viewer"])
    page, maps = reverse("portal:dashboard"), reverse("portal:dashboard-map")
    query = {"area": "somerset", "period_type": "calendar_year"}
    map_query = {"area": "bristol", "measure": "police-uk-violence", "year": 2019}
    with dashboard.reading() as wh:
        now = dashboard.data_version(wh)
        catching_up.record_warmed(wh, now)  # as the worker leaves it after warming
        bristol = {a.id: a for a in dashboard.areas()}["bristol"]
        ward = dashboard.wards(wh, now, bristol)[-1][0]
    before = viewer.get(page, query).content.decode()
    before_map = viewer.get(maps, map_query).content.decode()
    assert "behind-latest-load" not in before

    later = _a_later_version(now)
    violence = {m.id: m for m in dashboard.catalogue().measures}["police-uk-violence"]
    assert later.of(violence) != now.of(violence)  # the load changed what it reads
    monkeypatch.setattr(dashboard, "data_version", lambda wh: later)
    caching.DATA.clear()
    caching.PANELS.clear()
    caching.VIEWS.clear()  # another web worker: only what is on disk

    def refuse(*args, **kwargs):
        raise AssertionError("a figure was computed while a person waited")

    with monkeypatch.context() as m:
        m.setattr(results, "compute", refuse)
        m.setattr(results.where, "measure_counts", refuse)
        m.setattr(mapping.where, "area_rates", refuse)
        m.setattr(mapping.maps, "boundaries", refuse)
        behind = viewer.get(page, query).content.decode()
        behind_map = viewer.get(maps, map_query).content.decode()
        # a range of years no one had chosen: cut from the series as last warmed, not counted
        ranged = viewer.get(page, {**query, "start": "2019", "end": "2021"}).content.decode()
        assert 'id="behind-latest-load"' in ranged and "headline-police-uk-violence" in ranged
    for shown, earlier in ((behind, before), (behind_map, before_map)):
        assert 'id="behind-latest-load"' in shown
        assert f"committed at {later.newest_load_at:%H:%M} UTC" in shown
        notice = r'<div class="inset-text" role="status" id="behind-latest-load">.*?</div>'
        unmarked = re.sub(notice, "", main(shown), flags=re.S)
        # the figures as last warmed, every one (the notice's line aside)
        assert unmarked.split() == main(earlier).split()
    # a choice no one had computed (a ward's figures): made from the data as they are now
    other = viewer.get(page, {"area": "bristol", "period_type": "calendar_year", "ward": ward})
    assert other.status_code == 200 and "behind-latest-load" not in other.content.decode()
    # after the window the page no longer waits for the worker
    monkeypatch.setattr(dashboard, "data_version", lambda wh: _a_later_version(now, minutes_ago=6))
    assert "behind-latest-load" not in viewer.get(page, query).content.decode()
    # nor without a worker that warms
    monkeypatch.setattr(dashboard, "data_version", lambda wh: later)
    settings.DASHBOARD_WARMING = False
    assert "behind-latest-load" not in viewer.get(page, query).content.decode()


def charted_against_tabled(html: str) -> list[tuple[dict, dict]]:
    """For each rate chart on the page: its rows (period, area) -> rate as charted, beside the
    same from its data table (the rows with a rate)."""
    tables, pairs = _Tables(html), []
    for box in tables.chart_boxes:
        spec = chart_spec(html, box["data-vega-spec"])
        rows = [r for values in spec["datasets"].values() for r in values]
        if not rows or "Rate" not in rows[0]:
            continue  # a chart of counts (no population): its limits are not in the table
        table = tables.tables[box["data-vega-spec"].removesuffix("-spec") + "-data"]
        head = table["head"][0]
        rate, area = next(i for i, h in enumerate(head) if h.startswith("Rate")), head.index("Area")
        tabled = {(r[0], r[area]): r[rate] for r in table["rows"] if r[rate] not in ("", "[x]")}
        charted = {(str(r["Period"]), r["Area"]): f"{r['Rate']:.2f}" for r in rows}
        pairs.append((charted, tabled))
    return pairs


@pytest.mark.parametrize("period_type", ["calendar_year", "financial_year"])
def test_a_range_of_years_charts_its_own_years_and_nothing_else(client, people, demo, period_type):
    """A range's chart is cut from the whole series' chart: it must chart exactly the range's
    rows of the data table, for the force area (beside England and Wales) and an authority
    (beside the force area)."""
    viewer = signed_in(client, people["viewer"])
    url = reverse("portal:dashboard")
    for area in ("avon-and-somerset", "north-somerset"):
        whole = charted_against_tabled(
            viewer.get(url, {"area": area, "period_type": period_type}).content.decode()
        )
        assert any(len(c) > 2 for c, _ in whole)  # more years than the range: a cut to make
        ranged = {"area": area, "period_type": period_type, "start": 2018, "end": 2019}
        pairs = charted_against_tabled(viewer.get(url, ranged).content.decode())
        assert pairs
        for charted, tabled in pairs:
            assert charted == tabled
            assert {p[:4] for p, _ in charted} <= {"2018", "2019"}
