"""``publish``: the public site, every figure through the disclosure gate.

The site is built in a directory beside ``out`` and moved into place only when every page and
download is written, so a build that stops (a figure the gate cannot protect, say) publishes
nothing. Layout::

    index.html                  the partnership, its areas, the local definition, contact
    about-the-data.html         sources, disclosure rules in plain English, shorthand, licence
    accessibility.html          the accessibility statement public sector sites must publish
    <area>/index.html           the Duty, the local definition, headline measures, contact
    <area>/measures.html        each measure: chart, text alternative, gated table
    <area>/map.html             MSOA rates of the map measures
    <area>/strategy.html        the strategy
    <area>/assessment.html      the needs assessment's public summary
    <area>/data/...             measures.csv, measures.xlsx, msoa-<measure>.csv and .geojson
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.analysis.measures.compute import Geography
from svduty.definition.publishable import elision_problem
from svduty.partnership import Partnership
from svduty.products import area as areas_mod
from svduty.products.area import Area
from svduty.products.site import msoa
from svduty.products.site.gate import Gate, source_kind
from svduty.products.site.manifest import SiteManifest, manifest_path
from svduty.products.site.pages import Pages, SiteError
from svduty.products.site.series import PERIOD_TYPES, collect, declare, measure_rows
from svduty.warehouse import Warehouse

__all__ = ["MAP_MEASURES", "SiteError", "publish"]

# Mapped by MSOA: the real open-data series anyone can check, and the Home Office knife measure
# (mostly withheld at MSOA level: the map shows what the gate does).
MAP_MEASURES = ("police-uk-violence", "knife-police")


def publish(
    wh: Warehouse,
    partnership: Partnership,
    out: Path,
    *,
    areas: Iterable[Area] | None = None,
    strategy_paths: Mapping[str, Path] | None = None,
    period: str = "financial_year",
    measure_ids: Iterable[str] | None = None,
    map_measures: Iterable[str] = MAP_MEASURES,
    assessments: Mapping[str, object] | None = None,
    include_synthetic: bool = True,
    catalogue: measures_catalogue.Catalogue | None = None,
) -> SiteManifest:
    """Build the public site in ``out`` and return its manifest (also written beside ``out``).

    ``areas``: the areas to build pages for (default: every area of the partnership).
    ``strategy_paths``: the strategy file of each area id (default: the examples shipped with
    svduty, labelled as examples). ``period``: the annual series of record-level measures,
    "financial_year" or "calendar_year", or an assessment period ("2020/21", "2018-2020"),
    whose kind decides it. ``assessments``: the strategic needs assessment of each area id, whose
    findings that quote no figures go into the public summary (default: none; the summary is
    then the headline figures). ``include_synthetic``: publish measures counted from synthetic
    data (always labelled synthetic). ``catalogue``: the measures catalogue (default: shipped).

    Raises DisclosureError when a figure cannot be protected, and SiteError when ``out`` is a
    directory svduty did not build.
    """
    problem = elision_problem(partnership.local_definition)
    if problem is not None:  # before anything is built: the definition heads every area page
        raise SiteError(problem)
    out = Path(out).absolute()
    record = manifest_path(out)
    _check_out(out, record)
    period_type = _period_type(period)
    catalogue = catalogue or measures_catalogue.load(partnership=partnership)
    for measure in catalogue.measures:
        source_kind(measure)  # a source the gate cannot protect stops the build before anything
    chosen = list(areas) if areas is not None else areas_mod.areas(partnership)
    if not chosen:
        raise SiteError("no areas to publish: pass at least one Area (products.area.areas)")
    geo = Geography.load(wh, partnership.police_force_area, partnership.police_uk_force)
    rows = measure_rows(wh, catalogue, geo, measure_ids=measure_ids, period_type=period_type)
    series = collect(
        rows,
        catalogue,
        pfa_code=geo.pfa_code,
        la_codes=geo.las["la_code"],
        period_type=period_type,
        include_synthetic=include_synthetic,
    )
    if not series:
        kind = "financial year" if period_type == "financial_year" else "calendar year"
        raise SiteError(
            f"no measure has a complete {kind} to publish: the public site shows whole years. "
            "Publish the other kind of year (--period calendar_year or financial_year) if the "
            "data cover one in full, or load more months (svduty ingest)"
        )
    gate = Gate()
    declare(gate, series, pfa_code=geo.pfa_code)
    mapped = _map_counts(wh, geo, series, map_measures)
    msoa.declare(gate, mapped, series)
    gate.protect()

    building = out.parent / f".{out.name}.building"
    if building.exists():
        shutil.rmtree(building)
    pages = Pages(
        building,
        wh=wh,
        partnership=partnership,
        areas=chosen,
        gate=gate,
        series=series,
        mapped=mapped,
        period_type=period_type,
        strategy_paths=strategy_paths,
        assessments=assessments or {},
        catalogue=catalogue,
    )
    files, tables = pages.build()
    if out.exists():
        shutil.rmtree(out)
    building.rename(out)
    manifest = SiteManifest(
        out=out,
        files=files,
        tables=tables,
        release=gate.release,
        suppressed_at_source=gate.suppressed_at_source(),
        statuses=gate.statuses(),
        path=record,
    )
    manifest.write()
    return manifest


def _check_out(out: Path, record: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file: give a directory for the site")
    if out.exists() and any(out.iterdir()) and not record.exists():
        raise SiteError(
            f"{out} is not empty and was not built by svduty publish (there is no {record.name} "
            "beside it); the build replaces the whole directory, so choose a new or empty one"
        )


def _period_type(period: str) -> str:
    if period in PERIOD_TYPES:
        return period
    from svduty.products.assessment.period import PeriodError, parse_period

    try:
        return parse_period(period).period_type
    except PeriodError as exc:
        raise SiteError(
            f"period {period!r}: give financial_year, calendar_year or an assessment period ({exc})"
        ) from None


def _map_counts(wh, geo, series, map_measures) -> list[msoa.MsoaCounts]:
    """MSOA counts of each map measure for its latest published year, where it can be mapped."""
    wanted = [m for m in map_measures if m in series]
    if not wanted:
        return []
    geography = msoa.load(wh, geo)
    out = []
    for measure_id in wanted:
        s = series[measure_id]
        las = [c for c in s.areas if c != geo.pfa_code]
        if s.measure.source not in ("police_crime", "police_uk_street") or not las:
            continue  # nothing placed in local authorities: nothing to map
        latest = s.latest(geo.pfa_code)
        if latest is None:
            continue
        out.append(
            msoa.msoa_counts(
                wh,
                s.measure,
                geo,
                geography,
                period=latest["period"],
                start=latest["period_start"],
                end=latest["period_end"],
            )
        )
    return out
