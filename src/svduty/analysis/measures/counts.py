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

import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.selection import (  # the aggregates filter with these too
    EVENT_DATE,
    filtered,
    only_under_25,
    rows,
    source_rows,
    under_25_bands,
)
from svduty.definition import model as definitions
from svduty.definition.apply import annotate
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
    source = source_rows(wh, measure.source, police_uk_force=police_uk_force)
    coverage = {} if coverage is None else coverage
    if measure.source not in coverage:
        coverage[measure.source] = _months_covered(source, measure.source)
    notes: tuple[str, ...] = ()
    version = None
    if measure.definition:
        # only what the definition says about reading this source: the rows are selection's
        definition = definitions.load(measure.definition)
        annotated = annotate(definition, source, measure.source)
        notes = tuple(n.text for n in annotated.notes if hasattr(n, "text"))
        version = f"{definition.id} {definition.version}"
    table = rows(wh, measure, police_uk_force=police_uk_force)
    grouped = (
        table.mutate(month=table.event_date.truncate("M"), lsoa=table.lsoa_code)
        .group_by(["month", "lsoa"])
        .aggregate(count=lambda t: t.count(), synthetic=lambda t: t.synthetic.any())
    )
    frame = grouped.execute()
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    return Counts(
        frame=frame,
        months_covered=coverage[measure.source],
        notes=notes,
        definition_version=version,
        synthetic=bool(frame["synthetic"].any()) if len(frame) else False,
    )


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
