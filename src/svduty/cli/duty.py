"""`svduty consultation [--json]` and `svduty compliance [--json]`: the Duty's process as the
partnership portal records it (docs/duty.md), read from the portal's database (the one
`svduty serve` uses: SQLite in the data directory unless SVDUTY_PORTAL_DATABASE_URL).

Both reads are audited in the portal's audit log, as the portal's pages are, under the name of
the person running the command (SVDUTY_LOADED_BY, else the system's user name)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from svduty.cli import output
from svduty.errors import InputError
from svduty.settings import Config

__all__ = ["compliance_command", "consultation_command"]

console = output.console()
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]


def _portal() -> None:
    """Django set up on the portal's settings, and its database checked to hold the record."""
    from svduty.portal import serve

    serve.configure()
    from django.db import connection

    if "portal_consultation" not in connection.introspection.table_names():
        raise InputError(
            "the partnership portal's database has no Duty record yet (it has not been set up, "
            "or predates it): start the portal once with `svduty serve`, which brings its "
            "database up to date"
        )


def consultations() -> dict:
    """Every consultation on record, newest first, and the audit event of this read."""
    _portal()
    from svduty.portal import audit, duty
    from svduty.portal.models import AuditEvent

    rows = [
        {
            "id": c.pk,
            "area": c.area_id or None,  # None: the whole partnership
            "body": c.body,
            "kind": c.kind,
            "kind_label": c.get_kind_display(),
            "held_on": c.held_on.isoformat(),
            "method": c.method,
            "said": c.said,
            "response": c.response or None,
        }
        for c in duty.consultations_for(None)
    ]
    audit.record(
        None,
        AuditEvent.Action.RESTRICTED_VIEW,
        "svduty consultation",
        username=Config.from_env().loaded_by,
        via="command line",
        consultations=len(rows),
    )
    return {"consultations": rows}


def compliance() -> dict:
    """The compliance tracker for each area of the partnership (the whole partnership when
    there is no configuration)."""
    _portal()
    from svduty.portal import audit, duty, product_workflow
    from svduty.portal.models import AuditEvent

    names = product_workflow.area_names()
    try:
        definition = product_workflow.load_partnership().local_definition
    except product_workflow.WorkflowError:
        definition = None
    areas = [(area_id, name) for area_id, name in names.items()] or [(None, "The partnership")]
    out = {
        "areas": [
            {
                "area": area_id,
                "name": name,
                "requirements": duty.requirements_json(duty.requirements(area_id, definition)),
            }
            for area_id, name in areas
        ]
    }
    audit.record(
        None,
        AuditEvent.Action.RESTRICTED_VIEW,
        "svduty compliance",
        username=Config.from_env().loaded_by,
        via="command line",
    )
    return out


def consultation_command(as_json: JsonFlag = False) -> None:
    """The consultations the partnership has recorded in the portal: each body, kind, when,
    how, what it said and what the partnership did with it."""
    found = consultations()
    if as_json:
        print(json.dumps(found, indent=2))
        return
    rows = found["consultations"]
    if not rows:
        console.print("No consultation is on record yet (record them in the portal).")
        return
    table = Table(title=f"{len(rows)} consultation{'s' if len(rows) != 1 else ''}, newest first")
    for column in ("When", "Body", "Kind", "How", "What they said", "What we did"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["held_on"], r["body"], r["kind_label"], r["method"], r["said"],
            r["response"] or "Not yet recorded",
        )  # fmt: skip
    console.print(table)


def compliance_command(as_json: JsonFlag = False) -> None:
    """Each requirement of the Act and the statutory guidance with its status, date and the
    evidence svduty holds, for each area."""
    found = compliance()
    if as_json:
        print(json.dumps(found, indent=2))
        return
    for area in found["areas"]:
        table = Table(title=f"The Duty's requirements on the record: {area['name']}")
        for column in ("Requirement", "Source", "Status", "Date", "Evidence held"):
            table.add_column(column)
        for r in area["requirements"]:
            table.add_row(
                r["requirement"], r["source"], r["status_label"], r["date"] or "No date held",
                "\n".join(r["evidence"]) or "None held",
            )  # fmt: skip
        console.print(table)
