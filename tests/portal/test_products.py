"""Products: a strategy and a needs assessment go from draft through two named approvers to the
public site, built by the real background worker; the published page shows the approved words
even when the strategy file changes afterwards; a second publication supersedes the first and
both versions are kept; the full assessment stays inside the portal. Analysts cannot approve,
a board member who is not named cannot decide, nothing unapproved is published, no path leads
out of a product or the public site, and every step is in the audit log.

The expected words come from the test's own edits of the strategy file, and the expected public
summary from the rule the disclosure documentation states (findings that quote no figure), not
from the portal's output.
"""

from __future__ import annotations

import dataclasses
import html
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from portal.conftest import make_person
from portal.worker import run_queued_tasks
from svduty import cli, partnership
from svduty.portal import product_workflow
from svduty.portal.models import Approval, AuditEvent, ProductVersion, PublicationReview
from svduty.products.site.summary import quotes_no_numbers
from svduty.products.strategy import file as strategies
from svduty.settings import Config

APPROVED = "Wording the board approved, first edition"
EDITED = "Wording changed after the approval"
SUMMARY_START = "The Somerset Violence Reduction Partnership's plan"


def run_worker() -> int:
    return run_queued_tasks("pytest")


def write_strategy(home: Path, opening: str) -> Path:
    """Somerset's example strategy with its summary opening with ``opening``."""
    text = strategies.examples()["somerset"].read_text(encoding="utf-8")
    assert SUMMARY_START in text
    path = home / "strategies" / "somerset.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(SUMMARY_START, opening), encoding="utf-8")
    return path


@pytest.fixture
def fast_home(settings, tmp_path):
    """A data directory with the shipped partnership and Somerset's strategy: enough to draft
    and build strategies (no warehouse needed)."""
    home = tmp_path / "home"
    write_strategy(home, APPROVED)
    settings.CONFIG = Config.from_env(
        {"SVDUTY_HOME": str(home), "SVDUTY_PARTNERSHIP": str(partnership.DEFAULT_YAML)}
    )
    settings.HOME = home
    settings.PRODUCTS_ROOT = tmp_path / "products"
    return home


@pytest.fixture
def demo_home(demo_config, settings, tmp_path):
    """The demo warehouse (read only) with a data directory of the test's own."""
    home = tmp_path / "home"
    write_strategy(home, APPROVED)
    settings.CONFIG = dataclasses.replace(demo_config, home=home)
    settings.HOME = home
    settings.PRODUCTS_ROOT = tmp_path / "products"
    return home


@pytest.fixture
def board(people, organisations):
    """Two board members (the people fixture's and one more) and the analyst."""
    return {
        "bo": people["board"],
        "bea": make_person("bea", "board", organisations["police"]),
    }


def actions(version: ProductVersion) -> list[str]:
    """The audit log's actions on the version, oldest first."""
    events = AuditEvent.objects.filter(
        target__startswith=product_workflow.target(version)
    ).order_by("at", "id")
    return [e.action for e in events]


def draft(client, analyst, kind: str, area: str = "somerset", period: str = ""):
    client.force_login(analyst)
    response = client.post(
        reverse("portal:product-new"), {"kind": kind, "area": area, "period": period}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    version = ProductVersion.objects.order_by("-id").first()
    assert response.url == reverse("portal:product", args=[version.pk])
    return version


def approve_by_both(client, version, analyst, board):
    """Submit to both board members; each approves. Checks the status after each step."""
    client.force_login(analyst)
    sent = client.post(
        reverse("portal:product-submit", args=[version.pk]),
        {"approvers": [board["bo"].pk, board["bea"].pk]},
    )
    assert sent.status_code == 302
    version.refresh_from_db()
    assert version.status == "in_approval"
    assert set(version.approvers.all()) == {board["bo"], board["bea"]}
    for n, who in enumerate(("bo", "bea")):
        client.force_login(board[who])
        decided = client.post(
            reverse("portal:product-decide", args=[version.pk]),
            {"decision": "approved", "comment": f"fine by {who}"},
        )
        assert decided.status_code == 302
        version.refresh_from_db()
        assert version.status == ("in_approval" if n == 0 else "approved")


def publish(client, version, analyst) -> None:
    """A named approver confirms the review before publication (tests/portal/test_duty.py
    tests that step), then the analyst publishes."""
    if not PublicationReview.objects.filter(product=version).exists():
        product_workflow.confirm_review(version, version.approvers.first(), "", [])
    client.force_login(analyst)
    response = client.post(reverse("portal:product-publish", args=[version.pk]))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == "approved"  # until the site is built
    run_worker()
    version.refresh_from_db()


def fetch(client, url: str):
    """GET ``url``: the response and its text, entities decoded. Reading a file response to
    the end closes its file (the test client closes it then)."""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, html.unescape(body.decode("utf-8", errors="replace"))


def public_text(client, page: str) -> str:
    client.logout()  # the public site is for anyone
    response, text = fetch(client, reverse("portal:public", args=[page]))
    assert response.status_code == 200, page
    return text


# ---- the whole journey ---------------------------------------------------------------------


def test_a_strategy_goes_from_draft_to_the_public_site_as_approved(
    client, people, board, demo_home
):
    analyst = people["analyst"]
    v1 = draft(client, analyst, "strategy")
    assert (v1.kind, v1.area_id, v1.version, v1.status) == ("strategy", "somerset", 1, "draft")
    assert v1.label == "2024-2027"  # the strategy file's period
    folder = Path(v1.path)
    assert folder == Path(demo_home.parent / "products" / "strategy" / "somerset" / "v1")
    # the copy is the file as it was when drafted
    copy = (folder / "strategy.yaml").read_text(encoding="utf-8")
    assert APPROVED in copy and SUMMARY_START not in copy
    waiting = client.get(reverse("portal:product", args=[v1.pk])).content.decode()
    # no meta refresh (WCAG 2.2.1): the page polls a status URL from a static script
    assert "Waiting to build" in waiting and "http-equiv" not in waiting
    assert "portal/progress.js" in waiting
    status = client.get(reverse("portal:product-status", args=[v1.pk])).json()
    assert status["finished"] is False

    run_worker()
    assert product_workflow.build_state(v1)["state"] == "built"
    page, text = fetch(client, reverse("portal:product-view", args=[v1.pk, "index.html"]))
    assert page.status_code == 200 and page["Content-Type"] == "text/html; charset=utf-8"
    assert APPROVED in text
    css, _ = fetch(client, reverse("portal:product-view", args=[v1.pk, "assets/svduty.css"]))
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")

    # nothing unapproved is published
    refused = client.post(reverse("portal:product-publish", args=[v1.pk]))
    assert refused.status_code == 409
    approve_by_both(client, v1, analyst, board)

    # the area's strategy file changes after the approval; the published page must not
    write_strategy(demo_home, EDITED)
    publish(client, v1, analyst)
    assert v1.status == "published" and v1.published_by == analyst
    assert v1.published_at is not None
    published = public_text(client, "somerset/strategy.html")
    assert APPROVED in published and EDITED not in published

    # the public site's files go with their content types; a folder gets its index page
    client.logout()
    for page, kind in {
        "": "text/html; charset=utf-8",
        "assets/svduty.css": "text/css; charset=utf-8",
        "somerset/data/measures.csv": "text/csv; charset=utf-8",
        "somerset/data/measures.xlsx": (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
        "somerset/data/msoa-police-uk-violence.geojson": "application/geo+json",
    }.items():
        response, _ = fetch(client, reverse("portal:public", args=[page] if page else []))
        assert response.status_code == 200 and response["Content-Type"] == kind, page
    folder_page = client.get(reverse("portal:public", args=["somerset"]))
    assert folder_page.status_code == 302 and folder_page.url.endswith("/public/somerset/")
    assert fetch(client, reverse("portal:public", args=["somerset/"]))[0].status_code == 200
    # only the areas with something published are on the site
    assert client.get(reverse("portal:public", args=["bristol/"])).status_code == 404

    # the second version (the edited file) supersedes the first; both are kept
    v2 = draft(client, analyst, "strategy")
    assert v2.version == 2
    run_worker()
    approve_by_both(client, v2, analyst, board)
    publish(client, v2, analyst)
    v1.refresh_from_db()
    assert (v1.status, v2.status) == ("superseded", "published")
    assert Path(v1.path, "index.html").exists() and Path(v2.path, "index.html").exists()
    republished = public_text(client, "somerset/strategy.html")
    assert EDITED in republished and APPROVED not in republished
    # the superseded version is still readable in the portal, as it was
    client.force_login(board["bo"])
    assert APPROVED in fetch(client, reverse("portal:product-view", args=[v1.pk, "index.html"]))[1]

    # every step is in the audit log, in order
    assert actions(v1) == [
        "draft", "restricted_view", "submit", "approval", "approval", "publish", "publish",
        "restricted_view",
    ]  # fmt: skip
    assert actions(v2) == ["draft", "submit", "approval", "approval", "publish", "publish"]
    outcomes = AuditEvent.objects.filter(action="publish", target=product_workflow.target(v1))
    assert sorted(e.detail["outcome"] for e in outcomes) == ["published", "requested"]
    assert all(e.username == "ana" for e in outcomes)
    decisions = AuditEvent.objects.filter(action="approval", target=product_workflow.target(v1))
    assert {e.username for e in decisions} == {"bo", "bea"}


@pytest.mark.slow
def test_an_assessment_is_approved_and_only_its_summary_is_public(client, people, board, demo_home):
    analyst = people["analyst"]
    v1 = draft(client, analyst, "assessment", period="2018-2020")
    assert v1.label == "2018 to 2020"
    run_worker()
    state = product_workflow.build_state(v1)
    assert state["state"] == "built", state
    internal, document = fetch(client, reverse("portal:product-view", args=[v1.pk, "index.html"]))
    assert internal.status_code == 200
    # the board version (index.html) links to the technical annex beside it, which has the rest
    annex, rest = fetch(client, reverse("portal:product-view", args=[v1.pk, "annex.html"]))
    assert annex.status_code == 200 and 'href="annex.html' in document
    document += rest

    # the internal document is for those who draft or approve, signed in
    client.logout()
    anonymous = client.get(reverse("portal:product-view", args=[v1.pk, "index.html"]))
    assert anonymous.status_code == 302 and reverse("portal:sign-in") in anonymous.url
    client.force_login(people["viewer"])
    assert client.get(reverse("portal:product-view", args=[v1.pk, "index.html"])).status_code == 403

    approve_by_both(client, v1, analyst, board)
    publish(client, v1, analyst)
    assert v1.status == "published"
    public = public_text(client, "somerset/assessment.html")
    assert "January 2018 to December 2020" in public

    # the public summary: what quotes no figure (here the recommendations), and no finding that
    # quotes counts
    saved = product_workflow.ApprovedAssessment.load(Path(v1.path) / product_workflow.SUMMARY_FILE)
    plain = [r.text for r in saved.recommendations if quotes_no_numbers(r.text)]
    counted = [f.text for f in saved.findings if f.counts]
    assert plain and counted
    for text in plain + counted:
        assert text in document  # both are in the internal document
    assert all(t in public for t in plain)
    site = product_workflow.site_dir()
    every_page = "\n".join(
        html.unescape(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")
    )
    assert not any(t in every_page for t in counted)  # the full assessment is not public
    assert actions(v1)[:2] == ["draft", "restricted_view"]
    assert actions(v1)[-5:] == ["submit", "approval", "approval", "publish", "publish"]


@pytest.mark.slow
def test_an_annual_review_is_built_from_the_published_strategy(client, people, board, demo_home):
    analyst = people["analyst"]
    strategy = draft(client, analyst, "strategy")
    run_worker()
    approve_by_both(client, strategy, analyst, board)
    ProductVersion.objects.filter(pk=strategy.pk).update(status="published")
    write_strategy(demo_home, EDITED)  # the file moved on; the review reports on the adopted one

    review = draft(client, analyst, "review", period="2021")
    assert review.label == "2021"
    assert APPROVED in (Path(review.path) / "strategy.yaml").read_text(encoding="utf-8")
    run_worker()
    assert product_workflow.build_state(review)["state"] == "built", product_workflow.build_state(
        review
    )
    _, page = fetch(client, reverse("portal:product-view", args=[review.pk, "index.html"]))
    assert "Annual review 2021" in page
    detail = client.get(reverse("portal:product", args=[review.pk])).content.decode()
    assert "Not on the public site" in detail


# ---- who may do what -----------------------------------------------------------------------


@pytest.fixture
def built_strategy(client, people, fast_home):
    """Version 1 of Somerset's strategy, built (no warehouse needed)."""
    version = draft(client, people["analyst"], "strategy")
    run_worker()
    assert product_workflow.build_state(version)["state"] == "built"
    return version


def test_who_may_see_products(client, people, built_strategy):
    url = reverse("portal:products")
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: to sign in
    for who in ("viewer", "data_lead"):
        client.force_login(people[who])
        assert client.get(url).status_code == 403
        assert client.get(reverse("portal:product", args=[built_strategy.pk])).status_code == 403
        assert client.get(reverse("portal:product-new")).status_code == 403
    assert AuditEvent.objects.filter(action="refused", username="vi").count() == 3
    client.force_login(people["board"])
    assert client.get(url).status_code == 200
    assert client.get(reverse("portal:product-new")).status_code == 403  # board do not draft


def test_an_analyst_cannot_approve_and_only_named_approvers_decide(
    client, people, board, built_strategy
):
    v = built_strategy
    decide = reverse("portal:product-decide", args=[v.pk])
    client.force_login(people["analyst"])
    sent = client.post(
        reverse("portal:product-submit", args=[v.pk]), {"approvers": [board["bo"].pk]}
    )
    assert sent.status_code == 302

    refused = client.post(decide, {"decision": "approved"})
    assert refused.status_code == 403
    event = AuditEvent.objects.get(action="refused", username="ana")
    assert event.target == decide and event.detail["capability"] == "approve_products"

    client.force_login(board["bea"])  # a board member, not named
    assert client.post(decide, {"decision": "approved"}).status_code == 403
    assert AuditEvent.objects.filter(action="refused", username="bea").count() == 1
    assert not Approval.objects.exists()
    page = client.get(reverse("portal:products")).content.decode()
    assert "Nothing is waiting for your decision" in page

    client.force_login(board["bo"])
    assert (
        f"Somerset, version {v.version}" in client.get(reverse("portal:products")).content.decode()
    )
    # the board does not publish, even what it approved
    assert client.post(decide, {"decision": "approved"}).status_code == 302
    v.refresh_from_db()
    assert v.status == "approved"
    assert client.post(decide, {"decision": "approved"}).status_code == 409  # decided already
    assert client.post(reverse("portal:product-publish", args=[v.pk])).status_code == 403


def test_approvers_must_be_board_members_and_never_the_author(
    client, people, board, built_strategy
):
    v = built_strategy
    client.force_login(people["analyst"])
    submit = reverse("portal:product-submit", args=[v.pk])
    for approvers in ([], [people["analyst"].pk], [people["viewer"].pk], ["x"]):
        response = client.post(submit, {"approvers": approvers})
        assert response.status_code == 400, approvers
        assert 'href="#approvers-field"' in response.content.decode()
    v.refresh_from_db()
    assert v.status == "draft" and not v.approvers.exists()
    assert not AuditEvent.objects.filter(action="submit").exists()


def test_changes_send_it_back_and_a_new_round_starts(client, people, board, built_strategy):
    v = built_strategy
    decide = reverse("portal:product-decide", args=[v.pk])
    submit = reverse("portal:product-submit", args=[v.pk])
    client.force_login(people["analyst"])
    client.post(submit, {"approvers": [board["bo"].pk, board["bea"].pk]})
    client.force_login(board["bo"])
    assert client.post(decide, {"decision": "approved"}).status_code == 302
    client.force_login(board["bea"])
    no_comment = client.post(decide, {"decision": "changes_requested", "comment": " "})
    assert no_comment.status_code == 400 and 'href="#comment-field"' in no_comment.content.decode()
    changes = client.post(decide, {"decision": "changes_requested", "comment": "Name the leads"})
    assert changes.status_code == 302
    v.refresh_from_db()
    assert v.status == "draft"
    assert client.post(decide, {"decision": "approved"}).status_code == 409  # not in approval

    client.force_login(people["analyst"])
    client.post(submit, {"approvers": [board["bo"].pk, board["bea"].pk]})
    client.force_login(board["bea"])
    client.post(decide, {"decision": "approved"})
    v.refresh_from_db()
    assert v.status == "in_approval"  # bo's approval was in the round before the changes
    client.force_login(board["bo"])
    client.post(decide, {"decision": "approved"})
    v.refresh_from_db()
    assert v.status == "approved"
    assert list(v.approvals.order_by("id").values_list("decision", flat=True)) == [
        "approved", "changes_requested", "approved", "approved",
    ]  # fmt: skip
    page = client.get(reverse("portal:product", args=[v.pk])).content.decode()
    assert "Name the leads" in page


def test_nobody_publishes_what_is_not_approved(client, people, board, built_strategy):
    v = built_strategy
    publish_url = reverse("portal:product-publish", args=[v.pk])
    client.force_login(people["analyst"])
    assert client.post(publish_url).status_code == 409  # a draft
    client.post(reverse("portal:product-submit", args=[v.pk]), {"approvers": [board["bo"].pk]})
    assert client.post(publish_url).status_code == 409  # awaiting approval
    assert client.get(publish_url).status_code == 405
    v.refresh_from_db()
    assert v.status == "in_approval" and product_workflow.site_dir() is None
    assert not AuditEvent.objects.filter(action="publish").exists()


def test_versions_are_numbered_per_kind_and_area(client, people, fast_home):
    (fast_home / "strategies" / "avon-and-somerset.yaml").write_bytes(
        strategies.examples()["avon-and-somerset"].read_bytes()
    )
    made = [
        draft(client, people["analyst"], "strategy", area)
        for area in ("somerset", "somerset", "avon-and-somerset", "somerset")
    ]
    assert [(v.area_id, v.version) for v in made] == [
        ("somerset", 1), ("somerset", 2), ("avon-and-somerset", 1), ("somerset", 3),
    ]  # fmt: skip
    assert len({v.path for v in made}) == 4


def test_a_draft_that_cannot_be_built_says_why(client, people, fast_home):
    client.force_login(people["analyst"])
    url = reverse("portal:product-new")
    cases = {
        ("review", "somerset", "21"): ("#id_period", "four digits"),
        ("assessment", "somerset", "last year"): ("#id_period", "last year"),
        ("strategy", "bristol", ""): ("#id_area", "no strategy file for Bristol"),
        ("strategy", "atlantis", ""): ("#id_area", "Select a valid choice"),
    }
    for (kind, area, period), (anchor, says) in cases.items():
        response = client.post(url, {"kind": kind, "area": area, "period": period})
        text = response.content.decode()
        assert response.status_code == 400 and f'href="{anchor}"' in text and says in text
    (fast_home / "strategies" / "somerset.yaml").write_text("title: [unclosed", encoding="utf-8")
    broken = client.post(url, {"kind": "strategy", "area": "somerset", "period": ""})
    assert broken.status_code == 400 and "not valid YAML" in broken.content.decode()
    assert not ProductVersion.objects.exists()
    assert not AuditEvent.objects.filter(action="draft").exists()


# ---- serving files safely ------------------------------------------------------------------


TRAVERSALS = (
    "../v1/index.html",
    "../../../../etc/passwd",
    "%2e%2e/%2e%2e/secret.txt",
    "..%2F..%2Fsecret.txt",
    "/etc/passwd",
    ".build.json",
    "assets/../../secret.txt",
    "escape/secret.txt",
    "escape",
)


def test_no_path_leads_out_of_a_product(client, people, built_strategy, tmp_path):
    v = built_strategy
    (Path(settings_products_root(v)) / "secret.txt").write_text("not yours")
    (Path(v.path) / "escape").symlink_to(tmp_path)  # a link inside, leading out
    (tmp_path / "secret.txt").write_text("not yours either")
    client.force_login(people["analyst"])
    base = reverse("portal:product-view", args=[v.pk, "index.html"]).removesuffix("index.html")
    for attempt in TRAVERSALS:
        assert client.get(base + attempt).status_code == 404, attempt
    assert fetch(client, base + "index.html")[0].status_code == 200
    # one audited view per page, none for the refused attempts or the stylesheet
    fetch(client, base + "assets/svduty.css")
    assert AuditEvent.objects.filter(action="restricted_view").count() == 1


def settings_products_root(version: ProductVersion) -> Path:
    """The kind's folder above the version's (outside it: products/strategy/)."""
    return Path(version.path).parent.parent


def test_no_path_leads_out_of_the_public_site(client, fast_home, tmp_path, db):
    assert client.get(reverse("portal:public")).status_code == 404
    missing = client.get(reverse("portal:public", args=["somerset/strategy.html"]))
    assert (
        missing.status_code == 404 and "Nothing has been published yet" in missing.content.decode()
    )

    # a site as the publishing step leaves it: a build and the pointer beside it
    root = product_workflow.site_root()
    site = root / product_workflow.SITE_BUILDS / "20260101T000000000000-v1"
    (site / "somerset" / "empty").mkdir(parents=True)
    (site / "index.html").write_text("<p>The public site</p>")
    (site / "somerset" / "index.html").write_text("<p>Somerset</p>")
    (site / ".hidden").write_text("hidden")
    (root / product_workflow.SITE_BUILDS / "20260101T000000000000-v1.manifest.json").write_text(
        "{}"
    )
    (root / product_workflow.SITE_POINTER).write_text(site.name)
    (site / "escape").symlink_to(tmp_path)
    (tmp_path / "secret.txt").write_text("not public")
    assert "The public site" in fetch(client, reverse("portal:public"))[1]
    for attempt in (
        *TRAVERSALS,
        "../CURRENT",
        "../20260101T000000000000-v1.manifest.json",
        "%2e%2e/CURRENT",
        ".hidden",
        "somerset/empty/",  # a folder without a page: no listing
    ):
        assert client.get("/public/" + attempt).status_code == 404, attempt
    assert client.post("/public/").status_code == 405


def test_the_strategy_page_is_served_without_inline_script_or_style(client, people, built_strategy):
    client.force_login(people["board"])
    page = client.get(reverse("portal:product", args=[built_strategy.pk]))
    text = page.content.decode().lower()
    assert page.status_code == 200 and "<script" not in text and " style=" not in text
    document, body = fetch(
        client, reverse("portal:product-view", args=[built_strategy.pk, "index.html"])
    )
    cache = {part.strip() for part in document["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache  # exact counts: kept out of every cache
    body = body.lower()
    assert "<script" not in body and " style=" not in body


def test_a_site_build_that_fails_publishes_nothing(client, people, board, built_strategy):
    """With a warehouse of reference tables only, the site has no measure to publish: the build
    stops, the version stays approved, the site stays as it was (here: nothing), and the log
    says so."""
    cli.init(django_settings.CONFIG)
    v = built_strategy
    client.force_login(people["analyst"])
    client.post(reverse("portal:product-submit", args=[v.pk]), {"approvers": [board["bo"].pk]})
    client.force_login(board["bo"])
    client.post(reverse("portal:product-decide", args=[v.pk]), {"decision": "approved"})
    publish(client, v, people["analyst"])
    assert v.status == "approved" and v.published_at is None
    assert product_workflow.site_dir() is None
    state = product_workflow.publish_state(v)
    assert state["state"] == "failed" and "no measure" in state["message"]
    page = client.get(reverse("portal:product", args=[v.pk])).content.decode()
    assert "Publishing failed: the public site is unchanged" in page
    assert "Publish version 1" in page  # it may be tried again
    outcomes = [e.detail["outcome"] for e in AuditEvent.objects.filter(action="publish")]
    assert sorted(outcomes) == ["failed", "requested"]


def test_a_request_to_publish_lost_by_a_stopped_worker_may_be_made_again():
    now = timezone.now()
    assert product_workflow.publishing_under_way({"state": "queued", "updated": now.isoformat()})
    old = (now - product_workflow.PUBLISH_GIVEN_UP_AFTER - timedelta(minutes=1)).isoformat()
    assert not product_workflow.publishing_under_way({"state": "building", "updated": old})
    assert not product_workflow.publishing_under_way(
        {"state": "failed", "updated": now.isoformat()}
    )


def test_pages_can_read_the_warehouse_while_a_product_is_built(demo_home):
    """A build holds the warehouse for up to a minute; it opens it read only, so another
    process (a page) can open it read only at the same time. Read-write, it could not."""
    import subprocess
    import sys

    url = django_settings.CONFIG.warehouse_url
    reader = (
        "import sys; from svduty.warehouse import connect; "
        "wh = connect(sys.argv[1], read_only=True); "
        "print(wh.table('loads').count().execute()); wh.close()"
    )
    with product_workflow._warehouse() as wh:
        held = wh.table("loads").count().execute()
        page = subprocess.run(
            [sys.executable, "-c", reader, url], capture_output=True, text=True, timeout=120
        )
    assert page.returncode == 0, page.stderr
    assert int(page.stdout) == held > 0
