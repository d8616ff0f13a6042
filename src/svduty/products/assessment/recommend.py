"""Recommendations derived from the findings by rules, each pointing at the figures behind it.

One rule per kind of finding (``Finding.rule``): when such a finding is made, the rule writes
what the partnership should consider, links the finding's figure, and names the Youth
Endowment Fund Toolkit approaches that fit (ids in ``catalogues/yef-toolkit.yaml``; the
document shows each with its impact band). docs/sna.md lists the rules.

Each recommendation has an owner: the specified authority of the partnership (partnership.yaml)
of the kind that holds the levers (:data:`OWNER_KIND`), the one serving the area where the
partnership has several. Its priority and timescale follow from the rank of the finding it
answers (:func:`priority`). Recommendations about the data (fill a missing month, record where
an assault happened) are data-improvement actions, listed apart from the partnership's own.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from svduty.partnership import Partnership
from svduty.products.area import Area
from svduty.products.assessment.model import (
    DATA_ACTION,
    PARTNERSHIP_ACTION,
    Finding,
    Recommendation,
)


def _place(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Focus place-based prevention on the persistent hotspots: agree with the community, "
        "the local authority and the police a problem-solving plan for each (what makes the "
        "place violent, who is there and when), with targeted patrols as one part of it.",
        ("hot-spots-policing",),
    )


def _concentration(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Target resources at the small number of neighbourhoods where most violence is "
        "recorded, and review each year whether they change.",
        ("hot-spots-policing",),
    )


def _deprivation(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Target prevention at the most deprived neighbourhoods and tackle the causes with the "
        "partners who hold them (public health, housing, education, employment): violence there "
        "is a multiple of the least deprived.",
        ("mentoring", "social-skills-training"),
    )


def _young(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Make children and young people a priority of the strategy, with approaches the "
        "evidence supports (and not knife crime education or prison awareness programmes, "
        "which the Toolkit finds ineffective or harmful).",
        ("mentoring", "social-skills-training", "sports-programmes", "pre-court-diversion"),
    )


def _ed_gap(f: Finding) -> tuple[str, tuple[str, ...]]:
    if f.numbers.get("ratio", 0) >= 1:
        return (
            "Use emergency department data routinely: much violence never reaches the police. "
            "Agree monthly ISTV returns from every type 1 department and use them in tasking; "
            "consider navigators in the emergency departments.",
            ("a-and-e-navigators",),
        )
    return (
        "Improve the emergency department data before relying on them: agree with each type 1 "
        "department a complete monthly ISTV return (the information sharing agreement, the "
        "fields, the location coding), then compare them with police data again.",
        (),
    )


def _missing_month(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Fill the missing month(s) of police data (ask the force for the extract, or reload "
        "police.uk) so that the year's figures and trends can be compared with the others.",
        (),
    )


def _ed_location(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Ask the emergency departments to record where each assault happened precisely enough "
        "to place it in an LSOA (the ISTV location field), so that ED data can show places.",
        (),
    )


def _domestic(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Join up with the domestic abuse partnership: domestic abuse is a large share of the "
        "serious violence the local definition counts, and its victims need a response of "
        "their own.",
        (),
    )


def _nights(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Work with licensing, the night-time economy and transport on Friday and Saturday "
        "nights, when violence is most concentrated.",
        (),
    )


def _season(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Plan activity and capacity for the seasonal peak (diversionary activities in the "
        "school holidays, patrol and licensing plans).",
        ("sports-programmes",),
    )


def _partners(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Explore with education and children's services why the areas with more of their "
        "indicator have more violence, with their record-level data (an association across "
        "a few areas is a question, not an answer).",
        (),
    )


def _special(f: Finding) -> tuple[str, tuple[str, ...]]:
    return (
        "Explain the months with special cause variation (a change in recording, an event, a "
        "real shift) before reading them as a trend.",
        (),
    )


def _measure(f: Finding) -> tuple[str, tuple[str, ...]] | None:
    worse = f.rule == "measure-comparison" and " higher than " in f.template
    rising = f.rule in ("measure-trend", "measure-change") and (
        "increasing" in f.template or " rose " in f.template
    )
    if not (worse or rising):
        return None
    knife = "knife" in f.subject.lower() or "sharp" in f.subject.lower()
    subject = f.subject[:1].lower() + f.subject[1:]
    return (
        (
            f"Find out what makes {subject} higher here than in the comparator area"
            if worse
            else f"Find out what lies behind the rise in {subject}"
        )
        + ", and set a target for it in the strategy"
        + (": group-related knife violence responds to focused deterrence." if knife else "."),
        ("focused-deterrence",) if knife else (),
    )


RULES: dict[str, Callable[[Finding], tuple[str, tuple[str, ...]] | None]] = {
    "hotspot-persistence": _place,
    "hot-places": _place,
    "concentration": _concentration,
    "deprivation-gradient": _deprivation,
    "under-25-share": _young,
    "ed-police-gap": _ed_gap,
    "data-gap-missing-month": _missing_month,
    "data-gap-ed-location": _ed_location,
    "domestic-abuse-share": _domestic,
    "weekend-nights": _nights,
    "seasonal-peak": _season,
    "partner-association": _partners,
    "monthly-special-cause": _special,
    "measure-comparison": _measure,
    "measure-trend": _measure,
    "measure-change": _measure,
}
#: place-based findings: with persistent hotspots, the concentration finding adds nothing new
_SUBSUMED = {"concentration": ("hotspot-persistence", "hot-places")}
#: a share below this does not make a priority of its own
MIN_SHARE = {"under-25-share": 0.2, "domestic-abuse-share": 0.2}


#: the kind of specified authority that leads on each rule's recommendation (partnership.yaml
#: kinds); measures' recommendations follow their subject (:func:`_owner_kind`)
OWNER_KIND = {
    "hotspot-persistence": "police",
    "hot-places": "police",
    "concentration": "police",
    "deprivation-gradient": "local_authority",
    "under-25-share": "youth_offending",
    "ed-police-gap": "integrated_care_board",
    "data-gap-missing-month": "police",
    "data-gap-ed-location": "integrated_care_board",
    "domestic-abuse-share": "local_authority",
    "weekend-nights": "local_authority",
    "seasonal-peak": "local_authority",
    "partner-association": "local_authority",
    "monthly-special-cause": "police",
}
#: rules whose recommendation improves the data rather than acts on violence
DATA_RULES = frozenset({"data-gap-missing-month", "data-gap-ed-location", "monthly-special-cause"})
#: priority by the score of the finding answered (svduty.products.assessment.rank), and the
#: timescale each priority carries
PRIORITIES = ((5, "high"), (3, "medium"), (0, "low"))
TIMESCALES = {
    "high": "within 6 months",
    "medium": "within 12 months",
    "low": "before the next assessment",
}
DATA_TIMESCALE = "before the next refresh of the data (within 6 months)"


def priority(f: Finding) -> str:
    """High, medium or low, from the finding's score on the ranking rule."""
    score = f.rank.score if f.rank is not None else 0
    return next(name for floor, name in PRIORITIES if score >= floor)


def _owner_kind(f: Finding) -> str:
    if f.rule == "ed-police-gap" and f.numbers.get("ratio", 0) < 1:
        return "integrated_care_board"
    if f.rule in OWNER_KIND:
        return OWNER_KIND[f.rule]
    subject = f.subject.lower()
    if "hospital" in subject or "emergency" in subject:
        return "integrated_care_board"
    if "under 25" in subject or "under-25" in subject:
        return "youth_offending"
    if "domestic" in subject:
        return "local_authority"
    return "police"


def owner(p: Partnership, area: Area, kind: str) -> str:
    """The partnership's specified authority of ``kind`` for ``area``: the only one of that
    kind, else the one named after the area's local authority, else all of that kind."""
    bodies = [b["name"] for b in p.specified_authorities if b["kind"] == kind]
    if not bodies:  # the configuration names none of that kind: the police lead
        bodies = [b["name"] for b in p.specified_authorities if b["kind"] == "police"]
    if len(bodies) <= 1:
        return bodies[0] if bodies else p.name
    names = {la.code: la.name for la in p.local_authorities}
    if not area.is_force_area:
        # "Bristol, City of" -> "Bristol"; the name must lead ("North Somerset Council" is not
        # Somerset's), after an "NHS " prefix
        place = names.get(area.la_codes[0], area.name).split(",")[0].strip()
        pattern = re.compile(rf"^(NHS )?{re.escape(place)}\b(?! and )")
        mine = [b for b in bodies if pattern.match(b)]
        if len(mine) == 1:
            return mine[0]
    return "each of " + ", ".join(bodies[:-1]) + " and " + bodies[-1] + " for its own area"


def recommendations(findings: list[Finding], p: Partnership, area: Area) -> list[Recommendation]:
    """A recommendation for each finding a rule applies to, in the findings' order, each with
    its owner, priority and timescale; data-improvement actions are marked DATA_ACTION."""
    rules_made = {f.rule for f in findings}
    out: list[Recommendation] = []
    for f in findings:
        rule = RULES.get(f.rule)
        if rule is None or any(r in rules_made for r in _SUBSUMED.get(f.rule, ())):
            continue
        if f.rule in MIN_SHARE and f.numbers.get("share", 0) < MIN_SHARE[f.rule]:
            continue
        made = rule(f)
        if made is None:
            continue
        text, approaches = made
        data = f.rule in DATA_RULES or (f.rule == "ed-police-gap" and not approaches)
        level = priority(f)
        out.append(
            Recommendation(
                id=f"recommendation-{len(out) + 1}",
                rule=f.rule,
                text=text,
                evidence=(f.figure_id,),
                findings=(f.id,),
                approaches=approaches,
                kind=DATA_ACTION if data else PARTNERSHIP_ACTION,
                owner=owner(p, area, _owner_kind(f)),
                timescale=DATA_TIMESCALE if data else TIMESCALES[level],
                priority="data" if data else level,
            )
        )
    # the partnership's actions first, highest priority first (the findings' order within one)
    order = {"high": 0, "medium": 1, "low": 2, "data": 3}
    out.sort(key=lambda r: order[r.priority])
    return [_renumbered(r, i) for i, r in enumerate(out, start=1)]


def _renumbered(r: Recommendation, n: int) -> Recommendation:
    return dataclasses.replace(r, id=f"recommendation-{n}")
