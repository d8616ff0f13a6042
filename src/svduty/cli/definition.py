"""`svduty definition show | check | diff`: the local definition of serious violence.

Each command is a plain function of its Config (or of nothing) returning a dict, which the
Typer command prints as Rich tables or, with --json, as one JSON document.
Exit codes: 0 ok, 1 bad input (a definition with problems, a file that is not there), 2 usage.
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from svduty import partnership
from svduty.cli import output
from svduty.settings import Config

if TYPE_CHECKING:
    from svduty.warehouse import Warehouse

# svduty.definition compiles rules to Ibis and reads the feeds' definitions (pandas, DuckDB):
# each function imports what it uses, so `svduty` starts without them (svduty.cli's docstring).

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="The local definition of serious violence: show it with what it takes from the "
    "warehouse, check a definition file, compare two. How to write one: docs/definitions.md.",
)
console = output.console()
err = output.console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]
DEFAULT = "asvrp-2023"


def _emit(document: dict) -> None:
    print(json.dumps(document, indent=2, default=str))


def _fail(exc: Exception, as_json: bool) -> typer.Exit:
    from svduty.definition import DefinitionError

    lines = exc.problems if isinstance(exc, DefinitionError) else [str(exc)]
    if as_json:
        _emit({"ok": False, "problems": lines})
    else:
        for line in lines:
            err.print(f"[red]error[/red] {escape(line)}", soft_wrap=True)
    return typer.Exit(1)


def default_definition(config: Config) -> str:
    """The partnership's definition (its local_definition id), else the shipped ASVRP one."""
    if config.partnership_path.exists():
        return partnership.load(config.partnership_path).local_definition["id"]
    return DEFAULT


def _reading(config: Config) -> Warehouse:
    """The warehouse, read only; before anything is loaded, an empty one in memory, so a
    definition can be shown and compared (how each rule is evaluated, nothing in scope) on a
    fresh installation without making a file."""
    from svduty.warehouse import WarehouseMissing, connect

    try:
        return connect(config.warehouse_url, read_only=True)
    except WarehouseMissing:
        return connect("duckdb://")


# ---- show ---------------------------------------------------------------------------------------


def show(config: Config, name_or_file: str | None = None) -> dict:
    """The definition, and per warehouse table how each rule is evaluated and what it takes."""
    from svduty.definition import load, scope_counts

    definition = load(name_or_file or default_definition(config))
    with closing(_reading(config)) as warehouse:
        counts = scope_counts(definition, warehouse)
    return {"definition": definition.as_dict(), "sources": counts}


@app.command("show")
def show_command(
    name_or_file: Annotated[
        str | None,
        typer.Argument(
            help="A shipped definition (asvrp-2023, home-office-core) or a YAML file; "
            "default: the partnership's local definition.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The definition's wording, strands and rules, and the rows each rule takes per source."""
    from svduty.definition import DefinitionError

    try:
        result = show(Config.from_env(), name_or_file)
    except (DefinitionError, FileNotFoundError, partnership.PartnershipConfigError) as exc:
        raise _fail(exc, as_json) from None
    if as_json:
        _emit(result)
        return
    d = result["definition"]
    _print_definition(d)
    for source in result["sources"]:
        console.print(
            f"\n[bold]{source['label']}[/bold] ({source['source']}): {source['in_scope']:,} of "
            f"{source['rows']:,} rows in scope; {source['evaluation']}",
            soft_wrap=True,
        )
        table = Table()
        for col in ("rule", "strand", "evaluation", "rows"):
            table.add_column(col, justify="right" if col == "rows" else "left")
        if "weighted_in_scope" in source:
            table.add_column("sum of count", justify="right")
        for r in source["rules"]:
            cells = [r["rule"], r["strand"], r["evaluation"], f"{r['rows']:,}"]
            if "weighted" in r:
                cells.append(f"{r['weighted']:,}")
            table.add_row(*cells)
        console.print(table)
        for note in source["notes"]:
            console.print(f"  - {escape(note['text'])}", highlight=False, soft_wrap=True)


def _print_definition(d: dict) -> None:
    console.print(f"[bold]{escape(d['title'])}[/bold]")
    console.print(f"id {d['id']}, version {escape(d['version'])}, adopted {d['adopted']}")
    console.print(f"File: {d['file']}", highlight=False)
    console.print(f'"{escape(d["wording"]["text"])}"', highlight=False)
    console.print(f"Source: {d['wording']['source']}", highlight=False)
    if d["wording"]["note"]:
        console.print(f"Note: {escape(d['wording']['note'])}", highlight=False)
    strands = Table(title="Strands")
    strands.add_column("strand")
    strands.add_column("covers")
    for name, text in d["strands"].items():
        strands.add_row(name, escape(text))
    console.print(strands)
    rules = Table(title="Rules (a row is attributed to the first that takes it)")
    for col in ("#", "rule", "strand", "criteria", "exclude"):
        rules.add_column(col)
    for i, r in enumerate(d["rules"], 1):
        rules.add_row(
            str(i),
            r["id"],
            r["strand"],
            escape(_summary(r["criteria"])),
            escape(" OR ".join(_summary(e) for e in r.get("exclude", []))),
        )
    console.print(rules)


def _summary(criteria: dict) -> str:
    parts = []
    for key, value in criteria.items():
        if key == "flags":
            value = ", ".join(k if v else f"not {k}" for k, v in value.items())
        elif isinstance(value, dict):
            value = " to ".join(str(value.get(k, "")) for k in ("min", "max"))
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


# ---- check --------------------------------------------------------------------------------------


def check(path: str | Path) -> dict:
    """Every problem with a definition file; when it has none, how each source evaluates it."""
    from svduty.definition import compile_all, load, problems

    found = problems(path)
    if found:
        return {"file": str(path), "ok": False, "problems": found}
    definition = load(path)
    return {
        "file": str(path),
        "ok": True,
        "problems": [],
        "id": definition.id,
        "version": definition.version,
        "strands": list(definition.strands),
        "rules": [r.id for r in definition.rules],
        "sources": [plan.as_dict() for plan in compile_all(definition).values()],
    }


@app.command("check")
def check_command(
    file: Annotated[str, typer.Argument(help="A definition YAML file (or a shipped id).")],
    as_json: JsonFlag = False,
) -> None:
    """Check a definition file: every problem, with the rule, the field and what would fix it."""
    result = check(file)
    if as_json:
        _emit(result)
    elif not result["ok"]:
        for line in result["problems"]:
            err.print(f"[red]error[/red] {escape(line)}", soft_wrap=True)
        err.print(f"{len(result['problems'])} problem(s) in {escape(result['file'])}")
    else:
        console.print(
            f"{escape(result['file'])}: {result['id']} {escape(result['version'])} is valid: "
            f"{len(result['rules'])} rules in strands {', '.join(result['strands'])}",
            highlight=False,
        )
        for source in result["sources"]:
            counts: dict[str, int] = {}
            for r in source["rules"]:
                counts[r["evaluation"]] = counts.get(r["evaluation"], 0) + 1
            console.print(
                f"  {source['label']}: "
                + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items()),
                highlight=False,
            )
        console.print("See `svduty definition show FILE` for the notes on each source.")
    if not result["ok"]:
        raise typer.Exit(1)


# ---- diff ---------------------------------------------------------------------------------------


def compare(config: Config, a: str, b: str) -> dict:
    """Rules changed from A to B, and per warehouse table the rows entering and leaving scope."""
    from svduty.definition import diff, load

    first, second = load(a), load(b)
    with closing(_reading(config)) as warehouse:
        return diff(first, second, warehouse)


@app.command("diff")
def diff_command(
    a: Annotated[str, typer.Argument(help="The definition to compare from (id or file).")],
    b: Annotated[str, typer.Argument(help="The definition to compare to (id or file).")],
    as_json: JsonFlag = False,
) -> None:
    """Rows entering and leaving scope going from definition A to B, per source and per rule."""
    from svduty.definition import DefinitionError, shipped

    try:
        result = compare(Config.from_env(), a, b)
    except (DefinitionError, FileNotFoundError) as exc:
        raise _fail(exc, as_json) from None
    if as_json:
        _emit(result)
        return
    label_a = f"{result['a']['id']} {result['a']['version']}"
    label_b = f"{result['b']['id']} {result['b']['version']}"
    console.print(f"[bold]From A = {escape(label_a)} to B = {escape(label_b)}[/bold]")
    changes = result["rules"]
    for key, words in (("added", "Rules added"), ("removed", "Rules removed")):
        if changes[key]:
            console.print(f"{words}: {', '.join(changes[key])}")
    for c in changes["changed"]:
        console.print(f"Rule {c['rule']} changed: {', '.join(c['fields'])}")
    for source in result["sources"]:
        console.print(
            f"\n[bold]{source['label']}[/bold] ({source['source']}): {source['rows']:,} rows; "
            f"in scope {source['in_scope_a']:,} under A, {source['in_scope_b']:,} under B; "
            f"{source['entering']:,} enter, {source['leaving']:,} leave, "
            f"{source['moved_between_rules']:,} change rule (evaluation: A "
            f"{source['evaluation_a']}, B {source['evaluation_b']})",
            soft_wrap=True,
        )
        table = Table()
        for col in ("rule", "A", "B", "rows A", "rows B", "enter", "leave"):
            table.add_column(col, justify="right" if col not in ("rule", "A", "B") else "left")
        for r in source["rules"]:
            table.add_row(
                r["rule"],
                r["evaluation_a"] or "-",
                r["evaluation_b"] or "-",
                f"{r['rows_a']:,}",
                f"{r['rows_b']:,}",
                f"{r['entering']:,}",
                f"{r['leaving']:,}",
            )
        console.print(table)
    console.print(
        "Shipped definitions: " + ", ".join(shipped()) + ". Notes per source: "
        "`svduty definition show NAME`."
    )
