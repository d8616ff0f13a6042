"""The local definition and its scope; the partnership arrangements."""

from __future__ import annotations

import pandas as pd

from svduty.analysis.evidence import what
from svduty.definition import scope_counts
from svduty.privacy.disclosure import Source
from svduty.products import charts
from svduty.products.assessment.common import Built, num, pct, source_name
from svduty.products.assessment.model import (
    Bullets,
    Figure,
    FigurePart,
    Finding,
    KeyValues,
    Node,
    Paragraph,
    Section,
    Table,
    Tree,
)
from svduty.products.assessment.scope import Context

SPECIFIED_KINDS = {
    "police": "Police (chief officer)",
    "probation": "Probation service",
    "youth_offending": "Youth offending team (youth justice service)",
    "fire_and_rescue": "Fire and rescue authority",
    "integrated_care_board": "Integrated care board",
    "local_authority": "Local authority",
}
OTHER_KINDS = {
    "police_and_crime_commissioner": "Police and crime commissioner (may assist and monitor)",
    "educational": "Educational authority (must be consulted, co-operates when asked)",
    "prison": "Prison authority (must be consulted, co-operates when asked)",
    "youth_custody": "Youth custody authority (must be consulted, co-operates when asked)",
}
EVALUATION = {
    "exact": "exactly",
    "approximate": "approximately (the source lacks some of what a rule asks)",
    "not_evaluable": "not at all (the source lacks what the rules ask)",
}


# ---- the local definition ----------------------------------------------------------------------


#: the shipped national definition a partnership file written by `svduty init --force` names
HOME_OFFICE_CORE = "home-office-core"


def definition_section(ctx: Context) -> Built:
    d, local = ctx.definition, ctx.partnership.local_definition
    parts: list = [
        Paragraph(
            # the Home Office core stands in until a partnership writes its own: not "agreed"
            f"{ctx.partnership.name} has not yet recorded a local definition of serious "
            f"violence; until it does, this assessment uses the {d.title}, version "
            f"{d.version} ({d.adopted:%d %B %Y}), the national comparison point. Every figure "
            "in this assessment says whether it applies the definition and which version."
            if d.id == HOME_OFFICE_CORE
            else f"{ctx.partnership.name} has agreed a local definition of serious violence: "
            f"{d.title}, version {d.version}, adopted {d.adopted:%d %B %Y}. Every figure in this "
            "assessment says whether it applies the definition and which version."
        ),
        KeyValues(
            (
                ("Definition", f"{d.id}, version {d.version}"),
                ("Wording", str(local["text"])),
                ("Source of the wording", str(local["source"])),
                *((f"Strand: {name}", text) for name, text in d.strands.items()),
            )
        ),
    ]
    rules = pd.DataFrame(
        [(r.id, r.strand, " ".join(r.description.split())) for r in d.rules],
        columns=["Rule", "Strand", "What it takes"],
    )
    parts.append(
        Table(
            "tbl-definition-rules",
            f"The rules of {d.id} {d.version}, in the order they are tried",
            rules,
            f"the local definition file ({d.id})",
            ctx.definition_version,
            notes=("A row is counted once, under the first rule that takes it.",),
        )
    )
    scope = scope_counts(d, ctx.view)
    frame = pd.DataFrame(
        [
            (
                s["label"],
                EVALUATION.get(s["evaluation"], s["evaluation"]),
                s["rows"],
                s["in_scope"],
                (s["in_scope"] / s["rows"]) if s["rows"] else None,
            )
            for s in scope
            if s["source"] != "partner_aggregate"
        ],
        columns=["Source", "How the definition can be applied", "Rows", "In scope", "Share"],
    )
    frame["Share"] = pd.to_numeric(frame["Share"]) * 100
    parts.append(
        Paragraph("How much of each source's data for this area and period the definition takes:")
    )
    parts.append(
        Table(
            "tbl-definition-scope",
            f"Rows in the scope of {d.id} {d.version}, {ctx.area.name}, {ctx.period.label}",
            frame.rename(columns={"Share": "Share in scope (%)"}),
            "svduty warehouse (svduty definition show)",
            ctx.definition_version,
            synthetic=bool(ctx.synthetic_tables & {"police_crime", "ed_assault"}),
            notes=tuple(sorted({n["text"] for s in scope for n in s["notes"] if n.get("text")}))[
                :6
            ],
            digits={"Share in scope (%)": 1},
        )
    )
    figure, finding = _rules_figure(ctx)
    parts.append(FigurePart(figure, digits={"Share of rows in scope (%)": 1}))
    section = Section("definition", "The local definition and its scope", tuple(parts))
    return Built(section, [finding] if finding else [])


def _rules_figure(ctx: Context) -> tuple[Figure, Finding | None]:
    r = what.rules(ctx.view, ctx.definition, "police_crime")
    table = r.by_rule.rename(
        columns={
            "rule": "Rule",
            "strand": "Strand",
            "evaluation": "Evaluation",
            "count": "Police records",
            "share": "Share of rows in scope (%)",
        }
    )
    table["Share of rows in scope (%)"] = pd.to_numeric(table["Share of rows in scope (%)"]) * 100
    strands = r.by_strand.set_index("strand")
    biggest = r.by_rule.sort_values("count", ascending=False).iloc[0]
    alt_text = (
        f"Of {num(r.rows)} police records for {ctx.area.name} in {ctx.period.label}, "
        f"{num(r.in_scope)} ({pct(r.in_scope / r.rows if r.rows else None)}) are in the scope of "
        f"{ctx.definition.id}. "
        + " ".join(
            f"The {s} strand takes {num(int(strands.loc[s, 'count']))}"
            f" ({pct(strands.loc[s, 'share'])})."
            for s in strands.index
        )
        + f" The rule taking most is {biggest['rule']} ({num(int(biggest['count']))})."
    )
    chart = charts.bars(
        table,
        "Rule",
        "Police records",
        value_title="Police records in scope",
        category_title="Rule",
    )
    figure = Figure(
        id="fig-definition-rules",
        title=f"Police records taken by each rule of {ctx.definition.id}, {ctx.area.name}, "
        f"{ctx.period.label}",
        alt=alt_text,
        table=table,
        source=source_name(ctx, "police_crime", r.synthetic),
        chart=chart,
        definition_version=r.definition_version,
        synthetic=r.synthetic,
        notes=tuple(c for c in r.caveats if "SYNTHETIC" not in c)[-1:],
    )
    if "priority" not in strands.index or not r.in_scope:
        return figure, None
    priority = int(strands.loc["priority", "count"])
    finding = Finding(
        id="finding-definition-priority",
        rule="definition-priority-share",
        template=(
            f"The partnership's priority (public space violence against under-25s) is "
            f"{pct(priority / r.in_scope)} of the police records in the scope of its definition: "
            "{priority} of {in_scope}."
        ),
        counts={"priority": priority, "in_scope": int(r.in_scope)},
        figure_id=figure.id,
        section="definition",
        source_kind=Source.RECORD_LEVEL,
        synthetic=r.synthetic,
        numbers={"priority_share": priority / r.in_scope},
        weight=2.0,
    )
    return figure, finding


# ---- partnership arrangements -----------------------------------------------------------------


def partnership_section(ctx: Context) -> Built:
    p, area = ctx.partnership, ctx.area
    la_names = {la.code: la.name for la in p.local_authorities}
    groups = [g for g in p.groups if set(g["local_authorities"]) & set(area.la_codes)]
    parts: list = [
        Paragraph(
            f"This assessment is for {area.body}, "
            + (
                f"which covers the whole {area.name} police force area: "
                if area.is_force_area
                else f"the local partnership group for {area.name}, one of "
                f"{len(p.local_authorities)} local authority areas of {p.name}. "
            )
            + "The groups below hold the duty for the area (Police, Crime, Sentencing and Courts "
            "Act 2022, sections 8 and 9)."
        ),
        Tree(_group_tree(groups, la_names)),
        Paragraph("The specified authorities (the duty holders, section 11 and Schedule 1):"),
        Table(
            "tbl-specified-authorities",
            "Specified authorities of the partnership",
            _bodies(
                p.specified_authorities,
                # in Wales local health boards hold the integrated care boards' place (Sch 1)
                SPECIFIED_KINDS | {"integrated_care_board": "Local health board"}
                if p.police_force_area.startswith("W")
                else SPECIFIED_KINDS,
            ),
            "the partnership configuration (partnership.yaml)",
            ctx.definition_version,
            notes=(
                "All the partnership's duty holders: the configuration does not record which "
                "local authority areas each one serves.",
            ),
        ),
        Paragraph("Other bodies the duty involves (sections 8, 12, 14 and Schedule 2):"),
        Table(
            "tbl-other-bodies",
            "Other bodies",
            _bodies(p.other_bodies, OTHER_KINDS),
            "the partnership configuration (partnership.yaml)",
            ctx.definition_version,
        ),
    ]
    contact = [("Public contact (web)", area.contact_url or "not set")]
    contact.append(("Public contact (email)", area.contact_email or "not set"))
    parts.append(KeyValues(tuple(contact)))
    missing = [name for name, value in contact if value == "not set"]
    if missing:
        parts.append(
            Bullets(
                tuple(
                    f"{name} is not set in the partnership configuration: set it before the "
                    "strategy is published."
                    for name in missing
                )
            )
        )
    return Built(Section("partnership", "Partnership arrangements", tuple(parts)))


def _group_tree(groups: list[dict], la_names: dict[str, str]) -> tuple[Node, ...]:
    names = {g["name"] for g in groups}

    def node(g: dict) -> Node:
        areas = ", ".join(la_names.get(c, c) for c in g["local_authorities"])
        extra = f"; convened by {g['convened_by']}" if g.get("convened_by") else ""
        children = tuple(node(c) for c in groups if c["parent"] == g["name"])
        return Node(f"{g['name']} (covers {areas}{extra})", children)

    return tuple(node(g) for g in groups if g["parent"] is None or g["parent"] not in names)


def _bodies(bodies, kinds: dict[str, str]) -> pd.DataFrame:
    rows = [(b["name"], kinds.get(b["kind"], b["kind"])) for b in bodies]
    return pd.DataFrame(rows, columns=["Name", "Kind"])
