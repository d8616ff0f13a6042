"""The success measures: the Home Office measures and the partnership's local ones, with their
intervals, change from the baseline, trend marker and comparison (svduty.analysis.measures)."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import denominator_note
from svduty.products.assessment.common import SOURCE_KINDS, Built, num, source_name
from svduty.products.assessment.model import FigurePart, Finding, Paragraph, Section, Table
from svduty.products.assessment.scope import ENGLAND_AND_WALES, Context
from svduty.products.assessment.volumes import (
    RATE_DIGITS,
    annual_table,
    change_finding,
    missing,
    rate_unit,
    series,
    text_or,
    trend_chart,
)
from svduty.products.figure import Figure

SUCCESS = "tbl-success-measures"


def measures_section(ctx: Context) -> Built:
    chosen = [m for m in ctx.measures.measures if m.home_office or not m.id.startswith("police-uk")]
    rows, findings = [], []
    for m in chosen:
        row, where_from = _measure_row(ctx, m)
        if row is not None:
            rows.append({"Measure": row.pop("Measure"), "Figures for": where_from} | row)
    table = pd.DataFrame(rows)
    parts: list = [
        Paragraph(
            "The Home Office success measures (homicide, knife and sharp object enabled serious "
            "violence, hospital admissions for assault with a knife or sharp object; each for all "
            "ages and for under-25s) and the partnership's local measures, for the latest complete "
            f"year of {ctx.period.label}. Rates have 95% confidence intervals. The change is from "
            f"a baseline year: the partnership's ({ctx.measures.baseline_year}) unless a measure "
            "sets its own, and the table names each measure's; a baseline year the data do not "
            "cover in full gives no change. Trend markers need five complete years in a row."
        ),
        Table(
            SUCCESS,
            f"Success measures, {ctx.area.name}",
            table,
            "svduty measures (police records, hospital admissions, ED attendances, ONS tables)",
            ctx.definition_version,
            synthetic=bool(table["Synthetic"].eq("yes").any()) if len(table) else False,
            notes=(
                "Comparison: the area's 95% interval against the comparator's rate (Better, "
                "Similar or Worse given that less violence is better).",
            ),
        ),
    ]
    for m_id, fig_id in (
        (
            "knife-police-published" if ctx.area.is_force_area else "knife-police",
            "fig-success-knife",
        ),
        ("hospital-sharp-object", "fig-success-hospital"),
    ):
        figure, finding = _measure_figure(ctx, ctx.measures.get(m_id), fig_id)
        if figure is not None:
            parts.append(FigurePart(figure, digits=RATE_DIGITS))
        if finding is not None:
            findings.append(finding)
    return Built(Section("measures", "Success measures", tuple(parts)), findings)


def _measure_row(ctx: Context, m: Measure) -> tuple[dict | None, str]:
    where_from = ctx.area.name
    latest = ctx.latest(m)
    if latest is None and not ctx.area.is_force_area:
        latest = ctx.latest(m, ctx.area.pfa_code)
        where_from = f"{ctx.force_name} (not available for {ctx.area.name})"
        if not ctx.measurable(m):
            where_from = (
                f"{ctx.force_name} (cannot be measured in {ctx.area.name}: none of the source's "
                "records can be placed here)"
            )
    if latest is None:
        return None, where_from
    compared = latest.get("compared_with")
    names = {ENGLAND_AND_WALES: "England and Wales", ctx.area.pfa_code: ctx.force_name}
    change = (
        "none (no complete baseline year)"
        if missing(latest.get("change_pct"))
        else f"{latest['change_pct']:+.1f}% from {latest['baseline']} "
        f"({latest['change_lower']:+.1f}% to {latest['change_upper']:+.1f}%)"
    )
    comparison = text_or(latest.get("comparison"), "")
    return {
        "Measure": f"{m.title} (rate {rate_unit(m)})",
        "Year": latest["period"],
        "Baseline": baseline_text(ctx, m, latest),
        "Count": float("nan") if missing(latest["count"]) else float(latest["count"]),
        "Rate (95% interval)": (
            "[x]"
            if missing(latest["rate"])
            else f"{latest['rate']:,.1f} ({latest['lower_95']:,.1f} to {latest['upper_95']:,.1f})"
        ),
        "Change from baseline (95% interval)": change,
        "Trend": text_or(latest.get("trend"), "not assessed"),
        "Compared with": (
            f"{names.get(compared, compared)}: {comparison}" if comparison else "not compared"
        ),
        "Synthetic": "yes" if latest.get("synthetic") else "no",
    }, where_from


def baseline_text(ctx: Context, m: Measure, latest: dict) -> str:
    """The baseline a measure's change is from, and why that one: baselines differ by measure,
    and the table says so rather than leave a reader to assume one year for all."""
    year = m.baseline_year or ctx.measures.baseline_year
    label = (
        f"{year}/{str(year + 1)[2:]}" if latest["period_type"] == "financial_year" else str(year)
    )
    why = (
        "this measure's own baseline"
        if m.baseline_year and m.baseline_year != ctx.measures.baseline_year
        else "the partnership's baseline year"
    )
    if missing(latest.get("change_pct")):
        rows = ctx.annual(m, latest["area_code"])
        base = rows[rows["period"] == label]
        if base.empty or not bool(base.iloc[0]["complete"]):
            return f"{label} ({why}; the data do not cover it in full, so no change is given)"
    return f"{label} ({why})"


def _measure_figure(ctx: Context, m: Measure, fig_id: str):
    table, names = series(ctx, m)
    if m.source == "published" and ctx.area.is_force_area:
        other = ctx.annual(m, ENGLAND_AND_WALES)
        if len(other):
            table = pd.concat([table, annual_table(other, m, "England and Wales")])
            names.append("England and Wales")
    mine = table[table["Area"] == ctx.area.name].dropna(subset=["Rate"])
    if mine.empty:
        return None, None
    latest = ctx.latest(m)
    synthetic = bool(ctx.rows(m)["synthetic"].any())
    last = mine.iloc[-1]
    alt_text = (
        f"{m.title}: {num(last['Count'])} in {ctx.area.name} in {last['Year']}, "
        f"{num(last['Rate'], 1)} {rate_unit(m)} (95% interval {num(last['Lower 95%'], 1)} to "
        f"{num(last['Upper 95%'], 1)})."
    )
    said = text_or(latest.get("comparison"), "") if latest else ""
    if said and len(names) > 1:
        alt_text += f" Compared with {names[1]}: {said.lower()}."
    if latest and not missing(latest.get("trend")):
        alt_text += f" Recent trend: {str(latest['trend']).lower()}."
    figure = Figure(
        id=fig_id,
        title=f"{m.title}, {' and '.join(names)}",
        alt=alt_text,
        table=table.rename(columns={"Rate": f"Rate {rate_unit(m)}"}),
        source=source_name(ctx, "hospital" if m.id.startswith("hospital") else m.source, synthetic)
        + (f"; {note}" if (note := denominator_note(m)) else ""),
        chart=trend_chart(table, m, "Year"),
        definition_version=_definition_of(ctx, m),
        synthetic=synthetic,
        notes=tuple(m.caveats),
    )
    finding = None
    if latest and latest.get("comparison") in ("Worse", "Better") and len(names) > 1:
        word = "higher" if latest["comparison"] == "Worse" else "lower"
        finding = Finding(
            id=f"finding-compare-{m.id}",
            rule="measure-comparison",
            template=(
                f"{m.title} in {ctx.area.name} was {word} than in {names[1]} in "
                f"{latest['period']}: {{count}} ({latest['rate']:.1f} {rate_unit(m)}, 95% "
                f"interval {latest['lower_95']:.1f} to {latest['upper_95']:.1f})."
            ),
            counts={"count": int(latest["count"])},
            figure_id=fig_id,
            section="measures",
            source_kind=SOURCE_KINDS["hospital" if m.id.startswith("hospital") else m.source],
            synthetic=synthetic,
            numbers={"rate": latest["rate"]},
            weight=5.0 if word == "higher" else 3.0,
            subject=m.title,
        )
    elif latest and text_or(latest.get("trend"), "").startswith(("Increasing", "Decreasing")):
        finding = Finding(
            id=f"finding-trend-{m.id}",
            rule="measure-trend",
            template=(
                f"{m.title} in {ctx.area.name}: {str(latest['trend']).lower()} over the five "
                f"years to {latest['period']} ({{count}} in {latest['period']})."
            ),
            counts={"count": int(latest["count"])},
            figure_id=fig_id,
            section="measures",
            source_kind=SOURCE_KINDS[m.source],
            synthetic=synthetic,
            weight=5.0,
            subject=m.title,
        )
    if finding is None:
        finding = change_finding(ctx, m, fig_id, weight=4.0)
    return figure, finding


def _definition_of(ctx: Context, m: Measure) -> str:
    """The definition a measure's figure applies, as its provenance names it."""
    if not m.definition:
        return ctx.not_applied
    rows = ctx.rows(m)
    used = ", ".join(sorted(set(rows["definition"].dropna()))) or m.definition
    if m.definition == ctx.definition.id:
        return used
    return (
        f"{used}, the Home Office measure's own (the local definition is {ctx.definition_version})"
    )
