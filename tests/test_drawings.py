"""Drawn charts kept on disk by their specification (svduty.products.drawings): a chart drawn
again reads the same SVG back without drawing; a changed chart is drawn afresh; at most KEEP
are kept, the least recently used going first; a folder that cannot be written only means
drawing every time; nothing is kept unless asked."""

from __future__ import annotations

import os

import pytest
import vl_convert

from svduty.products import drawings


def _spec(values: list[int]) -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": [{"x": i, "y": v} for i, v in enumerate(values)]},
        "mark": "bar",
        "encoding": {
            "x": {"field": "x", "type": "ordinal"},
            "y": {"field": "y", "type": "quantitative"},
        },
    }


@pytest.fixture
def counted(monkeypatch):
    """vl-convert, counting the charts it draws; drawings kept nowhere after the test."""
    drawn = []
    real = vl_convert.vegalite_to_svg

    def draw(spec):
        drawn.append(spec)
        return real(spec)

    monkeypatch.setattr(drawings.vl_convert, "vegalite_to_svg", draw)
    yield drawn
    drawings.keep_in(None)


def test_a_chart_drawn_again_is_read_back_the_same_without_drawing(tmp_path, counted):
    drawings.keep_in(tmp_path / "charts")
    first = drawings.svg(_spec([1, 2, 3]))
    again = drawings.svg(_spec([1, 2, 3]))
    assert again == first and first.startswith("<svg")
    assert len(counted) == 1
    assert len(list((tmp_path / "charts").glob("*.svg"))) == 1


def test_a_changed_chart_is_drawn_afresh(tmp_path, counted):
    drawings.keep_in(tmp_path)
    one = drawings.svg(_spec([1, 2, 3]))
    other = drawings.svg(_spec([1, 2, 30]))
    assert len(counted) == 2 and one != other
    assert other == vl_convert.vegalite_to_svg(_spec([1, 2, 30]))


def test_nothing_is_kept_unless_asked(tmp_path, counted, monkeypatch):
    monkeypatch.chdir(tmp_path)
    drawings.keep_in(None)
    drawings.svg(_spec([1]))
    drawings.svg(_spec([1]))
    assert len(counted) == 2 and list(tmp_path.iterdir()) == []


def test_the_least_recently_used_go_beyond_keep(tmp_path, counted, monkeypatch):
    monkeypatch.setattr(drawings, "KEEP", 2)
    drawings.keep_in(tmp_path)
    drawings.svg(_spec([1]))
    oldest = next(tmp_path.glob("*.svg"))
    os.utime(oldest, ns=(1, 1))  # drawn long ago and not used since
    drawings.svg(_spec([2]))
    drawings.svg(_spec([3]))
    kept = list(tmp_path.glob("*.svg"))
    assert len(kept) == 2 and oldest not in kept
    drawings.svg(_spec([1]))  # drawn again: it was let go
    assert len(counted) == 4


def test_a_folder_that_cannot_be_written_means_drawing_each_time(tmp_path, counted):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    drawings.keep_in(blocked / "charts")
    assert drawings.svg(_spec([5])) == drawings.svg(_spec([5]))
    assert len(counted) == 2


def test_a_drawing_is_the_same_whatever_was_drawn_before_it_in_the_process():
    """vl-convert's gradient ids count up for as long as the process lives."""
    gradient = {
        "data": {"values": [{"x": 1, "y": 1, "v": 1}, {"x": 2, "y": 1, "v": 5}]},
        "mark": "rect",
        "encoding": {
            "x": {"field": "x", "type": "ordinal"},
            "y": {"field": "y", "type": "ordinal"},
            "color": {"field": "v", "type": "quantitative"},
        },
    }
    first = drawings.svg(gradient)
    for _ in range(2):
        vl_convert.vegalite_to_svg(gradient)  # the process's counter moves on
    assert drawings.svg(gradient) == first
    assert 'id="gradient_0"' in first and "url(#gradient_0)" in first
    assert 'id="gradient_0"' not in vl_convert.vegalite_to_svg(gradient)
