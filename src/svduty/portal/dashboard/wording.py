"""How the dashboards word what they show: the sources' names, numbers, intervals, changes and
data tables for the templates."""

from __future__ import annotations

import pandas as pd

from svduty.products.html import fmt_number

__all__ = [
    "SOURCE_NAMES",
    "change_text",
    "count_text",
    "fmt",
    "interval",
    "missing",
    "table_cells",
    "text_or",
]

SOURCE_NAMES = {
    "police_crime": "police recorded crime (the force's record-level extract)",
    "police_uk_street": "police.uk street-level crime (open data)",
    "ed_assault": "emergency department assault attendances (ISTV minimum data set)",
    "partner_aggregate": "partner aggregate returns",
    "published": "ONS police force area tables (Home Office special collection)",
}


def missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt(value, digits: int = 0) -> str:
    return "" if missing(value) else fmt_number(float(value), digits)


def interval(lower, upper) -> str:
    return "" if missing(lower) or missing(upper) else f"{fmt(lower, 2)} to {fmt(upper, 2)}"


def text_or(value, default: str) -> str:
    return default if missing(value) or value == "" else str(value)


def count_text(r: dict) -> str:
    if r.get("suppressed"):
        return "suppressed by the sender"
    return "no count" if missing(r.get("count")) else fmt_number(int(r["count"]))


def change_text(r: dict) -> str:
    if missing(r.get("change_pct")):
        return ""
    change = f"{r['change_pct']:+.1f}% from {r['baseline']}"
    if missing(r.get("change_lower")) or missing(r.get("change_upper")):
        return f"{change} (no interval: there were no events)"
    return f"{change} (95% interval {r['change_lower']:+.1f}% to {r['change_upper']:+.1f}%)"


def table_cells(frame: pd.DataFrame, digits: dict | None = None) -> dict:
    """A data table for a template: ``columns`` (name, numeric) and ``rows`` of (text, numeric)
    cells, numbers formatted with thousands separators ("[x]" where there is none)."""
    digits = digits or {}
    numeric = [frame[c].dtype.kind in "iuf" for c in frame.columns]
    rows = []
    for values in frame.itertuples(index=False):
        row = []
        for col, value, is_number in zip(frame.columns, values, numeric, strict=True):
            if is_number:
                row.append((fmt_number(value, digits.get(col, 0)), True))
            else:
                row.append(("[x]" if missing(value) else str(value), False))
        rows.append(row)
    return {"columns": list(zip(frame.columns, numeric, strict=True)), "rows": rows}
