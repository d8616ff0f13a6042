"""The dashboards' interactions in Debian's chromium (issue 18), against the portal served by
pytest-django's live server with the demo warehouse (read only):

- a filter change swaps the main region and the address without a full navigation (a marker
  set on the window survives), shows what the server shows for that address, keeps focus on
  the control, and is announced; Back restores the previous view the same way;
- the charts say their values on hover, and export PNG, SVG and their data table as CSV;
- the interactive map's click on an LSOA chooses its local authority, then its ward;
- without JavaScript the same forms work by full navigation;
- axe-core finds no serious or critical WCAG 2.2 AA violation in any of these states, and no
  console error (the Content-Security-Policy's refusals are console errors) is raised.

What each state must show is read from the server's own full page for the same address, or
from the warehouse, never from the swapped page itself.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

import browser as browser_kit
from browser import TIMEOUT_MS
from portal.conftest import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
SLOW_PAGE_MS = 90_000  # a dashboard view not yet computed on this warehouse


@pytest.fixture
def demo(settings, demo_config):
    """The portal pointed at the demo warehouse."""
    settings.CONFIG = demo_config
    return demo_config


@pytest.fixture(scope="module")
def chromium():
    """The kit's shared chromium, with Django's async-safety check lifted while it is up (see
    test_journey_browser.chromium: Playwright's sync API runs a loop in this thread)."""
    with browser_kit.chromium_for_django() as chromium:
        yield chromium


@pytest.fixture
def analyst(organisations, cheap_argon2):
    return make_person("ana", "analyst", organisations["council"], PASSWORD)


class Session:
    """A signed-in page, collecting console errors (a refusal by the CSP is one)."""

    def __init__(self, page: Page, base: str):
        self.page, self.base = page, base
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught {e}"))

    def _console(self, message) -> None:
        # chromium asks for /favicon.ico by itself when a page names no icon (tests/browser.py)
        where = message.location.get("url") or ""
        if message.type == "error" and not where.endswith("/favicon.ico"):
            self.errors.append(f"{message.text} ({where})")

    def sign_in(self, username: str) -> None:
        self.page.goto(self.base + "/sign-in/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + "/")

    def drawn(self) -> None:
        """Wait until no view is being fetched and every chart is drawn. Polled from here:
        Playwright's wait_for_function evaluates its predicate with eval in the page when it
        polls, which the portal's Content-Security-Policy refuses (and must keep refusing)."""
        waited = 0
        while not self.page.evaluate(
            "!document.querySelector('main[aria-busy]') && "
            "!document.querySelector('[data-vega-spec]:not([data-drawn])')"
        ):
            assert waited < SLOW_PAGE_MS, f"still drawing after {waited} ms: {self.page.url}"
            self.page.wait_for_timeout(100)
            waited += 100

    def accessible(self) -> None:
        assert browser_kit._axe_violations(self.page) == [], self.page.url
        assert not self.errors, self.errors

    def server_text(self, url: str, selector: str) -> str:
        """The text of selector in the server's full page at url (no partial header)."""
        return self.page.evaluate(
            """([url, selector]) => fetch(url).then((r) => r.text()).then((html) =>
                 new DOMParser().parseFromString(html, "text/html").querySelector(selector)
                 .textContent.replace(/\\s+/g, " ").trim())""",
            [url, selector],
        )


@pytest.fixture
def session(chromium, live_server, analyst, demo):
    context = chromium.new_context(accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(SLOW_PAGE_MS)
    try:
        s = Session(context.new_page(), live_server.url)
        s.sign_in("ana")
        yield s
    finally:
        context.close()


def headline_text(page: Page) -> str:
    return " ".join(page.locator("#headline-success").text_content().split())


def test_a_filter_change_swaps_the_view_and_the_address_and_back_restores_it(session):
    page = session.page
    page.goto(session.base + "/dashboard/")
    session.drawn()
    session.accessible()
    first_url, first_headline = page.url, headline_text(page)
    page.evaluate("window.svdutyMarker = 'still here'")

    page.locator("#id_area").select_option(label="Somerset")
    page.wait_for_url(re.compile(r"area=somerset"))
    expect(page.locator("h1")).to_have_text("Measures and trends: Somerset")
    session.drawn()
    assert page.evaluate("window.svdutyMarker") == "still here"  # no full navigation
    assert parse_qs(urlsplit(page.url).query)["area"] == ["somerset"]
    # the swapped region shows what the server's page for the new address shows
    text = " ".join(page.locator("main").inner_text().split())
    assert headline_text(page) == session.server_text(page.url, "#headline-success")
    assert headline_text(page) != first_headline and "Somerset" in text
    assert page.title().startswith("Measures and trends: Somerset")
    # focus stays on the control changed; the change is announced
    assert page.evaluate("document.activeElement.id") == page.locator("#id_area").get_attribute(
        "id"
    )
    expect(page.locator("#dashboard-status")).to_have_text(re.compile(r"^Updated: Measures"))
    session.accessible()

    # the Show button after choosing a range of years: the same, focus on the heading
    page.locator("#id_start").select_option("2020")
    page.wait_for_url(re.compile(r"start=2020"))
    session.drawn()
    page.get_by_role("button", name="Show").click()
    session.drawn()
    assert page.evaluate("window.svdutyMarker") == "still here"

    page.go_back()
    page.go_back()
    expect(page.locator("h1")).not_to_have_text("Measures and trends: Somerset")
    session.drawn()
    assert page.url == first_url
    assert headline_text(page) == first_headline
    assert page.evaluate("window.svdutyMarker") == "still here"
    page.go_forward()
    expect(page.locator("h1")).to_have_text("Measures and trends: Somerset")
    session.drawn()
    session.accessible()


def test_a_chart_says_its_values_on_hover_and_exports_png_svg_and_csv(session, tmp_path):
    page = session.page
    page.goto(session.base + "/dashboard/?area=somerset")
    session.drawn()
    figure = page.locator("figure.chart").first
    # hover a point: vega-tooltip's box (styled by dashboard.css, its own stylesheet refused
    # by the CSP) says the point's period, whose row is in the figure's data table
    point = figure.locator("svg path[aria-roledescription=point]").first
    point.hover(force=True)
    tip = page.locator("#vg-tooltip-element.visible")
    expect(tip).to_be_visible()
    periods = [" ".join(t.split()) for t in figure.locator("table tbody th").all_text_contents()]
    assert periods and all(periods)
    assert any(p in tip.inner_text() for p in periods), tip.inner_text()
    assert "95% interval" in tip.inner_text()

    # the range of years pans by dragging (an interval selection bound to the x scale): the
    # axis shows other years; Reset zoom draws the chart again with its own
    axis = figure.locator("svg g.role-axis-label").first.locator("text")
    before = axis.all_text_contents()
    box = figure.locator("svg").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 200, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    expect(axis).not_to_have_text(before)
    figure.get_by_role("button", name="Reset zoom").click()
    expect(axis).to_have_text(before)

    saved = {}
    for label in ("Download PNG", "Download SVG", "Download data (CSV)"):
        with page.expect_download() as got:
            figure.get_by_role("button", name=label).click()
        path = tmp_path / got.value.suggested_filename
        got.value.save_as(path)
        saved[label] = path
    assert saved["Download PNG"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert saved["Download SVG"].read_text(encoding="utf-8").lstrip().startswith("<svg")
    rows = list(csv.reader(io.StringIO(saved["Download data (CSV)"].read_text(encoding="utf-8"))))
    head = [" ".join(t.split()) for t in figure.locator("table thead th").all_text_contents()]
    assert rows[0] == head
    assert [r[0] for r in rows[1:]] == periods
    session.accessible()


def test_the_charts_compare_with_another_area_and_keep_its_data_table(session):
    page = session.page
    page.goto(session.base + "/dashboard/?area=somerset")
    session.drawn()
    # a local authority: the force area is on every chart already, as Somerset's comparator
    other = page.locator("#compare-area option:not(:text('force area'))").first
    name, value = other.text_content(), other.get_attribute("value")
    place = name.removesuffix(" (force area)")
    figure = page.locator("figure.chart").first
    spec_id = figure.locator("[data-vega-spec]").get_attribute("data-vega-spec")
    page.locator("#compare-area").select_option(value)
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator(".chart-compare [role=status]")).to_contain_text(
        "now compare with", timeout=SLOW_PAGE_MS
    )
    session.drawn()
    # the legend names the other area; its data table follows the figure's own
    expect(figure.locator("svg g.role-legend")).to_contain_text(place)
    tables = figure.locator("details table")
    expect(tables).to_have_count(2)
    assert place in tables.nth(1).locator("caption").text_content()
    # its series is the other area's own page's: the same periods and values
    url = f"{session.base}/dashboard/?area={value}"
    theirs = session.server_text(url, f"#{spec_id.removesuffix('-spec')} details table tbody")
    assert " ".join(tables.nth(1).locator("tbody").text_content().split()) == theirs
    session.accessible()


def test_a_click_on_the_map_chooses_the_area_then_its_ward(session):
    page = session.page
    page.goto(session.base + "/dashboard/map/")
    page.wait_for_selector(".map-live[data-ready]", timeout=SLOW_PAGE_MS)
    session.accessible()
    page.evaluate("window.svdutyMarker = 'still here'")
    areas = page.evaluate("JSON.parse(document.getElementById('map-areas').textContent)")
    shape = page.locator(".map-live path[data-code]").first
    code = shape.get_attribute("data-code")
    la_code = page.evaluate(
        "(code) => fetch(document.querySelector('.map-live').dataset.geojson).then(r => r.json())"
        ".then(d => d.features.find(f => f.properties.code === code).properties.la_code)",
        code,
    )
    shape.focus()
    page.keyboard.press("Enter")  # the keyboard's click
    page.wait_for_url(re.compile(rf"area={areas[la_code]}"))
    page.wait_for_selector(".map-live[data-ready]", timeout=SLOW_PAGE_MS)
    assert page.evaluate("window.svdutyMarker") == "still here"
    assert page.locator("select[name=area]").input_value() == areas[la_code]

    # in a local authority, a click keeps only the clicked LSOA's ward in the LSOAs' table
    table = page.locator("#fig-map-rates-data")
    head = [" ".join(t.split()) for t in table.locator("thead th").all_text_contents()]
    ward_at = head.index("Ward (2019)")
    rows = [
        [" ".join(c.split()) for c in r.locator("th, td").all_text_contents()]
        for r in table.locator("tbody tr").all()
    ]
    target = page.locator(".map-live path[data-code]").nth(3)
    code = target.get_attribute("data-code")
    ward = next(r[ward_at] for r in rows if r[0] == code)
    target.click(force=True)
    expect(page.locator(".map-filter")).to_be_visible()
    expect(page.locator(".map-filter")).to_contain_text(f"Only the LSOAs of {ward} ward")
    shown = {r[0] for r in rows if r[ward_at] == ward}
    kept = table.locator("tbody tr:not([hidden]) th").all_text_contents()
    assert set(kept) == shown and code in kept and len(kept) < len(rows)
    session.accessible()
    # the static maps export too: SVG, PNG and their data table as CSV
    rates = page.locator("#fig-map-rates")
    with page.expect_download() as got:
        rates.get_by_role("button", name="Download PNG").click()
    assert got.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as got:
        rates.get_by_role("button", name="Download SVG").click()
    assert got.value.path().read_text(encoding="utf-8").lstrip().startswith("<svg")
    with page.expect_download() as got:
        rates.get_by_role("button", name="Download data (CSV)").click()
    with open(got.value.path(), encoding="utf-8", newline="") as f:
        exported = list(csv.reader(f))
    assert exported[0] == head and [r[0] for r in exported[1:]] == [r[0] for r in rows]
    page.get_by_role("button", name="Show every LSOA").click()
    assert table.locator("tbody tr:not([hidden])").count() == len(rows)


def test_without_javascript_the_filters_are_a_form(chromium, live_server, analyst, demo):
    context = chromium.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(SLOW_PAGE_MS)
    try:
        session = Session(context.new_page(), live_server.url)
        session.sign_in("ana")
        page = session.page
        page.goto(session.base + "/dashboard/")
        first = headline_text(page)
        page.locator("#id_area").select_option(label="Somerset")
        assert "area=somerset" not in page.url  # nothing happens until the form is sent
        with page.expect_navigation():
            page.get_by_role("button", name="Show").click()
        assert parse_qs(urlsplit(page.url).query)["area"] == ["somerset"]
        expect(page.locator("h1")).to_have_text("Measures and trends: Somerset")
        # the chart boxes say why they are empty; the tables hold the figures
        expect(page.locator(".print-view")).to_be_hidden()
        assert page.locator("figure.chart table").count() > 0
        assert "Somerset" in headline_text(page) and headline_text(page) != first
    finally:
        context.close()
