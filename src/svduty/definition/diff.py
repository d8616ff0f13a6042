"""Two definitions compared: which rules changed, and which warehouse rows enter or leave scope.

Going from definition A to definition B, a row *enters* scope when no rule of A takes it and a
rule of B does, and *leaves* when the other way round. Rows in scope under both may still move
from one rule to another. Counts come from the warehouse, one query per source table.
"""

from __future__ import annotations

from svduty.definition.apply import WEIGHTS, sources_present
from svduty.definition.compile import SOURCES, compile_source
from svduty.definition.model import Definition
from svduty.warehouse import Warehouse


def rule_changes(a: Definition, b: Definition) -> dict:
    """Rules added, removed and changed (by id) going from A to B; no warehouse needed."""
    a_rules = {r.id: r for r in a.rules}
    b_rules = {r.id: r for r in b.rules}
    changed = []
    for rule_id in a_rules.keys() & b_rules.keys():
        before, after = a_rules[rule_id].as_dict(), b_rules[rule_id].as_dict()
        fields = [k for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)]
        if fields:
            changed.append(
                {
                    "rule": rule_id,
                    "fields": fields,
                    "a": {k: before.get(k) for k in fields},
                    "b": {k: after.get(k) for k in fields},
                }
            )
    order = [r.id for r in a.rules] + [r.id for r in b.rules if r.id not in a_rules]
    changed.sort(key=lambda c: order.index(c["rule"]))
    return {
        "added": [r.id for r in b.rules if r.id not in a_rules],
        "removed": [r.id for r in a.rules if r.id not in b_rules],
        "changed": changed,
        "strands_added": [s for s in b.strands if s not in a.strands],
        "strands_removed": [s for s in a.strands if s not in b.strands],
    }


def diff(a: Definition, b: Definition, warehouse: Warehouse) -> dict:
    """Rule changes, and for each source table in the warehouse the rows entering and leaving."""
    return {
        "a": {"id": a.id, "version": a.version, "file": a.path},
        "b": {"id": b.id, "version": b.version, "file": b.path},
        "rules": rule_changes(a, b),
        "sources": [source_diff(a, b, warehouse, s) for s in sources_present(warehouse)],
    }


def source_diff(a: Definition, b: Definition, warehouse: Warehouse, source: str) -> dict:
    """One source: rows in scope under A and B, entering, leaving, and per rule."""
    table = warehouse.table(source)
    plan_a = compile_source(a, source, table)
    plan_b = compile_source(b, source, table)
    weight = WEIGHTS[source]
    both = table.mutate(a_rule=plan_a.matched_rule(), b_rule=plan_b.matched_rule())
    metrics = {"rows": both.count()}
    if weight:
        metrics["weighted"] = both[weight].sum()
    frame = both.group_by(["a_rule", "b_rule"]).aggregate(**metrics).execute()
    cells = []
    for i in range(len(frame)):
        a_rule, b_rule = _key(frame["a_rule"].iloc[i]), _key(frame["b_rule"].iloc[i])
        rows = int(frame["rows"].iloc[i])
        weighted = _int(frame["weighted"].iloc[i]) if weight else 0
        cells.append((a_rule, b_rule, rows, weighted))

    def total(test, *, weighted: bool = False) -> int:
        return sum(w if weighted else n for ar, br, n, w in cells if test(ar, br))

    out = {
        "source": source,
        "label": SOURCES[source],
        "rows": total(lambda ar, br: True),
        "in_scope_a": total(lambda ar, br: ar is not None),
        "in_scope_b": total(lambda ar, br: br is not None),
        "entering": total(lambda ar, br: ar is None and br is not None),
        "leaving": total(lambda ar, br: ar is not None and br is None),
        "in_both": total(lambda ar, br: ar is not None and br is not None),
        "moved_between_rules": total(lambda ar, br: None not in (ar, br) and ar != br),
        "evaluation_a": plan_a.evaluation,
        "evaluation_b": plan_b.evaluation,
    }
    if weight:
        out["weighted"] = {
            "column": weight,
            "in_scope_a": total(lambda ar, br: ar is not None, weighted=True),
            "in_scope_b": total(lambda ar, br: br is not None, weighted=True),
            "entering": total(lambda ar, br: ar is None and br is not None, weighted=True),
            "leaving": total(lambda ar, br: ar is not None and br is None, weighted=True),
        }
    evaluations_a = {r.rule.id: r.evaluation for r in plan_a.rules}
    evaluations_b = {r.rule.id: r.evaluation for r in plan_b.rules}
    rule_ids = [r.rule.id for r in plan_a.rules]
    rule_ids += [r.rule.id for r in plan_b.rules if r.rule.id not in evaluations_a]
    out["rules"] = [
        {
            "rule": rid,
            "evaluation_a": evaluations_a.get(rid),
            "evaluation_b": evaluations_b.get(rid),
            "rows_a": total(lambda ar, br, rid=rid: ar == rid),
            "rows_b": total(lambda ar, br, rid=rid: br == rid),
            "entering": total(lambda ar, br, rid=rid: ar is None and br == rid),
            "leaving": total(lambda ar, br, rid=rid: ar == rid and br is None),
        }
        for rid in rule_ids
    ]
    return out


def _key(value) -> str | None:
    return None if value is None or value != value else str(value)


def _int(value) -> int:
    return 0 if value is None or value != value else int(value)
