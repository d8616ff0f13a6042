"""The counts behind a measure, read from the warehouse: one row per area and period.

Record-level sources (police_crime, police_uk_street, ed_assault) are counted by month and
LSOA inside the warehouse (Ibis, so DuckDB and PostgreSQL alike), from the rows the measure
selects (selection.rows), and placed in local authorities here. Aggregate sources
(partner_aggregate, published) arrive by area and period already. Every output row has:
area_code, period_start, period_end, count, suppressed, synthetic, and, for published figures,
the published rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.selection import (  # the aggregates filter with these too
    EVENT_DATE,
    condition,
    filtered,
    only_under_25,
    source_rows,
    under_25_bands,
)
from svduty.definition import model as definitions
from svduty.definition.compile import compile_source
from svduty.warehouse import Warehouse

__all__ = [
    "EVENT_DATE",
    "NO_LOCATION",
    "Counts",
    "aggregate_counts",
    "filtered",
    "only_under_25",
    "published_counts",
    "record_counts",
    "record_counts_of",
    "under_25_bands",
]

NO_LOCATION = "no_location"


@dataclass(frozen=True)
class Counts:
    """Monthly counts by LSOA (record-level) or counts by area and period (aggregate)."""

    frame: pd.DataFrame
    months_covered: frozenset[str]  # YYYY-MM the source holds data for (record-level only)
    notes: tuple[str, ...]  # how to read the figures on this source (from the definition)
    definition_version: str | None
    synthetic: bool


def record_counts(
    wh: Warehouse,
    measure: Measure,
    *,
    police_uk_force: str,
    coverage: dict[str, frozenset[str]] | None = None,
) -> Counts:
    """Counts by month and LSOA for a record-level measure (lsoa_code null: no location).

    ``coverage``: the months each source covers, kept by the caller across the measures of one
    run (every measure of a source shares them), read here when it lacks the source."""
    return record_counts_of(wh, [measure], police_uk_force=police_uk_force, coverage=coverage)[0]


def record_counts_of(
    wh: Warehouse,
    measures: list[Measure],
    *,
    police_uk_force: str,
    coverage: dict[str, frozenset[str]] | None = None,
) -> list[Counts]:
    """:func:`record_counts` of several measures of one record-level source, in the order
    given, from ONE query: one pass over the source, each local definition's rule decided once
    per row, each measure counted where its condition (selection.condition, the rows
    selection.rows selects) holds. Counting each measure on its own re-reads the source and
    re-evaluates the definition's CASE of a dozen rules per measure (seven measures read
    police_crime), and Ibis compiles a query per measure."""
    if not measures:
        return []
    sources = {m.source for m in measures}
    if len(sources) > 1:
        raise ValueError(f"measures of one source at a time, not of {', '.join(sorted(sources))}")
    name = measures[0].source
    if name not in EVENT_DATE:
        raise ValueError(
            f"measure {measures[0].id!r} comes from {name}, which has no record-level rows"
        )
    source = source_rows(wh, name, police_uk_force=police_uk_force)
    coverage = {} if coverage is None else coverage
    if name not in coverage and len(measures) == 1:
        coverage[name] = _months_covered(source, name)
    # each definition compiled once; its matched rule decided in its own projection
    plans = {}
    for m in measures:
        if m.definition and m.definition not in plans:
            plans[m.definition] = compile_source(definitions.load(m.definition), name, source)
    rule_column = {d: f"_rule_{i}" for i, d in enumerate(plans)}
    decided = source.mutate(**{rule_column[d]: plan.matched_rule() for d, plan in plans.items()})
    tests = [
        condition(decided, m, decided[rule_column[m.definition]] if m.definition else None)
        for m in measures
    ]
    synthetic = (
        decided.synthetic if "synthetic" in decided.columns else ibis.literal(False)
    )  # police.uk open data has no such column: it is real
    marked = decided.select(
        _month=decided[EVENT_DATE[name]].cast("date").truncate("M"),
        _lsoa=decided.lsoa_code,
        _synthetic=synthetic,
        **{f"_in_{i}": ibis.literal(True) if t is None else t for i, t in enumerate(tests)},
    )
    # One measure: only its rows are grouped. Several: every row, each counted by a filtered
    # aggregate; a filter on "any of them" first costs more than it saves (DuckDB evaluates
    # the conditions twice), measured on the demo warehouse.
    kept = marked.filter(marked._in_0) if len(measures) == 1 else marked
    metrics = {}
    for i in range(len(measures)):
        wanted = kept[f"_in_{i}"]
        metrics[f"_count_{i}"] = kept.count(where=wanted)
        metrics[f"_synthetic_{i}"] = kept._synthetic.any(where=wanted)
    grouped = kept.group_by(["_month", "_lsoa"]).aggregate(**metrics).execute()
    months = pd.to_datetime(grouped["_month"]).dt.strftime("%Y-%m")
    if name not in coverage:
        # Several measures: every row of the source was grouped, so the months of the groups
        # are the months the source covers, without a query of its own to find them.
        coverage[name] = frozenset(months)
    out = []
    for i, m in enumerate(measures):
        counted = grouped[f"_count_{i}"] > 0
        frame = pd.DataFrame(
            {
                "month": months[counted],
                "lsoa": grouped.loc[counted, "_lsoa"],
                "count": grouped.loc[counted, f"_count_{i}"],
                "synthetic": grouped.loc[counted, f"_synthetic_{i}"],
            }
        ).reset_index(drop=True)
        notes: tuple[str, ...] = ()
        version = None
        if m.definition:
            # only what the definition says about reading this source: the rows are selection's
            plan = plans[m.definition]
            notes = tuple(n.text for n in plan.notes if hasattr(n, "text"))
            version = f"{plan.definition.id} {plan.definition.version}"
        out.append(
            Counts(
                frame=frame,
                months_covered=coverage[name],
                notes=notes,
                definition_version=version,
                synthetic=bool(frame["synthetic"].any()) if len(frame) else False,
            )
        )
    return out


def _months_covered(source, name: str) -> frozenset[str]:
    """The months 'YYYY-MM' a record-level source holds rows for."""
    date = source[EVENT_DATE[name]].cast("date")
    months = source.select(month=date.truncate("M")).distinct().execute()["month"]
    return frozenset(pd.to_datetime(months).dt.strftime("%Y-%m"))


def aggregate_counts(wh: Warehouse, measure: Measure) -> Counts:
    """partner_aggregate rows for the measure, by area and period as sent."""
    table = filtered(wh.table("partner_aggregate"), measure)
    if measure.under_25:
        table = only_under_25(table, "partner_aggregate")
    else:
        table = table.filter(table.age_band == "All ages")
    table = table.filter(table.sex == "Persons")
    frame = (
        table.group_by(["area_code", "period_start", "period_end"])
        .aggregate(
            count=lambda t: t["count"].sum(),
            suppressed=lambda t: t.suppressed.any(),
            synthetic=lambda t: t.synthetic.any(),
        )
        .execute()
    )
    return Counts(
        frame, frozenset(), (), None, bool(frame["synthetic"].any()) if len(frame) else False
    )


def published_counts(wh: Warehouse, measure: Measure) -> Counts:
    """Published counts and, where published, their rates per 100,000 (ONS tables)."""
    table = wh.table("published_statistic")
    name = measure.filters.get("measure")
    # One table per figure: the same year can appear in several (P5 and P6 both hold 2024).
    sheet = measure.filters.get("sheet")
    counts = table.filter((table.measure == name) & table.offence.isnull())
    if sheet:
        counts = counts.filter(counts.sheet == sheet)
    rates = table.filter((table.measure == f"{name}_rate_per_100k") & table.offence.isnull())
    c = counts.select("area_code", "area_name", "period_start", "period_end", count=counts.value)
    r = rates.select("area_code", "period_start", "period_end", published_rate=rates.value)
    frame = c.left_join(r, ["area_code", "period_start", "period_end"]).execute()
    frame = frame.loc[:, ~frame.columns.str.endswith("_right")]
    frame["suppressed"] = False
    frame["synthetic"] = False
    return Counts(frame, frozenset(), (), None, False)
