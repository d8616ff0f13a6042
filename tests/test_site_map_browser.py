"""The public site's interactive map (issue 12), opened in Debian's chromium on the demo build.

The map is drawn by the vendored Leaflet from the GeoJSON the site publishes (one shape per MSOA,
coloured as the static map), a hover or keyboard focus shows the values of that file, the map
zooms, no request leaves the site, and without JavaScript the static SVG is what a reader gets.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from browser import TIMEOUT_MS, _axe_violations, assert_clean, check_page, serve_dir
from svduty.cli.products import DEMO_AREAS

pytestmark = pytest.mark.browser

AREA = DEMO_AREAS[1]  # somerset: two maps, the knife one mostly withheld


@pytest.fixture(scope="module")
def site(demo_config):
    return demo_config.home / "site"


def _features(site, measure: str) -> dict[str, dict]:
    path = site / AREA / "data" / f"msoa-{measure}.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["area_code"]: f["properties"] for f in data["features"]}


def _number(value, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _open(page, base: str) -> list[str]:
    """Open the area's map page, wait for every interactive map; return every URL requested."""
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{base}{AREA}/map.html", wait_until="load")
    boxes = page.locator(".map-interactive")
    for i in range(boxes.count()):
        boxes.nth(i).and_(page.locator("[data-ready]")).wait_for(timeout=TIMEOUT_MS)
    return requested


def test_the_map_draws_each_published_msoa_with_its_gated_values(site, page):
    with serve_dir(site) as base:
        requested = _open(page, base)
        figures = page.locator("figure.chart:has(.map-interactive)")
        assert figures.count() == 2  # police-uk-violence and knife-police
        for measure in ("police-uk-violence", "knife-police"):
            published = _features(site, measure)
            fig = page.locator(f"#map-{measure}")
            assert fig.locator(".leaflet-container").count() == 1
            paths = fig.locator("path[data-code]")
            codes = paths.evaluate_all("ps => ps.map(p => p.getAttribute('data-code'))")
            assert sorted(codes) == sorted(published)  # one path per MSOA, no other
            key = json.loads(fig.locator(".map-interactive").get_attribute("data-key"))
            digits = key["digits"]
            released = [c for c, p in published.items() if isinstance(p["count"], int)]
            withheld = [c for c, p in published.items() if p["count"] == "[c]"]
            for code in released[:2] + withheld[:2]:
                p = published[code]
                shape = fig.locator(f'path[data-code="{code}"]')
                shape.scroll_into_view_if_needed()
                box = shape.bounding_box()
                # hover at a point inside the shape (its centre may fall in a neighbour)
                inside = shape.evaluate(
                    """p => { const l = p.getTotalLength(), b = p.getBBox();
                    const svg = p.ownerSVGElement, m = p.getScreenCTM();
                    for (let i = 0; i < 400; i++) {
                      const x = b.x + b.width * ((i % 20) + 0.5) / 20;
                      const y = b.y + b.height * (Math.floor(i / 20) + 0.5) / 20;
                      const pt = svg.createSVGPoint(); pt.x = x; pt.y = y;
                      if (p.isPointInFill(pt)) { const s = pt.matrixTransform(m);
                        if (document.elementFromPoint(s.x, s.y) === p) return [s.x, s.y]; }
                    } return null; }"""
                )
                assert inside, f"{code}: no visible point of its shape (box {box})"
                page.mouse.move(*inside)
                # the last shape's tooltip may still be fading out: find this one's
                tip = fig.locator(".leaflet-tooltip", has_text=f"({code})")
                tip.wait_for(timeout=TIMEOUT_MS)
                text = tip.inner_text()
                assert p["area"] in text and code in text
                if code in withheld:
                    assert "withheld" in text and "rate" not in text
                else:
                    assert f"count {_number(p['count'], 0)}" in text
                    assert f"rate {_number(p['rate'], digits)}" in text
                    assert f"{_number(p['lower_95'], digits)} to " in text
                    assert _number(p["upper_95"], digits) in text
                page.mouse.move(0, 0)
            # colours: each released MSOA the colour of its class in the static map's key
            fills = dict(
                paths.evaluate_all(
                    "ps => ps.map(p => [p.getAttribute('data-code'), p.getAttribute('fill')])"
                )
            )
            for code in released:
                assert fills[code] == key["classes"][key["class_of"][code]]["colour"]
            for code in withheld:
                assert fills[code] == key["missing"]["colour"]
                assert code not in key["class_of"]
        # nothing outside the site: no tiles, no fonts, no CDN
        here = urlsplit(base).netloc
        outside = [u for u in requested if urlsplit(u).netloc != here and not u.startswith("data:")]
        assert outside == []
        assert any(u.endswith("/leaflet.js") for u in requested)


# no zoom animating in the map (Leaflet marks the map's container while one runs)
_STILL = "() => !document.querySelector('#map-police-uk-violence .leaflet-zoom-anim')"
_CENTRAL_SHAPE = """f => {
    const box = f.querySelector('.leaflet-container').getBoundingClientRect();
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    let best = null, nearest = Infinity;
    for (const p of f.querySelectorAll('path[data-code]')) {
        const r = p.getBoundingClientRect();
        if (r.width > box.width / 4 || r.height > box.height / 4) continue;
        const d = Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy);
        if (d < nearest) { nearest = d; best = p.getAttribute('data-code'); }
    }
    return best;
}"""


def test_keyboard_focus_shows_an_msoa_and_the_map_zooms(site, page):
    with serve_dir(site) as base:
        _open(page, base)
        fig = page.locator("#map-police-uk-violence")
        # a small shape near the map's centre, which zooming in keeps whole in view: Leaflet
        # clips shapes to the view, so one at an edge, or one that fills the view once zoomed,
        # does not grow and shrink with the map
        code = fig.evaluate(_CENTRAL_SHAPE)
        # by its code: focus brings the shape to the front, which reorders the paths
        first = fig.locator(f'path[data-code="{code}"]')
        p = _features(site, "police-uk-violence")[code]
        first.focus()
        tip = fig.locator(".leaflet-tooltip", has_text=f"({code})")
        tip.wait_for(timeout=TIMEOUT_MS)
        assert p["area"] in tip.inner_text()
        assert first.get_attribute("aria-label") == tip.inner_text()
        page.wait_for_function(_STILL)
        before = first.bounding_box()["width"]
        fig.get_by_role("button", name="Zoom in").click()
        page.wait_for_function(
            "([code, w]) => document.querySelector(`#map-police-uk-violence "
            "path[data-code='${code}']`).getBoundingClientRect().width > 1.5 * w",
            arg=[code, before],
            timeout=TIMEOUT_MS,
        )
        # the keyboard zooms too, once the map itself has focus (and the zoom has ended:
        # Leaflet ignores a zoom asked for while one is animating)
        page.wait_for_function(_STILL)
        fig.locator(".leaflet-container").focus()
        wider = first.bounding_box()["width"]
        page.keyboard.press("-")
        page.wait_for_function(
            "([code, w]) => document.querySelector(`#map-police-uk-violence "
            "path[data-code='${code}']`).getBoundingClientRect().width < 0.75 * w",
            arg=[code, wider],
            timeout=TIMEOUT_MS,
        )


def test_the_drawn_map_page_is_clean_and_accessible(site, page):
    with serve_dir(site) as base:
        report = check_page(page, f"{base}{AREA}/map.html")
        assert_clean(report)
        _open(page, base)  # axe again, now the maps are drawn
        assert _axe_violations(page) == []
        # the static map is hidden on screen once the interactive one is up, and printed
        fig = page.locator("#map-police-uk-violence")
        assert not fig.locator(".chart-image svg").is_visible()
        page.emulate_media(media="print")
        assert fig.locator(".chart-image svg").is_visible()
        assert not fig.locator(".map-interactive").is_visible()


def test_without_javascript_the_static_map_is_there(site, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        with serve_dir(site) as base:
            page.goto(f"{base}{AREA}/map.html", wait_until="load")
            for measure in ("police-uk-violence", "knife-police"):
                fig = page.locator(f"#map-{measure}")
                assert fig.locator(".chart-image svg").is_visible()
                assert not fig.locator(".map-interactive").is_visible()
                assert fig.locator(".leaflet-container").count() == 0
    finally:
        context.close()


def test_the_map_page_runs_no_inline_script(site):
    """The site's pages load scripts from its own files only (a strict CSP can forbid inline)."""
    html = (site / AREA / "map.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 2
    for attrs, body in scripts:
        assert body.strip() == ""
        assert re.search(r'src="\.\./assets/', attrs)
    assert (site / "assets" / "vendor" / "leaflet" / "1.9.4" / "LICENSE").is_file()
    assert "on" + "mouseover=" not in html and "javascript:" not in html
