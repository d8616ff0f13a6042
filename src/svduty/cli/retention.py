"""`svduty retention [--dry-run] [--json]`: delete rows older than their agreement's retention
period, one transaction per feed, audited in `retention_deletions` (docs/retention.md)."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from svduty.cli import output
from svduty.settings import Config

console = output.console()


def retention_path(config: Config) -> Path:
    return config.home / "retention.yaml"


def retention(
    config: Config, *, dry_run: bool, file: Path | None = None, today: date | None = None
) -> dict:
    from svduty.warehouse import connect
    from svduty.warehouse import retention as module

    rules = module.load_rules(file or retention_path(config))
    # a dry run reads: it opens the warehouse read only, so it cannot change (or publish) it
    with closing(connect(config.warehouse_url, read_only=dry_run)) as wh:
        feeds = module.run(
            wh,
            rules,
            today=today or date.today(),
            dry_run=dry_run,
            deleted_by=config.loaded_by,
            pause_before_commit=config.fault_pause_before_commit,
        )
    marked = (
        []
        if dry_run
        else module.mark_products([config.home / "products", config.home / "site"], feeds)
    )
    return {"dry_run": dry_run, "feeds": feeds, "products_marked": marked}


def retention_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be deleted; change nothing.")
    ] = False,
    file: Annotated[
        Path | None,
        typer.Option(help="The retention file (default: $SVDUTY_HOME/retention.yaml)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Delete each feed's rows older than the retention period of its data sharing agreement
    (from the retention file), one transaction per feed, each deletion audited; products built
    before it are marked as built from data since deleted."""
    config = Config.from_env()
    report = retention(config, dry_run=dry_run, file=file)
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    verb = "would delete" if dry_run else "deleted"
    for f in report["feeds"]:
        console.print(
            f"{f['feed']}: {verb} {f['rows']} rows and {f['quarantined_rows']} quarantined rows "
            f"dated before {f['cutoff']} (keep {f['keep']} from {f['from']}; {f['agreement']})"
        )
    for folder in report["products_marked"]:
        console.print(f"marked as built from data since deleted: {Path(folder).name}")
