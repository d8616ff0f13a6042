"""The areas a product can be written for: the whole partnership (the police force area, the pan
Avon and Somerset level) or one local authority's local partnership group (Somerset, say).

An area is named on the command line by its id: the police.uk force slug for the whole area
(``avon-and-somerset``) or the local authority's name in lower case with hyphens (``somerset``,
``bath-and-north-east-somerset``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from svduty.partnership import Partnership

__all__ = ["Area", "AreaError", "areas", "resolve"]


class AreaError(ValueError):
    """An area id the partnership does not have."""


@dataclass(frozen=True)
class Area:
    """One area of the partnership and what products need to know about it."""

    id: str
    name: str  # the place: "Avon and Somerset", "Somerset"
    body: str  # who owns the products: the partnership board or the local partnership group
    level: str  # "force area" or "local authority"
    la_codes: tuple[str, ...]  # current local authorities covered
    pfa_code: str
    police_uk_force: str
    parent: str | None  # the id of the area this one is part of
    contact_email: str | None
    contact_url: str | None

    @property
    def is_force_area(self) -> bool:
        return self.level == "force area"

    @property
    def code(self) -> str:
        """The ONS code the measures use for this area (force area or local authority)."""
        return self.pfa_code if self.is_force_area else self.la_codes[0]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _place(partnership_name: str) -> str:
    # "Avon and Somerset Violence Reduction Partnership" -> "Avon and Somerset"
    return re.sub(r"\s+Violence Reduction Partnership$", "", partnership_name)


def areas(p: Partnership) -> list[Area]:
    """The force area first, then each local authority in the configuration's order."""
    top_email, top_url = p.public_contact.get("email"), p.public_contact.get("url")
    out = [
        Area(
            id=p.police_uk_force,
            name=_place(p.name),
            body=p.name,
            level="force area",
            la_codes=p.local_authority_codes,
            pfa_code=p.police_force_area,
            police_uk_force=p.police_uk_force,
            parent=None,
            contact_email=top_email,
            contact_url=top_url,
        )
    ]
    for la in p.local_authorities:
        own = la.public_contact or {}
        out.append(
            Area(
                id=_slug(la.name),
                name=la.name,
                body=la.local_partnership_group,
                level="local authority",
                la_codes=(la.code,),
                pfa_code=p.police_force_area,
                police_uk_force=p.police_uk_force,
                parent=p.police_uk_force,
                # a local group without its own contact is answered by the partnership's
                contact_email=own.get("email") or top_email,
                contact_url=own.get("url") or top_url,
            )
        )
    return out


def resolve(p: Partnership, area_id: str) -> Area:
    """The area called ``area_id``; the error lists the ids this partnership has."""
    for a in areas(p):
        if a.id == area_id:
            return a
    known = ", ".join(a.id for a in areas(p))
    raise AreaError(f"no area {area_id!r} in the partnership {p.name!r}; choose one of: {known}")
