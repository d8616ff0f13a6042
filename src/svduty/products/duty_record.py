"""The Duty's process as the products show it: the consultations a needs assessment and a
strategy cite, and the compliance tracker an annual review carries.

The records themselves live in the partnership portal (svduty.portal.models); the portal hands
the products these plain values, so a product never reads the portal's database. ``None``
means the document was built outside the portal (the command line, the demo): it says so,
rather than claiming that nothing was done. An empty tuple means the portal holds no record:
it says that in words.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

__all__ = [
    "CONSULTATIONS_FILE",
    "ConsultationEntry",
    "Requirement",
    "StatusWord",
    "load_consultations",
    "save_consultations",
]


@dataclass(frozen=True)
class ConsultationEntry:
    """One consultation of a body: who, of what kind, when, how, what they said and what the
    partnership did with it (empty when not yet recorded)."""

    body: str
    kind: str  # the kind's label, e.g. "Prison authority"
    held_on: date
    method: str
    said: str
    response: str


class StatusWord:
    """A requirement's status: met (the evidence is held), not met (the record shows it lapsed
    or missing where it is due), unknown (svduty holds nothing either way: someone must say)."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


_LABELS = {
    StatusWord.MET: "Evidence held",
    StatusWord.NOT_MET: "Not met on the record",
    StatusWord.UNKNOWN: "Not recorded",
}
_TAGS = {
    StatusWord.MET: "tag-ok",
    StatusWord.NOT_MET: "tag-harmful",
    StatusWord.UNKNOWN: "tag-grey",
}


@dataclass(frozen=True)
class Requirement:
    """One requirement of the Act or the statutory guidance, with its status on the record."""

    id: str
    requirement: str
    source: str  # section or paragraph, with [V] or [U] as docs/sources.md marks them
    status: str  # a StatusWord
    when: date | None  # the date of the evidence (the latest that counts)
    evidence: tuple[str, ...] = field(default_factory=tuple)

    @property
    def status_label(self) -> str:
        return _LABELS[self.status]

    @property
    def tag(self) -> str:
        return _TAGS[self.status]


CONSULTATIONS_FILE = "consultations.json"


def save_consultations(path: Path, entries: tuple[ConsultationEntry, ...]) -> None:
    """The consultations a draft was built with, kept beside its inputs, so the published copy
    cites what the approvers saw."""
    rows = [{**asdict(e), "held_on": e.held_on.isoformat()} for e in entries]
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")


def load_consultations(path: Path) -> tuple[ConsultationEntry, ...] | None:
    """The consultations saved at ``path``; None when there is no such file (a copy built
    outside the portal)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return tuple(
        ConsultationEntry(**{**r, "held_on": date.fromisoformat(r["held_on"])}) for r in rows
    )
