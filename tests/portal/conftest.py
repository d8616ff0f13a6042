"""Portal tests: people and organisations. Django itself is configured for the whole session in
tests/conftest.py (pytest_configure), with the portal's data directory in a temporary folder."""

from __future__ import annotations

import pytest


def make_person(username: str, role: str, organisation, password: str = "correct horse battery"):
    """A user with a membership of ``organisation`` in ``role``."""
    from django.contrib.auth import get_user_model

    from svduty.portal.models import Membership

    user = get_user_model().objects.create_user(username=username, password=password)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


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
