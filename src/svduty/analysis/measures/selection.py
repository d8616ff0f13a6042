"""The rows a record-level measure selects, in one place: every reader of a measure's rows (the
counts, the evidence's events, the portal's record-level view) takes them from :func:`rows`, so
what a measure counts and what is shown as its rows cannot drift apart.

A measure of the catalogue (measures.yaml) whose source is a record-level table selects the rows
of that table that:

- belong to the force (police.uk files of several forces can share the table; the other sources
  are the partnership's own extracts);
- fall in its local definition's scope, and in the strand it names;
- match its filters (equality, or any of a list, on the source's columns);
- are about victims (or people) aged under 25, for an under-25 measure;

and it counts them by the date the source is counted by (:data:`EVENT_DATE`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import ibis

from svduty.analysis.measures.catalogue import Measure
from svduty.definition import model as definitions
from svduty.definition.apply import annotate
from svduty.warehouse import Warehouse

__all__ = [
    "EVENT_DATE",
    "RECORD_SOURCES",
    "condition",
    "filtered",
    "only_under_25",
    "rows",
    "source_rows",
    "under_25_bands",
]

# The date each record-level source is counted by.
EVENT_DATE = {
    "police_crime": "recorded_date",  # Home Office Counting Rules count crimes when recorded
    "police_uk_street": "month",
    "ed_assault": "assault_at",
}
RECORD_SOURCES = tuple(EVENT_DATE)


def source_rows(wh: Warehouse, source: str, *, police_uk_force: str) -> ibis.Table:
    """Every row of a record-level source the force's measures may count, before any measure's
    own selection (the months it covers are the source's coverage)."""
    table = wh.table(source)
    if source == "police_uk_street":
        table = table.filter(table.force == police_uk_force)
    return table


def rows(
    wh: Warehouse,
    measure: Measure,
    *,
    police_uk_force: str,
    years: Iterable[int] | None = None,
    between: tuple[date, date] | None = None,
    lsoas: Iterable[str] | None = None,
) -> ibis.Table:
    """The rows ``measure`` counts, one per event, lazily (nothing runs until executed).

    Columns: every column of the source table, ``event_date`` (the date the measure counts the
    row by, as a date) and ``synthetic`` (false for police.uk open data, which has no such
    column: it is real). Optionally only the rows of calendar ``years``, of the days ``between``
    (first and last, inclusive) and with an LSOA code in ``lsoas`` (rows with no location are
    then left out). A measure of an aggregate source has no rows: ``ValueError``.
    """
    if measure.source not in RECORD_SOURCES:
        raise ValueError(
            f"measure {measure.id!r} comes from {measure.source}, which has no record-level rows"
        )
    table = source_rows(wh, measure.source, police_uk_force=police_uk_force)
    columns = table.columns
    if measure.definition:
        table = _in_scope(table, measure)
    table = filtered(table, measure)
    if measure.under_25:
        table = only_under_25(table, measure.source)
    extra = {"event_date": table[EVENT_DATE[measure.source]].cast("date")}
    if "synthetic" not in columns:
        extra["synthetic"] = ibis.literal(False)
    table = table.select(*columns, **extra)
    if years is not None:
        table = table.filter(table.event_date.year().isin(sorted({int(y) for y in years})))
    if between is not None:
        first, last = between
        table = table.filter((table.event_date >= first) & (table.event_date <= last))
    if lsoas is not None:
        table = table.filter(table.lsoa_code.isin(sorted(lsoas)))
    return table


def _in_scope(table: ibis.Table, measure: Measure) -> ibis.Table:
    """The rows in the measure's local definition's scope, and in its strand if it names one."""
    definition = definitions.load(measure.definition)
    annotated = annotate(definition, table, measure.source).table
    table = annotated.filter(annotated.in_scope)
    if measure.strand:
        # By the strand's rule ids: the same rows as `strand == ...`, but DuckDB plans the
        # nested CASE of `strand` badly (seconds per query on a dozen rows).
        table = table.filter(table.matched_rule.isin(strand_rules(measure)))
    return table


def strand_rules(measure: Measure) -> list[str]:
    """The ids of the rules of the measure's definition that belong to its strand."""
    definition = definitions.load(measure.definition)
    return [r.id for r in definition.rules if r.strand == measure.strand]


def condition(
    table: ibis.Table, measure: Measure, matched_rule: ibis.Value | None = None
) -> ibis.Value | None:
    """What :func:`rows` selects, as one condition on a row of the measure's source table
    (None: every row), so that several measures can be counted in one pass over the source
    (:func:`svduty.analysis.measures.counts.record_counts_of`). ``matched_rule``: the column of
    ``table`` holding the measure's definition's matched rule (annotate's ``matched_rule``);
    required when the measure has a definition. The same tests as :func:`rows`, in the same
    SQL three-valued logic: a row is counted where the condition is true."""
    conditions = []
    if measure.definition:
        if matched_rule is None:
            raise ValueError(f"measure {measure.id!r} has a definition: pass its matched rule")
        conditions.append(
            matched_rule.isin(strand_rules(measure)) if measure.strand else matched_rule.notnull()
        )
    conditions += _filter_conditions(table, measure)
    if measure.under_25:
        conditions.append(_under_25_condition(table, measure.source))
    if not conditions:
        return None
    out = conditions[0]
    for c in conditions[1:]:
        out = out & c
    return out


def filtered(table: ibis.Table, measure: Measure) -> ibis.Table:
    """The rows matching the measure's filters: equality, or any of a list."""
    for test in _filter_conditions(table, measure):
        table = table.filter(test)
    return table


def _filter_conditions(table: ibis.Table, measure: Measure) -> list:
    out = []
    for column, wanted in measure.filters.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        out.append(table[column].isin(values))
    return out


_BAND = re.compile(r"^(\d+)-(\d+)$")


def under_25_bands(bands) -> list[str]:
    """The age bands wholly under 25 ('0-24', '10-17', '18-24'; not '20-29' or 'All ages')."""
    return [b for b in bands if (m := _BAND.match(str(b))) and int(m[2]) < 25]


def only_under_25(table: ibis.Table, source: str) -> ibis.Table:
    """The rows about victims (police), people (emergency departments) or age bands under 25."""
    if source == "partner_aggregate":
        bands = table.select("age_band").distinct().execute()["age_band"].tolist()
        return table.filter(table.age_band.isin(under_25_bands(bands)))
    return table.filter(_under_25_condition(table, source))


def _under_25_condition(table: ibis.Table, source: str) -> ibis.Value:
    if source == "police_crime":
        return table.victim_age < 25
    if source == "ed_assault":
        return table.under_25
    raise ValueError(f"{source} has no ages: an under-25 measure cannot be counted from it")
