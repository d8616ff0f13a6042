"""The verdict in plain English: one or two sentences a board member can read, which say
plainly when the data cannot tell."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class _Words:
    outcome: str
    areas: str
    comparison: str

    def verdict(
        self, *, start, months_after, n_treated, n_comparison, level, estimate, problems, pretrend
    ) -> str:
        """One or two sentences a board member can read."""
        lead = f"The data cannot tell whether it changed {self.outcome}"
        if problems:
            return f"{lead}: {'; '.join(problems)}."
        rr, lo, hi, _ = estimate
        who = f"{self.outcome} in the {n_treated} treated {_one(self.areas, n_treated)}"
        against = f"{n_comparison} {self.comparison} {_one(self.areas, n_comparison)}"
        when = f"Over the {months_after} months from {_month_name(start)}"
        interval = f"{round(level * 100, 1):g}% interval"
        if pretrend.passed is False:
            trend = "rising" if pretrend.ratio_per_year > 1 else "falling"
            return (
                f"The comparison may not be valid: before {_month_name(start)}, {self.outcome} "
                f"in the treated {self.areas} was already {trend} by "
                f"{_pct(pretrend.ratio_per_year)} a year relative to the {self.comparison} "
                f"{self.areas}, so the data cannot tell what effect it had. (The estimate, "
                f"not to be relied on, is {_change(rr)}; {interval}: {_range(lo, hi)}.)"
            )
        if lo <= 1 <= hi:
            return (
                f"{lead}: {when[0].lower()}{when[1:]}, {who} {_moved(rr)} relative to "
                f"{against}, but the {interval} runs from {_range(lo, hi)}."
            )
        return f"{when}, {who} {_moved(rr)} relative to {against} ({interval}: {_range(lo, hi)})."


def _pct(ratio: float) -> str:
    """|ratio - 1| as a whole percentage ('less than 1%' when it rounds to 0)."""
    share = abs(ratio - 1) * 100
    return "less than 1%" if 0 < share < 0.5 else f"{round(share)}%"


def _moved(rr: float) -> str:
    if rr == 1:
        return "did not change"
    return f"{'fell' if rr < 1 else 'rose'} by {_pct(rr)}"


def _change(rr: float) -> str:
    """'a 12% fall', 'an 18% rise', 'a fall of less than 1%', 'no change'."""
    if rr == 1:
        return "no change"
    way, pct = ("fall" if rr < 1 else "rise"), _pct(rr)
    if pct.startswith("less"):
        return f"a {way} of {pct}"
    number = pct.rstrip("%")
    article = "an" if number.startswith("8") or number in ("11", "18") else "a"
    return f"{article} {pct} {way}"


def _range(lo: float, hi: float) -> str:
    """'4% to 30% fall', '2% to 15% rise' or 'a 12% fall to a 9% rise'."""
    if hi < 1:
        return f"{_pct(hi)} to {_pct(lo)} fall"
    if lo > 1:
        return f"{_pct(lo)} to {_pct(hi)} rise"
    return f"{_change(lo)} to {_change(hi)}"


def _one(plural: str, n: int) -> str:
    """'LSOAs' -> 'LSOA' when n is 1 (the nouns used here all take an s)."""
    if n != 1:
        return plural
    head, _, last = plural.rpartition(" ")
    word = last[:-1] if last.endswith("s") else last
    return f"{head} {word}".strip()


def _month_name(month: str) -> str:
    return pd.Period(month, freq="M").strftime("%B %Y")
