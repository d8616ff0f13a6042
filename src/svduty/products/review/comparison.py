"""Like with like: a measure in the review year against an earlier year, as a rate ratio.

A year the data cover only in part is never set against whole years: a record-level measure is
compared on the calendar months both years have, and rates are per year of the months compared
(person-years are the population x months / 12), so a 9-month rate is on the scale of a 12-month
one. A change is significant when the 95% interval of the rate ratio excludes 1; with fewer than
MIN_EVENTS events on either side the review says it cannot tell rather than "no significant
change". See docs/review.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from svduty.analysis.stats import crude_rate, rate_ratio

#: Fewer events than this on either side of a comparison and the review says it cannot tell
#: (PHE's threshold for a stable rate): an interval from a handful of events is too wide to
#: mean "no change".
MIN_EVENTS = 10
HIGHER, LOWER, NO_CHANGE, CANNOT = "higher", "lower", "no significant change", "cannot tell"
BASELINE = "is the baseline"  # the year reviewed is the comparison year itself


@dataclass(frozen=True)
class Change:
    """A measure in one period against an earlier one, like with like.

    ``months``: the calendar months compared (1-12) for record-level sources, empty when whole
    published periods are compared. ``ratio``, ``lower``, ``upper``: the rate ratio (now / then)
    and its 95% log-normal interval. ``finding``: higher, lower (the interval excludes 1), no
    significant change, or cannot tell (``reason`` says why).
    """

    against: str
    months: tuple[int, ...]
    count: int | None
    count_then: int | None
    rate: float | None
    rate_then: float | None
    ratio: float | None
    lower: float | None
    upper: float | None
    finding: str
    reason: str = ""

    @property
    def significant(self) -> bool:
        return self.finding in (HIGHER, LOWER)

    def phrase(self, polarity: str) -> str:
        """'significantly lower than 2019 (better)', 'cannot tell against 2020: too few events'."""
        if self.finding == CANNOT:
            return f"cannot tell against {self.against}: {self.reason}"
        if self.finding == BASELINE:
            return f"{self.against} is the baseline year"
        if self.finding == NO_CHANGE:
            return f"no significant change from {self.against}"
        better = (self.finding == LOWER) == (polarity == "low_is_good")
        judged = "" if polarity == "none" else f" ({'better' if better else 'worse'})"
        return f"significantly {self.finding} than {self.against}{judged}"


def _rate(count, population, months: int, multiplier: int):
    if count is None or not population or not months:
        return None
    return crude_rate(count, population * months / 12, multiplier)


def _like_for_like(monthly: pd.Series, year: int, then: int, population, m, reason="") -> Change:
    """``year`` against ``then`` on the calendar months both have."""
    if year == then:
        return _baseline(str(year))
    have = {y: {int(k[5:]) for k in monthly.index if k.startswith(f"{y}-")} for y in (year, then)}
    common = tuple(sorted(have[year] & have[then]))
    if reason:
        return _cannot(str(then), (), reason)
    for y in (year, then):
        if not have[y]:
            return _cannot(str(then), (), f"no data for {y}")
    if not common:
        return _cannot(str(then), (), f"{year} and {then} have no month in common")
    now = int(sum(monthly[f"{year}-{c:02d}"] for c in common))
    before = int(sum(monthly[f"{then}-{c:02d}"] for c in common))
    exposure = population * len(common) / 12 if population else None
    return _compare(str(then), common, now, exposure, before, exposure, m.multiplier)


def _baseline(label: str) -> Change:
    return Change(label, (), None, None, None, None, None, None, None, BASELINE)


def _cannot(against: str, months: tuple[int, ...], reason: str) -> Change:
    return Change(against, months, None, None, None, None, None, None, None, CANNOT, reason)


def _compare(against, months, now, n_now, then, n_then, multiplier) -> Change:
    """The rate ratio of two counts over their person-years (or equal exposure when None)."""
    known = not (_missing(n_now) or _missing(n_then)) and n_now > 0 and n_then > 0
    rate = now / n_now * multiplier if known else None
    rate_then = then / n_then * multiplier if known else None
    if min(now, then) < MIN_EVENTS:
        return Change(
            against, months, now, then, rate, rate_then, None, None, None, CANNOT,
            f"too few events ({now} and {then}; at least {MIN_EVENTS} each needed)",
        )  # fmt: skip
    # without populations, equal exposure: the counts of the same months or periods
    ratio = rate_ratio(now, n_now if known else 1, then, n_then if known else 1)
    finding = HIGHER if ratio.lower > 1 else LOWER if ratio.upper < 1 else NO_CHANGE
    return Change(
        against, months, now, then, rate, rate_then, ratio.value, ratio.lower, ratio.upper, finding
    )


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
