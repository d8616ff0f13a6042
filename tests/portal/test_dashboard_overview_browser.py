"""The overview in chromium: it fits one screen of 1366 by 768 for the force area and for a
local authority, axe-core finds no serious or critical WCAG violation, its links (each tile's
to its measure's chart on the measures page) land, and the form works by keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import browser as browser_kit
from browser import TIMEOUT_MS, LinkCache, assert_clean, check_page
from portal.conftest import make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.warms_dashboards,
    pytest.mark.django_db(transaction=True),
]

SCREEN = {"width": 1366, "height": 768}
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def chromium():
    """The kit's shared chromium, with Django's async check lifted while it is up (as in
    test_journey_browser: Playwright's sync API runs an event loop in this thread)."""
    with browser_kit.chromium_for_django() as chromium:
        yield chromium


@pytest.fixture
def page(chromium, settings, demo_config, organisations):
    settings.CONFIG = demo_config
    make_person("vi", "viewer", organisations["icb"], PASSWORD)
    context = chromium.new_context(viewport=SCREEN)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(120_000)  # a cold measures page computes
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_overview_fits_one_screen_and_is_accessible(page, live_server):
    from svduty.portal.dashboard import warming

    warming.warm()  # as the portal's worker does when it starts: the links checked are ready
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Username").fill("vi")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/")
    # the portal's Dashboard link opens the overview
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.wait_for_url(live_server.url + "/dashboard/overview/")
    cache = LinkCache()
    for query in ("", "?area=somerset&period_type=financial_year"):
        url = live_server.url + "/dashboard/overview/" + query
        assert_clean(check_page(page, url, cache=cache))
        page.goto(url)
        tiles = page.locator("li.tile")
        assert tiles.count() == 14
        # every tile within the first screen, nothing to scroll to (the footer aside)
        for i in range(tiles.count()):
            box = tiles.nth(i).bounding_box()
            assert box["y"] + box["height"] <= SCREEN["height"], (query, i, box)
            assert box["x"] + box["width"] <= SCREEN["width"], (query, i, box)
    # by keyboard alone: choose an area and period and show them
    page.goto(live_server.url + "/dashboard/overview/")
    page.get_by_label("Area").focus()
    page.keyboard.press("End")  # the last local authority
    page.get_by_label("Financial year (April to March)").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/overview/?area=*financial_year*")
    expect(page.locator("h1")).to_contain_text("Overview: Somerset")
