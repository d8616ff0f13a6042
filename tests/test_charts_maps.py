"""The products' chart builders and maps: the Vega-Lite specs carry the encodings asked for, the
SVGs render with one mark per bar or area, boundaries match the ONS lookup (read directly, not
through the code under test), quantile classes are never empty and cover the data, missing
values are drawn and labelled as such, maps refuse points, and the GeoJSON download round-trips.
"""

from __future__ import annotations

import json
import math
import re
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import vl_convert

from svduty import partnership, reference
from svduty.analysis.stats import funnel as funnel_stats
from svduty.products import charts, maps
from svduty.products.area import Area, areas
from svduty.products.figure import Figure
from svduty.warehouse import connect

PFA = "E23000036"  # Avon and Somerset
SOMERSET = "E06000066"


def svg_of(chart, id="f") -> str:
    return Figure(
        id=id,
        title="A chart",
        alt="What it shows.",
        table=pd.DataFrame(),
        source="Test",
        chart=chart,
    ).svg


def layers(chart) -> list[dict]:
    spec = chart.to_dict()
    return spec.get("layer", [spec])


def mark_of(layer: dict) -> str:
    mark = layer["mark"]
    return mark["type"] if isinstance(mark, dict) else mark


def group_paths(svg: str, name: str) -> int:
    """``<path`` elements inside the SVG group of one Vega mark (e.g. "layer_0_marks")."""
    body = svg.split(f'class="mark-shape role-mark {name}"', 1)[1]
    return body.split('<g class="mark-', 1)[0].count("<path")


def lightness(hex_colour: str) -> float:
    """CIE L* of an sRGB colour (D65), 0 black to 100 white."""
    rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    y = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ref():
    """The two reference tables the maps need, built from the bundled files."""
    return {name: reference.build(name) for name in ("ref_boundary", "ref_lsoa")}


@pytest.fixture(scope="module")
def wh(tmp_path_factory, ref):
    warehouse = connect(f"duckdb:///{tmp_path_factory.mktemp('maps') / 'w.duckdb'}")
    for name, table in ref.items():
        warehouse.replace_table(name, table)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def by_id():
    return {a.id: a for a in areas(partnership.load())}


@pytest.fixture(scope="module")
def lookup(ref):
    """2011 LSOA codes per current local authority and for the force area, from ref_lsoa."""
    lsoa = ref["ref_lsoa"].to_pandas()
    lsoa = lsoa[lsoa["in_2011"]]
    return {
        "force": set(lsoa.loc[lsoa["pfa_code"] == PFA, "lsoa_code"]),
        "somerset": set(lsoa.loc[lsoa["la_code"] == SOMERSET, "lsoa_code"]),
    }


@pytest.fixture(scope="module")
def raw_lsoa(ref):
    """The stored (unsimplified) 2011 LSOA shapes, parsed here with shapely."""
    b = ref["ref_boundary"].to_pandas()
    b = b[b["level"] == "lsoa11"]
    return dict(zip(b["code"], shapely.from_geojson(b["geometry_geojson"].tolist()), strict=True))


@pytest.fixture(scope="module")
def force_map(wh, by_id):
    gdf = maps.boundaries(wh, by_id["avon-and-somerset"])
    rng = np.random.default_rng(7)
    gdf["rate"] = rng.gamma(2.0, 10.0, len(gdf))
    gdf.loc[rng.choice(len(gdf), 25, replace=False), "rate"] = np.nan
    return gdf


# --- charts: specs ------------------------------------------------------------------------------

YEARS = pd.DataFrame(
    {
        "year": [2019, 2020, 2021, 2022, 2023] * 2,
        "area": ["Somerset"] * 5 + ["Bristol"] * 5,
        "rate": [5.0, 6, 7, 6, 5, 9, 10, 12, 11, 10],
    }
).assign(lo=lambda f: f.rate - 1, hi=lambda f: f.rate + 1)
MONTHLY = pd.DataFrame(
    {"month": pd.date_range("2021-01-01", periods=36, freq="MS"), "n": np.arange(36) + 50.0}
).assign(lo=lambda f: f.n - 5, hi=lambda f: f.n + 5)
LAS = pd.DataFrame(
    {
        "la": [
            "Bristol, City of",
            "Bath and North East Somerset",
            "North Somerset",
            "South Gloucestershire",
            "Somerset",
        ],
        "rate": [20.0, 8, 11, 9, 10.5],
    }
).assign(lo=lambda f: f.rate * 0.9, hi=lambda f: f.rate * 1.1)


def interval_layers(chart, lower, upper):
    return [
        layer
        for layer in layers(chart)
        if layer["encoding"].get("y", {}).get("field") == lower
        and layer["encoding"].get("y2", {}).get("field") == upper
    ]


def test_trend_draws_error_bars_for_few_years_and_a_band_for_many_months():
    few = charts.trend(
        YEARS,
        "year",
        "rate",
        lower="lo",
        upper="hi",
        series="area",
        y_title="Rate per 1,000",
        x_title="Year",
    )
    many = charts.trend(
        MONTHLY, "month", "n", lower="lo", upper="hi", y_title="Offences", x_title="Month"
    )
    assert [mark_of(x) for x in interval_layers(few, "lo", "hi")] == ["errorbar"]
    assert [mark_of(x) for x in interval_layers(many, "lo", "hi")] == ["area"]
    assert many.to_dict()["layer"][1]["encoding"]["x"]["type"] == "temporal"
    forced = charts.trend(
        YEARS,
        "year",
        "rate",
        lower="lo",
        upper="hi",
        series="area",
        y_title="r",
        x_title="y",
        interval="band",
    )
    assert [mark_of(x) for x in interval_layers(forced, "lo", "hi")] == ["area"]


@pytest.mark.parametrize("x", [["2019/20", "2020/21", "2021/22"], [2019, 2020, 2021]])
def test_error_bar_ends_are_short_ticks_centred_on_their_bar_on_any_x_axis(x):
    # On a label axis (financial years) Vega-Lite draws error-bar ticks three quarters of a
    # band wide unless told otherwise: 150 px caps that run into each other.
    frame = pd.DataFrame({"fy": x, "v": [10, 12, 11], "lo": [8, 10, 9], "hi": [12, 14, 13]})
    svg = svg_of(charts.trend(frame, "fy", "v", lower="lo", upper="hi", y_title="r", x_title="y"))
    ticks = [
        (float(left), float(width))
        for left, width in re.findall(r'<path d="M([-\d.]+),[-\d.]+h([\d.]+)v1\.5h', svg)
    ]
    bars = re.findall(r'aria-roledescription="errorbar" transform="translate\(([-\d.]+),', svg)
    assert len(ticks) == 2 * len(x)  # a cap at each end of each bar
    assert all(width <= 12 for _, width in ticks), ticks
    centres = sorted({round(left + width / 2, 1) for left, width in ticks})
    assert len(centres) == len(x)
    assert len(bars) == len(x)
    assert centres == sorted(round(float(b), 1) for b in bars)  # each cap centred on its bar


def test_trend_series_differ_by_shape_and_dash_not_only_colour():
    spec = charts.trend(
        YEARS, "year", "rate", series="area", y_title="Rate per 1,000", x_title="Year", zero=False
    ).to_dict()
    line = next(x for x in spec["layer"] if mark_of(x) == "line")
    point = next(x for x in spec["layer"] if mark_of(x) == "point")
    for layer, channel in ((line, "strokeDash"), (point, "shape")):
        enc = layer["encoding"][channel]
        assert enc["field"] == "area"
        assert len({json.dumps(v) for v in enc["scale"]["range"]}) == 2  # two series, two styles
    assert line["encoding"]["y"]["axis"]["title"] == "Rate per 1,000"
    assert line["encoding"]["x"]["axis"]["title"] == "Year"
    assert line["encoding"]["y"]["scale"]["zero"] is False


def test_trend_and_bars_refuse_half_an_interval_and_unknown_columns():
    with pytest.raises(charts.ChartError, match="both lower and upper"):
        charts.trend(YEARS, "year", "rate", lower="lo", y_title="r", x_title="y")
    with pytest.raises(charts.ChartError, match=r"no column\(s\) \['nope'\]"):
        charts.bars(LAS, "la", "nope", value_title="v")
    with pytest.raises(charts.ChartError, match="highlight"):
        charts.bars(LAS, "la", "rate", value_title="v", highlight="Devon")


def test_horizontal_bars_put_areas_on_y_with_error_bars_highlight_and_reference():
    chart = charts.bars(
        LAS,
        "la",
        "rate",
        lower="lo",
        upper="hi",
        value_title="Rate per 1,000",
        sort="descending",
        highlight="Somerset",
        reference=(12.3, "England and Wales"),
    )
    spec = chart.to_dict()
    bar = next(x for x in spec["layer"] if mark_of(x) == "bar")
    assert bar["encoding"]["y"]["field"] == "la" and bar["encoding"]["x"]["field"] == "rate"
    # sorted by value, largest first: computed here with sorted()
    expected = [la for _, la in sorted(zip(LAS.rate, LAS.la, strict=True), reverse=True)]
    assert bar["encoding"]["y"]["sort"] == expected
    assert "Somerset" in bar["encoding"]["color"]["condition"]["test"]
    assert bar["encoding"]["color"]["condition"]["value"] != bar["encoding"]["color"]["value"]
    assert bar["encoding"]["y"]["axis"]["labelFontWeight"]["condition"]["value"] == "bold"
    errorbar = next(x for x in spec["layer"] if mark_of(x) == "errorbar")
    assert (errorbar["encoding"]["x"]["field"], errorbar["encoding"]["x2"]["field"]) == ("lo", "hi")
    rule = next(x for x in spec["layer"] if mark_of(x) == "rule")
    data = spec["datasets"][rule["data"]["name"]]
    assert data[0]["value"] == 12.3 and "England and Wales" in data[0]["label"]


def test_vertical_bars_put_categories_on_x():
    bar = next(
        x
        for x in layers(charts.bars(LAS, "la", "rate", horizontal=False, value_title="Rate"))
        if mark_of(x) == "bar"
    )
    assert bar["encoding"]["x"]["field"] == "la" and bar["encoding"]["y"]["field"] == "rate"
    assert bar["encoding"]["x"]["sort"] == LAS.la.tolist()  # the frame's order by default


def test_stacked_share_normalises_and_keeps_the_part_order_in_stack_and_legend():
    mix = pd.DataFrame(
        [(a, o, n) for a in ("Bristol", "Somerset") for o, n in (("Robbery", 3), ("Violence", 7))],
        columns=["area", "offence", "n"],
    )
    spec = charts.stacked_share(
        mix, "area", "offence", "n", value_title="Share", part_order=["Violence", "Robbery"]
    ).to_dict()
    assert spec["encoding"]["x"]["stack"] == "normalize"
    assert spec["encoding"]["x"]["axis"]["format"] == ".0%"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Violence", "Robbery"]
    rows = spec["datasets"][spec["data"]["name"]]
    assert {(r["offence"], r["_part_order"]) for r in rows} == {("Violence", 0), ("Robbery", 1)}
    assert spec["encoding"]["order"]["field"] == "_part_order"


def test_heatmap_orders_days_and_hours():
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    frame = pd.DataFrame(
        [(d, h, 1.0) for d in reversed(days) for h in range(23, -1, -1)],
        columns=["day", "hour", "n"],
    )
    spec = charts.heatmap(
        frame,
        "hour",
        "day",
        "n",
        x_title="Hour",
        y_title="Day",
        value_title="Offences",
        y_sort=days,
    ).to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["x"]["sort"] == list(range(24))
    assert spec["encoding"]["y"]["sort"] == days
    assert spec["encoding"]["color"]["type"] == "quantitative"


def test_seasonal_orders_months_january_first_whatever_their_spelling():
    months = ["March", "jan", "2023-02-01", 12, 4, 5, 6, 7, 8, 9, 10, "Nov"]
    frame = pd.DataFrame({"m": months, "n": np.arange(12) + 1.0})
    spec = charts.seasonal(frame, "m", "n", value_title="Offences").to_dict()
    line = next(x for x in spec["layer"] if mark_of(x) == "line")
    assert line["encoding"]["x"]["sort"] == [
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ]
    rows = spec["datasets"][line["data"]["name"]] if "data" in line else None
    rows = rows or spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert {r["m"]: r["_month"] for r in rows}["March"] == "Mar"
    assert {r["_month"] for r in rows} == set(charts.MONTHS)
    rule = next(x for x in spec["layer"] if mark_of(x) == "rule")
    assert spec["datasets"][rule["data"]["name"]][0]["mean"] == pytest.approx(6.5)
    with pytest.raises(charts.ChartError, match="more than once"):
        charts.seasonal(pd.DataFrame({"m": [1, 1], "n": [1, 2]}), "m", "n", value_title="x")
    with pytest.raises(charts.ChartError, match="1 to 12"):
        charts.month_number(13)


def test_funnel_marks_the_areas_beyond_the_drawn_99_8_limits():
    num = np.array([10, 44, 150, 30, 60])
    den = np.array([100, 400, 600, 300, 500])
    limits = funnel_stats.proportion_funnel_limits(num, den)
    frame = pd.DataFrame({"area": list("ABCDE"), "pop": den, "pct": 100 * num / den})
    chart = charts.funnel(
        frame,
        "pop",
        "pct",
        limits=limits,
        target=100 * num.sum() / den.sum(),
        label="area",
        x_title="Population",
        y_title="Per cent",
    )
    spec = chart.to_dict()
    point = next(x for x in spec["layer"] if mark_of(x) == "point")
    rows = {r["area"]: r["_outside"] for r in spec["datasets"][point["data"]["name"]]}
    # independently: each area against the 3-sigma limit at its own population
    for area, n, d in zip("ABCDE", num, den, strict=True):
        at = funnel_stats.proportion_control_limits([d], num.sum() / den.sum())
        outside = not (at.lower_3s_limit[0] <= 100 * n / d <= at.upper_3s_limit[0])
        assert rows[area] == outside, area
    assert any(rows.values()) and not all(rows.values())


def test_every_chart_renders_to_labelled_svg_with_one_mark_per_datum():
    bars_svg = svg_of(charts.bars(LAS, "la", "rate", lower="lo", upper="hi", value_title="v"))
    assert 'role="img"' in bars_svg and 'aria-labelledby="f-alt"' in bars_svg
    assert bars_svg.count('aria-roledescription="bar"') == len(LAS)
    assert bars_svg.count('aria-roledescription="errorbar"') == len(LAS)
    trend_svg = svg_of(
        charts.trend(
            YEARS, "year", "rate", lower="lo", upper="hi", series="area", y_title="r", x_title="y"
        )
    )
    assert trend_svg.count('aria-roledescription="point"') == len(YEARS)
    for chart in (
        charts.trend(MONTHLY, "month", "n", lower="lo", upper="hi", y_title="n", x_title="m"),
        charts.seasonal(
            pd.DataFrame({"m": range(1, 13), "n": range(12)}), "m", "n", value_title="n"
        ),
        charts.heatmap(
            pd.DataFrame({"d": ["Mon", "Tue"], "h": [0, 1], "n": [1, 2]}),
            "h",
            "d",
            "n",
            x_title="h",
            y_title="d",
            value_title="n",
        ),
    ):
        assert svg_of(chart).startswith("<svg")


# --- maps: boundaries ---------------------------------------------------------------------------


def test_boundaries_are_the_lsoas_of_the_lookup_and_somerset_is_part_of_the_force(
    wh, by_id, lookup
):
    force = maps.boundaries(wh, by_id["avon-and-somerset"])
    somerset = maps.boundaries(wh, by_id["somerset"])
    assert list(force.columns) == ["code", "name", "la_code", "geometry"]
    assert force.crs == "EPSG:4326"
    assert set(force["code"]) == lookup["force"] and len(force) == len(lookup["force"])
    assert set(somerset["code"]) == lookup["somerset"] and len(somerset) == len(lookup["somerset"])
    assert set(somerset["code"]) < set(force["code"])
    assert set(somerset["la_code"]) == {SOMERSET}


def test_simplified_boundaries_keep_every_area_and_its_shape(wh, by_id, raw_lsoa):
    gdf = maps.boundaries(wh, by_id["avon-and-somerset"])
    tolerance = gdf.attrs["simplify_m"]
    assert 40 < tolerance < 120  # half a pixel of 700 for a force area about 110 km across
    raw = gpd.GeoSeries([raw_lsoa[c] for c in gdf["code"]], crs="EPSG:4326").to_crs(27700)
    simple = gdf.geometry.to_crs(27700)
    assert not simple.is_empty.any()
    assert shapely.get_num_coordinates(simple.values).sum() < 0.7 * (
        shapely.get_num_coordinates(raw.values).sum()
    )
    # each area keeps its size; edges move by a pixel or two (a pixel is 2 tolerances), bar a
    # few thin spikes (an inlet, a road) that Visvalingam-Whyatt drops because they enclose
    # little area
    ratio = simple.area.to_numpy() / raw.area.to_numpy()
    assert np.median(np.abs(ratio - 1)) < 0.02
    moved = shapely.hausdorff_distance(simple.values, raw.values)
    assert np.percentile(moved, 99) < 4 * tolerance and moved.max() < 1000
    # neighbours still meet: no overlaps (sum of areas = area of union) and no new gaps
    union = shapely.union_all(simple.values)
    assert simple.area.sum() == pytest.approx(union.area, rel=1e-4)
    assert union.area == pytest.approx(shapely.union_all(raw.values).area, rel=1e-3)


def test_boundaries_are_cached_but_each_caller_gets_its_own_copy(wh, by_id):
    first = maps.boundaries(wh, by_id["bristol"], simplify_m=0)
    first["code"] = "changed"
    second = maps.boundaries(wh, by_id["bristol"], simplify_m=0)
    assert "changed" not in set(second["code"])
    started = time.perf_counter()
    maps.boundaries(wh, by_id["bristol"], simplify_m=0)
    assert time.perf_counter() - started < 0.1


def test_boundaries_explain_a_wrong_level_or_an_area_with_no_boundaries(wh, by_id):
    with pytest.raises(maps.MapError, match="lsoa11, lsoa21, msoa11, ward25"):
        maps.boundaries(wh, by_id["somerset"], level="county")
    elsewhere = Area(
        id="hartlepool",
        name="Hartlepool",
        body="x",
        level="local authority",
        la_codes=("E06000001",),
        pfa_code="E23000013",
        police_uk_force="cleveland",
        parent=None,
        contact_email=None,
        contact_url=None,
    )
    with pytest.raises(maps.MapError, match="Avon and Somerset only"):
        maps.boundaries(wh, elsewhere)
    wards = maps.boundaries(wh, by_id["somerset"], level="ward")
    assert set(wards["la_code"]) == {SOMERSET} and wards["code"].str.startswith("E05").all()


# --- maps: classes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).gamma(2.0, 10.0, 1005),
        [1.0, 10.0],  # linear quantiles would leave middle classes empty
        [0.0] * 60 + [1.0, 2.0, 3.0] * 5,  # ties: breaks collapse
        [4.0] * 7,  # one value
        np.random.default_rng(2).poisson(3, 400).astype(float),
    ],
)
def test_quantile_classes_are_never_empty_and_cover_min_to_max(values):
    values = np.asarray(values, dtype=float)
    classes = maps.quantile_classes(values, 5)
    assert classes.breaks[0] == values.min() and classes.breaks[-1] == values.max()
    assert list(classes.breaks) == sorted(classes.breaks)
    assert len(classes.labels) == len(classes.breaks) - 1 <= 5
    counts = classes.counts
    assert sum(counts.values()) == len(values) and min(counts.values()) > 0
    # every value lies in the class its label names
    for value, label in zip(values, classes.assigned, strict=True):
        i = classes.labels.index(label)
        low, high = classes.breaks[i], classes.breaks[i + 1]
        assert (low < value <= high) or (i == 0 and value == low)


def test_quantile_classes_split_continuous_values_into_equal_fifths():
    values = np.random.default_rng(3).normal(50, 10, 1000)
    got = sorted(maps.quantile_classes(values, 5).counts.values())
    assert got == [200] * 5  # 1,000 distinct values, breaks at observed values


def test_missing_values_are_in_the_missing_class():
    values = [1.0, None, float("nan"), "[c]", 5.0, 3.0, 2.0, 4.0]
    classes = maps.quantile_classes(values, 2, missing_label="no rate")
    assert classes.assigned.tolist()[1:4] == ["no rate"] * 3
    assert classes.counts["no rate"] == 3 and "no rate" not in classes.labels
    assert classes.labels == ("1.0 to 3.0", "over 3.0 to 5.0")


# --- maps: drawing ------------------------------------------------------------------------------


def test_choropleth_spec_has_the_classes_the_missing_entry_and_hatching(force_map):
    chart = maps.choropleth(force_map, "rate", title="Violence", legend_title="Rate per 1,000")
    spec = chart.to_dict()
    areas_layer = spec["layer"][0]
    fill = areas_layer["encoding"]["fill"]
    classes = maps.quantile_classes(force_map["rate"], 5)
    assert fill["scale"]["domain"] == [*classes.labels, "no rate"]
    assert len(set(fill["scale"]["range"])) == len(fill["scale"]["domain"])
    assert fill["legend"]["title"] == "Rate per 1,000"
    features = spec["datasets"][areas_layer["data"]["name"]]
    drawn = [f.get("_class", f.get("properties", {}).get("_class")) for f in features]
    assert drawn.count("no rate") == int(force_map["rate"].isna().sum()) == 25
    # hatching lies over the areas without a value and nowhere else
    hatch_layer = spec["layer"][1]
    hatch = shapely.from_geojson(
        json.dumps(spec["datasets"][hatch_layer["data"]["name"]][0]["geometry"])
    )
    missing = shapely.union_all(force_map.loc[force_map["rate"].isna(), "geometry"].values)
    assert hatch.length > 0 and missing.buffer(1e-4).contains(hatch)
    complete = maps.choropleth(force_map.head(100).fillna({"rate": 1.0}), "rate", legend_title="r")
    complete_spec = complete.to_dict()
    assert "no rate" not in complete_spec["layer"][0]["encoding"]["fill"]["scale"]["domain"]
    assert len(complete_spec["layer"]) == 2  # areas and outlines: no hatching to draw


def test_choropleth_svg_has_one_path_per_lsoa_and_stays_small(force_map, lookup):
    chart = maps.choropleth(force_map, "rate", title="Violence", legend_title="Rate per 1,000")
    svg_of(maps.choropleth(force_map.head(3), "rate", legend_title="r"), id="warm")  # warm up
    started = time.perf_counter()
    svg = svg_of(chart, id="violence-map")
    elapsed = time.perf_counter() - started
    assert 'role="img"' in svg
    assert group_paths(svg, "layer_0_marks") == len(lookup["force"])
    assert len(svg.encode()) < maps.SVG_LIMIT_BYTES
    assert elapsed < 10  # about 1 s here; the limit only catches a runaway
    # five local authority outlines over the LSOAs
    outline = chart.to_dict()["layer"][-1]
    assert len(chart.to_dict()["datasets"][outline["data"]["name"]]) == 5


def test_somerset_choropleth_draws_only_somerset(wh, by_id, lookup):
    gdf = maps.boundaries(wh, by_id["somerset"])
    gdf["rate"] = np.arange(len(gdf), dtype=float)
    svg = svg_of(maps.choropleth(gdf, "rate", legend_title="r"))
    assert group_paths(svg, "layer_0_marks") == len(lookup["somerset"])


def test_hotspot_colours_stay_apart_in_greyscale():
    vocabularies = [
        ["hot", "cold", "not significant", "no neighbours"],
        [
            "hot spot 99%",
            "hot spot 95%",
            "hot spot 90%",
            "not significant",
            "cold spot 90%",
            "cold spot 95%",
            "cold spot 99%",
        ],
    ]
    for vocabulary in vocabularies:
        values = sorted(lightness(maps.HOTSPOT_COLOURS[c]) for c in vocabulary)
        assert min(np.diff(values)) >= 8, vocabulary
    # the convention: hot red (red channel above blue), cold blue
    for label, colour in maps.HOTSPOT_COLOURS.items():
        r, b = int(colour[1:3], 16), int(colour[5:7], 16)
        if label.startswith("hot"):
            assert r > b
        if label.startswith("cold"):
            assert b > r


def test_hotspot_map_orders_classes_and_outlines_persistent_hotspots(force_map):
    gdf = force_map.assign(
        gi=np.where(np.arange(len(force_map)) % 10 == 0, "Hot", "Not significant"),
        persistent=np.arange(len(force_map)) % 40 == 0,
    )
    gdf.loc[5, "gi"] = "Cold"
    spec = maps.hotspot_map(gdf, "gi", title="Hot spots", persistent="persistent").to_dict()
    fill = spec["layer"][0]["encoding"]["fill"]
    assert fill["scale"]["domain"] == ["Hot", "Cold", "Not significant"]  # spelled as given
    assert fill["scale"]["range"][0] == maps.HOTSPOT_COLOURS["hot"]
    marked = spec["layer"][-1]
    assert marked["mark"]["strokeWidth"] > 2 and marked["mark"]["filled"] is False
    assert len(spec["datasets"][marked["data"]["name"]]) == int(gdf["persistent"].sum())
    with pytest.raises(maps.MapError, match="have no colour"):
        maps.hotspot_map(gdf.assign(gi="warm"), "gi")
    some = gdf.head(200)
    svg = svg_of(maps.hotspot_map(some, "gi", persistent="persistent"))
    assert group_paths(svg, "layer_0_marks") == len(some)


def test_maps_refuse_points():
    points = gpd.GeoDataFrame(
        {"code": ["a", "b"], "rate": [1.0, 2.0]},
        geometry=[shapely.Point(-2.6, 51.45), shapely.Point(-2.5, 51.4)],
        crs="EPSG:4326",
    )
    for draw in (
        lambda: maps.choropleth(points, "rate", legend_title="r"),
        lambda: maps.hotspot_map(points.assign(c="hot"), "c"),
        lambda: maps.geojson(points),
    ):
        with pytest.raises(maps.MapError, match="only area polygons"):
            draw()


# --- open data ----------------------------------------------------------------------------------


def test_geojson_round_trips_shapes_and_only_the_given_properties(force_map):
    gdf = force_map.head(60).assign(count=np.arange(60, dtype=np.int64), note="[c]")
    collection = maps.geojson(gdf, properties=["code", "rate", "count"])
    text = json.dumps(collection, allow_nan=False)  # strict JSON: no NaN
    back = json.loads(text)
    assert back["type"] == "FeatureCollection" and len(back["features"]) == 60
    for feature, (_, row) in zip(back["features"], gdf.iterrows(), strict=True):
        props = feature["properties"]
        assert list(props) == ["code", "rate", "count"]
        assert props["code"] == row["code"] and props["count"] == row["count"]
        if math.isnan(row["rate"]):
            assert props["rate"] is None
        else:
            assert props["rate"] == row["rate"]
        shape = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert shape.is_valid
        assert shapely.hausdorff_distance(shape, row.geometry) < 2e-6
        x0, y0, x1, y1 = shape.bounds
        assert -7 < x0 < x1 < 2 and 49 < y0 < y1 < 56  # WGS84 over England
        exterior = shape.geoms[0].exterior if shape.geom_type == "MultiPolygon" else shape.exterior
        assert exterior.is_ccw  # RFC 7946: exterior rings anticlockwise
    assert "note" not in back["features"][0]["properties"]
    with pytest.raises(maps.MapError, match=r"no column\(s\) \['nope'\]"):
        maps.geojson(gdf, properties=["nope"])


def test_geojson_reprojects_from_british_national_grid(force_map):
    bng = force_map.head(5).to_crs(27700)
    back = maps.geojson(bng, properties=["code"])
    shape = shapely.from_geojson(json.dumps(back["features"][0]["geometry"]))
    assert shapely.hausdorff_distance(shape, force_map.geometry.iloc[0]) < 1e-5


@pytest.mark.parametrize("name", ["Rate (per 1,000)", "a.b", "x: y", "Gi* [class]"])
def test_reader_facing_column_names_are_drawn_not_parsed(name):
    """Dots and brackets mean nesting to Vega-Lite, a colon a type to Altair: names must not."""
    frame = pd.DataFrame({"Area.name": ["A", "B", "C"], name: [1.0, 2.0, 3.0]})
    frame = frame.assign(lo=frame[name] - 0.5, hi=frame[name] + 0.5, year=[2021, 2022, 2023])
    svg = svg_of(charts.bars(frame, "Area.name", name, lower="lo", upper="hi", value_title="v"))
    assert svg.count('aria-roledescription="bar"') == 3
    assert svg.count('aria-roledescription="errorbar"') == 3
    svg = svg_of(charts.trend(frame, "year", name, series="Area.name", y_title="v", x_title="y"))
    assert svg.count('aria-roledescription="point"') == 3


@pytest.mark.parametrize(("years", "slanted"), [(4, False), (15, True)])
def test_financial_year_labels_never_print_over_each_other(years, slanted):
    """Fifteen financial years level under a chart ran together ("2010/112011/12", issue 12):
    labels that do not fit level are slanted, and those that still collide are dropped."""
    labels = [f"{y}/{str(y + 1)[2:]}" for y in range(2010, 2010 + years)]
    frame = pd.DataFrame({"period": labels, "rate": range(years)})
    chart = charts.trend(frame, "period", "rate", y_title="Rate", x_title="Financial year")
    axis = chart.to_dict()["layer"][-1]["encoding"]["x"]["axis"]
    assert (axis.get("labelAngle") != 0) is slanted
    if slanted:
        assert axis.get("labelOverlap") == "greedy"
        svg = vl_convert.vegalite_to_svg(chart.to_dict())
        assert "rotate(315)" in svg  # -45 degrees, as Vega writes it
