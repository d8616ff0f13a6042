"""The period an assessment covers: calendar years, a financial year, or a run of months.

Written on the command line as:

- ``2020``: the calendar year 2020;
- ``2018-2021``: the calendar years 2018 to 2021;
- ``2020/21``: the financial year April 2020 to March 2021 (``2019/20-2021/22`` for several);
- ``2019-01..2021-09``: January 2019 to September 2021.

Without one, the assessment covers the latest complete calendar years of data (see
:func:`default_period`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from svduty.errors import InputError

__all__ = ["DEFAULT_YEARS", "Period", "PeriodError", "default_period", "parse_period"]

#: how many calendar years the default period spans (ending with the latest complete year)
DEFAULT_YEARS = 3

_YEAR = re.compile(r"^(\d{4})$")
_YEARS = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")
_FY = re.compile(r"^(\d{4})/(\d{2})$")
_FYS = re.compile(r"^(\d{4})/(\d{2})\s*-\s*(\d{4})/(\d{2})$")
_MONTHS = re.compile(r"^(\d{4})-(\d{2})\s*\.\.\s*(\d{4})-(\d{2})$")
_FORMS = "2020, 2018-2021, 2020/21, 2019/20-2021/22 or 2019-01..2021-09"


class PeriodError(InputError):
    """A period that cannot be read, or one the data cannot supply."""


@dataclass(frozen=True)
class Period:
    """A run of whole months, ``first`` to ``last`` ('YYYY-MM', both included).

    ``kind`` is how it was asked for: "calendar" (whole calendar years), "financial" (whole
    financial years, April to March) or "months"; it decides which annual series the
    assessment shows (calendar or financial years).
    """

    first: str
    last: str
    kind: str
    label: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """The same as :func:`parse_period`."""
        return parse_period(text)

    def __str__(self) -> str:
        return self.label

    def __post_init__(self) -> None:
        if self.kind not in ("calendar", "financial", "months"):
            raise PeriodError(f"period kind {self.kind!r}: use calendar, financial or months")
        if pd.Period(self.first, freq="M") > pd.Period(self.last, freq="M"):
            raise PeriodError(f"period {self.label}: {self.first} is after {self.last}")

    @property
    def months(self) -> tuple[str, ...]:
        """Every month of the period, 'YYYY-MM', in order."""
        return tuple(pd.period_range(self.first, self.last, freq="M").strftime("%Y-%m"))

    @property
    def month_starts(self) -> tuple[date, ...]:
        """The first day of every month (the warehouse's ``month`` columns are such dates)."""
        return tuple(date(int(m[:4]), int(m[5:]), 1) for m in self.months)

    @property
    def years(self) -> tuple[int, ...]:
        """The calendar years the period touches."""
        return tuple(range(int(self.first[:4]), int(self.last[:4]) + 1))

    @property
    def period_type(self) -> str:
        """The measures' annual period type that matches: financial or calendar years."""
        return "financial_year" if self.kind == "financial" else "calendar_year"

    @property
    def annual_labels(self) -> tuple[str, ...]:
        """The labels of the whole years (calendar or financial) inside the period."""
        if self.kind == "financial":
            start = int(self.first[:4])
            return tuple(f"{y}/{str(y + 1)[2:]}" for y in range(start, int(self.last[:4])))
        return tuple(
            str(y) for y in self.years if f"{y}-01" >= self.first and f"{y}-12" <= self.last
        )

    def contains(self, month: str) -> bool:
        return self.first <= month[:7] <= self.last

    def describe(self) -> str:
        """In words: '2018 to 2020 (January 2018 to December 2020)'."""
        first = pd.Period(self.first, freq="M").strftime("%B %Y")
        last = pd.Period(self.last, freq="M").strftime("%B %Y")
        return f"{self.label} ({first} to {last})"


def parse_period(text: str) -> Period:
    """A Period from its written form (see the module docstring); PeriodError says why not."""
    raw = str(text).strip()
    if m := _YEAR.match(raw):
        y = int(m[1])
        return Period(f"{y}-01", f"{y}-12", "calendar", str(y))
    if m := _YEARS.match(raw):
        a, b = int(m[1]), int(m[2])
        _order(a, b, raw)
        return Period(f"{a}-01", f"{b}-12", "calendar", f"{a} to {b}" if a != b else str(a))
    if m := _FY.match(raw):
        start = _financial(m[1], m[2], raw)
        return Period(f"{start}-04", f"{start + 1}-03", "financial", raw)
    if m := _FYS.match(raw):
        a, b = _financial(m[1], m[2], raw), _financial(m[3], m[4], raw)
        _order(a, b, raw)
        label = f"{m[1]}/{m[2]} to {m[3]}/{m[4]}" if a != b else f"{m[1]}/{m[2]}"
        return Period(f"{a}-04", f"{b + 1}-03", "financial", label)
    if m := _MONTHS.match(raw):
        first, last = f"{m[1]}-{m[2]}", f"{m[3]}-{m[4]}"
        for month in (first, last):
            if not 1 <= int(month[5:]) <= 12:
                raise PeriodError(f"period {raw!r}: {month} is not a month (01 to 12)")
        if first > last:
            raise PeriodError(f"period {raw!r}: {first} is after {last}; write the earlier first")
        return Period(first, last, "months", f"{first} to {last}")
    raise PeriodError(f"period {raw!r} is not one svduty reads; write it as one of: {_FORMS}")


def _order(a: int, b: int, raw: str) -> None:
    if a > b:
        raise PeriodError(f"period {raw!r}: {a} is after {b}; write the earlier year first")


def _financial(start: str, end: str, raw: str) -> int:
    y = int(start)
    if int(end) != (y + 1) % 100:
        raise PeriodError(
            f"period {raw!r}: a financial year is written with consecutive years, e.g. "
            f"{y}/{(y + 1) % 100:02d}"
        )
    return y


def default_period(months: list[str] | tuple[str, ...], years: int = DEFAULT_YEARS) -> Period:
    """The ``years`` calendar years ending with the latest year ``months`` cover in full.

    ``months`` are the months ('YYYY-MM') the headline source holds. The period may include a
    year with a missing month (it is then named as a data gap); it never starts before the
    first year with data. PeriodError when no calendar year is complete.
    """
    held = set(months)
    complete = [
        y
        for y in sorted({int(m[:4]) for m in held})
        if all(f"{y}-{mo:02d}" in held for mo in range(1, 13))
    ]
    if not complete:
        raise PeriodError(
            "the data hold no complete calendar year, so there is no default period; give one "
            f"with --period ({_FORMS})"
        )
    last = complete[-1]
    first = max(last - years + 1, min(int(m[:4]) for m in held))
    return Period(
        f"{first}-01",
        f"{last}-12",
        "calendar",
        f"{first} to {last}" if first != last else str(last),
    )
