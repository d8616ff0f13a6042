"""The Duty's process, read from the portal's records: the consultations a product cites and the
compliance tracker (docs/duty.md).

Each requirement's status is derived from what svduty holds (product versions approved and
published, consultations, agreements, the partnership's configuration), never typed in where
svduty knows. Where svduty holds nothing either way the status is "not recorded", which is not
the same as "not met". The sources are docs/sources.md's; a source marked [U] there is [U] here.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from svduty.portal.models import (
    Agreement,
    Approval,
    Consultation,
    Dissemination,
    PartnershipGroup,
    ProductVersion,
)
from svduty.products.duty_record import ConsultationEntry, Requirement, StatusWord

__all__ = ["consultation_entries", "consultations_for", "requirements", "requirements_json"]

Kind = ProductVersion.Kind
Status = ProductVersion.Status
MET, NOT_MET, UNKNOWN = StatusWord.MET, StatusWord.NOT_MET, StatusWord.UNKNOWN
# The guidance asks for the strategy to be reviewed every year; a review approved more than
# this long ago is overdue (a year and a month's grace for the board's timetable).
REVIEW_DUE_AFTER = timedelta(days=396)
ACT = "Police, Crime, Sentencing and Courts Act 2022"
GUIDANCE = (
    "Serious Violence Duty statutory guidance (Home Office, December 2022, updated June 2023)"
)
REGULATIONS = "Prevention and Reduction of Serious Violence (Strategies etc.) Regulations 2022"


def consultations_for(area_id: str | None):
    """The consultations about ``area_id`` and those about the whole partnership (blank area);
    every one for None."""
    found = Consultation.objects.all()
    if area_id is not None:
        found = found.filter(Q(area_id=area_id) | Q(area_id=""))
    return found.order_by("-held_on", "body")


def consultation_entries(area_id: str | None) -> tuple[ConsultationEntry, ...]:
    """The consultations as the products cite them."""
    return tuple(
        ConsultationEntry(
            body=c.body,
            kind=c.get_kind_display(),
            held_on=c.held_on,
            method=c.method,
            said=c.said,
            response=c.response,
        )
        for c in consultations_for(area_id)
    )


def _day(moment) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def _approved_on(version: ProductVersion) -> date | None:
    """The day the last approval of the version's approving round was given."""
    last = (
        Approval.objects.filter(product=version, decision=Approval.Decision.APPROVED)
        .order_by("-at")
        .first()
    )
    return _day(last.at) if last else None


def _product(kind: str, area_id: str | None, what: str, source: str, rid: str) -> Requirement:
    """Approved (or published) version of ``kind``: met, with its version and date."""
    found = ProductVersion.objects.filter(
        kind=kind, status__in=(Status.APPROVED, Status.PUBLISHED, Status.SUPERSEDED)
    )
    if area_id is not None:
        found = found.filter(area_id=area_id)
    latest = found.order_by("-version").first()
    if latest is None:
        drafts = ProductVersion.objects.filter(kind=kind)
        if area_id is not None:
            drafts = drafts.filter(area_id=area_id)
        n = drafts.count()
        evidence = (f"{n} version{'s' if n != 1 else ''} drafted, none approved",) if n else ()
        return Requirement(rid, what, source, UNKNOWN if not n else NOT_MET, None, evidence)
    return Requirement(
        rid,
        what,
        source,
        MET,
        _approved_on(latest),
        (
            f"{latest.get_kind_display()} for {latest.area_id}, {latest.label}: version "
            f"{latest.version}, {latest.get_status_display().lower()}",
        ),
    )


def requirements(area_id: str | None, definition: dict | None, on: date | None = None):
    """The compliance tracker for ``area_id`` (None: the whole partnership), each requirement
    with its status, the date of its evidence and the evidence. ``definition`` is the
    partnership's local definition (None when there is no configuration)."""
    on = on or timezone.localdate()
    out: list[Requirement] = []

    groups = list(PartnershipGroup.objects.values_list("name", flat=True))
    out.append(
        Requirement(
            "partnership",
            "Agree a partnership arrangement",
            f"{GUIDANCE} [V, as partnerships summarise it]",
            MET if groups else UNKNOWN,
            None,
            tuple(f"Partnership group: {g}" for g in groups),
        )
    )
    out.append(
        Requirement(
            "definition",
            "Agree a local definition of serious violence",
            f"{GUIDANCE} [V, as partnerships summarise it]",
            MET if definition else UNKNOWN,
            None,
            (f"Local definition {definition['id']}, version {definition['version']}",)
            if definition
            else (),
        )
    )
    out.append(
        _product(
            Kind.ASSESSMENT,
            area_id,
            "Identify the kinds of serious violence in the area and, so far as possible, its "
            "causes (the strategic needs assessment)",
            f"{ACT}, s8(3)(a) and (b) [V]",
            "assessment",
        )
    )
    out.append(
        _product(
            Kind.STRATEGY,
            area_id,
            "Prepare a strategy to prevent and reduce serious violence",
            f"{ACT}, s8(3)(c) [V]",
            "strategy",
        )
    )
    published = ProductVersion.objects.filter(kind=Kind.STRATEGY, status=Status.PUBLISHED)
    if area_id is not None:
        published = published.filter(area_id=area_id)
    strategy = published.order_by("-version").first()
    published_on = _day(strategy.published_at) if strategy else None
    out.append(
        Requirement(
            "strategy-published",
            "Publish the strategy",
            f"{REGULATIONS} (publication and dissemination of strategies) [U: the regulation "
            "number was not read]",
            MET if strategy else UNKNOWN,
            published_on,
            (f"Strategy for {strategy.area_id}, version {strategy.version}, published",)
            if strategy
            else (),
        )
    )
    sent = Dissemination.objects.filter(product__kind=Kind.STRATEGY)
    if area_id is not None:
        sent = sent.filter(product__area_id=area_id)
    sent = list(sent.select_related("product").order_by("-sent_on"))
    out.append(
        Requirement(
            "strategy-sent",
            "Send the strategy where it must go",
            f"{REGULATIONS} [U: to whom it must be sent was not read]",
            MET if sent else UNKNOWN,
            sent[0].sent_on if sent else None,
            tuple(
                f"Version {d.product.version} sent to {d.recipient} on "
                f"{d.sent_on:%d %B %Y} ({d.method})"
                for d in sent
            ),
        )
    )
    consulted = list(consultations_for(area_id))
    for kind in Consultation.REQUIRED:
        label = Consultation.Kind(kind).label
        those = [c for c in consulted if c.kind == kind]
        out.append(
            Requirement(
                f"consulted-{kind}",
                f"Consult each {label.lower()} for the area on the strategy",
                f"{ACT}, s8(4) [V]",
                MET if those else NOT_MET if strategy else UNKNOWN,
                those[0].held_on if those else None,
                tuple(f"{c.body}, {c.held_on:%d %B %Y}: {c.method}" for c in those),
            )
        )
    engaged = [c for c in consulted if c.kind in ("voluntary_sector", "community")]
    out.append(
        Requirement(
            "engagement",
            "Engage the voluntary and community sector, communities and young people",
            f"{GUIDANCE} [V: the strategy's contents as partnerships publish them]",
            MET if engaged else UNKNOWN,
            engaged[0].held_on if engaged else None,
            tuple(f"{c.body}, {c.held_on:%d %B %Y}: {c.method}" for c in engaged),
        )
    )
    in_force = [a for a in Agreement.objects.all() if a.in_force(on)]
    lapsed = Agreement.objects.exclude(pk__in=[a.pk for a in in_force]).count()
    out.append(
        Requirement(
            "data-sharing",
            "Share data under agreements in force",
            f"{ACT}, s16 (a power to disclose) [V]; {GUIDANCE} [V]",
            MET if in_force else NOT_MET if lapsed else UNKNOWN,
            max((a.starts for a in in_force), default=None),
            tuple(f"{a.title}: in force until review on {a.review_date:%d %B %Y}" for a in in_force)
            + (
                (f"{lapsed} other agreement{'s' if lapsed != 1 else ''} not in force",)
                if lapsed
                else ()
            ),
        )
    )
    reviews = ProductVersion.objects.filter(
        kind=Kind.REVIEW, status__in=(Status.APPROVED, Status.PUBLISHED, Status.SUPERSEDED)
    )
    if area_id is not None:
        reviews = reviews.filter(area_id=area_id)
    review = reviews.order_by("-version").first()
    reviewed_on = _approved_on(review) if review else None
    if review is not None and reviewed_on is not None and on - reviewed_on <= REVIEW_DUE_AFTER:
        status = MET
    elif review is not None or (published_on is not None and on - published_on > REVIEW_DUE_AFTER):
        status = NOT_MET  # the last review is over a year old, or a year has passed without one
    else:
        status = UNKNOWN
    out.append(
        Requirement(
            "annual-review",
            "Review the strategy every year",
            f"{GUIDANCE} [V, as partnerships summarise it]",
            status,
            reviewed_on,
            (f"Annual review {review.label} for {review.area_id}, version {review.version}",)
            if review
            else (),
        )
    )
    return tuple(out)


def requirements_json(rows) -> list[dict]:
    return [
        {
            "id": r.id,
            "requirement": r.requirement,
            "source": r.source,
            "status": r.status,
            "status_label": r.status_label,
            "date": r.when.isoformat() if r.when else None,
            "evidence": list(r.evidence),
        }
        for r in rows
    ]
