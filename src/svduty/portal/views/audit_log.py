"""Views: the audit log, searched and exported by people whose role may (VIEW_AUDIT).

The log holds staff accounts' names and addresses, so reading it is itself a restricted view and
exporting it a download: both are recorded, and the log shows who has looked at it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from svduty.portal import audit
from svduty.portal.access import require
from svduty.portal.models import AuditEvent, Organisation
from svduty.portal.roles import Capability

__all__ = ["AuditSearchForm", "csv_rows", "filter_events", "urlpatterns"]

PAGE_SIZE = 50
CSV_COLUMNS = (
    "at", "username", "organisation", "action", "action_label", "target", "ip_address",
    "user_agent", "detail",
)  # fmt: skip
# A spreadsheet runs a cell beginning with one of these as a formula; names tried at sign-in and
# user agents come from outside, so a cell that starts with one is quoted (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AuditSearchForm(forms.Form):
    """Every filter is optional; an empty form finds every event, newest first."""

    person = forms.CharField(
        required=False,
        max_length=150,
        label="Person",
        help_text="All or part of a username, including names tried at a failed sign-in.",
    )
    organisation = forms.ChoiceField(required=False, label="Organisation")
    action = forms.ChoiceField(
        required=False,
        label="Action",
        choices=[("", "Any action"), *AuditEvent.Action.choices],
    )
    date_from = forms.DateField(
        required=False,
        label="From",
        help_text="The first day to include, for example 2025-04-01.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        required=False,
        label="To",
        help_text="The last day to include.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    text = forms.CharField(
        required=False,
        max_length=300,
        label="What it was about",
        help_text="Words in the target: a page, a file name, a feed or a product.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # organisations as recorded: one renamed or gone since is still found under its old name
        names = set(Organisation.objects.values_list("name", flat=True))
        names |= set(
            AuditEvent.objects.exclude(organisation="")
            .values_list("organisation", flat=True)
            .distinct()
        )
        self.fields["organisation"].choices = [
            ("", "Any organisation"),
            *((n, n) for n in sorted(names)),
        ]
        for name, field in self.fields.items():
            css = "select" if isinstance(field, forms.ChoiceField) else "input"
            field.widget.attrs.setdefault("class", css)
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-hint"

    def full_clean(self):
        super().full_clean()
        # a field in error is described by its message as well as its hint (GOV.UK pattern)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                ids = [attrs.get("aria-describedby", ""), f"id_{name}-error"]
                attrs["aria-describedby"] = " ".join(i for i in ids if i)
                attrs["aria-invalid"] = "true"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The 'To' date must be the same as or after the 'From' date.")
        return cleaned

    def filters(self) -> dict[str, str]:
        """The filters in use, as text, for the audit record of this search."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in ("", None)}


def filter_events(events: QuerySet, criteria: dict) -> QuerySet:
    """``events`` narrowed by the cleaned search criteria (dates are whole local days)."""
    if criteria.get("person"):
        events = events.filter(username__icontains=criteria["person"])
    if criteria.get("organisation"):
        events = events.filter(organisation=criteria["organisation"])
    if criteria.get("action"):
        events = events.filter(action=criteria["action"])
    if criteria.get("date_from"):
        events = events.filter(at__date__gte=criteria["date_from"])
    if criteria.get("date_to"):
        events = events.filter(at__date__lte=criteria["date_to"])
    if criteria.get("text"):
        events = events.filter(target__icontains=criteria["text"])
    return events


def _safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(events: Iterable[AuditEvent]) -> Iterator[list[str]]:
    """The header, then one row per event: local time, who, what, where; safe for spreadsheets."""
    yield list(CSV_COLUMNS)
    for e in events:
        yield [
            _safe_cell(v)
            for v in (
                timezone.localtime(e.at).isoformat(),
                e.username,
                e.organisation,
                e.action,
                e.get_action_display(),
                e.target,
                e.ip_address,
                e.user_agent,
                json.dumps(e.detail, sort_keys=True, default=str) if e.detail else "",
            )
        ]


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _snapshot(request: HttpRequest) -> int:
    """The newest event a search covers: from the request (so the pages of one search stay put
    while viewing them adds events) or else the newest event now."""
    try:
        until = int(request.GET.get("until", ""))
    except ValueError:
        until = 0
    if until > 0:
        return until
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _search(request: HttpRequest) -> tuple[AuditSearchForm, QuerySet | None, int]:
    params = request.GET.copy()
    for name in ("page", "until"):
        params.pop(name, None)
    form = AuditSearchForm(params or None)
    until = _snapshot(request)
    if form.is_bound and not form.is_valid():
        return form, None, until
    criteria = form.cleaned_data if form.is_bound else {}
    return form, filter_events(AuditEvent.objects.filter(pk__lte=until), criteria), until


def _render_search(request, form, page, until, status=200) -> HttpResponse:
    return render(
        request,
        "portal/audit/search.html",
        {"title": "Audit log", "form": form, "page": page, "until": until},
        status=status,
    )


@require(Capability.VIEW_AUDIT)
def search(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by the form, 50 events a page."""
    form, events, until = _search(request)
    if events is None:
        return _render_search(request, form, None, until, status=400)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    audit.record(
        request,
        AuditEvent.Action.RESTRICTED_VIEW,
        "audit log",
        page=page.number,
        filters=form.filters() if form.is_bound else {},
    )
    return _render_search(request, form, page, until)


@require(Capability.VIEW_AUDIT)
def export(request: HttpRequest) -> HttpResponse:
    """The filtered events as CSV (all of them, not one page), recorded as a download."""
    form, events, until = _search(request)
    if events is None:
        return _render_search(request, form, None, until, status=400)
    audit.record(
        request,
        AuditEvent.Action.DOWNLOAD,
        "audit/export.csv",
        rows=events.count(),
        filters=form.filters() if form.is_bound else {},
    )
    writer = csv.writer(_Echo())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in csv_rows(events.iterator(chunk_size=2000))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="svduty-audit-{stamp}.csv"'
    return response


urlpatterns = [
    path("audit/", search, name="audit"),
    path("audit/export.csv", export, name="audit-export"),
]
