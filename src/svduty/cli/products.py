"""`svduty sna | strategy render | strategy check | review | publish`: the products of the Duty.

Each command is a plain function of its Config; the Typer wrappers only parse. Output goes under
the data directory by default (``$SVDUTY_HOME/products/<area>/<product>/`` and
``$SVDUTY_HOME/site/``); ``--out`` puts it elsewhere.

Strategies live in ``$SVDUTY_HOME/strategies/<area>.yaml``: `svduty init` copies svduty's
illustrative examples there the first time, labelled as examples, for the partnership to edit.
"""

from __future__ import annotations

import json
import shutil
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from svduty import partnership
from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.cli import output
from svduty.errors import InputError
from svduty.products import area as areas
from svduty.products.strategy import check as strategy_checks
from svduty.products.strategy import file as strategies
from svduty.settings import Config

if TYPE_CHECKING:
    from svduty.products.assessment import build as assessment

# The document builders (sna, review, publish, strategy_page) pull in Altair, vl-convert and
# geopandas, about a second at start-up, and the warehouse DuckDB and Ibis: they are imported by
# the commands that use them, so every other `svduty` command starts without them.

console = output.console()
err = output.console(stderr=True)

strategy_app = typer.Typer(no_args_is_help=True, help="The local strategy: check it, render it.")

AreaOption = Annotated[
    str | None,
    typer.Option(
        "--area",
        help="The area: the force area (its police.uk id, e.g. avon-and-somerset) or a local "
        "authority's local partnership group (somerset, bristol, ...), by id, ONS code or "
        "name; default: the partnership's force area.",
    ),
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write here instead.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]


class ProductError(InputError):
    """Bad input to a product command (an unknown area, a strategy file with problems)."""


def _emit(document: dict) -> None:
    print(json.dumps(document, indent=2, default=str))


def strategy_path(config: Config, area_id: str) -> Path:
    return config.home / "strategies" / f"{area_id}.yaml"


def copy_example_strategies(config: Config) -> list[str]:
    """Give each area of the partnership with a shipped example a strategy file to edit;
    never overwrite one. The examples are Avon and Somerset's: another partnership gets a
    template for its force area instead (svduty.products.strategy.template)."""
    p = partnership.load(config.partnership_path)
    every = areas.areas(p)
    own = {a.id for a in every}
    written = []
    force = every[0]
    dest = strategy_path(config, force.id)
    if force.id not in strategies.examples() and not dest.exists():
        from svduty.products.strategy import template as strategy_template

        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(strategy_template.render(p, force), encoding="utf-8")
        written.append(str(dest))
    for area_id, example in strategies.examples().items():
        if area_id not in own:
            continue
        dest = strategy_path(config, area_id)
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(example, dest)
            written.append(str(dest))
    return written


def _area(config: Config, area_id: str | None) -> tuple[partnership.Partnership, areas.Area]:
    """The partnership and the area ``area_id`` names; None: the whole force area."""
    p = partnership.load(config.partnership_path)
    return p, areas.areas(p)[0] if area_id is None else areas.resolve(p, area_id)


def _strategy(
    config: Config, area_id: str, measures: measures_catalogue.Catalogue, path: Path | None = None
):
    """The area's strategy (or the file at ``path``), its measures checked against ``measures``,
    the catalogue SVDUTY_MEASURES names; None when there is no file."""
    path = path or strategy_path(config, area_id)
    if not path.exists():
        return None
    return strategies.load(path, measures=measures)


def _out(config: Config, out: Path | None, area_id: str, product: str) -> Path:
    return out or config.home / "products" / area_id / product


# ---- the strategic needs assessment ------------------------------------------------------------


def sna(
    config: Config, area_id: str | None, period: str | None = None, out: Path | None = None
) -> dict:
    return sna_built(config, area_id, period, out)[0]


def sna_built(
    config: Config, area_id: str | None, period: str | None = None, out: Path | None = None
) -> tuple[dict, assessment.Assessment]:
    """Build and write the needs assessment; the report and the assessment itself."""
    from svduty.products.assessment import alongside

    p, area = _area(config, area_id)
    # the second process imports what it needs while this one does (assessment.alongside)
    alongside.prestart()
    try:
        from svduty.products import drawings
        from svduty.products.assessment import build as assessment
        from svduty.warehouse import connect

        chosen = assessment.Period.parse(period) if period else None
        catalogue = measures_catalogue.configured(config)
        drawings.keep_in(config.home / "cache" / "charts")  # on unchanged data, draws nothing
        with closing(connect(config.warehouse_url, read_only=True)) as wh:
            built = assessment.build(wh, p, area, chosen, measures=catalogue, parallel=True)
    finally:
        alongside.discard()  # not needed (a warehouse that cannot be shared) or not reached
    path = assessment.write(built, _out(config, out, area.id, "sna"))
    return {
        "area": area.id,
        "period": str(built.period),
        "path": str(path),  # the board version, the entry
        "annex": str(path.parent / assessment.ANNEX_PAGE),
        "findings": len(built.summary),
        "caveats": len(built.caveats),
        "recommendations": len(built.actions),
        "data_actions": len(built.data_actions),
        "synthetic": built.synthetic,
    }, built


def sna_command(
    area: AreaOption = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="Calendar years (2020 or 2018-2021), a financial year (2020/21) or months "
            "(2019-01..2021-09); default: the latest complete years of data."
        ),
    ] = None,
    out: OutOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Write the strategic needs assessment for an area: the board version (index.html) and
    the technical annex (annex.html), accessible HTML pages."""
    result = sna(Config.from_env(), area, period, out)
    if as_json:
        _emit(result)
        return
    console.print(
        f"Strategic needs assessment for {result['area']} ({result['period']}): "
        f"{result['findings']} findings, {result['caveats']} caveats, "
        f"{result['recommendations']} recommendations, {result['data_actions']} data actions"
        + (" [SYNTHETIC partner data included]" if result["synthetic"] else "")
    )
    console.print(f"  board version: {result['path']}")
    console.print(f"  technical annex: {result['annex']}")


# ---- the strategy -----------------------------------------------------------------------------


def strategy_render(
    config: Config, area_id: str | None, path: Path | None = None, out: Path | None = None
) -> dict:
    p, area = _area(config, area_id)
    catalogue = measures_catalogue.configured(config)
    chosen = _strategy(config, area.id, catalogue, path)
    if chosen is None:
        raise ProductError(
            f"no strategy file for {area.id} at {path or strategy_path(config, area.id)}: "
            "write one (docs/strategy.md; `svduty strategy check FILE` checks it)"
            + (
                " or run `svduty init` to start from svduty's example"
                if area.id in strategies.examples()
                else ""
            )
        )
    from svduty.products.strategy import page as strategy_page

    written = strategy_page.write(
        chosen,
        _out(config, out, area.id, "strategy"),
        partnership=p,
        area=area,
        measures=catalogue,
        voice=_told_us(config, area),
    )
    warned = strategies.warnings(chosen)
    return {
        "area": area.id,
        "path": str(written),
        "example": chosen.example,
        "warnings": [{"severity": w.severity, "message": w.message} for w in warned],
    }


def _told_us(config: Config, area):
    """What people told us in ``area`` (for the strategy's "You said, we did"); no responses,
    or no warehouse yet, gives an empty one, which the page says."""
    from svduty.analysis.voice.responses import coded, told_us
    from svduty.products.assessment.build import voice_inputs
    from svduty.products.assessment.voice import in_area
    from svduty.warehouse import connect
    from svduty.warehouse.connection import WarehouseMissing

    try:
        wh = connect(config.warehouse_url, read_only=True)
    except WarehouseMissing:
        from svduty.analysis.voice.coding import Inputs

        return told_us([], Inputs.example().codebook)
    with closing(wh):
        inputs = voice_inputs(config, wh)
        from svduty.analysis.voice.responses import loaded

        rows = loaded(wh)
    responses = [r for r in coded(rows, inputs.codebook, inputs.corrections) if in_area(r, area)]
    return told_us(responses, inputs.codebook)


@strategy_app.command("render")
def strategy_render_command(
    area: AreaOption = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="The strategy file (default: the area's).")
    ] = None,
    out: OutOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Write the local strategy as an accessible page; warn of weak or harmful approaches."""
    result = strategy_render(Config.from_env(), area, file, out)
    if as_json:
        _emit(result)
        return
    for w in result["warnings"]:
        colour = {"strong": "red", "warning": "yellow"}.get(w["severity"], "cyan")
        err.print(f"[{colour}]{w['severity']}:[/{colour}] {w['message']}")
    label = " (illustrative example, not an adopted strategy)" if result["example"] else ""
    console.print(f"Strategy for {result['area']}{label}: {result['path']}")


def strategy_check(config: Config, file: Path, *, assessment: bool = True) -> dict:
    """Every problem with a strategy file, each with its place (file, line, field) and a fix,
    and the warnings; never raises for the file's content.

    Problems: the file's own (dates, measures, ids, targets, a measure that does not fit its
    priority's focus), an area the partnership does not have, codes not in the ONS geography,
    and, when the warehouse is there and ``assessment`` is set, a ``finding_ref`` that the
    area's needs assessment does not have or that shows nothing found. Warnings: the evidence
    warnings, the sections the guidance expects that are missing, priorities with no focus.
    """
    result: dict = {"file": str(file), "ok": False, "problems": [], "warnings": [], "notes": []}
    try:
        chosen = strategies.load(file, measures=measures_catalogue.configured(config))
    except strategies.StrategyError as exc:
        result["problems"] = exc.problems
        return result
    problems = strategy_checks.check_places(chosen)
    area = None
    try:
        p = partnership.load(config.partnership_path)
    except (InputError, OSError) as exc:
        result["notes"].append(f"the area was not checked: no partnership configuration ({exc})")
    else:
        problems += strategy_checks.check_area(chosen, [a.id for a in areas.areas(p)])
        if not problems:
            area = areas.resolve(p, chosen.area)
    if area is not None and assessment:
        problems += _check_against_assessment(config, p, area, chosen, result["notes"])
    warned = [{"severity": w.severity, "message": w.message} for w in strategies.warnings(chosen)]
    warned += [
        {"severity": "warning", "message": m} for m in strategy_checks.check_sections(chosen)
    ]
    warned += [
        {
            "severity": "info",
            "message": f"{chosen.file_name}: priorities[{i}]: no focus, so its measures are not "
            f"checked against its aim; add e.g. `focus: [young_people, public_space]`",
        }
        for i, pr in enumerate(chosen.priorities)
        if not pr.focus
    ]
    return result | {"ok": not problems, "problems": problems, "warnings": warned}


def _check_against_assessment(config, p, area, chosen, notes: list[str]) -> list[str]:
    """The strategy's finding_refs against the area's needs assessment, built from the
    warehouse (svduty.products.assessment.build.build, read through its Assessment model)."""
    if not any(pr.finding_ref for pr in chosen.priorities):
        return []
    from svduty.products.assessment import build as assessment
    from svduty.warehouse import WarehouseMissing, connect

    try:
        with closing(connect(config.warehouse_url, read_only=True)) as wh:
            built = assessment.build(wh, p, area, measures=measures_catalogue.configured(config))
    except (InputError, WarehouseMissing) as exc:
        notes.append(f"the findings cited were not checked: no needs assessment ({exc})")
        return []
    known, empty = strategy_checks.assessment_refs(built)
    notes.append(f"findings checked against the needs assessment for {area.name}, {built.period}")
    return strategy_checks.check_findings(chosen, known, empty=empty)


@strategy_app.command("check")
def strategy_check_command(
    file: Path,
    as_json: JsonFlag = False,
    skip_assessment: Annotated[
        bool,
        typer.Option(
            "--skip-assessment",
            help="Do not build the area's needs assessment to check the findings cited.",
        ),
    ] = False,
) -> None:
    """Check a strategy file: every problem with its file, line and field and how to fix it;
    the findings cited against the needs assessment; the warnings."""
    result = strategy_check(Config.from_env(), file, assessment=not skip_assessment)
    if as_json:
        _emit(result)
        if not result["ok"]:
            raise typer.Exit(1)
        return
    for note in result["notes"]:
        err.print(f"note: {note}", soft_wrap=True)
    if not result["ok"]:
        for problem in result["problems"]:
            err.print(f"[red]error[/red] {problem}", soft_wrap=True)
        n = len(result["problems"])
        err.print(f"{file}: {n} problem{'' if n == 1 else 's'}")
        raise typer.Exit(1)
    console.print(f"{file}: valid")
    for w in result["warnings"]:
        console.print(f"  {w['severity']}: {w['message']}", soft_wrap=True)


# ---- the annual review -----------------------------------------------------------------------


def review(
    config: Config,
    year: int,
    area_id: str | None,
    out: Path | None = None,
    today: date | None = None,
    *,
    outside_period: bool = False,
) -> dict:
    p, area = _area(config, area_id)
    catalogue = measures_catalogue.configured(config)
    chosen = _strategy(config, area.id, catalogue)
    from svduty.warehouse import connect

    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        from svduty.products.review import build as reviewing

        built = reviewing.build(
            wh,
            p,
            area,
            year,
            strategy=chosen,
            today=today,
            catalogue=catalogue,
            outside_period=outside_period,
        )
    path = reviewing.write(built, _out(config, out, area.id, f"review-{year}"))
    return {
        "area": area.id,
        "year": year,
        "path": str(path),
        "strategy": chosen is not None,
        "warnings": list(built.warnings),
    }


def review_command(
    year: Annotated[int, typer.Option("--year", help="The year under review, e.g. 2021.")],
    area: AreaOption = None,
    out: OutOption = None,
    as_json: JsonFlag = False,
    outside_period: Annotated[
        bool,
        typer.Option(
            "--outside-period",
            help="Review a year outside the strategy's period anyway, with a warning on the page.",
        ),
    ] = False,
) -> None:
    """Write the annual review: summary, measures against one baseline year, actions, what
    changed, evaluations of place-based interventions and the questions for the refresh."""
    result = review(Config.from_env(), year, area, out, outside_period=outside_period)
    if as_json:
        _emit(result)
        return
    for w in result["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {w}", soft_wrap=True)
    console.print(f"Annual review {result['year']} for {result['area']}: {result['path']}")


# ---- all of them, for the demo ---------------------------------------------------------------

DEMO_AREAS = ("avon-and-somerset", "somerset")
# the latest year of the bundled police.uk data (six months of it), inside the example strategies'
# period (2024-2027). Only police.uk reaches it: the synthetic partner extracts stop in 2023, so
# their measures say "no data for 2025" rather than being compared.
DEMO_REVIEW_YEAR = 2025


def products(config: Config, progress=lambda step: None) -> dict:
    """The assessment, strategy and review of each demo area, then the public site."""
    made: dict[str, dict] = {}
    built = {}
    for area_id in DEMO_AREAS:
        progress(f"the needs assessment for {area_id}")
        report, built[area_id] = sna_built(config, area_id)
        progress(f"the strategy for {area_id}")
        page = strategy_render(config, area_id)
        progress(f"the {DEMO_REVIEW_YEAR} review for {area_id}")
        looked_back = review(config, DEMO_REVIEW_YEAR, area_id)
        made[area_id] = {
            "sna": report["path"],
            "strategy": page["path"],
            "strategy_warnings": page["warnings"],
            "review": looked_back["path"],
        }
    progress("the public site")
    site = publish(config, area_ids=list(DEMO_AREAS), assessments=built)
    return {"areas": made, "site": site}


# ---- the public site -------------------------------------------------------------------------


def publish(
    config: Config,
    out: Path | None = None,
    area_ids: list[str] | None = None,
    *,
    assessments: dict | None = None,
    period: str | None = None,
) -> dict:
    """Build the public site. The assessment summary of each area comes from its needs
    assessment: pass the ones already built (``assessments``, by area id) or they are built.
    ``period``: the years the measures are published for and the assessments cover
    (calendar_year, financial_year, or a period as `svduty sna --period` takes it); default:
    financial years, and each assessment's latest complete years."""
    p = partnership.load(config.partnership_path)
    # by default: the force area, and each local area that has a strategy file to publish
    every = areas.areas(p)
    chosen = (
        [areas.resolve(p, a) for a in area_ids]
        if area_ids
        else every[:1] + [a for a in every[1:] if strategy_path(config, a.id).exists()]
    )
    site = out or config.home / "site"
    paths = {
        a.id: strategy_path(config, a.id) for a in chosen if strategy_path(config, a.id).exists()
    }
    from svduty.products.assessment import build as assessment
    from svduty.products.site import build as publishing
    from svduty.warehouse import connect

    catalogue = measures_catalogue.configured(config)
    # a kind of year alone (calendar_year) chooses the series; a period also the assessments'
    assessed = (
        assessment.Period.parse(period)
        if period and period not in ("calendar_year", "financial_year")
        else None
    )
    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        built = dict(assessments or {})
        for a in chosen:
            if a.id not in built:
                built[a.id] = assessment.build(wh, p, a, assessed, measures=catalogue)
        manifest = publishing.publish(
            wh,
            p,
            site,
            areas=chosen,
            strategy_paths=paths,
            assessments=built,
            catalogue=catalogue,
            **({"period": period} if period else {}),
        )
    return {"site": str(site), "areas": [a.id for a in chosen], **manifest.summary()}


def publish_command(
    out: OutOption = None,
    area: Annotated[
        list[str] | None,
        typer.Option(
            "--area",
            help="Publish this area (repeatable; default: the force area and every area with "
            "a strategy file).",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="The years to publish: calendar_year or financial_year (the kind of year of "
            "the measures), or a period as `svduty sna --period` takes it (2025, 2024/25, "
            "2023-2025), which also sets the assessments' period; default: financial years.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Build the public site: strategy, assessment summary, measures, maps and open data, every
    figure through the disclosure gate."""
    from svduty.privacy.disclosure import DisclosureError

    try:
        result = publish(Config.from_env(), out, area, period=period)
    except DisclosureError as exc:  # a figure the gate cannot protect: nothing is published
        err.print(f"[red]error:[/red] the disclosure gate stopped the build: {exc}")
        raise typer.Exit(1) from None
    if as_json:
        _emit(result)
        return
    console.print(f"Public site for {', '.join(result['areas'])}: {result['site']}/index.html")
