"""Portal tests: people and organisations. Django itself is configured for the whole session in
tests/conftest.py (pytest_configure), with the portal's data directory in a temporary folder."""

from __future__ import annotations

import csv
import io

import pytest


def make_person(username: str, role: str, organisation, password: str = "correct horse battery"):
    """A user with a membership of ``organisation`` in ``role``."""
    from django.contrib.auth import get_user_model

    from svduty.portal.models import Membership

    user = get_user_model().objects.create_user(username=username, password=password)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """A CSV file's bytes (UTF-8, LF line endings), as a partner's extract would be uploaded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def cheap_argon2(monkeypatch):
    """Argon2 as configured, at a test-sized cost: Django's default (100 MiB, 8 lanes) takes
    about half a second a hash here, and the tests that sign in make and check dozens."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    monkeypatch.setattr(Argon2PasswordHasher, "memory_cost", 1024)
    monkeypatch.setattr(Argon2PasswordHasher, "parallelism", 1)
    monkeypatch.setattr(Argon2PasswordHasher, "time_cost", 1)


@pytest.fixture(autouse=True)
def _test_sized_hashing(request):
    """Every portal test hashes passwords at cheap_argon2's cost, except those marked
    ``argon2_cost`` (the tests of hashing itself): argon2 at the portal's cost is half a second
    a password, and the ``people`` fixture alone makes four. Still argon2, so a test that a hash
    is argon2 passes either way; a test that sets PASSWORD_HASHERS itself is unaffected."""
    if request.node.get_closest_marker("argon2_cost") is None:
        request.getfixturevalue("cheap_argon2")


@pytest.fixture(autouse=True)
def _dashboard_warming(request, settings):
    """The worker warms the dashboards after a load only in tests marked ``warms_dashboards``
    (the journey and the warming's own tests): elsewhere it would compute every measure after
    each of a test's loads, seconds a test, for figures no one reads."""
    settings.DASHBOARD_WARMING = request.node.get_closest_marker("warms_dashboards") is not None


@pytest.fixture
def organisations(db):
    """Three organisations of different kinds: police, an ICB (health) and a council."""
    from svduty.portal.models import Organisation

    return {
        "police": Organisation.objects.create(name="Avon and Somerset Constabulary", kind="police"),
        "icb": Organisation.objects.create(name="NHS Somerset ICB", kind="integrated_care_board"),
        "council": Organisation.objects.create(name="Somerset Council", kind="local_authority"),
    }


@pytest.fixture
def people(organisations):
    """One person per role: analyst (council), data lead (police), board member, viewer."""
    return {
        "analyst": make_person("ana", "analyst", organisations["council"]),
        "data_lead": make_person("dale", "data_lead", organisations["police"]),
        "board": make_person("bo", "board", organisations["council"]),
        "viewer": make_person("vi", "viewer", organisations["icb"]),
    }
