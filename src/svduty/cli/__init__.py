"""The command line: `svduty init | ingest | status | sna | strategy | review | publish | demo`.

`main` only parses; each command is a plain function of its Config, so tests call the same code.
Exit codes: 0 ok, 1 bad input, 2 usage, 3 a defect in svduty (reported with its traceback).

Start-up: the warehouse (DuckDB, Ibis, Arrow), pandas, scipy and the product builders take
seconds to import, so this package imports them only inside the commands that use them:
`svduty --help`, and any command's --help, start without them (tests/test_cli_imports.py).
"""

from __future__ import annotations

import json
import shutil
import sys
import traceback
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

import svduty
from svduty.cli import backup as backup_cli
from svduty.cli import definition as definition_cli
from svduty.cli import duty as duty_cli
from svduty.cli import linkage as linkage_cli
from svduty.cli import measures as measures_cli
from svduty.cli import output
from svduty.cli import partnership as partnership_cli
from svduty.cli import people as people_cli
from svduty.cli import products as products_cli
from svduty.cli import retention as retention_cli
from svduty.cli import serve as serve_cli
from svduty.cli import synth as synth_cli
from svduty.cli import voice as voice_cli
from svduty.cli.published import ingest_ons_prc_command, ingest_ons_prc_files
from svduty.errors import InputError
from svduty.privacy.pseudonymise import KeyProblem, generate_key_file, load_key_file
from svduty.settings import Config

if TYPE_CHECKING:
    from svduty.warehouse.loads import FileResult


def _input_problem(exc: BaseException) -> bool:
    """Whether ``exc`` is one of svduty's input problems. The warehouse's own (none yet, busy
    with another writer) can only have been raised once its module was imported, so it is
    looked for only then: a command that never opened the warehouse does not import it here."""
    kinds: tuple[type[BaseException], ...] = (InputError, KeyProblem)
    connection = sys.modules.get("svduty.warehouse.connection")
    if connection is not None:
        kinds += (connection.WarehouseMissing, connection.WarehouseBusy)
    return isinstance(exc, kinds)


class _Commands(TyperGroup):
    """svduty's commands: input the user can fix is reported as a message and exit code 1.

    Only svduty's own InputError (and its kin: no warehouse yet, the warehouse busy with another
    writer, a key file's problem) means the input is wrong. Any other exception is a defect, left
    to surface with its traceback: a bug's ValueError must not read as the user's mistake.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as problem:
            if not _input_problem(problem):
                raise
            err.print(f"[red]error[/red] {problem}", soft_wrap=True)  # a path must not be split
            raise typer.Exit(1) from None


class _IngestCommands(TyperGroup):
    """`svduty ingest`: police-uk, ons-prc, and one command per partner feed. The feeds'
    commands are made from their definitions (svduty.sources.feeds, which imports DuckDB and
    Arrow) when `ingest` is first asked for its commands, not when svduty starts."""

    def _with_feeds(self) -> None:
        if getattr(self, "_feeds_added", False):
            return
        self._feeds_added = True
        from svduty.sources.feeds import FEEDS

        feeds = typer.Typer()
        for source in FEEDS:
            feeds.command(source)(_feed_command(source))
        for name, command in typer.main.get_group(feeds).commands.items():
            self.add_command(command, name)

    def list_commands(self, ctx):
        self._with_feeds()
        return super().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        self._with_feeds()
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=_Commands,
    no_args_is_help=True,
    add_completion=False,
    # a traceback's local variables could hold a partner's raw identifiers: never print them
    pretty_exceptions_show_locals=False,
    help="svduty: data for the Serious Violence Duty partnership. Settings come from the "
    "environment (SVDUTY_HOME, SVDUTY_WAREHOUSE_URL; see docs/settings.md). "
    "Exit codes: 0 ok, 1 bad input, 2 usage, 3 a defect in svduty (please report it).",
)
ingest_app = typer.Typer(
    cls=_IngestCommands, no_args_is_help=True, help="Load partner and open data files."
)
app.add_typer(ingest_app, name="ingest")
app.command("measures")(measures_cli.command)
app.command("people")(people_cli.command)
app.command("encode")(linkage_cli.encode_command)
app.command("link")(linkage_cli.link_command)
app.add_typer(linkage_cli.key_app, name="linkage-key")
app.add_typer(definition_cli.app, name="definition")
app.add_typer(partnership_cli.app, name="partnership")
app.add_typer(voice_cli.app, name="voice")
ingest_app.command("ons-prc")(ingest_ons_prc_command)
app.command("synth")(synth_cli.synth_command)
app.command("sna")(products_cli.sna_command)
app.add_typer(products_cli.strategy_app, name="strategy")
app.command("review")(products_cli.review_command)
app.command("publish")(products_cli.publish_command)
app.command("serve")(serve_cli.serve_command)
app.command("backup")(backup_cli.backup_command)
app.command("consultation")(duty_cli.consultation_command)
app.command("compliance")(duty_cli.compliance_command)
app.command("restore")(backup_cli.restore_command)
app.command("retention")(retention_cli.retention_command)
console = output.console()
err = output.console(stderr=True)
DEFECT = 3


def _version(value: bool) -> None:
    if value:
        console.print(f"svduty {_installed_version()}")
        raise typer.Exit()


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("svduty")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return svduty.__version__


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print svduty's version and stop."
        ),
    ] = False,
) -> None:
    """The options of `svduty` itself, before any command."""


DEMO_POLICE_UK = Path(__file__).resolve().parent.parent / "data" / "police_uk" / "street"
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]


def _emit(document: dict) -> None:
    print(json.dumps(document, indent=2, default=str))


# ---- init -------------------------------------------------------------------------------------


def init(
    config: Config,
    *,
    overwrite: bool = False,
    force: str | None = None,
    partnership_file: Path | None = None,
) -> dict:
    """Make the data directory. The partnership file is Avon and Somerset's by default,
    written for the police force area ``force`` names (its police.uk id, code or name), or
    ``partnership_file`` checked and copied in."""
    from svduty import partnership
    from svduty.warehouse import connect
    from svduty.warehouse.reference_load import load_reference

    if force is not None and partnership_file is not None:
        raise InputError("give --force or --partnership, not both")
    area = None
    if force is not None:
        from svduty.reference.force_areas import find_force

        area = find_force(force)  # an unknown force is refused before anything is written
    if partnership_file is not None:
        partnership.load(partnership_file)  # refused whole, with its line, if it is not valid
    config.home.mkdir(parents=True, exist_ok=True)
    written = False
    if overwrite or not config.partnership_path.exists():
        if area is not None:
            from svduty.partnership.generate import write_for_force

            write_for_force(area, config.partnership_path, overwrite=overwrite)
        elif partnership_file is not None:
            config.partnership_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(partnership_file, config.partnership_path)
        else:
            partnership.write_default(config.partnership_path, overwrite=overwrite)
        written = True
    elif area is not None or partnership_file is not None:
        raise InputError(
            f"{config.partnership_path} already exists; pass --overwrite to replace it "
            "(keep a copy first if it was edited)"
        )
    key_written = generate_key_file(config.key_file)
    strategies_written = products_cli.copy_example_strategies(config)
    with closing(connect(config.warehouse_url)) as warehouse:
        reference_loaded = load_reference(
            warehouse,
            loaded_by=config.loaded_by,
            # the partnership's own authorities get national LSOA boundaries where needed
            la_codes=partnership.load(config.partnership_path).local_authority_codes,
        )
    return {
        "home": str(config.home),
        "warehouse_url": config.warehouse_url,
        "partnership": str(config.partnership_path),
        "partnership_written": written,
        "key_file": str(config.key_file),
        "key_written": key_written,
        "key_fingerprint": load_key_file(config.key_file).fingerprint,
        "reference_loaded": reference_loaded,
        "strategies_written": strategies_written,
    }


@app.command("init")
def init_command(
    overwrite: Annotated[bool, typer.Option(help="Rewrite an existing partnership file.")] = False,
    force: Annotated[
        str | None,
        typer.Option(
            "--force",
            metavar="NAME",
            help="Write the partnership file for this police force area: its police.uk id "
            "(south-wales), its force area code (W15000003) or its name, in any case. Without "
            "it (and without --partnership), Avon and Somerset.",
        ),
    ] = None,
    partnership_file: Annotated[
        Path | None,
        typer.Option(
            "--partnership",
            metavar="FILE",
            help="Use this partnership file (checked, then copied into the data directory).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create the data directory, the partnership configuration and the reference tables."""
    result = init(
        Config.from_env(), overwrite=overwrite, force=force, partnership_file=partnership_file
    )
    if as_json:
        _emit(result)
        return
    console.print(f"Data directory: {result['home']}")
    console.print(f"Warehouse: {result['warehouse_url']}")
    verb = "written" if result["partnership_written"] else "kept (use --overwrite to rewrite)"
    console.print(f"Partnership configuration {verb}: {result['partnership']}")
    console.print(
        f"Pseudonymisation key {'created' if result['key_written'] else 'kept'}: "
        f"{result['key_file']} (fingerprint {result['key_fingerprint']}; back it up, keep it "
        "out of the warehouse: docs/keys.md)"
    )
    console.print(
        "Reference tables " + ("loaded" if result["reference_loaded"] else "already up to date")
    )
    for path in result["strategies_written"]:
        console.print(f"Example strategy to edit (labelled as an example): {path}")


# ---- ingest -----------------------------------------------------------------------------------


def ingest(config: Config, paths: list[Path], progress=lambda r: None) -> list[FileResult]:
    from svduty.warehouse import connect
    from svduty.warehouse.ingest import ingest_police_uk

    with closing(connect(config.warehouse_url)) as warehouse:
        return ingest_police_uk(
            warehouse,
            paths,
            loaded_by=config.loaded_by,
            progress=progress,
            pause_before_commit=config.fault_pause_before_commit,
        )


@ingest_app.command("police-uk")
def ingest_police_uk_command(
    paths: Annotated[list[Path], typer.Argument(help="Street files (.csv or .csv.gz) or folders.")],
    as_json: JsonFlag = False,
) -> None:
    """Load data.police.uk street-level crime files; a folder is searched for street files."""
    from rich.progress import Progress

    config = Config.from_env()
    if as_json:
        results = ingest(config, paths)
    else:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("Loading police.uk files", total=None)
            results = ingest(config, paths, progress=lambda r: bar.advance(task))
    _report_ingest(results, "police.uk street files", as_json)


def ingest_feed_files(
    config: Config, source: str, paths: list[Path], progress=lambda r: None
) -> list[FileResult]:
    """Load partner files of one feed; their identifiers are tokenised under the partnership key."""
    from svduty.warehouse import connect
    from svduty.warehouse.feed_ingest import ingest_feed

    pseudonymiser = load_key_file(config.key_file)
    with closing(connect(config.warehouse_url)) as warehouse:
        return ingest_feed(
            warehouse,
            source,
            paths,
            pseudonymiser=pseudonymiser,
            loaded_by=config.loaded_by,
            progress=progress,
            pause_before_commit=config.fault_pause_before_commit,
        )


def _feed_command(source: str):
    from svduty.sources.feeds import FEEDS

    feed = FEEDS[source]

    def command(
        paths: Annotated[list[Path], typer.Argument(help="Files (.csv or .csv.gz) or folders.")],
        as_json: JsonFlag = False,
    ) -> None:
        from rich.progress import Progress

        config = Config.from_env()
        try:
            if as_json:
                results = ingest_feed_files(config, source, paths)
            else:
                with Progress(console=err, transient=True) as bar:
                    task = bar.add_task(f"Loading {feed.title}", total=None)
                    results = ingest_feed_files(
                        config, source, paths, progress=lambda r: bar.advance(task)
                    )
        except KeyProblem as problem:
            err.print(f"[red]error[/red] {problem}")
            raise typer.Exit(1) from None
        _report_ingest(results, feed.title, as_json)

    command.__doc__ = f"{feed.title}: {feed.description} Columns: docs/feeds/{source}.md."
    return command


def _report_ingest(results: list[FileResult], title: str, as_json: bool) -> None:
    totals = {
        k: sum(getattr(r, k) for r in results if r.status != "unchanged")
        for k in ("rows_read", "rows_loaded", "rows_quarantined")
    }
    if as_json:
        _emit({"files": [r.as_dict() for r in results], "totals": totals})
    else:
        _print_ingest(results, totals, title)
    if any(r.status == "refused" for r in results):
        raise typer.Exit(1)


def _print_ingest(results: list[FileResult], totals: dict, title: str) -> None:
    from rich.table import Table

    table = Table(title=title)
    for col in ("file", "status", "read", "loaded", "quarantined"):
        table.add_column(
            col, justify="right" if col in ("read", "loaded", "quarantined") else "left"
        )
    for r in results:
        name = r.file + (" (SYNTHETIC)" if r.synthetic else "")
        table.add_row(
            name, r.status, f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_quarantined:,}"
        )
    console.print(table)
    console.print(
        f"{totals['rows_read']:,} rows read = {totals['rows_loaded']:,} loaded + "
        f"{totals['rows_quarantined']:,} quarantined"
    )
    for r in results:
        if r.status == "refused":
            err.print(f"[red]refused[/red] {r.message}")


# ---- status -----------------------------------------------------------------------------------


def status(config: Config) -> dict:
    from svduty.warehouse import connect
    from svduty.warehouse.status import coverage, partner_loads, quarantine_by_reason, refusals

    with closing(connect(config.warehouse_url, read_only=True)) as warehouse:
        return {
            "coverage": coverage(warehouse),
            "partner_feeds": partner_loads(warehouse),
            "quarantine_by_reason": quarantine_by_reason(warehouse),
            "refused_files": refusals(warehouse),
        }


@app.command("status")
def status_command(as_json: JsonFlag = False) -> None:
    """Coverage by force and month, gaps, quarantined rows by reason, refused files."""
    from rich.table import Table

    result = status(Config.from_env())
    if as_json:
        _emit(result)
        return
    table = Table(title="Coverage of police.uk street files")
    for col in ("force", "first", "last", "months", "missing", "rows loaded", "quarantined"):
        table.add_column(col)
    for c in result["coverage"]:
        table.add_row(
            c["force"],
            c["first_month"],
            c["last_month"],
            str(c["months_loaded"]),
            ", ".join(c["gaps"]) or "none",
            f"{c['rows_loaded']:,}",
            f"{c['rows_quarantined']:,}",
        )
    console.print(table)
    if result["partner_feeds"]:
        feeds = Table(title="Partner feeds loaded")
        for col in ("feed", "covers", "files", "from", "to", "rows loaded", "quarantined"):
            feeds.add_column(col)
        for f in result["partner_feeds"]:
            feeds.add_row(
                f["source"] + (" (SYNTHETIC)" if f["synthetic"] else ""),
                f["covers"],
                str(f["files"]),
                f["period_start"] or "",
                f["period_end"] or "",
                f"{f['rows_loaded']:,}",
                f"{f['rows_quarantined']:,}",
            )
        console.print(feeds)
    if result["quarantine_by_reason"]:
        q = Table(title="Quarantined rows by reason")
        for col in ("source", "reason", "rows"):
            q.add_column(col)
        for r in result["quarantine_by_reason"]:
            q.add_row(r["source"], r["reason_code"], f"{r['rows']:,}")
        console.print(q)
    else:
        console.print("No rows in quarantine.")
    for r in result["refused_files"]:
        console.print(f"Refused: {r['file_name']}: {r['message']}")


# ---- quarantine -------------------------------------------------------------------------------


@app.command("quarantine")
def quarantine_command(
    source: Annotated[str | None, typer.Option(help="Only this feed, e.g. police-crime.")] = None,
    load: Annotated[int | None, typer.Option(help="Only this load id (see `status`).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """The quarantined rows: file, line, field, and what would fix each one."""
    from rich.table import Table

    from svduty.warehouse import connect
    from svduty.warehouse.status import quarantined_rows

    with closing(connect(Config.from_env().warehouse_url, read_only=True)) as warehouse:
        rows = quarantined_rows(warehouse, source=source, load_id=load, limit=limit)
    if as_json:
        _emit({"rows": rows})
        return
    if not rows:
        console.print("No rows in quarantine.")
        return
    table = Table(title="Quarantined rows")
    for col in ("load", "file", "line", "field", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["load_id"]), r["file_name"], str(r["line"]), r["field"], r["reason"])
    console.print(table)


# ---- demo -------------------------------------------------------------------------------------


DEMO_ONS_PRC = DEMO_POLICE_UK.parent.parent / "ons_prc"
DEMO_SEED = 1
HEADLINE = ("knife-police-published", "knife-police", "hospital-sharp-object", "homicide")


def demo(config: Config, *, synthetic: bool = True, progress=lambda step: None) -> dict:
    """Load the real open data (and, unless told not to, synthetic partner extracts); summarise."""
    from svduty import partnership
    from svduty.analysis.police_summary import violence_summary
    from svduty.synth import FEEDS as SYNTHESISED
    from svduty.warehouse import connect
    from svduty.warehouse.status import coverage, partner_loads

    setup = init(config)
    progress("police.uk street files (real)")
    results = ingest(config, [DEMO_POLICE_UK / "avon-and-somerset"])
    progress("ONS police force area tables (real)")
    published = ingest_ons_prc_files(config, [DEMO_ONS_PRC])
    partner: dict[str, list[dict]] = {}
    if synthetic:
        progress("generating SYNTHETIC partner extracts")
        made = synth_cli.synth(config, DEMO_SEED)
        folder = Path(made["out"])
        # the feeds `svduty synth` writes (not the linked-records ones, whose synthetic people
        # need identifiers and a linkage key: svduty.synth.linkage)
        for source in SYNTHESISED:
            progress(f"loading SYNTHETIC {source}")
            partner[source] = [
                r.as_dict() for r in ingest_feed_files(config, source, [folder / source])
            ]
    area = partnership.load(config.partnership_path)
    with closing(connect(config.warehouse_url, read_only=True)) as warehouse:
        summary = violence_summary(
            warehouse, force=area.police_uk_force, pfa_code=area.police_force_area
        )
        cover = coverage(warehouse)
        feeds = partner_loads(warehouse)
    progress("the success measures")
    headline = measures_cli.measures(
        config,
        measure_ids=[m for m in HEADLINE if synthetic or m == "knife-police-published"],
        areas=[area.police_force_area],
        period_types=("calendar_year", "financial_year"),
    )
    made = products_cli.products(config, progress) if synthetic else None
    return {
        "setup": setup,
        "files": [r.as_dict() for r in results],
        "published": [r.as_dict() for r in published],
        "partner_feeds": partner,
        "partner_feed_coverage": feeds,
        "coverage": cover,
        "partnership": area.name,
        "violence_summary": summary,
        "measures": headline,
        "products": made,
    }


@app.command("demo")
def demo_command(
    as_json: JsonFlag = False,
    synthetic: Annotated[
        bool, typer.Option(help="Also generate and load SYNTHETIC partner extracts.")
    ] = True,
) -> None:
    """Load the bundled real Avon and Somerset open data and SYNTHETIC partner extracts; print
    a first violence summary and the success measures."""
    config = Config.from_env()
    if as_json:
        _emit(demo(config, synthetic=synthetic))
        return
    with console.status("Loading") as status:
        result = demo(config, synthetic=synthetic, progress=lambda s: status.update(f"Loading {s}"))
    files = result["files"]
    by_status: dict[str, int] = {}
    for f in files:
        by_status[f["status"]] = by_status.get(f["status"], 0) + 1
    console.print(f"[bold]{result['partnership']}[/bold]: data directory {result['setup']['home']}")
    console.print(
        f"police.uk street files: {len(files)} ("
        + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
        + ")"
    )
    for c in result["coverage"]:
        console.print(
            f"  {c['force']}: {c['months_loaded']} months {c['first_month']} to {c['last_month']}, "
            f"{c['rows_loaded']:,} rows loaded, {c['rows_quarantined']:,} quarantined; "
            f"missing: {', '.join(c['gaps']) or 'none'}"
        )
    for p in result["published"]:
        console.print(
            f"ONS police force area tables: {p['file']} {p['status']} "
            f"({p['rows_loaded']:,} figures, {p['rows_quarantined']:,} quarantined)"
        )
    for f in result["partner_feed_coverage"]:
        console.print(
            f"{f['source']}{' [SYNTHETIC]' if f['synthetic'] else ''}: {f['files']} files, "
            f"{f['period_start']} to {f['period_end']}, {f['rows_loaded']:,} rows loaded, "
            f"{f['rows_quarantined']:,} quarantined"
        )
    _print_summary(result["violence_summary"])
    measures_cli.print_rows(result["measures"])
    if result["products"]:
        _print_products(result["products"])


def _print_products(made: dict) -> None:
    console.print("[bold]The products[/bold] (open the files in a browser; print them for PDF):")
    for area_id, paths in made["areas"].items():
        console.print(f"  {area_id}")
        console.print(f"    needs assessment: {paths['sna']}")
        console.print(f"    strategy (illustrative example): {paths['strategy']}")
        for w in paths["strategy_warnings"]:
            if w["severity"] in ("strong", "warning"):
                console.print(f"      {w['severity']}: {w['message']}")
        console.print(f"    annual review: {paths['review']}")
    site = made["site"]
    console.print(f"  public site ({', '.join(site['areas'])}): {site['site']}/index.html")


def _print_summary(rows: list[dict]) -> None:
    from rich.table import Table

    table = Table(
        title="Police recorded crime (police.uk) by local authority and year: count and rate "
        "per 1,000 residents (Census 2021)",
        caption="Rates cover the months loaded in that year and are not annualised. Rows with no "
        "location, or placed in an LSOA outside the force area, are shown on their own lines.",
    )
    table.add_column("area")
    table.add_column("year")
    table.add_column("months", justify="right")
    for crime_type in ("Violence and sexual offences", "Robbery", "Possession of weapons"):
        table.add_column(crime_type, justify="right")
    cells: dict[tuple, dict] = {}
    for r in rows:
        cells.setdefault((r["area"], r["year"], r["months"]), {})[r["crime_type"]] = r
    for (area, year, months), by_type in cells.items():
        values = []
        for crime_type in ("Violence and sexual offences", "Robbery", "Possession of weapons"):
            r = by_type.get(crime_type)
            if r is None:
                values.append("0")
            elif r["rate_per_1000"] is None:
                values.append(f"{r['count']:,}")
            else:
                values.append(f"{r['count']:,} ({r['rate_per_1000']:.2f})")
        table.add_row(area, str(year), str(months), *values)
    console.print(table)


def main() -> None:
    """The installed `svduty` script. Bad input has been reported (exit 1) by the time an
    exception reaches here, so what does is a defect: its traceback, and a request to report it."""
    try:
        app()
    except Exception:
        traceback.print_exc()  # plain: no local variables, which could hold raw identifiers
        err.print(
            "[red]internal error[/red]: this is a defect in svduty, not a problem with your "
            "input. Please report it with the traceback above.",
            soft_wrap=True,
        )
        raise SystemExit(DEFECT) from None
