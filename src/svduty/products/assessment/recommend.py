"""Recommendations derived from the findings by rules, each pointing at the figures behind it.

One rule per kind of finding (``Finding.rule``): when such a finding is made, the rule writes
what the partnership should consider, links the finding's figure, and names the Youth
Endowment Fund Toolkit approaches that fit (ids in ``catalogues/yef-toolkit.yaml``; the
document shows each with its impact band). docs/sna.md lists the rules.
"""

from __future__ import annotations

from collections.abc import Callable

from svduty.products.assessment.model import Finding, Recommendation


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
_SUBSUMED = {"concentration": "hotspot-persistence"}
#: a share below this does not make a priority of its own
MIN_SHARE = {"under-25-share": 0.2, "domestic-abuse-share": 0.2}


def recommendations(findings: list[Finding]) -> list[Recommendation]:
    """A recommendation for each finding a rule applies to, in the findings' order."""
    rules_made = {f.rule for f in findings}
    out: list[Recommendation] = []
    for f in findings:
        rule = RULES.get(f.rule)
        if rule is None or _SUBSUMED.get(f.rule) in rules_made:
            continue
        if f.rule in MIN_SHARE and f.numbers.get("share", 0) < MIN_SHARE[f.rule]:
            continue
        made = rule(f)
        if made is None:
            continue
        text, approaches = made
        out.append(
            Recommendation(
                id=f"recommendation-{len(out) + 1}",
                rule=f.rule,
                text=text,
                evidence=(f.figure_id,),
                findings=(f.id,),
                approaches=approaches,
            )
        )
    return out
