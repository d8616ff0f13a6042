"""The local definition profiled by strand: what each strand of "serious violence" holds in the
force's records (the police-crime feed), in one query.

:func:`strands` counts the records in the definition's scope by strand, by rule (the parts of a
strand: domestic abuse, rape, VAWG ... in the wider strand of asvrp-2023), by offence group, and
three sub-profiles a strand may hold:

- knives: the Home Office knife and sharp instrument flag (``knife_flag``);
- exploitation and county lines: the exploitation flag (criminal exploitation, county lines or
  modern slavery, ``exploitation_flag``);
- the night-time economy: at licensed premises at any hour, or in another public place on a
  Friday or Saturday night (20:00 to 04:00, the weekend nights of the when section) when the
  offence's time is known.

A flag left blank is not known, not "no": each sub-profile's share is of the strand's records,
with the records whose flag (or time and place) is not known counted beside it. police.uk street
data carry no flags, offence codes, places or ages, so none of this can be read from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from svduty.analysis.evidence.quality import definition_version, finish, scoped
from svduty.definition import model as definitions
from svduty.sources.police_crime import PUBLIC_SPACE
from svduty.warehouse import Warehouse

__all__ = ["SUB_PROFILES", "StrandProfile", "strands"]

#: the sub-profiles, in the order the assessment shows them
SUB_PROFILES = {
    "knife": "Knife or sharp instrument",
    "exploitation": "Exploitation and county lines",
    "night_time_economy": "Night-time economy",
}
NIGHT_TIME_ECONOMY = (
    "at licensed premises at any hour, or in another public place (street, open space, "
    "transport, retail, education) on a Friday or Saturday night, 20:00 to 04:00, when the time "
    "of the offence is known"
)


@dataclass(frozen=True)
class StrandProfile:
    """The definition's strands in the force's records.

    ``order``: the strands, the priority strand first (a strand named ``priority``), then the
    definition's order. ``by_strand``: strand, count, share (of the records in scope).
    ``by_rule``: strand, rule, count, share (of its strand). ``by_group``: strand,
    offence_group, count, share (of its strand). ``sub``: strand, sub_profile, count, share (of
    its strand), not_known (records whose flag, or time and place, is not known).
    """

    definition_version: str
    synthetic: bool
    caveats: tuple[str, ...]
    rows: int
    in_scope: int
    order: tuple[str, ...]
    by_strand: pd.DataFrame
    by_rule: pd.DataFrame
    by_group: pd.DataFrame
    sub: pd.DataFrame


def _night_time_economy(t: ibis.Table) -> tuple[ibis.Value, ibis.Value]:
    """(in the night-time economy, whether that can be known) for each record."""
    start = t.offence_from
    day = start.day_of_week.index()  # 0 Monday ... 6 Sunday
    hour = start.hour()
    weekend_night = ((day == 4) & (hour >= 20)) | ((day == 5) & ((hour >= 20) | (hour < 4)))
    weekend_night |= (day == 6) & (hour < 4)
    licensed = t.location_type == "licensed_premises"
    public = t.location_type.isin([p for p in PUBLIC_SPACE if p != "licensed_premises"])
    known_time = t.offence_time_known.fill_null(False)
    inside = licensed.fill_null(False) | (public.fill_null(False) & known_time & weekend_night)
    knowable = t.location_type.notnull() & (licensed.fill_null(False) | known_time)
    return inside, knowable | inside


def strands(wh: Warehouse, definition: definitions.Definition) -> StrandProfile:
    """The records of ``wh``'s police_crime in the scope of ``definition``, by strand."""
    s = scoped(wh, "police_crime", definition=definition)
    t = s.table
    nte, nte_known = _night_time_economy(t)
    keyed = t.mutate(
        _knife=t.knife_flag.cast("string"),
        _exploitation=t.exploitation_flag.cast("string"),
        _nte=ibis.ifelse(nte_known, nte.cast("string"), ibis.null("string")),
    )
    frame = (
        keyed.group_by(["matched_rule", "offence_group", "_knife", "_exploitation", "_nte"])
        .aggregate(count=keyed.count(), synth=keyed._synthetic.any())
        .execute()
    )
    rows = int(s.all_rows.count().execute())
    synthetic = bool(frame["synth"].fillna(False).any()) if len(frame) else False
    strand_of = {r.id: r.strand for r in definition.rules}
    frame["strand"] = frame["matched_rule"].map(strand_of)
    frame["count"] = frame["count"].astype(int)
    order = tuple(
        sorted(
            definition.strands, key=lambda k: (k != "priority", list(definition.strands).index(k))
        )
    )
    in_scope = int(frame["count"].sum())
    per_strand = frame.groupby("strand")["count"].sum().reindex(list(order), fill_value=0)
    by_strand = pd.DataFrame(
        {
            "strand": list(order),
            "count": per_strand.to_numpy(dtype=int),
            "share": per_strand.to_numpy() / in_scope if in_scope else float("nan"),
        }
    )
    rules = [(r.strand, r.id) for r in definition.rules]
    per_rule = frame.groupby("matched_rule")["count"].sum()
    by_rule = pd.DataFrame(rules, columns=["strand", "rule"])
    by_rule["count"] = per_rule.reindex(by_rule["rule"], fill_value=0).to_numpy(dtype=int)
    by_rule["share"] = _share_of_strand(by_rule, per_strand)
    by_rule = _in_order(by_rule, order)
    by_group = frame.groupby(["strand", "offence_group"], as_index=False, dropna=False)["count"]
    by_group = by_group.sum().sort_values(["strand", "count"], ascending=[True, False])
    by_group["offence_group"] = by_group["offence_group"].fillna("offence group not known")
    by_group["share"] = _share_of_strand(by_group, per_strand)
    by_group = _in_order(by_group, order)
    subs = []
    for strand in order:
        mine = frame[frame["strand"] == strand]
        for key, column in (("knife", "_knife"), ("exploitation", "_exploitation"),
                            ("night_time_economy", "_nte")):  # fmt: skip
            yes = int(mine.loc[mine[column].str.lower() == "true", "count"].sum())
            unknown = int(mine.loc[mine[column].isna(), "count"].sum())
            total = int(per_strand[strand])
            subs.append((strand, key, yes, yes / total if total else float("nan"), unknown))
    sub = pd.DataFrame(subs, columns=["strand", "sub_profile", "count", "share", "not_known"])
    caveats = [
        "A record is counted once, in the strand of the first rule that takes it.",
        "A flag left blank is not known, not 'no': shares are of every record of the strand, "
        "so they are lower bounds where flags are blank.",
        f"Night-time economy: {NIGHT_TIME_ECONOMY}.",
    ]
    return StrandProfile(
        definition_version(definition),
        synthetic,
        finish(caveats, synthetic),
        rows,
        in_scope,
        order,
        by_strand,
        by_rule,
        by_group,
        sub,
    )


def _share_of_strand(frame: pd.DataFrame, per_strand: pd.Series) -> list[float]:
    return [
        n / per_strand[s] if per_strand.get(s) else float("nan")
        for s, n in zip(frame["strand"], frame["count"], strict=True)
    ]


def _in_order(frame: pd.DataFrame, order: tuple[str, ...]) -> pd.DataFrame:
    rank = {s: i for i, s in enumerate(order)}
    return (
        frame.assign(_o=frame["strand"].map(rank))
        .sort_values("_o", kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
