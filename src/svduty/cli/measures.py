"""`svduty measures`: the success measures and local measures, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from contextlib import closing
from typing import Annotated

import typer

from svduty.analysis.measures import catalogue as catalogue_module
from svduty.analysis.measures.periods import PERIOD_TYPES
from svduty.cli import output
from svduty.settings import Config

console = output.console()
err = output.console(stderr=True)

CSV_COLUMNS = (
    "measure", "title", "home_office", "source", "synthetic", "definition", "area_code",
    "area_name", "period_type", "period", "period_start", "period_end", "complete",
    "months_covered", "count", "suppressed", "not_placed", "denominator", "multiplier", "rate",
    "lower_95", "upper_95", "lower_998", "upper_998", "baseline", "change_pct", "change_lower",
    "change_upper", "trend", "compared_with", "comparison",
)  # fmt: skip


def measures(
    config: Config,
    *,
    measure_ids: list[str] | None = None,
    areas: list[str] | None = None,
    period_types: tuple[str, ...] = PERIOD_TYPES,
) -> list[dict]:
    """The results, of only the ``areas`` named (by id, ONS code or name) if any are."""
    from svduty import partnership
    from svduty.analysis.measures.compute import Geography, compute
    from svduty.products.area import resolve
    from svduty.warehouse import connect

    catalogue = catalogue_module.configured(config)
    area = partnership.load(config.partnership_path)
    # resolved before the warehouse is read: an unknown area is refused at once, not found empty
    codes = {resolve(area, a).code for a in areas} if areas else None
    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        geo = Geography.load(wh, area.police_force_area, area.police_uk_force)
        rows = compute(wh, catalogue, geo, measure_ids=measure_ids, period_types=period_types)
    if codes is not None:
        rows = [r for r in rows if r["area_code"] in codes]
    return rows


def command(
    measure: Annotated[
        list[str] | None, typer.Option("--measure", "-m", help="Only this measure (repeatable).")
    ] = None,
    area: Annotated[
        list[str] | None,
        typer.Option(
            help="Only this area: its id, ONS code or name, e.g. somerset, E06000066 or "
            "'Bath and North East Somerset' (repeatable)."
        ),
    ] = None,
    period: Annotated[
        list[str] | None,
        typer.Option(help=f"Only these period types: {', '.join(PERIOD_TYPES)} (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per result.")] = False,
    list_only: Annotated[bool, typer.Option("--list", help="List the measures and stop.")] = False,
) -> None:
    """Counts, rates with 95% and 99.8% intervals, change from the baseline, trend and
    comparison with the force area, for every measure, area and period the data allow."""
    config = Config.from_env()
    if list_only:
        _list(catalogue_module.configured(config), as_json)
        return
    bad = [p for p in period or () if p not in PERIOD_TYPES]
    if bad:
        err.print(f"[red]error[/red] unknown period type(s) {', '.join(bad)}; "
                  f"use {', '.join(PERIOD_TYPES)}")  # fmt: skip
        raise typer.Exit(2)
    rows = measures(
        config,
        measure_ids=measure,
        areas=area,
        period_types=tuple(period) if period else PERIOD_TYPES,
    )
    if as_json:
        print(json.dumps({"results": rows}, indent=2, default=str))
    elif as_csv:
        print(to_csv(rows), end="")
    else:
        print_rows(rows)


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*CSV_COLUMNS, "caveats"], extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow(r | {"caveats": " | ".join(r["caveats"])})
    return out.getvalue()


def _list(catalogue, as_json: bool) -> None:
    from rich.table import Table

    if as_json:
        print(json.dumps({"measures": [m.__dict__ for m in catalogue.measures]}, default=str))
        return
    table = Table(title=f"Measures ({catalogue.path.name}; baseline {catalogue.baseline_year})")
    for col in ("id", "title", "source", "Home Office"):
        table.add_column(col)
    for m in catalogue.measures:
        table.add_row(m.id, m.title, m.source, m.home_office or "")
    console.print(table)


def _fmt(value, digits=2) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def print_rows(rows: list[dict]) -> None:
    from rich.table import Table

    if not rows:
        console.print("No measure has data yet: load some files first (`svduty ingest ...`).")
        return
    by_measure: dict[str, list[dict]] = {}
    for r in rows:
        by_measure.setdefault(r["measure"], []).append(r)
    for measure_rows in by_measure.values():
        first = measure_rows[0]
        title = first["title"] + (" [SYNTHETIC DATA]" if first["synthetic"] else "")
        per = f"per {first['multiplier']:,}"
        table = Table(title=title, caption="; ".join(first["caveats"]) or None)
        versus = "vs England and Wales" if first["source"] == "published" else "vs force area"
        for col in ("area", "period", "count", f"rate {per} (95% CI)", "change", "trend", versus):
            table.add_column(col)
        for r in measure_rows:
            if r["period_type"] not in ("calendar_year", "financial_year", "year"):
                continue
            rate = (
                f"{_fmt(r['rate'])} ({_fmt(r['lower_95'])} to {_fmt(r['upper_95'])})"
                if r["rate"] is not None
                else ("incomplete period" if not r["complete"] else "")
            )
            change = (
                f"{r['change_pct']:+.1f}% on {r['baseline']}" if r["change_pct"] is not None else ""
            )
            count = (
                "suppressed"
                if r["suppressed"]
                else ("" if r["count"] is None else f"{r['count']:,}")
            )
            table.add_row(
                r["area_name"] or r["area_code"], r["period"], count, rate, change,
                r["trend"] or "", r["comparison"] or "",
            )  # fmt: skip
        console.print(table)
