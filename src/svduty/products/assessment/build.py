"""The strategic needs assessment: ``svduty sna --area AREA --period PERIOD --out DIR``.

:func:`build` assembles an :class:`~svduty.products.assessment.model.Assessment` from the
analysis layer's results for one area of the partnership (the whole force area, or one local
authority) over one period; :func:`write` renders it as two accessible HTML pages (printing them
gives the PDF): the board version (``index.html``: the executive summary, the recommendations
and the figures behind the top findings, at most 12 printed A4 pages) and the technical annex
(``annex.html``: everything). Every section, figure, finding and recommendation is plain data,
so the public summary can be made from the same assessment through the disclosure gate.
docs/sna.md says what each section shows and the rules for findings and recommendations.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from contextlib import closing
from pathlib import Path

import pandas as pd

from svduty import partnership as partnership_config
from svduty.analysis.hotspots import DEFAULT_SEED
from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.analysis.voice.coding import Inputs as VoiceInputs
from svduty.partnership import Partnership
from svduty.products import drawings
from svduty.products.area import Area, resolve
from svduty.products.assessment import (
    alongside,
    compare,
    data,
    document,
    place,
    profile,
    rank,
    recent,
    setting,
    strands,
    success,
    triangulate,
    voice,
    volumes,
    why,
)
from svduty.products.assessment.common import Built, table_digits
from svduty.products.assessment.model import (
    Assessment,
    FigurePart,
    Finding,
    Paragraph,
    Section,
    Table,
)
from svduty.products.assessment.page import ANNEX_PAGE, BOARD_PAGE, write
from svduty.products.assessment.period import Period, PeriodError, default_period, parse_period
from svduty.products.assessment.recommend import recommendations
from svduty.products.assessment.scope import Context
from svduty.warehouse import Warehouse, connect

__all__ = [
    "ANNEX_PAGE",
    "BOARD_PAGE",
    "PERMUTATIONS",
    "Assessment",
    "Period",
    "PeriodError",
    "build",
    "default_period",
    "parse_period",
    "run",
    "write",
]

#: Gi* permutations: with fewer, the false discovery rate correction cannot find a hotspot among
#: a thousand LSOAs (svduty.analysis.hotspots explains the floor on p-values)
PERMUTATIONS = 9999
_log = logging.getLogger(__name__)

_EVIDENCE = (
    ("definition", setting.definition_section),
    ("partnership", setting.partnership_section),
    ("data", data.data_section),
    ("recent", recent.recent_section),
    ("volumes", volumes.volumes_section),
    ("strands", strands.strands_section),
    ("measures", success.measures_section),
    ("comparison", compare.comparison_section),
    ("where", place.where_section),
    ("when", profile.when_section),
    ("who", profile.who_section),
    ("what", profile.what_section),
    ("why", why.why_section),
    ("triangulation", triangulate.triangulation_section),
)


def build(
    wh: Warehouse,
    partnership: Partnership,
    area: Area,
    period: Period | None = None,
    *,
    permutations: int = PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    measures: measures_catalogue.Catalogue | None = None,
    parallel: bool = False,
    voice_inputs: VoiceInputs | None = None,
) -> Assessment:
    """The assessment of ``area`` over ``period`` (default: the latest complete calendar years
    of police data, see :func:`default_period`), read from the warehouse ``wh``.

    Hotspots use ``permutations`` Gi* permutations from the seeded generator ``seed``, so the
    same warehouse gives the same document. ``measures``: the measures catalogue (default: the
    shipped one; the commands pass the partnership's own when SVDUTY_MEASURES names one).
    ``parallel``: share the sections with a second process (assessment.alongside) when ``wh``
    is a published DuckDB snapshot; the document is the same. ``voice_inputs``: the codebook
    and the analyst's corrections for "What people told us" (default: the example codebook).
    """
    ctx = Context.make(
        wh, partnership, area, period, permutations=permutations, seed=seed, measures=measures
    )
    timings: dict[str, float] = {}
    done: dict[str, Built] = {}
    second = _start_alongside(ctx) if parallel else None
    if second is not None:  # one DuckDB thread each in two processes (alongside.build)
        wh.ibis.raw_sql("SET threads = 1")
    try:
        # in reading order; the second process takes them from the other end (alongside.ORDER)
        for name, make in _EVIDENCE:
            if second is None or second.claim(name):
                done[name], timings[name] = _section(ctx, name, make)
        if second is not None:
            # draw this process's charts now, while the second may still be at work, rather
            # than when the pages are written after it has finished
            done = {name: alongside.drawn(b) for name, b in done.items()}
            got = second.result() or {}
            if second.failure:  # it failed: what it took is built here, as without it
                _log.debug("the second process failed:\n%s", second.failure)
            for name, make in _EVIDENCE:
                if name not in done:
                    done[name], timings[name] = got.get(name) or _section(ctx, name, make)
        # read in this process (it is quick): the survey responses, not tied to the period
        done["voice"], timings["voice"] = _section(
            ctx, "voice", lambda c: voice.voice_section(c, voice_inputs)
        )
    finally:
        if second is not None:
            second.stop()
            wh.ibis.raw_sql("RESET threads")
        ctx.close()
    order = [name for name, _ in _EVIDENCE] + ["voice"]
    built = [done[name] for name in order]
    timings = {name: timings[name] for name in order}
    found = _ranked([f for b in built for f in b.findings], len(ctx.period.months))
    advised = recommendations(found, partnership, area)
    sections = [b.section for b in built]
    synthetic = any(s.synthetic for s in sections)
    sections = [
        document.summary_section(ctx, found, advised, synthetic),
        *sections,
        document.gaps_section(built),
        document.recommendations_section(advised),
        document.about_section(ctx),
    ]
    headline = next(f for f in found if f.rule == "headline")
    assessment = Assessment(
        area=area,
        period=ctx.period,
        partnership=partnership.name,
        definition_version=ctx.definition_version,
        sections=tuple(_numbered(sections)),
        findings=tuple(found),
        recommendations=tuple(advised),
        headline=headline,
        timings=timings,
        recency=recent.latest(ctx).statement,
        recency_public=recent.latest(ctx).public,
    )
    _check_links(assessment)
    return assessment


def _section(ctx: Context, name: str, make) -> tuple[Built, float]:
    started = time.perf_counter()
    missing = _missing_source(ctx, name)
    return (make(ctx) if missing is None else missing), time.perf_counter() - started


def _start_alongside(ctx: Context) -> alongside.Running | None:
    """The second process, taking sections from the other end of the list, or None when
    ``ctx.wh`` cannot be opened by another process as it is (not a published DuckDB snapshot)."""
    url = ctx.wh.snapshot_url() if hasattr(ctx.wh, "snapshot_url") else None
    if url is None:
        return None
    job = alongside.Job(
        url=url,
        partnership=ctx.partnership,
        area=ctx.area,
        period=ctx.period,
        permutations=ctx.permutations,
        seed=ctx.seed,
        measures=ctx.measures,
        sections=_EVIDENCE,
        missing=_missing_source,
        claims=Path(tempfile.mkdtemp(prefix="svduty-sections-")),
        drawings=drawings.folder(),
    )
    return alongside.start(job)


#: The sections that read only the force's own crime records (the police-crime feed), the
#: title each has, and what those records would add. With police.uk data alone (which has no
#: offence codes, times, ages or weapons) such a section says so instead of being drawn.
_NEEDS_POLICE_RECORDS = {
    "strands": (
        "Serious violence by strand",
        "the local definition's strands, their composition and the knife, exploitation and "
        "night-time economy sub-profiles",
    ),
    "when": ("When", "the day of the week and hour of each offence"),
    "who": ("Who", "the ages and sex of victims and suspects"),
    "what": ("What", "offence codes, the weapons used and the settings offences happen in"),
    "triangulation": (
        "Triangulation",
        "a comparison of police records with emergency department assaults and the other "
        "partners' data, place by place",
    ),
}


def _missing_source(ctx: Context, name: str) -> Built | None:
    """The section ``name`` in words when the source it needs has no rows, else None."""
    if name not in _NEEDS_POLICE_RECORDS:
        return None
    if ctx.wh.has_table("police_crime") and int(ctx.view.table("police_crime").count().execute()):
        return None
    title, adds = _NEEDS_POLICE_RECORDS[name]
    text = (
        "This section needs the force's own crime records (the police-crime feed), "
        f"which have not been loaded for {ctx.area.name}. "
        f"They would add {adds}. The open police.uk data used elsewhere in this assessment "
        "carry none of these."
    )
    gap = f"No police crime records (police-crime feed) are loaded: the {title.lower()} "
    gap += "section is empty until they are."
    return Built(Section(name, title, (Paragraph(text),)), [], [(gap, name)])


def _ranked(findings: list[Finding], months_in_period: int) -> list[Finding]:
    """The findings by the ranking rule (svduty.products.assessment.rank), then the caveats."""
    ids = [f.id for f in findings]
    duplicated = {i for i in ids if ids.count(i) > 1}
    if duplicated:
        raise ValueError(f"findings share an id: {sorted(duplicated)}; each needs its own anchor")
    return rank.ranked(findings, months_in_period)


def _numbered(sections: list[Section]) -> list[Section]:
    """Figures titled 'Figure N: ...' in reading order; tables' missing values made blank and
    their numbers rounded by the one rule (common.ROUNDING_RULE), whatever a section asked."""
    n = 0
    out = []
    for s in sections:
        parts = []
        for p in s.parts:
            if isinstance(p, FigurePart):
                n += 1
                table = _blank(p.figure.table)
                figure = dataclasses.replace(
                    p.figure, title=f"Figure {n}: {p.figure.title}", table=table
                )
                p = dataclasses.replace(p, figure=figure, digits=table_digits(table))
            elif isinstance(p, Table):
                frame = _blank(p.frame)
                p = dataclasses.replace(p, frame=frame, digits=table_digits(frame))
            parts.append(p)
        out.append(dataclasses.replace(s, parts=tuple(parts)))
    return out


def _blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with None (shown as [x]) where pandas has NaN."""
    out = frame.reset_index(drop=True).copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _check_links(a: Assessment) -> None:
    anchors = a.anchors()
    figures = {f.id for f in a.figures}
    for f in a.findings:
        if f.figure_id not in figures:
            raise ValueError(f"finding {f.id} points at {f.figure_id!r}, which is not a figure")
    for r in a.recommendations:
        missing = [e for e in (*r.evidence, *r.findings) if e not in anchors]
        if missing:
            raise ValueError(f"{r.id} points at {missing}, which are not in the assessment")


# ---- for the command line --------------------------------------------------------------------


def run(config, area_id: str, period: str | None, out: Path | str) -> Path:
    """Build and write the assessment of the area ``area_id`` (an id from
    :func:`svduty.products.area.areas`) over ``period`` (as :func:`parse_period` reads it;
    None: the default) from the warehouse and partnership of ``config``."""
    chosen = parse_period(period) if period else None
    p = partnership_config.load(config.partnership_path)
    area = resolve(p, area_id)
    drawings.keep_in(config.home / "cache" / "charts")
    with closing(connect(config.warehouse_url, read_only=True)) as wh:
        assessment = build(
            wh,
            p,
            area,
            chosen,
            measures=measures_catalogue.configured(config),
            parallel=True,
            voice_inputs=voice_inputs(config, wh),
        )
    return write(assessment, out)


def voice_inputs(config, wh: Warehouse) -> VoiceInputs:
    """The partnership's codebook and corrections from the data directory (docs/voice.md):
    $SVDUTY_HOME/voice/codebook.yaml (else the shipped example) and voice/corrections.csv."""
    from svduty.analysis.voice.coding import load_codebook, read_corrections
    from svduty.analysis.voice.responses import loaded

    folder = config.home / "voice"
    book_file = folder / "codebook.yaml"
    book = load_codebook(book_file if book_file.exists() else None)
    corrections = folder / "corrections.csv"
    if not corrections.exists():
        return VoiceInputs(book, {})
    from svduty.privacy.pseudonymise import load_key_file

    known = [r["response_ref"] for r in loaded(wh)]
    key = load_key_file(config.key_file)
    return VoiceInputs(book, read_corrections(corrections, book, known, key.token))
