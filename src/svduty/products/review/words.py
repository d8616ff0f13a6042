"""How the review writes months, titles and page anchors ("January to June, August and
September", "violence and sexual offences", "action-a-1"), shared by its parts and its page."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable

from svduty.products import recency


def _month_text(months: Iterable[int]) -> str:
    """[1..6, 8, 9] -> 'January to June, August and September' (svduty.products.recency)."""
    return recency.month_text(months)


def _month_name(month: str) -> str:
    return f"{calendar.month_name[int(month[5:])]} {month[:4]}"


def _lower(title: str) -> str:
    """'Violence and sexual offences (police.uk open data)' -> 'violence and sexual offences'."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", title).strip()
    return text[:1].lower() + text[1:]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
