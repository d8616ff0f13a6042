"""The review written as one accessible HTML page. The page is internal to the partnership
(exact figures, small counts included): nothing on it is public until `svduty publish` has
passed it through disclosure control."""

from __future__ import annotations

import math
from pathlib import Path

from svduty.products import html
from svduty.products.duty_record import Requirement
from svduty.products.review.comparison import BASELINE, Change
from svduty.products.review.hotspot_changes import CHANGE_CLASSES
from svduty.products.review.model import Review
from svduty.products.review.summary import summary
from svduty.products.review.words import _lower, _month_text
from svduty.products.strategy import file as strategies
from svduty.reference.population import denominator


def write(
    review: Review, out_dir: Path | str, *, requirements: tuple[Requirement, ...] | None = None
) -> Path:
    """Write the review to ``out_dir/index.html`` (with its stylesheet) and return the path.
    ``requirements``: the Duty compliance tracker as the portal derives it (None when built
    outside the portal: the page says so)."""
    plan = review.strategy
    example = plan.example_note if plan is not None and plan.example else None
    return html.write_page(
        Path(out_dir),
        "index.html",
        "review.html",
        r=review,
        requirements=requirements,
        summary=summary(review),
        title=f"Annual review {review.year}: {review.area.name}",
        body_name=review.area.body,
        synthetic=review.synthetic,
        example=example,
        statuses=strategies.ACTION_STATUSES,
        change_classes=CHANGE_CLASSES,
        month_text=_month_text,
        fmt_ratio=_fmt_ratio,
        lower=_lower,
        # the one denominator per level (svduty.reference.population), named in the method note
        area_population=denominator("la").source,
        lsoa_population=denominator("lsoa").source,
    )


def _fmt_ratio(change: Change) -> str:
    if change.finding == BASELINE:
        return "[z]"
    if change.ratio is None:
        return "[x]"
    if change.lower is None or math.isnan(change.lower):
        return f"{change.ratio:.2f}"
    return f"{change.ratio:.2f} ({change.lower:.2f} to {change.upper:.2f})"
