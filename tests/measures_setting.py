"""A partnership's own measures file (SVDUTY_MEASURES) for the tests: the shipped catalogue with
one measure of the partnership's own added, and a strategy that tracks it."""

from __future__ import annotations

from pathlib import Path

from svduty.analysis.measures.catalogue import SHIPPED
from svduty.products.strategy import file as strategies

OUR_MEASURE = "our-street-violence"
OUR_TITLE = "Street violence as our partnership counts it"
OUR_MEASURE_YAML = f"""
  - id: {OUR_MEASURE}
    title: {OUR_TITLE}
    source: police_uk_street
    baseline_year: 2018
    filters: {{crime_type: Violence and sexual offences}}
"""


def write_measures(folder: Path) -> Path:
    path = folder / "our-measures.yaml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").rstrip("\n") + "\n" + OUR_MEASURE_YAML)
    return path


def write_strategy(path: Path) -> Path:
    """Somerset's example strategy with its first priority tracking OUR_MEASURE instead of the
    police.uk violence measure."""
    text = strategies.examples()["somerset"].read_text(encoding="utf-8")
    tracked = "      - police-uk-violence\n"
    assert tracked in text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(tracked, f"      - {OUR_MEASURE}\n", 1), encoding="utf-8")
    return path
