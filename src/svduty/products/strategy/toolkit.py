"""The catalogue of intervention approaches (the Youth Endowment Fund Toolkit as a versioned
lookup table) and the evidence warnings it gives a strategy.

``catalogues/yef-toolkit.yaml`` records, for each approach, the Toolkit's impact band on
violence and how secure its evidence is, with the page each entry was read in (docs/strategy.md).
It is never the live Toolkit: check ``Catalogue.as_of``. ``warnings`` says where a strategy's
chosen approach is rated harmful or has no clear evidence, and where an approach is local and so
needs its own evaluation.

The checking reader that collects every problem in a YAML document lives here too, because both
files use it and the strategy module builds on this one (a strategy's approaches are checked
against the catalogue as it loads).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from svduty.errors import InputError

if TYPE_CHECKING:
    from svduty.products.strategy.file import Intervention, Strategy

__all__ = [
    "CATALOGUE_FILE",
    "EVIDENCE_STRENGTHS",
    "IMPACT_BANDS",
    "Approach",
    "Catalogue",
    "EvidenceWarning",
    "StrategyError",
    "load_catalogue",
    "warnings",
]

CATALOGUE_FILE = Path(__file__).parent / "catalogues" / "yef-toolkit.yaml"

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

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_URL = re.compile(r"^https?://\S+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class StrategyError(InputError):
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


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read and check the approaches catalogue (the shipped YEF Toolkit table by default)."""
    path = Path(path) if path is not None else CATALOGUE_FILE
    raw, where = read_yaml_lines(path)
    return _CatalogueReader(str(path), where).catalogue(raw)


# ---- reading a YAML document, every problem at once ----------------------------------------------


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that dates stay text: an impossible date (2025-02-30) is
    then a problem the reader reports with its place, where PyYAML would raise a bare
    ValueError; :meth:`Reader.day` parses the text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """The parsed document at ``path``; StrategyError says why it could not be read."""
    return read_yaml_lines(path)[0]


def read_yaml_lines(path: Path) -> tuple[Any, dict[str, int]]:
    """The parsed document at ``path`` and the line of each of its fields (``lines``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StrategyError(path, [f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StrategyError(path, [f"{path}: cannot be read: {exc}"]) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path | str) -> tuple[Any, dict[str, int]]:
    """``text`` parsed, with the line of each field; StrategyError says where it is not YAML."""
    try:
        return yaml.load(text, Loader=_Loader), lines(text)  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}: " if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc)
        raise StrategyError(
            path,
            [f"{path}: {at}not valid YAML ({what}); check the indentation and quotes there"],
        ) from None


def lines(text: str) -> dict[str, int]:
    """The line (from 1) where each field and list item of a YAML document starts, by its path
    as problems name it (``priorities[0].measures[1]``); empty for an empty document."""
    root = yaml.compose(text, Loader=_Loader)
    out: dict[str, int] = {}
    if root is None:
        return out
    stack: list[tuple[str, yaml.Node]] = [("", root)]
    out[""] = root.start_mark.line + 1
    while stack:
        where, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                path = join_path(where, str(key.value))
                out[path] = key.start_mark.line + 1
                stack.append((path, value))
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                path = join_path(where, i)
                out[path] = value.start_mark.line + 1
                stack.append((path, value))
    return out


def line_of(lines: dict[str, int], where: str) -> int | None:
    """The line of ``where``, or of the nearest field that holds it (a missing field's
    mapping), or None when the document has no lines."""
    while True:
        if where in lines:
            return lines[where]
        if not where:
            return None
        cut = max(where.rfind("."), where.rfind("["))
        where = where[:cut] if cut > 0 else ""


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word``, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def join_path(where: str, key: str | int) -> str:
    """The path of ``key`` inside ``where``: ``a.b``, ``a[0]``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def place(path: str, lines: dict[str, int], where: str, text: str) -> str:
    """A problem as every check reports it: file, line, field, then what is wrong and the fix."""
    line = line_of(lines, where)
    at = f"line {line}: " if line is not None else ""
    return f"{path}: {at}{where or 'top level'}: {text}"


class Reader:
    """Collects every problem with a document rather than stopping at the first."""

    def __init__(self, path: str, lines: dict[str, int] | None = None):
        self.path = path
        self.lines = lines or {}
        self.problems: list[str] = []

    def problem(self, where: str, text: str) -> None:
        self.problems.append(place(self.path, self.lines, where, text))

    def fields(self, raw: Any, where: str, required: tuple, optional: tuple = ()) -> dict:
        """``raw`` as a mapping, reporting unknown and missing keys (an empty dict if not one)."""
        if not isinstance(raw, dict):
            self.problem(where, f"expected a mapping with {', '.join(required)}, got {raw!r}")
            return {}
        allowed = required + optional
        for key in raw:
            if key not in allowed:
                self.problem(
                    join_path(where, str(key)),
                    f"unknown field{suggest(str(key), allowed)}; "
                    f"the fields here are {', '.join(allowed)}",
                )
        for key in required:
            if key not in raw:
                self.problem(join_path(where, key), "required field is missing")
        return raw

    def text(self, raw: dict, key: str, where: str, *, required: bool = True) -> str | None:
        value = raw.get(key)
        if value is None and (not required or key not in raw):
            return None  # a missing required key is reported by `fields`
        if value == "" and not required:
            return None
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(join_path(where, key), f"expected non-empty text, got {value!r}")
        return None

    def choice(self, raw: dict, key: str, where: str, allowed: tuple[str, ...]) -> str | None:
        value = raw.get(key)
        if key in raw and value not in allowed:
            self.problem(
                join_path(where, key),
                f"{value!r} is not one of {', '.join(allowed)}{suggest(str(value), allowed)}",
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
            except ValueError as exc:  # 2025-02-30: the form is right, the day is not
                self.problem(
                    join_path(where, key),
                    f"{value!r} is not a real date ({exc}); give a day that exists, as YYYY-MM-DD",
                )
                return None
        self.problem(join_path(where, key), f"{value!r} is not a date; write it as YYYY-MM-DD")
        return None

    def items(self, raw: dict, key: str, where: str, *, at_least: int = 0) -> list:
        value = raw.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            self.problem(join_path(where, key), f"expected a list, got {value!r}")
            return []
        if len(value) < at_least:
            self.problem(join_path(where, key), f"expected a list of at least {at_least}")
        return value

    def ident(self, raw: dict, where: str, seen: dict[str, str]) -> str | None:
        """The ``id`` of an item, which must be unique among ``seen`` (id -> where it was)."""
        value = self.text(raw, "id", where)
        if value is None:
            return None
        if not _ID.match(value):
            self.problem(
                join_path(where, "id"),
                f"{value!r} is not an id: use lower-case letters, digits, - _ .",
            )
        elif value in seen:
            self.problem(
                join_path(where, "id"),
                f"{value!r} is already the id of {seen[value]}; ids are unique",
            )
        else:
            seen[value] = where
        return value

    def url(self, value: Any, where: str) -> None:
        if not isinstance(value, str) or not _URL.match(value):
            self.problem(where, f"{value!r} is not a URL (http:// or https://)")


class _CatalogueReader(Reader):
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
        self.url(values["source"], join_path(where, "source"))
        for i, url in enumerate(self.items(item, "see_also", where)):
            self.url(url, f"{where}.see_also[{i}]")
        strength = self.choice(item, "evidence_strength", where, EVIDENCE_STRENGTHS)
        if values["marker"] not in ("[V]", "[U]"):
            self.problem(join_path(where, "marker"), "expected [V] (read in the source) or [U]")
        elif strength == "unknown" and values["marker"] != "[U]":
            self.problem(
                join_path(where, "marker"), "an unknown evidence strength makes the entry [U]"
            )
        return Approach(
            id=self.ident(item, where, seen),
            impact_band=self.choice(item, "impact_band", where, IMPACT_BANDS),
            evidence_strength=strength,
            estimated_effect=self.text(item, "estimated_effect", where, required=False),
            notes=(item.get("notes") or "").strip(),
            see_also=tuple(item.get("see_also") or ()),
            **values,
        )


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
    for where, intervention in _interventions(strategy):
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


def _interventions(strategy: Strategy) -> Iterator[tuple[str, Intervention]]:
    """Each intervention with its path in the document, e.g. ``priorities[1].interventions[0]``."""
    for p, priority in enumerate(strategy.priorities):
        for i, intervention in enumerate(priority.interventions):
            yield f"priorities[{p}].interventions[{i}]", intervention


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
