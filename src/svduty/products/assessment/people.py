"""The "Who" section's people, not only places: repeat victims and suspects, the people recorded
both as victim and as suspect, and the ages at which under-25s first appear
(svduty.analysis.evidence.people; the rules are in docs/people.md).

The assessment shows the three calendar years up to the end of its period, for the area's
crimes in scope; a person's crimes anywhere in the force's extract count towards a repeat.
"""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence.people import FIRST_AGE_BANDS, people
from svduty.products.assessment.common import num, pct, source_name
from svduty.products.assessment.model import Heading, Paragraph, Table
from svduty.products.assessment.scope import Context

YEARS_SHOWN = 3


def _years(ctx: Context) -> tuple[int, int]:
    last = int(ctx.period.last[:4])
    return last - YEARS_SHOWN + 1, last


def _victims_first(column: pd.Series) -> pd.Series:
    return column.map({"victim": 0, "suspect": 1}) if column.name == "role" else column


def _interval(r) -> str:
    if r["share"] is None or pd.isna(r["share"]):
        return "cannot be measured: no linked crimes"
    return f"{pct(r['share'])} ({pct(r['lower_95'])} to {pct(r['upper_95'])})"


def _year(r) -> str:
    return str(r["year"]) + ("" if r["complete"] else " (part year)")


def people_parts(ctx: Context) -> list:
    """Headings, sentences and tables for the people figures; words alone when the force's
    records carry no person references."""
    first, last = _years(ctx)
    lsoas = None if ctx.area.is_force_area else ctx.lsoas
    result = people(
        ctx.wh,
        definition=ctx.definition,
        pfa_code=ctx.partnership.police_force_area,
        years=(first, last),
        lsoas=lsoas,
    )
    parts: list = [Heading("Repeat victims, repeat suspects and the overlap", "who-people")]
    totals = result.repeats[result.repeats["area"] == "all"]
    totals = totals.sort_values(["role", "year"], key=_victims_first)
    if totals.empty or not int(totals["crimes"].sum()):
        parts.append(
            Paragraph(
                f"The force's records for {ctx.area.name} in {first} to {last} carry no victim "
                "or suspect references, so no person can be followed from one crime to the "
                "next: repeat victimisation and the overlap between victims and suspects cannot "
                "be measured here. They need the force to share its person references "
                "(svduty stores them only as keyed tokens; docs/people.md)."
            )
        )
        return parts
    source = source_name(ctx, "police_crime", result.synthetic)
    version = result.definition_version or ""
    parts.append(
        Paragraph(
            "A repeat victim (or suspect) is recorded on two or more crimes of any kind in one "
            "calendar year. The share is of the crimes of serious violence (local definition) "
            f"in {ctx.area.name} that happened to repeat victims (or were attributed to repeat "
            "suspects), with its 95% interval. People are followed by keyed token, never by "
            "name; crimes without a reference cannot be linked and are counted apart."
        )
    )
    table = pd.DataFrame(
        {
            "Year": [_year(r) for _, r in totals.iterrows()],
            "Role": totals["role"].str.capitalize().to_numpy(),
            "People": totals["people"].to_numpy(),
            "Repeat people": totals["repeat_people"].to_numpy(),
            "Crimes linked": totals["crimes"].to_numpy(),
            "Share to repeat people (95% interval)": [_interval(r) for _, r in totals.iterrows()],
            "Crimes not linked": totals["unlinked"].to_numpy(),
        }
    )
    parts.append(
        Table(
            "tbl-who-repeats",
            f"Repeat victims and suspects of serious violence (local definition), "
            f"{ctx.area.name}, {first} to {last}",
            table,
            source,
            version,
            synthetic=result.synthetic,
        )
    )
    parts.extend(_overlap_parts(ctx, result, source, version))
    parts.extend(_first_age_parts(ctx, result, source, version))
    return parts


def _overlap_parts(ctx: Context, result, source: str, version: str) -> list:
    o = result.overlap
    if o.empty:
        return []
    if not int(o["both"].sum()):
        return [
            Paragraph(
                f"No one with a crime of serious violence in {ctx.area.name} in these years was "
                "recorded both as a victim and as a suspect. Either there is no overlap, or the "
                "force's extract gives victims and suspects different references: ask the "
                "force's data lead which before reading it as the first."
            )
        ]
    table = pd.DataFrame(
        {
            "Year": [_year(r) for _, r in o.iterrows()],
            "People (either role)": o["people"].to_numpy(),
            "Both victim and suspect": o["both"].to_numpy(),
            "Share (95% interval)": [_interval(r) for _, r in o.iterrows()],
            "Victims who were also suspects": o["victims_also_suspects"].to_numpy(),
            "Suspects who were also victims": o["suspects_also_victims"].to_numpy(),
        }
    )
    return [
        Table(
            "tbl-who-overlap",
            f"People recorded both as victim and as suspect, {ctx.area.name}",
            table,
            source,
            version,
            synthetic=result.synthetic,
        )
    ]


def _first_age_parts(ctx: Context, result, source: str, version: str) -> list:
    f = result.first_ages
    if f.empty:
        return [
            Paragraph(
                "The ages at which young people first appear cannot be shown: the records "
                "cover too short a time to tell a first appearance from an earlier one."
            )
        ]
    pivot = f.pivot_table(index="age", columns="role", values="people", aggfunc="sum")
    order = [a for a in FIRST_AGE_BANDS if a in pivot.index]
    pivot = pivot.reindex(order).fillna(0).astype(int)
    table = pd.DataFrame({"Age when first seen": pivot.index})
    for role in ("victim", "suspect"):
        label = f"First seen as a {role}"
        table[label] = pivot[role].to_numpy() if role in pivot else 0
    total = int(f["people"].sum())
    years = f"{int(f['first_year'].min())} to {int(f['first_year'].max())}"
    return [
        Paragraph(
            f"{num(total)} people under 25 were first seen in the records in {years} (first "
            "seen in the first 12 months of the records are left out: they may have appeared "
            "before)."
        ),
        Table(
            "tbl-who-first-age",
            f"Age when first seen in the police records, under-25s, {ctx.area.name}, {years}",
            table,
            source,
            version,
            synthetic=result.synthetic,
        ),
    ]
