"""The local strategy as a file the partnership edits, and the evidence its approaches rest on.

A strategy is one YAML file (docs/strategy.md): its priorities, each tied to a finding of the
strategic needs assessment, with objectives, the measures that will show success and the
interventions that serve it; each intervention names its approach, lead partner and, when it
works in a place, the LSOAs or wards and start month; each has actions with owners, milestones
and a status for the annual review. ``load`` reads and validates a file; every problem names
the file, the path in the document (``priorities[1].interventions[0].actions[2].milestone``)
and what would fix it, and all problems are reported at once.

The approaches are checked against a catalogue of the Youth Endowment Fund Toolkit
(``catalogues/yef-toolkit.yaml``, a versioned lookup table): ``warnings`` says where a chosen
approach is rated harmful or has no clear evidence, and where an approach is local and so needs
its own evaluation.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from svduty.analysis.measures import catalogue as measures_catalogue

CATALOGUE_FILE = Path(__file__).parent / "catalogues" / "yef-toolkit.yaml"
EXAMPLES_DIR = Path(__file__).parent / "strategies"

STRATEGY_STATUSES = ("draft", "consultation", "approved", "published", "superseded")
ADOPTED_STATUSES = ("approved", "published", "superseded")  # these need an adopted date
ACTION_STATUSES = ("not_started", "on_track", "at_risk", "delayed", "complete", "cancelled")
IMPACT_BANDS = ("high", "moderate", "low", "no_clear_evidence", "harmful", "not_banded")
EVIDENCE_STRENGTHS = (
    "very_low",
    "low",
    "moderate",
    "high",
    "very_high",
    "insufficient",
    "unknown",
)
EXAMPLE_NOTE = (
    "Illustrative example shipped with svduty, not an adopted strategy of the partnership"
)

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_URL = re.compile(r"^https?://\S+$")
_PERIOD = re.compile(r"^(\d{4})-(\d{4})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_LSOA = re.compile(r"^[EW]01\d{6}$")
_WARD = re.compile(r"^[EW]05\d{6}$")


class StrategyError(ValueError):
    """A strategy (or catalogue) file that cannot be used; ``problems`` lists every one found."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(problems))


# ---- the catalogue of approaches -----------------------------------------------------------------


@dataclass(frozen=True)
class Approach:
    """One approach of the YEF Toolkit as the catalogue records it."""

    id: str
    name: str
    impact_band: str  # one of IMPACT_BANDS
    evidence_strength: str  # one of EVIDENCE_STRENGTHS
    source: str  # the URL the entry was read in
    marker: str  # "[V]" read in the source, "[U]" partly not: check before relying on it
    estimated_effect: str | None = None  # only where the source gives a figure
    notes: str = ""
    see_also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """The versioned lookup table of approaches (never the live Toolkit: check its ``as_of``)."""

    version: str
    as_of: date
    sources: tuple[str, ...]
    impact_bands: dict[str, str]  # band -> what it means
    approaches: tuple[Approach, ...]
    path: str = field(default="", compare=False)

    def get(self, approach_id: str) -> Approach:
        for a in self.approaches:
            if a.id == approach_id:
                return a
        raise KeyError(approach_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.approaches)


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


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StrategyError(path, [f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StrategyError(path, [f"{path}: cannot be read: {exc}"]) from None
    except yaml.YAMLError as exc:
        raise StrategyError(path, [f"{path}: not valid YAML: {exc}"]) from None


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read and check the approaches catalogue (the shipped YEF Toolkit table by default)."""
    path = Path(path) if path is not None else CATALOGUE_FILE
    return _CatalogueReader(str(path)).catalogue(_read(path))


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
    return _parse(_read(path), str(path), measures, catalogue)


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


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


class _Reader:
    """Collects every problem with a document rather than stopping at the first."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[str] = []

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{self.path}: {where or 'top level'}: {text}")

    def fields(self, raw: Any, where: str, required: tuple, optional: tuple = ()) -> dict:
        """``raw`` as a mapping, reporting unknown and missing keys (an empty dict if not one)."""
        if not isinstance(raw, dict):
            self.problem(where, f"expected a mapping with {', '.join(required)}, got {raw!r}")
            return {}
        allowed = required + optional
        for key in raw:
            if key not in allowed:
                self.problem(
                    _join(where, str(key)),
                    f"unknown field{_suggest(str(key), allowed)}; "
                    f"the fields here are {', '.join(allowed)}",
                )
        for key in required:
            if key not in raw:
                self.problem(_join(where, key), "required field is missing")
        return raw

    def text(self, raw: dict, key: str, where: str, *, required: bool = True) -> str | None:
        value = raw.get(key)
        if value is None and (not required or key not in raw):
            return None  # a missing required key is reported by `fields`
        if value == "" and not required:
            return None
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(_join(where, key), f"expected non-empty text, got {value!r}")
        return None

    def choice(self, raw: dict, key: str, where: str, allowed: tuple[str, ...]) -> str | None:
        value = raw.get(key)
        if key in raw and value not in allowed:
            self.problem(
                _join(where, key),
                f"{value!r} is not one of {', '.join(allowed)}{_suggest(str(value), allowed)}",
            )
            return None
        return value

    def day(self, raw: dict, key: str, where: str, *, nullable: bool = False) -> date | None:
        value = raw.get(key)
        if value is None and (nullable or key not in raw):
            return None
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(_join(where, key), f"{value!r} is not a date; write it as YYYY-MM-DD")
        return None

    def items(self, raw: dict, key: str, where: str, *, at_least: int = 0) -> list:
        value = raw.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            self.problem(_join(where, key), f"expected a list, got {value!r}")
            return []
        if len(value) < at_least:
            self.problem(_join(where, key), f"expected a list of at least {at_least}")
        return value

    def ident(self, raw: dict, where: str, seen: dict[str, str]) -> str | None:
        """The ``id`` of an item, which must be unique among ``seen`` (id -> where it was)."""
        value = self.text(raw, "id", where)
        if value is None:
            return None
        if not _ID.match(value):
            self.problem(
                _join(where, "id"), f"{value!r} is not an id: use lower-case letters, digits, - _ ."
            )
        elif value in seen:
            self.problem(
                _join(where, "id"), f"{value!r} is already the id of {seen[value]}; ids are unique"
            )
        else:
            seen[value] = where
        return value

    def url(self, value: Any, where: str) -> None:
        if not isinstance(value, str) or not _URL.match(value):
            self.problem(where, f"{value!r} is not a URL (http:// or https://)")


class _CatalogueReader(_Reader):
    _TOP = ("version", "as_of", "sources", "impact_bands", "approaches")
    _APPROACH = ("id", "name", "impact_band", "evidence_strength", "source", "marker")
    _APPROACH_OPTIONAL = ("estimated_effect", "notes", "see_also")

    def catalogue(self, raw: Any) -> Catalogue:
        top = self.fields(raw, "", self._TOP, ("evidence_strengths",))
        version = raw.get("version") if isinstance(raw, dict) else None
        as_of = self.day(top, "as_of", "")
        sources = self.items(top, "sources", "", at_least=1)
        for i, url in enumerate(sources):
            self.url(url, f"sources[{i}]")
        bands = top.get("impact_bands") or {}
        if not isinstance(bands, dict) or set(bands) != set(IMPACT_BANDS):
            self.problem(
                "impact_bands", f"expected a meaning for each of {', '.join(IMPACT_BANDS)}"
            )
            bands = {}
        seen: dict[str, str] = {}
        approaches = [
            self.approach(item, f"approaches[{i}]", seen)
            for i, item in enumerate(self.items(top, "approaches", "", at_least=1))
        ]
        if self.problems:
            raise StrategyError(self.path, self.problems)
        return Catalogue(
            version=str(version),
            as_of=as_of,
            sources=tuple(sources),
            impact_bands=dict(bands),
            approaches=tuple(approaches),
            path=self.path,
        )

    def approach(self, raw: Any, where: str, seen: dict[str, str]) -> Approach | None:
        item = self.fields(raw, where, self._APPROACH, self._APPROACH_OPTIONAL)
        if not item:
            return None
        values = {key: self.text(item, key, where) for key in ("name", "source", "marker")}
        self.url(values["source"], _join(where, "source"))
        for i, url in enumerate(self.items(item, "see_also", where)):
            self.url(url, f"{where}.see_also[{i}]")
        strength = self.choice(item, "evidence_strength", where, EVIDENCE_STRENGTHS)
        if values["marker"] not in ("[V]", "[U]"):
            self.problem(_join(where, "marker"), "expected [V] (read in the source) or [U]")
        elif strength == "unknown" and values["marker"] != "[U]":
            self.problem(_join(where, "marker"), "an unknown evidence strength makes the entry [U]")
        return Approach(
            id=self.ident(item, where, seen),
            impact_band=self.choice(item, "impact_band", where, IMPACT_BANDS),
            evidence_strength=strength,
            estimated_effect=self.text(item, "estimated_effect", where, required=False),
            notes=(item.get("notes") or "").strip(),
            see_also=tuple(item.get("see_also") or ()),
            **values,
        )


class _StrategyReader(_Reader):
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
                    f"{_suggest(str(measure), known)}; use one of {', '.join(known)}, "
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
                f"{self.catalogue.version}){_suggest(str(approach), self.catalogue.ids)}; use "
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
                f"finding of the needs assessment{_suggest(p.finding_ref, known)}; use the id of "
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


# ---- evidence warnings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceWarning:
    """What the catalogue says about an intervention's approach that the partnership must see."""

    severity: str  # "strong" (harmful), "warning" (no clear evidence) or "info"
    where: str  # the path in the document, e.g. "priorities[1].interventions[0]"
    intervention: str  # its id
    approach: str | None  # the catalogue id, None for a local approach
    message: str
    quote: str = ""  # the catalogue's note on the approach
    source: str = ""  # the URL the catalogue entry was read in


def warnings(strategy: Strategy, catalogue: Catalogue | None = None) -> list[EvidenceWarning]:
    """The evidence warnings for every intervention, in the order written.

    Harmful approaches get a strong warning, approaches with no clear or insufficient evidence a
    warning, and local approaches and those with weak evidence an info note. An approach the
    catalogue does not have is an error (StrategyError), not a warning.
    """
    catalogue = catalogue or load_catalogue()
    out, unknown = [], []
    for p, intervention in strategy.interventions():
        where = _intervention_path(strategy, p, intervention)
        if intervention.approach is None:
            out.append(
                EvidenceWarning(
                    "info",
                    where,
                    intervention.id,
                    None,
                    f"{intervention.name}: local approach, not in the toolkit: plan an evaluation.",
                )
            )
            continue
        try:
            approach = catalogue.get(intervention.approach)
        except KeyError:
            unknown.append(
                f"{strategy.path}: {where}.approach: {intervention.approach!r} is not in the "
                f"catalogue {catalogue.path} (version {catalogue.version}); use one of its ids "
                "or null for a local approach"
            )
            continue
        if (warning := _warning(catalogue, approach, intervention, where)) is not None:
            out.append(warning)
    if unknown:
        raise StrategyError(strategy.path, unknown)
    return out


def _warning(
    catalogue: Catalogue, approach: Approach, intervention: Intervention, where: str
) -> EvidenceWarning | None:
    said = f"the YEF Toolkit (svduty catalogue {catalogue.version}, as of {catalogue.as_of})"
    if approach.impact_band == "harmful":
        severity = "strong"
        text = (
            f"{intervention.name} uses {approach.name}, which {said} rates HARMFUL. "
            "Stop it or replace it with an approach that works."
        )
    elif approach.impact_band == "no_clear_evidence" or approach.evidence_strength == (
        "insufficient"
    ):
        severity = "warning"
        text = (
            f"{intervention.name} uses {approach.name}, for which {said} finds no clear or "
            "insufficient evidence of an effect on violence. Prefer an approach that works; if "
            "you keep it, plan an evaluation."
        )
    elif approach.impact_band == "not_banded":
        severity = "info"
        text = (
            f"{intervention.name} uses {approach.name}, which has no violence impact band in "
            f"{said}: check the toolkit and plan an evaluation."
        )
    elif approach.evidence_strength in ("very_low", "low"):
        severity = "info"
        strength = approach.evidence_strength.replace("_", " ")
        text = (
            f"{intervention.name} uses {approach.name}: {approach.impact_band} impact band in "
            f"{said}, but {strength} confidence in that estimate: evaluate it locally."
        )
    else:
        return None
    return EvidenceWarning(
        severity, where, intervention.id, approach.id, text, approach.notes, approach.source
    )


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
