"""How the review writes months, titles and page anchors ("January to June, August and
September", "violence and sexual offences", "action-a-1"), shared by its parts and its page."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable


def _month_text(months: Iterable[int]) -> str:
    """[1..6, 8, 9] -> 'January to June, August and September'."""
    runs: list[list[int]] = []
    for m in sorted(months):
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
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _month_name(month: str) -> str:
    return f"{calendar.month_name[int(month[5:])]} {month[:4]}"


def _lower(title: str) -> str:
    """'Violence and sexual offences (police.uk open data)' -> 'violence and sexual offences'."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", title).strip()
    return text[:1].lower() + text[1:]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
