"""The local definition profiled by strand: what "serious violence" holds here, the priority
strand first, each strand's size, trend and composition (its rules, its offence groups) and the
sub-profiles the force's records can show (knives, exploitation and county lines, the
night-time economy), from svduty.analysis.evidence.strands."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import strands as evidence
from svduty.products import charts
from svduty.products.assessment.common import Built, num, pct, source_name
from svduty.products.assessment.model import (
    FigurePart,
    Heading,
    Paragraph,
    Section,
    Table,
)
from svduty.products.assessment.scope import Context
from svduty.products.assessment.volumes import missing, strand_measures, text_or
from svduty.products.figure import Figure

SECTION = "strands"
TITLE = "Serious violence by strand"
SUMMARY_TABLE = "tbl-strands"
SUB_TABLE = "tbl-strand-sub-profiles"
SHARE = "Share of the strand (%)"


def figure_id(strand: str) -> str:
    return f"fig-strand-{strand}"


def strands_section(ctx: Context) -> Built:
    d = ctx.definition
    r = evidence.strands(ctx.view, d)
    source = source_name(ctx, "police_crime", r.synthetic)
    trends = _trends(ctx)
    parts: list = [
        Paragraph(
            f"What serious violence holds in {ctx.area.name}, strand by strand, as {d.id} "
            f"{d.version} counts it in the force's records for {ctx.period.label}: "
            f"{num(r.in_scope)} of {num(r.rows)} records are in its scope. The priority strand "
            "comes first; for each strand, its size, its trend, the rules that take its "
            "records and the offence groups they are."
        ),
        Paragraph(
            "police.uk's open data carry no knife or exploitation flag, offence code, place "
            "type, time or age, so neither the strands nor the sub-profiles can be read from "
            "them: every figure here is from the force's own records."
        ),
        _summary_table(ctx, r, trends, source),
    ]
    for strand in r.order:
        parts += _strand_parts(ctx, r, strand, trends.get(strand, ""), source)
    parts.append(
        Heading(
            "Sub-profiles: knives, exploitation and the night-time economy", "strand-sub-profiles"
        )
    )
    parts.append(_sub_table(ctx, r, source))
    return Built(Section(SECTION, TITLE, tuple(parts)))


def _trends(ctx: Context) -> dict[str, str]:
    """Each strand's trend in words, from its annual counts (the volumes section's measure)."""
    out = {}
    for measure, strand in zip(strand_measures(ctx), ctx.definition.strands, strict=True):
        rows = ctx.annual(measure)
        complete = rows[rows["complete"].astype(bool)] if len(rows) else rows
        if complete.empty:
            out[strand] = "No complete year of records, so no trend."
            continue
        first, last = complete.iloc[0], complete.iloc[-1]
        said = f"{num(last['count'])} records in {last['period']}"
        if last["period"] != first["period"]:
            said += f", against {num(first['count'])} in {first['period']}"
        marker = text_or(last.get("trend"), "")
        said += (
            f"; trend: {marker.lower()}."
            if marker and not missing(marker)
            else ("; no trend marker (it needs five complete years in a row).")
        )
        out[strand] = said[:1].upper() + said[1:]
    return out


def _strand_name(strand: str) -> str:
    return f"{strand.replace('_', ' ').replace('-', ' ').capitalize()} strand"


def _summary_table(ctx: Context, r: evidence.StrandProfile, trends, source) -> Table:
    frame = pd.DataFrame(
        {
            "Strand": [_strand_name(s) for s in r.by_strand["strand"]],
            "What it covers": [" ".join(ctx.definition.strands[s].split()) for s in r.order],
            "Records": r.by_strand["count"].astype("int64"),
            "Share of records in scope (%)": 100 * r.by_strand["share"],
            "Trend": [trends.get(s, "") for s in r.order],
        }
    )
    return Table(
        SUMMARY_TABLE,
        f"The strands of {ctx.definition.id} {ctx.definition.version}, {ctx.area.name}, "
        f"{ctx.period.label}",
        frame,
        source,
        r.definition_version,
        synthetic=r.synthetic,
        notes=tuple(c for c in r.caveats if "SYNTHETIC" not in c)[:1],
    )


def _strand_parts(ctx: Context, r, strand: str, trend: str, source: str) -> list:
    row = r.by_strand.set_index("strand").loc[strand]
    rules = r.by_rule[r.by_rule["strand"] == strand]
    groups = r.by_group[r.by_group["strand"] == strand]
    name = _strand_name(strand)
    parts: list = [
        Heading(name, f"strand-{strand}"),
        Paragraph(
            f"{name}: {' '.join(ctx.definition.strands[strand].split())} It holds "
            f"{num(int(row['count']))} records, {pct(row['share'])} of those in scope. {trend}"
        ),
    ]
    rule_frame = pd.DataFrame(
        {
            "Rule": rules["rule"],
            "What it takes": [
                " ".join(next(x for x in ctx.definition.rules if x.id == i).description.split())
                for i in rules["rule"]
            ],
            "Records": rules["count"].astype("int64"),
            SHARE: 100 * rules["share"],
        }
    )
    parts.append(
        Table(
            f"tbl-strand-{strand}-rules",
            f"What the {name.lower()} holds, rule by rule, {ctx.area.name}, {ctx.period.label}",
            rule_frame,
            source,
            r.definition_version,
            synthetic=r.synthetic,
            notes=("A record is counted once, under the first rule that takes it.",),
        )
    )
    if int(row["count"]) == 0:
        parts.append(
            Paragraph(f"The {name.lower()} takes no record here, so it has no offences to show.")
        )
        return parts
    table = pd.DataFrame(
        {
            "Offence group": groups["offence_group"].str.capitalize(),
            "Records": groups["count"].astype("int64"),
            SHARE: 100 * groups["share"],
        }
    )
    top = table.iloc[0]
    alt = (
        f"The {name.lower()} in {ctx.area.name}, {ctx.period.label}: "
        + "; ".join(
            f"{g.lower()} {num(n)} ({num(s, 1)}%)"
            for g, n, s in zip(table["Offence group"], table["Records"], table[SHARE], strict=True)
        )
        + f". {top['Offence group']} is the largest part."
    )
    parts.append(
        FigurePart(
            Figure(
                id=figure_id(strand),
                title=f"Offence groups of the {name.lower()}, {ctx.area.name}, {ctx.period.label}",
                alt=alt,
                table=table,
                source=source,
                chart=charts.bars(
                    table,
                    "Offence group",
                    "Records",
                    value_title="Records",
                    sort="descending",
                ),
                definition_version=r.definition_version,
                synthetic=r.synthetic,
            )
        )
    )
    return parts


def _sub_table(ctx: Context, r: evidence.StrandProfile, source: str) -> Table:
    sub = r.sub
    frame = pd.DataFrame(
        {
            "Strand": [_strand_name(s) for s in sub["strand"]],
            "Sub-profile": sub["sub_profile"].map(evidence.SUB_PROFILES),
            "Records": sub["count"].astype("int64"),
            SHARE: 100 * sub["share"],
            "Records not known": sub["not_known"].astype("int64"),
        }
    )
    return Table(
        SUB_TABLE,
        f"Knives, exploitation and county lines, and the night-time economy in each strand, "
        f"{ctx.area.name}, {ctx.period.label}",
        frame,
        source,
        r.definition_version,
        synthetic=r.synthetic,
        notes=(
            "Knives: the Home Office knife and sharp instrument flag. Exploitation and county "
            "lines: the force's flag for criminal exploitation, county lines or modern slavery.",
            f"Night-time economy: {evidence.NIGHT_TIME_ECONOMY}.",
            "Records not known: the flag is blank, or the place or time is not recorded; they "
            "are not counted as 'no', so a share is a lower bound.",
            "police.uk has no knife flag, exploitation flag, place type or time: these cannot "
            "be shown from it.",
        ),
    )
