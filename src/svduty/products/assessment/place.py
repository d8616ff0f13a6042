"""Where: rates by LSOA (a choropleth); hot places (LSOAs with significantly more offences than
their residents would lead one to expect: a map with the top places numbered, ranked by count
and by rate, with intervals and persistence); hot clusters (Gi*) and their persistence; rates by
local authority or ward; and the most frequent locations (svduty.analysis.evidence.where).

Every LSOA is named the one way svduty names places (``where.named``: its May 2024 ward and
the current authority, "Yeovil South, Somerset"), with the official ONS name beside it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from svduty.analysis import hotplaces
from svduty.analysis.evidence import rurality, where
from svduty.analysis.hotplaces import HOT_PLACE
from svduty.analysis.hotspots import COLD, HOT
from svduty.products import charts, maps
from svduty.products.assessment.common import SOURCE_KINDS, Built, num, pct, plural, source_name
from svduty.products.assessment.model import FigurePart, Finding, Paragraph, Section, Table
from svduty.products.assessment.scope import Context
from svduty.products.assessment.volumes import HEADLINE
from svduty.products.figure import Figure
from svduty.reference.force_areas import display_name
from svduty.reference.population import denominator

CHOROPLETH = "fig-where-choropleth"
HOTSPOTS = "fig-where-hotspots"  # hot places (the strategies cite it as "where")
CLUSTERS = "fig-where-clusters"
TOP_RATE = "tbl-where-top-rate"
AREAS = "fig-where-areas"
WARD_MAP = "fig-where-wards"
PERSISTENT = "tbl-where-persistent"
REPEAT = "tbl-where-repeat-locations"
URBAN_RURAL = "tbl-where-urban-rural"
RATE = "Rate per 1,000 residents per year"
PLACE = "Place (ward, May 2024)"
ONS_NAME = "ONS LSOA name"
#: how many places the ranked tables and the numbered markers show
TOP_N = 10
# hot place, not significant, not tested: red, light grey, mid grey (apart in greyscale)
HOT_PLACE_COLOURS = ("#b2182b", "#f3f2f1", "#cbcfd2")
# hot this year, hot before, cold this year, neither: dark to light red, then blue and grey, so
# the classes stay apart in greyscale (maps.HOTSPOT_COLOURS' lightness steps)
HOTSPOT_COLOURS = ("#b2182b", "#f4a582", "#6baed6", "#f3f2f1")


def where_section(ctx: Context) -> Built:
    m = ctx.measures.get(HEADLINE)
    counts = ctx.counts(HEADLINE)
    lsoa = where.area_rates(ctx.view, m, ctx.area.pfa_code, "lsoa", counts=counts)
    lsoa_frame = where.named(
        lsoa.frame[lsoa.frame["la_code"].isin(ctx.area.la_codes)], key="area_code"
    )
    places = where.hot_places(ctx.view, m, ctx.area.pfa_code, counts=counts, top_n=TOP_N)
    yearly = where.lsoa_hotspots_by_year(
        ctx.view,
        m,
        ctx.area.pfa_code,
        counts=counts,
        permutations=ctx.permutations,
        seed=ctx.seed,
    )
    persistence = where.hotspot_persistence(yearly) if yearly.by_year else None
    boundaries = maps.boundaries(ctx.wh, ctx.area, "lsoa11")
    names = lsoa_frame.set_index("area_code")

    choropleth, concentration = _choropleth(ctx, m, lsoa, lsoa_frame, boundaries)
    hot_map, hot_finding = _hot_places(ctx, places, boundaries)
    clusters, persistent_finding = _hotspot_map(ctx, yearly, persistence, boundaries, names)
    parts: list = [
        Paragraph(
            f"Where violence and sexual offences (police.uk) were recorded in {ctx.area.name}, "
            f"{ctx.period.label}: rates per LSOA (about 1,500 residents each); hot places (LSOAs "
            "with significantly more offences than their residents would lead one to expect, "
            "each tested on its own with a false discovery rate correction), ranked by count and "
            "by rate; hot clusters (groups of neighbouring LSOAs that together stand out, "
            "Getis-Ord Gi*); and the places offences recur. Places are named by their ward (May "
            "2024) and current council, with the ONS code and name of each LSOA beside them."
        ),
        FigurePart(choropleth, digits={RATE: 2, "Lower 95%": 2, "Upper 95%": 2}),
        FigurePart(hot_map, digits=_DIGITS),
        _top_rate_table(ctx, places),
        FigurePart(clusters),
        _persistent_table(ctx, persistence, names, yearly),
    ]
    areas = _areas_figure(ctx, m, counts)
    if areas is not None:
        parts.append(FigurePart(areas, digits={RATE: 2, "Lower 95%": 2, "Upper 95%": 2}))
    parts.append(_ward_map(ctx, m, counts))
    parts.append(_urban_rural_table(ctx, counts))
    parts.append(_repeat_table(ctx, m))
    findings = [f for f in (concentration, hot_finding, persistent_finding) if f is not None]
    return Built(Section("where", "Where", tuple(parts)), findings)


_DIGITS = {RATE: 1, "Lower 95%": 1, "Upper 95%": 1, "Expected": 0, "Observed / expected": 1}


def _ranked(places: where.HotPlaces, by: str) -> pd.DataFrame:
    """The top places by ``by`` as the reader sees them: named, with intervals and persistence."""
    top = places.top(by)
    window = len(places.window_years)
    return pd.DataFrame(
        {
            "Rank": top["rank"],
            PLACE: top["place"],
            "LSOA": top["lsoa_code"],
            ONS_NAME: top["ons_name"],
            "Offences": top["count"].astype("int64"),
            "Expected": top["expected"],
            "Observed / expected": top["ratio"],
            RATE: top["rate"],
            "Lower 95%": top["lower_95"],
            "Upper 95%": top["upper_95"],
            "Hot place": np.where(top["classification"] == HOT_PLACE, "yes", "no"),
            f"Years hot (of {window})": top["years_hot"],
            f"Years in the top {places.top_n} (of {window})": top["years_top"],
        }
    )


def _hot_places(ctx: Context, places: where.HotPlaces, boundaries):
    frame = places.period_frame.set_index("lsoa_code")
    period = ctx.period.label
    labels = {HOT_PLACE: f"hot place, {period}", "other": "not significant", "none": "not tested"}
    gdf = boundaries.copy()
    classes = gdf["code"].map(frame["classification"])
    gdf["Hot place"] = np.select(
        [classes == HOT_PLACE, classes == "not significant"],
        [labels[HOT_PLACE], labels["other"]],
        default=labels["none"],
    )
    gdf["persistent"] = gdf["code"].map(frame["years_hot"]).fillna(0) >= 2
    table = _ranked(places, "count")
    on_map = table[table["LSOA"].isin(set(gdf["code"]))]
    markers = pd.DataFrame(
        {
            "code": on_map["LSOA"],
            "number": on_map["Rank"],
            "label": on_map["LSOA"].map(frame["ward24_name"]),
        }
    )
    hot = places.hot
    info = places.details["period"]
    window = ", ".join(map(str, places.window_years))
    shown = places.period_frame.assign(
        label=places.period_frame["place"] + " (" + places.period_frame["ons_name"].fillna("") + ")"
    )
    found = hotplaces.describe(shown, ctx.area.name, period, name="label")
    alt_text = (
        f"{found} The map numbers the {len(table)} LSOAs with most offences, as ranked in the "
        f"table, and outlines those that were hot places in at least 2 of {window}."
    )
    how = (
        f"Expected offences: {ctx.area.name}'s rate ({num(info['area_rate'] or 0, 1)} per 1,000 "
        f"residents per year) x each LSOA's residents ({places.denominator}) x the months "
        "covered. "
        + (
            f"The counts vary {num(info['dispersion'], 0)} times more between LSOAs than chance "
            "alone would make them, so each LSOA's z-score is scaled by that over-dispersion "
            "(Spiegelhalter 2005) before the one-sided test"
            if info["overdispersed"]
            else "Each LSOA is tested with the exact Poisson probability of at least its count"
        )
        + f"; Benjamini-Hochberg false discovery rate at {info['alpha']} over the "
        f"{num(info['tested'])} LSOAs tested. Persistence: in how many of {window} each LSOA "
        f"was a hot place, and among the {places.top_n} with most offences."
    )
    figure = Figure(
        id=HOTSPOTS,
        title=f"Hot places: the LSOAs with most violence and sexual offences, {ctx.area.name}, "
        f"{period}, numbered as in the table",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "police_uk_street") + "; " + places.denominator,
        chart=maps.hotspot_map(
            gdf,
            "Hot place",
            title=alt_text,
            persistent="persistent",
            persistent_label=f"hot place in at least 2 of {window}",
            legend_title="Hot places",
            colours=dict(zip(labels.values(), HOT_PLACE_COLOURS, strict=True)),
            width=maps.LARGE_WIDTH,
            markers=markers,
        ),
        definition_version=ctx.not_applied,
        synthetic=places.synthetic,
        notes=(how, where.SNAP_NOTE),
    )
    persistent = hot[hot["years_hot"] >= 2]
    finding = None
    if not hot.empty:
        lasting = not persistent.empty
        chosen = persistent if lasting else hot
        shown = ", ".join(f"{r.place} ({r.ons_name})" for r in chosen.head(3).itertuples())
        n = len(chosen)
        finding = Finding(
            id="finding-where-hot-places",
            rule="hotspot-persistence" if lasting else "hot-places",
            template=(
                f"{plural(n, 'LSOA')} of {ctx.area.name} "
                + (
                    f"{'was a hot place' if n == 1 else 'were hot places'} in at least 2 of "
                    f"{window}"
                    if lasting
                    else f"{'was a hot place' if n == 1 else 'were hot places'} in {period}"
                )
                + f", with significantly more violence than their residents would lead one to "
                f"expect; among them {shown}. {'It' if n == 1 else 'They'} had {{offences}} "
                f"of the {{placed}} offences placed in an LSOA in {period}."
            ),
            counts={
                "offences": int(chosen["count"].sum()),
                "placed": int(places.period_frame["count"].sum()),
            },
            figure_id=HOTSPOTS,
            section="where",
            source_kind=SOURCE_KINDS["police_uk_street"],
            synthetic=places.synthetic,
            numbers={"hot_places": n},
            weight=8.0,
        )
    return figure, finding


def _top_rate_table(ctx: Context, places: where.HotPlaces) -> Table:
    frame = _ranked(places, "rate")
    return Table(
        TOP_RATE,
        f"The {len(frame)} LSOAs with the highest rates of violence and sexual offences per "
        f"1,000 residents, {ctx.area.name}, {ctx.period.label}",
        frame,
        source_name(ctx, "police_uk_street") + "; " + places.denominator,
        ctx.not_applied,
        synthetic=places.synthetic,
        notes=(
            "A high rate per resident in a town centre reflects its visitors more than its "
            "residents: read it with the counts (the hot places map).",
            where.UNSTABLE_NOTE,
        ),
        digits=_DIGITS,
    )


def _choropleth(ctx: Context, m, rates: where.AreaRates, frame: pd.DataFrame, boundaries):
    table = pd.DataFrame(
        {
            "LSOA": frame["area_code"],
            PLACE: frame["place"],
            ONS_NAME: frame["area_name"],
            "Offences": frame["count"].astype("int64"),
            f"Residents ({denominator('lsoa').label})": frame["population"],
            RATE: frame["rate"],
            "Lower 95%": frame["lower_95"],
            "Upper 95%": frame["upper_95"],
        }
    ).reset_index(drop=True)
    gdf = boundaries.merge(table[["LSOA", RATE]], left_on="code", right_on="LSOA", how="left")
    rated = table.dropna(subset=[RATE]).sort_values(RATE)
    placed = int(table["Offences"].sum())
    not_placed = rates.total - int(rates.frame["count"].sum())
    top_n = max(1, math.ceil(len(table) / 10))
    top = table.sort_values("Offences", ascending=False).head(top_n)
    top_share = int(top["Offences"].sum()) / placed if placed else None
    low, high = rated.iloc[0], rated.iloc[-1]
    alt_text = (
        f"Across the {len(table):,} LSOAs of {ctx.area.name}, rates of violence and sexual "
        f"offences ranged from {num(low[RATE], 1)} per 1,000 residents per year ({low[PLACE]}, "
        f"{low[ONS_NAME]}) to {num(high[RATE], 1)} ({high[PLACE]}, {high[ONS_NAME]}). "
        f"The {top_n} LSOAs with most offences (a tenth) had {pct(top_share)} of the "
        f"{num(placed)} offences placed in an LSOA. "
        + (
            f"{num(not_placed)} offences have no location in the area and are not mapped."
            if not_placed
            else ""
        )
    )
    figure = Figure(
        id=CHOROPLETH,
        title=f"Violence and sexual offences per 1,000 residents per year by LSOA, "
        f"{ctx.area.name}, {ctx.period.label}",
        alt=alt_text.strip(),
        table=table,
        source=source_name(ctx, m.source) + "; " + rates.denominator,
        chart=maps.choropleth(gdf, RATE, title=alt_text, legend_title=RATE, width=maps.LARGE_WIDTH),
        definition_version=ctx.not_applied,
        synthetic=rates.synthetic,
        notes=(where.SNAP_NOTE, where.UNSTABLE_NOTE),
    )
    finding = None
    if top_share is not None:
        finding = Finding(
            id="finding-where-concentration",
            rule="concentration",
            template=(
                f"Violence is concentrated: the {top_n} LSOAs with most offences (a tenth of "
                f"{ctx.area.name}'s LSOAs) had {pct(top_share)} of the offences placed in an "
                "LSOA ({top} of {placed})."
            ),
            counts={"top": int(top["Offences"].sum()), "placed": placed},
            figure_id=CHOROPLETH,
            section="where",
            source_kind=SOURCE_KINDS[m.source],
            synthetic=rates.synthetic,
            numbers={"top_share": top_share, "top_lsoas": top_n},
            weight=4.0 + 5 * top_share,
        )
    return figure, finding


def _hotspot_map(ctx: Context, yearly, persistence, boundaries, names: pd.DataFrame):
    years = sorted(yearly.by_year)
    latest = years[-1] if years else None
    classes = (
        yearly.by_year[latest].set_index("lsoa_code")["classification"]
        if latest
        else pd.Series(dtype=object)
    )
    per = (
        persistence.frame.set_index("lsoa_code")
        if persistence is not None
        else pd.DataFrame(columns=["years_hot", "hot_years", "persistent"])
    )
    ever_hot = set(per.index[per["years_hot"] > 0]) if len(per) else set()
    labels = {
        HOT: f"hot in {latest}",
        "earlier": "hot in an earlier year",
        COLD: f"cold in {latest}",
        "none": "not significant",
    }
    gdf = boundaries.copy()
    gdf["Hotspot"] = [
        labels[HOT]
        if classes.get(code) == HOT
        else labels["earlier"]
        if code in ever_hot
        else labels[COLD]
        if classes.get(code) == COLD
        else labels["none"]
        for code in gdf["code"]
    ]
    gdf["persistent"] = gdf["code"].map(per["persistent"]).fillna(False).astype(bool)
    ever = set(ever_hot)
    for year in years:
        frame = yearly.by_year[year]
        ever |= set(frame.loc[frame["classification"].isin([HOT, COLD]), "lsoa_code"])
    rows = []
    for code in sorted(ever & set(gdf["code"])):
        row = {
            "LSOA": code,
            PLACE: names["place"].get(code, code),
            ONS_NAME: names["area_name"].get(code, code),
        }
        for year in years:
            label = yearly.by_year[year].set_index("lsoa_code")["classification"].get(code)
            row[str(year)] = label or "not tested"
        row["Years hot"] = int(per["years_hot"].get(code, 0)) if len(per) else 0
        row["Persistent"] = (
            "yes" if code in per.index and bool(per.loc[code, "persistent"]) else "no"
        )
        rows.append(row)
    table = pd.DataFrame(
        rows, columns=["LSOA", PLACE, ONS_NAME, *map(str, years), "Years hot", "Persistent"]
    )
    hot_by_year = {y: int((yearly.by_year[y]["classification"] == HOT).sum()) for y in years}
    n_persistent = int(gdf["persistent"].sum())
    if latest is None:
        alt_text = f"No hotspot analysis could be run for {ctx.area.name}."
    else:
        counted = "; ".join(f"{plural(n, 'LSOA')} in {y}" for y, n in hot_by_year.items())
        if persistence is None:
            lasting = "There are no yearly analyses to follow over time."
        elif n_persistent:
            lasting = (
                f"{plural(n_persistent, 'LSOA')} {'was' if n_persistent == 1 else 'were'} hot in "
                f"at least {persistence.min_hot} of the {persistence.window} years "
                f"{', '.join(map(str, persistence.window_years))} (outlined in black)."
            )
        else:
            lasting = (
                f"No LSOA was hot in at least {persistence.min_hot} of the "
                f"{persistence.window} years {', '.join(map(str, persistence.window_years))}."
            )
        if not any(hot_by_year.values()):
            alt_text = (
                f"Gi* found no hot cluster of violence and sexual offences in {ctx.area.name} in "
                f"any year ({', '.join(map(str, years))}): no group of neighbouring LSOAs stands "
                "out together. Where the hot places map finds busy LSOAs, they stand alone among "
                "neighbours with ordinary counts, as town centres in small towns do; Gi* asks "
                "about the neighbourhood, not the LSOA on its own."
            )
        else:
            alt_text = (
                f"Gi* hot clusters of violence and sexual offences in {ctx.area.name} (LSOAs "
                f"whose neighbourhood stands out): {counted}. {lasting} The map shows the "
                f"classes of {latest} and the LSOAs in a hot cluster in an earlier year."
            )
    settings = yearly.settings
    figure = Figure(
        id=CLUSTERS,
        title=f"Hot clusters of violence and sexual offences (Gi*), {ctx.area.name}, {latest}, "
        "with persistent clusters outlined",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "police_uk_street"),
        chart=maps.hotspot_map(
            gdf,
            "Hotspot",
            title=alt_text,
            persistent="persistent",
            colours=dict(zip(labels.values(), HOTSPOT_COLOURS, strict=True)),
            width=maps.LARGE_WIDTH,
        ),
        definition_version=ctx.not_applied,
        synthetic=yearly.synthetic,
        notes=(
            f"Getis-Ord Gi* on counts per LSOA each year, queen contiguity, "
            f"{settings['permutations']:,} permutations (seed {settings['seed']}), "
            f"Benjamini-Hochberg false discovery rate at {settings['alpha']}.",
            *[c for c in yearly.caveats if c.startswith(("Gi*", "Years covered"))],
        ),
    )
    finding = None
    if persistence is not None and n_persistent:
        persistent = persistence.persistent()
        offences = int(names.reindex(persistent["lsoa_code"])["count"].fillna(0).sum())
        shown = ", ".join(
            f"{names['place'].get(c, c)} ({names['area_name'].get(c, c)})"
            for c in persistent["lsoa_code"].head(3)
        )
        finding = Finding(
            id="finding-where-persistent",
            rule="cluster-persistence",
            template=(
                f"{plural(n_persistent, 'LSOA')} {'was a' if n_persistent == 1 else 'were'} "
                f"persistent hot cluster{'' if n_persistent == 1 else 's'} of violence (hot in at "
                f"least {persistence.min_hot} of {', '.join(map(str, persistence.window_years))}"
                f"), among them {shown}; {'it' if n_persistent == 1 else 'they'} had {{offences}} "
                f"offences in {ctx.period.label}."
            ),
            counts={"offences": offences},
            figure_id=CLUSTERS,
            section="where",
            source_kind=SOURCE_KINDS["police_uk_street"],
            synthetic=yearly.synthetic,
            numbers={"persistent_lsoas": n_persistent},
            weight=8.0,
        )
    return figure, finding


def _persistent_table(ctx: Context, persistence, names: pd.DataFrame, yearly) -> Table:
    columns = ["LSOA", PLACE, ONS_NAME, "Hot years", "Years hot", "Current run",
               "Offences in the period", RATE]  # fmt: skip
    rows = []
    if persistence is not None:
        for r in persistence.persistent().itertuples(index=False):
            info = names.loc[r.lsoa_code] if r.lsoa_code in names.index else None
            rows.append(
                (
                    r.lsoa_code,
                    info["place"] if info is not None else r.lsoa_code,
                    info["area_name"] if info is not None else None,
                    ", ".join(map(str, r.hot_years)),
                    int(r.years_hot),
                    int(r.current_run),
                    int(info["count"]) if info is not None else 0,
                    info["rate"] if info is not None else float("nan"),
                )
            )
    frame = pd.DataFrame(rows, columns=columns)
    window = (
        f"at least {persistence.min_hot} of {', '.join(map(str, persistence.window_years))}"
        if persistence is not None
        else "the years analysed"
    )
    return Table(
        PERSISTENT,
        f"Persistent hot clusters (Gi*): LSOAs in a hot cluster in {window}, {ctx.area.name}",
        frame,
        source_name(ctx, "police_uk_street"),
        ctx.not_applied,
        synthetic=yearly.synthetic,
        notes=("No LSOA was in a hot cluster often enough to be persistent.",)
        if frame.empty
        else (),
        digits={RATE: 2},
    )


def _areas_figure(ctx: Context, m, counts) -> Figure | None:
    level = "la" if ctx.area.is_force_area else "ward24"
    rates = where.area_rates(ctx.view, m, ctx.area.pfa_code, level, counts=counts)
    frame = rates.frame[
        rates.frame["la_code" if level == "ward24" else "area_code"].isin(ctx.area.la_codes)
    ]
    frame = frame.dropna(subset=["rate"])
    if frame.empty:
        return None
    table = pd.DataFrame(
        {
            "Area": frame["area_name"],
            "Code": frame["area_code"],
            "Offences": frame["count"].astype("int64"),
            f"Residents ({denominator(level).label})": frame["population"],
            RATE: frame["rate"],
            "Lower 95%": frame["lower_95"],
            "Upper 95%": frame["upper_95"],
        }
    )
    if level == "ward24":  # a ward holding part of a split 2011 LSOA (evidence.wards)
        table["Split LSOA"] = frame["split"].map({True: "yes", False: "no"}).to_numpy()
    table = table.sort_values(RATE, ascending=False)
    shown = table.head(15) if level == "ward24" else table
    what = "local authority" if level == "la" else "ward (May 2024 wards)"
    top = table.iloc[0]
    bottom = table.iloc[-1]
    alt_text = (
        f"Rates of violence and sexual offences by {what} in {ctx.area.name}, "
        f"{ctx.period.label}: highest in {top['Area']} ({num(top[RATE], 1)} per 1,000 residents "
        f"per year, {num(top['Offences'])} offences), lowest in {bottom['Area']} "
        f"({num(bottom[RATE], 1)})."
        + (
            f" The chart shows the 15 wards with the highest rates of {len(table)}."
            if level == "ward24"
            else ""
        )
    )
    return Figure(
        id=AREAS,
        title=f"Violence and sexual offences per 1,000 residents per year by {what}, "
        f"{ctx.area.name}, {ctx.period.label}",
        alt=alt_text,
        table=table,
        source=source_name(ctx, m.source) + "; " + rates.denominator,
        chart=charts.bars(
            shown,
            "Area",
            RATE,
            lower="Lower 95%",
            upper="Upper 95%",
            value_title=RATE,
            sort="descending",
        ),
        definition_version=ctx.not_applied,
        synthetic=rates.synthetic,
        notes=tuple(c for c in rates.caveats if c.startswith(("Rates from", "Wards are"))),
    )


def _ward_map(ctx: Context, m, counts) -> FigurePart | Paragraph:
    """Rates by May 2024 ward on the national ward boundaries, for any partnership in England
    and Wales (the wards of the ONS LSOA 2021 -> ward 2024 lookup the rates use)."""
    rates = where.area_rates(ctx.view, m, ctx.area.pfa_code, "ward24", counts=counts)
    frame = rates.frame[rates.frame["la_code"].isin(ctx.area.la_codes)]
    try:
        # drawn as stored: the national file is simplified already, and not a clean coverage
        # (its wards were simplified one by one), which coverage simplification would refuse
        boundaries = maps.boundaries(ctx.wh, ctx.area, "ward24", simplify_m=0)
    except maps.MapError:
        # a warehouse loaded before ward boundaries were bundled: say so, never an empty map
        return Paragraph(
            f"No ward map: this warehouse holds no May 2024 ward boundaries for {ctx.area.name}. "
            "Run `svduty init` again to store them; the wards' rates are in the table above."
        )
    table = pd.DataFrame(
        {
            "Ward": frame["area_name"].to_numpy(),
            "Code": frame["area_code"].to_numpy(),
            # "City of Bristol", as a reader says it, not ONS's "Bristol, City of"
            "Local authority": frame["la_name"].map(display_name).to_numpy(),
            "Offences": frame["count"].astype("int64").to_numpy(),
            f"Residents ({denominator('ward24').label})": frame["population"].to_numpy(),
            RATE: frame["rate"].to_numpy(),
            "Lower 95%": frame["lower_95"].to_numpy(),
            "Upper 95%": frame["upper_95"].to_numpy(),
            "Split LSOA": frame["split"].map({True: "yes", False: "no"}).to_numpy(),
        }
    ).sort_values([RATE, "Code"], ascending=[False, True], na_position="last")
    gdf = boundaries.merge(table[["Code", RATE]], left_on="code", right_on="Code", how="left")
    rated = table.dropna(subset=[RATE])
    placed = int(table["Offences"].sum())
    empty = sorted(set(boundaries["name"][~boundaries["code"].isin(table["Code"])]))
    notes = tuple(c for c in rates.caveats if c.startswith(("Rates from", "Wards are")))
    if empty:
        notes += (
            f"{plural(len(empty), 'ward')} ({', '.join(empty)}) "
            f"{'holds' if len(empty) == 1 else 'hold'} no 2021 LSOA in the ONS best-fit lookup: "
            "the LSOAs around it are counted in a neighbouring ward, so it is drawn without a "
            "rate.",
        )
    if rated.empty:
        described = f"No ward of {ctx.area.name} has a rate for {ctx.period.label}."
    else:
        high, low = rated.iloc[0], rated.iloc[-1]
        described = (
            f"Across the {len(table):,} wards of {ctx.area.name}, rates of violence and sexual "
            f"offences ranged from {num(low[RATE], 1)} per 1,000 residents per year "
            f"({low['Ward']}, {low['Local authority']}) to {num(high[RATE], 1)} "
            f"({high['Ward']}, {high['Local authority']}); {num(placed)} offences were placed "
            "in a ward."
        )
    figure = Figure(
        id=WARD_MAP,
        title=f"Violence and sexual offences per 1,000 residents per year by ward (May 2024 "
        f"wards), {ctx.area.name}, {ctx.period.label}",
        alt=described,
        table=table.reset_index(drop=True),
        source=source_name(ctx, m.source)
        + "; "
        + rates.denominator
        + "; ONS ward (May 2024) boundaries",
        chart=maps.choropleth(
            gdf, RATE, title=described, legend_title=RATE, width=maps.LARGE_WIDTH
        ),
        definition_version=ctx.not_applied,
        synthetic=rates.synthetic,
        notes=notes,
    )
    return FigurePart(figure, digits={RATE: 2, "Lower 95%": 2, "Upper 95%": 2})


def _urban_rural_table(ctx: Context, counts) -> Table:
    r = rurality.urban_rural(ctx.view, counts, ctx.area.la_codes)
    frame = pd.DataFrame(
        {
            "Neighbourhoods (ONS 2021 rural-urban classification)": r.frame["group"],
            "LSOAs": r.frame["lsoas"],
            "Offences": r.frame["count"],
            "Residents (Census 2021)": r.frame["population"],
            RATE: r.frame["rate"],
            "Lower 95%": r.frame["lower_95"],
            "Upper 95%": r.frame["upper_95"],
            "Classes (LSOAs)": r.frame["classes"].replace("", "none"),
        }
    )
    value, lower, upper = r.ratio
    if math.isfinite(value) and value > 0:
        # the higher rate first, so the ratio reads as "times" rather than a fraction
        high, low = ("rural", "urban") if value >= 1 else ("urban", "rural")
        if value < 1:
            value, lower, upper = 1 / value, 1 / upper, 1 / lower
        reading = (
            f"The rate in {ctx.area.name}'s {high} neighbourhoods was {value:.1f} times that in "
            f"its {low} ones (95% interval {lower:.1f} to {upper:.1f})."
        )
    else:
        empty = [
            g.lower() for g, n in zip(r.frame["group"], r.frame["lsoas"], strict=True) if not n
        ]
        reading = (
            f"{ctx.area.name} has no {' or '.join(empty)} LSOAs: no rural to urban comparison."
            if empty
            else "No rural to urban rate ratio: a group has no offences."
        )
    return Table(
        URBAN_RURAL,
        f"Violence and sexual offences in urban and rural neighbourhoods, {ctx.area.name}, "
        f"{ctx.period.label}",
        frame,
        source_name(ctx, "police_uk_street") + "; " + rurality.SOURCE + "; " + r.denominator,
        ctx.not_applied,
        synthetic=r.synthetic,
        notes=(reading, *(c for c in r.caveats if c.startswith(("Offences recorded", "Urban")))),
        digits={RATE: 1, "Lower 95%": 1, "Upper 95%": 1, "Residents (Census 2021)": 0},
    )


def _repeat_table(ctx: Context, m) -> Table:
    r = where.repeat_locations(ctx.view, m, ctx.area.pfa_code, years=ctx.period.years, n=10)
    frame = pd.DataFrame(
        {
            "Rank": r.frame["rank"],
            "Location (police.uk snap point)": r.frame.get("location"),
            "Offences": r.frame["count"].astype("int64"),
            "Share of located offences (%)": 100 * r.frame["share"],
        }
    )
    return Table(
        REPEAT,
        f"The 10 most frequent locations of violence and sexual offences, {ctx.area.name}, "
        f"{ctx.period.label}",
        frame,
        source_name(ctx, m.source),
        ctx.not_applied,
        synthetic=r.synthetic,
        notes=tuple(c for c in r.caveats if c.startswith("A repeat location")),
        digits={"Share of located offences (%)": 2},
    )
