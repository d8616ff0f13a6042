"""Triangulation: emergency department assault attendances against police recorded violence,
in volume and in where the hotspots are (svduty.analysis.evidence.triangulation)."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import triangulation as tri
from svduty.products import charts, maps
from svduty.products.assessment.common import SOURCE_KINDS, Built, num, pct, source_name
from svduty.products.assessment.model import FigurePart, Finding, Paragraph, Section
from svduty.products.assessment.scope import Context
from svduty.products.figure import Figure

VOLUMES = "fig-triangulation-volumes"
HOTSPOTS = "fig-triangulation-hotspots"
#: ED attendances per police record outside [1/GAP, GAP]: a gap worth a recommendation
GAP = 2.0
AGREEMENT = {
    "both": "hot in both",
    "ED only": "hot in ED data only",
    "police only": "hot in police data only",
}
AGREEMENT_COLOURS = {
    "hot in both": "#67001f",
    "hot in ed data only": "#d6604d",
    "hot in police data only": "#4c2c92",
    "not hot": "#f3f2f1",
}


def triangulation_section(ctx: Context) -> Built:
    # The whole force area over the period: a local authority's row is then placed exactly as
    # the force area's, and the ED rows that cannot be placed anywhere are counted.
    volumes = tri.ed_vs_police(ctx.force_view, pfa_code=ctx.area.pfa_code)
    parts: list = [
        Paragraph(
            "Emergency departments see many assaults that are never reported to the police, and "
            "the police record violence that never needs hospital care. ED data are anonymised, "
            "so no attendance can be matched to a crime: what can be compared is how many each "
            "source counts, and where."
        )
    ]
    findings, gaps = [], []
    figure, finding = _volumes(ctx, volumes)
    if figure is not None:
        parts.append(FigurePart(figure, digits={"ED attendances per police record": 2}))
    if finding is not None:
        findings.append(finding)
    ed_here = int(_area_rows(ctx, volumes.frame)["ed"].sum())
    if ed_here:
        agreement = tri.hotspot_agreement(
            ctx.view,
            pfa_code=ctx.area.pfa_code,
            permutations=ctx.permutations,
            seed=ctx.seed,
        )
        parts.append(FigurePart(_agreement(ctx, agreement)))
    else:
        placement = volumes.placement.set_index("source")
        ed = placement.loc["ed_assault"] if "ed_assault" in placement.index else None
        sentence = (
            f"No emergency department attendance in the warehouse is placed in {ctx.area.name}"
            + (
                f": {num(int(ed['no_lsoa']))} of the {num(int(ed['rows']))} attendances in the "
                f"force area have no LSOA, and none of the others falls in {ctx.area.name}"
                if ed is not None
                else ""
            )
            + ". ED data cannot show where violence happens here, so there is no hotspot "
            "comparison."
        )
        parts.append(Paragraph(sentence))
        gaps.append((sentence, VOLUMES if figure is not None else "triangulation"))
    return Built(
        Section(
            "triangulation", "Triangulation: emergency department and police data", tuple(parts)
        ),
        findings,
        gaps,
    )


def _area_rows(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    years = frame[frame["period_type"] == "year"]
    if ctx.area.is_force_area:
        return years[years["area_type"] == tri.FORCE_AREA]
    return years[
        (years["area_type"] == tri.LOCAL_AUTHORITY) & years["area_code"].isin(ctx.area.la_codes)
    ]


def _volumes(ctx: Context, r: tri.Triangulation) -> tuple[Figure | None, Finding | None]:
    rows = _area_rows(ctx, r.frame)
    if rows.empty:
        return None, None
    table = pd.DataFrame(
        {
            "Year": rows["period"],
            "Months compared": rows["months_compared"],
            "ED assault attendances": rows["ed"],
            "Police records of violence with injury": rows["police"],
            "ED attendances per police record": rows["ratio"],
        }
    )
    long = pd.concat(
        [
            table.assign(Source="ED assault attendances", Count=table["ED assault attendances"]),
            table.assign(
                Source="Police records of violence with injury",
                Count=table["Police records of violence with injury"],
            ),
        ]
    )[["Year", "Source", "Count"]]
    ed, police = (
        int(table["ED assault attendances"].sum()),
        int(table["Police records of violence with injury"].sum()),
    )
    ratio = ed / police if police else None
    if ed == 0 and not ctx.area.is_force_area:
        # not one attendance placed in the area: its ED count is missing, not zero, and no
        # ratio to the police records can be made
        table["ED assault attendances"] = None
        table["ED attendances per police record"] = None
        long = long[long["Source"] != "ED assault attendances"]
    placement = r.placement.set_index("source")
    no_lsoa = placement.loc["ed_assault", "no_lsoa"] if "ed_assault" in placement.index else 0
    ed_rows = placement.loc["ed_assault", "rows"] if "ed_assault" in placement.index else 0
    measured = not (ed == 0 and not ctx.area.is_force_area)
    alt_text = (
        (
            f"Over the {len(r.months_compared)} months both sources cover, emergency "
            f"departments recorded {num(ed)} assault attendances in {ctx.area.name} and the "
            f"police {num(police)} crimes of violence with injury: "
            if measured
            else f"Emergency department attendances cannot be measured in {ctx.area.name} (not "
            "one can be placed here); over the months both sources cover the police recorded "
            f"{num(police)} crimes of violence with injury: "
        )
        + (
            f"{ratio:.2f} ED attendances per police record."
            if ratio is not None and measured
            else "no ratio can be made."
            if measured is False
            else "no police records."
        )
        + (
            f" {num(no_lsoa)} of {num(ed_rows)} ED attendances ({pct(no_lsoa / ed_rows)}) have no "
            "LSOA"
            + (
                ", so they count only in the force area figures."
                if not ctx.area.is_force_area
                else "."
            )
            if ed_rows
            else ""
        )
    )
    figure = Figure(
        id=VOLUMES,
        title=f"Emergency department assault attendances and police recorded violence with "
        f"injury, {ctx.area.name}, by year",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "ed_assault", r.synthetic)
        + "; "
        + source_name(ctx, "police_crime", r.synthetic),
        chart=charts.trend(
            long,
            "Year",
            "Count",
            series="Source",
            series_title=None,
            y_title="Count",
            x_title="Year",
        ),
        definition_version=ctx.not_applied,
        synthetic=r.synthetic,
        notes=tri.VOLUME_CAVEATS[:1],
    )
    finding = None
    if ratio is not None and (ratio >= GAP or ratio <= 1 / GAP):
        more = ratio >= GAP
        finding = Finding(
            id="finding-triangulation-gap",
            rule="ed-police-gap",
            template=(
                (
                    f"Emergency departments saw {ratio:.1f} assault attendances for every police "
                    f"record of violence with injury in {ctx.area.name} ({{ed}} against "
                    "{police}): much violence never reaches police records."
                )
                if more
                else (
                    "Emergency department attendances for assault cannot be measured in "
                    f"{ctx.area.name}: not one can be placed here, so ED data cannot yet be "
                    "compared with police records or show the violence police do not see."
                )
                if ed == 0
                else (
                    f"Emergency department data hold only {ratio:.2f} assault attendances per "
                    f"police record of violence with injury in {ctx.area.name} ({{ed}} against "
                    "{police}): ED data sharing or its location coding is incomplete, so ED "
                    "data cannot yet show the violence police do not see."
                )
            ),
            # missing is not zero: with no attendance placed, no count is quoted or compared
            counts={} if ed == 0 else {"ed": ed, "police": police},
            figure_id=VOLUMES,
            section="triangulation",
            source_kind=SOURCE_KINDS["ed_assault"],
            synthetic=r.synthetic,
            numbers={"ratio": ratio},
            weight=6.0,
        )
    return figure, finding


def _agreement(ctx: Context, a: tri.HotspotAgreement) -> Figure:
    level = a.summary["vintage"]
    gdf = maps.boundaries(ctx.wh, ctx.area, level)
    hot = a.frame.set_index("lsoa_code")["hot_in"].map(AGREEMENT)
    gdf["Hot in"] = gdf["code"].map(hot).fillna("not hot")
    s = a.summary
    alt_text = (
        f"Gi* hotspots in {ctx.area.name} over the {len(a.months_compared)} months both sources "
        f"cover: {s['both']} LSOAs are hot in both ED and police data, {s['ed_only']} in ED data "
        f"only and {s['police_only']} in police data only. "
        f"{num(s['ed_rows'] - s['ed_rows_placed'])} of {num(s['ed_rows'])} ED attendances have "
        "no LSOA of the area and are not in the analysis."
    )
    table = a.frame.rename(
        columns={
            "lsoa_code": "LSOA",
            "la_name": "Local authority",
            "ed_count": "ED attendances",
            "police_count": "Police records",
            "hot_in": "Hot in",
        }
    )[["LSOA", "Local authority", "ED attendances", "Police records", "Hot in"]]
    return Figure(
        id=HOTSPOTS,
        title=f"Where ED and police hotspots agree, {ctx.area.name}",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "ed_assault", a.synthetic)
        + "; "
        + source_name(ctx, "police_crime", a.synthetic),
        chart=maps.hotspot_map(
            gdf, "Hot in", title=alt_text, legend_title="Hotspot (Gi*)", colours=AGREEMENT_COLOURS
        ),
        definition_version=ctx.not_applied,
        synthetic=a.synthetic,
        notes=tuple(a.caveats[:2]) if not a.synthetic else tuple(a.caveats[1:3]),
    )
