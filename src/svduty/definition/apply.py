"""A definition applied to a warehouse table: each row marked in or out of scope, and why.

``annotate`` adds four columns to a source table and returns the notes that say how to read
them on that source:

- ``in_scope``: true when some rule takes the row;
- ``strand``: the strand of that rule (null when out of scope);
- ``matched_rule``: the first rule, in the order the definition declares them, that takes it;
- ``evaluation``: ``exact`` when the in/out decision is sure on this source, ``approximate``
  when the source could not evaluate everything the rule asks (see the notes).

The same expressions run on DuckDB and PostgreSQL: nothing here is engine-specific.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

from svduty.definition.compile import SOURCES, Note, SourcePlan, compile_source
from svduty.definition.model import Definition
from svduty.warehouse import Warehouse

ADDED_COLUMNS = ("in_scope", "strand", "matched_rule", "evaluation")
# What a row of each source stands for, and the column that weighs it (None: one per row).
WEIGHTS: dict[str, str | None] = {
    "police_crime": None,
    "police_uk_street": None,
    "ed_assault": None,
    "partner_aggregate": "count",
}


@dataclass(frozen=True)
class Annotated:
    """A source table with the scope columns added, and the notes for reading them."""

    source: str
    table: ir.Table
    plan: SourcePlan

    @property
    def notes(self) -> tuple[Note, ...]:
        return self.plan.notes

    @property
    def evaluation(self) -> str:
        return self.plan.evaluation


def annotate(definition: Definition, table: ir.Table, source: str) -> Annotated:
    """`table` (the canonical table `source`) with in_scope, strand, matched_rule, evaluation."""
    clash = [c for c in ADDED_COLUMNS if c in table.columns]
    if clash:
        raise ValueError(f"{source} already has column(s) {', '.join(clash)}; rename them first")
    plan = compile_source(definition, source, table)
    # The rule is decided once, in its own projection; the other columns read its result.
    # (Written as one projection, the CASE over every rule would be repeated in each.)
    decided = table.mutate(matched_rule=plan.matched_rule())
    matched = decided.matched_rule
    annotated = decided.select(
        *table.columns,
        in_scope=matched.notnull(),
        strand=plan.strand(matched),
        matched_rule=matched,
        evaluation=plan.evaluation_column(matched),
    )
    return Annotated(source, annotated, plan)


def apply(definition: Definition, warehouse: Warehouse, source: str) -> Annotated:
    """The warehouse's table `source` annotated with `definition` (lazy: nothing runs yet)."""
    return annotate(definition, warehouse.table(source), source)


def sources_present(warehouse: Warehouse) -> list[str]:
    """The source tables a definition applies to that this warehouse has."""
    return [s for s in SOURCES if warehouse.has_table(s)]


def scope_counts(definition: Definition, warehouse: Warehouse) -> list[dict]:
    """Per source in the warehouse: rows, rows in scope, rows taken by each rule, and notes.

    One query per source. For partner aggregates `weighted` sums the `count` column as well.
    """
    out = []
    for source in sources_present(warehouse):
        a = apply(definition, warehouse, source)
        weight = WEIGHTS[source]
        metrics = {"rows": a.table.count()}
        if weight:
            metrics["weighted"] = a.table[weight].sum()
        frame = a.table.group_by("matched_rule").aggregate(**metrics).execute()
        by_rule = {
            (None if _missing(k) else k): _row(frame, i, weight)
            for i, k in enumerate(frame["matched_rule"])
        }
        total = _sum(by_rule.values(), weight)
        outside = by_rule.pop(None, {"rows": 0} | ({"weighted": 0} if weight else {}))
        in_scope = _sum(by_rule.values(), weight)
        rules = []
        for r in a.plan.rules:
            entry = {"rule": r.rule.id, "strand": r.rule.strand, "evaluation": r.evaluation}
            entry |= by_rule.get(r.rule.id, {"rows": 0} | ({"weighted": 0} if weight else {}))
            rules.append(entry)
        out.append(
            {
                "source": source,
                "label": SOURCES[source],
                "evaluation": a.evaluation,
                "rows": total["rows"],
                "in_scope": in_scope["rows"],
                "out_of_scope": outside["rows"],
                **({"weighted_in_scope": in_scope["weighted"]} if weight else {}),
                "rules": rules,
                "notes": [n.as_dict() for n in a.notes],
            }
        )
    return out


def _missing(value) -> bool:
    return value is None or value != value  # pandas gives NaN or None for a null group key


def _row(frame, i: int, weight: str | None) -> dict:
    row = {"rows": int(frame["rows"].iloc[i])}
    if weight:
        value = frame["weighted"].iloc[i]
        row["weighted"] = 0 if _missing(value) else int(value)
    return row


def _sum(rows, weight: str | None) -> dict:
    rows = list(rows)
    total = {"rows": sum(r["rows"] for r in rows)}
    if weight:
        total["weighted"] = sum(r["weighted"] for r in rows)
    return total
