"""The ranking rule of the board version, and which statements are findings and which caveats.

A board reads five to seven findings, so the assessment says how it chose them. Each finding
about violence scores 0 to 2 on three counts and is ranked by the sum (highest first; ties by
the larger size, then the order of the annex's sections):

- size: the share of the area's recorded violence the finding is about: 2 for a quarter or
  more, 1 for a twentieth or more, 0 below;
- change: 2 for a change over time or a difference between places or groups whose 95%
  interval leaves out "no difference"; 1 for a difference with no such interval; 0 for a level
  or a share that compares nothing;
- certainty: 2 for real data that cover every month of the period; 1 for real data with months
  missing, or an association across a handful of areas; 0 for synthetic data (they demonstrate
  the software and support no decision).

Caveats (what the data cannot show: a missing month, special cause variation, emergency
department data that cannot be placed) are not ranked: the board version shows them in a box of
their own. docs/sna.md states the rule as the document does (:data:`RULE_TEXT`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from svduty.products.assessment.model import CAVEAT, FINDING, Finding, Rank

__all__ = [
    "CAVEAT_RULES",
    "KEY_FINDINGS",
    "MIN_KEY_FINDINGS",
    "RULE_TEXT",
    "key_findings",
    "ranked",
]

#: the board version shows at most this many findings (and the headline above them)
KEY_FINDINGS = 7
#: ... and at least this many when the assessment has them
MIN_KEY_FINDINGS = 5
#: statements about the data, not about violence
CAVEAT_RULES = frozenset(
    {"data-gap-missing-month", "data-gap-ed-location", "monthly-special-cause"}
)

RULE_TEXT = (
    "Findings are ranked by a score from 0 to 6, the sum of three scores from 0 to 2. Size: 2 "
    "when the finding is about a quarter or more of the area's recorded violence, 1 for a "
    "twentieth or more, 0 below. Change: 2 for a change over time or a difference between "
    "places or groups whose 95% interval leaves out no difference, 1 for a difference without "
    "such an interval, 0 for a level or share that compares nothing. Certainty: 2 for real data "
    "covering every month of the period, 1 for real data with months missing or an association "
    "across a handful of areas, 0 for synthetic data. Ties go to the larger size. The board "
    f"version shows the top {KEY_FINDINGS} (at least {MIN_KEY_FINDINGS} where the assessment "
    "has them); caveats about the data are not ranked and sit in a box of their own."
)

_SIZE = (0.25, 0.05)  # thresholds of the size score


def _kind(f: Finding) -> str:
    if f.rule in CAVEAT_RULES:
        return CAVEAT
    # ED data too thin to compare with police data is a statement about the ED data
    if f.rule == "ed-police-gap" and (f.numbers.get("ratio") or 0) < 1:
        return CAVEAT
    return FINDING


def ranked(findings: list[Finding], months_in_period: int) -> list[Finding]:
    """The findings with their kind, rank and 'so what', findings first by score, then caveats.

    The headline (police.uk violence and sexual offences over the period) is the yardstick of
    size; the months it lacks lower the certainty of every finding from police data.
    """
    head = next(f for f in findings if f.rule == "headline")
    covered = int(head.numbers["months_covered"])
    months_missing = months_in_period - covered
    total = float(head.counts["total"])
    out = []
    for order, f in enumerate(findings):
        kind = _kind(f)
        rank = _rank(f, months_missing, total, covered) if kind == FINDING else None
        out.append((order, dataclasses.replace(f, kind=kind, rank=rank, so_what=so_what(f))))
    found = [(o, f) for o, f in out if f.kind == FINDING]
    found.sort(key=lambda p: (-p[1].rank.score, -p[1].rank.size_share, p[0]))
    return [f for _, f in found] + [f for o, f in out if f.kind == CAVEAT]


def key_findings(summary: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The board's findings: the top KEY_FINDINGS of the ranking, without the headline (which
    opens the summary as the scale of the problem)."""
    return tuple(f for f in summary if f.rule != "headline")[:KEY_FINDINGS]


# ---- the three scores --------------------------------------------------------------------------


def _rank(f: Finding, months_missing: int, total: float, covered: int) -> Rank:
    share, size_why = _size(f, total, covered)
    size = 2 if share >= _SIZE[0] else 1 if share >= _SIZE[1] else 0
    change, change_why = _change(f)
    certainty, certainty_why = _certainty(f, months_missing)
    return Rank(size, change, certainty, share, (size_why, change_why, certainty_why))


def _share(count: float, total: float) -> float:
    return min(1.0, count / total) if total else 0.0


_ALL = (1.0, "about all recorded violence")

_SIZES: dict[str, Callable[[Finding, float], tuple[float, str]]] = {
    "headline": lambda f, total: _ALL,
    "concentration": lambda f, total: (f.numbers["top_share"], "the offences in the top places"),
    # the hot places' offences, of those placed in an LSOA (else of the headline's)
    "hotspot-persistence": lambda f, total: (
        _share(f.counts["offences"], f.counts.get("placed", total)),
        "the offences in the persistent hot places",
    ),
    "hot-places": lambda f, total: (
        _share(f.counts["offences"], f.counts.get("placed", total)),
        "the offences in the hot places",
    ),
    "cluster-persistence": lambda f, total: (
        _share(f.counts["offences"], total),
        "the offences in the persistent hot clusters",
    ),
    "deprivation-gradient": lambda f, total: _ALL,
    "under-25-share": lambda f, total: (f.numbers["share"], "the share it reports"),
    "domestic-abuse-share": lambda f, total: (f.numbers["share"], "the share it reports"),
    "knife-share": lambda f, total: (f.numbers["share"], "the share it reports"),
    "weekend-nights": lambda f, total: (f.numbers["share"], "the share it reports"),
    "definition-priority-share": lambda f, total: (
        f.numbers["priority_share"],
        "the share it reports",
    ),
    "seasonal-peak": lambda f, total: (0.25, "the three months of the peak season"),
    "ed-police-gap": lambda f, total: (1.0, "all violence with injury"),
    "partner-association": lambda f, total: (0.0, "areas, not offences"),
    # violence against the person is most of recorded violence (ONS's own offence group)
    "similar-comparison": lambda f, total: _ALL,
}


def _size(f: Finding, total: float, covered: int) -> tuple[float, str]:
    if f.rule in _SIZES:
        return _SIZES[f.rule](f, total)
    if f.rule == "measure-change" and f.subject.startswith("Violence and sexual offences"):
        return _ALL
    # a measure: its latest year's count against a year's recorded violence (the headline's
    # count per month covered, times twelve)
    name = "after" if "after" in f.counts else "count"
    yearly = total * 12 / covered if covered else 0.0
    return _share(f.counts.get(name, 0), yearly), "its year's count against a year's violence"


def _change(f: Finding) -> tuple[int, str]:
    tested = "a difference whose 95% interval leaves out none"
    if f.rule == "measure-change":
        lower, upper = f.numbers["lower"], f.numbers["upper"]
        if lower > 0 or upper < 0:
            return 2, "a change whose 95% interval leaves out none"
        return 0, "no clear change"
    if f.rule in ("measure-comparison", "measure-trend", "deprivation-gradient"):
        return 2, tested
    if f.rule == "similar-comparison":
        if " higher than " in f.template or " lower than " in f.template:
            return 2, tested
        return 0, "no difference its 95% interval can show"
    if f.rule in ("hotspot-persistence", "hot-places", "cluster-persistence"):
        # more than expected by a test with a false discovery rate: significant, as an
        # interval leaving out none would be
        return 2, "more than expected, significant after the false discovery rate"
    if f.rule in (
        "concentration",
        "seasonal-peak",
        "weekend-nights",
        "ed-police-gap",
        "partner-association",
    ):
        return 1, "a difference without a 95% interval"
    return 0, "a level or share"


def _certainty(f: Finding, months_missing: int) -> tuple[int, str]:
    if f.synthetic:
        return 0, "synthetic data"
    if f.rule == "partner-association":
        return 1, "an association across a handful of areas"
    if f.rule == "similar-comparison":  # ONS's figures for a whole year, every month in them
        return 2, "official statistics for a whole year"
    if months_missing:
        return 1, f"real data with {months_missing} month(s) missing"
    return 2, "real data, every month"


# ---- so what -----------------------------------------------------------------------------------


def _measure_so_what(f: Finding) -> str:
    # "Violence and sexual offences (police.uk open data)" -> "violence and sexual offences"
    subject = re.sub(r"\s*\([^)]*\)$", "", f.subject) if f.subject else "it"
    subject = subject[:1].lower() + subject[1:]
    if f.rule == "measure-comparison":
        if " higher than " in f.template:
            return (
                f"The area has more {subject} than its comparator: find out why, and set a target."
            )
        return f"The area has less {subject} than its comparator: no priority on this alone."
    rising = " rose " in f.template or "increasing" in f.template
    falling = " fell " in f.template or "decreasing" in f.template
    if rising:
        return (
            f"More {subject} is being recorded: find out whether there is more violence or more "
            "of it reported and recorded, and set a target for it in the strategy."
        )
    if falling:
        return f"Less {subject} is being recorded: keep what works, and check the fall is real."
    return f"No clear change in {subject}: it needs watching, not a priority of its own."


SO_WHAT: dict[str, str | Callable[[Finding], str]] = {
    "headline": "The scale of the problem the partnership's strategy must answer.",
    "concentration": (
        "A few places hold much of the violence: place-based work there reaches much of it."
    ),
    "hotspot-persistence": (
        "The same places stay violent year after year: each needs a standing problem-solving "
        "plan, not one-off patrols."
    ),
    "hot-places": (
        "These places have more violence than their residents explain: start problem-solving "
        "there, and watch whether they stay hot."
    ),
    "cluster-persistence": (
        "Neighbouring places stay violent together year after year: plan for the area, not "
        "one street."
    ),
    "deprivation-gradient": (
        "Prevention aimed at the most deprived neighbourhoods reaches those most at risk; the "
        "causes sit with public health, housing, education and employment as much as policing."
    ),
    "under-25-share": (
        "Young people are a large share of the victims: the strategy's focus on under-25s "
        "is borne out."
    ),
    "domestic-abuse-share": (
        "Domestic abuse is a large part of serious violence here: the domestic abuse "
        "partnership must be part of the response."
    ),
    "knife-share": (
        "Knife crime is a small share of serious violence but does the most harm: keep it in "
        "view without letting it crowd out the rest."
    ),
    "weekend-nights": (
        "Licensing, the night-time economy and transport are part of the answer on Friday and "
        "Saturday nights."
    ),
    "seasonal-peak": "Plan capacity and diversionary activity for the peak season.",
    "ed-police-gap": (
        "Police data miss much of the violence: emergency department data belong in tasking."
    ),
    "definition-priority-share": (
        "The priority strand is a small part of what the local definition counts: the wider "
        "strands need a response of their own."
    ),
    "partner-association": (
        "A question to explore with partners and their record-level data, not an answer."
    ),
    "data-gap-missing-month": (
        "Figures for the year with the gap cover fewer months: compare rates, not counts."
    ),
    "data-gap-ed-location": (
        "Emergency department data cannot show places until the location is recorded."
    ),
    "monthly-special-cause": "Explain these months before reading the trend.",
}


def _similar_so_what(f: Finding) -> str:
    if " higher than the " in f.template:
        return "More violence is recorded here than in areas like it: ask them what they do."
    if " lower than the " in f.template:
        return "Less violence is recorded here than in areas like it."
    return "Violence is recorded here at about the rate of areas like it."


def so_what(f: Finding) -> str:
    """What a finding means for the partnership, in plain English."""
    if f.rule.startswith("measure-"):
        return _measure_so_what(f)
    if f.rule == "similar-comparison":
        return _similar_so_what(f)
    said = SO_WHAT.get(f.rule)
    if said is None:
        return ""
    return said(f) if callable(said) else said
