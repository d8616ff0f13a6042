"""Data sharing agreements: who sees which, the checks on recording one (health data aggregate
only under s16(4), dates, feeds, owner), the audit of changes, the demo seed and its lapsed fire
agreement, which blocks fire uploads and says who can fix it."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from svduty import partnership
from svduty.portal.agreements import permits
from svduty.portal.models import Agreement, AuditEvent, Organisation, PartnershipGroup
from svduty.portal.roles import CAPABILITIES, Capability
from svduty.portal.seed import FEED_PROVIDERS, LAPSED_FEED, VOLUNTARY_BODY, seed
from svduty.sources.feeds import FEEDS

TODAY = date(2026, 3, 1)


pytestmark = pytest.mark.usefixtures("cheap_argon2")  # every test here hashes passwords


def make_agreement(title, parties, feeds, owner, *, review=None, aggregate_only=False):
    today = timezone.localdate()
    a = Agreement.objects.create(
        title=title, purpose="p", legal_basis="s16", gdpr_basis="6(1)(e)", data_categories="c",
        feeds=feeds, aggregate_only=aggregate_only, retention="7 years",
        starts=today - timedelta(days=10), review_date=review or today + timedelta(days=300),
        owner=owner,
    )  # fmt: skip
    a.parties.set(parties)
    return a


@pytest.fixture
def agreements(organisations):
    police, icb, council = organisations["police"], organisations["icb"], organisations["council"]
    return {
        "police": make_agreement("Police crime", [police, council], ["police-crime"], police),
        "health": make_agreement(
            "ED assaults", [icb, council], ["ed-assaults"], icb, aggregate_only=True
        ),
    }


def form_data(organisations, **changes) -> dict:
    data = {
        "title": "Youth justice counts",
        "parties": [organisations["council"].pk, organisations["police"].pk],
        "owner": organisations["council"].pk,
        "purpose": "The strategic needs assessment",
        "legal_basis": "s16",
        "gdpr_basis": "Article 6(1)(e)",
        "data_categories": "Counts by area",
        "feeds": ["youth-justice"],
        "retention": "7 years",
        "starts": "2026-04-01",
        "review_date": "2027-04-01",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_every_role_that_manages_agreements_can_read_them():
    # the views gate reading on UPLOAD and widen it with MANAGE_AGREEMENTS (views/agreements.py)
    for role, capabilities in CAPABILITIES.items():
        if Capability.MANAGE_AGREEMENTS in capabilities:
            assert Capability.UPLOAD in capabilities, role


def test_a_data_lead_sees_only_their_organisations_agreements(client, people, agreements):
    client.force_login(people["data_lead"])  # police
    listing = client.get(reverse("portal:agreements")).content.decode()
    assert "Police crime" in listing and "ED assaults" not in listing
    own = client.get(reverse("portal:agreement", args=[agreements["police"].pk]))
    assert own.status_code == 200 and "Avon and Somerset Constabulary" in own.content.decode()
    other = client.get(reverse("portal:agreement", args=[agreements["health"].pk]))
    assert other.status_code == 404
    # and cannot change even their own
    edit = reverse("portal:agreement-edit", args=[agreements["police"].pk])
    assert client.get(edit).status_code == 403


def test_an_analyst_sees_every_agreement(client, people, agreements):
    client.force_login(people["analyst"])
    listing = client.get(reverse("portal:agreements")).content.decode()
    assert "Police crime" in listing and "ED assaults" in listing
    detail = client.get(reverse("portal:agreement", args=[agreements["health"].pk]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "PCSC Act 2022 s16" in page and "ed-assaults" in page and "In force" in page


@pytest.mark.parametrize("role", ["board", "viewer"])
def test_roles_without_agreements_are_refused(client, people, agreements, role):
    client.force_login(people[role])
    assert client.get(reverse("portal:agreements")).status_code == 403
    assert (
        client.get(reverse("portal:agreement", args=[agreements["police"].pk])).status_code == 403
    )


def test_status_in_the_list(client, people, organisations):
    today = timezone.localdate()
    police = organisations["police"]
    make_agreement("Lapsed one", [police], ["fire"], police, review=today - timedelta(days=1))
    gone = make_agreement("Gone one", [police], ["probation"], police)
    gone.withdrawn = True
    gone.save()
    make_agreement("Current one", [police], ["police-crime"], police)
    client.force_login(people["analyst"])
    page = client.get(reverse("portal:agreements")).content.decode()
    rows = dict(
        re.findall(r">(\w+ one)</a></th>\s*<td><strong class=\"tag [\w-]+\">([^<]+)<", page)
    )
    assert rows == {
        "Current one": "In force", "Gone one": "Withdrawn", "Lapsed one": "Review overdue"
    }  # fmt: skip


def test_a_health_party_without_aggregate_only_is_refused_citing_s16_4(
    client, people, organisations
):
    client.force_login(people["analyst"])
    parties = [organisations["icb"].pk, organisations["council"].pk]
    response = client.post(
        reverse("portal:agreement-new"), form_data(organisations, parties=parties)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "s16(4)" in page and "NHS Somerset ICB" in page and 'href="#id_aggregate_only"' in page
    assert not Agreement.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.AGREEMENT_CHANGE).exists()


def test_a_health_feed_without_aggregate_only_is_refused(client, people, organisations):
    health = [f for f, feed in FEEDS.items() if feed.health]
    assert {"ed-assaults", "hospital-admissions"} <= set(health)
    client.force_login(people["analyst"])
    for feed in health:
        response = client.post(
            reverse("portal:agreement-new"), form_data(organisations, feeds=[feed])
        )
        assert response.status_code == 400 and "s16(4)" in response.content.decode()
    ok = client.post(
        reverse("portal:agreement-new"),
        form_data(organisations, feeds=health, aggregate_only="on"),
    )
    assert ok.status_code == 302
    assert Agreement.objects.get().aggregate_only


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"review_date": "2026-03-31"}, "review_date", "must be after the start date"),
        ({"review_date": "2026-04-01"}, "review_date", "must be after the start date"),
        ({"feeds": ["youth-justice", "tarot"]}, "feeds", "tarot is not a feed svduty takes"),
        ({"feeds": None}, "feeds", "Choose at least one feed"),
        ({"owner": "ICB"}, "owner", "must be one of the parties"),
    ],
)
def test_invalid_agreements_are_refused(client, people, organisations, changes, field, message):
    if changes.get("owner") == "ICB":
        changes = {"owner": organisations["icb"].pk}
    client.force_login(people["analyst"])
    response = client.post(reverse("portal:agreement-new"), form_data(organisations, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and f'id="id_{field}-error"' in page
    assert not Agreement.objects.exists()


def test_recording_an_agreement_is_audited_with_every_field(client, people, organisations):
    client.force_login(people["analyst"])
    response = client.post(
        reverse("portal:agreement-new"), form_data(organisations), REMOTE_ADDR="10.0.0.9"
    )
    a = Agreement.objects.get()
    assert response["Location"] == reverse("portal:agreement", args=[a.pk])
    assert set(a.parties.all()) == {organisations["council"], organisations["police"]}
    assert a.feeds == ["youth-justice"] and a.review_date == date(2027, 4, 1)
    event = AuditEvent.objects.get(action=AuditEvent.Action.AGREEMENT_CHANGE)
    assert event.username == "ana" and event.ip_address == "10.0.0.9"
    assert event.detail["created"] is True
    assert event.detail["changed"]["feeds"] == {"before": None, "after": ["youth-justice"]}
    assert event.detail["changed"]["parties"]["after"] == [
        "Avon and Somerset Constabulary", "Somerset Council"
    ]  # fmt: skip


def test_changing_an_agreement_audits_only_what_changed(client, people, organisations, agreements):
    a = agreements["police"]
    old_review = a.review_date
    client.force_login(people["analyst"])
    data = form_data(
        organisations,
        title=a.title,
        parties=[o.pk for o in a.parties.all()],
        owner=a.owner.pk,
        purpose=a.purpose,
        gdpr_basis=a.gdpr_basis,
        data_categories=a.data_categories,
        feeds=a.feeds,
        retention=a.retention,
        starts=a.starts.isoformat(),
        review_date="2030-01-31",
    )
    response = client.post(reverse("portal:agreement-edit", args=[a.pk]), data)
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.review_date == date(2030, 1, 31)
    event = AuditEvent.objects.get(action=AuditEvent.Action.AGREEMENT_CHANGE)
    assert event.detail == {
        "created": False,
        "changed": {"review_date": {"before": old_review.isoformat(), "after": "2030-01-31"}},
    }
    assert event.target == f"agreement {a.pk}: Police crime"
    # a health party added without aggregate_only is refused on edit too
    data["parties"] = [*data["parties"], organisations["icb"].pk]
    refused = client.post(reverse("portal:agreement-edit", args=[a.pk]), data)
    assert refused.status_code == 400 and "s16(4)" in refused.content.decode()
    assert organisations["icb"] not in a.parties.all()


def test_the_seed_makes_the_partnership_and_a_lapsed_fire_agreement(db):
    made = seed(partnership.load(), today=TODAY)
    config = partnership.load()
    bodies = [*config.specified_authorities, *config.other_bodies]
    assert {(b["name"], b["kind"]) for b in bodies} | {(VOLUNTARY_BODY, "voluntary_sector")} == set(
        Organisation.objects.values_list("name", "kind")
    )
    somerset_vrp = PartnershipGroup.objects.get(name="Somerset Violence Reduction Partnership")
    assert somerset_vrp.parent.name == "Safer Somerset Partnership"
    assert somerset_vrp.area_id == "somerset"
    assert somerset_vrp.local_authority_codes == ["E06000066"]
    board = PartnershipGroup.objects.get(name__endswith="board")
    assert board.area_id == "avon-and-somerset" and len(board.local_authority_codes) == 5

    # one agreement per feed, its parties the organisations that send it
    for feed_id, feed in FEEDS.items():
        (a,) = [a for a in Agreement.objects.all() if a.feeds == [feed_id]]
        kinds = {o.kind for o in a.parties.all()} - {"police_and_crime_commissioner"}
        assert kinds == set(FEED_PROVIDERS[feed_id])
        assert a.owner in a.parties.all()
        if feed.health or kinds & Organisation.HEALTH:
            assert a.aggregate_only
        lapsed = a.review_date < TODAY
        assert lapsed == (feed_id == LAPSED_FEED)
        if not lapsed:
            assert a.review_date == TODAY + timedelta(days=365)

    roles = {(u.username, u.role) for u in made}
    assert ("analyst", "analyst") in roles and ("board", "board") in roles
    assert ("viewer", "viewer") in roles
    leads = {u.organisation for u in made if u.role == "data_lead"}
    kinds = set(Organisation.objects.filter(name__in=leads).values_list("kind", flat=True))
    assert {"police", "integrated_care_board"} <= kinds
    assert next(u for u in made if u.username == "analyst").organisation == "Somerset Council"
    for u in made:
        assert get_user_model().objects.get(username=u.username).password.startswith("argon2")


def test_the_lapsed_fire_agreement_blocks_uploads_and_says_who_can_fix_it(db):
    seed(partnership.load())
    today = timezone.localdate()
    fire = Organisation.objects.filter(kind="fire_and_rescue").first()
    (agreement,) = Agreement.objects.filter(parties=fire)
    assert agreement.review_date < today  # independently: the review date has passed
    permit = permits(fire, "fire")
    assert not permit.ok and permit.agreement == agreement
    assert "passed its review date" in permit.reason
    assert f"{agreement.review_date:%d %B %Y}" in permit.reason
    assert str(agreement.owner) in permit.fix and "partnership analyst" in permit.fix
    police = Organisation.objects.get(kind="police")
    assert permits(police, "police-crime").ok
    assert not permits(police, "fire").ok  # not a party: no agreement lets it


def test_seed_demo_is_idempotent_and_prints_passwords_only_the_first_time(rf, db):
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    counts = [m.objects.count() for m in (Organisation, PartnershipGroup, Agreement)]
    lines = re.findall(r"^  (\S+)\s+(\S+)\s+(\w+), (.+)$", first.getvalue(), re.M)
    assert len(lines) == get_user_model().objects.count() >= 4
    for username, password, _role, _org in lines:  # the printed password is the real one
        assert authenticate(rf.post("/sign-in/"), username=username, password=password)

    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert "exist already" in second.getvalue()
    assert all(password not in second.getvalue() for _, password, _, _ in lines)
    assert [m.objects.count() for m in (Organisation, PartnershipGroup, Agreement)] == counts
    assert get_user_model().objects.count() == len(lines)
    assert seed() == []
