"""Data sources and their quality: what the assessment rests on, what is missing, what is
synthetic (svduty.analysis.evidence.quality)."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import quality as q
from svduty.privacy.disclosure import Source
from svduty.products import charts
from svduty.products.assessment.common import Built, pct, source_name
from svduty.products.assessment.model import FigurePart, Finding, Paragraph, Section, Table
from svduty.products.assessment.scope import RECORD_TABLES, Context
from svduty.products.figure import Figure

COVERAGE = "fig-data-coverage"
COMPLETENESS = "fig-data-completeness"
SOURCES_TABLE = "tbl-data-sources"
QUARANTINE_TABLE = "tbl-data-quarantine"
SYNTHETIC_TABLE = "tbl-data-synthetic"
QUARANTINE_COLUMNS = {
    "source": "Source",
    "files": "Files loaded",
    "files_refused": "Files refused",
    "rows_read": "Rows read",
    "rows_loaded": "Rows loaded",
    "rows_quarantined": "Rows quarantined",
    "rate": "Quarantined (%)",
}
TABLE_NAMES = {
    "police_uk_street": "police.uk",
    "police_crime": "Police records",
    "ed_assault": "ED attendances",
    "partner_aggregate": "Partner aggregates",
    "published_statistic": "ONS published tables",
}


def data_section(ctx: Context) -> Built:
    result = q.quality(ctx.view)
    synthetic_tables = set(
        result.synthetic_rows.frame.loc[result.synthetic_rows.frame["synthetic_rows"] > 0, "table"]
    )
    parts: list = [
        Paragraph(
            "The assessment reads the partnership's warehouse: what each source covers, how "
            f"complete it is for {ctx.area.name} in {ctx.period.label}, what was quarantined at "
            "loading and what is synthetic. The data gaps they show are listed under Data gaps."
        ),
        _sources_table(ctx, result),
    ]
    coverage = _coverage_figure(ctx, result, synthetic_tables)
    completeness = _completeness_figure(ctx, result, synthetic_tables)
    parts += [FigurePart(coverage), FigurePart(completeness, digits={"Filled (%)": 1})]
    quarantine = result.quarantine.by_source.rename(columns=QUARANTINE_COLUMNS)
    quarantine["Quarantined (%)"] = pd.to_numeric(quarantine["Quarantined (%)"]) * 100
    quarantine["Source"] = quarantine["Source"].map(lambda s: q.SOURCE_NAMES.get(s, s))
    parts.append(
        Table(
            QUARANTINE_TABLE,
            "Rows quarantined at loading, by source (every load now in the warehouse)",
            quarantine[list(QUARANTINE_COLUMNS.values())],
            source_name(ctx, "warehouse"),
            ctx.not_applied,
            notes=result.quarantine.caveats,
            digits={"Quarantined (%)": 2},
        )
    )
    synth = result.synthetic_rows.frame.copy()
    synth["table"] = synth["table"].map(TABLE_NAMES)
    synth["share"] = pd.to_numeric(synth["share"]) * 100
    parts.append(
        Table(
            SYNTHETIC_TABLE,
            f"Synthetic rows by table, {ctx.area.name}, {ctx.period.label}",
            synth.rename(
                columns={
                    "table": "Table",
                    "rows": "Rows",
                    "synthetic_rows": "Synthetic rows",
                    "share": "Synthetic (%)",
                }
            ),
            source_name(ctx, "warehouse"),
            ctx.not_applied,
            synthetic=bool(synthetic_tables),
            notes=result.synthetic_rows.caveats if synthetic_tables else (),
            digits={"Synthetic (%)": 0},
        )
    )
    gaps = [(sentence, _anchor(sentence)) for sentence in result.gaps]
    section = Section("data", "Data sources and their quality", tuple(parts))
    findings = _findings(ctx, result, coverage, completeness)
    return Built(section, findings, gaps)


def _anchor(sentence: str) -> str:
    if "no data for" in sentence or "no rows for" in sentence:
        return COVERAGE
    if " lack " in sentence or "never give" in sentence or "no time of day" in sentence:
        return COMPLETENESS
    if "quarantined" in sentence or "refused" in sentence:
        return QUARANTINE_TABLE
    if "synthetic" in sentence:
        return SYNTHETIC_TABLE
    return SOURCES_TABLE


def _sources_table(ctx: Context, result: q.Quality) -> Table:
    rows = []
    by_loads = result.coverage.by_loads
    for (source, gaps), part in by_loads.groupby(
        ["source", by_loads["gaps"].map(lambda g: ", ".join(g) or "none")], sort=True
    ):
        inside = sorted({m for ms in part["missing_months"] for m in ms if ctx.period.contains(m)})
        providers = list(part["provider"])
        rows.append(
            (
                q.SOURCE_NAMES.get(source, source),
                ", ".join(providers) if len(providers) <= 6 else f"{len(providers)} returns",
                min(part["first_month"]),
                max(part["last_month"]),
                gaps,
                ", ".join(q.month_ranges(inside)) or "none",
            )
        )
    frame = pd.DataFrame(
        rows,
        columns=["Source", "Providers", "First month", "Last month", "Gaps", "Gaps in the period"],
    )
    return Table(
        SOURCES_TABLE,
        "Data sources in the warehouse: the months the current loads cover",
        frame,
        source_name(ctx, "warehouse"),
        ctx.not_applied,
        notes=(
            "Gaps are months inside a source's span that no current load covers. Partner "
            "returns made once a year (probation caseloads on 31 March) show the months between "
            "them as gaps.",
        ),
    )


def _coverage_figure(ctx: Context, result: q.Quality, synthetic_tables: set[str]) -> Figure:
    """Rows per month of each record-level source: one row of cells per source and year, one
    column per month of the year, so a missing month shows as an empty cell."""
    by_month = result.completeness.by_month
    rows = []
    for table in RECORD_TABLES:
        part = by_month[(by_month["table"] == table) & (by_month["column"] == "month")]
        held = dict(zip(part["period"], part["rows"], strict=True))
        rows += [
            (m, f"{TABLE_NAMES[table]} {m[:4]}", charts.MONTHS[int(m[5:]) - 1], int(held.get(m, 0)))
            for m in ctx.period.months
        ]
    long = pd.DataFrame(rows, columns=["Month", "Source and year", "Month of the year", "Rows"])
    missing = {
        name: [m for m, n in zip(g["Month"], g["Rows"], strict=True) if n == 0]
        for name, g in long.assign(Source=long["Source and year"].str[:-5]).groupby(
            "Source", sort=False
        )
    }
    said = [
        f"{name} has no rows for {', '.join(q.month_ranges(ms))}"
        for name, ms in missing.items()
        if ms
    ]
    alt_text = (
        f"Rows per month for {ctx.area.name}, {ctx.period.label}, by source. "
        + ("; ".join(said) + "." if said else "Every source has rows in every month.")
        + " A month with no rows is a gap in the data, not a month without violence."
    )
    wide = long.pivot(index="Month", columns="Source and year", values="Rows")
    wide = pd.DataFrame(
        {
            TABLE_NAMES[t]: [int(wide.loc[m].filter(like=TABLE_NAMES[t]).sum()) for m in wide.index]
            for t in RECORD_TABLES
        },
        index=wide.index,
    ).reset_index()
    synthetic = bool(synthetic_tables & {"police_crime", "ed_assault"})
    return Figure(
        id=COVERAGE,
        title=f"Rows per month by source, {ctx.area.name}, {ctx.period.label}",
        alt=alt_text,
        table=wide,
        source=source_name(ctx, "warehouse", synthetic),
        chart=charts.heatmap(
            long,
            "Month of the year",
            "Source and year",
            "Rows",
            x_title="Month",
            y_title="Source and year",
            value_title="Rows (white: none)",
            x_sort=list(charts.MONTHS),
        ),
        definition_version=ctx.not_applied,
        synthetic=synthetic,
    )


def _completeness_figure(ctx: Context, result: q.Quality, synthetic_tables: set[str]) -> Figure:
    overall = result.completeness.overall.set_index(["table", "column"])
    rows = []
    for table, fields in q.KEY_FIELDS.items():
        for column in fields:
            if (table, column) in overall.index:
                r = overall.loc[(table, column)]
                rows.append(
                    (
                        f"{TABLE_NAMES[table]}: {column.replace('_', ' ')}",
                        int(r["rows"]),
                        int(r["non_null"]),
                        100 * float(r["share"]) if r["rows"] else float("nan"),
                    )
                )
    table = pd.DataFrame(rows, columns=["Field", "Rows", "Filled", "Filled (%)"])
    low = table[table["Filled (%)"] < 100 * q.COMPLETE_ENOUGH].sort_values("Filled (%)")
    alt_text = (
        f"Share of rows with each key field filled, {ctx.area.name}, {ctx.period.label}. "
        + (
            f"{len(low)} of {len(table)} fields are filled for fewer than "
            f"{pct(q.COMPLETE_ENOUGH)} of rows; the lowest are "
            + "; ".join(
                f"{f} ({v:.0f}%)" for f, v in zip(low["Field"], low["Filled (%)"], strict=True)
            )[:600]
            + "."
            if len(low)
            else f"Every key field is filled for at least {pct(q.COMPLETE_ENOUGH)} of rows."
        )
    )
    synthetic = bool(synthetic_tables & {"police_crime", "ed_assault"})
    return Figure(
        id=COMPLETENESS,
        title=f"Completeness of key fields, {ctx.area.name}, {ctx.period.label}",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "warehouse", synthetic),
        chart=charts.bars(
            table,
            "Field",
            "Filled (%)",
            value_title="Rows with the field filled (%)",
            reference=(100 * q.COMPLETE_ENOUGH, "complete enough"),
        ),
        definition_version=ctx.not_applied,
        synthetic=synthetic,
        notes=result.completeness.caveats[:1],
    )


def _findings(ctx: Context, result: q.Quality, coverage: Figure, completeness: Figure):
    out = []
    rows = result.coverage.by_rows
    headline = rows[rows["table"] == "police_uk_street"]
    missing = sorted({m for ms in headline["missing_months"] for m in ms if ctx.period.contains(m)})
    if missing:
        out.append(
            Finding(
                id="finding-data-missing-months",
                rule="data-gap-missing-month",
                template=(
                    f"police.uk has no data for {', '.join(q.month_ranges(missing))} inside "
                    f"{ctx.period.label}: figures for "
                    f"{'that year' if len({m[:4] for m in missing}) == 1 else 'those years'} "
                    "cover fewer months, and rates are per year of the months covered."
                ),
                counts={},
                figure_id=coverage.id,
                section="data",
                source_kind=Source.RECORD_LEVEL,
                numbers={"missing_months": len(missing)},
                weight=3.0,
            )
        )
    overall = result.completeness.overall.set_index(["table", "column"])
    if ("ed_assault", "lsoa_code") in overall.index:
        r = overall.loc[("ed_assault", "lsoa_code")]
        rows_, filled = int(r["rows"]), int(r["non_null"])
        if rows_ and (rows_ - filled) / rows_ >= 1 - q.COMPLETE_ENOUGH:
            out.append(
                Finding(
                    id="finding-data-ed-location",
                    rule="data-gap-ed-location",
                    template=(
                        "{missing} of {rows} emergency department assault attendances "
                        f"({pct((rows_ - filled) / rows_)}) have no LSOA, so ED data cannot show "
                        "where most assaults happened."
                    ),
                    counts={"missing": rows_ - filled, "rows": rows_},
                    figure_id=completeness.id,
                    section="data",
                    source_kind=Source.HEALTH,
                    synthetic="ed_assault"
                    in set(
                        result.synthetic_rows.frame.loc[
                            result.synthetic_rows.frame["synthetic_rows"] > 0, "table"
                        ]
                    ),
                    numbers={"missing_share": (rows_ - filled) / rows_},
                    weight=2.5,
                )
            )
    return out
