"""The Duty's process on record (issue 16): consultations, the compliance tracker derived from
the records, the review before publication with what was withheld, where the strategy was sent,
the definition published with gaps only as an excerpt, the products citing the record (or saying
in words that there is none), the command line's JSON, and the corrected wording of the law.

Expected statuses and dates come from the records each test makes, not from the tracker's
output. Who may reach each page is the permission matrix's (test_permissions.py)."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from svduty import partnership
from svduty.cli import app
from svduty.definition.publishable import elision_problem
from svduty.portal import duty, product_workflow
from svduty.portal.models import (
    Agreement,
    Approval,
    AuditEvent,
    Consultation,
    Dissemination,
    PartnershipGroup,
    ProductVersion,
    PublicationReview,
    Withheld,
)
from svduty.products import html
from svduty.products.duty_record import ConsultationEntry
from svduty.products.site.build import publish as publish_site
from svduty.products.site.pages import SiteError
from svduty.products.strategy import file as strategies
from svduty.products.strategy import page as strategy_page
from svduty.settings import Config

TODAY = timezone.localdate


@pytest.fixture
def configured(settings, tmp_path):
    """The shipped partnership (its areas and definition); no warehouse needed here."""
    home = tmp_path / "home"
    home.mkdir()
    settings.CONFIG = Config.from_env(
        {"SVDUTY_HOME": str(home), "SVDUTY_PARTNERSHIP": str(partnership.DEFAULT_YAML)}
    )
    settings.HOME = home
    settings.PRODUCTS_ROOT = tmp_path / "products"
    return home


def consultation(user, kind="prison", body="HMP Bristol", area="somerset", days_ago=20, **more):
    return Consultation.objects.create(
        body=body, kind=kind, area_id=area, held_on=TODAY() - timedelta(days=days_ago),
        method="A meeting of the board", said=more.pop("said", "Visits matter"),
        response=more.pop("response", ""), recorded_by=user,
    )  # fmt: skip


def version(kind, status, author, number=1, area="somerset", approvers=(), **more):
    v = ProductVersion.objects.create(
        kind=kind, area_id=area, label="2024-2027", version=number, status=status,
        path="/nowhere", created_by=author, **more,
    )  # fmt: skip
    v.approvers.set(approvers)
    return v


def by_id(rows) -> dict:
    return {r.id: r for r in rows}


# ---- consultations ------------------------------------------------------------------------------


def test_an_analyst_records_and_changes_a_consultation_and_each_change_is_audited(
    client, people, configured
):
    client.force_login(people["analyst"])
    data = {
        "body": "Somerset Council education service", "kind": "educational",
        "area_id": "somerset", "held_on": (TODAY() - timedelta(days=3)).isoformat(),
        "method": "Written response", "said": "Exclusions drive risk", "response": "",
    }  # fmt: skip
    made = client.post(reverse("portal:consultation-new"), data)
    assert made.status_code == 302
    c = Consultation.objects.get()
    assert (c.body, c.kind, c.area_id, c.recorded_by) == (
        data["body"], "educational", "somerset", people["analyst"],
    )  # fmt: skip
    created = AuditEvent.objects.get(action="consultation_change")
    assert created.detail["created"] is True and created.detail["changed"]["said"]["after"] == (
        "Exclusions drive risk"
    )

    changed = client.post(
        reverse("portal:consultation-edit", args=[c.pk]),
        data | {"response": "Priority 2 funds inclusion workers"},
    )
    assert changed.status_code == 302
    last = AuditEvent.objects.filter(action="consultation_change").order_by("-id").first()
    assert last.detail["changed"] == {
        "response": {"before": "", "after": "Priority 2 funds inclusion workers"}
    }
    page = client.get(reverse("portal:consultations")).content.decode()
    assert "Somerset Council education service" in page and "Priority 2 funds" in page


def test_a_consultation_in_the_future_or_without_what_was_said_is_refused_with_the_field_named(
    client, people, configured
):
    client.force_login(people["analyst"])
    response = client.post(
        reverse("portal:consultation-new"),
        {"body": "HMP Bristol", "kind": "prison", "area_id": "",
         "held_on": (TODAY() + timedelta(days=5)).isoformat(), "method": "Meeting", "said": ""},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "The date cannot be in the future" in page and 'href="#id_held_on"' in page
    assert "Enter what they said" in page and 'href="#id_said"' in page
    assert not Consultation.objects.exists()


def test_a_board_member_reads_consultations_and_the_read_is_audited(client, people, configured):
    consultation(people["analyst"], said="Prison leavers need housing")
    client.force_login(people["board"])
    page = client.get(reverse("portal:consultations")).content.decode()
    assert "Prison leavers need housing" in page and "Not yet recorded" in page
    assert "Record a consultation" not in page  # the board reads; analysts record
    assert AuditEvent.objects.filter(action="restricted_view", user=people["board"]).exists()


def test_no_consultation_is_said_in_words(client, people, configured):
    client.force_login(people["board"])
    page = client.get(reverse("portal:consultations")).content.decode()
    assert "No consultation is on record yet" in page
    assert "None" not in page.split("<main")[1] and "nan" not in page.split("<main")[1]


# ---- the compliance tracker ---------------------------------------------------------------------


def test_with_no_records_nothing_is_claimed_met_or_missed(db, configured):
    rows = by_id(duty.requirements("somerset", None))
    assert {r.status for r in rows.values()} == {"unknown"}
    assert all(r.when is None and not r.evidence for r in rows.values())


def test_each_requirement_is_met_from_the_record_that_shows_it(
    db, people, organisations, configured
):
    analyst, board = people["analyst"], people["board"]
    definition = partnership.load(partnership.DEFAULT_YAML).local_definition
    PartnershipGroup.objects.create(name="Somerset VRP", area_id="somerset")
    prison = consultation(analyst, "prison", days_ago=40)
    consultation(analyst, "educational", body="A school", days_ago=30)
    consultation(analyst, "community", body="A youth forum", area="", days_ago=25)
    consultation(analyst, "youth_custody", body="Elsewhere YOI", area="bristol", days_ago=5)
    strategy = version("strategy", "published", analyst, approvers=[board])
    approved_at = timezone.now() - timedelta(days=15)
    Approval.objects.create(product=strategy, approver=board, decision="approved", at=approved_at)
    ProductVersion.objects.filter(pk=strategy.pk).update(
        published_at=timezone.now() - timedelta(days=10)
    )
    Dissemination.objects.create(
        product=strategy, recipient="The Home Office", sent_on=TODAY() - timedelta(days=2),
        method="Email", recorded_by=analyst,
    )  # fmt: skip
    live = Agreement.objects.create(
        title="Police crime", purpose="p", legal_basis="s16", gdpr_basis="6(1)(e)",
        data_categories="c", feeds=["police-crime"], retention="7 years",
        starts=TODAY() - timedelta(days=60), review_date=TODAY() + timedelta(days=300),
        owner=organisations["police"],
    )  # fmt: skip

    rows = by_id(duty.requirements("somerset", definition))
    assert rows["partnership"].status == "met"
    assert rows["definition"].evidence == ("Local definition asvrp-2023, version 2023/24",)
    assert rows["strategy"].status == "met" and rows["strategy"].when == timezone.localdate(
        approved_at
    )
    assert rows["strategy-published"].when == TODAY() - timedelta(days=10)
    assert rows["strategy-sent"].when == TODAY() - timedelta(days=2)
    assert "The Home Office" in rows["strategy-sent"].evidence[0]
    assert rows["consulted-prison"].status == "met" and rows["consulted-prison"].when == (
        prison.held_on
    )
    assert rows["consulted-educational"].status == "met"
    # Bristol's youth custody consultation is not Somerset's; with a strategy published, the
    # missing consultation is not met, not merely unrecorded
    assert rows["consulted-youth_custody"].status == "not_met"
    assert rows["engagement"].status == "met"  # the whole partnership's youth forum counts
    assert rows["data-sharing"].status == "met" and rows["data-sharing"].when == live.starts
    assert rows["assessment"].status == "unknown"
    assert rows["annual-review"].status == "unknown"  # not yet a year since publication


def test_a_lapsed_agreement_and_a_year_without_review_are_not_met(
    db, people, organisations, configured
):
    analyst = people["analyst"]
    Agreement.objects.create(
        title="Old", purpose="p", legal_basis="s16", gdpr_basis="g", data_categories="c",
        feeds=["police-crime"], retention="1 year", starts=TODAY() - timedelta(days=800),
        review_date=TODAY() - timedelta(days=1), owner=organisations["police"],
    )  # fmt: skip
    version(
        "strategy", "published", analyst,
        published_at=timezone.now() - timedelta(days=duty.REVIEW_DUE_AFTER.days + 1),
    )  # fmt: skip
    rows = by_id(duty.requirements("somerset", None))
    assert rows["data-sharing"].status == "not_met"
    assert rows["data-sharing"].evidence == ("1 other agreement not in force",)
    assert rows["annual-review"].status == "not_met"


def test_the_compliance_page_serves_the_commissioners_office_and_the_annual_review_section(
    client, people, configured
):
    from svduty.portal.models import Membership, Organisation

    pcc = Organisation.objects.create(name="The PCC", kind="police_and_crime_commissioner")
    m = Membership.objects.get(user=people["viewer"])
    m.organisation = pcc
    m.save()
    client.force_login(people["viewer"])
    page = client.get(reverse("portal:compliance")).content.decode()
    assert "s8(4) [V]" in page and "Not recorded" in page and "Somerset" in page
    assert AuditEvent.objects.filter(action="restricted_view", user=people["viewer"]).exists()
    # the annual review's section, from the same rows
    rows = duty.requirements("somerset", None)
    section = (
        html.environment()
        .from_string('{% import "_duty.html" as d %}{{ d.compliance_section(rows) }}')
        .render(rows=rows)
    )
    assert section.count("<tr>") == len(rows) + 1 and "No date held" in section
    outside = (
        html.environment()
        .from_string('{% import "_duty.html" as d %}{{ d.compliance_section(None) }}')
        .render()
    )
    assert "built outside the partnership portal" in outside and "<table" not in outside


# ---- the review before publication, and dissemination -----------------------------------------


def test_publishing_waits_for_a_named_approvers_review_which_records_what_was_withheld(
    client, people, organisations, configured
):
    from portal.conftest import make_person

    analyst, board = people["analyst"], people["board"]
    other_board = make_person("bea", "board", organisations["police"])
    v = version("strategy", "approved", analyst, approvers=[board])
    Path(configured / "v").mkdir()
    ProductVersion.objects.filter(pk=v.pk).update(path=str(configured / "v"))
    v.refresh_from_db()
    client.force_login(analyst)
    refused = client.post(reverse("portal:product-publish", args=[v.pk]))
    assert refused.status_code == 409
    assert "reviewed against the grounds" in refused.content.decode()
    assert product_workflow.publish_state(v) == {}

    form = {
        "confirm": "on", "note": "",
        "withheld-TOTAL_FORMS": "2", "withheld-INITIAL_FORMS": "0",
        "withheld-0-what": "Patrol locations in priority 2",
        "withheld-0-ground": "crime_prevention",
        "withheld-0-reason": "Publishing them would tell offenders where officers are not",
        "withheld-1-what": "", "withheld-1-ground": "", "withheld-1-reason": "",
    }  # fmt: skip
    review_url = reverse("portal:product-publication-review", args=[v.pk])
    client.force_login(other_board)  # a board member, but not named on this version
    assert client.post(review_url, form).status_code == 403
    client.force_login(board)
    unconfirmed = client.post(review_url, form | {"confirm": ""})
    assert unconfirmed.status_code == 400
    assert "Confirm that you have reviewed the content" in unconfirmed.content.decode()
    assert client.post(review_url, form).status_code == 302
    review = PublicationReview.objects.get()
    assert review.reviewer == board
    assert list(Withheld.objects.values_list("what", "ground")) == [
        ("Patrol locations in priority 2", "crime_prevention")
    ]
    event = AuditEvent.objects.get(action="publication_review")
    assert event.detail["withheld"] == [
        {"what": "Patrol locations in priority 2", "ground": "crime_prevention"}
    ]
    shown = client.get(review_url).content.decode()
    assert "Patrol locations in priority 2" in shown and "Prevention or detection of crime" in shown

    client.force_login(analyst)
    assert client.post(reverse("portal:product-publish", args=[v.pk])).status_code == 302
    assert product_workflow.publish_state(v)["state"] == "queued"


def test_where_a_published_strategy_was_sent_is_recorded_and_only_for_one(
    client, people, configured
):
    analyst = people["analyst"]
    draft = version("strategy", "draft", analyst, number=1)
    published = version("strategy", "published", analyst, number=2)
    client.force_login(analyst)
    sent = {"recipient": "The police and crime commissioner", "sent_on": "2026-01-05",
            "method": "Email with the link"}  # fmt: skip
    refused = client.post(reverse("portal:product-dissemination", args=[draft.pk]), sent)
    assert refused.status_code == 400 and "Only a published strategy" in refused.content.decode()
    assert (
        client.post(reverse("portal:product-dissemination", args=[published.pk]), sent).status_code
        == 302
    )
    d = Dissemination.objects.get()
    assert (d.product, d.recipient, d.sent_on) == (published, sent["recipient"], date(2026, 1, 5))
    assert AuditEvent.objects.filter(action="dissemination", target__endswith="v2").exists()


# ---- the definition published with gaps ---------------------------------------------------------


def test_a_definition_with_gaps_is_published_only_as_an_excerpt_of_a_linked_full_text():
    shipped = partnership.load(partnership.DEFAULT_YAML).local_definition
    assert "..." in shipped["text"] and shipped["excerpt"] is True
    assert elision_problem(shipped) is None
    gaps = elision_problem(shipped | {"excerpt": False})
    assert "asvrp-2023" in gaps and "excerpt: true" in gaps and "partnership.yaml" in gaps
    assert "not a web address" in elision_problem(shipped | {"source": "the FAQ"})
    unicode = shipped | {"text": "Homicide and knife crime\u2026", "excerpt": False}
    assert elision_problem(unicode) is not None
    assert (
        elision_problem({"id": "x", "text": "Homicide and knife crime.", "excerpt": False}) is None
    )
    p = partnership.load(partnership.DEFAULT_YAML)
    import dataclasses

    unmarked = dataclasses.replace(p, local_definition=shipped | {"excerpt": False})
    with pytest.raises(SiteError, match="gaps marked"):
        publish_site(None, unmarked, Path("/nonexistent/site"))


def test_the_partnership_file_refuses_an_excerpt_flag_that_is_not_true_or_false(tmp_path):
    text = partnership.DEFAULT_YAML.read_text(encoding="utf-8").replace(
        "excerpt: true", "excerpt: sometimes"
    )
    bad = tmp_path / "partnership.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(partnership.PartnershipConfigError, match=r"local_definition\.excerpt"):
        partnership.load(bad)


# ---- the products cite the record ---------------------------------------------------------------


def _strategy_page(tmp_path, consultations) -> str:
    p = partnership.load(partnership.DEFAULT_YAML)
    plan = strategies.load(strategies.examples()["somerset"])
    out = strategy_page.write(
        plan, tmp_path / f"s{id(consultations)}", partnership=p, area="somerset",
        consultations=consultations,
    )  # fmt: skip
    return out.read_text(encoding="utf-8")


def test_the_strategy_cites_the_consultations_or_says_there_are_none(tmp_path):
    held = ConsultationEntry(
        body="HMP Bristol", kind="Prison authority", held_on=date(2026, 2, 3),
        method="A meeting", said="Resettlement housing", response="",
    )  # fmt: skip
    cited = _strategy_page(tmp_path, (held,))
    assert "HMP Bristol" in cited and "3 February 2026: A meeting" in cited
    assert "Not yet recorded" in cited and 'href="#consultation"' in cited
    none = _strategy_page(tmp_path, ())
    assert "No consultation is on the partnership's record for this area yet" in none
    outside = _strategy_page(tmp_path, None)
    assert "built outside the partnership portal" in outside
    for page in (cited, none, outside):
        assert "This is an excerpt" in page  # the shipped definition's gaps are said


def test_a_draft_saves_the_consultations_it_cites(client, people, configured):
    (configured / "strategies").mkdir()
    (configured / "strategies" / "somerset.yaml").write_bytes(
        strategies.examples()["somerset"].read_bytes()
    )
    consultation(people["analyst"], said="Said before the draft")
    v = product_workflow.start_draft(people["analyst"], "strategy", "somerset")
    consultation(people["analyst"], body="Later body", said="Said after the draft")
    saved = json.loads((Path(v.path) / "consultations.json").read_text(encoding="utf-8"))
    assert [r["said"] for r in saved] == ["Said before the draft"]


# ---- the command line ---------------------------------------------------------------------------


def test_the_command_line_prints_the_record_as_json_and_audits_the_read(
    db, people, configured, monkeypatch
):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", ""))
    runner = CliRunner()
    env = {"SVDUTY_HOME": str(configured), "SVDUTY_PARTNERSHIP": str(partnership.DEFAULT_YAML),
           "SVDUTY_LOADED_BY": "cli-tester"}  # fmt: skip
    empty = runner.invoke(app, ["consultation", "--json"], env=env)
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.output) == {"consultations": []}
    c = consultation(people["analyst"], response="Housing added to priority 3")
    found = json.loads(runner.invoke(app, ["consultation", "--json"], env=env).output)
    assert found["consultations"] == [
        {"id": c.pk, "area": "somerset", "body": "HMP Bristol", "kind": "prison",
         "kind_label": "Prison authority", "held_on": c.held_on.isoformat(),
         "method": "A meeting of the board", "said": "Visits matter",
         "response": "Housing added to priority 3"}
    ]  # fmt: skip
    tracker = runner.invoke(app, ["compliance", "--json"], env=env)
    assert tracker.exit_code == 0, tracker.output
    somerset = next(a for a in json.loads(tracker.output)["areas"] if a["area"] == "somerset")
    prison = next(r for r in somerset["requirements"] if r["id"] == "consulted-prison")
    assert prison["status"] == "met" and prison["date"] == c.held_on.isoformat()
    reads = AuditEvent.objects.filter(action="restricted_view", username="cli-tester")
    assert sorted(reads.values_list("target", flat=True)) == [
        "svduty compliance", "svduty consultation", "svduty consultation",
    ]  # fmt: skip


# ---- the law as the portal states it ------------------------------------------------------------


def test_the_agreement_form_says_what_s16_4_means_and_that_aggregate_only_is_svdutys_own(
    client, people
):
    client.force_login(people["analyst"])
    page = client.get(reverse("portal:agreement-new")).content.decode()
    assert "s16(4) means that s16 itself does not authorise" in page
    assert "other legal gateways may" in page and "its own safeguard" in page
    assert "can only be shared as aggregate" not in page
