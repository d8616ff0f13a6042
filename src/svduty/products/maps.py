"""Maps for the products: small-area polygons from the warehouse's bundled ONS boundaries, drawn
with Altair's ``mark_geoshape`` and rendered offline by vl-convert.

Only area polygons are drawn (LSOAs, MSOAs, wards) and local authority outlines over them for
orientation: never points, so no map shows where an incident happened (every function here
refuses point and line geometries). The one exception is a numbered marker keyed to a table
(``markers``): it sits at a point inside an area's polygon (``representative_point``, chosen by
the shape alone), not at any event's location, and names the area, not an incident.

Size and simplification. The LSOA boundaries of Avon and Somerset have about 66,000 vertices;
drawn as they are, the force area makes a 1.2 MB SVG. Boundaries are therefore simplified as a
coverage (``shapely.coverage_simplify``, Visvalingam-Whyatt on shared edges, so neighbours still
meet without gaps or slivers and no area disappears) in British National Grid metres. By default
the tolerance is half a pixel of a map :data:`MAP_WIDTH` wide: 80 m for the whole force area
(112 km across; edges move by 80 m at the median, under 240 m for 99% of LSOAs), which leaves
about 34,000 vertices and an SVG of 0.68 MB (ceiling :data:`SVG_LIMIT_BYTES`, tested). Measured
here: the force-area choropleth builds in 0.2 s and renders (Altair's ``to_json`` and vl-convert)
in 0.8 s once vl-convert is warm; Somerset (327 LSOAs) 0.33 MB in 0.4 s. A single local
authority gets a finer tolerance because it is smaller (Bristol: 12 m).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from svduty.products.figure import COLOURS
from svduty.products.html import fmt_number

if TYPE_CHECKING:
    from svduty.products.area import Area
    from svduty.warehouse import Warehouse

__all__ = [
    "HOTSPOT_COLOURS",
    "LARGE_WIDTH",
    "LEVELS",
    "MAP_WIDTH",
    "SVG_LIMIT_BYTES",
    "Classes",
    "MapError",
    "boundaries",
    "choropleth",
    "class_key",
    "geojson",
    "hotspot_map",
    "quantile_classes",
]

MAP_WIDTH = 700
#: maps a reader has to find places on (the "where" of the assessment): the page's full width
LARGE_WIDTH = 960
# The tested ceiling for a map of the whole force area's LSOAs (tests/test_charts_maps.py).
SVG_LIMIT_BYTES = 1_000_000
WGS84 = "EPSG:4326"
BNG = "EPSG:27700"  # British National Grid: metres, for simplification and hatching
# Small-area levels of ref_boundary that carry the local authority of each area.
LEVELS = ("lsoa11", "lsoa21", "msoa11", "ward25", "ward24")
_ALIASES = {"lsoa": "lsoa11", "msoa": "msoa11", "ward": "ward25"}
# Coordinates in the chart data: 5 decimal places of a degree is about a metre.
_CHART_DECIMALS = 5
# Open data: 6 decimal places (about 10 cm), as RFC 7946 suggests.
_GEOJSON_GRID = 1e-6

# ColorBrewer sequential schemes (Cynthia Brewer, Apache 2.0), 3 to 7 classes.
_SCHEMES: dict[str, dict[int, tuple[str, ...]]] = {
    "blues": {
        3: ("#deebf7", "#9ecae1", "#3182bd"),
        4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
        5: ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
        6: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"),
        7: ("#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"),
    },
    "reds": {
        3: ("#fee0d2", "#fc9272", "#de2d26"),
        4: ("#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"),
        5: ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"),
        6: ("#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"),
        7: ("#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d"),
    },
    "purples": {
        3: ("#efedf5", "#bcbddc", "#756bb1"),
        4: ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#6a51a3"),
        5: ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"),
        6: ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f"),
        7: ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#807dba", "#6a51a3", "#4a1486"),
    },
    "greens": {
        3: ("#e5f5e0", "#a1d99b", "#31a354"),
        4: ("#edf8e9", "#bae4b3", "#74c476", "#238b45"),
        5: ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"),
        6: ("#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"),
        7: ("#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#005a32"),
    },
    "oranges": {
        3: ("#fee6ce", "#fdae6b", "#e6550d"),
        4: ("#feedde", "#fdbe85", "#fd8d3c", "#d94701"),
        5: ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603"),
        6: ("#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"),
        7: ("#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#8c2d04"),
    },
}
_MISSING_FILL = "#dee0e2"  # light grey, and hatched, so it reads as "no value", not a class
_HATCH_STROKE = COLOURS["grey"]
_HATCH_PIXELS = 5  # hatch line spacing on a map MAP_WIDTH wide

# Gi* classes, from the red/blue diverging convention (ColorBrewer RdBu). Hot spots are darker
# than cold spots of the same confidence, so every class has its own lightness (CIE L*, at least
# 8 apart) and the map still reads in greyscale. Two vocabularies: svduty's own
# (svduty.analysis.hotspots: hot, cold, not significant, no neighbours) and the confidence
# levels usual in GIS tools (hot spot 99% ... cold spot 99%). Legend order as listed.
HOTSPOT_COLOURS: dict[str, str] = {
    "hot spot 99%": "#67001f",  # L* 20
    "hot spot 95%": "#b2182b",  # 38
    "hot spot 90%": "#d6604d",  # 55
    "hot": "#b2182b",  # 38
    "cold": "#6baed6",  # 68
    "cold spot 99%": "#6baed6",  # 68
    "cold spot 95%": "#92c5de",  # 77
    "cold spot 90%": "#c6dbef",  # 87
    "not significant": "#f3f2f1",  # 96, GOV.UK light grey
    "no neighbours": "#cbcfd2",  # 83: an island, with no neighbourhood to test
}
_PERSISTENT_LABEL = "persistent hot spot"
# markers nearer than this on the map share one dot and one label
_MARKER_PIXELS = 30
# Square swatches with a grey edge, so the palest class still shows against the white page.
_LEGEND = {
    "orient": "bottom",
    "symbolType": "square",
    "symbolSize": 200,
    "symbolStrokeColor": COLOURS["grey"],
    "symbolStrokeWidth": 0.5,
}


class MapError(ValueError):
    """A map was asked for with data it cannot draw, or must not draw."""


# --- boundaries ---------------------------------------------------------------------------------

_CACHE: dict[tuple, gpd.GeoDataFrame] = {}


def boundaries(
    wh: Warehouse, area: Area, level: str = "lsoa11", simplify_m: float | None = None
) -> gpd.GeoDataFrame:
    """The small areas of ``area`` (its local authorities) at ``level``, simplified for maps.

    ``level`` is one of :data:`LEVELS` (``lsoa``, ``msoa`` and ``ward`` are accepted for
    ``lsoa11``, ``msoa11`` and ``ward25``); police.uk data carries 2011 LSOA codes. Returns
    ``code``, ``name``, ``la_code`` and ``geometry`` (WGS84), one row per area, ordered by code.
    ``simplify_m`` is the coverage simplification tolerance in metres: None picks half a pixel
    of a map :data:`MAP_WIDTH` wide, 0 keeps the boundaries as stored. Results are cached for the
    life of the process (per warehouse URL); each call returns its own copy.
    """
    level = _ALIASES.get(level, level)
    if level not in LEVELS:
        raise MapError(f"boundary level {level!r}: choose one of {', '.join(LEVELS)}")
    if simplify_m is not None and not (simplify_m >= 0 and math.isfinite(simplify_m)):
        raise MapError(f"simplify_m={simplify_m!r}: give a tolerance in metres (0 or more)")
    key = (wh.url, level, tuple(area.la_codes), simplify_m)
    if key not in _CACHE:
        _CACHE[key] = _read_boundaries(wh, area, level, simplify_m)
    return _CACHE[key].copy()


def _read_boundaries(
    wh: Warehouse, area: Area, level: str, simplify_m: float | None
) -> gpd.GeoDataFrame:
    if not wh.has_table("ref_boundary"):
        raise MapError(
            "the warehouse has no ref_boundary table: load the reference data first "
            "(svduty.warehouse.reference_load.load_reference, which `svduty demo` runs)"
        )
    t = wh.table("ref_boundary")
    frame = (
        t.filter((t.level == level) & t.la_code.isin(list(area.la_codes)))
        .select("code", "name", "la_code", "geometry_geojson")
        .order_by("code")
        .execute()
    )
    if frame.empty and level == "lsoa11":
        # a partnership outside Avon and Somerset has the national 2021 LSOAs only (police.uk
        # files carry 2021 codes from 2022 on; an LSOA unchanged since 2011 kept its code)
        frame = (
            t.filter((t.level == "lsoa21") & t.la_code.isin(list(area.la_codes)))
            .select("code", "name", "la_code", "geometry_geojson")
            .order_by("code")
            .execute()
        )
    if frame.empty:
        raise MapError(
            f"no {level} boundaries for {area.name} (local authorities {list(area.la_codes)}): "
            "svduty bundles LSOA and May 2024 ward boundaries for England and Wales (stored for "
            "a partnership's authorities by `svduty init`), and MSOA and May 2025 ward "
            "boundaries for Avon and Somerset only"
        )
    geometry = shapely.from_geojson(frame["geometry_geojson"].tolist())
    invalid = ~shapely.is_valid(geometry)
    if invalid.any():
        # a simplified national file can leave a self-crossing ring, which GEOS refuses to
        # dissolve into the authority outlines: repaired to polygons, slivers dropped
        geometry[invalid] = shapely.make_valid(
            geometry[invalid], method="structure", keep_collapsed=False
        )
    gdf = gpd.GeoDataFrame(
        frame[["code", "name", "la_code"]].reset_index(drop=True), geometry=geometry, crs=WGS84
    )
    metres = gdf.to_crs(BNG)
    tolerance = auto_tolerance(metres) if simplify_m is None else float(simplify_m)
    if tolerance > 0:
        metres["geometry"] = shapely.coverage_simplify(metres.geometry.to_numpy(), tolerance)
    out = metres.to_crs(WGS84)
    out.attrs["simplify_m"] = tolerance
    return out


def auto_tolerance(metres: gpd.GeoDataFrame, width: int = MAP_WIDTH) -> float:
    """Half a pixel, in metres, of a map ``width`` pixels wide of these shapes (BNG)."""
    x0, y0, x1, y1 = metres.total_bounds
    return round(max(x1 - x0, y1 - y0) / width / 2, 1)


# --- classes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Classes:
    """Quantile classes of a value: ``breaks`` (k + 1 edges, min to max), one label per class,
    and each row's label (``assigned``; rows with no value get the missing label)."""

    breaks: tuple[float, ...]
    labels: tuple[str, ...]
    assigned: pd.Series
    missing_label: str

    @property
    def counts(self) -> dict[str, int]:
        """Rows per class, in class order, then the missing class (if any row is missing)."""
        counts = self.assigned.value_counts()
        out = {label: int(counts.get(label, 0)) for label in self.labels}
        if self.missing_label in counts:
            out[self.missing_label] = int(counts[self.missing_label])
        return out


def quantile_classes(
    values, bins: int = 5, *, missing_label: str = "no rate", digits: int | None = None
) -> Classes:
    """Quantile classes with breaks at observed values, so that every class holds areas.

    The breaks are the values at the 1/k, 2/k, ... quantiles (numpy's "inverted_cdf": always an
    observed value), with the minimum and maximum as the outer edges. A class holds the values
    above its lower break up to and including its upper one (the first class includes the
    minimum too), and is labelled "a to b" (first) or "over a to b". Where ties make two breaks
    equal, the classes merge, so there may be fewer than ``bins`` classes, never an empty one.
    Values that are not numbers (None, NaN, suppression markers such as "[c]") get
    ``missing_label``. ``digits`` fixes the decimals of the labels (default: the fewest that keep
    the breaks apart, at least one for values under 10).
    """
    if not isinstance(bins, int) or not 2 <= bins <= 7:
        raise MapError(f"bins={bins!r}: use 2 to 7 classes (a reader can tell at most 7 apart)")
    numbers = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
    numbers[~np.isfinite(numbers)] = np.nan
    known = numbers.dropna().to_numpy()
    if known.size == 0:
        raise MapError("every value is missing: there is nothing to classify")
    inner = np.quantile(known, np.arange(1, bins) / bins, method="inverted_cdf")
    edges = np.unique(np.concatenate([[known.min()], inner, [known.max()]]))
    if edges.size == 1:  # every value the same: one class
        edges = np.array([edges[0], edges[0]])
    digits = _label_digits(edges) if digits is None else digits
    shown = [fmt_number(float(e), digits) for e in edges]
    labels = tuple(
        f"{shown[0]} to {shown[1]}" if i == 0 else f"over {shown[i]} to {shown[i + 1]}"
        for i in range(len(edges) - 1)
    )
    # right-closed classes: (e_i, e_{i+1}]; the minimum goes in the first class
    index = np.searchsorted(edges[1:-1], known, side="left")
    assigned = pd.Series(missing_label, index=numbers.index, dtype=object)
    assigned[numbers.notna()] = [labels[i] for i in index]
    return Classes(tuple(float(e) for e in edges), labels, assigned, missing_label)


def _class_colours(scheme: str, n: int) -> list[str]:
    """``n`` colours of ``scheme``, dark to the last; the near-white first colour of the
    (n + 1)-class scheme is left out where there is one, so no class fades into the page."""
    palettes = _SCHEMES[scheme]
    if n + 1 in palettes:
        return list(palettes[n + 1][1:])
    return list(palettes[max(n, min(palettes))][-n:])


def class_key(
    values, *, scheme: str = "blues", bins: int = 5, missing_label: str, digits: int | None = None
) -> tuple[Classes, list[str], str]:
    """The classes :func:`choropleth` shades ``values`` by, their colours and the missing fill:
    what an interactive map needs to colour areas exactly as the static one does."""
    classes = quantile_classes(values, bins, missing_label=missing_label, digits=digits)
    return classes, _class_colours(scheme, len(classes.labels)), _MISSING_FILL


def _label_digits(edges: np.ndarray) -> int:
    least = 1 if np.nanmax(np.abs(edges)) < 10 else 0
    for digits in range(least, 5):
        rounded = np.round(edges, digits)
        if np.unique(rounded).size == np.unique(edges).size:
            return digits
    return 4


# --- drawing ------------------------------------------------------------------------------------


def _polygons_wgs84(gdf: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """Check the frame holds area polygons only, in a known CRS; return it in WGS84."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise MapError(f"{what}: expected a GeoDataFrame (see maps.boundaries), got {type(gdf)}")
    if gdf.empty:
        raise MapError(f"{what}: no areas to draw")
    if gdf.crs is None:
        raise MapError(f"{what}: the GeoDataFrame has no CRS; set it (boundaries are EPSG:4326)")
    kinds = set(gdf.geometry.geom_type.dropna())
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        raise MapError(f"{what}: some rows have no geometry; drop them or fill them first")
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise MapError(
            f"{what}: only area polygons may be mapped, found {sorted(kinds)}; points would show "
            "where incidents happened. Count them into areas (LSOAs, wards, H3 cells) first."
        )
    return gdf.to_crs(WGS84) if gdf.crs != WGS84 else gdf


def _chart_data(gdf: gpd.GeoDataFrame, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Only the columns a layer uses, coordinates rounded, rings wound the way d3 expects.

    d3-geo works on the sphere and reads a clockwise exterior ring as the area inside it; the
    other winding would fill the rest of the globe.
    """
    geometry = shapely.orient_polygons(gdf.geometry.to_numpy(), exterior_cw=True)
    geometry = shapely.transform(geometry, lambda xy: np.round(xy, _CHART_DECIMALS))
    return gpd.GeoDataFrame(gdf[list(columns)].reset_index(drop=True), geometry=geometry, crs=WGS84)


def _size(gdf: gpd.GeoDataFrame, width: int) -> tuple[int, int]:
    """Width and height of a Mercator map of the shapes that leaves no empty band."""
    x0, y0, x1, y1 = gdf.total_bounds

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    aspect = (merc(y1) - merc(y0)) / max(math.radians(x1 - x0), 1e-12)
    return width, max(200, min(round(width * aspect), 2 * width))


def _outlines(gdf: gpd.GeoDataFrame) -> alt.Chart | None:
    """Local authority outlines (the areas dissolved by la_code), so a reader can orient."""
    if "la_code" not in gdf.columns or gdf["la_code"].isna().all():
        return None
    dissolved = gdf[["la_code", "geometry"]].dissolve(by="la_code", as_index=False)
    return (
        alt.Chart(_chart_data(dissolved, ["la_code"]))
        .mark_geoshape(filled=False, stroke=COLOURS["black"], strokeWidth=1.2, aria=False)
        .project("mercator")
    )


def _hatching(gdf: gpd.GeoDataFrame, width: int) -> alt.Chart | None:
    """Diagonal lines over ``gdf``'s polygons, about _HATCH_PIXELS apart on the map."""
    if gdf.empty:
        return None
    metres = gdf.to_crs(BNG)
    x0, y0, x1, y1 = metres.total_bounds
    shape = shapely.union_all(metres.geometry.to_numpy())
    step = max(x1 - x0, y1 - y0, 1.0) / width * _HATCH_PIXELS
    # lines at 45 degrees covering the bounding box of the shapes being hatched
    span = (x1 - x0) + (y1 - y0)
    starts = np.arange(x0 - (y1 - y0), x1 + step, step)
    lines = shapely.multilinestrings(
        [[(s, y0), (s + span, y0 + span)] for s in starts if s + span >= x0]
    )
    hatch = shapely.intersection(lines, shape)
    if hatch.is_empty:
        return None
    hatched = gpd.GeoDataFrame({"kind": ["hatch"]}, geometry=[hatch], crs=BNG).to_crs(WGS84)
    return (
        alt.Chart(hatched)
        .mark_geoshape(filled=False, stroke=_HATCH_STROKE, strokeWidth=0.6, aria=False)
        .project("mercator")
    )


def choropleth(
    gdf_with_values: gpd.GeoDataFrame,
    value: str,
    *,
    title: str | None = None,
    legend_title: str,
    scheme: str = "blues",
    bins: int = 5,
    missing_label: str = "no rate",
    digits: int | None = None,
    width: int = MAP_WIDTH,
    markers: pd.DataFrame | None = None,
) -> alt.LayerChart:
    """A map of areas shaded by quantile class of ``value`` (see :func:`quantile_classes`).

    ``gdf_with_values`` is :func:`boundaries` with the value merged on (a left merge, so areas
    without a value stay and are drawn hatched grey under ``missing_label``, which has its own
    legend entry). The legend lists the class breaks. Areas have thin white borders, local
    authorities black outlines (from ``la_code``). ``scheme`` is a ColorBrewer sequential
    scheme: blues, reds, purples, greens or oranges. ``title`` becomes the chart's description
    for assistive technology, not drawn: the figure's caption shows it.
    """
    gdf = _polygons_wgs84(gdf_with_values, "choropleth")
    if value not in gdf.columns:
        raise MapError(f"choropleth: no column {value!r}; columns are {list(gdf.columns)}")
    if scheme not in _SCHEMES:
        raise MapError(f"choropleth: scheme {scheme!r}; choose one of {', '.join(_SCHEMES)}")
    classes = quantile_classes(gdf[value], bins, missing_label=missing_label, digits=digits)
    palette = _class_colours(scheme, len(classes.labels))
    domain, colours = list(classes.labels), list(palette)
    missing = (classes.assigned == missing_label).to_numpy()
    if missing.any():
        domain.append(missing_label)
        colours.append(_MISSING_FILL)
    data = _chart_data(gdf.assign(_class=classes.assigned.to_numpy()), ["_class"])
    map_width, map_height = _size(gdf, width)
    thin = 0.25 if len(gdf) > 300 else 0.5
    areas = (
        alt.Chart(data)
        .mark_geoshape(stroke="white", strokeWidth=thin, aria=False)
        .encode(
            fill=alt.Fill(
                "_class:N",
                scale=alt.Scale(domain=domain, range=colours),
                sort=domain,
                legend=alt.Legend(title=legend_title, columns=3, labelLimit=220, **_LEGEND),
            )
        )
        .project("mercator")
    )
    layers = [areas]
    hatch = _hatching(gdf[missing], width) if missing.any() else None
    if hatch is not None:
        layers.append(hatch)
    outline = _outlines(gdf)
    if outline is not None:
        layers.append(outline)
    layers += _markers(gdf, markers, map_width)
    return alt.layer(*layers).properties(
        width=map_width, height=map_height, description=title or legend_title
    )


def hotspot_map(
    gdf: gpd.GeoDataFrame,
    category_column: str,
    *,
    title: str | None = None,
    persistent: str | None = None,
    legend_title: str = "Getis-Ord Gi*",
    colours: Mapping[str, str] | None = None,
    width: int = MAP_WIDTH,
    markers: pd.DataFrame | None = None,
    persistent_label: str = _PERSISTENT_LABEL,
) -> alt.LayerChart:
    """Hot and cold spots (Gi* classes) on area polygons.

    ``category_column`` holds svduty's classes (hot, cold, not significant, no neighbours) or
    the confidence classes of GIS tools ("hot spot 99%" ... "cold spot 90%"), in any case;
    :data:`HOTSPOT_COLOURS` gives red for hot and blue for cold, darker for hot, so the classes
    stay apart in greyscale. ``colours`` adds or overrides classes. ``persistent`` names a
    boolean column: those areas get a thick black outline and a legend entry (``persistent_label``).
    ``markers``: numbers keyed to a table (see :func:`_markers`). ``title`` becomes
    the chart's description for assistive technology (the figure caption shows it).
    """
    gdf = _polygons_wgs84(gdf, "hotspot_map")
    for column in (category_column, persistent):
        if column is not None and column not in gdf.columns:
            raise MapError(f"hotspot_map: no column {column!r}; columns are {list(gdf.columns)}")
    palette = {**HOTSPOT_COLOURS, **{k.lower(): v for k, v in (colours or {}).items()}}
    raw = gdf[category_column]
    if raw.isna().any():
        raise MapError("hotspot_map: some areas have no class; classify every area first")
    labels = raw.astype(str)
    unknown = sorted(set(labels.str.lower()) - set(palette))
    if unknown:
        raise MapError(
            f"hotspot_map: classes {unknown} have no colour; known: {', '.join(palette)}. "
            "Pass colours={class: '#rrggbb'}."
        )
    order = list(palette)  # legend in the palette's order, each spelling as in the data
    spelled = {label.lower(): label for label in labels}
    domain = [spelled[k] for k in order if k in spelled]
    data = _chart_data(gdf.assign(_class=labels.to_numpy()), ["_class"])
    map_width, map_height = _size(gdf, width)
    thin = 0.25 if len(gdf) > 300 else 0.5
    layers = [
        alt.Chart(data)
        .mark_geoshape(stroke="white", strokeWidth=thin, aria=False)
        .encode(
            fill=alt.Fill(
                "_class:N",
                scale=alt.Scale(domain=domain, range=[palette[k.lower()] for k in domain]),
                sort=domain,
                legend=alt.Legend(title=legend_title, columns=4, **_LEGEND),
            )
        )
        .project("mercator")
    ]
    outline = _outlines(gdf)
    if outline is not None:
        layers.append(outline)
    if persistent is not None:
        flagged = gdf[gdf[persistent].fillna(False).astype(bool)]
        if not flagged.empty:
            marked = _chart_data(flagged.assign(_mark=persistent_label), ["_mark"])
            layers.append(
                alt.Chart(marked)
                .mark_geoshape(filled=False, strokeWidth=2.5, aria=False)
                .encode(
                    stroke=alt.Stroke(
                        "_mark:N",
                        scale=alt.Scale(domain=[persistent_label], range=[COLOURS["black"]]),
                        legend=alt.Legend(
                            title=None, orient="bottom", symbolStrokeWidth=2.5, labelLimit=400
                        ),
                    )
                )
                .project("mercator")
            )
    layers += _markers(gdf, markers, map_width)
    return (
        alt.layer(*layers)
        .resolve_scale(fill="independent", stroke="independent")
        .properties(width=map_width, height=map_height, description=title or legend_title)
    )


def _markers(gdf: gpd.GeoDataFrame, markers: pd.DataFrame | None, width: int) -> list[alt.Chart]:
    """Numbers keyed to a table, with a place name, at the areas they number.

    ``markers`` has ``code`` (an area of ``gdf``), ``number`` (the area's rank in the table
    beside the map) and optionally ``label`` (a ward or town name). Each marker sits at the
    representative point of its area's polygon; markers closer than :data:`_MARKER_PIXELS` on
    the map (the town-centre LSOAs of one town) share one dot, their numbers joined ("2, 6, 9")
    and the label of the first, so no number hides another. The text has a white halo so it
    reads over any fill.
    """
    if markers is None or markers.empty:
        return []
    missing = sorted(set(markers["code"]) - set(gdf["code"]))
    if missing:
        raise MapError(f"markers: area(s) {missing[:5]} are not on the map")
    shapes = gdf.set_index("code").loc[list(markers["code"])].geometry.to_crs(BNG)
    points = shapes.representative_point()
    x0, y0, x1, y1 = gdf.to_crs(BNG).total_bounds
    near = _MARKER_PIXELS * max(x1 - x0, y1 - y0, 1.0) / width
    labels = markers["label"].tolist() if "label" in markers else [None] * len(markers)
    groups: list[dict] = []
    for number, label, point in zip(markers["number"], labels, points, strict=True):
        for group in groups:
            if group["point"].distance(point) <= near:
                group["numbers"].append(str(number))
                break
        else:
            groups.append({"point": point, "numbers": [str(number)], "label": label})
    anchors = gpd.GeoSeries([g["point"] for g in groups], crs=BNG).to_crs(WGS84)
    data = pd.DataFrame(
        {
            "text": [
                ", ".join(g["numbers"]) + (f"  {g['label']}" if g["label"] else "") for g in groups
            ],
            "longitude": np.round(anchors.x.to_numpy(), _CHART_DECIMALS),
            "latitude": np.round(anchors.y.to_numpy(), _CHART_DECIMALS),
        }
    )
    where = {"longitude": "longitude:Q", "latitude": "latitude:Q"}
    base = alt.Chart(data).project("mercator")
    text = {"align": "left", "dx": 7, "fontSize": 12, "fontWeight": "bold", "aria": False}
    return [
        base.mark_circle(
            size=50, color=COLOURS["black"], opacity=1, stroke="white", strokeWidth=1.5, aria=False
        ).encode(**where),
        base.mark_text(stroke="white", strokeWidth=3.5, **text).encode(text="text:N", **where),
        base.mark_text(color=COLOURS["black"], **text).encode(text="text:N", **where),
    ]


# --- open data ----------------------------------------------------------------------------------


def geojson(gdf_with_values: gpd.GeoDataFrame, properties: Sequence[str] | None = None) -> dict:
    """A GeoJSON FeatureCollection (RFC 7946: WGS84, exterior rings anticlockwise) for download.

    ``properties`` are the columns to publish (default: every column but the geometry), in
    that order; nothing else goes out. Missing values become null, numpy numbers plain numbers.
    Coordinates are snapped to 6 decimal places (about 10 cm) keeping every shape valid. The
    values must already have passed ``svduty.privacy.disclosure``: this function publishes what
    it is given.
    """
    gdf = _polygons_wgs84(gdf_with_values, "geojson")
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    if properties is not None:
        unknown = [p for p in properties if p not in columns]
        if unknown:
            raise MapError(f"geojson: no column(s) {unknown}; columns are {columns}")
        columns = list(properties)
    geometry = shapely.set_precision(gdf.geometry.to_numpy(), _GEOJSON_GRID)
    geometry = shapely.orient_polygons(geometry, exterior_cw=False)
    features = []
    for row, shape in zip(gdf[columns].itertuples(index=False), geometry, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {c: _plain(v) for c, v in zip(columns, row, strict=True)},
                "geometry": json.loads(shapely.to_geojson(shape)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _plain(value):
    """A JSON-ready property value: None for missing, Python numbers for numpy ones."""
    if value is None:
        return None
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
