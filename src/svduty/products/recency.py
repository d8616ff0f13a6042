"""How recent the data are, as every product says it.

A statement uses the most recent data that support it: annual rates and trends only complete
calendar years, a count of the latest months the latest year the source holds, however few of
its months that is. A year held in part is always labelled with its months ("2025, six months:
January to April, September and December"), and is only ever set against the same calendar
months of an earlier year, never against a whole year. Months the source lacks are gaps, named
as gaps: never counted as zero.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["YearHeld", "like_for_like_year", "month_text", "months_in_words", "year_held"]

_WORDS = (
    "no", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip


def month_text(months: Iterable[int]) -> str:
    """[1..6, 8, 9] -> 'January to June, August and September'; all twelve -> 'the whole year'."""
    runs: list[list[int]] = []
    for m in sorted(set(months)):
        if runs and runs[-1][-1] + 1 == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    if [m for r in runs for m in r] == list(range(1, 13)):
        return "the whole year"
    names = calendar.month_name
    parts = []
    for r in runs:
        if len(r) == 1:
            parts.append(names[r[0]])
        elif len(r) == 2:
            parts += [names[r[0]], names[r[1]]]
        else:
            parts.append(f"{names[r[0]]} to {names[r[-1]]}")
    if not parts:
        return "no month"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def months_in_words(n: int) -> str:
    """6 -> 'six months', 1 -> 'one month'."""
    word = _WORDS[n] if 0 <= n < len(_WORDS) else f"{n:,}"
    return f"{word} month{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class YearHeld:
    """The calendar months (1-12) a source holds in one calendar year."""

    year: int
    months: tuple[int, ...]

    @property
    def complete(self) -> bool:
        return len(self.months) == 12

    @property
    def keys(self) -> tuple[str, ...]:
        """The months as 'YYYY-MM'."""
        return tuple(f"{self.year}-{m:02d}" for m in self.months)

    @property
    def missing(self) -> tuple[int, ...]:
        return tuple(m for m in range(1, 13) if m not in self.months)

    def label(self) -> str:
        """'2020' for a whole year; '2025, six months: January to April, September and
        December' for a year held in part."""
        if self.complete:
            return str(self.year)
        n = len(self.months)
        return f"{self.year}, {months_in_words(n)}: {month_text(self.months)}"

    def gaps(self) -> str:
        """The months of the year the source lacks, in words ('' for a whole year)."""
        return "" if self.complete else month_text(self.missing)


def year_held(months: Iterable[str], year: int | None = None) -> YearHeld | None:
    """The months ('YYYY-MM') held in ``year`` (default: the latest year with any), or None."""
    held = sorted({m[:7] for m in months})
    if not held:
        return None
    chosen = int(held[-1][:4]) if year is None else int(year)
    got = tuple(int(m[5:7]) for m in held if int(m[:4]) == chosen)
    return YearHeld(chosen, got) if got else None


def like_for_like_year(months: Iterable[str], latest: YearHeld) -> int | None:
    """The latest year before ``latest.year`` that holds every month ``latest`` holds: the year
    its months can be set against like with like; None when no earlier year does."""
    held = {m[:7] for m in months}
    years = sorted({int(m[:4]) for m in held if int(m[:4]) < latest.year}, reverse=True)
    for y in years:
        if all(f"{y}-{m:02d}" in held for m in latest.months):
            return y
    return None
