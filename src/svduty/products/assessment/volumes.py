"""Volumes and trends: annual counts and rates with intervals and trend markers, the monthly
XmR chart, and the local definition's strands (svduty.analysis.measures and
svduty.analysis.evidence.when.monthly). The helpers for annual series serve the success
measures too."""

from __future__ import annotations

import math

import pandas as pd

from svduty.analysis.evidence import when, where
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.measures.compute import denominator_note
from svduty.products import charts
from svduty.products.assessment.common import SOURCE_KINDS, Built, num, source_name
from svduty.products.assessment.model import (
    FigurePart,
    Finding,
    Paragraph,
    Section,
)
from svduty.products.assessment.scope import Context
from svduty.products.figure import Figure

HEADLINE = "police-uk-violence"
ANNUAL = "fig-volume-annual"
MONTHLY = "fig-volume-monthly"
DEFINITION = "fig-volume-definition"


def rate_unit(m: Measure) -> str:
    who = "residents aged 0 to 24" if m.denominator == "population_under_25" else "residents"
    return f"per {m.multiplier:,} {who} per year"


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def text_or(value, default: str) -> str:
    """A text cell of a measure row ('Increasing and getting worse'), or ``default``."""
    return default if missing(value) or value == "" else str(value)


def year_axis(table: pd.DataFrame) -> pd.DataFrame:
    """Calendar years as numbers, so the chart's axis is numeric; financial years stay labels."""
    if table["Year"].astype(str).str.fullmatch(r"\d{4}").all():
        return table.assign(Year=table["Year"].astype(int))
    return table


def annual_table(rows: pd.DataFrame, m: Measure, area_name: str) -> pd.DataFrame:
    """A measure's annual rows as a reader's table."""
    return pd.DataFrame(
        {
            "Year": rows["period"].to_numpy(),
            "Area": area_name,
            "Count": pd.to_numeric(rows["count"]).to_numpy(dtype=float),
            "Complete year": rows["complete"].map({True: "yes", False: "no"}).to_numpy(),
            "Rate": pd.to_numeric(rows["rate"]).to_numpy(dtype=float),
            "Lower 95%": pd.to_numeric(rows["lower_95"]).to_numpy(dtype=float),
            "Upper 95%": pd.to_numeric(rows["upper_95"]).to_numpy(dtype=float),
            "Change from baseline (%)": pd.to_numeric(rows["change_pct"]).to_numpy(dtype=float),
            "Trend": [text_or(t, "not assessed") for t in rows["trend"]],
        }
    )


RATE_DIGITS = {"Rate": 1, "Lower 95%": 1, "Upper 95%": 1, "Change from baseline (%)": 1}


def series(ctx: Context, m: Measure) -> tuple[pd.DataFrame, list[str]]:
    """The area's annual rows, and its comparator's beside them (named in the second value)."""
    frames = [annual_table(ctx.annual(m), m, ctx.area.name)]
    names = [ctx.area.name]
    if ctx.comparator is not None:
        code, name = ctx.comparator
        other = ctx.annual(m, code)
        if len(other):
            frames.append(annual_table(other, m, name))
            names.append(name)
    return pd.concat(frames, ignore_index=True), names


def trend_chart(table: pd.DataFrame, m: Measure, x_title: str):
    rated = year_axis(table.dropna(subset=["Rate"]))
    if rated.empty:
        return None
    many = rated["Area"].nunique() > 1
    return charts.trend(
        rated,
        "Year",
        "Rate",
        lower="Lower 95%",
        upper="Upper 95%",
        series="Area" if many else None,
        series_title="Area" if many else None,
        y_title=f"Rate {rate_unit(m)}",
        x_title=x_title,
    )


# ---- volumes and trends ------------------------------------------------------------------------


def volumes_section(ctx: Context) -> Built:
    m = ctx.measures.get(HEADLINE)
    counts = ctx.counts(HEADLINE)
    headline = _headline(ctx, m, counts)
    annual, change = _annual_figure(ctx, m)
    monthly, signals = _monthly_figure(ctx, m)
    definition = _definition_figure(ctx)
    parts: list = [
        Paragraph(
            f"How much violence there was in {ctx.area.name} in {ctx.period.label}, and how it "
            "changed. The open police.uk data count all violence and sexual offences (they carry "
            "no offence codes, ages or places, so the local definition cannot be applied to "
            "them); the force's own records count what the local definition takes."
        ),
        Paragraph(headline.text),
        FigurePart(annual, digits=RATE_DIGITS),
        FigurePart(monthly),
    ]
    if definition is not None:
        parts.append(FigurePart(definition[0], digits=RATE_DIGITS))
    findings = [headline] + ([change] if change else []) + ([signals] if signals else [])
    if definition is not None and definition[1] is not None:
        findings.append(definition[1])
    return Built(Section("volumes", "Volumes and trends", tuple(parts)), findings)


def _headline(ctx: Context, m: Measure, counts: where.MeasureCounts) -> Finding:
    covered = len(counts.months_covered)
    of = len(ctx.period.months)
    return Finding(
        id="finding-headline",
        rule="headline",
        template=(
            f"police.uk recorded {{total}} violence and sexual offences in {ctx.area.name} in "
            f"{ctx.period.label}"
            + (f" ({covered} of the period's {of} months have data)" if covered < of else "")
            + "."
        ),
        counts={"total": counts.total},
        figure_id=ANNUAL,
        section="volumes",
        source_kind=SOURCE_KINDS[m.source],
        synthetic=counts.synthetic,
        numbers={"months_covered": covered},
        weight=10.0,
    )


def _annual_figure(ctx: Context, m: Measure) -> tuple[Figure, Finding | None]:
    table, names = series(ctx, m)
    mine = table[table["Area"] == ctx.area.name]
    complete = mine[mine["Complete year"] == "yes"]
    sentences = []
    if len(complete):
        first, last = complete.iloc[0], complete.iloc[-1]
        sentences.append(
            f"police.uk recorded {num(first['Count'])} violence and sexual offences in "
            f"{ctx.area.name} in {first['Year']} ({num(first['Rate'], 1)} {rate_unit(m)})"
            + (
                f" and {num(last['Count'])} in {last['Year']} ({num(last['Rate'], 1)})."
                if last["Year"] != first["Year"]
                else "."
            )
        )
    partial = mine[mine["Complete year"] == "no"]
    if len(partial):
        sentences.append(
            "Years the data do not cover in full ("
            + ", ".join(partial["Year"])
            + ") have counts but no rate."
        )
    trends = [t for t in complete["Trend"] if t != "not assessed"]
    sentences.append(
        f"Trend: {trends[-1]}."
        if trends
        else "No trend marker: it needs five complete years in a row."
    )
    if len(names) > 1:
        comparison = ctx.latest(m)
        said = text_or(comparison.get("comparison"), "") if comparison else ""
        if said:
            sentences.append(f"Compared with {names[1]} in {comparison['period']}: {said.lower()}.")
    figure = Figure(
        id=ANNUAL,
        title=f"Violence and sexual offences (police.uk) per year, {' and '.join(names)}",
        alt=" ".join(sentences),
        table=table.rename(columns={"Rate": f"Rate {rate_unit(m)}"}),
        source=source_name(ctx, m.source) + (f"; {note}" if (note := denominator_note(m)) else ""),
        chart=trend_chart(table, m, "Year"),
        definition_version=ctx.not_applied,
        synthetic=bool(ctx.rows(m)["synthetic"].any()),
        notes=tuple(m.caveats),
    )
    return figure, change_finding(ctx, m, figure.id)


def change_finding(ctx: Context, m: Measure, figure_id: str, weight: float = 6.0):
    """The change from the baseline, when the latest complete year in the period has one and
    its 95% interval leaves out no change."""
    latest = ctx.latest(m)
    if not latest or missing(latest.get("change_pct")) or missing(latest.get("change_lower")):
        return None
    rows = ctx.annual(m)
    base = rows[rows["period"] == latest["baseline"]]
    if base.empty:
        return None
    lower, upper = latest["change_lower"], latest["change_upper"]
    significant = lower > 0 or upper < 0
    word = "rose" if latest["change_pct"] > 0 else "fell"
    return Finding(
        id=f"finding-change-{m.id}",
        rule="measure-change",
        template=(
            f"{m.title} "
            + (
                f"{word} by {abs(latest['change_pct']):.1f}%"
                if significant
                else f"changed by {latest['change_pct']:+.1f}%"
            )
            + f" between {latest['baseline']} and "
            f"{latest['period']} in {ctx.area.name} ({{before}} to {{after}}; 95% interval "
            f"{lower:.1f}% to {upper:.1f}%" + ("" if significant else ", so no clear change") + ")."
        ),
        counts={"before": int(base.iloc[0]["count"]), "after": int(latest["count"])},
        figure_id=figure_id,
        section="volumes",
        source_kind=SOURCE_KINDS["hospital" if m.id.startswith("hospital") else m.source],
        synthetic=bool(latest.get("synthetic")),
        numbers={"change_pct": latest["change_pct"], "lower": lower, "upper": upper},
        weight=weight + (abs(latest["change_pct"]) / 10 if significant else -3),
        subject=m.title,
    )


def _monthly_figure(ctx: Context, m: Measure) -> tuple[Figure, Finding | None]:
    r = when.monthly(ctx.view, m.source, measure=m, police_uk_force=ctx.area.police_uk_force)
    frame = r.frame[r.frame["covered"]].copy()
    frame["Month"] = pd.to_datetime(frame["month"] + "-01")
    long = pd.concat(
        [
            frame.assign(Series="Count", Value=frame["count"].astype(float)),
            frame.assign(Series="Mean", Value=frame["mean"]),
            frame.assign(Series="Upper process limit", Value=frame["upper_process_limit"]),
            frame.assign(Series="Lower process limit", Value=frame["lower_process_limit"]),
        ]
    )[["Month", "Series", "Value"]]
    table = pd.DataFrame(
        {
            "Month": r.frame["month"],
            "Count": pd.to_numeric(r.frame["count"]).astype(float),
            "Mean": r.frame["mean"],
            "Lower process limit": r.frame["lower_process_limit"],
            "Upper process limit": r.frame["upper_process_limit"],
            "Special cause": r.frame["special_cause_type"].fillna("no data"),
        }
    )
    counted = frame.dropna(subset=["count"])
    low, high = counted.loc[counted["count"].idxmin()], counted.loc[counted["count"].idxmax()]
    special = frame[frame["special_cause"].astype(bool)]
    alt_text = (
        f"Monthly counts for {ctx.area.name} ranged from {num(low['count'])} ({low['month']}) to "
        f"{num(high['count'])} ({high['month']}), around a mean of {num(r.mean)}. "
        + (
            f"{len(special)} month(s) show special cause variation: "
            + ", ".join(
                f"{a} ({b})"
                for a, b in zip(special["month"], special["special_cause_type"], strict=True)
            )
            + "."
            if len(special)
            else "No month shows special cause variation: the variation is common cause."
        )
        + (f" No data for {', '.join(r.gaps)}." if r.gaps else "")
    )
    figure = Figure(
        id=MONTHLY,
        title=f"Violence and sexual offences (police.uk) per month, {ctx.area.name}, "
        f"{ctx.period.label}, with process limits",
        alt=alt_text,
        table=table,
        source=source_name(ctx, m.source, r.synthetic),
        chart=charts.trend(
            long,
            "Month",
            "Value",
            series="Series",
            series_title=None,
            y_title="Offences per month",
            x_title="Month",
            zero=False,
        ),
        definition_version=ctx.not_applied,
        synthetic=r.synthetic,
        notes=tuple(c for c in r.caveats if c.startswith("XmR")),
    )
    finding = None
    if len(special):
        kinds = special["special_cause_type"].value_counts()
        finding = Finding(
            id="finding-monthly-signals",
            rule="monthly-special-cause",
            template=(
                f"{len(special)} of {len(frame)} months of violence and sexual offences in "
                f"{ctx.area.name} show special cause variation on an XmR chart (most often: "
                f"{kinds.index[0].lower()}), a change worth explaining before reading the "
                "trend."
            ),
            counts={},
            figure_id=MONTHLY,
            section="volumes",
            source_kind=SOURCE_KINDS[m.source],
            synthetic=r.synthetic,
            numbers={"special_months": len(special)},
            weight=2.0,
        )
    return figure, finding


def strand_measures(ctx: Context) -> list[Measure]:
    """A measure per strand of the local definition (police records), in the definition's order,
    counted together in one query (the strands section reads the same)."""
    d = ctx.definition
    measures = [
        Measure(
            id=f"sna-{d.id}-{strand}",
            title=f"{d.id} {strand} strand (police records)",
            source="police_crime",
            # by its file: the partnership's own definition is not a shipped id
            definition=d.path or d.id,
            strand=strand,
        )
        for strand in d.strands
    ]
    ctx.count_together(measures)  # every strand in one query
    return measures


def _definition_figure(ctx: Context) -> tuple[Figure, Finding | None] | None:
    d = ctx.definition
    measures = strand_measures(ctx)
    frames = []
    for measure, strand in zip(measures, d.strands, strict=True):
        rows = ctx.annual(measure)
        if len(rows):
            frames.append(annual_table(rows, measure, ctx.area.name).assign(Strand=strand))
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True)
    table = table[["Year", "Strand", *[c for c in table.columns if c not in ("Year", "Strand")]]]
    rated = year_axis(table.dropna(subset=["Rate"]))
    synthetic = any(bool(ctx.rows(mm)["synthetic"].any()) for mm in measures)
    inside = table[table["Year"].isin(ctx.period.annual_labels) | (table["Complete year"] == "no")]
    per_strand = inside.groupby("Strand")["Count"].sum()
    alt_text = (
        f"Police records in the scope of {d.id} in {ctx.area.name}, {ctx.period.label}, by "
        "strand: "
        + "; ".join(f"{s} {num(n)}" for s, n in per_strand.items())
        + ". "
        + (
            "Rates per 1,000 residents per year are shown for complete years: "
            + "; ".join(
                f"{s} {num(r['Rate'], 2)} in {r['Year']}"
                for s, r in rated.groupby("Strand").last().iterrows()
            )
            + "."
            if len(rated)
            else "No year in the period is complete, so there are no rates."
        )
    )
    chart = None
    if len(rated):
        chart = charts.trend(
            rated,
            "Year",
            "Rate",
            lower="Lower 95%",
            upper="Upper 95%",
            series="Strand",
            series_title="Strand",
            y_title="Rate per 1,000 residents per year",
            x_title="Year",
        )
    figure = Figure(
        id=DEFINITION,
        title=f"Serious violence as the local definition counts it, by strand, {ctx.area.name}",
        alt=alt_text,
        table=table.rename(columns={"Rate": "Rate per 1,000 residents per year"}),
        source=source_name(ctx, "police_crime", synthetic)
        + (f"; {note}" if (note := denominator_note(measures[0])) else ""),
        chart=chart,
        definition_version=ctx.definition_version,
        synthetic=synthetic,
    )
    return figure, None
