"""The areas a product can be written for: the whole partnership (the police force area, the pan
Avon and Somerset level) or one local authority's local partnership group (Somerset, say).

An area's id is the police.uk force slug for the whole area (``avon-and-somerset``) or the local
authority's name in lower case with hyphens (``somerset``, ``bath-and-north-east-somerset``). On
the command line an area can be named by its id, its ONS code or its name, in any case
(:func:`resolve`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from svduty.errors import InputError
from svduty.partnership import Partnership

__all__ = ["Area", "AreaError", "areas", "resolve"]


class AreaError(InputError):
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


def areas(p: Partnership) -> list[Area]:
    """The force area first, then each local authority in the configuration's order."""
    top_email, top_url = p.public_contact.get("email"), p.public_contact.get("url")
    out = [
        Area(
            id=p.police_uk_force,
            # the place: a field of the partnership (docs/partnership.md)
            name=p.area_name or p.name,
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
        slug = _slug(la.name)
        if slug == p.police_uk_force:  # City of London: the force and its one authority
            slug = f"{slug}-{la.code.lower()}"
        out.append(
            Area(
                id=slug,
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


def resolve(p: Partnership, named: str) -> Area:
    """The area ``named`` calls, however it is named: its id (``somerset``), its ONS code
    (``E06000066``; the force area's is the police force area's, ``E23000036``) or its name
    (``Bath and North East Somerset``), in any case. Every command that takes an area reads it
    here. An area the partnership does not have is an AreaError listing the ones it has."""
    wanted = named.strip()
    for a in areas(p):
        codes = (a.pfa_code,) if a.is_force_area else a.la_codes
        if (
            _slug(wanted) == a.id
            or wanted.upper() in codes
            or wanted.casefold() == a.name.casefold()
        ):
            return a
    known = "; ".join(f"{a.id} ({a.code}, {a.name})" for a in areas(p))
    raise AreaError(
        f"no area {named!r} in the partnership {p.name!r}: give an area's id, ONS code or name, "
        f"one of: {known}"
    )
