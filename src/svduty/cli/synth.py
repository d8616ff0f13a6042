"""`svduty synth --seed N [--out DIR] [--json]`: write the synthetic partner extracts.

`synth` is a plain function of the Config so tests call the same code; `app` holds the command
for the main application to register (add_typer, or copy `synth_command`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from svduty import partnership
from svduty.cli import output
from svduty.errors import InputError
from svduty.settings import Config

app = typer.Typer(add_completion=False, no_args_is_help=True)
console = output.console()


def generate(*args, **kwargs):
    """:func:`svduty.synth.generate`, imported when first called: the generator takes pandas
    and DuckDB, which `svduty` does not import until a command needs them."""
    from svduty.synth import generate as generating

    return generating(*args, **kwargs)


def synth(config: Config, seed: int, out: Path | None = None) -> dict:
    """Generate every synthetic feed under `out` (default: the data directory's `synthetic`
    folder) and return the manifest as a dict (with the time taken and a load command per feed)."""
    from svduty.synth import FEEDS
    from svduty.synth.police import FORCE_SLUG

    if config.partnership_path.exists():
        force = partnership.load(config.partnership_path).police_uk_force
        if force != FORCE_SLUG:
            # its sites, rates and calibration are Avon and Somerset's: loaded into another
            # partnership's warehouse they would read as that area's partner data
            raise InputError(
                f"svduty synth makes synthetic partner extracts for {FORCE_SLUG} only; this "
                f"partnership's force is {force} ({config.partnership_path}). Load your partners' "
                "own extracts (docs/feeds/), or run the demo in another data directory "
                "(SVDUTY_HOME)"
            )
    folder = Path(out) if out is not None else config.home / "synthetic"
    manifest = generate(seed, folder)
    result = manifest.as_dict()
    result["load"] = {feed: f"svduty ingest {feed} {folder / feed}" for feed in FEEDS}
    return result


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send whatever libraries write to stdout (DuckDB's progress bar on long queries) to
    stderr, so that --json prints one JSON document and nothing else."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@app.command("synth")
def synth_command(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: $SVDUTY_HOME/synthetic)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document instead.")
    ] = False,
) -> None:
    """Write realistic SYNTHETIC partner extracts for Avon and Somerset, one folder per feed
    (police-crime, ed-assaults, hospital-admissions, youth-justice, probation, fire,
    education), calibrated to published figures (docs/synthetic.md)."""
    from rich.table import Table

    from svduty.synth import FEEDS

    config = Config.from_env()
    if as_json:
        with _stdout_to_stderr():
            result = synth(config, seed, out)
        print(json.dumps(result, indent=2, default=str))
        return
    result = synth(config, seed, out)
    table = Table(title=f"SYNTHETIC extracts, seed {result['seed']}: {result['out']}")
    for col in ("feed", "files", "rows", "load with"):
        table.add_column(col, justify="right" if col in ("files", "rows") else "left")
    for feed in FEEDS:
        files = sum(1 for f in result["files"] if f["feed"] == feed)
        table.add_row(feed, str(files), f"{result['rows_by_feed'][feed]:,}", result["load"][feed])
    console.print(table)
    knife = Table(title="Knife flag: share of the selected offences (synthetic v ONS)")
    for col in ("year ending March", "selected offences", "flagged", "synthetic %", "ONS %"):
        knife.add_column(col, justify="right")
    for k in result["knife_share_by_year"]:
        knife.add_row(
            str(k["year_ending_march"]),
            f"{k['selected_offences']:,}",
            f"{k['flagged']:,}",
            f"{k['percent']:.2f}",
            f"{k['ons_percent']:.2f} ({k['ons_period']})",
        )
    console.print(knife)
    console.print(
        f"Every file name starts with SYNTHETIC- and every row has Synthetic = Y. "
        f"{result['out']}/README.txt says so, with the seed and svduty {result['svduty_version']}. "
        f"Took {result['seconds']:.1f} s."
    )
