"""Comparison with England and Wales and with similar partnerships: the ONS community safety
partnership tables (C2, C4) read by svduty.analysis.evidence.similar, which states how the
similar partnerships are chosen. A local authority's assessment compares its partnership; the
force area's compares the force with similar forces."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import similar
from svduty.privacy.disclosure import Source
from svduty.products import charts
from svduty.products.assessment.common import Built, num, source_name
from svduty.products.assessment.model import (
    FigurePart,
    Finding,
    Paragraph,
    Section,
    Table,
)
from svduty.products.assessment.scope import Context
from svduty.products.figure import Figure
from svduty.reference.force_areas import display_name

SECTION = "comparison"
TITLE = "Comparison with England and Wales and similar partnerships"
FIGURE = "fig-compare-similar"
SIMILAR_TABLE = "tbl-compare-similar"
OFFENCE_TABLE = "tbl-compare-offences"
HEADLINE = "violence_against_the_person"
RATE = "Rate per 1,000 residents"
WORDS = {"higher": "higher than", "lower": "lower than", "similar": "similar to"}
_NOTES = (
    "Police recorded crime moves with recording practice as well as with crime; ONS publishes "
    "it as official statistics, not accredited official statistics.",
    "Partnership figures leave out the offences a force could not place in a partnership "
    "(ONS's 'unassigned' rows), so a partnership's rate can be a little low.",
    "Rates are crude (not standardised for age): a partnership with more young adults may have "
    "a higher rate for that reason alone.",
)


def comparison_section(ctx: Context) -> Built:
    level, code, name = _which(ctx)
    found = similar.compare(ctx.wh, level, code, name) if code else None
    if found is None:
        return _not_available(ctx, code)
    units = "partnerships" if level == similar.CSP else "force areas"
    parts: list = [
        Paragraph(
            f"How {ctx.area.name}'s recorded crime compares with England and Wales and with "
            f"{units} like it, in the latest year ONS publishes for every "
            f"{'partnership' if level == similar.CSP else 'force'} ({found.period_label}, "
            f"whatever this assessment's period): offences from ONS Table C2, residents from "
            f"Table C4 ({found.population_label} population estimates)."
        ),
        Paragraph(found.rule),
    ]
    parts += [Paragraph(n) for n in found.notes]
    if found.n:
        parts.append(_similar_table(ctx, found, units))
        parts.append(FigurePart(_figure(ctx, found, units)))
    parts.append(_offence_table(ctx, found, units))
    finding = _finding(ctx, found, units)
    return Built(Section(SECTION, TITLE, tuple(parts)), [finding] if finding else [])


def _which(ctx: Context) -> tuple[str, str | None, str]:
    if ctx.area.is_force_area:
        return similar.PFA, ctx.area.pfa_code, ctx.area.name
    pair = similar.partnership_of(ctx.wh, ctx.area.la_codes)
    return similar.CSP, (pair[0] if pair else None), ctx.area.name


def _not_available(ctx: Context, code: str | None) -> Built:
    why = (
        f"{ctx.area.name}'s districts fall in more than one community safety partnership of "
        "the ONS tables, so it cannot be compared as one partnership."
        if code is None
        else "The ONS police force area data tables (community safety partnership tables C2 "
        "and C4) are not loaded, or do not include this area: load them with svduty ingest "
        "ons-prc to compare it with England and Wales and with similar partnerships."
    )
    gap = f"No comparison with similar partnerships: {why}"
    return Built(Section(SECTION, TITLE, (Paragraph(why),)), [], [(gap, SECTION)])


def _name(found: similar.Similar, code: str, published: str) -> str:
    """One name per area: the partnership's own for the area, ONS's as a reader says it for
    the others ("City of Bristol", not "Bristol, City of")."""
    return found.name if code == found.code else display_name(published)


def _source(ctx: Context, found: similar.Similar) -> str:
    return (
        f"ONS, Crime in England and Wales: Police Force Area data tables, {found.period_label} "
        f"(Tables C2 and C4; police recorded crime, Home Office); residents: ONS "
        f"{found.population_label} population estimates, as Table C4 gives them (rounded to "
        f"100); {source_name(ctx, 'reference')}"
    )


def _similar_table(ctx: Context, found: similar.Similar, units: str) -> Table:
    p = found.profile
    frame = pd.DataFrame(
        {
            "Area": [_name(found, c, n) for c, n in zip(p["code"], p["name"], strict=True)],
            "Code": p["code"],
            f"Population ({found.population_label})": p["population"].astype("int64"),
            "IMD 2019 average rank": p["imd_average_rank"].round(0).astype("int64"),
            "Residents in rural LSOAs (%)": (p["rural_share"] * 100).round(1),
            "Distance": p["distance"],
        }
    )
    return Table(
        SIMILAR_TABLE,
        f"{ctx.area.name} and the {found.n} similar {units}, nearest first",
        frame,
        _source(ctx, found),
        ctx.not_applied,
        notes=(
            "IMD 2019 average rank: 1 is the most deprived; a lower rank is more deprived. "
            "Residents in rural LSOAs: the share of Census 2021 usual residents living in LSOAs "
            "the ONS 2021 rural-urban classification calls rural. Distance: standardised, 0 is "
            "the same size, deprivation and rurality; the area itself has none.",
        ),
        digits={"Distance": 2, "Residents in rural LSOAs (%)": 1},
    )


def _figure(ctx: Context, found: similar.Similar, units: str) -> Figure:
    r = found.rates[found.rates["offence"] == HEADLINE]
    shown = r[r["group"].isin(["own", "similar"])]
    table = pd.DataFrame(
        {
            "Area": [_name(found, c, n) for c, n in zip(shown["code"], shown["name"], strict=True)],
            "Offences": shown["count"].to_numpy(),
            f"Population ({found.population_label})": shown["population"].to_numpy(),
            RATE: shown["rate"].to_numpy(),
            "Lower 95%": shown["lower_95"].to_numpy(),
            "Upper 95%": shown["upper_95"].to_numpy(),
        }
    )
    own = found.own(HEADLINE)
    ew = found.of(HEADLINE, "england_and_wales")
    pooled = found.of(HEADLINE, "similar_pooled")
    rank = found.rank_among_similar[HEADLINE]
    alt = (
        f"Violence against the person in the {found.period_label}: {ctx.area.name} "
        f"{num(own['rate'], 1)} per 1,000 residents (95% interval {num(own['lower_95'], 1)} to "
        f"{num(own['upper_95'], 1)}), England and Wales {num(ew['rate'], 1)}, the {found.n} "
        f"similar {units} together {num(pooled['rate'], 1)}"
        + (f"; {ctx.area.name} is number {rank} of {found.n + 1} by rate." if rank else ".")
    )
    plotted = table.dropna(subset=[RATE])
    chart = charts.bars(
        plotted,
        "Area",
        RATE,
        lower="Lower 95%",
        upper="Upper 95%",
        value_title=f"Violence against the person per 1,000 residents, {found.period_label}",
        sort="descending",
        highlight=ctx.area.name if ctx.area.name in set(plotted["Area"]) else None,
        reference=(float(ew["rate"]), "England and Wales") if pd.notna(ew["rate"]) else None,
    )
    return Figure(
        id=FIGURE,
        title=f"Violence against the person per 1,000 residents, {ctx.area.name} and the "
        f"{found.n} similar {units}, {found.period_label}",
        alt=alt,
        table=table,
        source=_source(ctx, found),
        chart=chart,
        definition_version=ctx.not_applied,
        notes=_NOTES,
    )


def _offence_table(ctx: Context, found: similar.Similar, units: str) -> Table:
    rows = []
    for offence, label in similar.OFFENCES.items():
        own = found.own(offence)
        ew = found.of(offence, "england_and_wales")
        pooled = found.of(offence, "similar_pooled") if found.n else None
        rank = found.rank_among_similar[offence]
        rows.append(
            {
                "Offence group": label,
                f"Offences, {ctx.area.name}": own["count"],
                RATE: own["rate"],
                "Lower 95%": own["lower_95"],
                "Upper 95%": own["upper_95"],
                "England and Wales rate": ew["rate"],
                "Compared with England and Wales": own["vs_england_and_wales"] or "not compared",
                **(
                    {
                        f"Similar {units} rate": pooled["rate"],
                        f"Compared with similar {units}": own["vs_similar"] or "not compared",
                        f"Place among the {found.n + 1} (1 = highest rate)": rank,
                    }
                    if pooled is not None
                    else {}
                ),
            }
        )
    return Table(
        OFFENCE_TABLE,
        f"Recorded offences per 1,000 residents by offence group, {ctx.area.name}, England and "
        f"Wales" + (f" and the similar {units}" if found.n else "") + f", {found.period_label}",
        pd.DataFrame(rows),
        _source(ctx, found),
        ctx.not_applied,
        notes=(
            "Higher or lower: the area's 95% interval (exact Poisson below 10 offences, Byar's "
            "method from 10) leaves out the other rate; similar: it does not. A rate ONS does "
            "not give (a marker in its table) is not compared.",
            "England and Wales: every partnership's offences with those ONS could not place in "
            "one, per the partnerships' residents (British Transport Police offences are not in "
            "these tables). The similar areas: their offences per their residents, together.",
            *_NOTES,
        ),
    )


def _finding(ctx: Context, found: similar.Similar, units: str) -> Finding | None:
    own = found.own(HEADLINE)
    if pd.isna(own["rate"]) or not found.n:  # the figure it rests on shows the similar areas
        return None
    ew = found.of(HEADLINE, "england_and_wales")
    pooled = found.of(HEADLINE, "similar_pooled")
    said = []
    if own["vs_england_and_wales"]:
        said.append(
            f"{WORDS[own['vs_england_and_wales']]} England and Wales ({num(ew['rate'], 1)})"
        )
    if own["vs_similar"]:
        said.append(
            f"{WORDS[own['vs_similar']]} the {found.n} similar {units} together "
            f"({num(pooled['rate'], 1)})"
        )
    if not said:
        return None
    return Finding(
        id="finding-similar-violence",
        rule="similar-comparison",
        template=(
            # short enough for the board's one-page summary; the interval is in the figure
            f"Violence against the person in {ctx.area.name}, {found.period_label}: "
            f"{num(own['rate'], 1)} per 1,000 residents ({{count}} offences), "
            + " and ".join(said)
            + "."
        ),
        counts={"count": int(own["count"])},
        figure_id=FIGURE,
        section=SECTION,
        source_kind=Source.OFFICIAL_STATISTIC,
        numbers={
            "rate": float(own["rate"]),
            "lower": float(own["lower_95"]),
            "upper": float(own["upper_95"]),
            "england_and_wales": float(ew["rate"]),
            "similar": float(pooled["rate"]),
        },
        subject="Violence against the person (ONS recorded crime)",
        weight=5.0,
    )
