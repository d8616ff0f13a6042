"""What: the offences, weapons, flags and definition rules behind the violence counted.

- ``offence_mix``: the offence groups and Home Office offence codes of the force's records in
  the definition's scope (or a strand of it);
- ``weapons``: the share of crimes (force extract) or attendances (ED) involving a knife or
  sharp instrument and a firearm, with Wilson score limits;
- ``flags``: the domestic abuse, alcohol, drugs and exploitation flag shares of the force's
  records, with Wilson score limits;
- ``rules``: the rows each strand and each rule of the definition takes on a source, with how
  exactly the source can evaluate each rule.

Shares are of the rows where the flag (or method) is known; the rows where it is not known are
counted beside them, and ``share_of_all`` gives the share of every row, which is the one to read
when a sender leaves a flag blank for "no".
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from svduty.analysis.evidence.quality import (
    LABELS,
    RECORD_SOURCES,
    Result,
    count_true,
    definition_version,
    finish,
    scoped,
    share,
)
from svduty.analysis.evidence.who import under_25_share
from svduty.analysis.measures.catalogue import Measure
from svduty.definition import model as definitions
from svduty.definition.apply import annotate
from svduty.sources import offence_codes
from svduty.warehouse import Warehouse

Definitionish = str | definitions.Definition | None

FLAG_COLUMNS = {
    "domestic_abuse": "domestic_abuse_flag",
    "alcohol": "alcohol_flag",
    "drugs": "drugs_flag",
    "exploitation": "exploitation_flag",
}
_BLANK_FLAG = (
    "A blank flag is 'not known', not 'no': the share is of the rows where the flag is Y or N, "
    "and share_of_all of every row. If the force leaves the flag blank for 'no', read "
    "share_of_all."
)


def _definition(d: Definitionish) -> definitions.Definition:
    if d is None:
        raise ValueError("this needs a definition (a shipped id such as asvrp-2023, or a file)")
    return d if isinstance(d, definitions.Definition) else definitions.load(d)


# ---- offence mix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OffenceMix(Result):
    """Offence groups and codes of the rows in scope.

    ``by_group``: offence_group, count, share. ``by_code``: offence_group, offence_code,
    offence (its name), count, share (of all rows in scope), share_of_group.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    rows: int
    by_group: pd.DataFrame
    by_code: pd.DataFrame


def offence_mix(
    wh: Warehouse,
    definition: Definitionish,
    *,
    strand: str | None = None,
) -> OffenceMix:
    """The force's records in the definition's scope by offence group and offence code."""
    d = _definition(definition)
    s = scoped(wh, "police_crime", definition=d, strand=strand)
    t = s.table
    frame = (
        t.group_by(["offence_group", "offence_code"])
        .aggregate(count=t.count(), synth=t._synthetic.any())
        .execute()
    )
    synthetic = bool(frame["synth"].fillna(False).any()) if len(frame) else False
    frame = frame.drop(columns="synth")
    frame["count"] = frame["count"].astype(int)
    rows = int(frame["count"].sum())
    by_group = (
        frame.groupby("offence_group", as_index=False)["count"]
        .sum()
        .sort_values(["count", "offence_group"], ascending=[False, True])
        .reset_index(drop=True)
    )
    by_group["share"] = by_group["count"] / rows if rows else None
    group_total = dict(zip(by_group.offence_group, by_group["count"], strict=True))
    frame["offence"] = [
        offence_codes.OFFENCES[c].name if c in offence_codes.OFFENCES else None
        for c in frame["offence_code"]
    ]
    frame["share"] = frame["count"] / rows if rows else None
    frame["share_of_group"] = [
        n / group_total[g] for g, n in zip(frame.offence_group, frame["count"], strict=True)
    ]
    by_code = (
        frame[["offence_group", "offence_code", "offence", "count", "share", "share_of_group"]]
        .sort_values(["count", "offence_code"], ascending=[False, True])
        .reset_index(drop=True)
    )
    caveats = [
        *s.notes,
        "Offence codes are today's: legacy codes are mapped forward (5A to 5D, 5B and 5C to "
        "5E, 8F and 8G to 8N), so 5A's endangering-life offences are counted under 5D.",
    ]
    return OffenceMix(
        "police_crime",
        s.definition_version,
        synthetic,
        finish(caveats, synthetic),
        rows,
        by_group,
        by_code,
    )


# ---- shares with Wilson limits ------------------------------------------------------------------


@dataclass(frozen=True)
class Shares(Result):
    """Shares of rows with a flag (or weapon), of the rows where it is known.

    ``frame``: name, numerator, denominator (known), not_known, rows, value, lower_95,
    upper_95, lower_998, upper_998 (Wilson score), share_of_all.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    frame: pd.DataFrame


def _shares(s, wanted: dict[str, tuple[ibis.Value, ibis.Value]]) -> tuple[pd.DataFrame, bool]:
    """One query: for each name, rows where `yes` holds and rows where `known` holds."""
    t = s.table
    metrics = {"_rows": t.count(), "_synth": t._synthetic.any()}
    for i, (yes, known) in enumerate(wanted.values()):
        metrics[f"y{i}"] = count_true(yes)
        metrics[f"k{i}"] = count_true(known)
    row = t.aggregate(**metrics).execute().iloc[0]
    rows = int(row["_rows"])
    out = []
    for i, name in enumerate(wanted):
        yes = 0 if pd.isna(row[f"y{i}"]) else int(row[f"y{i}"])
        known = 0 if pd.isna(row[f"k{i}"]) else int(row[f"k{i}"])
        entry = under_25_share(name, yes, known, rows)
        entry["name"] = entry.pop("role")
        entry["share_of_all"] = share(yes, rows)
        out.append(entry)
    columns = ["name", "numerator", "denominator", "not_known", "rows", "value", "lower_95",
               "upper_95", "lower_998", "upper_998", "share_of_all"]  # fmt: skip
    synthetic = bool(row["_synth"]) if rows and not pd.isna(row["_synth"]) else False
    return pd.DataFrame(out, columns=columns), synthetic


def weapons(
    wh: Warehouse,
    source: str = "police_crime",
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
) -> Shares:
    """Knife (or sharp instrument) and firearm shares, with Wilson score limits.

    Force extract: ``knife_flag`` and ``firearm_flag`` (known: Y or N). ED returns: the assault
    method ``knife_sharp`` and ``firearm`` (known: any method but ``not_known``).
    """
    s = scoped(wh, source, definition=definition, strand=strand, measure=measure)
    t = s.table
    if source == "police_crime":
        wanted = {
            "knife": (t.knife_flag, t.knife_flag.notnull()),
            "firearm": (t.firearm_flag, t.firearm_flag.notnull()),
        }
        caveats = [*s.notes, _BLANK_FLAG]
    elif source == "ed_assault":
        known = t.assault_method != "not_known"
        wanted = {
            "knife": (t.assault_method == "knife_sharp", known),
            "firearm": (t.assault_method == "firearm", known),
        }
        caveats = [
            *s.notes,
            "ED: the assault method as the patient or staff gave it; 'not known' methods are "
            "left out of the denominator and counted as not_known.",
        ]
    else:
        raise ValueError(f"{source}: weapons are recorded in police_crime and ed_assault only")
    frame, synthetic = _shares(s, wanted)
    caveats.append("Wilson score 95% and 99.8% limits.")
    return Shares(source, s.definition_version, synthetic, finish(caveats, synthetic), frame)


def flags(
    wh: Warehouse,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
) -> Shares:
    """Domestic abuse, alcohol, drugs and exploitation flag shares of the force's records."""
    s = scoped(wh, "police_crime", definition=definition, strand=strand, measure=measure)
    t = s.table
    wanted = {name: (t[c], t[c].notnull()) for name, c in FLAG_COLUMNS.items()}
    frame, synthetic = _shares(s, wanted)
    caveats = [
        *s.notes,
        _BLANK_FLAG,
        "Exploitation covers criminal exploitation, county lines and modern slavery as the "
        "force flags them.",
        "Wilson score 95% and 99.8% limits.",
    ]
    return Shares(
        "police_crime", s.definition_version, synthetic, finish(caveats, synthetic), frame
    )


# ---- the definition's strands and rules ------------------------------------------------------


@dataclass(frozen=True)
class Rules(Result):
    """Rows taken by each strand and rule of a definition on one source.

    ``by_strand``: strand, count, share (of rows in scope). ``by_rule``: rule, strand,
    evaluation (exact, approximate, not_evaluable on this source), count, share. A row is
    taken by the first rule, in the definition's order, that matches it.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    rows: int
    in_scope: int
    out_of_scope: int
    evaluation: str
    by_strand: pd.DataFrame
    by_rule: pd.DataFrame


def rules(
    wh: Warehouse,
    definition: Definitionish,
    source: str = "police_crime",
    *,
    police_uk_force: str | None = None,
) -> Rules:
    """Counts per strand and per rule of the definition on one record-level source."""
    if source not in RECORD_SOURCES:
        raise ValueError(f"{source}: rules are counted on {', '.join(RECORD_SOURCES)}")
    d = _definition(definition)
    s = scoped(wh, source, police_uk_force=police_uk_force)  # every row, with _synthetic
    a = annotate(d, s.table, source)
    t = a.table
    frame = (
        t.group_by(["strand", "matched_rule"])
        .aggregate(count=t.count(), synth=t._synthetic.any())
        .execute()
    )
    synthetic = bool(frame["synth"].fillna(False).any()) if len(frame) else False
    frame["count"] = frame["count"].astype(int)
    rows = int(frame["count"].sum())
    taken = frame[frame["matched_rule"].notna()]
    in_scope = int(taken["count"].sum())
    per_rule = dict(zip(taken["matched_rule"], taken["count"], strict=True))
    by_rule = pd.DataFrame(
        [
            (
                r.rule.id,
                r.rule.strand,
                r.evaluation,
                int(per_rule.get(r.rule.id, 0)),
                share(int(per_rule.get(r.rule.id, 0)), in_scope),
            )
            for r in a.plan.rules
        ],
        columns=["rule", "strand", "evaluation", "count", "share"],
    )
    by_strand = by_rule.groupby("strand", sort=False, as_index=False)["count"].sum()
    by_strand = by_strand.set_index("strand").reindex(list(d.strands), fill_value=0).reset_index()
    by_strand["share"] = [share(n, in_scope) for n in by_strand["count"]]
    caveats = [f"{d.id} rule {n.rule}: {n.text}" if n.rule else n.text for n in a.notes]
    caveats.append(
        f"A row is counted once, under the first rule of {d.id} that takes it, in the order the "
        "definition lists them; a later rule's count leaves out rows an earlier rule took."
    )
    return Rules(
        source,
        definition_version(d),
        synthetic,
        finish(caveats, synthetic),
        rows,
        in_scope,
        rows - in_scope,
        a.evaluation,
        by_strand,
        by_rule,
    )


# ---- everything -------------------------------------------------------------------------------


def profile(wh: Warehouse, definition: Definitionish, *, strand: str | None = None) -> dict:
    """offence_mix, weapons (police and ED), flags and rules (each record-level source)."""
    d = _definition(definition)
    out: dict = {
        "offence_mix": offence_mix(wh, d, strand=strand),
        "weapons": {
            src: weapons(wh, src, definition=d, strand=strand)
            for src in ("police_crime", "ed_assault")
        },
        "flags": flags(wh, definition=d, strand=strand),
        "rules": {src: rules(wh, d, src) for src in RECORD_SOURCES},
    }
    out["labels"] = {src: LABELS[src] for src in RECORD_SOURCES}
    return out
