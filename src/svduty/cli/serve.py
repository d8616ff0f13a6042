"""`svduty serve [--port N] [--host H]`: the partnership portal on this machine.

The work is in :mod:`svduty.portal.serve`; this module parses the options and prints what a
person needs: the demo people's passwords (once, the first time), the address, and any error.
"""

from __future__ import annotations

from typing import Annotated

import typer
from django.core.exceptions import ImproperlyConfigured
from rich import box
from rich.markup import escape
from rich.table import Table

from svduty.cli import output
from svduty.portal import serve

console = output.console()
err = output.console(stderr=True)


def _say(message: str) -> None:
    console.print(message, markup=False, highlight=False)


def show_people(people: list[tuple[str, str, str, str]] | None) -> None:
    """The demo people made now, with their passwords, or why there are none."""
    if people is None:
        _say(
            "Production settings: no demo people are made. Create accounts as docs/deploy.md "
            "describes."
        )
        return
    if not people:
        _say(
            "The demo people already exist; their passwords were printed when the portal first "
            "started here. (Delete portal.sqlite3 in the data directory to start again.)"
        )
        return
    table = Table(title="Demo people (passwords shown this once)", box=box.SIMPLE)
    table.add_column("Username", no_wrap=True)
    table.add_column("Role")
    table.add_column("Organisation")
    table.add_column("Password", no_wrap=True)
    for username, role, organisation, password in people:
        table.add_row(username, role, organisation, password)
    console.print(table)
    console.print(
        "[bold]Warning:[/bold] these passwords are printed only now and stored only as argon2 "
        "hashes. Note them, and change them (or remove these people) before anyone but you can "
        "reach this portal.",
        highlight=False,
    )


def serve_command(
    port: Annotated[int, typer.Option(help="The port to serve on.", min=1, max=65535)] = 8000,
    host: Annotated[
        str, typer.Option(help="The address to listen on (0.0.0.0 for every interface).")
    ] = "127.0.0.1",
    demo: Annotated[
        bool, typer.Option(help="Create the demo organisations and people the first time.")
    ] = True,
) -> None:
    """Start the partnership portal: its database (SQLite in the data directory unless
    SVDUTY_PORTAL_DATABASE_URL), demo people the first time, the background worker and the web
    server. Ctrl-C stops it. Production: docs/deploy.md."""
    try:
        serve.check_port(host, port)
        show_people(serve.prepare(demo=demo))
        code = serve.run(host, port, say=_say)
    except (RuntimeError, ImproperlyConfigured) as problem:  # PortUnavailable is a RuntimeError
        err.print(f"[red]error[/red] {escape(str(problem))}", highlight=False)
        raise typer.Exit(1) from None
    raise typer.Exit(code)
