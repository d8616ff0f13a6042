"""`svduty synth --seed N [--out DIR] [--police-uk DIR] [--json]`: write the synthetic partner
extracts for the partnership's force area.

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


def synth(
    config: Config, seed: int, out: Path | None = None, police_uk: Path | None = None
) -> dict:
    """Generate every synthetic feed under `out` (default: the data directory's `synthetic`
    folder) for the partnership's force area and return the manifest as a dict (with the time
    taken and a load command per feed).

    Avon and Somerset (and a data directory without a partnership) is built on the bundled
    police.uk files. Any other force area is built on its own police.uk crimes: the street
    files in `police_uk` when given, else those loaded into the warehouse (`svduty ingest
    police-uk`)."""
    from svduty.synth import FEEDS
    from svduty.synth.force import AVON_AND_SOMERSET, for_force

    area = AVON_AND_SOMERSET
    if config.partnership_path.exists():
        area = for_force(partnership.load(config.partnership_path).police_uk_force)
    real = None
    if police_uk is not None and not Path(police_uk).is_dir():
        raise InputError(f"--police-uk {police_uk}: not a folder of police.uk street files")
    if not area.is_default and police_uk is None:
        real = _warehouse_crimes(config, area.slug)
    folder = Path(out) if out is not None else config.home / "synthetic"
    try:
        manifest = generate(seed, folder, area=area, real=real, folder=police_uk)
    except ValueError as exc:
        if "police.uk" not in str(exc):
            raise
        raise InputError(
            f"{exc}. Give the folder of {area.slug}'s police.uk street files with --police-uk "
            "DIR, or load them first (svduty ingest police-uk DIR)"
        ) from None
    result = manifest.as_dict()
    result["load"] = {feed: f"svduty ingest {feed} {folder / feed}" for feed in FEEDS}
    return result


def _warehouse_crimes(config: Config, slug: str):
    """The force's police.uk crimes loaded into the warehouse, as the generator takes them
    (month, lsoa_code, longitude, latitude, crime_type in file order); None when none are."""
    from svduty.warehouse import WarehouseMissing, connect

    try:
        wh = connect(config.warehouse_url, read_only=True)
    except WarehouseMissing:
        return None
    try:
        t = wh.table("police_uk_street")
        t = t.filter(t.force == slug).order_by(["month", "load_id", "line"])
        table = t.select("month", "lsoa_code", "longitude", "latitude", "crime_type").to_pyarrow()
    finally:
        wh.close()
    return table if table.num_rows else None


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
    police_uk: Annotated[
        Path | None,
        typer.Option(
            "--police-uk",
            help="The force's police.uk street files to build on (default: those loaded into "
            "the warehouse; Avon and Somerset's are bundled).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document instead.")
    ] = False,
) -> None:
    """Write realistic SYNTHETIC partner extracts for the partnership's force area (Avon and
    Somerset by default), one folder per feed (police-crime, ed-assaults, hospital-admissions,
    youth-justice, probation, fire, education), built on the force's own police.uk crimes and
    calibrated to the ONS force tables and published figures (docs/synthetic.md)."""
    from rich.table import Table

    from svduty.synth import FEEDS

    config = Config.from_env()
    if as_json:
        with _stdout_to_stderr():
            result = synth(config, seed, out, police_uk)
        print(json.dumps(result, indent=2, default=str))
        return
    result = synth(config, seed, out, police_uk)
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
