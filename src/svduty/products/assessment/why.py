"""Why: violence by deprivation, and how it goes with partners' indicators
(svduty.analysis.evidence.inequality)."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from svduty.analysis.evidence import inequality
from svduty.analysis.evidence.deprivation_areas import countries
from svduty.analysis.evidence.where import lsoa_reference
from svduty.products import charts
from svduty.products.assessment.common import SOURCE_KINDS, Built, num, source_name
from svduty.products.assessment.model import FigurePart, Finding, Paragraph, Section, Table
from svduty.products.assessment.scope import Context
from svduty.products.assessment.volumes import HEADLINE
from svduty.products.figure import COLOURS, Figure

DEPRIVATION = "fig-why-deprivation"
PARTNERS = "fig-why-partners"
RATE = "Rate per 1,000 residents per year"
#: a rate ratio (most / least deprived tenth) at least this, its interval above 1: a strong gradient
STRONG_GRADIENT = 2.0
#: a rank correlation at least this strong (either sign) is reported
STRONG_RHO = 0.7
INDICATOR_NAMES = {
    "suspensions": "Suspensions",
    "permanent_exclusions": "Permanent exclusions",
    "children_in_need": "Children in need",
    "neet_16_17": "Not in education, employment or training (16-17)",
}


def why_section(ctx: Context) -> Built:
    m = ctx.measures.get(HEADLINE)
    gaps: list[tuple[str, str]] = []
    # each country's neighbourhoods on its own index, never one ranking (a force area in both
    # countries, which none is today, gets one figure per country)
    lsoas = lsoa_reference(ctx.view, ctx.area.pfa_code)
    deprivation: list[FigurePart] = []
    gradients: list[Finding] = []
    present = countries(lsoas)
    for country in present:
        dep = inequality.deprivation(
            ctx.view, m, ctx.area.pfa_code, counts=ctx.counts(HEADLINE), country=country
        )
        suffix = "" if len(present) == 1 else "-" + dep.index.country.lower()
        dep_fig, gradient = _deprivation(ctx, dep, suffix)
        deprivation.append(FigurePart(dep_fig, digits={RATE: 2, "Lower 95%": 2, "Upper 95%": 2}))
        if gradient is not None:
            gradients.append(gradient)
    assoc = inequality.partner_association(
        ctx.force_view, m, ctx.area.pfa_code, counts=ctx.force_counts(HEADLINE)
    )
    parts: list = [
        Paragraph(
            "Why, as far as the data can say: how violence varies with deprivation, and whether "
            "the local authorities with more violence also have more of the things partners "
            "record (school suspensions and exclusions, children in need, young people not in "
            "education, employment or training). Both describe areas, not people, and neither "
            "shows a cause."
        ),
        *deprivation,
    ]
    findings = gradients
    partners = _partners(ctx, assoc)
    if partners is not None:
        figure, table, finding = partners
        parts += [FigurePart(figure, digits={"Indicator value": 2, RATE: 2}), table]
        if finding is not None:
            findings.append(finding)
    section = Section("why", "Why: deprivation and partner indicators", tuple(parts))
    return Built(section, findings, gaps)


def _deprivation(
    ctx: Context, dep: inequality.Deprivation, suffix: str = ""
) -> tuple[Figure, Finding | None]:
    frame = dep.frame
    index = dep.index
    decile_column = f"{index.short} decile (of {index.country})"
    table = pd.DataFrame(
        {
            decile_column: [
                f"{d}{' (most deprived)' if d == 1 else ' (least deprived)' if d == 10 else ''}"
                for d in frame["imd_decile"]
            ],
            "LSOAs": frame["lsoas"],
            "Offences": frame["count"],
            f"Residents ({dep.denominator_label})": frame["population"],
            RATE: frame["rate"],
            "Lower 95%": frame["lower_95"],
            "Upper 95%": frame["upper_95"],
        }
    )
    g = dep.gradient
    have = not math.isnan(g.rate_ratio)
    sentences = []
    rated = frame.dropna(subset=["rate"])
    country = index.country
    if len(rated):
        first, last = rated.iloc[0], rated.iloc[-1]
        sentences.append(
            f"In {ctx.area.name}, {ctx.period.label}, the rate of violence and sexual offences "
            f"was {num(first['rate'], 1)} per 1,000 residents per year in the LSOAs of "
            f"{index.short} decile {int(first['imd_decile'])} and {num(last['rate'], 1)} in "
            f"decile {int(last['imd_decile'])} ({index.deciles}: decile 1 is the most deprived "
            f"tenth of {country}'s neighbourhoods, not of the area's own)."
        )
    if have:
        sentences.append(
            f"The area's neighbourhoods in {country}'s most deprived tenth have "
            f"{g.rate_ratio:.1f} times the rate of those in {country}'s least deprived tenth "
            f"(95% interval {g.rate_ratio_lower:.1f} to {g.rate_ratio_upper:.1f})."
        )
    elif g.rate_ratio_note:
        sentences.append(f"No rate ratio: {g.rate_ratio_note}.")
    if not math.isnan(g.sii):
        sentences.append(
            f"The slope index of inequality is {g.sii:.1f} per 1,000 residents per year (95% "
            f"interval {g.sii_lower:.1f} to {g.sii_upper:.1f})."
        )
    chart_data = table.dropna(subset=[RATE])
    figure_id = DEPRIVATION + suffix
    figure = Figure(
        id=figure_id,
        title=f"Violence and sexual offences by deprivation decile ({index.name}), "
        f"{ctx.area.name}, {ctx.period.label}",
        alt=" ".join(sentences) or "No decile has residents with a rate.",
        table=table,
        source=source_name(ctx, "police_uk_street")
        + "; "
        + index.source
        + (f"; {dep.denominator}" if dep.denominator else ""),
        chart=charts.bars(
            chart_data,
            decile_column,
            RATE,
            lower="Lower 95%",
            upper="Upper 95%",
            horizontal=False,
            value_title=RATE,
            category_title=f"{index.name} decile (1 = most deprived)",
        )
        if len(chart_data)
        else None,
        definition_version=ctx.not_applied,
        synthetic=dep.synthetic,
        notes=tuple(
            c
            for c in dep.caveats
            if c.startswith((index.name, "Offences recorded on 2011", "Deprivation deciles"))
        ),
    )
    finding = None
    if have and g.rate_ratio >= STRONG_GRADIENT and g.rate_ratio_lower > 1:
        d1 = frame.set_index("imd_decile")
        finding = Finding(
            id="finding-why-deprivation" + suffix,
            rule="deprivation-gradient",
            template=(
                f"Violence follows deprivation: {ctx.area.name}'s neighbourhoods in {country}'s "
                f"most deprived tenth ({index.name} decile 1) had {g.rate_ratio:.1f} times the "
                f"rate of those in {country}'s least deprived tenth (95% interval "
                f"{g.rate_ratio_lower:.1f} to {g.rate_ratio_upper:.1f}; "
                "{most} and {least} offences)."
            ),
            counts={"most": int(d1.loc[1, "count"]), "least": int(d1.loc[10, "count"])},
            figure_id=figure_id,
            section="why",
            source_kind=SOURCE_KINDS["police_uk_street"],
            synthetic=dep.synthetic,
            numbers={"rate_ratio": g.rate_ratio, "sii": g.sii},
            weight=6.0 + g.rate_ratio / 2,
        )
    return figure, finding


def _partners(ctx: Context, assoc: inequality.Association):
    if assoc.frame.empty:
        return None
    # the latest period of each indicator that the assessment's months reach
    latest = (
        assoc.frame.sort_values(["indicator", "period_end"])
        .groupby("indicator", as_index=False)
        .last()
    )
    points = assoc.points.merge(
        latest[["indicator", "period_start", "period_end"]],
        on=["indicator", "period_start", "period_end"],
    )
    points = points.assign(
        Indicator=points["indicator"].map(INDICATOR_NAMES).fillna(points["indicator"])
    )
    table = pd.DataFrame(
        {
            "Indicator": points["Indicator"],
            "Period": [
                f"{s} to {e}"
                for s, e in zip(points["period_start"], points["period_end"], strict=True)
            ],
            "Local authority": points["la_name"],
            "Indicator value": points["indicator_value"],
            RATE: points["violence_rate"],
        }
    )
    mine = set(ctx.area.la_codes)
    points["Area"] = [
        ctx.area.name if code in mine and not ctx.area.is_force_area else "Other authorities"
        for code in points["la_code"]
    ]
    chart = (
        alt.Chart(points[["Indicator", "indicator_value", "violence_rate", "Area"]])
        .mark_point(filled=True, size=70, opacity=1)
        .encode(
            x=alt.X("indicator_value:Q", title="Indicator value", scale=alt.Scale(zero=False)),
            y=alt.Y("violence_rate:Q", title=RATE, scale=alt.Scale(zero=False)),
            shape=alt.Shape("Area:N", legend=alt.Legend(orient="bottom", title=None)),
            color=alt.Color(
                "Area:N",
                scale=alt.Scale(range=[COLOURS["blue"], COLOURS["orange"]]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
        )
        .properties(width=150, height=150)
        .facet(facet=alt.Facet("Indicator:N", title=None), columns=4)
        .resolve_scale(x="independent")
    )
    strong = latest[latest["rho"].abs() >= STRONG_RHO]
    alt_text = (
        f"Across the {ctx.force_name} local authorities, violence and sexual offence rates "
        "against partner indicators (latest period of each): "
        + "; ".join(
            f"{INDICATOR_NAMES.get(r.indicator, r.indicator).lower()}: Spearman's rho "
            + (
                f"{r.rho:.2f} (p = {r.p_value:.2f}, n = {r.n})"
                if not math.isnan(r.rho)
                else "not measurable"
            )
            for r in latest.itertuples(index=False)
        )
        + ". These are associations between a handful of areas, not causes."
    )
    figure = Figure(
        id=PARTNERS,
        title=f"Violence against partner indicators, local authorities of {ctx.force_name}",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "police_uk_street")
        + "; "
        + source_name(ctx, "partner_aggregate", assoc.synthetic)
        + "; "
        + assoc.denominator,
        chart=chart,
        definition_version=ctx.not_applied,
        synthetic=assoc.synthetic,
        notes=tuple(c for c in assoc.caveats if c.startswith("Correlations")),
    )
    corr = latest.assign(
        Indicator=latest["indicator"].map(INDICATOR_NAMES).fillna(latest["indicator"])
    )
    corr_table = Table(
        "tbl-why-partners",
        "Rank correlations between partner indicators and violence, across local authorities",
        pd.DataFrame(
            {
                "Indicator": corr["Indicator"],
                "Period": [
                    f"{s} to {e}"
                    for s, e in zip(corr["period_start"], corr["period_end"], strict=True)
                ],
                "Authorities (n)": corr["n"],
                "Spearman's rho": corr["rho"],
                "p-value": corr["p_value"],
                "Reading": corr["sentence"],
            }
        ),
        figure.source,
        ctx.not_applied,
        synthetic=assoc.synthetic,
        digits={"Spearman's rho": 2, "p-value": 2},
    )
    finding = None
    if len(strong):
        r = strong.iloc[strong["rho"].abs().argmax()]
        name = INDICATOR_NAMES.get(r["indicator"], r["indicator"]).lower()
        finding = Finding(
            id="finding-why-partners",
            rule="partner-association",
            template=(
                f"Across the {r['n']} local authorities of {ctx.force_name}, those with more "
                f"{name} had {'higher' if r['rho'] > 0 else 'lower'} rates of violence "
                f"(Spearman's rho {r['rho']:.2f}, p = {r['p_value']:.2f}): an association between "
                "a handful of areas, worth exploring with partners, not a cause."
            ),
            counts={},
            figure_id=PARTNERS,
            section="why",
            source_kind=SOURCE_KINDS["partner_aggregate"],
            synthetic=assoc.synthetic,
            numbers={"rho": float(r["rho"]), "n": int(r["n"])},
            weight=2.0,
        )
    return figure, corr_table, finding
