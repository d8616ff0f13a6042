"""What `svduty demo` builds, opened in Debian's chromium: the needs assessment, the strategy and
the annual review of Avon and Somerset and of Somerset, and the public site (with the annual
review's public page).

Every page renders (HTTP 200, no script errors), every link lands (including the strategy's links
to the findings of the assessment), axe-core finds no serious or critical WCAG 2.2 AA violation,
and every chart has a text alternative and a data table.
"""

from __future__ import annotations

import re

import pytest

from browser import assert_clean, check_page, crawl, serve_dir
from svduty.cli.products import DEMO_AREAS, DEMO_REVIEW_YEAR

pytestmark = pytest.mark.browser

PRODUCTS = ("sna", "strategy", f"review-{DEMO_REVIEW_YEAR}")


@pytest.fixture(scope="module")
def module_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("area", DEMO_AREAS)
@pytest.mark.parametrize("product", PRODUCTS)
def test_each_product_page_is_clean(demo_config, module_page, area, product):
    with serve_dir(demo_config.home / "products") as base:
        report = check_page(module_page, f"{base}{area}/{product}/index.html")
    assert_clean(report)
    assert report.status == 200


def test_the_strategy_links_to_figures_the_assessment_has(demo_config):
    """A priority's finding points at a figure of the assessment: the link must land."""
    for area in DEMO_AREAS:
        strategy = (demo_config.home / "products" / area / "strategy" / "index.html").read_text()
        sna = (demo_config.home / "products" / area / "sna" / "annex.html").read_text()
        refs = re.findall(r'href="\.\./sna/annex\.html#([^"]+)"', strategy)
        assert refs, f"{area}: the strategy links to no finding of the assessment"
        ids = set(re.findall(r'id="([^"]+)"', sna))
        assert set(refs) <= ids, f"{area}: links to missing figures {set(refs) - ids}"


def test_the_public_site_is_clean_on_every_page(demo_config, module_page):
    with serve_dir(demo_config.home / "site") as base:
        reports = crawl(module_page, base)
    assert_clean(reports)
    visited = {r.url.removeprefix(base) for r in reports}
    for area in DEMO_AREAS:  # each published area's pages were reached by links from the home
        for page in ("index.html", "measures.html", "map.html", "strategy.html", "review.html"):
            assert f"{area}/{page}" in visited
    # the checks above covered charts: make sure there were charts to check
    measures = (demo_config.home / "site" / DEMO_AREAS[1] / "measures.html").read_text()
    assert measures.count('<figure class="chart"') >= 3
