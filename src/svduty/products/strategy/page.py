"""The local strategy as an accessible HTML page (``svduty strategy render``).

``write`` renders a strategy (:mod:`svduty.products.strategy.file`) to ``out_dir/index.html``: its
title, area, owning body, period, status and adopted date; the summary and the local
definition; each priority with the finding that motivates it (linked to the needs assessment),
its objectives, success measures and interventions, each intervention with its YEF Toolkit
impact band and evidence strength, its place and its actions (overdue ones flagged in words);
the evidence warnings; what the ratings mean; and whom to contact.

The page carries no statistics: it is public as it stands. The strategy's own words are shown
as written.

The content is one partial, ``templates/strategy/_body.html``, so the public site can show the
same strategy inside its own layout: build the view with ``view(...)`` and render a template
that does ``{% include "strategy/_body.html" %}`` with ``strategy_page`` in its context. The
partial starts with the page's ``<h1>`` and carries the example label itself, so it is never
shown without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.partnership import Partnership
from svduty.products import html
from svduty.products.area import Area, resolve
from svduty.products.duty_record import ConsultationEntry
from svduty.products.strategy.file import (
    Action,
    Intervention,
    Priority,
    Strategy,
    StrategyError,
    action_summary,
)
from svduty.products.strategy.toolkit import (
    Approach,
    Catalogue,
    EvidenceWarning,
    load_catalogue,
    warnings,
)

__all__ = [
    "ASSESSMENT_HREF",
    "BODY_TEMPLATE",
    "StrategyPage",
    "StrategyPageError",
    "view",
    "write",
]

# Where the needs assessment sits relative to the strategy page in a built site.
ASSESSMENT_HREF = "../sna/annex.html"  # the technical annex holds every finding and figure
PAGE_TEMPLATE = "strategy.html"
BODY_TEMPLATE = "strategy/_body.html"

STRATEGY_STATUS_LABELS = {
    "draft": "Draft",
    "consultation": "Out for consultation",
    "approved": "Approved",
    "published": "Published",
    "superseded": "Superseded",
}
# Every tag carries its meaning in words; the colour only repeats it.
ACTION_STATUS_TAGS = {
    "not_started": ("Not started", "tag-grey"),
    "on_track": ("On track", "tag-ok"),
    "at_risk": ("At risk", "tag-warning"),
    "delayed": ("Delayed", "tag-warning"),
    "complete": ("Complete", "tag-ok"),
    "cancelled": ("Cancelled", "tag-grey"),
}
BAND_TAGS = {
    "high": ("High impact", "tag-ok"),
    "moderate": ("Moderate impact", "tag-ok"),
    "low": ("Low impact", "tag-grey"),
    "no_clear_evidence": ("No clear evidence", "tag-warning"),
    "harmful": ("Harmful", "tag-harmful"),
    "not_banded": ("Not banded for violence", "tag-grey"),
}
STRENGTH_TAGS = {
    "very_low": ("Very low", "tag-grey"),
    "low": ("Low", "tag-grey"),
    "moderate": ("Moderate", "tag-grey"),
    "high": ("High", "tag-grey"),
    "very_high": ("Very high", "tag-grey"),
    "insufficient": ("Insufficient evidence", "tag-warning"),
    "unknown": ("Not recorded", "tag-grey"),
}
LOCAL_APPROACH_TAG = ("Local approach, not in the Toolkit", "tag-grey")
# The sections the guidance expects besides the priorities (strategy.SECTIONS), as headed here
SECTION_HEADINGS = (
    ("governance", "How the partnership governs this strategy"),
    ("resources", "Resources"),
    ("engagement", "How we engaged communities and young people"),
)


class StrategyPageError(StrategyError):
    """The strategy cannot be rendered with the partnership or area given (a StrategyError, so
    whatever reports a strategy's problems reports these too)."""


@dataclass(frozen=True)
class Tag:
    """A label shown as a coloured tag; ``text`` says everything the colour does."""

    text: str
    css: str


@dataclass(frozen=True)
class ActionRow:
    action: Action
    milestone: str  # "31 March 2025"
    status: Tag
    overdue: str  # "Overdue by 12 days", or "" when it is not


@dataclass(frozen=True)
class InterventionView:
    intervention: Intervention
    anchor: str
    approach: Approach | None  # None for a local approach
    band: Tag
    evidence: Tag | None  # None for a local approach
    place_start: str  # "April 2020", or "" when not place-based
    warnings: tuple[EvidenceWarning, ...]
    actions: tuple[ActionRow, ...]


@dataclass(frozen=True)
class PriorityView:
    priority: Priority
    number: int
    anchor: str
    finding_href: str | None  # the finding in the needs assessment, when it can be linked
    measures: tuple[tuple[measures_catalogue.Measure, str], ...]  # with their anchors
    interventions: tuple[InterventionView, ...]


@dataclass(frozen=True)
class HarmfulNotice:
    """A strong warning, shown at the top of the page with a link to its intervention."""

    warning: EvidenceWarning
    anchor: str
    intervention_name: str


@dataclass(frozen=True)
class YouSaid:
    """One theme people raised and the priorities that answer it (the strategy's "You said,
    we did"); ``responses`` is the count as the disclosure gate released it, in words."""

    theme: str
    responses: str
    priorities: tuple[tuple[str, str], ...]  # (title, anchor)


@dataclass(frozen=True)
class StrategyPage:
    """Everything the strategy partial shows, worked out; the template only lays it out."""

    strategy: Strategy
    area: Area
    definition: dict  # the partnership's local definition: id, version, text, source
    catalogue: Catalogue
    facts: tuple[tuple[str, str], ...]
    catalogue_as_of: str  # "26 November 2026"
    harmful: tuple[HarmfulNotice, ...]
    priorities: tuple[PriorityView, ...]
    measures: tuple[tuple[measures_catalogue.Measure, str], ...]  # each used, with its anchor
    bands: tuple[tuple[str, str], ...]  # (band label, meaning) in the catalogue's order
    contents: tuple[tuple[str, str], ...]
    sections: tuple[tuple[str, str], ...] = SECTION_HEADINGS  # (field, heading)
    baseline_rule: str = ""
    # "You said, we did": None when the responses were not read (the section is left out);
    # empty with `you_said_note` saying so when none are loaded
    you_said: tuple[YouSaid, ...] | None = None
    you_said_note: str = ""
    # the consultations the strategy cites (duty_record); None: built outside the portal
    consultations: tuple[ConsultationEntry, ...] | None = None


def long_date(day: date) -> str:
    """A date as GOV.UK style writes it: ``1 April 2024``."""
    return f"{day.day} {day:%B %Y}"


def overdue_text(days: int) -> str:
    """``Overdue by 1 day``, ``Overdue by 12 days``."""
    return f"Overdue by {days} day{'' if days == 1 else 's'}"


def measure_anchor(measure_id: str) -> str:
    """The id of a success measure's entry on the page (ids are prefixed by kind, so a
    measure, a priority and an intervention may share a name)."""
    return f"measure-{measure_id}"


def intervention_anchor(intervention_id: str) -> str:
    """The id of an intervention's part of the page (its heading, details and actions)."""
    return f"intervention-{intervention_id}"


def view(
    strategy: Strategy,
    *,
    partnership: Partnership,
    area: Area | str,
    today: date | None = None,
    catalogue: Catalogue | None = None,
    measures: measures_catalogue.Catalogue | None = None,
    assessment_href: str | None = ASSESSMENT_HREF,
    voice=None,
    consultations: tuple[ConsultationEntry, ...] | None = None,
) -> StrategyPage:
    """The strategy page's content, for ``strategy/_body.html`` (as ``strategy_page``).

    ``area`` is the area the strategy is for (an Area or its id); it must be the strategy's own
    ``area``, and the partnership's local definition must be the one the strategy names.
    Overdue actions are judged on ``today`` (default: the real today). A priority's finding
    links to ``{assessment_href}#{finding_ref}``; with ``assessment_href=None`` it is shown
    without a link. ``voice``: what people told us (svduty.analysis.voice.responses.ToldUs),
    for "You said, we did"; None leaves the section out. ``consultations``: the portal's record
    for the area (svduty.products.duty_record; None when built outside the portal, and the page
    says so).
    """
    area = resolve(partnership, area) if isinstance(area, str) else area
    _check_matches(strategy, partnership, area)
    today = today or date.today()
    catalogue = catalogue or load_catalogue()
    measures = measures or measures_catalogue.load(partnership=partnership)
    found = warnings(strategy, catalogue)
    overdue = {o.action.id: o.days_overdue for o in action_summary(strategy, today).overdue}
    priorities = tuple(
        _priority(n, p, catalogue, measures, found, overdue, assessment_href)
        for n, p in enumerate(strategy.priorities, start=1)
    )
    # each measure once, in the order the priorities first name them
    used = tuple({anchor: (m, anchor) for p in priorities for m, anchor in p.measures}.values())
    names = {i.id: i.name for _, i in strategy.interventions()}
    return StrategyPage(
        strategy=strategy,
        area=area,
        definition=dict(partnership.local_definition),
        catalogue=catalogue,
        facts=_facts(strategy, area, partnership, today),
        catalogue_as_of=long_date(catalogue.as_of),
        harmful=tuple(
            HarmfulNotice(w, intervention_anchor(w.intervention), names[w.intervention])
            for w in found
            if w.severity == "strong"
        ),
        priorities=priorities,
        measures=used,
        bands=tuple((BAND_TAGS[b][0], meaning) for b, meaning in catalogue.impact_bands.items()),
        contents=_contents(strategy, priorities, voice is not None),
        baseline_rule=(
            f"Every measure's baseline is {strategy.baseline}"
            + (
                " (the year the strategy sets)."
                if strategy.baseline_year is not None
                else " (the year before the strategy's period starts)."
            )
        ),
        **_you_said(voice, priorities),
        consultations=consultations,
    )


NO_THEME = "none"  # svduty.analysis.voice.coding.NONE


def _you_said(voice, priorities: tuple[PriorityView, ...]) -> dict:
    if voice is None:
        return {}
    if not voice.themes:
        return {
            "you_said": (),
            "you_said_note": "No survey or consultation responses are loaded (the "
            "community-voice feed), so this strategy cannot yet show what people told the "
            "partnership and which priorities answer it.",
        }
    rows = []
    for t in voice.themes:
        if t.code == NO_THEME:
            continue  # what people said that no theme's words caught: nothing to answer
        answering = tuple(
            (p.priority.title, p.anchor) for p in priorities if t.code in p.priority.themes
        )
        count = "fewer than 8, or withheld" if t.total is None else f"about {t.total:,}"
        rows.append(YouSaid(t.label, count, answering))
    note = (
        "SYNTHETIC responses made by svduty synth, not real people's words. "
        if voice.synthetic
        else ""
    ) + (
        "The themes residents and young people raised in surveys and consultations (counts "
        "rounded to the nearest 5 by the disclosure gate), and the priorities of this strategy "
        "that answer each. A theme no priority answers is shown as such."
    )
    return {"you_said": tuple(rows), "you_said_note": note}


def write(
    strategy: Strategy,
    out_dir: Path | str,
    *,
    partnership: Partnership,
    area: Area | str,
    today: date | None = None,
    catalogue: Catalogue | None = None,
    measures: measures_catalogue.Catalogue | None = None,
    assessment_href: str | None = ASSESSMENT_HREF,
    voice=None,
    consultations: tuple[ConsultationEntry, ...] | None = None,
) -> Path:
    """Write the strategy as ``out_dir/index.html`` (with the stylesheet); return its path.

    The arguments are those of ``view``. An example strategy carries the example label in the
    page's banner and at the top of its content.
    """
    page = view(
        strategy,
        partnership=partnership,
        area=area,
        today=today,
        catalogue=catalogue,
        measures=measures,
        assessment_href=assessment_href,
        voice=voice,
        consultations=consultations,
    )
    return html.write_page(
        Path(out_dir),
        "index.html",
        PAGE_TEMPLATE,
        title=strategy.title,
        body_name=page.area.body,
        synthetic=False,  # a strategy is words the partnership wrote, not data
        example=strategy.example_note if strategy.example else "",
        strategy_page=page,
    )


def _check_matches(strategy: Strategy, partnership: Partnership, area: Area) -> None:
    if area.id != strategy.area:
        problem = (
            f"{strategy.path}: the strategy is for the area {strategy.area!r}, not {area.id!r}; "
            f"render it for {strategy.area!r} (or correct `area` in the file)"
        )
        raise StrategyPageError(strategy.path, [problem])
    own = partnership.local_definition.get("id")
    if own != strategy.local_definition:
        problem = (
            f"{strategy.path}: the strategy follows the local definition "
            f"{strategy.local_definition!r}, but the partnership {partnership.name!r} has "
            f"{own!r}; correct `local_definition` in the strategy or in partnership.yaml"
        )
        raise StrategyPageError(strategy.path, [problem])


def _facts(
    strategy: Strategy, area: Area, partnership: Partnership, today: date
) -> tuple[tuple[str, str], ...]:
    first, last = strategy.years
    definition = partnership.local_definition
    return (
        ("Area", area.name),
        ("Owned by", area.body),
        ("Period", f"{first} to {last}"),
        ("Baseline year", str(strategy.baseline)),
        ("Status", STRATEGY_STATUS_LABELS.get(strategy.status, strategy.status)),
        ("Adopted", long_date(strategy.adopted) if strategy.adopted else "Not adopted yet"),
        ("Local definition", f"{definition['id']}, version {definition['version']}"),
        ("Actions checked against their milestones on", long_date(today)),
    )


def _contents(
    strategy: Strategy, priorities: tuple[PriorityView, ...], you_said: bool = False
) -> tuple[tuple[str, str], ...]:
    items = [("Summary", "summary")] if strategy.summary else []
    items.append(("Our definition of serious violence", "local-definition"))
    items += [(f"Priority {p.number}: {p.priority.title}", p.anchor) for p in priorities]
    items += [("You said, we did", "you-said")] if you_said else []
    items += [(heading, key) for key, heading in SECTION_HEADINGS]
    items += [
        ("How we will measure success", "success-measures"),
        ("About the evidence ratings", "evidence-ratings"),
        ("Who we consulted", "consultation"),
        ("Contact", "contact"),
    ]
    return tuple(items)


def _priority(
    number: int,
    priority: Priority,
    catalogue: Catalogue,
    measures: measures_catalogue.Catalogue,
    found: list[EvidenceWarning],
    overdue: dict[str, int],
    assessment_href: str | None,
) -> PriorityView:
    href = None
    if assessment_href is not None and priority.finding_ref is not None:
        href = f"{assessment_href}#{priority.finding_ref}"
    return PriorityView(
        priority=priority,
        number=number,
        anchor=f"priority-{priority.id}",
        finding_href=href,
        measures=tuple((measures.get(m), measure_anchor(m)) for m in priority.measures),
        interventions=tuple(
            _intervention(i, catalogue, found, overdue) for i in priority.interventions
        ),
    )


def _intervention(
    intervention: Intervention,
    catalogue: Catalogue,
    found: list[EvidenceWarning],
    overdue: dict[str, int],
) -> InterventionView:
    approach = catalogue.get(intervention.approach) if intervention.approach else None
    place = intervention.place_based
    return InterventionView(
        intervention=intervention,
        anchor=intervention_anchor(intervention.id),
        approach=approach,
        band=Tag(*(BAND_TAGS[approach.impact_band] if approach else LOCAL_APPROACH_TAG)),
        evidence=Tag(*STRENGTH_TAGS[approach.evidence_strength]) if approach else None,
        place_start=f"{place.start:%B %Y}" if place else "",
        warnings=tuple(w for w in found if w.intervention == intervention.id),
        actions=tuple(
            ActionRow(
                action=a,
                milestone=long_date(a.milestone),
                status=Tag(*ACTION_STATUS_TAGS[a.status]),
                overdue=overdue_text(overdue[a.id]) if a.id in overdue else "",
            )
            for a in intervention.actions
        ),
    )
