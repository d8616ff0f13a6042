"""The dashboard's overview (/dashboard/overview/), the results table it reads, and the
freshness line at the top of every dashboard page.

The tiles are checked against `svduty measures --json` run as a command (its own process, the
whole warehouse, no portal code); the table the worker writes after a load against a fresh
computation by the analysis layer on a warehouse of the test's own; the freshness line against
what the test loaded and agreed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from django.urls import reverse

from svduty import cli
from svduty.analysis.measures.periods import ANNUAL
from svduty.cli import measures as measures_cli
from svduty.portal import dashboard
from svduty.portal.dashboard import caching
from svduty.portal.dashboard.measure_panels import NOT_FOR_AREAS
from svduty.portal.dashboard.results_table import COLUMNS, KEY_COLUMNS, table_key
from svduty.settings import Config

AREAS = ("avon-and-somerset", "somerset")
STREET = Path(__file__).parents[2] / "src/svduty/data/police_uk/street/avon-and-somerset"


@pytest.fixture
def demo(settings, demo_config):
    settings.CONFIG = demo_config
    return demo_config


def signed_in(client, user):
    client.force_login(user)
    return client


class _Tiles(HTMLParser):
    """Each tile by measure: its text, the figure's exact value (the data element's value),
    its period line and its change line; and the freshness line's text."""

    def __init__(self, html: str):
        super().__init__()
        self.tiles: dict[str, dict] = {}
        self.freshness = ""
        self._tile = None
        self._part = None
        self._in_fresh = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li" and (a.get("id") or "").startswith("tile-"):
            self._tile = self.tiles.setdefault(a["id"][5:], {"text": "", "value": None})
        elif self._tile is not None and tag == "data":
            self._tile["value"] = float(a["value"])
        elif self._tile is not None and tag == "p":
            self._part = (a.get("class") or "").split()[0] if a.get("class") else None
            if self._part == "tile-change":
                self._tile["significant"] = a.get("data-significant")
        elif self._tile is not None and tag == "a":
            self._tile["href"] = a["href"]
        elif a.get("id") == "freshness-line":
            self._in_fresh = True

    def handle_endtag(self, tag):
        if tag == "li":
            self._tile = None
        elif tag == "p":
            self._part = None
        elif tag == "span" and self._in_fresh:
            self._in_fresh = False

    def handle_data(self, data):
        if self._tile is not None:
            self._tile["text"] += data
            if self._part:
                self._tile[self._part] = self._tile.get(self._part, "") + data
        if self._in_fresh:
            self.freshness += data


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"[-+]?\d[\d,]*\.?\d*", text)]


@pytest.fixture(scope="module")
def cli_results(demo_config) -> pd.DataFrame:
    """`svduty measures --json` for the overview's areas, as a person would run it."""
    env = {**os.environ, "SVDUTY_HOME": str(demo_config.home), "OMP_NUM_THREADS": "1"}
    areas = [arg for area in AREAS for arg in ("--area", area)]
    periods = [arg for p in ANNUAL for arg in ("--period", p)]
    done = subprocess.run(
        [sys.executable, "-m", "svduty", "measures", "--json", *areas, *periods],
        env=env, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    return pd.DataFrame(json.loads(done.stdout)["results"])


@pytest.mark.parametrize("period_type", ANNUAL)
@pytest.mark.parametrize("area", AREAS)
def test_the_tiles_show_what_svduty_measures_computes(
    client, people, demo, cli_results, area, period_type
):
    viewer = signed_in(client, people["viewer"])
    query = {"area": area, "period_type": period_type}
    page = viewer.get(reverse("portal:dashboard-overview"), query)
    assert page.status_code == 200
    html = page.content.decode()
    tiles = _Tiles(html).tiles
    measures = dashboard.catalogue().measures
    assert list(tiles) == [m.id for m in measures]  # a tile per measure, in the catalogue's order
    code = {a.id: a.code for a in dashboard.areas()}[area]
    shown = 0
    for m in measures:
        tile = tiles[m.id]
        rows = cli_results[
            (cli_results["measure"] == m.id)
            & (cli_results["area_code"] == code)
            & (cli_results["period_type"] == period_type)
        ].sort_values("period_start")
        # the tile leads to the measure's detail on the measures page, for the same choice
        assert tile["href"].startswith(reverse("portal:dashboard") + f"?area={area}&")
        if area != AREAS[0] and m.source in NOT_FOR_AREAS:
            # the measures page's rule: ONS and emergency department figures for the force area
            # only (the command's rows for an authority are not what the partnership reports)
            assert tile["value"] is None and NOT_FOR_AREAS[m.source] in tile["text"], m.id
            assert tile["href"].endswith("#not-shown")
            continue
        assert tile["href"].endswith("#fig-" + m.id if len(rows) else "#not-shown"), m.id
        if tile["value"] is None:
            # never a zero for what could not be measured: it says so, and the command has no
            # rate for the area and kind of period either
            assert "Not measured" in tile["text"], m.id
            assert rows.empty or rows["rate"].isna().all(), m.id
            continue
        shown += 1
        complete = rows[rows["complete"]]
        latest = (complete if len(complete) else rows).iloc[-1]
        assert tile["value"] == pytest.approx(latest["rate"], rel=1e-12), m.id
        assert tile["tile-period"].split()[0] == latest["period"], m.id
        assert ("Incomplete" in tile["tile-period"]) == (not latest["complete"]), m.id
        assert ("Synthetic" in tile["tile-period"]) == bool(rows["synthetic"].any()), m.id
        lower, upper = _numbers(tile["tile-interval"].split("interval")[1])[:2]
        assert (lower, upper) == (round(latest["lower_95"], 2), round(latest["upper_95"], 2))
        change = tile["tile-change"]
        if latest["change_pct"] is None or pd.isna(latest["change_pct"]):
            assert "No change measured" in change, m.id
            continue
        # direction, size and significance recomputed from the command's change and interval
        direction = "Up" if latest["change_pct"] > 0 else "Down"
        assert change.strip().lstrip("▲▼ ").startswith(direction), (m.id, change)
        assert _numbers(change)[0] == round(abs(latest["change_pct"]), 1)
        assert latest["baseline"] in change
        significant = latest["change_lower"] > 0 or latest["change_upper"] < 0
        assert tile["significant"] == ("yes" if significant else "no"), m.id
        assert ("not significant" in change) == (not significant)
    assert shown >= 5  # the demo has figures for most measures in both areas


def test_an_area_the_ons_does_not_publish_for_says_so(client, people, demo):
    viewer = signed_in(client, people["viewer"])
    tiles = _Tiles(
        viewer.get(reverse("portal:dashboard-overview"), {"area": "somerset"}).content.decode()
    ).tiles
    published = tiles["knife-police-published"]
    assert published["value"] is None
    assert "police force areas only" in published["text"]
    assert "0" not in published["text"].replace("0 to 24", "")  # no zero stands in for it
    # hospital returns come by financial year: a calendar year's tile says so
    hospital = tiles["hospital-sharp-object"]
    assert hospital["value"] is None and "by financial year only" in hospital["text"]


def test_without_javascript_the_overview_is_a_form(client, people, demo):
    """The filters are a plain GET form: the choice is read from the address, shown as chosen,
    and a bad choice is refused with words that say what to do."""
    viewer = signed_in(client, people["viewer"])
    url = reverse("portal:dashboard-overview")
    html = viewer.get(url, {"area": "bristol", "period_type": "financial_year"}).content.decode()
    assert '<form method="get" action="/dashboard/overview/"' in html
    assert re.search(r'<option value="bristol"[^>]*selected', html)
    assert re.search(r'value="financial_year"[^>]*checked', html)
    assert "<h1" in html and "Overview: Bristol" in html
    tiles = _Tiles(html).tiles.values()
    periods = {t["tile-period"].split()[0] for t in tiles if t["value"] is not None}
    assert periods and all(re.fullmatch(r"\d{4}/\d{2}", p) for p in periods)
    refused = viewer.get(url, {"area": "atlantis"}).content.decode()
    assert "Choose an area from the list." in refused and "tile-" not in refused
    # the nav leads here first; the portal's Dashboard link is the overview
    assert 'href="/dashboard/overview/">Dashboard</a>' in html
    nav = html.split('aria-label="Dashboard"')[1]
    assert nav.index("Overview") < nav.index("Measures and trends")


def test_the_sparkline_has_its_figures_in_words():
    svg, text = dashboard.overview.sparkline(
        [("2019", 4.0), ("2020", None), ("2021", 2.5), ("2022", 3.0)], "Rate", "Calendar year (x)"
    )
    assert svg.count("<polyline") == 1  # 2021-2022; 2019 stands alone before the gap
    assert 'aria-hidden="true"' in svg
    assert text == (
        "Rate by calendar year, 2019 to 2022: 4 in 2019, 3 in 2022; lowest 2.50 (2021), "
        "highest 4 (2019). No figure for 2020."
    )
    assert dashboard.overview.sparkline([("2019", 1.0)], "Rate", "x") == ("", "")


# ---- the results table after a load, and the freshness line ------------------------------------


@pytest.fixture(scope="module")
def small_home(tmp_path_factory) -> Path:
    """`svduty init` and two real police.uk months: a warehouse small enough to load into."""
    home = tmp_path_factory.mktemp("overview") / "home"
    config = Config.from_env({"SVDUTY_HOME": str(home), "SVDUTY_LOADED_BY": "pytest"})
    cli.init(config)
    cli.ingest(config, [STREET / f"2019-0{m}-avon-and-somerset-street.csv.gz" for m in (1, 2)])
    return home


@pytest.fixture
def small(small_home, tmp_path, settings) -> Config:
    home = tmp_path / "home"
    shutil.copytree(small_home, home)
    config = Config.from_env({"SVDUTY_HOME": str(home), "SVDUTY_LOADED_BY": "pytest"})
    settings.CONFIG = config
    settings.HOME = home
    dashboard.forget()
    return config


def _table(config: Config) -> tuple[pd.DataFrame, object]:
    """The results table as the worker left it for the warehouse as it is now (read, never
    computed here: only_ready raises if the worker did not write it)."""
    with dashboard.reading() as wh:
        version = dashboard.data_version(wh)
        caching.DATA.clear()  # this process's memory: only what is on disk
        parts = []
        with caching.only_ready():
            for area in {a.pfa_code: a for a in dashboard.areas()}.values():
                parts.append(caching.DATA.get(table_key(wh, version, config, area), None))
    return pd.concat(parts, ignore_index=True), version


@pytest.mark.warms_dashboards
def test_after_a_load_the_table_the_worker_writes_equals_a_fresh_computation(small, db):
    from svduty.portal import tasks

    tasks.warm_dashboards.call()
    before, version_before = _table(small)
    cli.ingest(small, [STREET / "2019-03-avon-and-somerset-street.csv.gz"])  # a load
    tasks.warm_dashboards.call()  # what the worker does after each load
    after, version_after = _table(small)
    assert version_after != version_before
    fresh = pd.DataFrame(measures_cli.measures(small, period_types=ANNUAL))
    codes = {a.code for a in dashboard.areas()}
    fresh = fresh[fresh["area_code"].isin(codes)].loc[:, list(COLUMNS)]
    mine = after[after["area_code"].isin(codes)]

    def keyed(frame):
        return frame.set_index(list(KEY_COLUMNS)).sort_index()

    mine, fresh = keyed(mine), keyed(fresh)
    assert list(mine.index) == list(fresh.index)
    for column in mine.columns:
        left, right = mine[column], fresh[column]
        if left.dtype.kind == "f" or right.dtype.kind == "f":
            pd.testing.assert_series_equal(
                left.astype(float).reset_index(drop=True),
                right.astype(float).reset_index(drop=True),
                check_names=False,
                rtol=1e-12,
            )
        else:
            as_text = lambda s: s.map(lambda v: None if v is None or v != v else str(v))  # noqa: E731
            assert as_text(left).tolist() == as_text(right).tolist(), column
    # and the load shows: March 2019 counts in the force area's 2019 now
    violence = ("police-uk-violence", "E23000036", "calendar_year", "2019")
    assert keyed(after).loc[violence, "count"] > keyed(before).loc[violence, "count"]
    assert keyed(after).loc[violence, "months_covered"] == 3


def test_the_freshness_line_names_a_missing_feed(client, people, organisations, small):
    from svduty.portal.models import Agreement

    today = date.today()
    fire = Agreement.objects.create(
        title="Fire data sharing", purpose="The duty", legal_basis="s16", gdpr_basis="6(1)(e)",
        data_categories="Counts", feeds=["fire"], retention="2 years",
        starts=today - timedelta(days=30), review_date=today + timedelta(days=300),
        owner=organisations["council"],
    )  # fmt: skip
    fire.parties.add(organisations["council"])
    viewer = signed_in(client, people["viewer"])
    for name in ("portal:dashboard-overview", "portal:dashboard", "portal:dashboard-map"):
        html = viewer.get(reverse(name)).content.decode()
        line = " ".join(_Tiles(html).freshness.split())
        assert "Missing: Fire and rescue: deliberate fires and attacks on crews" in line, name
        assert "the latest up to March 2019" not in line  # two months loaded, not three
        assert "the latest up to February 2019" in line, name
        assert "Data held: 1 of" in line  # police.uk only (init loads reference data)
        assert "no schedule agreed" in line
        row = re.search(r'<tr id="freshness-fire">(.*?)</tr>', html, re.S).group(1)
        assert "Missing: nothing loaded" in row and "Fire data sharing" in row
        row = re.search(r'<tr id="freshness-police-uk-street">(.*?)</tr>', html, re.S).group(1)
        assert "February 2019" in row
    fire.withdrawn = True  # no agreement in force: not missing, only not held
    fire.save()
    html = viewer.get(reverse("portal:dashboard-overview")).content.decode()
    assert "Missing:" not in _Tiles(html).freshness


def test_after_a_load_the_overview_shows_the_last_warmed_tiles_and_says_so(
    client, people, demo, settings, monkeypatch
):
    """While the worker catches up with a load, the overview is made from the table it last
    finished, says so, and computes nothing while the person waits (catching_up)."""
    from portal.test_dashboard import _a_later_version
    from svduty.portal.dashboard import catching_up, results

    settings.DASHBOARD_WARMING = True
    viewer = signed_in(client, people["viewer"])
    url, query = reverse("portal:dashboard-overview"), {"area": "bristol"}
    with dashboard.reading() as wh:
        now = dashboard.data_version(wh)
        catching_up.record_warmed(wh, now)
    before = _Tiles(viewer.get(url, query).content.decode()).tiles
    later = _a_later_version(now)
    monkeypatch.setattr(dashboard, "data_version", lambda wh: later)
    caching.DATA.clear()
    caching.TILES.clear()  # another web worker: only what is on disk

    def refuse(*args, **kwargs):
        raise AssertionError("a measure was computed while a person waited")

    monkeypatch.setattr(results, "compute", refuse)
    html = viewer.get(url, query).content.decode()
    assert 'id="behind-latest-load"' in html
    assert f"committed at {later.newest_load_at:%H:%M} UTC" in html
    assert _Tiles(html).tiles == before
