"""The counts behind a measure, read from the warehouse: one row per area and period.

Record-level sources (police_crime, police_uk_street, ed_assault) are counted by month and
LSOA inside the warehouse (Ibis, so DuckDB and PostgreSQL alike) and placed in local
authorities here. Aggregate sources (partner_aggregate, published) arrive by area and period
already. Every output row has: area_code, period_start, period_end, count, suppressed,
synthetic, and, for published figures, the published rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.definition import model as definitions
from svduty.definition.apply import annotate
from svduty.warehouse import Warehouse

# The date each record-level source is counted by.
EVENT_DATE = {
    "police_crime": "recorded_date",  # Home Office Counting Rules count crimes when recorded
    "police_uk_street": "month",
    "ed_assault": "assault_at",
}
NO_LOCATION = "no_location"


@dataclass(frozen=True)
class Counts:
    """Monthly counts by LSOA (record-level) or counts by area and period (aggregate)."""

    frame: pd.DataFrame
    months_covered: frozenset[str]  # YYYY-MM the source holds data for (record-level only)
    notes: tuple[str, ...]  # how to read the figures on this source (from the definition)
    definition_version: str | None
    synthetic: bool


def record_counts(wh: Warehouse, measure: Measure, *, police_uk_force: str) -> Counts:
    """Counts by month and LSOA for a record-level measure (lsoa_code null: no location)."""
    table = wh.table(measure.source)
    if measure.source == "police_uk_street":
        table = table.filter(table.force == police_uk_force)
    date = table[EVENT_DATE[measure.source]].cast("date")
    months_all = table.select(month=date.truncate("M")).distinct().execute()["month"]
    notes: tuple[str, ...] = ()
    version = None
    if measure.definition:
        definition = definitions.load(measure.definition)
        annotated = annotate(definition, table, measure.source)
        table = annotated.table.filter(annotated.table.in_scope)
        if measure.strand:
            # By the strand's rule ids: the same rows as `strand == ...`, but DuckDB plans the
            # nested CASE of `strand` badly (seconds per query on a dozen rows).
            rules = [r.id for r in definition.rules if r.strand == measure.strand]
            table = table.filter(table.matched_rule.isin(rules))
        notes = tuple(n.text for n in annotated.notes if hasattr(n, "text"))
        version = f"{definition.id} {definition.version}"
        date = table[EVENT_DATE[measure.source]].cast("date")
    table = filtered(table, measure)
    if measure.under_25:
        table = only_under_25(table, measure.source)
        date = table[EVENT_DATE[measure.source]].cast("date")
    lsoa = table.lsoa_code if "lsoa_code" in table.columns else ibis.null(str)
    synthetic = table.synthetic if "synthetic" in table.columns else ibis.literal(False)
    grouped = (
        table.mutate(month=date.truncate("M"), lsoa=lsoa, synth=synthetic)
        .group_by(["month", "lsoa"])
        .aggregate(count=lambda t: t.count(), synthetic=lambda t: t.synth.any())
    )
    frame = grouped.execute()
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    return Counts(
        frame=frame,
        months_covered=frozenset(pd.to_datetime(months_all).dt.strftime("%Y-%m")),
        notes=notes,
        definition_version=version,
        synthetic=bool(frame["synthetic"].any()) if len(frame) else False,
    )


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


def filtered(table: ibis.Table, measure: Measure) -> ibis.Table:
    for column, wanted in measure.filters.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        table = table.filter(table[column].isin(values))
    return table


_BAND = re.compile(r"^(\d+)-(\d+)$")


def under_25_bands(bands) -> list[str]:
    """The age bands wholly under 25 ('0-24', '10-17', '18-24'; not '20-29' or 'All ages')."""
    return [b for b in bands if (m := _BAND.match(str(b))) and int(m[2]) < 25]


def only_under_25(table: ibis.Table, source: str) -> ibis.Table:
    if source == "police_crime":
        return table.filter(table.victim_age < 25)
    if source == "ed_assault":
        return table.filter(table.under_25)
    if source == "partner_aggregate":
        bands = table.select("age_band").distinct().execute()["age_band"].tolist()
        return table.filter(table.age_band.isin(under_25_bands(bands)))
    raise ValueError(f"{source} has no ages: an under-25 measure cannot be counted from it")
