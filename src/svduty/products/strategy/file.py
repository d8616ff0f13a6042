"""The local strategy as a file the partnership edits.

A strategy is one YAML file (docs/strategy.md): its priorities, each tied to a finding of the
strategic needs assessment, with objectives, the measures that will show success and the
interventions that serve it; each intervention names its approach, lead partner and, when it
works in a place, the LSOAs or wards and start month; each has actions with owners, milestones
and a status for the annual review. ``load`` reads and validates a file; every problem names
the file, the path in the document (``priorities[1].interventions[0].actions[2].milestone``)
and what would fix it, and all problems are reported at once.

The approaches are checked against the YEF Toolkit catalogue, which
:mod:`svduty.products.strategy.toolkit` owns with the evidence warnings; ``load_catalogue``,
``warnings`` and their types are imported here too, so ``strategies.warnings(s)`` reads as it
always has. The checks against other things (the needs assessment, the partnership's areas, the
ONS geography) are :mod:`svduty.products.strategy.check`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.products.strategy.fit import FOCUS, fits, measure_topics
from svduty.products.strategy.toolkit import (
    CATALOGUE_FILE,
    EVIDENCE_STRENGTHS,
    IMPACT_BANDS,
    Approach,
    Catalogue,
    EvidenceWarning,
    Reader,
    StrategyError,
    load_catalogue,
    parse_yaml,
    read_yaml_lines,
    suggest,
    warnings,
)

__all__ = [
    "ACTION_STATUSES",
    "BASELINE_RULE",
    "CATALOGUE_FILE",
    "EVIDENCE_STRENGTHS",
    "EXAMPLE_NOTE",
    "FOCUS",
    "IMPACT_BANDS",
    "SECTIONS",
    "STRATEGY_STATUSES",
    "Action",
    "ActionSummary",
    "Approach",
    "Catalogue",
    "EvidenceWarning",
    "Intervention",
    "OverdueAction",
    "Place",
    "Priority",
    "Strategy",
    "StrategyError",
    "Target",
    "action_summary",
    "examples",
    "load",
    "load_catalogue",
    "loads",
    "measure_topics",
    "place_lsoas",
    "warnings",
]

EXAMPLES_DIR = Path(__file__).parent / "examples"

STRATEGY_STATUSES = ("draft", "consultation", "approved", "published", "superseded")
ADOPTED_STATUSES = ("approved", "published", "superseded")  # these need an adopted date
ACTION_STATUSES = ("not_started", "on_track", "at_risk", "delayed", "complete", "cancelled")
EXAMPLE_NOTE = (
    "Illustrative example shipped with svduty, not an adopted strategy of the partnership"
)

# The sections of a strategy the statutory guidance expects besides its priorities (Serious
# Violence Duty statutory guidance, Home Office, December 2022, chapter 3): how the partnership
# governs the work, what it puts in, and how it engaged communities and young people.
SECTIONS = {
    "governance": "Governance: who leads the strategy, who it reports to and how it is reviewed",
    "resources": "Resources: the money, staff and services each partner commits",
    "engagement": "Engagement: how communities, young people and the voluntary sector were "
    "involved, and will be",
}
# One rule for every measure's baseline, stated wherever a baseline is shown (docs/strategy.md)
BASELINE_RULE = (
    "Every measure is set against one baseline year: the strategy's baseline_year, or, when it "
    "gives none, the year before its period starts."
)

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_PERIOD = re.compile(r"^(\d{4})-(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_LSOA = re.compile(r"^[EW]01\d{6}$")
_WARD = re.compile(r"^[EW]05\d{6}$")


# ---- the strategy --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a place-based intervention works, and from which month (for the annual review)."""

    start: date  # the first day of the start month
    lsoas: tuple[str, ...] = ()
    wards: tuple[str, ...] = ()
    name: str = ""

    @property
    def start_month(self) -> str:
        """The start as ``YYYY-MM``, the form police.uk months take."""
        return f"{self.start:%Y-%m}"


@dataclass(frozen=True)
class Action:
    id: str
    description: str
    owner: str
    milestone: date
    status: str  # one of ACTION_STATUSES
    note: str = ""


@dataclass(frozen=True)
class Intervention:
    id: str
    name: str
    approach: str | None  # a catalogue id, or None for a local approach
    lead_partner: str
    description: str
    place_based: Place | None = None
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Target:
    """What the partnership aims a measure to reach: a change from the baseline year by a year.

    ``change_pct`` is signed: -10 is a 10% fall in the rate, 0 holds it where it was.
    """

    measure: str  # a measure id
    change_pct: float
    by: int
    baseline_year: int

    @property
    def ratio(self) -> float:
        """The rate ratio (target year over baseline) the target means: 0.9 for a 10% fall."""
        return 1 + self.change_pct / 100

    def text(self) -> str:
        """``10% lower than in 2019 by 2027``."""
        size = f"{abs(self.change_pct):g}%"
        if self.change_pct < 0:
            return f"{size} lower than in {self.baseline_year} by {self.by}"
        if self.change_pct > 0:
            return f"{size} higher than in {self.baseline_year} by {self.by}"
        return f"no higher than in {self.baseline_year} by {self.by}"


@dataclass(frozen=True)
class Priority:
    id: str
    title: str
    finding: str  # the needs assessment finding the priority answers, in words
    finding_ref: str | None  # the id of that finding or figure in the assessment
    objectives: tuple[str, ...]
    measures: tuple[str, ...]  # measure ids of the measures catalogue
    interventions: tuple[Intervention, ...] = ()
    focus: tuple[str, ...] = ()  # what the priority is about (FOCUS); its measures must fit it
    targets: tuple[Target, ...] = ()  # at most one per measure
    # the community voice themes (codes of the codebook, docs/voice.md) the priority answers:
    # the strategy's "You said, we did"
    themes: tuple[str, ...] = ()

    def target(self, measure_id: str) -> Target | None:
        return next((t for t in self.targets if t.measure == measure_id), None)


@dataclass(frozen=True)
class Strategy:
    title: str
    area: str  # an area id: "avon-and-somerset", "somerset"
    period: str  # "2024-2027"
    status: str  # one of STRATEGY_STATUSES
    adopted: date | None
    local_definition: str  # a local definition id
    priorities: tuple[Priority, ...]
    summary: str = ""
    example: bool = False
    example_note: str = ""  # shown wherever an example is shown
    path: str = field(default="", compare=False)
    baseline_year: int | None = None  # as written; ``baseline`` applies the rule
    governance: str = ""
    resources: str = ""
    engagement: str = ""
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def years(self) -> tuple[int, int]:
        """The first and last year of the period."""
        first, last = self.period.split("-")  # the form is checked on load
        return int(first), int(last)

    @property
    def baseline(self) -> int:
        """The baseline year of every measure (BASELINE_RULE)."""
        return self.baseline_year if self.baseline_year is not None else self.years[0] - 1

    @property
    def file_name(self) -> str:
        """The file's name without its folder: what a product may print (never the path of the
        machine that built it)."""
        return Path(self.path).name if self.path else ""

    def covers(self, year: int) -> bool:
        """Whether ``year`` is within the strategy's period."""
        first, last = self.years
        return first <= year <= last

    def target(self, measure_id: str) -> Target | None:
        """The first target set for a measure, in the order the priorities are written."""
        return next((t for p in self.priorities if (t := p.target(measure_id))), None)

    def interventions(self) -> Iterator[tuple[Priority, Intervention]]:
        """Every intervention with its priority, in the order written."""
        for p in self.priorities:
            for i in p.interventions:
                yield p, i

    def actions(self) -> Iterator[tuple[Priority, Intervention, Action]]:
        """Every action with its priority and intervention, in the order written."""
        for p, i in self.interventions():
            for a in i.actions:
                yield p, i, a


# ---- loading -------------------------------------------------------------------------------------


def examples() -> dict[str, Path]:
    """The example strategies shipped with svduty, by area id (the file name without .yaml)."""
    return {p.stem: p for p in sorted(EXAMPLES_DIR.glob("*.yaml"))}


def load(
    path: Path | str,
    *,
    measures: measures_catalogue.Catalogue | None = None,
    catalogue: Catalogue | None = None,
) -> Strategy:
    """Read and validate a strategy file; StrategyError lists every problem.

    Measure ids are checked against ``measures`` (default: the shipped measures catalogue; pass
    the partnership's own when SVDUTY_MEASURES names one) and approach ids against
    ``catalogue`` (default: the shipped YEF Toolkit table).
    """
    path = Path(path)
    raw, lines = read_yaml_lines(path)
    return _parse(raw, str(path), measures, catalogue, lines)


def loads(
    text: str,
    path: Path | str = "<text>",
    *,
    measures: measures_catalogue.Catalogue | None = None,
    catalogue: Catalogue | None = None,
) -> Strategy:
    """Validate strategy YAML held in memory; ``path`` is what the messages call it."""
    raw, lines = parse_yaml(text, path)
    return _parse(raw, str(path), measures, catalogue, lines)


def _parse(
    raw: Any,
    path: str,
    measures: measures_catalogue.Catalogue | None,
    catalogue: Catalogue | None,
    lines: dict[str, int] | None = None,
) -> Strategy:
    measures = measures or measures_catalogue.load()
    catalogue = catalogue or load_catalogue()
    reader = _StrategyReader(path, measures, catalogue, lines or {})
    return reader.strategy(raw)


class _StrategyReader(Reader):
    _TOP = ("title", "area", "period", "status", "adopted", "local_definition", "priorities")
    _TOP_OPTIONAL = ("summary", "example", "example_note", "baseline_year", *SECTIONS)
    _PRIORITY = ("id", "title", "finding", "objectives", "measures")
    _PRIORITY_OPTIONAL = ("finding_ref", "interventions", "focus", "themes")
    _TARGET = ("change_pct", "by")
    _INTERVENTION = ("id", "name", "lead_partner", "description")
    _INTERVENTION_OPTIONAL = ("approach", "place_based", "actions")
    _PLACE = ("start",)
    _PLACE_OPTIONAL = ("name", "lsoas", "wards")
    _ACTION = ("id", "description", "owner", "milestone", "status")
    _ACTION_OPTIONAL = ("note",)

    def __init__(
        self,
        path: str,
        measures: measures_catalogue.Catalogue,
        catalogue: Catalogue,
        lines: dict[str, int],
    ):
        super().__init__(path, lines)
        self.measures = measures
        self.catalogue = catalogue
        self.seen: dict[str, dict[str, str]] = {"priority": {}, "intervention": {}, "action": {}}

    def strategy(self, raw: Any) -> Strategy:
        top = self.fields(raw, "", self._TOP, self._TOP_OPTIONAL)
        if not top:
            raise StrategyError(self.path, self.problems)
        period = self.period(top)
        self.years = _years(period)
        baseline = self.baseline(top)
        status = self.choice(top, "status", "", STRATEGY_STATUSES)
        adopted = self.day(top, "adopted", "", nullable=True)
        if status in ADOPTED_STATUSES and adopted is None and "adopted" in top:
            self.problem("adopted", f"a strategy that is {status} needs the date it was adopted")
        elif status in ("draft", "consultation") and adopted is not None:
            self.problem("adopted", f"a {status} strategy is not adopted yet: set adopted: null")
        example = top.get("example", False)
        if not isinstance(example, bool):
            self.problem("example", f"expected true or false, got {example!r}")
        elif "example_note" in top and not example:
            self.problem("example_note", "only an example (example: true) takes an example_note")
        priorities = [
            self.priority(item, f"priorities[{i}]")
            for i, item in enumerate(self.items(top, "priorities", "", at_least=1))
        ]
        values = {k: self.text(top, k, "") for k in ("title", "area", "local_definition")}
        for key in ("area", "local_definition"):
            if values[key] and not _ID.match(values[key]):
                self.problem(key, f"{values[key]!r} is not an id, e.g. somerset or asvrp-2023")
        if self.problems:
            raise StrategyError(self.path, self.problems)
        # every target is against the one baseline year (BASELINE_RULE)
        base = baseline if baseline is not None else self.years[0] - 1
        priorities = [
            replace(p, targets=tuple(replace(t, baseline_year=base) for t in p.targets))
            for p in priorities
        ]
        return Strategy(
            period=period,
            status=status,
            adopted=adopted,
            priorities=tuple(priorities),
            summary=self.text(top, "summary", "", required=False) or "",
            example=example,
            example_note=(self.text(top, "example_note", "", required=False) or EXAMPLE_NOTE)
            if example
            else "",
            path=self.path,
            baseline_year=baseline,
            lines=self.lines,
            **{k: self.text(top, k, "", required=False) or "" for k in SECTIONS},
            **values,
        )

    def baseline(self, top: dict) -> int | None:
        value = top.get("baseline_year")
        if value is None:
            return None
        first = self.years[0] if self.years else None
        if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
            self.problem("baseline_year", f"{value!r} is not a year: write it as 2019")
            return None
        if first is not None and value > first:
            self.problem(
                "baseline_year",
                f"the baseline {value} is after the period starts ({first}): a baseline is a "
                f"year before the strategy's work, e.g. {first - 1}",
            )
        return value

    def period(self, top: dict) -> str | None:
        value = top.get("period")
        match = _PERIOD.match(value) if isinstance(value, str) else None
        if "period" in top and (match is None or int(match[2]) <= int(match[1])):
            self.problem(
                "period", f"{value!r} is not a period: write first-last year, e.g. 2024-2027"
            )
        return value

    def priority(self, raw: Any, where: str) -> Priority | None:
        item = self.fields(raw, where, self._PRIORITY, self._PRIORITY_OPTIONAL)
        if not item:
            return None
        objectives = self.items(item, "objectives", where, at_least=1)
        for i, objective in enumerate(objectives):
            if not isinstance(objective, str) or not objective.strip():
                self.problem(f"{where}.objectives[{i}]", "each objective is a line of text")
        focus = self.focus(item, where)
        measures, targets = [], []
        for i, entry in enumerate(self.items(item, "measures", where, at_least=1)):
            measure, target = self.measure(entry, f"{where}.measures[{i}]", focus)
            measures.append(measure)
            targets += [target] if target is not None else []
        interventions = [
            self.intervention(entry, f"{where}.interventions[{i}]")
            for i, entry in enumerate(self.items(item, "interventions", where))
        ]
        return Priority(
            id=self.ident(item, where, self.seen["priority"]),
            title=self.text(item, "title", where),
            finding=self.text(item, "finding", where),
            finding_ref=self.text(item, "finding_ref", where, required=False),
            objectives=tuple(o.strip() for o in objectives if isinstance(o, str)),
            measures=tuple(measures),
            interventions=tuple(interventions),
            focus=focus,
            targets=tuple(targets),
            themes=self.themes(item, where),
        )

    def themes(self, item: dict, where: str) -> tuple[str, ...]:
        chosen = []
        for i, value in enumerate(self.items(item, "themes", where)):
            if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", value):
                self.problem(
                    f"{where}.themes[{i}]",
                    f"{value!r} is not a theme code: use a code of the community voice "
                    "codebook (docs/voice.md), e.g. nothing_to_do",
                )
            else:
                chosen.append(value)
        return tuple(chosen)

    def focus(self, item: dict, where: str) -> tuple[str, ...]:
        chosen = []
        for i, value in enumerate(self.items(item, "focus", where)):
            if value not in FOCUS:
                self.problem(
                    f"{where}.focus[{i}]",
                    f"{value!r} is not a focus{suggest(str(value), FOCUS)}; use one or more "
                    f"of {', '.join(FOCUS)}",
                )
            else:
                chosen.append(value)
        return tuple(chosen)

    def measure(self, raw: Any, where: str, focus: tuple[str, ...]):
        """A measure id, or ``{id, target: {change_pct, by}}``: the id and its Target."""
        target = None
        if isinstance(raw, dict):
            item = self.fields(raw, where, ("id",), ("target",))
            measure = item.get("id")
            if item.get("target") is not None:
                target = self.target(item["target"], f"{where}.target", measure)
        else:
            measure = raw
        known = [m.id for m in self.measures.measures]
        if measure not in known:
            self.problem(
                where if not isinstance(raw, dict) else f"{where}.id",
                f"{measure!r} is not in the measures catalogue ({Path(self.measures.path).name})"
                f"{suggest(str(measure), known)}; use one of {', '.join(known)}, "
                "or add the measure to the catalogue (docs/measures.md)",
            )
        elif focus and not fits(self.measures.get(measure), focus):
            topics = measure_topics(self.measures.get(measure))
            self.problem(
                where,
                f"{measure!r} measures {', '.join(topics) or 'something unclassified'}, not "
                f"this priority's focus ({', '.join(focus)}); choose a measure of that, or "
                "move this one to the priority it serves",
            )
        return measure, target

    def target(self, raw: Any, where: str, measure: Any) -> Target | None:
        item = self.fields(raw, where, self._TARGET)
        if not item:
            return None
        change, by = item.get("change_pct"), item.get("by")
        ok = True
        if isinstance(change, bool) or not isinstance(change, int | float) or change < -100:
            self.problem(
                f"{where}.change_pct",
                f"{change!r} is not a percentage change: -10 for a 10% fall, 0 to hold",
            )
            ok = False
        first, last = self.years or (None, None)
        if isinstance(by, bool) or not isinstance(by, int):
            self.problem(f"{where}.by", f"{by!r} is not a year: write it as {last or 2027}")
            ok = False
        elif first is not None and not first <= by <= last:
            self.problem(
                f"{where}.by",
                f"{by} is outside the strategy's period {first}-{last}: set a target for a "
                "year of the period",
            )
            ok = False
        if not ok or "change_pct" not in item or "by" not in item:
            return None
        return Target(str(measure), float(change), by, 0)  # the baseline year is set on load

    def intervention(self, raw: Any, where: str) -> Intervention | None:
        item = self.fields(raw, where, self._INTERVENTION, self._INTERVENTION_OPTIONAL)
        if not item:
            return None
        approach = item.get("approach")
        if approach is not None and approach not in self.catalogue.ids:
            self.problem(
                f"{where}.approach",
                f"{approach!r} is not an approach of the catalogue (YEF Toolkit "
                f"{self.catalogue.version}){suggest(str(approach), self.catalogue.ids)}; use "
                f"one of {', '.join(self.catalogue.ids)}, or null for a local approach",
            )
        place = item.get("place_based")
        actions = [
            self.action(entry, f"{where}.actions[{i}]")
            for i, entry in enumerate(self.items(item, "actions", where))
        ]
        return Intervention(
            id=self.ident(item, where, self.seen["intervention"]),
            name=self.text(item, "name", where),
            approach=approach,
            lead_partner=self.text(item, "lead_partner", where),
            description=self.text(item, "description", where),
            place_based=self.place(place, f"{where}.place_based") if place is not None else None,
            actions=tuple(actions),
        )

    def place(self, raw: Any, where: str) -> Place | None:
        item = self.fields(raw, where, self._PLACE, self._PLACE_OPTIONAL)
        if not item:
            return None
        codes = {}
        for key, pattern, kind, example in (
            ("lsoas", _LSOA, "an LSOA", "E01014540"),
            ("wards", _WARD, "a ward", "E05010892"),
        ):
            codes[key] = self.items(item, key, where)
            for i, code in enumerate(codes[key]):
                if not isinstance(code, str) or not pattern.match(code):
                    self.problem(
                        f"{where}.{key}[{i}]",
                        f"{code!r} is not {kind} code: E{example[1:3]} or W{example[1:3]} "
                        f"followed by six digits, e.g. {example}",
                    )
            if len(set(map(str, codes[key]))) != len(codes[key]):
                self.problem(f"{where}.{key}", "a code is listed twice")
        if not codes["lsoas"] and not codes["wards"]:
            self.problem(where, "name the place: a list of lsoas, of wards, or both")
        return Place(
            start=self.month(item, "start", where),
            lsoas=tuple(codes["lsoas"]),
            wards=tuple(codes["wards"]),
            name=self.text(item, "name", where, required=False) or "",
        )

    def month(self, raw: dict, key: str, where: str) -> date | None:
        value = raw.get(key)
        match = _MONTH.match(value) if isinstance(value, str) else None
        if match and 1 <= int(match[2]) <= 12:
            return date(int(match[1]), int(match[2]), 1)
        if key in raw:
            self.problem(
                f"{where}.{key}", f"{value!r} is not a month: write it as YYYY-MM, e.g. 2020-04"
            )
        return None

    def action(self, raw: Any, where: str) -> Action | None:
        item = self.fields(raw, where, self._ACTION, self._ACTION_OPTIONAL)
        if not item:
            return None
        return Action(
            id=self.ident(item, where, self.seen["action"]),
            description=self.text(item, "description", where),
            owner=self.text(item, "owner", where),
            milestone=self.day(item, "milestone", where),
            status=self.choice(item, "status", where, ACTION_STATUSES),
            note=self.text(item, "note", where, required=False) or "",
        )


def _years(period: Any) -> tuple[int, int] | None:
    match = _PERIOD.match(period) if isinstance(period, str) else None
    if match is None or int(match[2]) <= int(match[1]):
        return None
    return int(match[1]), int(match[2])


# ---- places ----------------------------------------------------------------------------------


def place_lsoas(place: Place) -> tuple[str, ...]:
    """Every LSOA of a place: those listed, and those of the wards listed (December 2019 wards,
    2011 LSOAs, from the bundled ONS lookup), sorted."""
    codes = set(place.lsoas)
    if place.wards:
        from svduty.reference import geography

        wards = set(place.wards)
        codes |= {
            r["lsoa11_code"]
            for r in geography.lsoa11_ward_raw().to_pylist()
            if r["ward19_code"] in wards
        }
    return tuple(sorted(codes))


# ---- action progress -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueAction:
    priority: str  # its priority's id
    intervention: str  # its intervention's id
    action: Action
    days_overdue: int


@dataclass(frozen=True)
class ActionSummary:
    as_of: date
    counts: dict[str, int]  # every status of ACTION_STATUSES, in that order
    overdue: tuple[OverdueAction, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def action_summary(strategy: Strategy, today: date) -> ActionSummary:
    """Actions counted by status, and those overdue on ``today``.

    An action is overdue when its milestone is before ``today`` and it is neither complete nor
    cancelled (a cancelled action has no milestone left to meet).
    """
    counts = dict.fromkeys(ACTION_STATUSES, 0)
    overdue = []
    for p, i, a in strategy.actions():
        counts[a.status] += 1
        if a.milestone < today and a.status not in ("complete", "cancelled"):
            overdue.append(OverdueAction(p.id, i.id, a, (today - a.milestone).days))
    return ActionSummary(today, counts, tuple(overdue))
