"""The needs assessment as HTML: the board version (``index.html``, the entry) and the
technical annex (``annex.html``) beside it, rendered from the
:class:`~svduty.products.assessment.model.Assessment` that
:func:`svduty.products.assessment.build.build` made (templates ``sna.html``, ``sna_board.html``).
"""

from __future__ import annotations

from pathlib import Path

from svduty.products.assessment import rank
from svduty.products.assessment.common import table_digits
from svduty.products.assessment.model import Assessment, Table
from svduty.products.duty_record import ConsultationEntry
from svduty.products.html import write_page
from svduty.products.strategy import toolkit

__all__ = ["ANNEX_PAGE", "BOARD_PAGE", "write"]

#: how the page names each YEF Toolkit impact band
BANDS = {
    "high": "high impact",
    "moderate": "moderate impact",
    "low": "low impact",
    "no_clear_evidence": "no clear evidence of impact",
    "harmful": "harmful",
    "not_banded": "no violence impact band",
}


#: the board version is the entry (index.html); the technical annex sits beside it
BOARD_PAGE = "index.html"
ANNEX_PAGE = "annex.html"


def write(
    assessment: Assessment,
    out_dir: Path | str,
    *,
    consultations: tuple[ConsultationEntry, ...] | None = None,
) -> Path:
    """Write the assessment to ``out_dir``: the board version as ``index.html`` (the entry)
    and the technical annex as ``annex.html``, with their stylesheet; return the board's path.
    ``consultations``: the portal's record for the area, cited in both (None when built
    outside the portal: the pages say so)."""
    a = assessment
    out = Path(out_dir)
    approaches = _approaches(a)
    labels = _labels(a)
    name = f"Serious violence in {a.area.name}: strategic needs assessment, {a.period.label}"
    key = a.key_findings
    on_board = {f.id for f in key} | {f.id for f in a.caveats}
    numbered = {f.id: f"Finding {n}" for n, f in enumerate(key, start=1)}
    numbered |= {c.id: "the caveat" for c in a.caveats}
    figures = [a.figure(i) for i in dict.fromkeys(f.figure_id for f in key)]
    shown = {f.id for f in figures}
    common = {
        "body_name": a.area.body,
        "synthetic": a.synthetic,
        "a": a,
        "numbers": a.figure_numbers(),
        "labels": labels,
        "approaches": approaches,
        "consultations": consultations,
    }
    write_page(
        out,
        ANNEX_PAGE,
        "sna.html",
        title=f"{name}: technical annex",
        contents=[(s.title, s.id) for s in a.sections]
        + [("Who was consulted", "consultation-section")],
        finding_href=lambda i: f"#{i}",
        finding_label=lambda i: "the finding",
        figure_href=lambda i: f"#{i}",
        board_href=BOARD_PAGE,
        **common,
    )
    return write_page(
        out,
        BOARD_PAGE,
        "sna_board.html",
        title=name,
        body_class="board",
        key=key,
        figures=figures,
        figure_digits={f.id: table_digits(f.table) for f in figures},
        rule_text=rank.RULE_TEXT,
        finding_href=lambda i: f"#{i}" if i in on_board else f"{ANNEX_PAGE}#{i}",
        finding_label=lambda i: numbered.get(i, "a finding of the annex"),
        figure_href=lambda i: f"#{i}" if i in shown else f"{ANNEX_PAGE}#{i}",
        **common,
    )


def _labels(a: Assessment) -> dict[str, str]:
    """How a link to each anchor reads: 'Figure 3' or the table's caption."""
    out = {f.id: f"Figure {n}" for f, n in zip(a.figures, a.figure_numbers().values(), strict=True)}
    for s in a.sections:
        out[s.id] = s.title
        for p in s.parts:
            if isinstance(p, Table):
                out[p.id] = f"Table: {p.caption}"
    return out


def _approaches(a: Assessment) -> dict[str, str]:
    """Each approach a recommendation names, as 'Name (impact band)' from the YEF catalogue."""
    wanted = {x for r in a.recommendations for x in r.approaches}
    if not wanted:
        return {}
    catalogue = toolkit.load_catalogue()
    out = {}
    for approach_id in sorted(wanted):
        try:
            found = catalogue.get(approach_id)
        except KeyError:
            raise ValueError(
                f"a recommendation names the approach {approach_id!r}, which the YEF Toolkit "
                f"catalogue ({catalogue.path}) does not have; use one of: "
                + ", ".join(catalogue.ids)
            ) from None
        band = BANDS.get(found.impact_band, found.impact_band)
        out[approach_id] = f"{found.name} (YEF Toolkit: {band})"
    return out
