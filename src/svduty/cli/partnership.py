"""`svduty partnership show | check`: the partnership file, read and checked.

``check`` validates a file against its format and the national reference data (every local
authority code current and inside the force area; a superseded code is answered with its
successor) and lists the lines still marked TO FILL. ``show`` prints what svduty reads from it.
Exit codes: 0 ok, 1 a file with a problem, 2 usage. The format: docs/partnership.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from svduty import partnership
from svduty.cli import output
from svduty.settings import Config

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="The partnership file: show what svduty reads from it, or check it against the "
    "national reference data. Its format: docs/partnership.md.",
)
console = output.console()
err = output.console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]
FileArgument = Annotated[
    Path | None,
    typer.Argument(
        metavar="[FILE]", help="A partnership file; the data directory's when left out."
    ),
]


def to_fill(path: Path) -> list[dict]:
    """The lines still marked TO FILL: (line, text)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        {"line": n, "text": line.strip()}
        for n, line in enumerate(lines, start=1)
        if "TO FILL" in line and not line.lstrip().startswith("# TO FILL: lines marked")
    ]


def check(config: Config, path: Path | None = None) -> dict:
    """Check a partnership file: a dict with `ok` and, when it is not, `problems`: EVERY
    problem in the file, each with its key, line, the problem and a fix (so a person fixes the
    file in one pass). A file that is missing or not YAML raises PartnershipConfigError."""
    path = path or config.partnership_path
    try:
        p = partnership.load(path)
    except partnership.PartnershipConfigError as exc:
        if not exc.problems:
            raise
        return {
            "ok": False,
            "file": str(path),
            "problems": [x._asdict() for x in exc.problems],
            "to_fill": to_fill(path),
        }
    return {
        "ok": True,
        "file": str(path),
        "police_force_area": p.police_force_area,
        "local_authorities": len(p.local_authorities),
        "to_fill": to_fill(path),
    }


def show(config: Config, path: Path | None = None) -> dict:
    path = path or config.partnership_path
    p = partnership.load(path)
    return {
        "file": str(path),
        "name": p.name,
        "area_name": p.area_name,
        "police_force_area": p.police_force_area,
        "police_uk_force": p.police_uk_force,
        "local_authorities": [
            {
                "code": la.code,
                "name": la.name,
                "local_partnership_group": la.local_partnership_group,
            }
            for la in p.local_authorities
        ],
        "groups": [
            {"name": g["name"], "parent": g["parent"], "local_authorities": g["local_authorities"]}
            for g in p.groups
        ],
        "specified_authorities": [
            {"name": b["name"], "kind": b["kind"]} for b in p.specified_authorities
        ],
        "other_bodies": [{"name": b["name"], "kind": b["kind"]} for b in p.other_bodies],
        "local_definition": p.local_definition["id"],
        "public_contact": p.public_contact,
    }


@app.command("check")
def check_command(path: FileArgument = None, as_json: JsonFlag = False) -> None:
    """Check a partnership file: its format, and its codes against the reference data."""
    result = check(Config.from_env(), path)
    if as_json:
        print(json.dumps(result, indent=2))
        if not result["ok"]:
            raise typer.Exit(1)
        return
    if not result["ok"]:
        err.print(f"{result['file']}: {len(result['problems'])} problem(s):", soft_wrap=True)
        for x in result["problems"]:
            at = f"line {x['line']}, " if x["line"] else ""
            err.print(
                f"  {at}{escape(x['key'])}: {escape(x['problem'])}"
                + (f"\n    fix: {escape(x['fix'])}" if x["fix"] else ""),
                soft_wrap=True,
            )
        raise typer.Exit(1)
    console.print(
        f"{result['file']}: valid ({result['local_authorities']} local authorities in "
        f"{result['police_force_area']})",
        soft_wrap=True,
    )
    if result["to_fill"]:
        console.print(f"{len(result['to_fill'])} line(s) still marked TO FILL:")
        for item in result["to_fill"]:
            console.print(f"  line {item['line']}: {escape(item['text'])}", soft_wrap=True)


@app.command("show")
def show_command(path: FileArgument = None, as_json: JsonFlag = False) -> None:
    """Show what svduty reads from the partnership file."""
    result = show(Config.from_env(), path)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    console.print(f"{escape(result['name'])} ({result['file']})", soft_wrap=True)
    console.print(
        f"Area: {escape(result['area_name'])}, police force area {result['police_force_area']} "
        f"(police.uk {result['police_uk_force']})"
    )
    console.print("Local authorities:")
    for la in result["local_authorities"]:
        console.print(
            f"  {la['code']} {escape(la['name'])}: {escape(la['local_partnership_group'])}"
        )
    console.print("Specified authorities:")
    for body in result["specified_authorities"]:
        console.print(f"  {escape(body['name'])} ({body['kind']})")
    console.print(f"Local definition: {result['local_definition']}")
    contact = result["public_contact"]
    console.print(
        f"Public contact: {contact['url'] or '(not set)'}, {contact['email'] or '(not set)'}"
    )
