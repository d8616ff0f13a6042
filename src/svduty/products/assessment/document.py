"""The sections that frame the evidence: the summary of key findings, the data gaps, the
recommendations and a note on how the assessment was made."""

from __future__ import annotations

from svduty.products.assessment.common import ROUNDING_RULE, Built
from svduty.products.assessment.model import (
    CAVEAT,
    DATA_ACTION,
    FINDING,
    PARTNERSHIP_ACTION,
    CaveatBox,
    Finding,
    FindingList,
    Heading,
    KeyValues,
    Linked,
    Paragraph,
    Recommendation,
    RecommendationList,
    Section,
    Warning,
)
from svduty.products.assessment.rank import RULE_TEXT
from svduty.products.assessment.scope import Context
from svduty.products.figure import SOFTWARE


def summary_section(
    ctx: Context, findings: list[Finding], recommendations: list[Recommendation], synthetic: bool
) -> Section:
    area, period = ctx.area, ctx.period
    parts: list = [
        Paragraph(
            f"This is the strategic needs assessment of serious violence for {area.name} "
            f"({area.level}), covering {period.describe()}, prepared for {area.body}. It brings "
            "together police, health and partner data to say how much serious violence there "
            "is, where and when it happens, who is involved and what drives it, what the data "
            "cannot show, and what the partnership should do."
        ),
        Warning(
            "For the partnership only: this assessment shows exact counts, including small "
            "ones. The public summary of it is made separately and passes the disclosure checks."
        ),
    ]
    if synthetic:
        parts.append(
            Warning(
                "Some figures come from synthetic data made by svduty to demonstrate the "
                "software (marked SYNTHETIC). They describe no real people or places and must "
                "not be used for decisions.",
            )
        )
    parts.append(
        Paragraph(
            "Findings, each with the figure that supports it, ranked by size, change and "
            f"certainty (the board version shows the top ones). {RULE_TEXT}"
        )
    )
    parts.append(FindingList(tuple(f for f in findings if f.kind == FINDING)))
    caveats = tuple(f for f in findings if f.kind == CAVEAT)
    if caveats:
        parts.append(CaveatBox(caveats))
    if recommendations:
        parts.append(
            Linked(
                (
                    (
                        f"The assessment makes {len(recommendations)} recommendations, each "
                        "with the evidence behind it.",
                        "recommendations",
                    ),
                )
            )
        )
    return Section("summary", "Summary of key findings", tuple(parts))


def gaps_section(built: list[Built]) -> Section:
    seen, items = set(), []
    for b in built:
        for text, anchor in b.gaps:
            if text not in seen:
                seen.add(text)
                items.append((text, anchor))
    parts: list = [
        Paragraph(
            "What the data cannot show, or show only in part. Each gap links to the figure or "
            "table that shows it; the recommendations say how to close the most important."
        ),
        Linked(tuple(items)),
    ]
    return Section("gaps", "Data gaps", tuple(parts))


def recommendations_section(recommendations: list[Recommendation]) -> Section:
    actions = tuple(r for r in recommendations if r.kind == PARTNERSHIP_ACTION)
    data = tuple(r for r in recommendations if r.kind == DATA_ACTION)
    parts: list = [
        Paragraph(
            "Each recommendation follows from a finding of this assessment and links to the "
            "figure that supports it. Its owner is the specified authority of the partnership "
            "that leads it; its priority follows the score of the finding it answers (high from "
            "5, medium from 3, low below), and its timescale the priority (high: within 6 "
            "months, medium: within 12 months, low: before the next assessment). Approaches are "
            "named from the Youth Endowment Fund Toolkit with their impact band; check the "
            "Toolkit itself before choosing one."
        ),
        RecommendationList(actions, "What the partnership should do"),
        Heading("Data-improvement actions", "data-actions"),
        Paragraph(
            "Work on the data, so that the next assessment can say more: not priorities of the "
            "strategy."
        ),
        RecommendationList(data, "Data-improvement actions"),
    ]
    return Section("recommendations", "Recommendations", tuple(parts))


def deciles_note(la_codes) -> str:
    """Which national deciles rank the area's LSOAs: each country's own, never together."""
    parts = []
    if any(not str(code).startswith("W") for code in la_codes):
        parts.append(
            "England's (IMD 2019 national deciles of 2011 LSOAs for rows recorded on 2011 LSOAs, "
            "IMD 2025 of 2021 LSOAs for rows on 2021 LSOAs)"
        )
    if any(str(code).startswith("W") for code in la_codes):
        parts.append("Wales's (WIMD 2019 national deciles of LSOAs)")
    return (
        f"Deprivation deciles are {' and '.join(parts)}, not the area's own: an area may have "
        "few LSOAs in the most deprived tenth. England's and Wales's indices are never mixed in "
        "one ranking."
    )


def about_section(ctx: Context) -> Section:
    pairs = (
        ("Area", f"{ctx.area.name} ({ctx.area.level}; {', '.join(ctx.area.la_codes)})"),
        ("Period", ctx.period.describe()),
        ("Local definition", ctx.definition_version),
        ("Software", SOFTWARE),
        (
            "Hotspots",
            f"Getis-Ord Gi*, {ctx.permutations:,} permutations, seed {ctx.seed}, "
            "Benjamini-Hochberg false discovery rate at 0.05",
        ),
        (
            "Rates",
            "Per 1,000 (or 100,000) residents per year; 95% limits by the exact Poisson "
            "method below 10 events and Byar's method from 10 (PHEindicatormethods)",
        ),
        ("Ranking of findings", RULE_TEXT),
        ("Rounding", ROUNDING_RULE),
        ("Deciles", deciles_note(ctx.area.la_codes)),
        (
            "Missing is not zero",
            "A measure whose source has no record that can be placed in the area says it cannot "
            "be measured here, and is not compared; a comparison is made only between figures "
            "that both exist.",
        ),
        (
            "Comparator",
            ctx.comparator[1]
            if ctx.comparator
            else "England and Wales and the "
            "other police force areas, where the measures provide them",
        ),
    )
    return Section(
        "about",
        "About this assessment",
        (
            Paragraph(
                "How the assessment was made, so that it can be made again the same way "
                "(svduty sna) and every figure traced to its inputs."
            ),
            KeyValues(pairs),
        ),
    )
