"""Writing products as accessible HTML pages: one Jinja2 environment, one stylesheet, one layout.

Pages follow the GOV.UK Design System's patterns (skip link, header, phase banner, main landmark,
summary list, tables with captions, details for data tables) and aim at WCAG 2.2 AA, because UK
public bodies must publish accessibly. PDF is the browser's print of the same page
(``@media print`` in the stylesheet).
"""

from __future__ import annotations

import functools
import math
import shutil
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from svduty.products.figure import SOFTWARE

__all__ = [
    "LEAFLET",
    "SHORTHAND",
    "copy_map_assets",
    "environment",
    "fmt_number",
    "render",
    "write_page",
]

# GSS shorthand for cells without a figure (Government Analysis Function guidance on symbols)
SHORTHAND = {
    "[c]": "confidential: withheld to protect people (a small count, or one that would reveal one)",
    "[x]": "not available",
    "[z]": "not applicable",
    "[u]": "low reliability: fewer than 10 events",
}
STYLESHEET = "svduty.css"
# The interactive map: Leaflet vendored from the npm registry (static/vendor/leaflet/README.md
# says how to update it), the site's script that draws the published GeoJSON with it, and its
# styles. Kept apart from STYLESHEET so pages without a map load none of it.
LEAFLET = "vendor/leaflet/1.9.4"
MAP_ASSETS = ("svduty-map.js", "svduty-map.css")


def fmt_number(value, digits: int = 0) -> str:
    """1234.5 -> "1,235"; None or NaN -> "[x]"; text passes through (shorthand such as "[c]")."""
    if value is None:
        return "[x]"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isnan(value):
        return "[x]"
    try:
        if pd.isna(value):
            return "[x]"
    except (TypeError, ValueError):
        pass
    return f"{value:,.{digits}f}"


def fmt_pct(value, digits: int = 0) -> str:
    """0.123 -> "12%"; None -> "[x]"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "[x]"
    return f"{100 * value:,.{digits}f}%"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("svduty.products", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_number
    env.filters["pct"] = fmt_pct
    env.globals["software"] = SOFTWARE
    env.globals["shorthand"] = SHORTHAND
    env.globals["leaflet"] = LEAFLET
    return env


@functools.cache
def _environment() -> jinja2.Environment:
    return environment()


def render(template: str, **context) -> str:
    """The page ``template`` filled with ``context`` (``generated`` defaults to today)."""
    context.setdefault("generated", datetime.now(UTC).strftime("%d %B %Y"))
    return _environment().get_template(template).render(**context)


def write_page(out: Path, name: str, template: str, **context) -> Path:
    """Render ``template`` to ``out/name`` and make sure the stylesheet sits beside it.

    ``context["root"]`` is the relative path from the page to the site root ("" or "../").
    """
    path = Path(out) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    context.setdefault("root", "../" * (len(Path(name).parts) - 1))
    path.write_text(render(template, **context), encoding="utf-8")
    copy_assets(Path(out))
    return path


def copy_assets(out: Path) -> None:
    target = out / "assets"
    target.mkdir(parents=True, exist_ok=True)
    source = resources.files("svduty.products") / "static" / STYLESHEET
    with resources.as_file(source) as css:
        shutil.copyfile(css, target / STYLESHEET)


def copy_map_assets(out: Path) -> None:
    """The interactive map's files into ``out/assets``: the vendored Leaflet and the site's own
    script and styles (nothing is fetched from elsewhere: the site works offline)."""
    target = Path(out) / "assets"
    static = resources.files("svduty.products") / "static"
    with resources.as_file(static / LEAFLET) as leaflet:
        shutil.copytree(leaflet, target / LEAFLET, dirs_exist_ok=True)
    for name in MAP_ASSETS:
        with resources.as_file(static / name) as path:
            shutil.copyfile(path, target / name)
