"""Data quality for the evidence base: completeness, coverage gaps, quarantine, synthetic share.

An assessment has to say what its data cannot show before it says what they do. This module
reads the warehouse itself (never the files) and answers:

- ``completeness``: the share of non-null values of every column of every canonical data table,
  per month and overall;
- ``coverage_gaps``: months with no data between the first and the last, per source and provider
  (the force for police.uk, the site for emergency department returns), both as the current
  loads declare what they cover (``loads.covers``, ``period_start``, ``period_end``) and as the
  rows themselves show;
- ``quarantine_rates``: rows quarantined per source, field and reason, as a share of the rows read
  by the current loads, and files refused whole;
- ``synthetic_share``: the share of each table's rows that are synthetic;
- ``data_gaps``: the short sentences an analyst puts in the assessment ("police.uk has no data for
  2019-07", "ED data lack an LSOA for 40% of rows").

It also holds what the other evidence modules share: the ``Result`` base with ``as_dict``, the
scoping of a source table by a definition, strand or measure (``scoped``), and the synthetic flag
of a row (from its own ``synthetic`` column or its load's). Every query is Ibis, so it runs
unchanged on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import SYNTHETIC_NOTE
from svduty.analysis.measures.selection import filtered, only_under_25
from svduty.definition import model as definitions
from svduty.definition.apply import annotate
from svduty.definition.compile import SOURCES as DEFINITION_SOURCES
from svduty.sources import ed_assaults, ons_prc, police_crime, police_uk
from svduty.sources.feeds import FEEDS
from svduty.warehouse import Warehouse

# ---- what every evidence module shares ---------------------------------------------------------

RECORD_SOURCES = ("police_crime", "police_uk_street", "ed_assault")
LABELS: dict[str, str] = {
    **DEFINITION_SOURCES,
    "published_statistic": "ONS published statistics",
}
# The canonical data tables, and the column that says which month (or period) a row is for.
PERIOD_COLUMN: dict[str, str] = {
    "police_uk_street": "month",  # the month police.uk publishes the crime under
    "police_crime": "month",  # the month the crime was recorded (Home Office Counting Rules)
    "ed_assault": "month",  # the month of the assault
    "partner_aggregate": "period_start",
    "published_statistic": "period_start",
}
# Bookkeeping columns every row has; their completeness says nothing.
_BOOKKEEPING = ("load_id", "line")
# The `loads.source` of each feed, and the table its rows go to.
SOURCE_TABLE: dict[str, str] = {
    police_uk.SOURCE: "police_uk_street",
    ons_prc.SOURCE: "published_statistic",
    **{source: feed.table for source, feed in FEEDS.items()},
}
# The column that names the provider of a row (whose data it is), per record-level table.
PROVIDER_COLUMN: dict[str, str | None] = {
    "police_uk_street": "force",
    "ed_assault": "site_code",
    "police_crime": None,  # one force's extract
}
SOURCE_NAMES: dict[str, str] = {
    police_uk.SOURCE: "police.uk",
    police_crime.SOURCE: "police recorded crime (force extract)",
    ed_assaults.SOURCE: "ED assault data (ISTV)",
    ons_prc.SOURCE: "ONS police force area tables",
}


def jsonable(value):
    """``value`` as plain JSON types: frames as lists of records, NaN and NaT as None."""
    if isinstance(value, Result):
        return value.as_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, pd.DataFrame):
        return [{str(k): jsonable(v) for k, v in row.items()} for row in value.to_dict("records")]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    return value


class Result:
    """Base of every evidence result: ``as_dict()`` gives plain JSON types.

    Each result dataclass has at least ``source`` (the canonical table, or ``warehouse``),
    ``definition_version`` (``"<id> <version>"`` or None), ``synthetic`` (true when any row used
    is synthetic) and ``caveats`` (sentences to print with the figures).
    """

    def as_dict(self) -> dict:
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scoped:
    """A source table narrowed to a definition's scope (and strand) or a measure's rows.

    ``table`` has one extra column, ``_synthetic``: true when the row or its load is synthetic.
    ``all_rows`` is the source before narrowing (same force filter), for coverage.
    """

    source: str
    table: ir.Table
    all_rows: ir.Table
    definition_version: str | None
    notes: tuple[str, ...]


def synthetic_column(wh: Warehouse, table: ir.Table) -> ir.BooleanValue:
    """True when the row says it is synthetic, or came in with a load marked synthetic."""
    loads = wh.table("loads")
    flagged = loads.filter(loads.synthetic).load_id
    from_load = table.load_id.isin(flagged)
    if "synthetic" in table.columns:
        return table.synthetic.fill_null(False) | from_load
    return from_load


def scoped(
    wh: Warehouse,
    source: str,
    *,
    definition: str | definitions.Definition | None = None,
    strand: str | None = None,
    measure: Measure | None = None,
    police_uk_force: str | None = None,
) -> Scoped:
    """The rows of `source` an evidence figure is made from.

    - ``definition`` (a shipped id, a file, or a loaded Definition): only rows in its scope;
      ``strand``: only rows of that strand.
    - ``measure``: the measure's rows (its source, filters, definition, strand and under-25
      restriction, as ``svduty.analysis.measures.counts`` reads them); then ``definition`` and
      ``strand`` must not be given as well.
    - ``police_uk_force``: for police.uk, only that force's files.
    """
    if measure is not None:
        if definition is not None or strand is not None:
            raise ValueError("give a measure or a definition (and strand), not both")
        if measure.source != source:
            raise ValueError(
                f"measure {measure.id!r} is counted from {measure.source}, not {source}"
            )
        definition, strand = measure.definition, measure.strand
    if strand is not None and definition is None:
        raise ValueError(f"strand {strand!r} needs the definition it belongs to")
    if source not in wh.ibis.list_tables():
        raise ValueError(f"the warehouse has no table {source!r}")
    table = wh.table(source)
    if police_uk_force is not None and source == "police_uk_street":
        table = table.filter(table.force == police_uk_force)
    all_rows = table
    version, notes = None, ()
    if definition is not None:
        d = (
            definition
            if isinstance(definition, definitions.Definition)
            else definitions.load(definition)
        )
        if strand is not None and strand not in d.strands:
            raise ValueError(
                f"definition {d.id} has no strand {strand!r}; its strands: {', '.join(d.strands)}"
            )
        annotated = annotate(d, table, source)
        table = annotated.table.filter(annotated.table.in_scope)
        if strand is not None:
            # By the rules of the strand, not `strand == ...`: DuckDB 1.x takes tens of seconds
            # to plan a filter on the strand CASE (itself over the matched_rule CASE).
            table = table.filter(table.matched_rule.isin(strand_rules(d, strand)))
        version = definition_version(d)
        notes = tuple(
            f"{d.id} rule {n.rule}: {n.text}" if n.rule else n.text for n in annotated.notes
        )
    if measure is not None:  # the measure's own selection, as analysis.measures reads it
        table = filtered(table, measure)
        if measure.under_25:
            table = only_under_25(table, source)
    table = table.mutate(_synthetic=synthetic_column(wh, table))
    return Scoped(source, table, all_rows, version, notes)


SYNTHETIC_CAVEAT = SYNTHETIC_NOTE


def count_true(condition: ir.BooleanValue) -> ir.IntegerScalar:
    """Rows where `condition` is true (null counts as not true); PostgreSQL cannot cast a
    boolean to a number, so this is a sum of 1s and 0s."""
    return ibis.ifelse(condition.fill_null(False), 1, 0).sum()


def finish(caveats, synthetic: bool) -> tuple[str, ...]:
    """The caveats as a tuple, led by the synthetic warning when any row used is synthetic."""
    return ((SYNTHETIC_CAVEAT,) if synthetic else ()) + tuple(caveats)


def strand_rules(d: definitions.Definition, strand: str) -> list[str]:
    """The ids of the rules of one strand of a definition."""
    return [r.id for r in d.rules if r.strand == strand]


def definition_version(d: definitions.Definition) -> str:
    """How a result names the definition it used (as the measures do): ``"<id> <version>"``."""
    return f"{d.id} {d.version}"


def month_label(value) -> str:
    """'YYYY-MM' of a date, datetime or pandas Timestamp."""
    return pd.Timestamp(value).strftime("%Y-%m")


def months_between(first: str, last: str) -> list[str]:
    """Every 'YYYY-MM' from first to last, both included."""
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def month_ranges(months: list[str]) -> list[str]:
    """['2019-07', '2021-10', '2021-11'] -> ['2019-07', '2021-10 to 2021-11']."""
    out: list[list[str]] = []
    for m in sorted(months):
        if out and pd.Period(out[-1][-1], freq="M") + 1 == pd.Period(m, freq="M"):
            out[-1].append(m)
        else:
            out.append([m])
    return [r[0] if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in out]


def covered_months(table: ir.Table, column: str = "month") -> list[str]:
    """The months (YYYY-MM) in which `table` has at least one row, in order."""
    months = table.select(m=table[column].cast("date").truncate("M")).distinct().execute()["m"]
    return sorted({month_label(v) for v in months if not pd.isna(v)})


def share(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


def pct(value: float | None) -> str:
    """A share as a percentage for a sentence: 0.4 -> '40%', 0.0123 -> '1.2%'."""
    if value is None:
        return "n/a"
    p = 100 * value
    if p == 0 or p >= 10 or abs(p - round(p)) < 1e-9:
        return f"{round(p):.0f}%"
    return f"{p:.1f}%"


# ---- completeness ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness(Result):
    """Share of non-null values per column, per table and month (``by_month``) and overall."""

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    by_month: pd.DataFrame  # table, period (YYYY-MM), column, rows, non_null, share
    overall: pd.DataFrame  # table, column, rows, non_null, share


def completeness(wh: Warehouse, tables: tuple[str, ...] | None = None) -> Completeness:
    """Completeness of every column (bar load_id and line) of each canonical data table.

    One query per table: per month (the table's PERIOD_COLUMN), the rows and the non-null count
    of each column. A table with no rows gives no lines.
    """
    tables = tables or tuple(PERIOD_COLUMN)
    monthly, overall, synthetic = [], [], False
    for name in tables:
        t = wh.table(name)
        columns = [c for c in t.columns if c not in _BOOKKEEPING]
        t = t.mutate(_period=t[PERIOD_COLUMN[name]].cast("date").truncate("M"))
        metrics = {"_rows": t.count(), "_synthetic": synthetic_column(wh, t).any()}
        metrics |= {f"nn_{i}": t[c].count() for i, c in enumerate(columns)}
        frame = t.group_by("_period").aggregate(**metrics).execute()
        if frame.empty:
            continue
        synthetic |= bool(frame["_synthetic"].fillna(False).any())
        frame = frame.sort_values("_period")
        for i, column in enumerate(columns):
            for period, rows, nn in zip(
                frame["_period"], frame["_rows"], frame[f"nn_{i}"], strict=True
            ):
                monthly.append((name, month_label(period), column, int(rows), int(nn)))
            total, nn_total = int(frame["_rows"].sum()), int(frame[f"nn_{i}"].sum())
            overall.append((name, column, total, nn_total))
    by_month = pd.DataFrame(monthly, columns=["table", "period", "column", "rows", "non_null"])
    by_month["share"] = by_month["non_null"] / by_month["rows"]
    all_periods = pd.DataFrame(overall, columns=["table", "column", "rows", "non_null"])
    all_periods["share"] = all_periods["non_null"] / all_periods["rows"]
    caveats = (
        "A null is a value the sender left blank or could not give: for the police flags it "
        "means not known, not 'no'.",
        "Aggregate tables (partner_aggregate, published_statistic) are grouped by the first "
        "month of each row's period.",
    )
    return Completeness("warehouse", None, synthetic, caveats, by_month, all_periods)


# ---- coverage gaps ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage(Result):
    """Months missing between the first and last, per source and provider.

    ``by_loads``: source, provider, first_month, last_month, months_covered, missing_months,
    gaps (ranges), from the periods the current loads declare. ``by_rows``: table, provider,
    first_month, last_month, months_with_rows, missing_months, gaps, from the rows.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    by_loads: pd.DataFrame
    by_rows: pd.DataFrame


def current_loads(wh: Warehouse) -> ir.Table:
    """Loads whose rows are in the warehouse now (not refused, not replaced since)."""
    loads = wh.table("loads")
    return loads.filter(
        (loads.status != "refused")
        & loads.superseded_by_load_id.isnull()
        & (loads.source != "reference")
    )


def coverage_gaps(wh: Warehouse) -> Coverage:
    """Gaps in coverage, by the loads' declared periods and by the rows themselves."""
    loads = current_loads(wh)
    declared = loads.filter(loads.period_start.notnull()).select(
        "source", "covers", "period_start", "period_end", "synthetic"
    )
    frame = declared.execute()
    months: dict[tuple[str, str], set[str]] = {}
    synthetic = bool(frame["synthetic"].fillna(False).any()) if len(frame) else False
    for source, covers, start, end in frame[
        ["source", "covers", "period_start", "period_end"]
    ].itertuples(index=False):
        # An emergency department file can cover several sites; each site is a provider.
        for provider in str(covers or "").split(","):
            months.setdefault((source, provider.strip()), set()).update(
                months_between(month_label(start), month_label(end))
            )
    rows = []
    for (source, provider), held in sorted(months.items()):
        span = months_between(min(held), max(held))
        missing = [m for m in span if m not in held]
        rows.append(
            (source, provider, min(held), max(held), len(held), missing, month_ranges(missing))
        )
    by_loads = pd.DataFrame(
        rows,
        columns=[
            "source",
            "provider",
            "first_month",
            "last_month",
            "months_covered",
            "missing_months",
            "gaps",
        ],
    )
    found = []
    for table, provider_column in PROVIDER_COLUMN.items():
        t = wh.table(table)
        keys = {"m": t.month.cast("date").truncate("M")}
        keys["provider"] = t[provider_column] if provider_column else ibis.literal("")
        present = t.select(**keys).distinct().execute()
        for provider, group in present.groupby("provider", dropna=False):
            held = sorted({month_label(v) for v in group["m"] if not pd.isna(v)})
            if not held:
                continue
            missing = [m for m in months_between(held[0], held[-1]) if m not in set(held)]
            found.append(
                (table, provider, held[0], held[-1], len(held), missing, month_ranges(missing))
            )
    by_rows = pd.DataFrame(
        found,
        columns=[
            "table",
            "provider",
            "first_month",
            "last_month",
            "months_with_rows",
            "missing_months",
            "gaps",
        ],
    )
    caveats = (
        "A month a load covers but in which it has no rows can be a true zero or a gap in the "
        "sender's extract: by_rows lists both kinds, by_loads only months no file covers.",
        "police.uk and the force extract have a month per crime; emergency department returns "
        "are per site, so one site's missing month is a gap even when other sites sent theirs.",
    )
    return Coverage("warehouse", None, synthetic, caveats, by_loads, by_rows)


# ---- quarantine and refusals --------------------------------------------------------------------


@dataclass(frozen=True)
class Quarantine(Result):
    """Rows quarantined per source, field and reason, and files refused whole.

    ``by_reason``: source, field, reason_code, rows_quarantined, rows_read, rate.
    ``by_source``: source, files, files_refused, rows_read, rows_loaded, rows_quarantined, rate.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    by_reason: pd.DataFrame
    by_source: pd.DataFrame


def quarantine_rates(wh: Warehouse) -> Quarantine:
    """Quarantine rates of the current loads: share of the rows read, by source and reason."""
    loads = wh.table("loads")
    loads = loads.filter(loads.source != "reference")
    current = current_loads(wh)
    per_source = (
        current.group_by("source")
        .aggregate(
            files=current.count(),
            rows_read=current.rows_read.sum(),
            rows_loaded=current.rows_loaded.sum(),
            rows_quarantined=current.rows_quarantined.sum(),
            synthetic=current.synthetic.any(),
        )
        .execute()
    )
    refused = (
        loads.filter(loads.status == "refused")
        .group_by("source")
        .aggregate(files_refused=lambda t: t.count())
        .execute()
    )
    q = wh.table("quarantine")
    q = q.semi_join(current.select("load_id"), "load_id")
    reasons = q.group_by(["source", "field", "reason_code"]).aggregate(rows_quarantined=q.count())
    by_reason = reasons.execute()
    by_source = per_source.merge(refused, on="source", how="outer")
    for column in ("files", "rows_read", "rows_loaded", "rows_quarantined", "files_refused"):
        by_source[column] = by_source[column].fillna(0).astype(int)
    by_source["rate"] = [
        share(q_, r) for q_, r in zip(by_source.rows_quarantined, by_source.rows_read, strict=True)
    ]
    synthetic = bool(by_source["synthetic"].fillna(False).astype(bool).any())
    by_source = by_source.drop(columns="synthetic").sort_values("source").reset_index(drop=True)
    read = dict(zip(by_source.source, by_source.rows_read, strict=True))
    by_reason["rows_quarantined"] = by_reason["rows_quarantined"].astype(int)
    by_reason["rows_read"] = [int(read.get(s, 0)) for s in by_reason["source"]]
    by_reason["rate"] = [
        share(q_, r) for q_, r in zip(by_reason.rows_quarantined, by_reason.rows_read, strict=True)
    ]
    by_reason = by_reason.sort_values(
        ["source", "rows_quarantined", "reason_code"], ascending=[True, False, True]
    ).reset_index(drop=True)
    caveats = (
        "Rates are of the rows read by the loads in the warehouse now; rows of replaced loads "
        "are not counted. A refused file loaded nothing, so its rows are in no rate.",
    )
    return Quarantine("warehouse", None, synthetic, caveats, by_reason, by_source)


# ---- synthetic share --------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticShare(Result):
    """Per canonical data table: rows, synthetic rows and their share."""

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    frame: pd.DataFrame  # table, rows, synthetic_rows, share


def synthetic_share(wh: Warehouse) -> SyntheticShare:
    out = []
    for name in PERIOD_COLUMN:
        t = wh.table(name)
        row = (
            t.aggregate(rows=t.count(), synth=count_true(synthetic_column(wh, t))).execute().iloc[0]
        )
        rows, synth = int(row["rows"]), int(0 if pd.isna(row["synth"]) else row["synth"])
        out.append((name, rows, synth, share(synth, rows)))
    frame = pd.DataFrame(out, columns=["table", "rows", "synthetic_rows", "share"])
    caveats = (
        "Synthetic rows are made by `svduty synth` to show and test the software; no figure "
        "that uses them describes a real place.",
    )
    return SyntheticShare(
        "warehouse", None, bool((frame["synthetic_rows"] > 0).any()), caveats, frame
    )


# ---- the sentences for the assessment ---------------------------------------------------------

# Columns whose gaps an analyst reports, per table, and how to say what is missing.
KEY_FIELDS: dict[str, dict[str, str]] = {
    "police_uk_street": {"lsoa_code": "a location (LSOA)"},
    "police_crime": {
        "lsoa_code": "an LSOA",
        "location_type": "a location type",
        "victim_age": "a victim age",
        "victim_sex": "a victim sex",
        "suspect_age": "a suspect age",
        "knife_flag": "the knife flag",
        "firearm_flag": "the firearm flag",
        "domestic_abuse_flag": "the domestic abuse flag",
        "alcohol_flag": "the alcohol flag",
        "drugs_flag": "the drugs flag",
        "exploitation_flag": "the exploitation flag",
    },
    "ed_assault": {
        "lsoa_code": "an LSOA",
        "age_band": "an age band",
        "sex": "a sex",
        "assault_hour": "a time of day",
    },
}
TABLE_NAMES = {
    "police_uk_street": "police.uk data",
    "police_crime": "Police records",
    "ed_assault": "ED data",
}
#: a key field reported as a gap when it is filled for fewer than this share of rows
COMPLETE_ENOUGH = 0.95
#: a quarantine rate reported when at least this share of a source's rows was quarantined
QUARANTINE_NOTABLE = 0.01


@dataclass(frozen=True)
class Quality(Result):
    """Everything above, and the data-gap sentences."""

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    gaps: tuple[str, ...]
    completeness: Completeness
    coverage: Coverage
    quarantine: Quarantine
    synthetic_rows: SyntheticShare


def quality(wh: Warehouse) -> Quality:
    """The data quality section: completeness, coverage, quarantine, synthetic share, gaps."""
    c, cov, q, s = completeness(wh), coverage_gaps(wh), quarantine_rates(wh), synthetic_share(wh)
    gaps = tuple(_gap_sentences(wh, c, cov, q, s))
    synthetic = c.synthetic or cov.synthetic or q.synthetic or s.synthetic
    caveats = (
        *c.caveats,
        *cov.caveats,
        *q.caveats,
        *(s.caveats if s.synthetic else ()),
    )
    return Quality("warehouse", None, synthetic, caveats, gaps, c, cov, q, s)


def data_gaps(wh: Warehouse) -> list[str]:
    """The data-gap sentences alone (see ``quality``)."""
    return list(quality(wh).gaps)


def _gap_sentences(
    wh: Warehouse, c: Completeness, cov: Coverage, q: Quarantine, s: SyntheticShare
) -> list[str]:
    out: list[str] = []
    said: set[tuple[str, str, str]] = set()  # (table, provider, month) already reported
    for r in cov.by_loads.itertuples(index=False):
        if r.missing_months:
            name = SOURCE_NAMES.get(r.source, r.source)
            table = SOURCE_TABLE.get(r.source, r.source)
            provider = "" if table == "police_crime" else r.provider
            who = f" ({provider})" if provider else ""
            out.append(
                f"{name}{who} has no data for {_and(r.gaps)} "
                f"(between {r.first_month} and {r.last_month})."
            )
            said |= {(table, provider, m) for m in r.missing_months}
    for r in cov.by_rows.itertuples(index=False):
        # police.uk has one file per month, so its loads already say every gap
        if r.table == "police_uk_street":
            continue
        missing = [m for m in r.missing_months if (r.table, r.provider, m) not in said]
        if missing:
            who = f" ({r.provider})" if r.provider else ""
            out.append(
                f"{TABLE_NAMES[r.table]}{who} have no rows for {_and(month_ranges(missing))}, "
                "though earlier and later months have: check whether the extract is complete."
            )
    overall = c.overall.set_index(["table", "column"])
    for table, wanted in KEY_FIELDS.items():
        never = []
        for column, what in wanted.items():
            if (table, column) not in overall.index:
                continue
            row = overall.loc[(table, column)]
            missing = int(row["rows"]) - int(row["non_null"])
            if not row["rows"] or row["share"] >= COMPLETE_ENOUGH:
                continue
            if not row["non_null"]:
                never.append(what)
                continue
            out.append(
                f"{TABLE_NAMES[table]} lack {what} for {pct(missing / row['rows'])} of rows "
                f"({missing:,} of {int(row['rows']):,})."
            )
        if never:
            out.append(
                f"{TABLE_NAMES[table]} never give {_and(never)}: the column was not sent or is "
                "always blank, so no figure here can use it."
            )
    out += _time_sentences(wh)
    if len(s.frame) and (s.frame["rows"] > 0).any() and "police_uk_street" in set(s.frame.table):
        police_uk_rows = int(s.frame.set_index("table").loc["police_uk_street", "rows"])
        if police_uk_rows:
            out.append(
                "police.uk gives only the month of each crime (no day or time of day), snaps "
                "locations to anonymised points, and has no ages, sexes or offence codes."
            )
    for r in q.by_source.itertuples(index=False):
        name = SOURCE_NAMES.get(r.source, r.source)
        if r.rate is not None and r.rate >= QUARANTINE_NOTABLE:
            reasons = q.by_reason[q.by_reason.source == r.source].head(2)
            top = ", ".join(
                f"{x.reason_code} in {x.field} ({x.rows_quarantined:,})"
                for x in reasons.itertuples(index=False)
            )
            out.append(
                f"{pct(r.rate)} of {name} rows ({r.rows_quarantined:,} of {r.rows_read:,}) were "
                f"quarantined and are not in any figure; most often {top}."
            )
        if r.files_refused:
            out.append(f"{r.files_refused} {name} file(s) were refused whole and loaded nothing.")
    for r in s.frame.itertuples(index=False):
        if r.synthetic_rows:
            label = TABLE_NAMES.get(r.table, LABELS.get(r.table, r.table))
            if r.synthetic_rows == r.rows:
                out.append(f"All {label} in the warehouse are synthetic ({r.rows:,} rows).")
            else:
                out.append(
                    f"{pct(r.share)} of {label} rows are synthetic ({r.synthetic_rows:,} of "
                    f"{r.rows:,})."
                )
    return out


def _time_sentences(wh: Warehouse) -> list[str]:
    """Police records whose offence time is not known (a date only)."""
    t = wh.table("police_crime")
    row = t.aggregate(rows=t.count(), known=count_true(t.offence_time_known)).execute()
    rows = int(row["rows"].iloc[0])
    known = 0 if pd.isna(row["known"].iloc[0]) else int(row["known"].iloc[0])
    if rows and (rows - known) / rows >= 1 - COMPLETE_ENOUGH:
        return [
            f"Police records give no time of day for {pct((rows - known) / rows)} of crimes "
            f"({rows - known:,} of {rows:,}): they are left out of the time-of-day profile "
            "and counted separately."
        ]
    return []


def _and(items: list[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
