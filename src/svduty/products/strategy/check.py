"""The checks of a strategy against other things than its own file: the needs assessment it
cites, the partnership's areas, the sections the statutory guidance expects and the bundled ONS
geography. Each returns a list of problems, each naming the file, the path in the document and
what would fix it (empty when all is well); :func:`svduty.products.strategy.file.load` has
already checked the file itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from svduty.products.strategy.file import SECTIONS, Intervention, Priority, Strategy
from svduty.products.strategy.toolkit import place, suggest

__all__ = ["assessment_refs", "check_area", "check_findings", "check_places", "check_sections"]


def check_findings(
    strategy: Strategy, known_ids: Iterable[str], *, empty: Mapping[str, str] | None = None
) -> list[str]:
    """Problems with the priorities' links to the needs assessment (empty when all resolve).

    ``known_ids`` are the ids of the assessment's findings and figures (its HTML anchors);
    ``empty`` (from :func:`assessment_refs`) the ids that exist but show nothing found, each
    with why: a priority's evidence must be something the assessment found.
    """
    known, empty = set(known_ids), dict(empty or {})
    out = []
    for i, p in enumerate(strategy.priorities):
        where = f"priorities[{i}].finding_ref"
        if p.finding_ref is None:
            continue
        if p.finding_ref not in known:
            out.append(
                place(
                    strategy.path,
                    strategy.lines,
                    where,
                    f"{p.finding_ref!r} is not a finding of the needs assessment"
                    f"{suggest(p.finding_ref, known)}; use the id of one of its findings or "
                    "figures, or remove finding_ref",
                )
            )
        elif p.finding_ref in empty:
            out.append(
                place(
                    strategy.path,
                    strategy.lines,
                    where,
                    f"{p.finding_ref!r} is in the needs assessment but {empty[p.finding_ref]}: "
                    "a priority's evidence must be something the assessment found; cite one "
                    "of its findings (finding-...) instead",
                )
            )
    return out


def assessment_refs(assessment: Any) -> tuple[set[str], dict[str, str]]:
    """What a strategy may cite in a needs assessment: every id it has, and the ids that exist
    but show nothing found, each with why.

    Read through the assessment's public model (``anchors()``, ``findings`` and ``figures``,
    svduty.products.assessment.model.Assessment): a finding is there because the data showed
    it; a figure is evidence only when a finding draws on it and its table has rows, so an
    empty hotspot map (no neighbourhood significant) cannot stand as a priority's evidence.
    """
    known = set(assessment.anchors())
    cited = {f.figure_id for f in assessment.findings}
    empty = {}
    for figure in assessment.figures:
        if figure.table is None or len(figure.table) == 0:
            empty[figure.id] = "its figure has no data"
        elif figure.id not in cited:
            empty[figure.id] = "none of its findings draws on that figure (it shows nothing found)"
    return known, empty


def check_area(strategy: Strategy, area_ids: Iterable[str]) -> list[str]:
    """A problem when the strategy's area is not one of the partnership's (``area_ids``)."""
    ids = list(area_ids)
    if strategy.area in ids:
        return []
    return [
        place(
            strategy.path,
            strategy.lines,
            "area",
            f"{strategy.area!r} is not an area of the partnership{suggest(strategy.area, ids)}; "
            f"use one of {', '.join(ids)} (partnership.yaml names them)",
        )
    ]


def check_sections(strategy: Strategy) -> list[str]:
    """The sections the statutory guidance expects that the strategy leaves out (a warning:
    the file is still valid, the strategy incomplete)."""
    return [
        place(
            strategy.path,
            strategy.lines,
            "",
            f"no {key} section: add `{key}:` with a paragraph. {text}",
        )
        for key, text in SECTIONS.items()
        if not getattr(strategy, key)
    ]


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
                        place(
                            strategy.path,
                            strategy.lines,
                            f"{where}.place_based.{key}[{j}]",
                            f"{code} is not in the bundled ONS geography; check the code "
                            "(docs/reference.md)",
                        )
                    )
    return out


def _intervention_path(strategy: Strategy, priority: Priority, intervention: Intervention) -> str:
    p = strategy.priorities.index(priority)
    return f"priorities[{p}].interventions[{priority.interventions.index(intervention)}]"
