"""Whether a measure fits what a strategy priority is about.

A priority may say what it is about (``focus``: young people, knives, domestic abuse, ...). A
measure fits it when what the measure counts, read from its catalogue entry (its filters,
definition strand, age and title), shares a topic with that focus: a knife priority measured by
all violence, or a domestic abuse priority measured by robbery, is caught when the file is
checked. The topics are read from the entry itself, so a partnership's own catalogue is checked
the same way as the shipped one; a measure none of the rules recognise is not refused for it.
"""

from __future__ import annotations

from svduty.analysis.measures.catalogue import Measure

__all__ = ["FOCUS", "fits", "measure_topics"]

FOCUS = (
    "violence",
    "young_people",
    "public_space",
    "knives",
    "weapons",
    "homicide",
    "robbery",
    "domestic_abuse",
    "sexual_violence",
    "exploitation",
)

# A focus that a measure of a neighbouring topic serves too: possession of weapons is the
# carrying a knife priority aims to reduce.
_ALSO = {"knives": {"weapons"}, "weapons": {"knives"}}

# (topic, words in the title, filter columns whose presence means it, strands)
_RULES = (
    ("knives", ("knife", "sharp"), ("knife_flag", "knife_or_sharp"), ("knife_enabled",)),
    ("weapons", ("weapon", "firearm"), ("firearm_flag",), ()),
    ("homicide", ("homicide",), (), ("homicide",)),
    ("robbery", ("robbery",), (), ()),
    ("domestic_abuse", ("domestic",), ("domestic_abuse_flag",), ()),
    ("sexual_violence", ("sexual", "rape"), (), ()),
    ("exploitation", ("exploitation", "county lines"), ("exploitation_flag",), ()),
    ("public_space", ("public space",), ("location_type",), ()),
    ("violence", ("violen", "assault", "wounding"), (), ()),
)


def measure_topics(measure: Measure) -> tuple[str, ...]:
    """What ``measure`` counts, as FOCUS topics, in FOCUS order."""
    words = " ".join([measure.title, *(str(v) for v in _values(measure.filters))]).lower()
    found = set()
    for topic, title_words, columns, strands in _RULES:
        if any(w in words for w in title_words) or (measure.strand in strands):
            found.add(topic)
        if any(c in measure.filters for c in columns):
            found.add(topic)
    if measure.under_25:
        found.add("young_people")
    if found & {"knives", "homicide", "robbery", "sexual_violence", "public_space"}:
        found.add("violence")  # each is a kind of violence
    return tuple(t for t in FOCUS if t in found)


def fits(measure: Measure, focus: tuple[str, ...] | list[str]) -> bool:
    """Whether ``measure`` serves a priority about ``focus`` (True when either is unknown)."""
    topics = set(measure_topics(measure))
    if not focus or not topics:
        return True
    wanted = set(focus)
    for f in focus:
        wanted |= _ALSO.get(f, set())
    if "violence" in focus:  # a priority about violence in general takes any violence measure
        return bool(topics & (wanted | {"violence"}))
    return bool(topics & (wanted - {"violence"}))


def _values(filters: dict):
    for value in filters.values():
        if isinstance(value, list):
            yield from value
        else:
            yield value
