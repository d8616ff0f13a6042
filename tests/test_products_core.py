"""The products' shared parts: areas of the partnership, figures, number formatting."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest
import yaml

from svduty import partnership
from svduty.products import area as areas
from svduty.products.figure import Figure, FigureError
from svduty.products.html import fmt_number, fmt_pct


def test_areas_are_the_force_area_then_each_local_authority():
    p = partnership.load()
    got = areas.areas(p)
    assert [a.id for a in got] == [
        "avon-and-somerset",
        "bath-and-north-east-somerset",
        "bristol",
        "north-somerset",
        "south-gloucestershire",
        "somerset",
    ]
    pan = got[0]
    assert (
        pan.is_force_area
        and pan.code == "E23000036"
        and set(pan.la_codes) == {la.code for la in p.local_authorities}
    )
    somerset = areas.resolve(p, "somerset")
    assert somerset.code == "E06000066" and somerset.parent == "avon-and-somerset"
    assert somerset.body == "Somerset Violence Reduction Partnership"


def test_somerset_has_its_own_contact_and_others_fall_back_to_the_partnership():
    p = partnership.load()
    assert areas.resolve(p, "somerset").contact_email == "CommunitySafetyTeam@somerset.gov.uk"
    bristol = areas.resolve(p, "bristol")
    assert bristol.contact_email == p.public_contact["email"]
    assert bristol.contact_url == p.public_contact["url"]


def test_unknown_area_lists_the_known_ones():
    with pytest.raises(areas.AreaError, match="somerset"):
        areas.resolve(partnership.load(), "devon")


def test_a_bad_contact_email_is_refused(tmp_path):
    raw = yaml.safe_load(partnership.DEFAULT_YAML.read_text())
    raw["local_authorities"][0]["public_contact"] = {"url": None, "email": "not an address"}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(partnership.PartnershipConfigError, match=r"local_authorities\[0\]"):
        partnership.load(path)


def _table():
    return pd.DataFrame({"Year": ["2019", "2020"], "Count": [30, 45]})


def test_a_figure_needs_alt_text_source_and_a_table():
    with pytest.raises(FigureError, match="alt"):
        Figure("fig-a", "Title", " ", _table(), "police.uk")
    with pytest.raises(FigureError, match="source"):
        Figure("fig-a", "Title", "Rose.", _table(), "")
    with pytest.raises(FigureError, match="DataFrame"):
        Figure("fig-a", "Title", "Rose.", [[1]], "police.uk")  # type: ignore[arg-type]
    with pytest.raises(FigureError, match="lower case"):
        Figure("Fig A", "Title", "Rose.", _table(), "police.uk")


def test_figure_svg_is_one_labelled_image_with_ids_of_its_own():
    # a clipped mark makes vl-convert write a clip path with an id, which two charts on one
    # page would otherwise share
    chart = (
        alt.Chart(_table())
        .mark_bar(clip=True)
        .encode(x="Year", y=alt.Y("Count", scale=alt.Scale(domain=[0, 40])))
    )
    one = Figure("fig-one", "Counts", "Counts rose from 30 to 45.", _table(), "police.uk", chart)
    two = Figure("fig-two", "Counts", "Counts rose from 30 to 45.", _table(), "police.uk", chart)
    assert one.svg.count('role="img"') == 1
    assert 'aria-labelledby="fig-one-alt"' in one.svg and "<title>Counts</title>" in one.svg
    for figure in (one, two):
        ids = set(re.findall(r'id="([^"]+)"', figure.svg))
        assert ids and all(i.startswith(f"{figure.id}-") for i in ids)
        # every reference inside the chart still lands on its own element
        assert set(re.findall(r"url\(#([^)]+)\)", figure.svg)) <= ids
    assert not set(re.findall(r'id="([^"]+)"', one.svg)) & set(re.findall(r'id="([^"]+)"', two.svg))
    assert "svduty" in one.provenance and "police.uk" in one.provenance


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(1234.5, 0, "1,234"), (1235.5, 0, "1,236"), (None, 0, "[x]"), (float("nan"), 1, "[x]"),
     ("[c]", 0, "[c]"), (7, 1, "7.0")],
)  # fmt: skip
def test_number_formatting(value, digits, text):
    assert fmt_number(value, digits) == text


def test_percent_formatting():
    assert fmt_pct(0.1234) == "12%" and fmt_pct(None) == "[x]"
