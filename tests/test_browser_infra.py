"""The browser checker itself: it passes a good page and finds each problem on a bad one.

The pages are hand-written fixtures (tests/fixtures/browser/), each problem on the bad page put
there on purpose, so a checker that cannot fail would fail here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import (
    assert_accessible,
    assert_clean,
    browser_fixture,  # noqa: F401  (registers the `browser` fixture)
    check_page,
    chromium_path,
    crawl,
    page_fixture,  # noqa: F401  (registers the `page` fixture)
    serve_dir,
)

pytestmark = pytest.mark.browser

SITES = Path(__file__).resolve().parent / "fixtures" / "browser"


@pytest.fixture(scope="module")
def module_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def good(module_page):
    """The good site crawled from its index: (base URL, reports)."""
    with serve_dir(SITES / "good") as base:
        yield base, crawl(module_page, base)


@pytest.fixture(scope="module")
def bad(module_page):
    """The bad page checked: (base URL, report)."""
    with serve_dir(SITES / "bad") as base:
        yield base, check_page(module_page, base + "index.html")


def test_good_site_is_clean(good):
    _, reports = good
    assert_clean(reports)
    assert_accessible(reports)
    assert all(r.status == 200 for r in reports)


def test_crawl_visits_each_linked_html_page_once(good):
    base, reports = good
    # index.html, "./" and "index.html#..." are one page; data.csv and GOV.UK are not crawled
    assert [r.url for r in reports] == [base + "index.html", base + "second.html"]
    assert reports[0].external_links == ["https://www.gov.uk/"]


def test_bad_page_loads_but_logs_the_script_error(bad):
    _, report = bad
    assert report.status == 200
    assert any("chart failed to draw" in e for e in report.console_errors)


@pytest.mark.parametrize(
    ("rule", "impact"),
    [
        ("image-alt", "critical"),  # <img> with no alt
        ("html-has-lang", "serious"),  # <html> with no lang
        ("color-contrast", "serious"),  # #ccc on white is 1.6:1, AA needs 4.5:1
        ("svg-img-alt", "serious"),  # <svg role="img"> with no name
    ],
)
def test_axe_finds_each_violation_on_the_bad_page(bad, rule, impact):
    _, report = bad
    found = {v.rule: v for v in report.violations}
    assert rule in found, f"axe did not report {rule}; it reported {sorted(found)}"
    assert found[rule].impact == impact
    assert found[rule].targets  # says where


def test_broken_links_and_fragments_are_found(bad):
    base, report = bad
    reasons = {b.href: b.reason for b in report.broken_links}
    assert set(reasons) == {"missing.html", "#nowhere", "other.html#nowhere"}
    assert "HTTP 404" in reasons["missing.html"]
    assert "'nowhere'" in reasons["other.html#nowhere"]
    # the link that works is followed, the broken one is not
    assert report.pages == [base + "other.html"]


def test_graphics_without_text_alternative_are_found(bad):
    _, report = bad
    # the <img>, the unnamed chart svg and the loose svg; the named chart svg is fine
    assert len(report.missing_alternatives) == 3
    assert sum("<svg" in m for m in report.missing_alternatives) == 2
    assert not any("aria-label" in m for m in report.missing_alternatives)


def test_chart_problems_are_found(bad):
    _, report = bad
    problems = report.chart_problems
    assert len(problems) == 2, problems
    assert any("#chart-without-table" in p and "no data table" in p for p in problems)
    assert any("#unlabelled-chart" in p and "no text alternative" in p for p in problems)


def test_assertions_list_every_problem_readably(bad):
    _, report = bad
    with pytest.raises(AssertionError) as raised:
        assert_clean(report)
    message = str(raised.value)
    for expected in ("image-alt", "html-has-lang", "color-contrast", "missing.html", "#nowhere"):
        assert expected in message
    assert "chart failed to draw" in message
    with pytest.raises(AssertionError) as raised:
        assert_accessible(report)
    assert "missing.html" not in str(raised.value)  # links are not an accessibility check


def test_page_answering_404_is_reported(page):
    with serve_dir(SITES / "good") as base:
        report = check_page(page, base + "no-such-page.html")
    assert report.status == 404
    assert report.problems() == ["page answered HTTP 404, not 200"]


def test_directories_without_index_answer_404_like_a_static_host(page, tmp_path):
    (tmp_path / "reports").mkdir()
    with serve_dir(tmp_path) as base:
        response = page.request.get(base + "reports/", fail_on_status_code=False)
    assert response.status == 404


def test_missing_chromium_fails_rather_than_skips(monkeypatch, tmp_path):
    monkeypatch.setenv("SVDUTY_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium_path()
