"""How the public site names and explains each source of its figures."""

from __future__ import annotations

from dataclasses import dataclass

from svduty.analysis.measures.catalogue import Measure
from svduty.privacy.disclosure import Source
from svduty.products.site.gate import source_kind

__all__ = ["PROTECTION", "SourceNote", "describe", "sources_of"]

PROTECTION = {
    Source.RECORD_LEVEL: "Counts of 1 to 7 withheld; other counts rounded to the nearest 5; "
    "more withheld where a total or difference would reveal one.",
    Source.HEALTH: "As NHS England's rules: counts of 1 to 7 withheld; others rounded to the "
    "nearest 5; more withheld where a total or difference would reveal one.",
    Source.PARTNER_AGGREGATE: "Counts of 1 to 7 withheld; others rounded to the nearest 5; more "
    "withheld where a total or difference would reveal one.",
    Source.OFFICIAL_STATISTIC: "Already published as official statistics: shown as published.",
}

_NAMES = {
    "police_uk_street": (
        "police.uk street-level crime",
        "Crimes recorded by the police, published every month by data.police.uk with locations "
        "moved to anonymous points; real open data.",
    ),
    "police_crime": (
        "Police crime records",
        "The force's record-level extract of recorded crimes, with offence codes, victim ages "
        "and weapon flags.",
    ),
    "ed_assault": (
        "Emergency department assault attendances",
        "Information Sharing to Tackle Violence (ISTV): anonymised records of assault "
        "attendances at emergency departments, by department site.",
    ),
    "partner_aggregate": (
        "Partner aggregates",
        "Counts a partner sends already aggregated by area and year.",
    ),
    "hospital-admissions": (
        "Hospital admissions",
        "Emergency admissions for assault (Hospital Episode Statistics), sent aggregated by local "
        "authority and year, with counts of 1 to 7 already withheld by NHS England.",
    ),
    "published": (
        "ONS police force area tables",
        "Office for National Statistics tables of police recorded crime by police force area, "
        "including the Home Office's knife and sharp instrument offences.",
    ),
}


@dataclass(frozen=True)
class SourceNote:
    name: str
    what: str
    protection: str
    synthetic: bool
    measures: tuple[str, ...]


def _name_key(measure: Measure) -> str:
    if measure.source == "partner_aggregate":
        feed = measure.filters.get("feed")
        if isinstance(feed, str) and feed in _NAMES:
            return feed
    return measure.source


def describe(measure: Measure, synthetic: bool) -> str:
    """The source line under a figure: what the figures come from, and if they are synthetic."""
    name, _ = _NAMES.get(_name_key(measure), (measure.source, ""))
    if synthetic:
        return f"{name} (SYNTHETIC data made by svduty for demonstration, not real records)"
    if measure.source == "published":
        return f"{name} (official statistics, Open Government Licence v3.0)"
    if measure.source == "police_uk_street":
        return f"{name} (data.police.uk, Open Government Licence v3.0)"
    return name


def sources_of(series) -> list[SourceNote]:
    """One note per source the site's measures use, in the order first met."""
    found: dict[tuple[str, bool], list[str]] = {}
    kinds: dict[tuple[str, bool], Source] = {}
    for s in series.values():
        key = (_name_key(s.measure), s.synthetic)
        found.setdefault(key, []).append(s.measure.title)
        kinds[key] = source_kind(s.measure)
    out = []
    for (key, synthetic), titles in found.items():
        name, what = _NAMES.get(key, (key, ""))
        out.append(
            SourceNote(name, what, PROTECTION[kinds[(key, synthetic)]], synthetic, tuple(titles))
        )
    return out
