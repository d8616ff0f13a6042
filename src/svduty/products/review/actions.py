"""The strategy's actions with their status, overdue ones flagged.

The strategy file records each action's status now, not as it stood at the end of the reviewed
year, so statuses are as of ``today`` (the day the review is built unless given), and the page
prints that date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from svduty.products.review.words import _slug
from svduty.products.strategy import file as strategies


@dataclass(frozen=True)
class ActionRow:
    priority: strategies.Priority
    intervention: strategies.Intervention
    action: strategies.Action
    overdue: bool
    days_overdue: int

    @property
    def id(self) -> str:
        return "action-" + _slug(self.action.id)


def action_rows(
    plan: strategies.Strategy | None, today: date
) -> tuple[tuple[ActionRow, ...], dict[str, int]]:
    """Every action of the strategy in the order written, overdue ones flagged as of ``today``
    (milestone before ``today``, neither complete nor cancelled), and the counts by status."""
    if plan is None:
        return (), {}
    summary = strategies.action_summary(plan, today)
    late = {o.action.id: o.days_overdue for o in summary.overdue}
    rows = tuple(ActionRow(p, i, a, a.id in late, late.get(a.id, 0)) for p, i, a in plan.actions())
    return rows, dict(summary.counts)
