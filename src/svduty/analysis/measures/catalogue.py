"""The measures a partnership tracks, declared in YAML (measures.yaml), checked on load.

The shipped catalogue holds the three Home Office success measures (each for all ages and for
under-25 victims) and the partnership's local measures. A partnership can point
SVDUTY_MEASURES at its own file of the same form; `svduty measures --list` shows what is in use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from svduty.errors import InputError

if TYPE_CHECKING:
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


def load(path: Path | None = None) -> Catalogue:
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
    return Catalogue(path, baseline, tuple(measures))


def configured(config: Config) -> Catalogue:
    """The catalogue the settings name: SVDUTY_MEASURES, else the shipped one. Every command and
    portal build that reads measures takes its catalogue from here, so none of them can fall
    back to the shipped catalogue when the partnership has its own."""
    return load(config.measures_path)


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
