"""Whether an organisation may share a feed today: an agreement in force that names it as a
party and covers the feed. Uploads ask :func:`permits` before anything is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from svduty.portal.models import Agreement, Organisation

__all__ = ["Permit", "permits"]


@dataclass(frozen=True)
class Permit:
    ok: bool
    reason: str  # why not (empty when ok)
    fix: str  # who can fix it and how (empty when ok)
    agreement: Agreement | None = None


def permits(organisation: Organisation, feed: str, on: date | None = None) -> Permit:
    """The agreement that lets ``organisation`` upload ``feed`` on ``on`` (default today), or
    why none does and who can put it right."""
    on = on or timezone.localdate()
    covering = [
        a
        for a in Agreement.objects.filter(parties=organisation).select_related("owner")
        if feed in a.feeds
    ]
    for a in covering:
        if a.in_force(on):
            return Permit(True, "", "", a)
    if not covering:
        return Permit(
            False,
            f"No data sharing agreement lets {organisation} share the {feed} feed.",
            "A partnership analyst can record the agreement in the portal once the parties have "
            "signed it.",
        )
    latest = max(covering, key=lambda a: a.review_date)
    if latest.withdrawn:
        why = f"The agreement '{latest.title}' covering the {feed} feed has been withdrawn."
    elif latest.starts > on:
        why = f"The agreement '{latest.title}' does not start until {latest.starts:%d %B %Y}."
    else:
        why = (
            f"The agreement '{latest.title}' covering the {feed} feed passed its review date "
            f"({latest.review_date:%d %B %Y})."
        )
    return Permit(
        False,
        why,
        f"{latest.owner} answers for this agreement: once it is reviewed, a partnership analyst "
        "can record the new review date in the portal.",
        latest,
    )
