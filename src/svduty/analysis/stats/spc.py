"""XmR (individuals and moving range) charts with the NHS "Making Data Count" rules.

Natural process limits are mean ± 2.66 x mean moving range (2.66 = 3 / d2, d2 = 1.128 for ranges
of two points); the "close to the limits" band starts at two thirds of that distance (2 sigma).
Special cause variation is flagged, point by point, by four rules:

1. a point outside the process limits;
2. a shift: a run of 7 or more consecutive points above the mean, or below it (a point exactly
   on the mean breaks the run);
3. a trend: a run of 7 or more consecutive points each higher than the one before, or each
   lower (6 successive rises or falls);
4. two out of three consecutive points beyond 2 sigma (close to the limits, not outside them) on
   the same side of the mean: the points beyond 2 sigma are flagged.

Each point's special cause is read, in that order of priority (outside limits, trend,
two-in-three, shift), as high or low, and with the improvement direction as improvement or
concern. The chart's variation label is that of its latest point, as the Making Data Count
variation icon shows it.

Method: NHS England / NHS Improvement, Making Data Count: Strengthening your decisions (2019,
"plot the dots") and its reference implementation, NHS-R Community ``NHSRplotthedots``
(``ptd_spc_standard``: limits and outlier screening; ``ptd_calculate_point_type``: the four
rules with runs of 7 for shifts and trends, and two-in-three), and Wheeler DJ. Understanding
Variation (1993) for the XmR constants 2.66 and 3.267.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from svduty.analysis.stats._checks import as_array

#: 3 / d2 for moving ranges of two points
XMR_LIMIT = 2.66
#: D4 for moving ranges of two points: a moving range above 3.267 x the mean is an outlier
MOVING_RANGE_SCREEN = 3.267

COMMON = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEUTRAL_HIGH = "special_cause_neutral_high"
NEUTRAL_LOW = "special_cause_neutral_low"

VARIATION_LABELS = {
    COMMON: "Common cause",
    IMPROVEMENT: "Special cause improving",
    CONCERN: "Special cause concerning",
    NEUTRAL_HIGH: "Special cause neither improving nor concerning (high)",
    NEUTRAL_LOW: "Special cause neither improving nor concerning (low)",
}


@dataclass(frozen=True)
class XmrChart:
    """An XmR chart: centre line, limits and, per point, the rules it breaks.

    ``moving_ranges`` starts with NaN (the first point has none). ``point_types`` are
    "common_cause", "special_cause_improvement", "special_cause_concern" or (no improvement
    direction) "special_cause_neutral_high"/"_low". ``variation`` labels the latest point.
    """

    values: tuple[float, ...]
    mean: float
    moving_ranges: tuple[float, ...]
    mean_moving_range: float
    lower_process_limit: float
    upper_process_limit: float
    lower_two_sigma: float
    upper_two_sigma: float
    outside_limits: tuple[bool, ...]
    shift: tuple[bool, ...]
    trend: tuple[bool, ...]
    two_in_three: tuple[bool, ...]
    special_cause: tuple[bool, ...]
    special_cause_type: tuple[str, ...]
    point_types: tuple[str, ...]
    variation: str


def _direction(improvement_direction: str | None) -> int:
    if improvement_direction is None or improvement_direction == "neutral":
        return 0
    if improvement_direction == "increase":
        return 1
    if improvement_direction == "decrease":
        return -1
    raise ValueError(
        "improvement_direction must be 'increase', 'decrease' or None (neutral), "
        f"not {improvement_direction!r}"
    )


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """Mark every point that belongs to a run of at least ``length`` true flags."""
    out = np.zeros(len(flags), dtype=bool)
    start = 0
    for i in range(len(flags) + 1):
        if i == len(flags) or not flags[i]:
            if i - start >= length:
                out[start:i] = True
            start = i + 1
    return out


def _trend_points(y: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in a run of ``length`` points each rising (or each falling), and their direction."""
    n = len(y)
    part = np.zeros(n, dtype=bool)
    if n < 2:
        return part, np.zeros(n)
    steps = np.sign(np.diff(y))
    for sign in (1, -1):
        # a run of k equal-signed steps covers k + 1 points
        rising = _runs(steps == sign, length - 1)
        covered = np.zeros(n, dtype=bool)
        covered[:-1] |= rising
        covered[1:] |= rising
        part |= covered
    # each trend point's direction: the step after it when the next point is in the trend too,
    # else the step before it (as NHSRplotthedots reads it)
    after = np.append(steps, steps[-1])
    before = np.insert(steps, 0, 0.0)
    next_in_trend = np.append(part[1:], False)
    direction = np.where(part & next_in_trend, after, before)
    return part, direction


def _two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    n = len(close)
    c = np.concatenate([[0, 0], close.astype(int), [0, 0]])
    s = np.concatenate([[0, 0], side, [0, 0]])
    hit = np.zeros(n, dtype=bool)
    for i in range(n):
        for w in (0, 1, 2):
            window = slice(i + w, i + w + 3)
            if c[window].sum() >= 2 and abs(s[window].sum()) == 3:
                hit[i] = True
    return hit & close


def xmr_chart(
    values,
    *,
    improvement_direction: str | None = "increase",
    baseline_points: int | None = None,
    screen_outliers: bool = True,
    shift_length: int = 7,
    trend_length: int = 7,
) -> XmrChart:
    """An XmR chart of ``values`` (in time order) with the Making Data Count special-cause rules.

    ``improvement_direction`` is "increase", "decrease" or None (neither is better).
    ``baseline_points`` fixes the mean and limits on the first n points (default: all).
    ``screen_outliers`` leaves moving ranges above 3.267 x their mean out of the mean moving range
    (as NHSRplotthedots does by default). Needs at least 2 values and no missing ones.

    Method: Making Data Count (NHS England and NHS Improvement 2019) as implemented by
    NHSRplotthedots ``ptd_spc``: limits mean ± 2.66 x mean moving range, a shift is 7 points on
    one side of the mean, a trend 7 points rising or falling, and two of three points beyond 2
    sigma on one side; Wheeler DJ. Understanding Variation, 1993.
    """
    y = as_array(values, "values")
    if np.isnan(y).any():
        raise ValueError("values cannot have missing values (an XmR chart needs a gapless series)")
    if len(y) < 2:
        raise ValueError("an XmR chart needs at least 2 values")
    direction = _direction(improvement_direction)
    for name, n in (("shift_length", shift_length), ("trend_length", trend_length)):
        if int(n) < 2:
            raise ValueError(f"{name} must be 2 or more")
    fixed = len(y) if baseline_points is None else int(baseline_points)
    if not 2 <= fixed <= len(y):
        raise ValueError(f"baseline_points must be between 2 and {len(y)}")

    base = y[:fixed]
    mean = float(base.mean())
    ranges = np.abs(np.diff(base))
    amr = float(ranges.mean())
    if screen_outliers:
        kept = ranges[ranges < MOVING_RANGE_SCREEN * amr]
        amr = float(kept.mean()) if kept.size else amr
    upl, lpl = mean + XMR_LIMIT * amr, mean - XMR_LIMIT * amr
    close_width = 2 * XMR_LIMIT / 3 * amr
    upper_2s, lower_2s = mean + close_width, mean - close_width

    outside = (y > upl) | (y < lpl)
    side = np.sign(y - mean)
    close = ~outside & ((y < lower_2s) | (y > upper_2s))
    shift = _runs(side > 0, shift_length) | _runs(side < 0, shift_length)
    trend, trend_direction = _trend_points(y, trend_length)
    two_three = _two_in_three(close, side)

    kinds, signs = [], []
    for i in range(len(y)):
        if outside[i]:
            kinds.append("Above upper limit" if side[i] > 0 else "Below lower limit")
            signs.append(side[i])
        elif trend[i]:
            rising = trend_direction[i] > 0
            kinds.append(f"{trend_length} point trend ({'in' if rising else 'de'}creasing)")
            signs.append(1 if rising else -1)
        elif two_three[i]:
            kinds.append(f"2 in 3 {'above' if side[i] > 0 else 'below'} the mean")
            signs.append(side[i])
        elif shift[i]:
            kinds.append(f"{shift_length} points {'above' if side[i] > 0 else 'below'} the mean")
            signs.append(side[i])
        else:
            kinds.append("Common cause")
            signs.append(0)
    point_types = []
    for s in signs:
        if s == 0:
            point_types.append(COMMON)
        elif direction == 0:
            point_types.append(NEUTRAL_HIGH if s > 0 else NEUTRAL_LOW)
        else:
            point_types.append(IMPROVEMENT if s * direction > 0 else CONCERN)
    special = tuple(t != COMMON for t in point_types)
    moving = (math.nan, *np.abs(np.diff(y)).tolist())
    return XmrChart(
        values=tuple(y.tolist()),
        mean=mean,
        moving_ranges=moving,
        mean_moving_range=amr,
        lower_process_limit=lpl,
        upper_process_limit=upl,
        lower_two_sigma=lower_2s,
        upper_two_sigma=upper_2s,
        outside_limits=tuple(bool(v) for v in outside),
        shift=tuple(bool(v) for v in shift),
        trend=tuple(bool(v) for v in trend),
        two_in_three=tuple(bool(v) for v in two_three),
        special_cause=special,
        special_cause_type=tuple(kinds),
        point_types=tuple(point_types),
        variation=VARIATION_LABELS[point_types[-1]],
    )
