"""Whether the local definition's words may be published as they stand.

A definition quoted with gaps ("..." or "…") reads as the partnership's full definition when
it is not: words are missing. It is published only when marked as an excerpt
(``local_definition.excerpt: true`` in partnership.yaml) of the full text at a linked source
(``source``, a web address), and the pages then say it is an excerpt and link the full text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["ELISION", "elision_problem"]

ELISION = re.compile(r"\.\.\.|\u2026")
_WEB = re.compile(r"^https?://\S+$")


def elision_problem(definition: Mapping) -> str | None:
    """Why the local definition cannot be published as it stands, or None when it can."""
    text = str(definition.get("text") or "")
    if not ELISION.search(text):
        return None
    where = f"the local definition {definition.get('id')!r} (partnership.yaml, local_definition)"
    if not definition.get("excerpt"):
        return (
            f"{where} has gaps marked '...' in its text, so it is not the full definition: "
            "give the full wording in `text`, or mark it as an excerpt (`excerpt: true`) of the "
            "full text linked in `source`"
        )
    if not _WEB.match(str(definition.get("source") or "")):
        return (
            f"{where} is marked as an excerpt, but its `source` is not a web address where "
            "the full text can be read: give the full definition's address in `source`"
        )
    return None
