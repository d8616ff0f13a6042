"""What changed in where violence concentrates: the LSOA hotspots (Gi*) of the review year
against the year before, on the calendar months both years have, as new, gone and persistent.

Hotspots are found across the whole force area, so an LSOA on a boundary is judged with its
neighbours, and the LSOAs of the reviewed area are kept afterwards.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from svduty.analysis import hotspots as gi
from svduty.analysis.evidence import where
from svduty.analysis.measures.catalogue import Measure
from svduty.products import maps
from svduty.products.area import Area
from svduty.products.figure import Figure
from svduty.products.review.sources import SOURCES
from svduty.products.review.words import _lower, _month_text
from svduty.warehouse import Warehouse

CHANGE_CLASSES = ("new hotspot", "no longer a hotspot", "hotspot both years")
QUIET = "not a hotspot in either year"
# Each class its own lightness (CIE L* about 20, 38, 75, 96) so the map reads in greyscale;
# "no longer" is orange, not blue, so it is not read as a Gi* cold spot.
MAP_COLOURS = {
    CHANGE_CLASSES[2]: "#67001f",
    CHANGE_CLASSES[0]: "#b2182b",
    CHANGE_CLASSES[1]: "#f4a582",
    QUIET: "#f3f2f1",
}


@dataclass(frozen=True)
class HotspotChange:
    """LSOA hotspots of the review year against the year before, on the same months.

    ``table``: one row per LSOA of the area hot in either year: ``lsoa_code``, ``lsoa_name``,
    ``ward``, ``local_authority``, the counts and Gi* classes of both years and ``change`` (one of
    CHANGE_CLASSES). Hotspots are found across the whole force area, so a border LSOA is judged
    with its neighbours, and then those in the area are kept.
    """

    measure: str
    title: str
    year: int
    previous: int
    months: tuple[int, ...]
    available: bool
    reason: str
    new: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    persistent: tuple[str, ...] = ()
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    figure: Figure | None = None
    synthetic: bool = False
    caveats: tuple[str, ...] = ()

    id = "hotspot-changes"


def hotspot_change(
    wh: Warehouse, place: Area, year: int, measure: Measure | str, *, permutations: int = 9999
) -> HotspotChange:
    """Gi* hotspots of ``year`` and the year before on the calendar months both have, across the
    force area, then kept for the LSOAs of ``place``: new, gone and persistent. ``measure``: a
    Measure of the catalogue in use, or the id of one in the shipped catalogue."""
    previous = year - 1
    counted = where.resolve_measure(measure)
    measure, title = counted.id, counted.title
    try:
        counts = where.measure_counts(wh, counted, place.pfa_code, years=[previous, year])
    except ValueError as exc:
        return HotspotChange(measure, title, year, previous, (), False, str(exc))
    have = {
        y: {int(m[5:]) for m in counts.months_covered if m.startswith(str(y))}
        for y in (previous, year)
    }
    common = tuple(sorted(have[year] & have[previous]))
    if not common:
        missing = year if not have[year] else previous
        return HotspotChange(
            measure, title, year, previous, (), False,
            f"no {counts.measure.source} data for {missing} to compare",
        )  # fmt: skip
    keep = {f"{y}-{c:02d}" for y in (previous, year) for c in common}
    same_months = dataclasses.replace(
        counts,
        frame=counts.frame[counts.frame["month"].isin(keep)].reset_index(drop=True),
        months_covered=tuple(m for m in counts.months_covered if m in keep),
    )
    yearly = where.lsoa_hotspots_by_year(
        wh, counted, place.pfa_code, counts=same_months, permutations=permutations
    )
    if not yearly.available or set(yearly.by_year) != {previous, year}:
        return HotspotChange(measure, title, year, previous, common, False, yearly.caveats[-1])
    ref = where.lsoa_reference(wh, place.pfa_code)
    mine = set(ref.loc[ref["la_code"].isin(place.la_codes), "lsoa_code"])
    hot = {
        y: set(f.loc[(f["classification"] == gi.HOT) & f["lsoa_code"].isin(mine), "lsoa_code"])
        for y, f in yearly.by_year.items()
    }
    new, gone = hot[year] - hot[previous], hot[previous] - hot[year]
    both = hot[year] & hot[previous]
    table = _hotspot_table(yearly.by_year, previous, year, new, gone, both, ref)
    result = HotspotChange(
        measure=measure,
        title=title,
        year=year,
        previous=previous,
        months=common,
        available=True,
        reason="",
        new=tuple(sorted(new)),
        gone=tuple(sorted(gone)),
        persistent=tuple(sorted(both)),
        table=table,
        synthetic=yearly.synthetic,
        caveats=tuple(yearly.caveats),
    )
    if table.empty:  # nothing to map or tabulate: the page says so in words
        return result
    return dataclasses.replace(result, figure=_hotspot_figure(wh, place, result, yearly))


def _hotspot_table(by_year, previous, year, new, gone, both, ref) -> pd.DataFrame:
    codes = sorted(new | gone | both)
    frames = {y: f.set_index("lsoa_code") for y, f in by_year.items()}
    names = ref.set_index("lsoa_code")
    change = {c: CHANGE_CLASSES[0] for c in new}
    change |= {c: CHANGE_CLASSES[1] for c in gone} | {c: CHANGE_CLASSES[2] for c in both}
    order = {c: i for i, c in enumerate(CHANGE_CLASSES)}
    rows = [
        {
            "lsoa_code": c,
            "lsoa_name": names.at[c, "lsoa_name"] if c in names.index else c,
            "ward": names.at[c, "ward19_name"] if c in names.index else None,
            "la_code": names.at[c, "la_code"] if c in names.index else None,
            "local_authority": names.at[c, "la_name"] if c in names.index else None,
            f"events_{previous}": int(frames[previous].at[c, "count"]),
            f"events_{year}": int(frames[year].at[c, "count"]),
            "change": change[c],
        }
        for c in codes
    ]
    table = pd.DataFrame(
        rows,
        columns=["lsoa_code", "lsoa_name", "ward", "la_code", "local_authority",
                 f"events_{previous}", f"events_{year}", "change"],
    )  # fmt: skip
    return table.sort_values(
        ["change", "lsoa_code"], key=lambda s: s.map(order) if s.name == "change" else s
    ).reset_index(drop=True)


def _hotspot_figure(wh, place: Area, spots: HotspotChange, yearly) -> Figure:
    months = _month_text(spots.months)
    level = yearly.details[spots.year]["boundaries"]
    # A force-wide map would show a town-centre hotspot as a speck: draw only the local
    # authorities that have a hotspot in either year (all of the area's when none has).
    hot_las = set(spots.table["la_code"])
    shown = place
    if hot_las:
        shown = dataclasses.replace(
            place, la_codes=tuple(c for c in place.la_codes if c in hot_las)
        )
    shapes = maps.boundaries(wh, shown, level)
    drawn = " and ".join(sorted(set(spots.table["local_authority"].dropna())))
    change = dict(zip(spots.table["lsoa_code"], spots.table["change"], strict=True))
    shapes["change"] = [change.get(c, QUIET) for c in shapes["code"]]
    shapes["persistent"] = shapes["change"] == CHANGE_CLASSES[2]
    chart = maps.hotspot_map(
        shapes,
        "change",
        title=f"Hotspot changes in {place.name}, {spots.previous} to {spots.year}",
        persistent="persistent",
        legend_title="Hotspot",
        colours=MAP_COLOURS,
    )
    said = (
        f"{len(spots.new)} new, {len(spots.gone)} no longer and {len(spots.persistent)} "
        f"persistent LSOA hotspots of {_lower(spots.title)} in {place.name}, {months} "
        f"{spots.year} against the same months of {spots.previous}."
    )
    table = spots.table.drop(columns="la_code").rename(
        columns={
            "lsoa_code": "LSOA code",
            "lsoa_name": "LSOA name",
            "ward": "Ward (December 2019)",
            "local_authority": "Local authority",
            f"events_{spots.previous}": f"Events {spots.previous}",
            f"events_{spots.year}": f"Events {spots.year}",
            "change": "Change",
        }
    )
    return Figure(
        id=HotspotChange.id,
        title=f"Hotspots of {_lower(spots.title)}: {spots.previous} and {spots.year} compared",
        alt=said,
        table=table,
        source=f"{SOURCES.get(yearly.source, yearly.source)}; ONS LSOA boundaries",
        chart=chart,
        definition_version=yearly.definition_version,
        synthetic=yearly.synthetic,
        notes=(
            f"Getis-Ord Gi* on event counts per LSOA ({months} of each year), queen contiguity, "
            f"{yearly.settings['permutations']:,} permutations, false discovery rate "
            f"{yearly.settings['alpha']:.0%}; hotspots found across the force area.",
            *([f"The map shows {drawn}, where the hotspots are."] if shown != place else []),
        ),
    )
