"""`svduty ingest ons-prc PATH... [--json]`: the ONS police force area tables.

`ingest_ons_prc_files` is a plain function of the Config (tests call it directly);
`ingest_ons_prc_command` is the Typer command, registered under `svduty ingest` as `ons-prc`.
Exit codes: 0 ok, 1 a file was refused, 2 usage.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from svduty.cli import output
from svduty.settings import Config

if TYPE_CHECKING:
    from svduty.warehouse.loads import FileResult

console = output.console()
err = output.console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]
TITLE = "ONS police force area tables"


def ingest_ons_prc_files(
    config: Config, paths: list[Path], progress: Callable[[FileResult], None] = lambda r: None
) -> list[FileResult]:
    """Load ONS police force area workbooks (.xlsx, or folders holding them)."""
    from svduty.warehouse import connect
    from svduty.warehouse.published_ingest import ingest_ons_prc

    with closing(connect(config.warehouse_url)) as warehouse:
        return ingest_ons_prc(
            warehouse,
            paths,
            loaded_by=config.loaded_by,
            progress=progress,
            pause_before_commit=config.fault_pause_before_commit,
        )


def ingest_ons_prc_command(
    paths: Annotated[
        list[Path], typer.Argument(help="The workbook(s) (.xlsx) or folders holding them.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """ONS 'Police force area data tables' (.xlsx): recorded crime by force and community
    safety partnership, knife and sharp instrument offences since 2010/11, firearms, fraud.
    A newer edition replaces the older. Columns and caveats: docs/feeds/ons-prc.md."""
    from rich.progress import Progress

    config = Config.from_env()
    if as_json:
        results = ingest_ons_prc_files(config, paths)
    else:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task(f"Loading {TITLE}", total=None)
            results = ingest_ons_prc_files(config, paths, progress=lambda r: bar.advance(task))
    report(results, as_json)


def report(results: list[FileResult], as_json: bool) -> None:
    """Print the results (a table, or one JSON document); exit 1 if a file was refused."""
    totals = {
        k: sum(getattr(r, k) for r in results if r.status != "unchanged")
        for k in ("rows_read", "rows_loaded", "rows_quarantined")
    }
    if as_json:
        print(
            json.dumps(
                {"files": [r.as_dict() for r in results], "totals": totals}, indent=2, default=str
            )
        )
    else:
        from rich.table import Table

        table = Table(title=TITLE, caption="rows = number cells of the workbook's tables")
        for col in ("file", "status", "read", "loaded", "quarantined"):
            table.add_column(col, justify="left" if col in ("file", "status") else "right")
        for r in results:
            table.add_row(
                escape(r.file),
                r.status,
                f"{r.rows_read:,}",
                f"{r.rows_loaded:,}",
                f"{r.rows_quarantined:,}",
            )
        console.print(table)
        console.print(
            f"{totals['rows_read']:,} cells read = {totals['rows_loaded']:,} loaded + "
            f"{totals['rows_quarantined']:,} quarantined (see `svduty quarantine --source "
            "ons-prc`)"
        )
        for r in results:
            if r.status == "refused":
                err.print(f"[red]refused[/red] {escape(r.message or r.file)}")
            elif r.status == "unchanged":
                console.print(f"{escape(r.file)}: {r.message}")
    if any(r.status == "refused" for r in results):
        raise typer.Exit(1)
