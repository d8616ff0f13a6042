"""XmR charts and the Making Data Count rules.

The limits are checked against the NHSRplotthedots vignette's published example (outlier
screening on: UPL 4.6, mean 1.94, LPL -0.72) and the rules against series built so that
exactly one rule fires.
"""

from __future__ import annotations

import itertools
import math

import pytest

from svduty.analysis.stats import xmr_chart

VIGNETTE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_limits_match_the_nhsrplotthedots_vignette():
    chart = xmr_chart(VIGNETTE)
    assert round(chart.upper_process_limit, 2) == 4.6
    assert round(chart.mean, 2) == 1.94
    assert round(chart.lower_process_limit, 2) == -0.72
    assert chart.outside_limits[4] and sum(chart.outside_limits) == 1


def test_limits_without_screening_are_mean_plus_minus_2_66_mean_moving_range():
    chart = xmr_chart(VIGNETTE, screen_outliers=False)
    mean = sum(VIGNETTE) / len(VIGNETTE)
    ranges = [abs(b - a) for a, b in itertools.pairwise(VIGNETTE)]
    amr = sum(ranges) / len(ranges)
    assert chart.mean == pytest.approx(mean)
    assert chart.mean_moving_range == pytest.approx(amr)
    assert chart.upper_process_limit == pytest.approx(mean + 2.66 * amr)
    assert chart.lower_process_limit == pytest.approx(mean - 2.66 * amr)
    assert chart.upper_two_sigma == pytest.approx(mean + 2 / 3 * 2.66 * amr)
    assert math.isnan(chart.moving_ranges[0]) and list(chart.moving_ranges[1:]) == ranges


def test_point_outside_the_limits_is_improvement_or_concern():
    up = xmr_chart(VIGNETTE, improvement_direction="increase")
    assert up.point_types[4] == "special_cause_improvement"
    assert up.special_cause_type[4] == "Above upper limit"
    down = xmr_chart(VIGNETTE, improvement_direction="decrease")
    assert down.point_types[4] == "special_cause_concern"
    neutral = xmr_chart(VIGNETTE, improvement_direction=None)
    assert neutral.point_types[4] == "special_cause_neutral_high"
    assert up.variation == "Common cause"


# mean 5.5, every moving range 1; ends below the mean
BASE = [6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5]


def test_shift_of_seven_points_above_the_mean():
    series = [*BASE, 5.9, 5.8, 5.9, 5.8, 5.9, 5.8, 5.9]
    chart = xmr_chart(series, baseline_points=len(BASE), improvement_direction="decrease")
    assert chart.shift[-7:] == (True,) * 7
    assert not any(chart.outside_limits) and not any(chart.trend)
    assert chart.point_types[-1] == "special_cause_concern"
    assert chart.variation == "Special cause concerning"
    six = xmr_chart(series[:-1], baseline_points=len(BASE))
    assert not any(six.shift[len(BASE) :])


def test_trend_of_seven_rising_points():
    series = [5, 6, 5, 6, 5, 6, 5, 6, 5.0, 5.1, 5.2, 5.3, 5.4, 5.5, 5.6]
    chart = xmr_chart(series, improvement_direction="increase")
    assert chart.trend[-7:] == (True,) * 7 and not any(chart.trend[:-7])
    assert chart.point_types[-1] == "special_cause_improvement"
    assert chart.special_cause_type[-1] == "7 point trend (increasing)"
    assert chart.variation == "Special cause improving"
    six = xmr_chart(series[:-1])
    assert not any(six.trend)


def test_trend_length_can_be_six():
    series = [5, 6, 5, 6, 5, 6, 5, 6, 4.0, 5.0, 4.9, 4.8, 4.7, 4.6, 4.5]
    assert not any(xmr_chart(series).trend)
    chart = xmr_chart(series, trend_length=6, improvement_direction="increase")
    assert chart.trend[-6:] == (True,) * 6
    assert chart.point_types[-1] == "special_cause_concern"


def test_two_of_three_beyond_two_sigma():
    # baseline mean 5.5, mean moving range 1: 2 sigma at 7.27, limit at 8.16
    series = [*BASE, 7.5, 6.0, 7.6, 5.0]
    chart = xmr_chart(series, baseline_points=len(BASE), improvement_direction="increase")
    n = len(BASE)
    assert chart.two_in_three[n : n + 4] == (True, False, True, False)
    assert not any(chart.outside_limits)
    assert chart.point_types[n] == "special_cause_improvement"
    assert chart.point_types[n + 1] == "common_cause"
    # two beyond 2 sigma but on opposite sides of the mean do not count
    apart = xmr_chart([*BASE, 7.5, 3.5], baseline_points=len(BASE))
    assert not any(apart.two_in_three)


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([1.0], {}, "at least 2 values"),
        ([1.0, None, 2.0], {}, "missing values"),
        ([1.0, 2.0, 3.0], {"improvement_direction": "up"}, "improvement_direction"),
        ([1.0, 2.0, 3.0], {"baseline_points": 1}, "baseline_points"),
        ([1.0, 2.0, 3.0], {"baseline_points": 4}, "baseline_points"),
        ([1.0, 2.0, 3.0], {"shift_length": 1}, "shift_length"),
    ],
)
def test_invalid_input_raises(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        xmr_chart(values, **kwargs)
