"""The whole journey of issue 6 in Debian's chromium, against the portal served by pytest-django's
live server over real HTTP, with the demo warehouse (a copy) and the demo's organisations and
people (svduty.portal.seed):

1. a police data lead signs in through the sign-in form, reads the dashboard, uploads a synthetic
   police-crime extract with errors, watches the background check and reads the report (the rows
   the test broke are listed),
   uploads the corrected file and confirms the load; the background task runs (claimed from
   django-tasks' database queue as the worker does, no worker process running) and the upload
   page, polling its status, shows "Loaded"; the dashboard's knife crime count for the year goes
   up by exactly the knife crimes the file added;
2. a partnership analyst drafts Somerset's strategy (built by the task) and sends it to two board
   members; each signs in and approves; the analyst publishes (the task builds the public site);
3. anyone opens /public/ and finds the strategy's approved words;
4. the audit log holds every step.

Every page visited is checked as a reader meets it (tests/browser.py: check_page then
assert_clean): it loads, no console error, its links land, axe-core finds no serious or critical
WCAG 2.2 AA violation, every image and chart has a text alternative and every chart a table.

The extract is made by svduty.synth and changed here; what the report and the dashboard must show
comes from those changes and from the Home Office definition's rule (offence 8N with the knife
flag is counted), not from the portal's output.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import re
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

import browser as browser_kit
from browser import TIMEOUT_MS, LinkCache, assert_clean, check_page
from portal.conftest import csv_bytes
from portal.worker import run_queued_tasks
from svduty import partnership, synth
from svduty.portal import seed
from svduty.portal.models import AuditEvent, Membership, Organisation, Upload
from svduty.products.strategy import file as strategies

# the demo's whole path, so on SQLite (the demo's portal database) as well as PostgreSQL
pytestmark = [
    pytest.mark.browser,
    pytest.mark.sqlite,
    pytest.mark.warms_dashboards,
    pytest.mark.django_db(transaction=True),
]

MONTH = "2018-06"
# every row's recorded date: a scope no demo load has, so the load replaces none
RECORDED = "2018-06-15"
ROWS = 60  # rows of the synthetic month kept
KNIFE_LINES = (40, 41, 42, 43, 44)  # made knife-enabled assaults with injury (8N, knife flag Y)
# line (the header is line 1) -> (column, bad value); the report must name these lines
CORRUPT = {
    5: ("Recorded date", "2018-13-45"),
    12: ("Victim age", "200"),
    20: ("Offence code", "ZZZ"),
    33: ("LSOA code", "E01999999"),
}
FORCE_AREA = "avon-and-somerset"
KNIFE_MEASURE = "knife-police"  # Home Office core, knife_enabled strand, from police_crime
APPROVED = "Wording the board approved in the journey test"
SUMMARY_START = "The Somerset Violence Reduction Partnership's plan"
BOARD_2 = ("board-2", "another board member's passphrase")
PRISON = "HMP Journey"
PRISON_SAID = "Prison leavers need a place to live on release day"
SLOW_PAGE_MS = 90_000  # the dashboards compute every measure on a warehouse that just changed


# ---- the data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> dict:
    """A synthetic month's first rows, made the test's own: fresh crime references (no demo
    load holds them), one recorded date, knife flags off except on KNIFE_LINES, which are
    assaults with injury with a knife; then the corrected file and a copy broken at CORRUPT."""
    out = tmp_path_factory.mktemp("journey-synth")
    made = synth.generate(23, out, months=[MONTH])
    (police,) = [f for f in made.files if f.feed == "police-crime"]
    text = gzip.decompress((out / police.path).read_bytes()).decode("utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    col = {name: header.index(name) for name in header}
    rows = [list(r) for r in rows if r[col["LSOA code"]]][:ROWS]
    for n, r in enumerate(rows):
        line = n + 2
        r[col["Crime reference"]] = f"JOURNEY/18/{line:05d}"
        r[col["Recorded date"]] = RECORDED
        r[col["Offence from"]] = "2018-06-14 21:30"
        r[col["Offence to"]] = ""
        knife = line in KNIFE_LINES
        r[col["Knife or sharp instrument"]] = "Y" if knife else "N"
        if knife:
            r[col["Offence code"]] = "8N"
    corrupted = [list(r) for r in rows]
    for line, (column, value) in CORRUPT.items():
        assert line not in KNIFE_LINES
        corrupted[line - 2][col[column]] = value
    shutil.rmtree(out)
    return {"corrected": csv_bytes(header, rows), "corrupted": csv_bytes(header, corrupted)}


@pytest.fixture
def journey_home(demo_config, settings, tmp_path):
    """A data directory of the test's own with a copy of the demo warehouse (the load writes
    to it), Somerset's strategy with words of the test's own, and the demo's partnership and
    key (read only); the portal's settings point at it."""
    home = tmp_path / "home"
    home.mkdir()
    warehouse = Path(demo_config.warehouse_url.removeprefix("duckdb://"))
    shutil.copy2(warehouse, home / "warehouse.duckdb")
    text = strategies.examples()["somerset"].read_text(encoding="utf-8")
    assert SUMMARY_START in text
    (home / "strategies").mkdir()
    (home / "strategies" / "somerset.yaml").write_text(
        text.replace(SUMMARY_START, APPROVED), encoding="utf-8"
    )
    config = dataclasses.replace(
        demo_config, home=home, warehouse_url=f"duckdb:///{home / 'warehouse.duckdb'}"
    )
    settings.CONFIG = config
    settings.HOME = home
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    settings.PRODUCTS_ROOT = tmp_path / "products"
    return config


@pytest.fixture
def demo_people(journey_home, cheap_argon2) -> dict[str, str]:
    """The demo's organisations, agreements and people (username -> the password the seed
    prints once), and a second board member."""
    made = seed.seed(partnership.load(journey_home.partnership_path))
    passwords = {u.username: u.password for u in made}
    pcc = Organisation.objects.get(kind=Organisation.Kind.PCC)
    user = get_user_model().objects.create_user(username=BOARD_2[0], password=BOARD_2[1])
    Membership.objects.create(user=user, organisation=pcc, role="board")
    return passwords | dict([BOARD_2])


# ---- the worker --------------------------------------------------------------------------------


def run_worker() -> int:
    return run_queued_tasks("pytest-journey")


# ---- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    """The kit's shared chromium, held for this module only (browser.chromium_for_django)."""
    with browser_kit.chromium_for_django() as chromium:
        yield chromium


@pytest.fixture
def journey_page(chromium):
    """A fresh context and page (no cookies), with room for the slow dashboard pages."""
    context = chromium.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(SLOW_PAGE_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@dataclasses.dataclass
class Visitor:
    """The browser of one person after another: every page visited is checked."""

    page: Page
    base: str
    visited: list[str] = dataclasses.field(default_factory=list)
    cache: LinkCache = dataclasses.field(default_factory=LinkCache)

    def url(self, path: str) -> str:
        return self.base + path

    def visit(self, path_or_url: str) -> None:
        """Open the page and check it as a reader meets it; fail on any problem."""
        url = path_or_url if path_or_url.startswith("http") else self.url(path_or_url)
        report = check_page(self.page, url, cache=self.cache)
        assert_clean(report)
        self.visited.append(url.removeprefix(self.base))

    def check_here(self) -> None:
        """Check the page the browser is on (after a form took it there)."""
        self.visit(self.page.url)

    def sign_in(self, username: str, password: str) -> None:
        self.cache = LinkCache()  # what a link answers depends on who follows it
        self.visit("/sign-in/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.url("/"))
        self.check_here()
        expect(self.page.locator("footer")).to_contain_text(f"signed in as {username}")

    def sign_out(self) -> None:
        self.page.get_by_role("button", name=re.compile(r"^Sign out")).click()
        self.page.wait_for_url(re.compile(r"/sign-in/"))
        self.cache = LinkCache()

    def submit(self, button: str, url: str | re.Pattern) -> None:
        self.page.get_by_role("button", name=button).click()
        self.page.wait_for_url(url)


def knife_count(v: Visitor) -> int:
    """Choose 2018 in the dashboard's filters, show, and read the knife crime count."""
    v.visit("/dashboard/")
    v.page.get_by_label("Area", exact=True).select_option(FORCE_AREA)
    v.page.get_by_label("From", exact=True).select_option("2018")
    v.page.get_by_label("To", exact=True).select_option("2018")
    # the filters apply as they change (portal/dashboard.js): wait for the address of all three
    v.submit("Show", re.compile(r"/dashboard/\?.*start=2018&end=2018"))
    v.check_here()
    charts_drawn(v)
    cells = v.page.locator(f"#headline-{KNIFE_MEASURE} td")
    expect(cells.nth(0)).to_have_text("2018")
    return int(cells.nth(1).inner_text().replace(",", ""))


def charts_drawn(v: Visitor) -> None:
    """Every trend chart the page sends as a specification is drawn by the browser as SVG, under
    the portal's Content-Security-Policy (no eval, no inline style), with no console error
    while drawing, and none failed."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_error(error) -> None:
        errors.append(f"uncaught {error}")

    v.page.on("console", on_console)
    v.page.on("pageerror", on_error)
    try:
        v.page.reload()
        boxes = v.page.locator("[data-vega-spec]")
        assert boxes.count() >= 1
        expect(v.page.locator("[data-vega-spec]:not([data-drawn])")).to_have_count(0)
    finally:
        v.page.remove_listener("console", on_console)
        v.page.remove_listener("pageerror", on_error)
    assert errors == []
    assert v.page.locator("[data-vega-spec][data-drawn='failed']").count() == 0
    assert v.page.locator("[data-vega-spec][data-drawn='yes'] svg").count() == boxes.count()
    # each drawn chart has marks (its line and points), not an empty frame
    assert v.page.locator("[data-vega-spec] svg path").count() > boxes.count()


def upload(v: Visitor, name: str, content: bytes) -> int:
    """Upload a police-crime file through the form; the new upload's id."""
    v.visit("/uploads/new/")
    v.page.get_by_label(re.compile(r"\(police-crime\)")).check()
    v.page.set_input_files(
        "#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    v.submit("Upload and check", re.compile(r"/uploads/\d+/$"))
    # the worker checks it; the page shows the check's progress and reloads when it is done.
    # exact: Playwright matches a role's name as a case-insensitive substring by default, and
    # the report's own heading ("What checking the file found") would match it
    checking = v.page.get_by_role("heading", name="Checking the file", exact=True)
    expect(checking).to_be_visible()
    v.check_here()
    assert run_worker() == 1
    expect(checking).to_have_count(0)
    v.check_here()
    return int(re.search(r"/uploads/(\d+)/$", v.page.url).group(1))


def error_lines(v: Visitor) -> dict[int, str]:
    """The report's row errors: line -> field."""
    rows = v.page.locator("#row-errors tbody tr")
    return {
        int(rows.nth(i).locator("td").nth(0).inner_text()): rows.nth(i)
        .locator("td")
        .nth(1)
        .inner_text()
        for i in range(rows.count())
    }


# ---- the journey -------------------------------------------------------------------------------


def test_the_whole_journey_in_a_browser(
    chromium, live_server, journey_page, journey_home, demo_people, extract
):
    page = journey_page
    v = Visitor(page, live_server.url)

    # 1. a police data lead: the dashboard, an extract with errors, the corrected one, loaded
    v.sign_in("police-lead", demo_people["police-lead"])
    before = knife_count(v)

    first = upload(v, "force-extract-june-with-errors.csv", extract["corrupted"])
    lines = error_lines(v)
    assert set(lines) == set(CORRUPT), lines
    assert lines[12] == "Victim age" and lines[33] == "LSOA code"
    expect(page.get_by_role("button", name=re.compile(r"^Load "))).to_have_text(
        f"Load {ROWS - len(CORRUPT)} rows"
    )

    second = upload(v, "force-extract-june.csv", extract["corrected"])
    expect(page.get_by_text("No row has an error.")).to_be_visible()
    v.submit(f"Load {ROWS} rows", v.url(f"/uploads/{second}/"))
    v.check_here()
    expect(page.locator("#load-progress")).to_be_visible()  # progress.js polls the status
    assert Upload.objects.get(pk=second).status == Upload.Status.QUEUED
    assert run_worker() == 1
    # the load queued the dashboards' warm-up: the count read below is the one it computed
    assert run_worker() == 1
    # the page finds out by itself (progress.js reloads it when the load has finished)
    expect(page.get_by_role("heading", name="Loaded", exact=True)).to_be_visible()
    v.check_here()
    expect(page.locator("main")).to_contain_text(f"{ROWS} of {ROWS} rows loaded")
    assert Upload.objects.get(pk=first).status == Upload.Status.RECEIVED  # never confirmed

    after = knife_count(v)
    assert after - before == len(KNIFE_LINES), (before, after)
    v.sign_out()

    # 2. the analyst records the prison's consultation (the form first sent back with what is
    # missing), drafts the strategy, which cites it, and sends it to two board members
    v.sign_in("analyst", demo_people["analyst"])
    v.visit("/consultations/")
    v.visit("/consultations/new/")
    page.get_by_label("Body consulted").fill(PRISON)
    page.get_by_label("Kind of body").select_option("prison")
    page.get_by_role("button", name="Record the consultation").click()
    # the form again, with what is missing (a check_here would GET it afresh, without them)
    expect(page.locator(".error-summary")).to_contain_text("Enter what they said")
    page.get_by_label("Area").select_option("somerset")
    page.get_by_label("Date", exact=True).fill("2026-01-12")
    page.get_by_label("How").fill("A meeting with the governor")
    page.get_by_label("What they said").fill(PRISON_SAID)
    v.submit("Record the consultation", v.url("/consultations/"))
    v.check_here()
    v.visit("/compliance/")
    v.visit("/products/new/")
    page.get_by_label("Local strategy").check()
    page.get_by_label("Area", exact=True).select_option("somerset")
    v.submit("Build the draft", re.compile(r"/products/\d+/$"))
    product = page.url.removeprefix(v.base)
    v.check_here()  # waiting to build; progress.js polls the version's status
    assert run_worker() == 1
    expect(page.get_by_role("link", name="Read version 1")).to_be_visible()  # reloaded itself
    v.check_here()
    v.visit(product + "view/index.html")  # the draft itself
    expect(page.locator("body")).to_contain_text(APPROVED)
    v.visit(product)
    for board_member in ("board", BOARD_2[0]):
        page.get_by_label(re.compile(rf"^{board_member},")).check()
    v.submit("Send for approval", v.url(product))
    v.check_here()
    v.sign_out()

    # each board member approves
    for board_member in ("board", BOARD_2[0]):
        v.sign_in(board_member, demo_people[board_member])
        v.visit("/products/")
        v.visit(product)
        page.get_by_label("Approve", exact=True).check()
        page.get_by_label("Comment").fill(f"Approved by {board_member}")
        v.submit("Record my decision", v.url(product))
        v.check_here()
        if board_member == BOARD_2[0]:  # approved by both: a named approver reviews the content
            page.get_by_role("link", name="Review this version before publication").click()
            page.wait_for_url(v.url(product + "review/"))
            v.check_here()
            page.get_by_label("What was withheld").first.fill("The patrol plan's street names")
            page.get_by_label("Ground").first.select_option("crime_prevention")
            page.get_by_label("Why").first.fill("Offenders would learn where officers are not")
            page.get_by_label(re.compile("^I have reviewed")).check()
            v.submit("Confirm the review", v.url(product))
            v.check_here()
        v.sign_out()

    # the analyst publishes
    v.sign_in("analyst", demo_people["analyst"])
    v.visit(product)
    v.submit("Publish version 1", v.url(product))
    v.check_here()  # publishing; progress.js polls the version's status
    assert run_worker() == 1
    expect(page.get_by_role("link", name="The published page")).to_be_visible()  # reloaded
    v.check_here()
    expect(page.locator("main .tag").first).to_have_text("Published")
    v.sign_out()

    # 3. anyone finds the approved strategy on the public site
    v.visit("/public/")
    v.visit("/public/somerset/strategy.html")
    expect(page.locator("body")).to_contain_text(APPROVED)
    expect(page.locator("#consultation ~ div")).to_contain_text(PRISON_SAID)  # cited as drafted

    # 4. the audit log holds every step, in order, each with who and from where
    events = list(AuditEvent.objects.order_by("id"))
    steps = [
        (e.action, e.username)
        for e in events
        if e.action
        in (
            "sign_in",
            "upload",
            "ingest",
            "draft",
            "submit",
            "approval",
            "publication_review",
            "publish",
            "consultation_change",
        )
    ]
    lead, analyst, board = "police-lead", "analyst", "board"
    assert steps == [
        ("sign_in", lead), *[("upload", lead)] * 5, ("ingest", lead),
        ("sign_in", analyst), ("consultation_change", analyst), ("draft", analyst),
        ("submit", analyst),
        ("sign_in", board), ("approval", board),
        ("sign_in", BOARD_2[0]), ("approval", BOARD_2[0]), ("publication_review", BOARD_2[0]),
        ("sign_in", analyst), ("publish", analyst), ("publish", analyst),
    ]  # fmt: skip
    uploaded = [e.detail for e in events if e.action == "upload"]
    assert [(d["upload"], d.get("file"), d.get("step")) for d in uploaded] == [
        (first, "force-extract-june-with-errors.csv", "stored"),
        (first, "force-extract-june-with-errors.csv", "checked"),
        (second, "force-extract-june.csv", "stored"),
        (second, "force-extract-june.csv", "checked"),
        (second, None, "load requested"),
    ]
    (ingest,) = [e.detail for e in events if e.action == "ingest"]
    assert (ingest["upload"], ingest["status"], ingest["rows_loaded"]) == (second, "loaded", ROWS)
    target = "strategy somerset v1"
    assert {e.target for e in events if e.action in ("draft", "submit", "approval")} == {target}
    assert [e.detail["outcome"] for e in events if e.action == "publish"] == [
        "requested",
        "published",
    ]
    # the restricted views: the draft document, read by the analyst (and, through its link on
    # the version's page, by each board member)
    readers = {e.username for e in events if e.action == "restricted_view"
               and e.target == f"{target}: index.html"}  # fmt: skip
    assert readers == {analyst, board, BOARD_2[0]}
    # from where: every step taken in the browser carries its address (the worker's have none)
    worker = [e for e in events if e.action == "ingest" or e.detail.get("outcome") == "published"
              or e.detail.get("step") == "checked"]  # fmt: skip
    assert len(worker) == 4 and {e.ip_address for e in worker} == {None}
    assert {e.ip_address for e in events if e not in worker} == {"127.0.0.1"}
    assert not [e for e in events if e.action == "refused"], "someone was refused on the way"
