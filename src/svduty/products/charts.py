"""Chart builders for the products: small functions from a tidy frame to an Altair chart.

They return charts, not :class:`~svduty.products.figure.Figure` objects: the caller wraps each one
in a Figure with its text alternative, data table and source, which only the caller knows.

What every builder does, so that the documents look alike and read well:

- sized for a page about 700 px wide (:data:`PAGE_WIDTH`), legends below the plot so they do not
  take width from it;
- the GOV.UK colours of :mod:`svduty.products.figure`; where several series share a chart they
  differ by point shape and line dash as well as colour, so no reader depends on colour alone;
- axis titles always set (the caller names the measure and its unit);
- confidence intervals drawn as a band (many time points) or error bars (few points, or bars);
- static: no tooltips or selections, because the charts are rendered to SVG for documents.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from svduty.products.figure import CATEGORY_RANGE, COLOURS

__all__ = [
    "MONTHS",
    "PAGE_WIDTH",
    "ChartError",
    "bars",
    "funnel",
    "heatmap",
    "seasonal",
    "stacked_share",
    "trend",
]

PAGE_WIDTH = 700
# Plot widths that leave room for the y axis and its title inside PAGE_WIDTH.
_PLOT_WIDTH = 600
_BAR_PLOT_WIDTH = 420  # horizontal bars: local authority names take about 200 px
_BAR_STEP = 24  # height per bar (or width per bar when vertical)
_BAND_OPACITY = 0.2
# More than this many x values and a confidence interval is drawn as a band, not error bars.
_MAX_ERROR_BARS = 12
# Error-bar end ticks are this many pixels wide whatever the x scale: on a label axis (a band
# scale) Vega-Lite would otherwise draw them three quarters of a band wide, wider than the gaps.
_ERROR_TICK_WIDTH = 10

MONTHS = tuple(calendar.month_abbr[1:])  # ("Jan", ..., "Dec"), not locale dependent in C locale
_MONTH_NAMES = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}

# Point shapes and line dashes for series, in the order of CATEGORY_RANGE.
_SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
_DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3], [10, 4]]
# GOV.UK colours after CATEGORY_RANGE, for stacks with more parts than series charts allow.
_EXTRA_COLOURS = ["#28a197", "#d53880", "#b58840", "#6f72af", "#85994b", "#912b88"]
_PART_RANGE = [*CATEGORY_RANGE, *_EXTRA_COLOURS]


class ChartError(ValueError):
    """A chart was asked for with data or options it cannot draw."""


def _field(column: str) -> str:
    """A column name as a Vega-Lite field: dots and brackets would otherwise mean nesting."""
    return re.sub(r"([.\[\]\\])", r"\\\1", str(column))


def _require(frame: pd.DataFrame, what: str, columns: Sequence[str | None]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ChartError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise ChartError(f"{what}: no column(s) {missing}; the frame has {list(frame.columns)}")
    if frame.empty:
        raise ChartError(f"{what}: the frame has no rows; there is nothing to draw")


def _both_or_neither(what: str, lower: str | None, upper: str | None) -> bool:
    if (lower is None) != (upper is None):
        raise ChartError(f"{what}: give both lower and upper for a confidence interval, or neither")
    return lower is not None


def _x_type(series: pd.Series) -> str:
    """Temporal for dates, quantitative for numbers (years), ordinal for labels ("2023/24")."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return "temporal"
    if pd.api.types.is_numeric_dtype(series):
        return "quantitative"
    return "ordinal"


def _series_encodings(series: str | None, frame: pd.DataFrame, title: str | None) -> dict:
    """Colour, shape and dash for each series, with one shared legend."""
    if series is None:
        return {}
    names = list(dict.fromkeys(frame[series].tolist()))
    if len(names) > len(CATEGORY_RANGE):
        raise ChartError(
            f"{len(names)} series in {series!r}; a chart stays readable with at most "
            f"{len(CATEGORY_RANGE)}: split it into small multiples or choose fewer series"
        )
    legend = alt.Legend(title=title, orient="bottom", symbolStrokeWidth=2)
    n = len(names)
    return {
        "color": alt.Color(
            field=_field(series),
            type="nominal",
            scale=alt.Scale(domain=names, range=CATEGORY_RANGE[:n]),
            legend=legend,
        ),
        "shape": alt.Shape(
            field=_field(series),
            type="nominal",
            scale=alt.Scale(domain=names, range=_SHAPES[:n]),
            legend=legend,
        ),
        "strokeDash": alt.StrokeDash(
            field=_field(series),
            type="nominal",
            scale=alt.Scale(domain=names, range=_DASHES[:n]),
            legend=legend,
        ),
    }


def _lines_and_points(base: alt.Chart, x_enc, y_enc, styles: dict) -> list[alt.Chart]:
    """A line per series (coloured and dashed) and its points (coloured and shaped)."""
    colour = styles.get("color", alt.value(COLOURS["blue"]))
    line = {k: v for k, v in styles.items() if k not in ("color", "shape")}
    point = {k: v for k, v in styles.items() if k not in ("color", "strokeDash")}
    return [
        base.mark_line(strokeWidth=2).encode(x=x_enc, y=y_enc, color=colour, **line),
        base.mark_point(filled=True, size=45, opacity=1).encode(
            x=x_enc, y=y_enc, color=colour, **point
        ),
    ]


# The width a character of an axis label takes (Vega's default 10px sans-serif), and the gap
# between two labels, for judging whether level labels fit under the plot.
_LABEL_CHAR_PX = 6.5
_LABEL_GAP_PX = 12


def _labels_fit(labels: pd.Series) -> bool:
    """Whether the distinct labels fit level, side by side, across the plot's width."""
    texts = [str(v) for v in dict.fromkeys(labels.tolist())]
    if not texts:
        return True
    widest = max(len(t) for t in texts) * _LABEL_CHAR_PX + _LABEL_GAP_PX
    return widest * len(texts) <= _PLOT_WIDTH


def trend(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    lower: str | None = None,
    upper: str | None = None,
    series: str | None = None,
    y_title: str,
    x_title: str,
    zero: bool = True,
    series_title: str | None = None,
    interval: str = "auto",
    y_format: str | None = None,
) -> alt.LayerChart:
    """A measure over time: line and points, with its confidence interval.

    ``x`` holds dates (temporal axis), numbers such as years (quantitative, whole-number ticks)
    or labels such as financial years ("2023/24", drawn in the frame's order). ``lower`` and
    ``upper`` (both or neither) bound the interval; ``interval`` is "band", "bars" or "auto"
    (error bars for up to 12 time points, a band for more). ``series`` splits the lines (for
    example one per local authority); each series has its own colour, point shape and dash.
    ``zero`` starts the y axis at zero, which is honest for counts and rates.
    """
    has_ci = _both_or_neither("trend", lower, upper)
    _require(frame, "trend", [x, y, lower, upper, series])
    if interval not in ("auto", "band", "bars"):
        raise ChartError(f"trend: interval must be 'auto', 'band' or 'bars', not {interval!r}")
    kind = _x_type(frame[x])
    x_axis = alt.Axis(title=x_title, labelAngle=0)
    if kind == "ordinal" and not _labels_fit(frame[x]):
        # financial years side by side ("2010/11", "2011/12", ...) run into each other when
        # level: slant them, and drop a label rather than print two over each other
        x_axis = alt.Axis(title=x_title, labelAngle=-45, labelOverlap="greedy")
    if kind == "quantitative":
        x_axis = alt.Axis(title=x_title, format="d", tickMinStep=1, labelAngle=0)
    x_sort = list(dict.fromkeys(frame[x].tolist())) if kind == "ordinal" else None
    x_enc = alt.X(field=_field(x), type=kind, axis=x_axis, sort=x_sort)
    if kind == "quantitative":
        x_enc = x_enc.scale(zero=False, nice=False, padding=20)
    y_axis = alt.Axis(title=y_title, format=y_format) if y_format else alt.Axis(title=y_title)
    y_enc = alt.Y(field=_field(y), type="quantitative", axis=y_axis, scale=alt.Scale(zero=zero))
    base = alt.Chart(frame).properties(width=_PLOT_WIDTH, height=300)
    styles = _series_encodings(series, frame, series_title)
    colour = styles.get("color", alt.value(COLOURS["blue"]))
    layers = []
    if has_ci:
        n_x = frame[x].nunique()
        band = interval == "band" or (interval == "auto" and n_x > _MAX_ERROR_BARS)
        ci = {
            "x": x_enc,
            "y": alt.Y(field=_field(lower), type="quantitative", title=y_title),
            "y2": alt.Y2(field=_field(upper)),
        }
        if band:
            layers.append(base.mark_area(opacity=_BAND_OPACITY).encode(**ci, color=colour))
        else:
            bars = base.mark_errorbar(ticks={"size": _ERROR_TICK_WIDTH}, thickness=1.5)
            layers.append(bars.encode(**ci, color=colour))
    layers += _lines_and_points(base, x_enc, y_enc, styles)
    return alt.layer(*layers)


def _category_order(frame: pd.DataFrame, category: str, value: str, sort) -> list:
    if sort is None:
        return list(dict.fromkeys(frame[category].tolist()))
    if sort in ("ascending", "descending"):
        ordered = frame.sort_values(value, ascending=sort == "ascending", kind="stable")
        return list(dict.fromkeys(ordered[category].tolist()))
    if isinstance(sort, str) or not isinstance(sort, Sequence):
        raise ChartError(
            f"sort must be None (the frame's order), 'ascending', 'descending' or a list of "
            f"categories, not {sort!r}"
        )
    unknown = set(frame[category]) - set(sort)
    if unknown:
        raise ChartError(f"sort: categories {sorted(map(str, unknown))} are not in the sort list")
    return list(sort)


def bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    *,
    lower: str | None = None,
    upper: str | None = None,
    horizontal: bool = True,
    value_title: str,
    category_title: str | None = None,
    sort=None,
    highlight: str | None = None,
    reference: tuple[float, str] | None = None,
    value_format: str | None = None,
) -> alt.LayerChart:
    """Bars of one value per category (areas, age bands), with confidence interval error bars.

    ``horizontal`` puts the categories on the y axis, where local authority names read easily.
    ``sort`` is None (the frame's order), "ascending", "descending" (by value) or a list of the
    categories. ``highlight`` names one category (the area itself among its comparators): its bar
    is darker and its axis label bold, so it stands out without relying on hue.
    ``reference=(value, label)`` draws a dashed rule, e.g. ``(31.2, "England and Wales")``.
    """
    has_ci = _both_or_neither("bars", lower, upper)
    _require(frame, "bars", [category, value, lower, upper])
    order = _category_order(frame, category, value, sort)
    if highlight is not None and highlight not in set(frame[category]):
        raise ChartError(f"bars: highlight {highlight!r} is not a category of {category!r}")
    bold = alt.Undefined
    if highlight is not None:
        test = f"datum.value === {_js_string(highlight)}"
        bold = alt.condition(test, alt.value("bold"), alt.value("normal"))
    cat_axis = alt.Axis(title=category_title, labelLimit=220, labelFontWeight=bold)
    val_axis = alt.Axis(title=value_title, format=value_format or alt.Undefined)
    # horizontal: categories down the y axis, values along x; vertical the other way round
    on_cat, on_val, on_val2 = (alt.Y, alt.X, alt.X2) if horizontal else (alt.X, alt.Y, alt.Y2)
    cat = on_cat(field=_field(category), type="nominal", sort=order, axis=cat_axis)
    val = on_val(
        field=_field(value), type="quantitative", axis=val_axis, scale=alt.Scale(zero=True)
    )
    if horizontal:
        size = {"width": _BAR_PLOT_WIDTH, "height": alt.Step(_BAR_STEP)}
    else:
        size = {"width": alt.Step(_BAR_STEP * 2), "height": 300}
    base = alt.Chart(frame).properties(**size)
    colour = alt.value(COLOURS["blue"])
    if highlight is not None:
        colour = alt.condition(
            f"datum[{_js_string(category)}] === {_js_string(highlight)}",
            alt.value(COLOURS["dark_blue"]),
            alt.value(COLOURS["blue"]),
        )
    layers = [base.mark_bar().encode(cat, val, color=colour)]
    if has_ci:
        error = base.mark_errorbar(ticks=True, thickness=1.5, color=COLOURS["black"])
        layers.append(
            error.encode(
                cat,
                on_val(field=_field(lower), type="quantitative", title=value_title),
                on_val2(field=_field(upper)),
            )
        )
    if reference is not None:
        layers += _reference_rule(reference, horizontal)
    return alt.layer(*layers)


def _short(number: float) -> str:
    """A number for a label: whole with separators from 100 up, else three significant figures."""
    return f"{number:,.0f}" if abs(number) >= 100 else f"{number:.3g}"


def _js_string(text: str) -> str:
    """A Vega expression string literal for ``text`` (JSON quoting is valid there)."""
    return json.dumps(str(text))


def _reference_rule(reference: tuple[float, str], horizontal: bool) -> list[alt.Chart]:
    try:
        ref_value, ref_label = reference
        ref_value = float(ref_value)
    except (TypeError, ValueError):
        raise ChartError(
            f"reference must be (value, label), e.g. (31.2, 'England and Wales'); got {reference!r}"
        ) from None
    data = pd.DataFrame({"value": [ref_value], "label": [f"{ref_label}: {_short(ref_value)}"]})
    channel = "x" if horizontal else "y"
    rule = (
        alt.Chart(data)
        .mark_rule(color=COLOURS["black"], strokeDash=[5, 3], strokeWidth=1.5)
        .encode(**{channel: alt.X("value:Q") if horizontal else alt.Y("value:Q")})
    )
    if horizontal:
        text = alt.Chart(data).mark_text(align="left", dx=4, baseline="top", y=-14)
    else:
        text = alt.Chart(data).mark_text(align="right", dy=-6, baseline="bottom", x="width")
    label = text.encode(
        **{channel: alt.X("value:Q") if horizontal else alt.Y("value:Q")}, text="label:N"
    )
    return [rule, label]


def stacked_share(
    frame: pd.DataFrame,
    category: str,
    part: str,
    value: str,
    *,
    value_title: str,
    category_title: str | None = None,
    part_title: str | None = None,
    part_order: Sequence | None = None,
    category_order: Sequence | None = None,
    normalise: bool = True,
    horizontal: bool = True,
) -> alt.Chart:
    """Stacked bars: how each category splits into parts (offence mix by area, age bands).

    With ``normalise`` each bar is 100% and the axis shows percentages. Parts keep
    ``part_order`` (default: the frame's order) in the stack and in the legend, so a reader can
    follow a part from bar to bar; white gaps separate the segments. The data table carries the
    numbers, because colour is the only way to tell segments apart here.
    """
    _require(frame, "stacked_share", [category, part, value])
    parts = list(part_order) if part_order is not None else list(dict.fromkeys(frame[part]))
    unknown = set(frame[part]) - set(parts)
    if unknown:
        raise ChartError(f"stacked_share: parts {sorted(map(str, unknown))} not in part_order")
    if len(parts) > len(_PART_RANGE):
        raise ChartError(
            f"stacked_share: {len(parts)} parts; at most {len(_PART_RANGE)} can be told apart. "
            "Group the smallest into 'Other'."
        )
    cats = (
        list(category_order)
        if category_order is not None
        else list(dict.fromkeys(frame[category].tolist()))
    )
    data = frame.assign(_part_order=frame[part].map({p: i for i, p in enumerate(parts)}))
    val = alt.X if horizontal else alt.Y
    cat = alt.Y if horizontal else alt.X
    val_enc = val(
        field=_field(value),
        type="quantitative",
        stack="normalize" if normalise else "zero",
        axis=alt.Axis(title=value_title, format=".0%" if normalise else None),
    )
    cat_enc = cat(
        field=_field(category),
        type="nominal",
        sort=cats,
        axis=alt.Axis(title=category_title, labelLimit=220),
    )
    size = (
        {"width": _BAR_PLOT_WIDTH, "height": alt.Step(_BAR_STEP + 4)}
        if horizontal
        else {"width": alt.Step(_BAR_STEP * 2), "height": 300}
    )
    return (
        alt.Chart(data)
        .mark_bar(stroke="white", strokeWidth=1)
        .encode(
            **{"x": val_enc, "y": cat_enc} if horizontal else {"x": cat_enc, "y": val_enc},
            color=alt.Color(
                field=_field(part),
                type="nominal",
                scale=alt.Scale(domain=parts, range=_PART_RANGE[: len(parts)]),
                legend=alt.Legend(title=part_title, orient="bottom", columns=3, labelLimit=200),
            ),
            order=alt.Order("_part_order:Q", sort="ascending"),
        )
        .properties(**size)
    )


def heatmap(
    frame: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    *,
    x_title: str,
    y_title: str,
    value_title: str,
    x_sort: Sequence | None = None,
    y_sort: Sequence | None = None,
    scheme: str = "blues",
) -> alt.Chart:
    """A grid of cells shaded by value, e.g. hour of day (x) by day of week (y).

    ``x_sort`` and ``y_sort`` fix the order of the labels (Monday to Sunday, 0 to 23); by default
    numbers sort numerically and labels keep the frame's order.
    """
    _require(frame, "heatmap", [x, y, value])
    n_x = len(x_sort) if x_sort is not None else frame[x].nunique()

    def order(column, given):
        if given is not None:
            return list(given)
        if pd.api.types.is_numeric_dtype(frame[column]):
            return sorted(frame[column].unique().tolist())
        return list(dict.fromkeys(frame[column].tolist()))

    cell = max(8, min(40, _PLOT_WIDTH // max(n_x, 1)))
    return (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                field=_field(x),
                type="ordinal",
                sort=order(x, x_sort),
                axis=alt.Axis(title=x_title, labelAngle=0),
            ),
            y=alt.Y(
                field=_field(y), type="ordinal", sort=order(y, y_sort), axis=alt.Axis(title=y_title)
            ),
            color=alt.Color(
                field=_field(value),
                type="quantitative",
                scale=alt.Scale(scheme=scheme, zero=True),
                legend=alt.Legend(title=value_title, orient="bottom", gradientLength=300),
            ),
        )
        .properties(width=alt.Step(cell), height=alt.Step(min(cell + 4, 32)))
    )


def month_number(value) -> int:
    """1..12 from a month number, a name ("March", "Mar"), a date or a "YYYY-MM" string."""
    if isinstance(value, pd.Timestamp):
        return value.month
    if hasattr(value, "month") and not isinstance(value, str):
        return int(value.month)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _MONTH_NAMES:
            return _MONTH_NAMES[text]
        try:
            return pd.Timestamp(text).month
        except ValueError:
            pass
        raise ChartError(f"month {value!r}: use a number 1-12, a month name or a date")
    number = int(value)
    if not 1 <= number <= 12:
        raise ChartError(f"month {value!r}: month numbers run from 1 to 12")
    return number


def seasonal(
    frame: pd.DataFrame,
    month: str,
    value: str,
    *,
    value_title: str,
    month_title: str = "Month",
    series: str | None = None,
    series_title: str | None = None,
    average: bool = True,
    zero: bool = True,
) -> alt.LayerChart:
    """A value by calendar month, January to December, with the average as a dashed rule.

    ``month`` holds month numbers, names or dates (only the month is used). ``series`` draws
    one line per group (per year, say), each with its own colour, shape and dash. The rule is the
    mean of every value drawn, labelled with that mean.
    """
    _require(frame, "seasonal", [month, value, series])
    data = frame.assign(_month=[MONTHS[month_number(m) - 1] for m in frame[month]])
    if series is None and data["_month"].duplicated().any():
        raise ChartError(
            "seasonal: a month appears more than once; sum the values per month first, or pass "
            "series= (one line per year, say)"
        )
    x_enc = alt.X("_month:O", sort=list(MONTHS), axis=alt.Axis(title=month_title, labelAngle=0))
    y_enc = alt.Y(
        field=_field(value),
        type="quantitative",
        axis=alt.Axis(title=value_title),
        scale=alt.Scale(zero=zero),
    )
    styles = _series_encodings(series, data, series_title)
    base = alt.Chart(data).properties(width=_PLOT_WIDTH, height=300)
    layers = _lines_and_points(base, x_enc, y_enc, styles)
    if average:
        mean = float(pd.to_numeric(data[value]).mean())
        avg = pd.DataFrame({"mean": [mean], "label": [f"Average: {_short(mean)}"]})
        rule = alt.Chart(avg).mark_rule(color=COLOURS["black"], strokeDash=[5, 3])
        layers.append(rule.encode(y="mean:Q"))
        layers.append(
            alt.Chart(avg)
            .mark_text(align="right", baseline="bottom", dy=-4, x="width")
            .encode(y="mean:Q", text="label:N")
        )
    return alt.layer(*layers)


def funnel(
    frame: pd.DataFrame,
    denominator: str,
    value: str,
    *,
    limits: pd.DataFrame,
    target: float,
    label: str | None = None,
    x_title: str,
    y_title: str,
    limit_columns: Sequence[str] = (
        "lower_2s_limit",
        "upper_2s_limit",
        "lower_3s_limit",
        "upper_3s_limit",
    ),
    limit_x: str = "Population",
) -> alt.LayerChart:
    """A funnel plot: each area's value against its size, inside the control limits.

    ``frame`` has one row per area (``denominator``, ``value``, optional ``label`` naming the
    areas). ``limits`` has the limit curves at many denominators (column ``limit_x`` and the
    four ``limit_columns``: lower and upper 95% then lower and upper 99.8%), as computed by
    ``svduty.analysis.stats.funnel``. ``target`` is the comparator's value (the centre line).
    Areas outside the 99.8% limits are drawn as filled diamonds, the rest as open circles, so the
    outliers are clear in greyscale.
    """
    _require(frame, "funnel", [denominator, value, label])
    _require(limits, "funnel limits", [limit_x, *limit_columns])
    if len(limit_columns) != 4:
        raise ChartError("funnel: limit_columns are lower95, upper95, lower998, upper998")
    lo95, hi95, lo998, hi998 = limit_columns
    long = limits.melt(
        id_vars=[limit_x], value_vars=list(limit_columns), var_name="_limit", value_name="_y"
    )
    names = {lo95: "95% limits", hi95: "95% limits", lo998: "99.8% limits", hi998: "99.8% limits"}
    long["_band"] = long["_limit"].map(names)
    long["_side"] = long["_limit"]
    x_axis = alt.Axis(title=x_title, format=",.0f")
    # The limits run off towards small denominators; the axis follows the areas and the target.
    shown = pd.concat([frame[value].astype(float), pd.Series([float(target)])])
    pad = 0.25 * max(shown.max() - shown.min(), abs(float(target)) * 0.1, 1e-9)
    y_scale = alt.Scale(domain=[float(shown.min() - pad), float(shown.max() + pad)], nice=True)
    lines = (
        alt.Chart(long)
        .mark_line(color=COLOURS["grey"], strokeWidth=1.2, clip=True)
        .encode(
            x=alt.X(field=_field(limit_x), type="quantitative", axis=x_axis),
            y=alt.Y("_y:Q", axis=alt.Axis(title=y_title), scale=y_scale),
            detail="_side:N",
            strokeDash=alt.StrokeDash(
                "_band:N",
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[6, 3], [1, 0]]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
        )
    )
    centre = pd.DataFrame({"target": [float(target)]})
    rule = alt.Chart(centre).mark_rule(color=COLOURS["black"]).encode(y="target:Q")
    data = frame.assign(
        _outside=(frame[value] > _interp(limits, limit_x, hi998, frame[denominator]))
        | (frame[value] < _interp(limits, limit_x, lo998, frame[denominator]))
    )
    data["_status"] = data["_outside"].map({True: "outside 99.8% limits", False: "within"})
    points = (
        alt.Chart(data)
        .mark_point(size=60, strokeWidth=1.5, opacity=1)
        .encode(
            x=alt.X(field=_field(denominator), type="quantitative", axis=x_axis),
            y=alt.Y(field=_field(value), type="quantitative"),
            shape=alt.Shape(
                "_status:N",
                scale=alt.Scale(
                    domain=["within", "outside 99.8% limits"], range=["circle", "diamond"]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            fill=alt.condition("datum._outside", alt.value(COLOURS["red"]), alt.value("white")),
            color=alt.value(COLOURS["dark_blue"]),
        )
    )
    layers = [lines, rule, points]
    if label is not None:
        layers.append(
            alt.Chart(data)
            .transform_filter("datum._outside")
            .mark_text(align="left", dx=7, fontSize=11)
            .encode(
                x=alt.X(field=_field(denominator), type="quantitative"),
                y=alt.Y(field=_field(value), type="quantitative"),
                text=alt.Text(field=_field(label), type="nominal"),
            )
        )
    return alt.layer(*layers).properties(width=_PLOT_WIDTH, height=320)


def _interp(limits: pd.DataFrame, x: str, column: str, at: pd.Series) -> pd.Series:
    ordered = limits.sort_values(x)
    return pd.Series(
        np.interp(at.astype(float), ordered[x].astype(float), ordered[column].astype(float)),
        index=at.index,
    )
