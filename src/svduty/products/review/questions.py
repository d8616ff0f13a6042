"""The questions the partnership must answer for the refresh, raised by rule, each pointing
at the figure, action or section of the page that raised it (docs/review.md lists the rules)."""

from __future__ import annotations

from dataclasses import dataclass

from svduty.products.review.comparison import CANNOT, HIGHER
from svduty.products.review.words import _lower


@dataclass(frozen=True)
class Question:
    """A question for the refresh; ``evidence`` is the id of what raised it on the page."""

    text: str
    evidence: str
    topic: str  # measure, action, hotspot, intervention or data


def _questions(place, year, measures, actions, spots, evaluated, coverage) -> tuple[Question, ...]:
    """The refresh's questions, by rule, each pointing at the evidence that raised it."""
    out: list[Question] = []
    for m in measures:
        title = _lower(m.measure.title)
        # a year before the baseline (a review of 2018 against 2019) asks nothing of a "rise"
        earlier = [c for c in (m.previous, m.baseline) if int(c.against[:4]) < year]
        moved = next((c for c in earlier if c.significant), None)
        unclear = [c for c in (m.baseline, m.previous) if c.finding == CANNOT]
        if moved is not None:
            rise = moved.finding == HIGHER
            text = (
                f"What explains the {'rise' if rise else 'fall'} in {title} in {place.name} "
                f"since {moved.against}" + ("?" if rise else ", and what would keep it falling?")
            )
            out.append(Question(text, m.id, "measure"))
        elif any(c.reason.startswith("too few events") for c in unclear):
            text = (
                f"'{m.measure.title}' counts too few events in {place.name} to show a change in "
                "one year: over how many years, or with which other measure, will the "
                "partnership judge it?"
            )
            out.append(Question(text, m.id, "data"))
        elif not m.available:
            gap = m.sentence.rsplit("cannot tell: ", 1)[-1].rstrip(".")
            text = f"How will the partnership get the data to track {title} ({gap})?"
            out.append(Question(text, m.id, "data"))
    for row in actions:
        if row.overdue or row.action.status in ("delayed", "at_risk"):
            state = "overdue" if row.overdue else row.action.status.replace("_", " ")
            text = (
                f"Is the timetable for '{row.action.description.rstrip('.')}' "
                f"({row.action.owner}, {state}) still realistic?"
            )
            out.append(Question(text, row.id, "action"))
    treated = {c for i in evaluated for c in i.intervention.place_based.lsoas}
    fresh = [c for c in spots.new if c not in treated]
    if spots.available and fresh:
        names = ", ".join(spots.table.loc[spots.table["lsoa_code"].isin(fresh), "lsoa_name"])
        text = f"Should the place-based approach extend to the new hotspots ({names})?"
        out.append(Question(text, spots.id, "hotspot"))
    for i in evaluated:
        name = i.intervention.name
        if not i.can_tell:
            text = f"How will the partnership evaluate {name}, since the data cannot yet tell?"
        else:
            text = f"Given its estimated effect, should {name} continue, change or extend?"
        out.append(Question(text, i.id, "intervention"))
    partial = coverage[coverage["Months covered"] < 12]
    if len(partial):
        text = (
            f"{year} is covered only in part ({'; '.join(dict.fromkeys(partial['Months']))}): "
            "when will the "
            "rest of the year's data arrive, and should the refresh wait for it?"
        )
        out.append(Question(text, "coverage", "data"))
    return tuple(out)
