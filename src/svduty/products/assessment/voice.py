"""What people told us: the community and young people's voice section of the assessment.

The responses loaded through the community-voice feed, coded to the codebook's themes (with the
analyst's corrections), counted by age band and by area through the disclosure gate, with quotes
only from respondents who consented, each screened again before it is shown
(svduty.analysis.voice.responses). All responses loaded for the area are used, whatever the
assessment's period: a survey is not tied to the months of police data. With no responses the
section says so and the gap is listed; the rest of the assessment does not depend on it.
"""

from __future__ import annotations

import pandas as pd

from svduty.analysis.voice.coding import NONE, Inputs
from svduty.analysis.voice.responses import NOT_GIVEN, Response, coded, loaded, told_us
from svduty.products.assessment.common import Built
from svduty.products.assessment.model import Bullets, Paragraph, Section, Table

SECTION = "voice"
TITLE = "What people told us"
WITHHELD = "[c]"
GATE_NOTE = (
    "[c]: withheld by the disclosure gate (a count of 1 to 7 responses, or a count that would "
    "let one be worked out); other counts are rounded to the nearest 5."
)


def in_area(r: Response, area, lsoas: tuple[str, ...] = ()) -> bool:
    """Whether a response is about ``area``: every response for the force area; for a local
    authority, those whose area code is the authority or one of ``lsoas`` (its LSOAs)."""
    if area.is_force_area:
        return True
    return r.area_code is not None and (r.area_code in area.la_codes or r.area_code in lsoas)


def _shown(value: int | None) -> str:
    return WITHHELD if value is None else f"{value:,}"


def voice_section(ctx, inputs: Inputs | None = None) -> Built:
    inputs = inputs or Inputs.example()
    rows = loaded(ctx.wh)
    lsoas = () if ctx.area.is_force_area else ctx.lsoas
    responses = [
        r for r in coded(rows, inputs.codebook, inputs.corrections) if in_area(r, ctx.area, lsoas)
    ]
    if not responses:
        text = (
            f"No survey or consultation responses are loaded for {ctx.area.name}. Load them "
            "through the community-voice feed (docs/feeds/community-voice.md) and this section "
            "will show the themes people raised, by age band and area, and quotes from those "
            "who agreed to be quoted."
        )
        gap = (
            "No community or young people's voice responses are loaded: the assessment cannot "
            "say what residents and young people told the partnership."
        )
        return Built(Section(SECTION, TITLE, (Paragraph(text),)), [], [(gap, SECTION)])
    result = told_us(responses, inputs.codebook)
    first = min(r.collected_on for r in responses)
    last = max(r.collected_on for r in responses)
    book = (
        "the example codebook shipped with svduty"
        if inputs.codebook.example
        else (f"the partnership's codebook (version {result.codebook})")
    )
    checked = (
        f" An analyst checked the theme of {result.corrected:,} responses"
        + (
            f"; agreement with the automatic coding, Cohen's kappa, is {result.kappa:.2f}."
            if result.kappa is not None
            else " (too few, or too alike, for a measure of agreement)."
        )
        if result.corrected
        else " No analyst has checked the automatic coding yet."
    )
    parts: list = [
        Paragraph(
            (
                "SYNTHETIC responses made by svduty synth, not real people's words. "
                if result.synthetic
                else ""
            )
            + f"About {_shown(result.responses)} responses to surveys and consultations, "
            f"collected {first.day} {first:%B %Y} to {last.day} {last:%B %Y}, were coded to "
            f"themes with {book}: "
            "each response goes to the theme whose words it uses most (docs/voice.md)." + checked
        )
    ]
    bands = sorted({b for t in result.themes for b in t.by_age}, key=_band_order)
    parts.append(
        Table(
            "tbl-voice-themes-age",
            "Themes raised, by the respondent's age band",
            pd.DataFrame(
                [
                    {"Theme": t.label, "All responses": _shown(t.total)}
                    | {b: _shown(t.by_age[b]) if b in t.by_age else "0" for b in bands}
                    for t in result.themes
                ]
            ),
            "community-voice feed: survey and consultation responses",
            ctx.definition_version,
            synthetic=result.synthetic,
            notes=(GATE_NOTE,),
        )
    )
    names = {la.code: la.name for la in ctx.partnership.local_authorities}
    places = sorted(
        {a for t in result.themes for a in t.by_area},
        key=lambda a: (a == NOT_GIVEN, names.get(a, a)),
    )
    if len(places) > 1:  # one place (a local authority's own): the table would repeat the totals
        parts.append(
            Table(
                "tbl-voice-themes-area",
                "Themes raised, by area",
                pd.DataFrame(
                    [
                        {"Theme": t.label}
                        | {
                            names.get(a, a): _shown(t.by_area[a]) if a in t.by_area else "0"
                            for a in places
                        }
                        for t in result.themes
                    ]
                ),
                "community-voice feed: survey and consultation responses",
                ctx.definition_version,
                synthetic=result.synthetic,
                notes=(GATE_NOTE,),
            )
        )
    quotes = [
        f"{t.label}: \u201c{q}\u201d" for t in result.themes if t.code != NONE for q in t.quotes
    ]
    if quotes:
        parts.append(
            Paragraph(
                "In their own words (only respondents who agreed to be quoted; no names)"
                + (", SYNTHETIC:" if result.synthetic else ":")
            )
        )
        parts.append(Bullets(tuple(quotes)))
    return Built(Section(SECTION, TITLE, tuple(parts)))


def _band_order(band: str) -> tuple[int, str]:
    head = band.split("-")[0].rstrip("+")
    return (int(head) if head.isdigit() else 999, band)
