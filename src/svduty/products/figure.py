"""A figure of a product: a chart (Altair, rendered offline to SVG by vl-convert), its text
alternative, the data table behind it, and where it came from.

Every chart in svduty's documents is a :class:`Figure`, so no chart can be written without a text
alternative, a data table and its provenance (source, local definition version, software version).
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass, field
from functools import cached_property

import altair as alt
import pandas as pd

import svduty
from svduty.products import drawings

__all__ = ["SOFTWARE", "Figure", "FigureError"]

SOFTWARE = f"svduty {svduty.__version__}"

# The GOV.UK palette's text and focus colours: charts drawn in them meet WCAG contrast on white.
COLOURS = {
    "blue": "#1d70b8",
    "dark_blue": "#003078",
    "red": "#d4351c",
    "green": "#00703c",
    "orange": "#f47738",
    "purple": "#4c2c92",
    "grey": "#505a5f",
    "black": "#0b0c0c",
}
CATEGORY_RANGE = [COLOURS[c] for c in ("blue", "orange", "green", "purple", "red", "grey")]


class FigureError(ValueError):
    """A figure is missing what every published chart needs."""


@dataclass(frozen=True)
class Figure:
    """One chart or map with everything a reader needs besides the picture.

    ``id`` is the HTML anchor (findings and recommendations link to it); ``alt`` is the text
    alternative, written as the chart's message in a sentence or two, not a description of marks;
    ``table`` is the data as charted, with reader-facing column names. ``chart`` is an Altair
    chart, or a Vega-Lite specification already written (a dict: the dashboards' chart for a
    range of years, cut from the whole series' specification).
    """

    id: str
    title: str
    alt: str
    table: pd.DataFrame
    source: str
    chart: alt.TopLevelMixin | dict | None = None
    definition_version: str | None = None
    synthetic: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: the chart as vl-convert drew it, not yet labelled, when another process drew it
    #: (:meth:`drawn_apart`). A field, not a cached value, so that it survives
    #: ``dataclasses.replace``: the assessment numbers its figures' titles after they are built,
    #: and the label (title, ids) is added to the drawing only when the page asks for ``svg``.
    drawing: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", self.id):
            raise FigureError(f"figure id {self.id!r}: use lower case letters, digits and hyphens")
        for name in ("title", "alt", "source"):
            if not str(getattr(self, name) or "").strip():
                raise FigureError(f"figure {self.id!r} has no {name}: every figure needs one")
        if not isinstance(self.table, pd.DataFrame):
            raise FigureError(f"figure {self.id!r}: its data table must be a pandas DataFrame")

    @cached_property
    def svg(self) -> str | None:
        """The chart as inline SVG, labelled by the figure's text alternative."""
        raw = self.drawing if self.drawing is not None else self._draw()
        if raw is None:
            return None
        # Inline SVG is announced as one image named by the text alternative (WCAG 1.1.1);
        # the marks inside are hidden from assistive technology, the data table carries them.
        opened = re.sub(
            r"<svg\b([^>]*)>",
            rf'<svg\1 role="img" aria-labelledby="{self.id}-alt" focusable="false">'
            f"<title>{html.escape(self.title)}</title>",
            raw,
            count=1,
        )
        # vl-convert's ids (clip paths, gradients) would clash between charts on one page
        return re.sub(rf'(id="|url\(#|href="#)(?!{self.id})', rf"\g<1>{self.id}-", opened)

    def _draw(self) -> str | None:
        """The chart as vl-convert draws it (None: no chart)."""
        if self.chart is None:
            return None
        return drawings.svg(self.chart if isinstance(self.chart, dict) else self.chart.to_dict())

    def drawn_apart(self) -> Figure:
        """This figure with its chart drawn (not yet labelled: see ``drawing``) and let go: what
        a process that builds figures for another hands back (a map's chart holds megabytes of
        boundaries; the pages need only the drawing)."""
        if self.drawing is not None or self.chart is None:
            return self
        return dataclasses.replace(self, chart=None, drawing=self._draw())

    def drawn(self) -> Figure:
        """This figure with its SVG drawn and its chart let go: what a cache shared between
        processes keeps (a map's chart holds its boundaries, megabytes; pages show the SVG)."""
        svg = self.svg
        copy = dataclasses.replace(self, chart=None)
        copy.__dict__["svg"] = svg  # the cached property's value, as if drawn from the chart
        return copy

    def specified(self) -> Figure:
        """This figure with its chart as its Vega-Lite specification: plain data, to keep and
        share between processes (the dashboards' panels), drawn by a browser or vl-convert."""
        return dataclasses.replace(self, chart=self.spec)

    @cached_property
    def spec(self) -> dict | None:
        """The chart as its Vega-Lite specification, for a browser to draw (the portal's
        dashboards, docs/concurrency.md). Not validated against the Vega-Lite schema here: that
        costs more than building the chart, and the same builders' charts are validated
        whenever they are drawn to SVG (every product, and the chart tests)."""
        if self.chart is None or isinstance(self.chart, dict):
            return self.chart
        return self.chart.to_dict(validate=False)

    @property
    def provenance(self) -> str:
        parts = [f"Source: {self.source}."]
        if self.definition_version:
            parts.append(f"Local definition: {self.definition_version}.")
        parts.append(f"Software: {SOFTWARE}.")
        return " ".join(parts)


def theme() -> dict:
    """Altair configuration shared by every chart: legible type, GOV.UK colours."""
    return {
        "config": {
            "font": "Arial, Helvetica, sans-serif",
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelColor": COLOURS["black"]},
            "legend": {"labelFontSize": 12, "titleFontSize": 13},
            "title": {"fontSize": 15, "anchor": "start"},
            "range": {"category": CATEGORY_RANGE},
            "view": {"stroke": None},
        }
    }


@alt.theme.register("svduty", enable=True)
def _svduty_theme() -> alt.theme.ThemeConfig:
    return theme()  # type: ignore[return-value]
