"""The local strategy as a file the partnership edits.

A strategy is one YAML file (docs/strategy.md): its priorities, each tied to a finding of the
strategic needs assessment, with objectives, the measures that will show success and the
interventions that serve it; each intervention names its approach, lead partner and, when it
works in a place, the LSOAs or wards and start month; each has actions with owners, milestones
and a status for the annual review. ``load`` reads and validates a file; every problem names
the file, the path in the document (``priorities[1].interventions[0].actions[2].milestone``)
and what would fix it, and all problems are reported at once.

The approaches are checked against the YEF Toolkit catalogue, which :mod:`svduty.products.toolkit`
owns with the evidence warnings; ``load_catalogue``, ``warnings`` and their types are imported
here too, so ``strategy.warnings(s)`` reads as it always has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.products.toolkit import (
    CATALOGUE_FILE,
    EVIDENCE_STRENGTHS,
    IMPACT_BANDS,
    Approach,
    Catalogue,
    EvidenceWarning,
    Reader,
    StrategyError,
    load_catalogue,
    read_yaml,
    suggest,
    warnings,
)

__all__ = [
    "ACTION_STATUSES",
    "CATALOGUE_FILE",
    "EVIDENCE_STRENGTHS",
    "EXAMPLE_NOTE",
    "IMPACT_BANDS",
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
    "action_summary",
    "check_findings",
    "check_places",
    "examples",
    "load",
    "load_catalogue",
    "loads",
    "place_lsoas",
    "warnings",
]

EXAMPLES_DIR = Path(__file__).parent / "strategies"

STRATEGY_STATUSES = ("draft", "consultation", "approved", "published", "superseded")
ADOPTED_STATUSES = ("approved", "published", "superseded")  # these need an adopted date
ACTION_STATUSES = ("not_started", "on_track", "at_risk", "delayed", "complete", "cancelled")
EXAMPLE_NOTE = (
    "Illustrative example shipped with svduty, not an adopted strategy of the partnership"
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
class Priority:
    id: str
    title: str
    finding: str  # the needs assessment finding the priority answers, in words
    finding_ref: str | None  # the id of that finding or figure in the assessment
    objectives: tuple[str, ...]
    measures: tuple[str, ...]  # measure ids of the measures catalogue
    interventions: tuple[Intervention, ...] = ()


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

    @property
    def years(self) -> tuple[int, int]:
        """The first and last year of the period."""
        first, last = self.period.split("-")  # the form is checked on load
        return int(first), int(last)

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
    return _parse(read_yaml(path), str(path), measures, catalogue)


def loads(
    text: str,
    path: Path | str = "<text>",
    *,
    measures: measures_catalogue.Catalogue | None = None,
    catalogue: Catalogue | None = None,
) -> Strategy:
    """Validate strategy YAML held in memory; ``path`` is what the messages call it."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StrategyError(path, [f"{path}: not valid YAML: {exc}"]) from None
    return _parse(raw, str(path), measures, catalogue)


def _parse(
    raw: Any,
    path: str,
    measures: measures_catalogue.Catalogue | None,
    catalogue: Catalogue | None,
) -> Strategy:
    measures = measures or measures_catalogue.load()
    catalogue = catalogue or load_catalogue()
    reader = _StrategyReader(path, measures, catalogue)
    return reader.strategy(raw)


class _StrategyReader(Reader):
    _TOP = ("title", "area", "period", "status", "adopted", "local_definition", "priorities")
    _TOP_OPTIONAL = ("summary", "example", "example_note")
    _PRIORITY = ("id", "title", "finding", "objectives", "measures")
    _PRIORITY_OPTIONAL = ("finding_ref", "interventions")
    _INTERVENTION = ("id", "name", "lead_partner", "description")
    _INTERVENTION_OPTIONAL = ("approach", "place_based", "actions")
    _PLACE = ("start",)
    _PLACE_OPTIONAL = ("name", "lsoas", "wards")
    _ACTION = ("id", "description", "owner", "milestone", "status")
    _ACTION_OPTIONAL = ("note",)

    def __init__(self, path: str, measures: measures_catalogue.Catalogue, catalogue: Catalogue):
        super().__init__(path)
        self.measures = measures
        self.catalogue = catalogue
        self.seen: dict[str, dict[str, str]] = {"priority": {}, "intervention": {}, "action": {}}

    def strategy(self, raw: Any) -> Strategy:
        top = self.fields(raw, "", self._TOP, self._TOP_OPTIONAL)
        if not top:
            raise StrategyError(self.path, self.problems)
        period = self.period(top)
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
            **values,
        )

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
        measures = self.items(item, "measures", where, at_least=1)
        known = [m.id for m in self.measures.measures]
        for i, measure in enumerate(measures):
            if measure not in known:
                self.problem(
                    f"{where}.measures[{i}]",
                    f"{measure!r} is not in the measures catalogue ({self.measures.path})"
                    f"{suggest(str(measure), known)}; use one of {', '.join(known)}, "
                    "or add the measure to the catalogue (docs/measures.md)",
                )
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
        )

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


# ---- checks against other things -----------------------------------------------------------------


def check_findings(strategy: Strategy, known_ids: Iterable[str]) -> list[str]:
    """Problems with the priorities' links to the needs assessment (empty when all resolve).

    ``known_ids`` are the ids of the assessment's findings and figures (its HTML anchors).
    """
    known = set(known_ids)
    out = []
    for i, p in enumerate(strategy.priorities):
        if p.finding_ref is not None and p.finding_ref not in known:
            out.append(
                f"{strategy.path}: priorities[{i}].finding_ref: {p.finding_ref!r} is not a "
                f"finding of the needs assessment{suggest(p.finding_ref, known)}; use the id of "
                "one of its findings or figures, or remove finding_ref"
            )
    return out


def check_places(
    strategy: Strategy,
    *,
    lsoas: Iterable[str] | None = None,
    wards: Iterable[str] | None = None,
) -> list[str]:
    """Problems with the place-based interventions' codes: each must be a real LSOA or ward.

    By default the codes are looked up in the bundled ONS geography (2011 and 2021 LSOAs,
    December 2019 wards).
    """
    if lsoas is None or wards is None:
        from svduty.reference import geography  # the lookups take a second to read

        table = geography.lsoa11_ward_raw()
        if lsoas is None:
            lsoas = set(table.column("lsoa11_code").to_pylist()) | set(geography.lsoa21_districts())
        if wards is None:
            wards = set(table.column("ward19_code").to_pylist())
    known = {"lsoas": set(lsoas), "wards": set(wards)}
    out = []
    for p, intervention in strategy.interventions():
        if intervention.place_based is None:
            continue
        where = _intervention_path(strategy, p, intervention)
        for key in ("lsoas", "wards"):
            for j, code in enumerate(getattr(intervention.place_based, key)):
                if code not in known[key]:
                    out.append(
                        f"{strategy.path}: {where}.place_based.{key}[{j}]: {code} is not in the "
                        f"bundled ONS geography; check the code (docs/reference.md)"
                    )
    return out


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


def _intervention_path(strategy: Strategy, priority: Priority, intervention: Intervention) -> str:
    p = strategy.priorities.index(priority)
    return f"priorities[{p}].interventions[{priority.interventions.index(intervention)}]"


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
