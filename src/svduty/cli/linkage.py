"""`svduty encode`, `svduty link` and `svduty linkage-key new`: linking people across services
without sharing who they are (docs/people.md, docs/keys.md).

`encode` runs on a partner's own machine, before the file leaves it: it needs no warehouse and
refuses a linkage key kept in svduty's data directory. `link` runs where the warehouse is and
prints counts only.
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from svduty.cli import output
from svduty.errors import InputError
from svduty.settings import Config

console = output.console()
err = output.console(stderr=True)

key_app = typer.Typer(no_args_is_help=True, help="The partners' shared linkage key.")


def _forbidden(config: Config) -> list[Path]:
    """Where a linkage key must never be: svduty's data directory and the warehouse's."""
    places = [config.home]
    if config.warehouse_url.startswith("duckdb:///"):
        places.append(Path(config.warehouse_url.removeprefix("duckdb:///")).parent)
    return places


def encode(config: Config, feed: str, file: Path, key_file: Path, out: Path) -> dict:
    from svduty.privacy.linkage import SCHEMA_ID, encodable, load_linkage_key
    from svduty.sources.feeds import FEEDS
    from svduty.sources.linkage_encode import encode_file

    if feed not in FEEDS:
        raise InputError(f"no feed {feed!r}; the feeds: {', '.join(FEEDS)}")
    key = load_linkage_key(key_file, _forbidden(config))
    if out.resolve() == file.resolve():
        raise InputError("--out must be a new file, not the file being encoded")
    result = encode_file(file, FEEDS[feed], out, key.encode, encodable)
    return {
        "feed": feed,
        "out": out.name,
        "rows": result.rows,
        "encoded": result.encoded,
        "not_encoded_lines": list(result.not_encoded_lines),
        "schema": SCHEMA_ID,
        "linkage_key_fingerprint": key.fingerprint,
    }


_FEED_HELP = "The feed the file is for, e.g. youth-justice-records."
_FILE_HELP = "The service's file, with names, dates of birth and postcodes."
_KEY_HELP = "The partners' linkage key file (never inside svduty's data directory)."
_OUT_HELP = "The encoded file to write (the one to send)."
_JSON_HELP = "Print one JSON document."


def encode_command(
    feed: Annotated[str, typer.Argument(help=_FEED_HELP)],
    file: Annotated[Path, typer.Argument(help=_FILE_HELP)],
    linkage_key: Annotated[Path, typer.Option("--linkage-key", help=_KEY_HELP)],
    out: Annotated[Path, typer.Option("--out", help=_OUT_HELP)],
    as_json: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Turn a service's names, dates of birth, sex and postcode districts into linkage encodings
    and drop them: the output is a file the feed accepts. Run it on your own machine."""
    doc = encode(Config.from_env(), feed, file, linkage_key, out)
    if as_json:
        print(json.dumps(doc, indent=2))
        return
    console.print(
        f"{doc['encoded']:,} of {doc['rows']:,} rows encoded to {out} (schema {doc['schema']}, "
        f"linkage key fingerprint {doc['linkage_key_fingerprint']}: every partner's must match)."
    )
    if doc["not_encoded_lines"]:
        missing = doc["not_encoded_lines"]
        lines = ", ".join(str(n) for n in missing[:20]) + ("..." if len(missing) > 20 else "")
        err.print(
            f"[yellow]warning[/yellow] {len(missing)} row(s) have no name or no readable date "
            f"of birth (lines {lines}): their Linkage encoding is blank, so the feed will "
            "quarantine them. Correct them and encode again to link them."
        )


def new_key_command(
    path: Annotated[
        Path, typer.Argument(help="Where to write the new key (outside svduty's data directory).")
    ],
) -> None:
    """Make the partnership's linkage key, once; share it with each partner's data lead by your
    secure route, never with svduty's data directory."""
    from svduty.privacy.linkage import generate_linkage_key, load_linkage_key

    config = Config.from_env()
    generate_linkage_key(path, _forbidden(config))
    console.print(
        f"Linkage key written to {path} (fingerprint "
        f"{load_linkage_key(path, _forbidden(config)).fingerprint})."
    )


key_app.command("new")(new_key_command)


def link(config: Config, threshold: float | None = None) -> dict:
    from svduty.analysis.evidence.linkage import THRESHOLD, cross_service
    from svduty.warehouse import connect

    chosen = THRESHOLD if threshold is None else threshold
    if not 0 < chosen <= 1:
        raise InputError(f"--threshold is a Dice similarity between 0 and 1, not {chosen}")
    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        result = cross_service(wh, chosen)
    if result is None:
        return {"available": False, "reason": _NO_RECORDS, "threshold": chosen}
    return {"available": True, **result.as_dict()}


_NO_RECORDS = (
    "No linked records are loaded: linking needs at least one of youth-justice-records, "
    "probation-records, education-records or childrens-social-care-records, each file made by "
    "`svduty encode` and loaded with `svduty ingest FEED FILE`."
)


_THRESHOLD_HELP = (
    "Dice similarity at or above which two services' encodings are one person (default 0.82, "
    "chosen on the synthetic benchmark: docs/benchmarks.md)."
)


def link_command(
    threshold: Annotated[float | None, typer.Option(help=_THRESHOLD_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """People known to two or more services, the overlaps between services and which service
    knew them first, by linking the loaded encodings. Counts only."""
    doc = link(Config.from_env(), threshold)
    if as_json:
        print(json.dumps(doc, indent=2, default=str))
        return
    from rich.table import Table

    if not doc["available"]:
        console.print(doc["reason"])
        return
    synthetic = " [SYNTHETIC DATA]" if doc["synthetic"] else ""
    console.print(
        f"{doc['total_people']:,} people in the loaded records; {doc['known_to_two_or_more']:,} "
        f"known to two or more services (Dice threshold {doc['threshold']}){synthetic}."
    )
    services = Table(title=f"People known to each service{synthetic}")
    services.add_column("service")
    services.add_column("people", justify="right")
    for feed, n in doc["people"].items():
        services.add_row(feed, f"{n:,}")
    console.print(services)
    upset = Table(title=f"Overlaps: people known to exactly these services{synthetic}")
    for feed in doc["feeds"]:
        upset.add_column(feed.removesuffix("-records"), justify="center")
    upset.add_column("people", justify="right")
    for c in doc["combinations"]:
        marks = ("●" if f in c["services"] else "" for f in doc["feeds"])
        upset.add_row(*marks, f"{c['people']:,}")
    console.print(upset)
    path = Table(title=f"Pathways: the service that knew them first (known to 2+){synthetic}")
    path.add_column("first known to")
    path.add_column("people", justify="right")
    for p in doc["pathways"]:
        path.add_row(p["first"], f"{p['people']:,}")
    console.print(path)
    for caveat in doc["caveats"]:
        console.print(f"- {caveat}")
