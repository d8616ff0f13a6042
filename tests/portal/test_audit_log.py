"""The audit log pages: each filter finds exactly the events it should (checked against plain
Python over the same events), pages stay put while reading them adds events, the CSV holds every
filtered event and is itself recorded as a download, and only VIEW_AUDIT roles get in."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from svduty.portal.models import AuditEvent

# the demo's database too: make test runs this file on SQLite as well as PostgreSQL
pytestmark = pytest.mark.sqlite

T0 = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London (BST)

EVENTS = [
    # (minutes after T0, username, organisation, action, target)
    (0, "dale", "Avon and Somerset Constabulary", "upload", "police_crime 2025-06.csv"),
    (-60, "dale", "Avon and Somerset Constabulary", "sign_in", ""),
    (5, "ana", "Somerset Council", "download", "measures/violence-rate.csv"),
    (60 * 24 * 3, "bo", "Somerset Council", "approval", "Strategic needs assessment v2"),
    (60 * 24 * 10, "", "", "sign_in_failed", ""),
    (60 * 24 * 10 + 1, "mallory", "", "sign_in_failed", ""),
    (60 * 24 * 40, "ana", "Somerset Council", "restricted_view", "quarantine police_crime"),
    (60 * 24 * 41, "vi", "NHS Somerset ICB", "refused", "/audit/"),
]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """argon2 takes half a second a password by design; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def events(people):
    made = []
    for minutes, username, organisation, action, target in EVENTS:
        made.append(
            AuditEvent.objects.create(
                at=T0 + timedelta(minutes=minutes),
                username=username,
                organisation=organisation,
                action=action,
                target=target,
                ip_address="10.0.0.1",
            )
        )
    return made


def _local_day(event) -> date:
    return timezone.localtime(event.at).date()


CASES = {
    "person": ({"person": "DAL"}, lambda e: "dal" in e.username.lower()),
    "organisation": (
        {"organisation": "Somerset Council"},
        lambda e: e.organisation == "Somerset Council",
    ),
    "action": ({"action": "sign_in_failed"}, lambda e: e.action == "sign_in_failed"),
    "text": ({"text": "POLICE_CRIME"}, lambda e: "police_crime" in e.target.lower()),
    "from": ({"date_from": "2025-07-01"}, lambda e: _local_day(e) >= date(2025, 7, 1)),
    "to": ({"date_to": "2025-07-01"}, lambda e: _local_day(e) <= date(2025, 7, 1)),
    "range and person": (
        {"date_from": "2025-07-02", "date_to": "2025-07-31", "person": "a"},
        lambda e: date(2025, 7, 2) <= _local_day(e) <= date(2025, 7, 31) and "a" in e.username,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_filter_finds_exactly_the_matching_events(client, people, events, case):
    query, keep = CASES[case]
    client.force_login(people["analyst"])
    before = list(AuditEvent.objects.all())  # includes the sign-in force_login recorded
    response = client.get(reverse("portal:audit"), query)
    assert response.status_code == 200
    shown = [e.pk for e in response.context["page"].object_list]
    expected = sorted((e for e in before if keep(e)), key=lambda e: (e.at, e.pk), reverse=True)
    assert shown == [e.pk for e in expected]
    assert shown, "each case should find something, or it proves little"


def test_dates_are_whole_days_in_london(client, people, events):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London: it belongs to 1 July
    client.force_login(people["analyst"])
    july_first = client.get(
        reverse("portal:audit"), {"date_from": "2025-07-01", "date_to": "2025-07-01"}
    )
    june = client.get(reverse("portal:audit"), {"date_to": "2025-06-30"})
    assert events[0] in july_first.context["page"].object_list
    assert events[0] not in june.context["page"].object_list
    assert events[1] in june.context["page"].object_list  # 22:30 UTC = 23:30 BST on 30 June


def test_a_reversed_date_range_is_an_error_linked_to_its_field(client, people, events):
    client.force_login(people["analyst"])
    response = client.get(
        reverse("portal:audit"), {"date_from": "2025-08-01", "date_to": "2025-07-01"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_date_to"' in html
    assert 'id="id_date_to-error"' in html and 'aria-invalid="true"' in html


def test_every_field_has_a_label_and_its_hint_is_announced(client, people, events):
    client.force_login(people["analyst"])
    parser = _Fields()
    parser.feed(client.get(reverse("portal:audit")).content.decode())
    assert {
        "id_person",
        "id_organisation",
        "id_action",
        "id_date_from",
        "id_date_to",
        "id_text",
    } <= set(parser.controls)
    for control_id, described_by in parser.controls.items():
        assert control_id in parser.labels, f"{control_id} has no label"
        for ref in described_by.split():
            assert ref in parser.ids, f"{control_id} points at missing {ref}"


def test_pages_hold_fifty_newest_first_and_stay_put_while_reading(client, people):
    for i in range(120):
        AuditEvent.objects.create(
            at=T0 + timedelta(minutes=i), username="dale", action="upload", target=f"file-{i:03}"
        )
    client.force_login(people["analyst"])
    first = client.get(reverse("portal:audit"), {"action": "upload"})
    page = first.context["page"]
    assert page.paginator.count == 120 and page.paginator.num_pages == 3
    assert [e.target for e in page] == [f"file-{i:03}" for i in range(119, 69, -1)]
    # viewing the log added an event; the next page of the same search still follows on
    AuditEvent.objects.create(username="dale", action="upload", target="file-late")
    next_href = _link(first.content.decode(), 'rel="next"')
    assert "until=" in next_href
    second = client.get(reverse("portal:audit") + next_href.replace("&amp;", "&"))
    assert [e.target for e in second.context["page"]] == [f"file-{i:03}" for i in range(69, 19, -1)]


def test_viewing_the_log_is_recorded_with_the_filters(client, people, events):
    client.force_login(people["analyst"])
    client.get(reverse("portal:audit"), {"person": "dale", "action": "upload"})
    view = AuditEvent.objects.filter(action="restricted_view", target="audit log").get()
    assert view.username == "ana" and view.organisation == "Somerset Council"
    assert view.detail["filters"] == {"person": "dale", "action": "upload"}


def test_export_holds_every_filtered_event_and_is_recorded_as_a_download(client, people, events):
    for i in range(70):  # more than one page: the export is not just the page shown
        AuditEvent.objects.create(at=T0, username="dale", action="upload", target=f"extra-{i}")
    AuditEvent.objects.create(at=T0, username="=cmd|' /C calc'!A0", action="sign_in_failed")
    client.force_login(people["analyst"])
    before = list(AuditEvent.objects.all())
    response = client.get(reverse("portal:audit-export"), {"date_to": "2025-07-01"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = [e for e in before if _local_day(e) <= date(2025, 7, 1)]
    assert len(rows) == len(expected) == 70 + 1 + 3
    assert {r["target"] for r in rows} == {e.target for e in expected}
    assert all(r["at"].startswith("2025-") for r in rows)
    # a name tried at sign-in cannot become a spreadsheet formula
    assert "'=cmd|' /C calc'!A0" in {r["username"] for r in rows}
    download = AuditEvent.objects.get(action="download", target="audit/export.csv")
    assert download.username == "ana"
    assert download.detail == {"rows": len(rows), "filters": {"date_to": "2025-07-01"}}


@pytest.mark.parametrize("name", ["portal:audit", "portal:audit-export"])
@pytest.mark.parametrize("role", ["data_lead", "board", "viewer"])
def test_roles_without_view_audit_are_refused(client, people, events, name, role):
    client.force_login(people[role])
    response = client.get(reverse(name))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(target__in=["audit log", "audit/export.csv"]).exists()
    assert AuditEvent.objects.filter(action="refused", username=people[role].username).exists()


@pytest.mark.parametrize("name", ["portal:audit", "portal:audit-export"])
def test_anonymous_people_are_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:sign-in"))


class _Fields(HTMLParser):
    """Form controls (id -> aria-describedby), the ids labels point at, and every id."""

    def __init__(self):
        super().__init__()
        self.controls, self.labels, self.ids = {}, set(), set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls[a["id"]] = a.get("aria-describedby") or ""


def _link(html: str, marker: str) -> str:
    start = html.index(marker)
    tag_start = html.rindex("<a ", 0, start)
    href = html.index('href="', tag_start) + len('href="')
    return html[href : html.index('"', href)]


def test_the_deployment_guide_lists_every_audited_action():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text()
    section = guide[guide.index("## What the audit log records") :]
    missing = [label for _, label in AuditEvent.Action.choices if label not in section]
    assert not missing, f"docs/deploy.md does not say when these are written: {missing}"
