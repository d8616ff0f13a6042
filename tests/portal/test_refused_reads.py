"""Refused reads of another organisation's objects: a data sharing agreement the person's
organisation is not party to is not found (404, its existence not confirmed, exactly as for an
agreement that does not exist), and the attempt is in the audit log as a refusal naming the
object by its number, never by anything about a person. Someone who may see it gets it, and no
refusal is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.conftest import make_person
from svduty.portal.models import Agreement, AuditEvent


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Nobody here signs in with a password (force_login): argon2's cost buys nothing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _agreement(title: str, parties) -> Agreement:
    today = timezone.localdate()
    a = Agreement.objects.create(
        title=title,
        purpose="The strategic needs assessment",
        legal_basis="s16",
        gdpr_basis="Article 6(1)(e)",
        data_categories="Counts by area",
        feeds=["ed-assaults"],
        aggregate_only=True,
        retention="7 years",
        starts=today - timedelta(days=30),
        review_date=today + timedelta(days=365),
        owner=parties[0],
    )
    a.parties.set(parties)
    return a


@pytest.fixture
def health_agreement(organisations) -> Agreement:
    """An agreement between the ICB and the council: the police are not party to it."""
    return _agreement(
        "ED assaults (ICB and council)", [organisations["icb"], organisations["council"]]
    )


def _refusals():
    return AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED)


def test_another_organisations_agreement_is_not_found_and_the_refusal_audited(
    client, people, health_agreement
):
    lead = people["data_lead"]  # police: not a party
    client.force_login(lead)
    url = reverse("portal:agreement", args=[health_agreement.pk])
    response = client.get(url, HTTP_USER_AGENT="pytest")
    assert response.status_code == 404
    assert health_agreement.title not in response.content.decode()
    event = _refusals().get()
    assert event.user_id == lead.pk and event.username == "dale"
    assert event.organisation == "Avon and Somerset Constabulary"
    assert event.action == "refused"
    assert event.target == url == f"/agreements/{health_agreement.pk}/"
    # the object by its number and why; nothing else (no title, no one's name)
    assert event.detail == {
        "agreement": health_agreement.pk,
        "reason": "no such agreement, or one the organisation is not party to",
    }
    assert event.ip_address == "127.0.0.1" and event.user_agent == "pytest"


def test_another_organisations_agreement_looks_exactly_like_a_missing_one(
    client, people, health_agreement
):
    client.force_login(people["data_lead"])
    missing = Agreement.objects.order_by("-pk").first().pk + 1000
    other = client.get(reverse("portal:agreement", args=[health_agreement.pk]))
    absent = client.get(reverse("portal:agreement", args=[missing]))
    assert other.status_code == absent.status_code == 404
    assert other.content == absent.content  # nothing tells the two apart
    assert sorted(_refusals().values_list("detail__agreement", flat=True)) == sorted(
        [health_agreement.pk, missing]
    )


@pytest.mark.parametrize("who", ["analyst", "party_lead"])
def test_a_person_who_may_see_the_agreement_gets_it_and_no_refusal(
    client, people, organisations, health_agreement, who
):
    person = (
        people["analyst"]  # sees every agreement
        if who == "analyst"
        else make_person("hana", "data_lead", organisations["icb"])  # a party's data lead
    )
    client.force_login(person)
    response = client.get(reverse("portal:agreement", args=[health_agreement.pk]))
    assert response.status_code == 200
    assert health_agreement.title in response.content.decode()
    assert not _refusals().exists()


def test_a_refusal_is_audited_for_each_attempt(client, people, health_agreement):
    """Probing is visible: every attempt is its own event, not one per person."""
    client.force_login(people["data_lead"])
    url = reverse("portal:agreement", args=[health_agreement.pk])
    for _ in range(3):
        assert client.get(url).status_code == 404
    assert _refusals().filter(target=url, user=people["data_lead"]).count() == 3
