"""The review as plain data: :class:`Review` (what the page shows, made by
:func:`svduty.products.review.build.build`) and :class:`ReviewError`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from svduty.errors import InputError
from svduty.products.area import Area
from svduty.products.figure import Figure
from svduty.products.review.actions import ActionRow
from svduty.products.review.hotspot_changes import HotspotChange
from svduty.products.review.interventions import InterventionResult
from svduty.products.review.measures import MeasureResult
from svduty.products.review.questions import Question
from svduty.products.strategy import file as strategies

__all__ = ["Review", "ReviewError"]


class ReviewError(InputError):
    """A review that cannot be built as asked; the message says what would fix it."""


@dataclass(frozen=True)
class Review:
    partnership: str
    area: Area
    year: int
    today: date
    strategy: strategies.Strategy | None
    coverage: pd.DataFrame  # source, months covered in the year, what they are
    measures: tuple[MeasureResult, ...]
    actions: tuple[ActionRow, ...]
    action_counts: dict[str, int]
    hotspots: HotspotChange
    interventions: tuple[InterventionResult, ...]
    questions: tuple[Question, ...]
    seconds: float
    baseline_year: int = 0  # the one baseline of every measure (measures.baseline_year)
    warnings: tuple[str, ...] = ()  # shown at the top: a year outside the strategy's period

    @property
    def baseline_rule(self) -> str:
        """The baseline rule as the page states it."""
        if self.strategy is None:
            return (
                f"Every measure is compared with {self.baseline_year}, the baseline year of the "
                "measures catalogue (there is no strategy to set one)."
            )
        said = "sets" if self.strategy.baseline_year is not None else "implies"
        return (
            f"Every measure is compared with one baseline year, {self.baseline_year}, the year "
            f"the strategy {said} ({strategies.BASELINE_RULE[0].lower()}"
            f"{strategies.BASELINE_RULE[1:-1]})."
        )

    @property
    def figures(self) -> list[Figure]:
        out = [m.figure for m in self.measures]
        out += [self.hotspots.figure] if self.hotspots.figure else []
        return out + [i.figure for i in self.interventions if i.figure]

    @property
    def synthetic(self) -> bool:
        return any(f.synthetic for f in self.figures)

    @property
    def part_year(self) -> bool:
        return bool((self.coverage["Months covered"] < 12).any()) if len(self.coverage) else False

    @property
    def significant_moves(self) -> list[MeasureResult]:
        """Measures whose change from the year before is statistically significant."""
        return [m for m in self.measures if m.previous.significant]
