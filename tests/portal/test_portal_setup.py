"""The portal's foundations: roles grant what the table says, the audit writer records who,
what and where, and a refusal is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from svduty.portal import audit
from svduty.portal.models import AuditEvent
from svduty.portal.roles import CAPABILITIES, Capability, Role, can


def test_roles_grant_exactly_their_capabilities():
    for role in Role:
        for capability in Capability:
            assert can(role, capability) == (capability in CAPABILITIES[role])
    assert not any(can(None, c) for c in Capability)
    # the separations the partnership relies on
    assert not can(Role.DATA_LEAD, Capability.VIEW_RECORDS)
    assert not can(Role.BOARD, Capability.UPLOAD)
    assert not can(Role.ANALYST, Capability.APPROVE_PRODUCTS)  # no one approves their own draft
    assert can(Role.BOARD, Capability.APPROVE_PRODUCTS)


def test_audit_records_who_what_and_where(rf, people):
    request = rf.get("/x", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="pytest")
    request.user = people["analyst"]
    event = audit.record(request, AuditEvent.Action.DOWNLOAD, "measures.csv", rows=12)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.username == "ana" and stored.organisation == "Somerset Council"
    assert stored.ip_address == "10.1.2.3" and stored.user_agent == "pytest"
    assert stored.action == "download" and stored.detail == {"rows": 12}


@pytest.mark.parametrize("wrong", ["nope", "correct horse"])
def test_a_failed_sign_in_is_audited_without_the_password(rf, people, wrong):
    request = rf.post("/sign-in/", REMOTE_ADDR="10.9.8.7")
    assert authenticate(request=request, username="ana", password=wrong) is None
    event = AuditEvent.objects.get(action="sign_in_failed")
    assert event.username == "ana" and event.ip_address == "10.9.8.7"
    assert wrong not in str(event.detail) and wrong not in event.target
