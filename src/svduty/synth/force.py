"""The force area a synthetic run is for: its police.uk slug, ONS code, local authorities,
crime reference prefix and emergency departments.

`svduty synth` was written for Avon and Somerset (its bundled police.uk files, six real
emergency departments); any other force area of England and Wales is built from the national
reference data (svduty.reference.force_areas) and that force's own police.uk rows. The run's
area is held in a context variable (`using`), so the generators read `active()` rather than
taking it through every call; it is Avon and Somerset unless a run says otherwise, so the
demo's files are what they were.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

AVON_AND_SOMERSET_SLUG = "avon-and-somerset"


@dataclass(frozen=True)
class SynthArea:
    slug: str  # police.uk force slug
    pfa: str  # ONS police force area code (E23..., W15...)
    name: str  # for a reader: "South Wales"
    las: tuple[str, ...]  # current local authority codes, in code order
    la_names: tuple[str, ...]
    prefix: str  # crime references: PREFIX/YY/NNNNNNN
    real_sites: bool  # Avon and Somerset's six named departments, else generic ones

    @property
    def is_default(self) -> bool:
        return self.slug == AVON_AND_SOMERSET_SLUG

    @property
    def country(self) -> str:
        return "Wales" if self.pfa.startswith("W") else "England"


AVON_AND_SOMERSET = SynthArea(
    slug=AVON_AND_SOMERSET_SLUG,
    pfa="E23000036",
    name="Avon and Somerset",
    las=("E06000022", "E06000023", "E06000024", "E06000025", "E06000066"),
    la_names=(
        "Bath and North East Somerset",
        "Bristol, City of",
        "North Somerset",
        "South Gloucestershire",
        "Somerset",
    ),
    prefix="AS",
    real_sites=True,
)

_ACTIVE: ContextVar[SynthArea] = ContextVar("synth_area", default=AVON_AND_SOMERSET)


def active() -> SynthArea:
    """The force area of the run in progress (Avon and Somerset outside a run)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def using(area: SynthArea) -> Iterator[SynthArea]:
    token = _ACTIVE.set(area)
    try:
        yield area
    finally:
        _ACTIVE.reset(token)


def for_force(name: str) -> SynthArea:
    """The area of a force named by police.uk slug, ONS code or name (as `svduty init
    --force`); Avon and Somerset is the bundled one, with its real departments."""
    from svduty.reference.force_areas import find_force

    found = find_force(name)  # an unknown name: UnknownForce (an InputError) lists them all
    if found.police_uk_slug == AVON_AND_SOMERSET_SLUG:
        return AVON_AND_SOMERSET
    return SynthArea(
        slug=found.police_uk_slug,
        pfa=found.pfa_code,
        name=found.name,
        las=tuple(code for code, _ in found.local_authorities),
        la_names=tuple(name for _, name in found.local_authorities),
        prefix=_prefix(found.name),
        real_sites=False,
    )


def _prefix(name: str) -> str:
    """Initials of the force area's name ("South Wales" -> "SW", "City of London" -> "COL")."""
    words = [w for w in re.split(r"[^A-Za-z]+", name) if w]
    return ("".join(w[0] for w in words).upper() or "XX")[:4]
