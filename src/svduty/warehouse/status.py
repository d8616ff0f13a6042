"""What the warehouse holds: coverage by force and month, gaps, quarantine by reason."""

from __future__ import annotations

from datetime import date

import ibis

from svduty.sources import police_uk
from svduty.sources.feeds import FEEDS
from svduty.warehouse.connection import Warehouse


def _months_between(first: date, last: date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _ranges(months: list[str]) -> list[str]:
    """['2019-07', '2021-10', '2021-11'] -> ['2019-07', '2021-10 to 2021-11']."""
    out: list[list[str]] = []
    for month in months:
        if out and _months_between(
            date.fromisoformat(out[-1][-1] + "-01"), date.fromisoformat(month + "-01")
        )[1:] == [month]:
            out[-1].append(month)
        else:
            out.append([month])
    return [r[0] if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in out]


def coverage(warehouse: Warehouse) -> list[dict]:
    """Per force: months loaded, first and last month, and the months missing between them."""
    loads = warehouse.table("loads")
    current = loads.filter(
        (loads.source == police_uk.SOURCE)
        & (loads.status != "refused")
        & loads.superseded_by_load_id.isnull()
    )
    rows = current.select(current.scope, current.rows_loaded, current.rows_quarantined).execute()
    by_force: dict[str, dict] = {}
    for scope, loaded, quarantined in rows.itertuples(index=False):
        force, month = scope.split("/")
        entry = by_force.setdefault(force, {"months": [], "rows_loaded": 0, "rows_quarantined": 0})
        entry["months"].append(month)
        entry["rows_loaded"] += int(loaded)
        entry["rows_quarantined"] += int(quarantined)
    out = []
    for force, entry in sorted(by_force.items()):
        months = sorted(entry["months"])
        span = _months_between(
            date.fromisoformat(months[0] + "-01"), date.fromisoformat(months[-1] + "-01")
        )
        loaded = set(months)
        missing = [m for m in span if m not in loaded]
        out.append(
            {
                "force": force,
                "first_month": months[0],
                "last_month": months[-1],
                "months_loaded": len(months),
                "missing_months": missing,
                "gaps": _ranges(missing),
                "rows_loaded": entry["rows_loaded"],
                "rows_quarantined": entry["rows_quarantined"],
            }
        )
    return out


def quarantine_by_reason(warehouse: Warehouse) -> list[dict]:
    """Quarantined rows of the current loads, counted by feed and reason code."""
    q, loads = warehouse.table("quarantine"), warehouse.table("loads")
    current = loads.filter(loads.superseded_by_load_id.isnull()).select("load_id")
    q = q.semi_join(current, "load_id")
    agg = (
        q.group_by(["source", "reason_code"])
        .aggregate(rows=q.count())
        .order_by([ibis.desc("rows"), "reason_code"])
    )
    return [
        {"source": s, "reason_code": c, "rows": int(n)}
        for s, c, n in agg.execute().itertuples(index=False)
    ]


def refusals(warehouse: Warehouse) -> list[dict]:
    loads = warehouse.table("loads")
    refused = loads.filter(loads.status == "refused").order_by("load_id")
    return [
        {"load_id": int(i), "file_name": f, "message": m}
        for i, f, m in refused.select("load_id", "file_name", "message")
        .execute()
        .itertuples(index=False)
    ]


def partner_loads(warehouse: Warehouse) -> list[dict]:
    """Per partner feed and provider: files, period covered, rows, and whether synthetic."""
    loads = warehouse.table("loads")
    current = loads.filter(
        loads.source.isin(list(FEEDS))
        & (loads.status != "refused")
        & loads.superseded_by_load_id.isnull()
    )
    agg = (
        current.group_by(["source", "covers"])
        .aggregate(
            files=current.count(),
            period_start=current.period_start.min(),
            period_end=current.period_end.max(),
            rows_loaded=current.rows_loaded.sum(),
            rows_quarantined=current.rows_quarantined.sum(),
            synthetic=current.synthetic.any(),
        )
        .order_by(["source", "covers"])
    )
    return [
        {
            "source": r["source"],
            "covers": r["covers"],
            "files": int(r["files"]),
            "period_start": _iso(r["period_start"]),
            "period_end": _iso(r["period_end"]),
            "rows_loaded": int(r["rows_loaded"]),
            "rows_quarantined": int(r["rows_quarantined"]),
            "synthetic": bool(r["synthetic"]),
        }
        for r in agg.execute().to_dict("records")
    ]


def quarantined_rows(
    warehouse: Warehouse, *, source: str | None = None, load_id: int | None = None, limit: int = 50
) -> list[dict]:
    """The quarantined rows of current loads: file, line, field and what would fix them."""
    q, loads = warehouse.table("quarantine"), warehouse.table("loads")
    current = loads.filter(loads.superseded_by_load_id.isnull()).select("load_id")
    q = q.semi_join(current, "load_id")
    if source is not None:
        q = q.filter(q.source == source)
    if load_id is not None:
        q = q.filter(q.load_id == load_id)
    q = q.order_by(["load_id", "line"]).limit(limit)
    cols = ["load_id", "source", "file_name", "line", "field", "reason_code", "reason"]
    return [
        {k: (int(v) if k in ("load_id", "line") else v) for k, v in r.items()}
        for r in q.select(cols).execute().to_dict("records")
    ]


def _iso(value) -> str | None:
    if value is None or value != value:  # None or NaT
        return None
    return value.date().isoformat() if hasattr(value, "date") else str(value)
