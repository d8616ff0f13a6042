"""The review's opening summary: what a board member reads first, in plain sentences.

Each sentence is counted from the review's own parts (measures, targets, actions, hotspots,
interventions, coverage); none quotes a count of events, so the same sentences can stand on the
public site, where the review's figures are not published (docs/review.md).
"""

from __future__ import annotations

from svduty.products.review.comparison import CANNOT, HIGHER, LOWER

__all__ = ["direction", "summary"]


def direction(finding: str, polarity: str) -> str:
    """``better``, ``worse``, ``no significant change`` or ``cannot tell`` for a change."""
    if finding in (HIGHER, LOWER):
        good = (finding == LOWER) == (polarity == "low_is_good")
        return "better" if good else "worse"
    return CANNOT if finding == CANNOT else "no significant change"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def summary(review) -> tuple[str, ...]:
    """The opening summary of ``review`` (a svduty.products.review.Review), in reading order."""
    out = list(review.warnings)
    measures = review.measures
    if measures:
        tally: dict[str, int] = {}
        for m in measures:
            said = direction(m.baseline.finding, m.measure.polarity)
            tally[said] = tally.get(said, 0) + 1
        parts = [
            f"{tally[k]} {k}"
            for k in ("better", "worse", "no significant change", CANNOT)
            if tally.get(k)
        ]
        out.append(
            f"{_count(len(measures), 'measure')} reviewed against the baseline year "
            f"{review.baseline_year}: " + ", ".join(parts) + "."
        )
        moved = review.significant_moves
        out.append(
            f"{_count(len(moved), 'measure')} changed significantly since {review.year - 1}"
            + (": " + "; ".join(_moved(m) for m in moved) if moved else "")
            + "."
        )
        targets = [m for m in measures if m.target is not None]
        if targets:
            reached = [m for m in targets if m.target_reached]
            firm = sum(1 for m in reached if m.baseline.significant)
            out.append(
                f"Targets: {len(reached)} of the {_count(len(targets), 'target')} the strategy "
                f"sets {'is' if len(reached) == 1 else 'are'} at or past the level aimed for in "
                f"{review.year}"
                + (f" ({firm} with a statistically significant change)" if reached else "")
                + "."
            )
    if review.strategy is not None:
        total = len(review.actions)
        done = review.action_counts.get("complete", 0)
        late = sum(1 for a in review.actions if a.overdue)
        out.append(
            f"{_count(total, 'action')} in the strategy: {done} complete, {late} overdue on "
            f"{review.today.day} {review.today:%B %Y}."
        )
    spots = review.hotspots
    if spots.available:
        what = spots.title[:1].lower() + spots.title[1:]
        out.append(
            f"Hotspots of {what}: {len(spots.new)} new since {spots.previous}, "
            f"{len(spots.gone)} no longer, {len(spots.persistent)} in both years."
        )
    for i in review.interventions:
        verdict = "the data can tell" if i.can_tell else "the data cannot tell yet"
        out.append(f"{i.intervention.name}: {verdict} whether it worked (see its evaluation).")
    if review.part_year:
        out.append(
            f"{review.year} is covered only in part: every comparison uses the months both "
            "years have."
        )
    return tuple(out)


def _moved(m) -> str:
    said = direction(m.previous.finding, m.measure.polarity)
    return f"{m.measure.title} ({'higher' if m.previous.finding == HIGHER else 'lower'}, {said})"
