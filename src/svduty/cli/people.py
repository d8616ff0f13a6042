"""`svduty people`: repeat victims and suspects, the victim-offender overlap and ages at first
appearance, from the force's crime records (svduty.analysis.evidence.people, docs/people.md).

These are the analyst's figures, straight from the warehouse: small counts are not suppressed
here. Whatever leaves the analyst's view goes through the disclosure gate (the public site).
"""

from __future__ import annotations

import json
from contextlib import closing
from typing import Annotated

import typer

from svduty.cli import output
from svduty.settings import Config

console = output.console()
err = output.console(stderr=True)


def people(config: Config, definition: str | None = None) -> dict:
    """The people figures for the partnership's local definition (or ``definition``)."""
    from svduty import partnership
    from svduty.analysis.evidence.people import people as compute
    from svduty.warehouse import connect

    p = partnership.load(config.partnership_path)
    chosen = definition or p.local_definition["id"]
    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        if not wh.has_table("police_crime"):
            return {"available": False, "reason": _NO_RECORDS, "definition": chosen}
        result = compute(wh, definition=chosen, pfa_code=p.police_force_area)
    return {"available": True, "definition": chosen, **result.as_dict()}


_NO_RECORDS = (
    "No police crime records are loaded: repeat victims, repeat suspects and the overlap need "
    "the force's record-level extract (svduty ingest police-crime), whose victim and suspect "
    "references svduty turns into keyed tokens. police.uk street-level data carry no people."
)


def command(
    definition: Annotated[
        str | None,
        typer.Option(help="A definition id (default: the partnership's local definition)."),
    ] = None,
    area: Annotated[
        str | None,
        typer.Option(help="Only this local authority's rows (its name), besides the total."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Repeat victims and suspects (two or more crimes in a calendar year), people recorded both
    as victim and suspect, and the age at which under-25s first appear, for the crimes the local
    definition holds."""
    config = Config.from_env()
    doc = people(config, definition)
    if area is not None and doc["available"]:
        known = {r["area"] for r in doc["repeats"]}
        if area not in known:
            err.print(
                f"[red]error[/red] no rows for area {area!r}; the areas with rows: "
                f"{', '.join(sorted(known - {'all'}))}"
            )
            raise typer.Exit(2)
        doc["repeats"] = [r for r in doc["repeats"] if r["area"] in ("all", area)]
    if as_json:
        print(json.dumps(doc, indent=2, default=str))
        return
    _print(doc)


def _pct(value) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _print(doc: dict) -> None:
    from rich.table import Table

    if not doc["available"]:
        console.print(doc["reason"])
        return
    synthetic = " [SYNTHETIC DATA]" if doc["synthetic"] else ""
    table = Table(
        title=f"Repeat victims and suspects, {doc['definition']}{synthetic}",
        caption=" ".join(doc["caveats"]),
    )
    for col in ("year", "area", "role", "people", "repeat people", "crimes", "share (95% CI)"):
        table.add_column(col)
    for r in doc["repeats"]:
        year = str(r["year"]) + ("" if r["complete"] else " (incomplete)")
        ci = (
            "cannot be measured: no linked crimes"
            if r["share"] is None
            else f"{_pct(r['share'])} ({_pct(r['lower_95'])} to {_pct(r['upper_95'])})"
        )
        table.add_row(
            year, r["area"], r["role"], f"{r['people']:,}", f"{r['repeat_people']:,}",
            f"{r['crimes']:,}", ci,
        )  # fmt: skip
    console.print(table)
    overlap = Table(title=f"People recorded as both victim and suspect{synthetic}")
    for col in ("year", "people in scope", "both", "share (95% CI)"):
        overlap.add_column(col)
    for r in doc["overlap"]:
        year = str(r["year"]) + ("" if r["complete"] else " (incomplete)")
        ci = f"{_pct(r['share'])} ({_pct(r['lower_95'])} to {_pct(r['upper_95'])})"
        overlap.add_row(year, f"{r['people']:,}", f"{r['both']:,}", ci)
    console.print(overlap)
