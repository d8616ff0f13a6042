"""The measures a partnership tracks, declared in YAML (measures.yaml), checked on load.

The shipped catalogue holds the three Home Office success measures (each for all ages and for
under-25 victims) and the partnership's local measures. A partnership can point
SVDUTY_MEASURES at its own file of the same form; `svduty measures --list` shows what is in use.

A local measure says `definition: partnership`: it counts what the partnership's own local
definition (partnership.yaml `local_definition.id`, shipped or in the data directory's
`definitions/`: svduty.definition.resolve) holds, and its title names the partnership's place
and definition (`{place}`, `{definition}`, `{scope}`), so that another partnership's local
measure says its own definition and name, never Avon and Somerset's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from svduty.errors import InputError

if TYPE_CHECKING:
    from svduty.partnership import Partnership
    from svduty.settings import Config

SHIPPED = Path(__file__).with_name("measures.yaml")

SOURCES = ("police_crime", "police_uk_street", "ed_assault", "partner_aggregate", "published")
DENOMINATORS = ("population", "population_under_25", "published", "none")
POLARITIES = ("low_is_good", "high_is_good", "none")
FILTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "police_crime": (
        "offence_code",
        "offence_group",
        "police_uk_crime_type",
        "location_type",
        "knife_flag",
        "firearm_flag",
        "domestic_abuse_flag",
        "alcohol_flag",
        "drugs_flag",
        "exploitation_flag",
    ),
    "police_uk_street": ("crime_type",),
    "ed_assault": ("assault_method", "location_type", "site_code", "knife_or_sharp"),
    "partner_aggregate": ("feed", "measure", "sex"),
    "published": ("measure", "offence", "sheet"),
}


# `definition: partnership` in a measures file: the partnership's own local definition
PARTNERSHIP_DEFINITION = "partnership"


class CatalogueError(InputError):
    """A measures file that cannot be used; the message names the file, measure and field."""


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    source: str
    filters: dict = field(default_factory=dict)  # column -> value or list of values
    definition: str | None = None  # a definition id: only rows in its scope count
    strand: str | None = None  # ... and only this strand of it
    under_25: bool = False  # victims (or people) aged under 25 only
    denominator: str = "population"
    multiplier: int = 1000
    polarity: str = "low_is_good"
    home_office: str | None = None  # which Home Office success measure this is, if one
    baseline_year: int | None = None  # overrides the catalogue's baseline year
    caveats: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Catalogue:
    path: Path
    baseline_year: int
    measures: tuple[Measure, ...]

    def get(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        known = ", ".join(m.id for m in self.measures)
        raise CatalogueError(f"no measure {measure_id!r} in {self.path}; known: {known}")


def load(path: Path | None = None, partnership: Partnership | None = None) -> Catalogue:
    """The measures of a file (the shipped one by default), with every local measure bound to
    `partnership`'s local definition and place (the bundled default partnership, Avon and
    Somerset, when none is given)."""
    path = path or SHIPPED
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueError(f"{path}: no such measures file") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("measures"), list):
        raise CatalogueError(f"{path}: expected a mapping with a `measures:` list")
    baseline = raw.get("baseline_year")
    if not isinstance(baseline, int):
        raise CatalogueError(f"{path}: baseline_year must be a year, e.g. 2019")
    measures, seen = [], set()
    for i, item in enumerate(raw["measures"]):
        m = _measure(path, i, item)
        if m.id in seen:
            raise CatalogueError(f"{path}: measure id {m.id!r} appears twice")
        seen.add(m.id)
        measures.append(m)
    if any(m.definition == PARTNERSHIP_DEFINITION for m in measures):
        measures = _bound(path, measures, partnership)
    return Catalogue(path, baseline, tuple(measures))


def configured(config: Config) -> Catalogue:
    """The catalogue the settings name: SVDUTY_MEASURES, else the shipped one, its local
    measures bound to the data directory's partnership. Every command and portal build that
    reads measures takes its catalogue from here, so none of them can fall back to the shipped
    catalogue when the partnership has its own."""
    from svduty import partnership

    p = partnership.load(config.partnership_path) if config.partnership_path.exists() else None
    return load(config.measures_path, p)


def _bound(path: Path, measures: list[Measure], p: Partnership | None) -> list[Measure]:
    """Each `definition: partnership` measure with the partnership's definition id, its strand
    kept only where that definition has it (else the whole definition counts, and a caveat says
    so), and `{place}`, `{definition}` and `{scope}` filled in its texts."""
    from svduty import definition as definitions
    from svduty import partnership

    p = p or partnership.load()
    definition_id = p.local_definition["id"]
    try:
        strands = definitions.load(definition_id).strands
    except FileNotFoundError as exc:
        raise CatalogueError(
            f"{path}: the local measures count the partnership's definition {definition_id!r} "
            f"(partnership.yaml local_definition.id), which cannot be found: {exc}"
        ) from None
    out = []
    for m in measures:
        if m.definition != PARTNERSHIP_DEFINITION:
            out.append(m)
            continue
        strand, caveats = m.strand, m.caveats
        if strand is not None and strand not in strands:
            caveats = (
                f"The {definition_id} definition has no {strand!r} strand (its strands: "
                f"{', '.join(strands) or 'none'}), so this measure counts every crime it holds.",
                *caveats,
            )
            strand = None
        values = {
            "{place}": p.area_name or p.name,
            "{definition}": definition_id,
            "{scope}": _scope(strand, strands.get(strand, "")) if strand else "whole definition",
        }

        def filled(text: str, values=values) -> str:
            for key, value in values.items():
                text = text.replace(key, value)
            return text

        out.append(
            replace(
                m,
                title=filled(m.title),
                description=filled(m.description),
                caveats=tuple(filled(c) for c in caveats),
                definition=definition_id,
                strand=strand,
            )
        )
    return out


_KEYS = set(Measure.__dataclass_fields__)


def _measure(path: Path, i: int, item) -> Measure:
    where = f"{path}: measure {i + 1}"
    if not isinstance(item, dict) or "id" not in item:
        raise CatalogueError(f"{where}: each measure is a mapping with an `id`")
    where = f"{path}: measure {item['id']!r}"
    unknown = set(item) - _KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for key, allowed in (
        ("source", SOURCES),
        ("denominator", DENOMINATORS),
        ("polarity", POLARITIES),
    ):
        if key in item and item[key] not in allowed:
            raise CatalogueError(f"{where}: {key} {item[key]!r} is not one of {', '.join(allowed)}")
    if "source" not in item or "title" not in item:
        raise CatalogueError(f"{where}: `title` and `source` are required")
    filters = item.get("filters") or {}
    bad = set(filters) - set(FILTER_COLUMNS[item["source"]])
    if bad:
        raise CatalogueError(
            f"{where}: cannot filter {item['source']} by {', '.join(sorted(bad))}; "
            f"it can be filtered by {', '.join(FILTER_COLUMNS[item['source']])}"
        )
    if item.get("definition") and item["source"] == "published":
        raise CatalogueError(f"{where}: published statistics cannot take a local definition")
    return Measure(**{**item, "filters": filters, "caveats": tuple(item.get("caveats") or ())})


def _scope(strand: str, text: str) -> str:
    """'priority strand: public space violence for under 25s': the strand and the lead of its
    description (before a colon or bracket), so that the title says what the strand counts."""
    lead = " ".join(text.split(":")[0].split(" (")[0].split())
    if not lead or len(lead) > 60:
        return f"{strand} strand"
    return f"{strand} strand: {lead[0].lower()}{lead[1:]}"
