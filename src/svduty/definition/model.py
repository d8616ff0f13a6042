"""A local definition of serious violence as data: the dataclasses, reading and validation.

A definition is one YAML file (docs/definitions.md): who adopted it and in what words, its
strands, and its rules. Each rule says what it counts in the vocabulary of each source that can
count it (Home Office offence codes for the force's records, police.uk crime types, ISTV assault
methods, ICD-10 groups for hospital admissions) and narrows that by victim or suspect age, place,
victim sex and flags (the vocabularies are in ``svduty.definition.vocabulary``). ``load`` reads
and validates a file; every problem names the file, the rule, the field and what would fix it,
and all problems are reported at once.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import re
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from svduty.definition.vocabulary import (
    AGE_MAX,
    AGE_MIN,
    ASSAULT_METHODS,
    CRITERIA_KEYS,
    FLAGS,
    ICD10_GROUPS,
    ISTV_LOCATION_TYPES,
    OFFENCE_GROUPS,
    PLACES,
    POLICE_LOCATION_TYPES,
    SEXES,
    WHAT_KEYS,
)
from svduty.errors import InputError
from svduty.sources import offence_codes
from svduty.sources.police_uk import CRIME_TYPES

SHIPPED_DIR = Path(__file__).with_name("definitions")


class DefinitionError(InputError):
    """A definition file that cannot be used; `problems` lists every one found."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(problems))


# ---- the dataclasses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeRange:
    """Whole years, both ends included; either end may be open."""

    min: int | None = None
    max: int | None = None

    def phrase(self) -> str:
        if self.min is None and self.max is not None:
            return f"under {self.max + 1}"
        if self.max is None and self.min is not None:
            return f"{self.min} and over"
        return f"aged {self.min} to {self.max}"

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}


@dataclass(frozen=True)
class Criteria:
    """One block of criteria: all must hold (the `what` keys are alternatives, see WHAT_KEYS)."""

    offence_codes: tuple[str, ...] = ()
    offence_groups: tuple[str, ...] = ()
    crime_types: tuple[str, ...] = ()
    assault_methods: tuple[str, ...] = ()
    icd10: tuple[str, ...] = ()
    victim_age: AgeRange | None = None
    suspect_age: AgeRange | None = None
    victim_sex: tuple[str, ...] = ()
    place: str | None = None
    location_types: tuple[str, ...] = ()
    istv_location_types: tuple[str, ...] = ()
    flags: tuple[tuple[str, bool], ...] = ()

    @property
    def has_what(self) -> bool:
        return any(getattr(self, k) for k in WHAT_KEYS)

    def flag(self, name: str) -> bool | None:
        return dict(self.flags).get(name)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == ():
                continue
            if isinstance(value, AgeRange):
                value = value.as_dict()
            elif f.name == "flags":
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def summary(self) -> str:
        """The criteria in one line, for tables."""
        parts = []
        for key, value in self.as_dict().items():
            if isinstance(value, list):
                value = ", ".join(value)
            elif isinstance(value, dict) and key == "flags":
                value = ", ".join(k if v else f"not {k}" for k, v in value.items())
            elif isinstance(value, dict):
                value = getattr(self, key).phrase()
            parts.append(f"{key}: {value}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Rule:
    id: str
    strand: str
    description: str
    criteria: Criteria
    exclude: tuple[Criteria, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "strand": self.strand,
            "description": self.description,
            "criteria": self.criteria.as_dict(),
        }
        if self.exclude:
            out["exclude"] = [e.as_dict() for e in self.exclude]
        return out


@dataclass(frozen=True)
class Definition:
    id: str
    version: str
    title: str
    wording: str
    source_url: str
    adopted: date
    strands: dict[str, str]
    rules: tuple[Rule, ...]
    wording_note: str = ""
    path: str = field(default="", compare=False)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def label(self) -> str:
        return f"{self.id} ({self.version})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "wording": {"text": self.wording, "source": self.source_url, "note": self.wording_note},
            "adopted": self.adopted.isoformat(),
            "strands": dict(self.strands),
            "rules": [r.as_dict() for r in self.rules],
            "file": self.path,
        }


_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_URL = re.compile(r"^https?://\S+$")


# ---- loading ------------------------------------------------------------------------------------


def shipped() -> dict[str, Path]:
    """The definitions that come with svduty, by id (the file name without .yaml)."""
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.yaml"))}


def own_dir() -> Path:
    """Where a partnership keeps its own definitions: ``definitions/`` in the data directory."""
    from svduty.settings import Config

    return Config.from_env().home / "definitions"


def resolve(name_or_file: str | Path) -> Path:
    """The path of a definition: a shipped one by id, the partnership's own by id (the file
    ``<id>.yaml`` in :func:`own_dir`), or a file; FileNotFoundError if none of them. Every
    reader (assessment, measures, portal, review) resolves an id here, so an id of the
    partnership's own works wherever a shipped one does."""
    text = str(name_or_file)
    if text in shipped():
        return shipped()[text]
    if _ID.match(text) and (own := own_dir() / f"{text}.yaml").is_file():
        return own
    path = Path(text).expanduser()
    if path.is_file():
        return path
    raise FileNotFoundError(
        f"{text}: neither a definition file, a shipped definition (shipped: "
        f"{', '.join(shipped())}) nor one of the partnership's own ({own_dir()}/<id>.yaml); "
        "give the path of a YAML file, or one of those ids"
    )


def load(name_or_file: str | Path) -> Definition:
    """Read and validate a definition, by shipped id or path; DefinitionError lists each problem."""
    path = resolve(name_or_file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(path, [f"{path}: cannot be read: {exc}"]) from None
    return loads(text, path)


def loads(text: str, path: Path | str = "<text>") -> Definition:
    """Validate definition YAML held in memory; `path` is what the messages call it."""
    return _parsed(text, str(path))


# Every measure with a local definition loads it, twice (its notes, its rows): parsing the YAML
# was a tenth of `svduty measures`. The same text gives the same (frozen) Definition, so it is
# kept by its text: a file changed on disk is read and parsed afresh.
@functools.lru_cache(maxsize=32)
def _parsed(text: str, path: str) -> Definition:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError(path, [f"{path}: not valid YAML: {exc}"]) from None
    return _Validator(path).definition(raw)


def problems(name_or_file: str | Path) -> list[str]:
    """Every problem with a definition file (empty when it is valid)."""
    try:
        load(name_or_file)
    except DefinitionError as exc:
        return exc.problems
    except FileNotFoundError as exc:
        return [str(exc)]
    return []


class _Invalid(Exception):
    """A value that could not be read; its problem is already recorded."""


class _Validator:
    """Collects every problem rather than stopping at the first, so `check` can list them all."""

    _TOP = ("id", "version", "title", "wording", "adopted", "strands", "rules")
    _RULE = ("id", "strand", "description", "criteria", "exclude")
    _WORDING = ("text", "source", "note")

    def __init__(self, path: str):
        self.path = path
        self.problems: list[str] = []

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{self.path}: {where}: {text}")

    def fail(self, where: str, text: str) -> _Invalid:
        self.problem(where, text)
        return _Invalid()

    def unknown_keys(self, data: dict, allowed: tuple[str, ...], where: str) -> None:
        for key in data:
            if key not in allowed:
                hint = _suggest(str(key), allowed)
                self.problem(
                    f"{where}{key}",
                    f"unknown field{hint}; the fields here are {', '.join(allowed)}",
                )

    def text(self, data: dict, key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", f"expected non-empty text, got {value!r}")
        return value.strip()

    def definition(self, raw: Any) -> Definition:
        if not isinstance(raw, dict):
            self.problem("top level", "expected a mapping with id, version, title, wording, ...")
            raise DefinitionError(self.path, self.problems)
        self.unknown_keys(raw, self._TOP, "")
        for key in self._TOP:
            if key not in raw:
                self.problem(key, "required field is missing")
        values: dict[str, Any] = {}
        for key in ("id", "version", "title"):
            try:
                values[key] = self.text(raw, key, "") if key in raw else ""
            except _Invalid:
                values[key] = ""
        if values["id"] and not _ID.match(values["id"]):
            self.problem("id", f"{values['id']!r} is not an id: use lower-case letters, digits, -")
        values["wording"], values["source_url"], values["wording_note"] = self.wording(
            raw.get("wording")
        )
        values["adopted"] = self.adopted(raw.get("adopted")) if "adopted" in raw else None
        strands = self.strands(raw.get("strands")) if "strands" in raw else {}
        rules = self.rules(raw.get("rules"), strands) if "rules" in raw else ()
        if self.problems:
            raise DefinitionError(self.path, self.problems)
        return Definition(strands=strands, rules=rules, path=self.path, **values)

    def wording(self, raw: Any) -> tuple[str, str, str]:
        if raw is None:
            return "", "", ""
        if not isinstance(raw, dict):
            self.problem("wording", "expected a mapping with text (verbatim) and source (a URL)")
            return "", "", ""
        self.unknown_keys(raw, self._WORDING, "wording.")
        out = []
        for key, required in (("text", True), ("source", True), ("note", False)):
            try:
                out.append(self.text(raw, key, "wording.", required=required))
            except _Invalid:
                out.append("")
        if out[1] and not _URL.match(out[1]):
            self.problem("wording.source", f"{out[1]!r} is not a URL (http:// or https://)")
        return out[0], out[1], out[2]

    def adopted(self, raw: Any) -> date | None:
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        self.problem("adopted", f"{raw!r} is not a date; write it as YYYY-MM-DD")
        return None

    def strands(self, raw: Any) -> dict[str, str]:
        if not isinstance(raw, dict) or not raw:
            self.problem("strands", "expected a mapping of strand id to what the strand covers")
            return {}
        out = {}
        for key in raw:
            if not isinstance(key, str) or not _ID.match(key):
                self.problem(f"strands.{key}", "a strand id is lower-case letters, digits, _ or -")
                continue
            with contextlib.suppress(_Invalid):
                out[key] = self.text(raw, key, "strands.")
        return out

    def rules(self, raw: Any, strands: dict[str, str]) -> tuple[Rule, ...]:
        if not isinstance(raw, list) or not raw:
            self.problem("rules", "expected a non-empty list of rules")
            return ()
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(raw):
            where = f"rules[{i}]"
            if not isinstance(item, dict):
                self.problem(where, "expected a mapping with id, strand, description, criteria")
                continue
            rule_id = item.get("id")
            if isinstance(rule_id, str) and rule_id in seen:
                self.problem(
                    f"rule {rule_id!r} ({where}).id",
                    f"duplicate rule id: rules[{seen[rule_id]}] already uses it; give each "
                    "rule its own id (matched_rule reports it)",
                )
            elif isinstance(rule_id, str):
                seen[rule_id] = i
            with contextlib.suppress(_Invalid):
                rules.append(self.rule(item, where, strands))
        return tuple(rules)

    def rule(self, raw: dict, where: str, strands: dict[str, str]) -> Rule:
        rule_id = raw.get("id")
        if isinstance(rule_id, str) and rule_id.strip():
            where = f"rule {rule_id!r} ({where})"
        where += "."
        before = len(self.problems)
        self.unknown_keys(raw, self._RULE, where)
        values = {}
        for key in ("id", "strand", "description"):
            try:
                values[key] = self.text(raw, key, where)
            except _Invalid:
                values[key] = ""
        if values["id"] and not _ID.match(values["id"]):
            self.problem(f"{where}id", f"{values['id']!r} is not an id: lower-case, digits, - or _")
        if values["strand"] and strands and values["strand"] not in strands:
            self.problem(
                f"{where}strand",
                f"unknown strand {values['strand']!r}{_suggest(values['strand'], strands)}; "
                f"declare it under strands, or use one of {', '.join(strands)}",
            )
        criteria = Criteria()
        if "criteria" not in raw:
            self.problem(f"{where}criteria", "required field is missing")
        else:
            criteria = self.criteria(raw["criteria"], f"{where}criteria")
        excludes: list[Criteria] = []
        exclude = raw.get("exclude")
        if exclude is not None:
            blocks = exclude if isinstance(exclude, list) else [exclude]
            for j, block in enumerate(blocks):
                here = f"{where}exclude" + (f"[{j}]" if isinstance(exclude, list) else "")
                excludes.append(self.criteria(block, here))
        if len(self.problems) > before:
            raise _Invalid()
        return Rule(criteria=criteria, exclude=tuple(excludes), **values)

    def criteria(self, raw: Any, where: str) -> Criteria:
        if not isinstance(raw, dict) or not raw:
            self.problem(
                where, f"expected a mapping of criteria, some of {', '.join(CRITERIA_KEYS)}"
            )
            return Criteria()
        self.unknown_keys(raw, CRITERIA_KEYS, f"{where}.")
        values: dict[str, Any] = {}
        lists = {
            "offence_codes": (
                offence_codes.ALL_CODES,
                "a Home Office offence code svduty knows (svduty.sources.offence_codes; legacy "
                "5A, 5B, 5C, 8F, 8G are accepted)",
            ),
            "offence_groups": (sorted(OFFENCE_GROUPS), "an ONS offence group"),
            "crime_types": (sorted(CRIME_TYPES), "a police.uk crime type"),
            "assault_methods": (ASSAULT_METHODS, "an ISTV assault method code"),
            "icd10": (tuple(ICD10_GROUPS), "an ICD-10 group svduty counts"),
            "victim_sex": (SEXES, "a sex"),
            "location_types": (POLICE_LOCATION_TYPES, "a police location type code"),
            "istv_location_types": (ISTV_LOCATION_TYPES, "an ISTV location type code"),
        }
        for key, (allowed, what) in lists.items():
            if key in raw:
                values[key] = self.codes(raw[key], allowed, what, f"{where}.{key}")
        for key in ("victim_age", "suspect_age"):
            if key in raw:
                values[key] = self.age(raw[key], f"{where}.{key}")
        if "place" in raw:
            place = raw["place"]
            if place not in PLACES:
                self.problem(
                    f"{where}.place",
                    f"unknown place {place!r}{_suggest(str(place), PLACES)}; use "
                    f"{', '.join(PLACES)}, or list location_types / istv_location_types",
                )
            elif "location_types" in raw or "istv_location_types" in raw:
                self.problem(
                    f"{where}.place",
                    "give place or location_types / istv_location_types, not both: place "
                    "already stands for a list of location types in each source",
                )
            else:
                values["place"] = place
        if "flags" in raw:
            values["flags"] = self.flags(raw["flags"], f"{where}.flags")
        criteria = Criteria(**values)
        self.consistent(criteria, where)
        return criteria

    def codes(self, raw: Any, allowed, what: str, where: str) -> tuple[str, ...]:
        items = raw if isinstance(raw, list) else [raw]
        if not items or raw is None:
            self.problem(where, f"expected a non-empty list, each {what}")
            return ()
        out = []
        allowed_list = tuple(allowed)
        for item in items:
            value = str(item).strip() if isinstance(item, str | int) else item
            if value not in allowed_list:
                shown = (
                    f"use one of {', '.join(allowed_list)}"
                    if len(allowed_list) <= 15
                    else "docs/definitions.md lists them"
                )
                self.problem(
                    where, f"{value!r} is not {what}{_suggest(str(value), allowed_list)}; {shown}"
                )
            elif value in out:
                self.problem(where, f"{value!r} is listed twice; list it once")
            else:
                out.append(value)
        return tuple(out)

    def age(self, raw: Any, where: str) -> AgeRange | None:
        if not isinstance(raw, dict) or not raw:
            self.problem(
                where,
                f"{raw!r} is not an age range; write e.g. {{max: 24}} for under 25, "
                "{min: 10, max: 17}, or {min: 25}",
            )
            return None
        self.unknown_keys(raw, ("min", "max"), f"{where}.")
        bounds: dict[str, int] = {}
        for key in ("min", "max"):
            if key not in raw:
                continue
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool):
                self.problem(f"{where}.{key}", f"{value!r} is not a whole number of years")
            elif not AGE_MIN <= value <= AGE_MAX:
                self.problem(f"{where}.{key}", f"{value} is outside {AGE_MIN} to {AGE_MAX}")
            else:
                bounds[key] = value
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            self.problem(
                where,
                f"min {bounds['min']} is above max {bounds['max']}: both ends are included, "
                "so under 25 is {max: 24}; swap them if they are the wrong way round",
            )
            return None
        return AgeRange(**bounds) if bounds else None

    def flags(self, raw: Any, where: str) -> tuple[tuple[str, bool], ...]:
        if not isinstance(raw, dict) or not raw:
            self.problem(where, "expected a mapping of flag to true or false, e.g. {knife: true}")
            return ()
        out = []
        for name, value in raw.items():
            if name not in FLAGS:
                self.problem(
                    f"{where}.{name}",
                    f"unknown flag{_suggest(str(name), FLAGS)}; the flags are {', '.join(FLAGS)}",
                )
            elif not isinstance(value, bool):
                self.problem(f"{where}.{name}", f"{value!r} is not true or false")
            else:
                out.append((name, value))
        return tuple(out)

    def consistent(self, c: Criteria, where: str) -> None:
        """Combinations that can only be mistakes: they would silently count nothing somewhere."""
        if c.crime_types and (c.offence_codes or c.offence_groups):
            for code in police_codes(c):
                crime_type = offence_codes.OFFENCES[code].police_uk_type
                if crime_type not in c.crime_types:
                    self.problem(
                        f"{where}.crime_types",
                        f"offence code {code} is published by police.uk as {crime_type!r}, "
                        "which is not in crime_types, so police.uk would miss it: add "
                        f"{crime_type!r}, or leave crime_types out",
                    )
                    break
        if "X99" in c.icd10 and "X85-Y09" in c.icd10:
            self.problem(
                f"{where}.icd10",
                "X99 lies within X85-Y09, so listing both counts sharp-object admissions twice; "
                "list one",
            )
        for flag, method in (("knife", "knife_sharp"), ("firearm", "firearm")):
            if c.flag(flag) is True and c.assault_methods and method not in c.assault_methods:
                self.problem(
                    f"{where}.assault_methods",
                    f"the {flag} flag asks for the ISTV method {method}, which assault_methods "
                    f"leaves out, so no ED row could match: add {method}",
                )


def police_codes(c: Criteria) -> tuple[str, ...]:
    """Today's offence codes a block names by offence_codes and offence_groups (their union)."""
    codes = {offence_codes.current(code) for code in c.offence_codes}
    codes |= {code for code, o in offence_codes.OFFENCES.items() if o.group in c.offence_groups}
    return tuple(code for code in offence_codes.OFFENCES if code in codes)


def _suggest(value: str, options) -> str:
    options = [str(o) for o in options]
    containing = [o for o in options if value and value.lower() in o.lower()]
    close = containing or difflib.get_close_matches(value, options, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""
