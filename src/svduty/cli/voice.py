"""`svduty voice code`: community voice responses coded to the codebook's themes, with the
analyst's corrections and the agreement between the two (docs/voice.md)."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from svduty.cli import output
from svduty.settings import Config

console = output.console()
app = typer.Typer(
    no_args_is_help=True, help="Community and young people's voice: themes (docs/voice.md)."
)


def codebook_path(config: Config) -> Path | None:
    """The partnership's codebook, or None (the shipped example is used)."""
    path = config.home / "voice" / "codebook.yaml"
    return path if path.exists() else None


def corrections_path(config: Config) -> Path:
    return config.home / "voice" / "corrections.csv"


def code(config: Config, *, codebook: Path | None = None, corrections: Path | None = None) -> dict:
    """The coding report: every response, its automatic and analyst themes, the agreement."""
    from svduty.analysis.voice.coding import load_codebook, read_corrections
    from svduty.analysis.voice.responses import coded, coding_report, loaded
    from svduty.warehouse import connect

    book = load_codebook(codebook or codebook_path(config))
    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        rows = loaded(wh)
    fixes: dict[str, str] = {}
    corrections = corrections or corrections_path(config)
    if corrections.exists():
        from svduty.privacy.pseudonymise import load_key_file

        key = load_key_file(config.key_file)
        fixes = read_corrections(corrections, book, (r["response_ref"] for r in rows), key.token)
    report = coding_report(coded(rows, book, fixes), book)
    report["corrections_file"] = corrections.name if corrections.exists() else None
    return report


@app.command("code")
def code_command(
    codebook: Annotated[
        Path | None,
        typer.Option(
            help="A codebook YAML (default: $SVDUTY_HOME/voice/codebook.yaml, else the example)."
        ),
    ] = None,
    corrections: Annotated[
        Path | None,
        typer.Option(
            help="The analyst's corrections CSV (default: $SVDUTY_HOME/voice/corrections.csv)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Code each loaded response to a theme with the codebook, apply the analyst's corrections
    and report the agreement (Cohen's kappa) between automatic and analyst coding."""
    report = code(Config.from_env(), codebook=codebook, corrections=corrections)
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    book = report["codebook"]
    note = " (the shipped example)" if book["example"] else ""
    console.print(f"Codebook {book['file']}{note}, version {book['version'] or 'not given'}")
    if report["synthetic"]:
        console.print("SYNTHETIC responses (made by svduty synth), not real people's words.")
    if not report["responses"]:
        console.print("No community voice responses are loaded (svduty ingest community-voice).")
        return
    for r in report["responses"]:
        fixed = f" -> analyst: {r['analyst_theme']}" if r["analyst_theme"] else ""
        words = "; ".join(f"{k}: {', '.join(v)}" for k, v in r["matched_words"].items())
        console.print(
            f"{r['response']}  {r['automatic_theme']}{fixed}  [{words or 'no words matched'}]"
        )
    a = report["agreement"]
    kappa = "not calculable" if a["kappa"] is None else f"{a['kappa']:.2f}"
    console.print(
        f"{len(report['responses'])} responses; the analyst coded {a['responses']}, agreeing "
        f"with the automatic coding on {a['agreed']}; Cohen's kappa {kappa}"
    )
