"""Accounts: signing in and out (audited, throttled by django-axes), two-factor codes, the home
page, people's roles (audited with the before and after), argon2 hashes and the read-only admin."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import datetime, timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from svduty.portal.models import AuditEvent, Membership, PartnershipGroup

PASSWORD = "correct horse battery"  # conftest.make_person's default
IP = "10.20.30.40"


pytestmark = pytest.mark.usefixtures("cheap_argon2")  # every test here hashes passwords


def sign_in(client, username, password, **extra):
    return client.post(
        reverse("portal:sign-in"), {"username": username, "password": password}, REMOTE_ADDR=IP,
        **extra,
    )  # fmt: skip


def signed_in(client) -> bool:
    response = client.get(reverse("portal:home"))
    return response.status_code == 200


def code(key: bytes, drift: int = 0) -> str:
    """The code an authenticator app shows, computed from the key (RFC 6238, django_otp.oath)."""
    return f"{totp(key, drift=drift):06d}"


def test_passwords_are_hashed_with_argon2(people):
    assert people["analyst"].password.startswith("argon2")


def test_anonymous_home_goes_to_sign_in(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))


def test_sign_in_with_the_right_password_is_audited_with_the_address(client, people):
    response = sign_in(client, "ana", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN)
    assert event.username == "ana" and event.ip_address == IP
    assert event.organisation == "Somerset Council"
    home = client.get(reverse("portal:home")).content.decode()
    assert "Somerset Council" in home and "Partnership analyst" in home
    assert "Change people" in home  # an analyst manages people
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED).exists()


def test_home_lists_only_what_the_role_allows(client, people):
    sign_in(client, "vi", PASSWORD)
    home = client.get(reverse("portal:home")).content.decode()
    assert "NHS Somerset ICB" in home and "Viewer" in home
    assert "success measures" in home
    for beyond in ("Upload extracts", "Search and export", "Change people", "Approve products"):
        assert beyond not in home


def test_sign_in_with_the_wrong_password_fails_and_is_audited(client, people):
    response = sign_in(client, "ana", "not the password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#id_username"' in page
    assert not signed_in(client)
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.username == "ana" and event.ip_address == IP
    assert "not the password" not in str(event.detail)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN).exists()


def test_five_failures_lock_the_account_and_say_when_to_try_again(client, people, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert sign_in(client, "ana", "wrong").status_code == 200
    locked = sign_in(client, "ana", "wrong")
    expected = timezone.localtime() + timedelta(hours=settings.AXES_COOLOFF_TIME)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Your account is locked" in page and "partnership analyst" in page
    assert "try again in 30 minutes" in page
    shown = re.search(r"after (\d\d:\d\d) on (\d+ \w+ \d{4})", page)
    at = datetime.strptime(" ".join(shown.groups()), "%H:%M %d %B %Y")
    assert abs(at - expected.replace(tzinfo=None, second=0, microsecond=0)) <= timedelta(minutes=1)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED).count() == 5
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOCKED_OUT).username == "ana"
    # now even the right password is refused, and the refusal is audited too
    again = sign_in(client, "ana", PASSWORD)
    assert again.status_code == 429 and "Your account is locked" in again.content.decode()
    assert not signed_in(client)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN).exists()


@pytest.mark.parametrize("step", ["portal:sign-in", "portal:sign-in-code"])
def test_a_signed_in_person_sent_back_to_sign_in_goes_home(client, people, step):
    """?next= naming a step of signing in would send a signed-in person round in a loop."""
    client.force_login(people["analyst"])
    for next_url in (reverse(step), reverse(step) + "?next=/"):
        response = client.get(reverse("portal:sign-in"), {"next": next_url})
        assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_signing_in_with_next_naming_the_sign_in_page_goes_home(client, people):
    response = client.post(
        reverse("portal:sign-in") + "?next=" + reverse("portal:sign-in"),
        {"username": "ana", "password": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_a_signed_in_person_still_follows_a_safe_next(client, people):
    client.force_login(people["analyst"])
    response = client.get(reverse("portal:sign-in"), {"next": reverse("portal:people")})
    assert response.status_code == 302 and response["Location"] == reverse("portal:people")
    outside = client.get(reverse("portal:sign-in"), {"next": "https://evil.example/"})
    assert outside["Location"] == reverse("portal:home")


def test_sign_out_is_post_only_and_audited(client, people):
    sign_in(client, "ana", PASSWORD)
    assert client.get(reverse("portal:sign-out")).status_code == 405
    assert signed_in(client)
    response = client.post(reverse("portal:sign-out"))
    assert response.status_code == 302 and not signed_in(client)
    assert AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT).username == "ana"


@pytest.fixture
def device(people):
    return TOTPDevice.objects.create(user=people["analyst"], name="phone", confirmed=True)


def test_a_person_with_a_device_needs_a_valid_code(client, people, device):
    response = sign_in(client, "ana", PASSWORD)
    assert response["Location"] == reverse("portal:sign-in-code")
    assert not signed_in(client)  # the password alone is not enough
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN).exists()

    near = {code(device.bin_key, d) for d in (-1, 0, 1)}  # the codes the device would accept
    wrong = next(c for c in ("000000", "111111", "222222") if c not in near)
    refused = client.post(reverse("portal:sign-in-code"), {"code": wrong}, REMOTE_ADDR=IP)
    assert refused.status_code == 400 and "not right" in refused.content.decode()
    assert not signed_in(client)
    failed = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert failed.username == "ana" and failed.ip_address == IP
    assert "wait" not in refused.content.decode()

    # django-otp makes the person wait after a wrong code, even for the right one
    hasty = client.post(reverse("portal:sign-in-code"), {"code": code(device.bin_key)})
    assert hasty.status_code == 400 and "wait 1 second," in hasty.content.decode()
    assert not signed_in(client)
    device.refresh_from_db()  # as if the wait had passed
    device.throttling_failure_timestamp -= timedelta(seconds=5)
    device.save()

    right = client.post(
        reverse("portal:sign-in-code"), {"code": code(device.bin_key)}, REMOTE_ADDR=IP
    )
    assert right.status_code == 302 and right["Location"] == reverse("portal:home")
    assert signed_in(client)
    assert client.session["otp_device_id"] == device.persistent_id  # verified session
    assert AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN).ip_address == IP


def test_the_code_step_needs_the_password_step_first(client, people, device):
    response = client.post(reverse("portal:sign-in-code"), {"code": code(device.bin_key)})
    assert response.status_code == 302 and response["Location"] == reverse("portal:sign-in")
    assert not signed_in(client)


def test_wrong_codes_count_towards_the_lockout(client, people, device):
    sign_in(client, "ana", PASSWORD)
    near = {code(device.bin_key, d) for d in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222") if c not in near)
    for _ in range(5):
        last = client.post(reverse("portal:sign-in-code"), {"code": wrong}, REMOTE_ADDR=IP)
    assert last.status_code == 429 and "Your account is locked" in last.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).exists()
    # the right code no longer helps: the pending sign-in is gone
    after = client.post(reverse("portal:sign-in-code"), {"code": code(device.bin_key)})
    assert after.status_code == 302 and not signed_in(client)


def test_setting_up_two_factor_with_the_secret_shown(client, people):
    client.force_login(people["board"])
    page = client.get(reverse("portal:two-factor")).content.decode()
    assert "<svg" in page and "QR code" in page
    assert "http" not in re.search(r"<svg.*?</svg>", page, re.S).group(0).replace(
        "http://www.w3.org", ""
    )  # drawn inline: no external request
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    key = b32decode(secret)  # what a person types into their app
    assert key == TOTPDevice.objects.get(user=people["board"]).bin_key

    refused = client.post(reverse("portal:two-factor"), {"code": "12345"})
    assert refused.status_code == 400 and "6-digit" in refused.content.decode()
    assert not TOTPDevice.objects.get(user=people["board"]).confirmed

    client.post(reverse("portal:two-factor"), {"code": code(key)})
    assert TOTPDevice.objects.get(user=people["board"]).confirmed
    assert "is <strong>on</strong>" in client.get(reverse("portal:two-factor")).content.decode()

    # turning it off needs a fresh code (the one used is spent: the next step's is accepted)
    client.post(reverse("portal:two-factor"), {"code": code(key, drift=1)})
    assert not TOTPDevice.objects.filter(user=people["board"]).exists()
    changes = AuditEvent.objects.filter(action="two_factor", username="bo").order_by("at", "id")
    assert [e.detail["on"] for e in changes] == [True, False]


def test_two_factor_page_needs_sign_in(client, db):
    response = client.get(reverse("portal:two-factor"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))


def test_people_lists_and_role_change_is_audited_with_before_and_after(
    client, people, organisations
):
    board = PartnershipGroup.objects.create(name="Board", area_id="avon-and-somerset")
    client.force_login(people["analyst"])
    listing = client.get(reverse("portal:people")).content.decode()
    for username, org in (("dale", "Avon and Somerset Constabulary"), ("vi", "NHS Somerset ICB")):
        assert username in listing and org in listing

    response = client.post(
        reverse("portal:person", args=[people["data_lead"].pk]),
        {"role": "board", "organisation": organisations["council"].pk, "groups": [board.pk]},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    m = Membership.objects.get(user=people["data_lead"])
    assert (m.role, m.organisation, list(m.groups.all())) == (
        "board",
        organisations["council"],
        [board],
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_CHANGE)
    assert event.username == "ana" and event.target == "dale" and event.ip_address == IP
    assert event.detail["before"] == {
        "role": "data_lead", "organisation": "Avon and Somerset Constabulary", "groups": []
    }  # fmt: skip
    assert event.detail["after"] == {
        "role": "board", "organisation": "Somerset Council", "groups": ["Board"]
    }  # fmt: skip
    assert event.detail["changed"] == ["groups", "organisation", "role"]


def test_analysts_cannot_change_their_own_role(client, people, organisations):
    client.force_login(people["analyst"])
    response = client.post(
        reverse("portal:person", args=[people["analyst"].pk]),
        {"role": "viewer", "organisation": organisations["council"].pk},
    )
    assert response.status_code == 400 and "your own role" in response.content.decode()
    assert Membership.objects.get(user=people["analyst"]).role == "analyst"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_CHANGE).exists()


def test_no_one_moves_themselves_to_another_organisation(client, people, organisations):
    """An analyst who could move to the police could then confirm the police's uploads."""
    client.force_login(people["analyst"])
    response = client.post(
        reverse("portal:person", args=[people["analyst"].pk]),
        {"role": "analyst", "organisation": organisations["police"].pk},
    )
    assert response.status_code == 400 and "your own organisation" in response.content.decode()
    m = Membership.objects.get(user=people["analyst"])
    assert (m.role, m.organisation) == ("analyst", organisations["council"])
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_CHANGE).exists()
    refused = AuditEvent.objects.get(action=AuditEvent.Action.REFUSED)
    assert refused.username == "ana" and refused.target == response.request["PATH_INFO"]


def test_ones_own_groups_can_still_be_changed(client, people, organisations):
    board = PartnershipGroup.objects.create(name="Board", area_id="avon-and-somerset")
    client.force_login(people["analyst"])
    response = client.post(
        reverse("portal:person", args=[people["analyst"].pk]),
        {"role": "analyst", "organisation": organisations["council"].pk, "groups": [board.pk]},
    )
    assert response.status_code == 302
    assert list(Membership.objects.get(user=people["analyst"]).groups.all()) == [board]


@pytest.mark.parametrize("role", ["data_lead", "board", "viewer"])
def test_only_people_managers_see_people(client, people, role):
    client.force_login(people[role])
    assert client.get(reverse("portal:people")).status_code == 403
    assert client.post(
        reverse("portal:person", args=[people["viewer"].pk]), {"role": "analyst"}
    ).status_code == 403  # fmt: skip
    assert Membership.objects.get(user=people["viewer"]).role == "viewer"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED).count() == 2


def test_the_audit_log_is_read_only_in_the_admin(rf, people):
    from svduty.portal.models import AuditEvent as Event

    request = rf.get("/admin/")
    request.user = people["analyst"]
    request.user.is_superuser = True
    model_admin = admin.site._registry[Event]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)
