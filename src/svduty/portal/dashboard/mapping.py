"""The maps page: rates by LSOA and Gi* hotspots of a measure in an area and a year, with
their data tables (exact counts: the portal is internal, nothing here is published)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd

from svduty.analysis.evidence import where
from svduty.analysis.hotspots import COLD, HOT
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import SYNTHETIC_NOTE
from svduty.portal.dashboard import results
from svduty.portal.dashboard.caching import DATA, VIEWS, key
from svduty.portal.dashboard.configured import catalogue
from svduty.portal.dashboard.trends import LOWER, UPPER
from svduty.portal.dashboard.wording import SOURCE_NAMES, table_cells
from svduty.products import maps
from svduty.products.area import Area
from svduty.products.assessment.build import PERMUTATIONS
from svduty.products.figure import Figure
from svduty.products.html import fmt_number
from svduty.reference.population import denominator
from svduty.settings import Config
from svduty.warehouse import Warehouse

__all__ = ["MapView", "map_features", "map_view", "map_years", "mappable", "opening_year"]


def mappable(cfg: Config | None = None) -> list[Measure]:
    """The measures whose rows carry an LSOA, so they can be mapped."""
    return [m for m in catalogue(cfg).measures if m.source in results.PLACED_SOURCES]


def map_years(wh: Warehouse, version, area: Area, measure: Measure) -> list[tuple[int, int]]:
    """(year, months covered) of every calendar year the measure's source has data for."""
    months = pd.Series([int(m[:4]) for m in results.months(wh, version, measure, area.pfa_code)])
    return sorted((int(y), int(n)) for y, n in months.value_counts().items())


def opening_year(years: list[tuple[int, int]]) -> int | None:
    """The year a map opens on: the latest whole calendar year, else the latest year held."""
    whole = [y for y, n in years if n == 12]
    return whole[-1] if whole else (years[-1][0] if years else None)


@dataclass(frozen=True)
class MapView:
    """The maps of one measure, area and year: rates by LSOA and Gi* hotspots, with the data."""

    measure: Measure
    area: Area
    year: int
    rates: Figure
    hotspots: Figure | None
    rates_cells: dict
    hotspot_cells: dict | None
    not_placed: dict[str, int]
    synthetic: bool


def map_view(wh: Warehouse, version, area: Area, measure: Measure, year: int) -> MapView:
    """The choropleth (where.area_rates at LSOA level) and the hotspot map (Gi* across the whole
    force area, so an LSOA on a border has its real neighbours, shown for the chosen area)."""

    def make() -> MapView:
        counts = results.counts(wh, version, measure, area.pfa_code, year)
        rates = where.area_rates(wh, measure, area.pfa_code, "lsoa", counts=counts)
        frame = rates.frame[rates.frame["la_code"].isin(area.la_codes)].reset_index(drop=True)
        bounds = maps.boundaries(wh, area, "lsoa11")
        yearly = DATA.get(
            key(wh, version.of(measure), "hotspots", repr(measure), area.pfa_code, year),
            lambda: where.lsoa_hotspots_by_year(
                wh, measure, area.pfa_code, counts=counts, permutations=PERMUTATIONS
            ),
        )
        classes = yearly.by_year.get(year)
        rate_figure, table = _rates_figure(measure, area, year, rates, frame, bounds, classes)
        hot_figure = hot_cells = None
        if classes is not None:
            hot_figure = _hotspot_figure(measure, area, year, yearly, frame, bounds, classes)
            hot_cells = table_cells(hot_figure.table, {"Gi* z-score": 2, "q value": 4})
        digits = {_map_rate(measure): 2, LOWER: 2, UPPER: 2}
        with ThreadPoolExecutor(max_workers=2) as pool:
            rate_figure, hot_figure = pool.map(
                lambda f: f.drawn() if f else None, [rate_figure, hot_figure]
            )
        return MapView(
            measure, area, year, rate_figure, hot_figure, table_cells(table, digits),
            hot_cells, rates.not_placed_by_category(), rates.synthetic,
        )  # fmt: skip

    return VIEWS.get(key(wh, version.of(measure), "map", area.id, repr(measure), year), make)


def map_features(wh: Warehouse, view: MapView) -> dict:
    """The view's LSOAs as a GeoJSON FeatureCollection for the interactive map (WGS84, the
    boundaries simplified as for the static map): each LSOA's code, name, ward and local
    authority, and the figures of the page's tables (count, rate and its interval, hotspot
    class). A figure the tables do not hold is null, never zero."""
    table = view.rates.table.set_index("LSOA")
    rate = next((c for c in table.columns if c.startswith("Rate per ")), None)
    hot = view.hotspots.table.set_index("LSOA")["Class"] if view.hotspots else None
    bounds = maps.boundaries(wh, view.area, "lsoa11")
    features = []
    for code, name, la_code, geometry in zip(
        bounds["code"], bounds["name"], bounds["la_code"], bounds.geometry, strict=True
    ):
        row = table.loc[code] if code in table.index else None

        def figure(column, row=row):
            value = None if row is None or column is None else row[column]
            return None if value is None or pd.isna(value) else float(value)

        properties = {
            "code": code,
            "name": name if row is None else row["Name"],
            "ward": None if row is None else row["Ward (2019)"],
            "la_code": la_code,
            "la": None if row is None else row["Local authority"],
            "count": figure("Count"),
            "rate": figure(rate),
            "lower_95": figure(LOWER),
            "upper_95": figure(UPPER),
            "hotspot": None if hot is None else hot.get(code),
        }
        features.append(
            {"type": "Feature", "properties": properties, "geometry": geometry.__geo_interface__}
        )
    return {
        "type": "FeatureCollection",
        "rate_title": rate,
        "synthetic": view.synthetic,
        "features": features,
    }


def _map_rate(m: Measure) -> str:
    # where.area_rates: per the measure's multiplier of residents (the LSOA denominator), per year
    return f"Rate per {m.multiplier:,} residents per year"


def _rates_figure(m: Measure, area: Area, year: int, rates, frame, bounds, classes):
    has_rates = bool(frame["rate"].notna().any())
    rate = _map_rate(m)
    table = pd.DataFrame(
        {
            "LSOA": frame["area_code"],
            "Name": frame["area_name"],
            "Ward (2019)": frame["ward_name"],
            "Local authority": frame["la_name"],
            "Count": frame["count"].astype("int64"),
            f"Residents ({denominator('lsoa').label})": frame["population"],
            rate: frame["rate"],
            LOWER: frame["lower_95"],
            UPPER: frame["upper_95"],
            "Fewer than 10 events": frame["unstable"].map({True: "yes", False: "no"}),
        }
    )
    if classes is not None:
        table[f"Hotspot {year}"] = (
            table["LSOA"].map(classes.set_index("lsoa_code")["classification"]).fillna("not tested")
        )
    value = rate if has_rates else "Count"
    gdf = bounds.merge(table[["LSOA", value]], left_on="code", right_on="LSOA", how="left")
    shaded = table.dropna(subset=[value]).sort_values(value)
    unit = f"rates {rate.removeprefix('Rate ')}" if has_rates else "counts"
    alt_text = f"Across the {len(table):,} LSOAs of {area.name} in {year}, {unit} of {m.title}"
    if len(shaded):
        low, high = shaded.iloc[0], shaded.iloc[-1]
        digits = 2 if has_rates else 0
        alt_text += (
            f" ranged from {fmt_number(low[value], digits)} ({low['Name']}) to "
            f"{fmt_number(high[value], digits)} ({high['Name']})."
        )
    else:
        alt_text += ": there are none to show."
    not_placed = sum(rates.not_placed_by_category().values())
    if not_placed:
        alt_text += (
            f" {not_placed:,} events across the force area had no location in it and are not "
            "mapped."
        )
    legend = rate if has_rates else f"Count, {year}"
    figure = Figure(
        id="fig-map-rates",
        title=f"{m.title}: {'rates' if has_rates else 'counts'} by LSOA, {area.name}, {year}",
        alt=alt_text,
        table=table,
        source=SOURCE_NAMES[m.source]
        + ("; " + rates.denominator if has_rates and rates.denominator else "")
        + (" - SYNTHETIC data made by svduty synth, not real records" if rates.synthetic else ""),
        chart=maps.choropleth(gdf, value, title=alt_text, legend_title=legend)
        if len(shaded)
        else None,
        definition_version=rates.definition_version,
        synthetic=rates.synthetic,
        notes=tuple(c for c in rates.caveats if c != SYNTHETIC_NOTE),
    )
    return figure, table


def _hotspot_figure(m: Measure, area: Area, year: int, yearly, frame, bounds, classes):
    by_code = classes.set_index("lsoa_code")
    gdf = bounds.copy()
    gdf["Hotspot"] = gdf["code"].map(by_code["classification"]).fillna("not tested")
    names = frame.set_index("area_code")["area_name"]
    table = pd.DataFrame(
        {
            "LSOA": gdf["code"],
            "Name": gdf["code"].map(names).fillna(gdf["name"]),
            "Count": gdf["code"].map(by_code["count"]).fillna(0).astype("int64"),
            "Gi* z-score": gdf["code"].map(by_code["z"]).astype(float),
            "q value": gdf["code"].map(by_code["q_value"]).astype(float),
            "Class": gdf["Hotspot"],
        }
    )
    hot = int((gdf["Hotspot"] == HOT).sum())
    cold = int((gdf["Hotspot"] == COLD).sum())
    whole = classes["classification"].value_counts()
    alt_text = (
        f"Gi* hotspots of {m.title} in {area.name}, {year}: {hot:,} hot and {cold:,} cold LSOAs of "
        f"{len(gdf):,} (across the force area: {int(whole.get(HOT, 0)):,} hot, "
        f"{int(whole.get(COLD, 0)):,} cold)."
    )
    settings_ = yearly.settings
    return Figure(
        id="fig-map-hotspots",
        title=f"{m.title}: Gi* hotspots by LSOA, {area.name}, {year}",
        alt=alt_text,
        table=table,
        source=SOURCE_NAMES[m.source]
        + (" - SYNTHETIC data made by svduty synth, not real records" if yearly.synthetic else ""),
        chart=maps.hotspot_map(gdf, "Hotspot", title=alt_text, colours={"not tested": "#ffffff"}),
        definition_version=yearly.definition_version,
        synthetic=yearly.synthetic,
        notes=(
            f"Getis-Ord Gi* on counts per LSOA across the whole force area, queen contiguity, "
            f"{settings_['permutations']:,} permutations (seed {settings_['seed']}), "
            f"Benjamini-Hochberg false discovery rate at {settings_['alpha']}.",
            *[c for c in yearly.caveats if c.startswith(("Gi*", "Years covered"))],
        ),
    )
