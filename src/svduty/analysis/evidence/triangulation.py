"""Triangulation: ED assault attendances against police recorded violence, by area and period.

ED data under Information Sharing to Tackle Violence are anonymised: no attendance can be linked
to a crime record. What can be compared is **volume**: how many assaults each source counts in
the same place and period. ``ed_vs_police`` gives, per local authority (from the LSOA where the
row has one) and for the force area (every row), per month and calendar year:

- ``ratio``: ED attendances per police record (ED / police);
- ``ed_excess_share``: the share of ED attendances in excess of the police volume,
  ``1 - police / ED`` when ED > police, else 0 (None when ED is 0).

``ed_excess_share`` is a lower bound on the share of ED assault attendances with no police
record only under strong assumptions: both sources count the same kind of incident in the same
place and period, and each police record accounts for at most one attendance. The true share of
attendances unknown to police is ``(ED - matched) / ED`` with ``matched <= police``, hence at
least ``1 - police / ED``; but police records include violence that never reaches an ED, crimes
with several injured victims give several attendances, ED assaults are placed by where the
patient says it happened (or not placed at all), and police records by where the crime was.
Read it as "ED sees at least this much more than police, in volume", never as a linkage result.

``hotspot_agreement`` finds the LSOAs that are hotspots in one source but not the other, either
with Getis-Ord Gi* (``svduty.analysis.hotspots.lsoa_hotspots`` on the boundaries in
``ref_boundary``) or as the top decile of LSOAs by count.

Both compare only the months that both sources cover, so a month missing from one source is
never read as a fall in it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from svduty.analysis.evidence.quality import (
    LABELS,
    Result,
    covered_months,
    finish,
    month_label,
    share,
    synthetic_column,
)
from svduty.analysis.hotspots import DEFAULT_SEED, HOT, feature_collection, lsoa_hotspots
from svduty.warehouse import Warehouse

POLICE_SOURCES = ("police_crime", "police_uk_street")
# What police recorded violence means by default: the police counterpart of an assault injury.
DEFAULT_POLICE_FILTER: dict[str, dict[str, list[str]]] = {
    "police_crime": {"offence_group": ["violence with injury"]},
    "police_uk_street": {"crime_type": ["Violence and sexual offences"]},
}
LA, NO_LSOA, OUTSIDE = "la", "no_lsoa", "outside"
FORCE_AREA = "police_force_area"
LOCAL_AUTHORITY = "local_authority"

VOLUME_CAVEATS = (
    "A volume comparison, not record linkage: ED data are anonymised, so no attendance can be "
    "matched to a crime record.",
    "ed_excess_share = 1 - police / ED where ED is higher, else 0. It would be the smallest "
    "possible share of ED attendances with no police record if both sources counted the same "
    "incidents and each police record stood for at most one attendance. Neither holds exactly: "
    "police records include violence that never reaches an ED, and one crime can injure "
    "several people. Read it as the gap in volume, not as a measure of under-reporting.",
    "ED assaults are placed where the patient says they happened, when the department geocodes "
    "it; police records where the crime was. Many ED rows have no LSOA and are counted in the "
    "force area only, so local authority ED figures are lower than the true volume.",
)


def _filtered(table: ir.Table, filters: dict | None) -> ir.Table:
    for column, wanted in (filters or {}).items():
        values = wanted if isinstance(wanted, list | tuple) else [wanted]
        table = table.filter(table[column].isin(list(values)))
    return table


def _source(
    wh: Warehouse, source: str, filters: dict | None, police_uk_force: str | None
) -> tuple[ir.Table, ir.Table]:
    """(rows counted, all rows of the source) for one side of the comparison."""
    table = wh.table(source)
    if source == "police_uk_street" and police_uk_force is not None:
        table = table.filter(table.force == police_uk_force)
    return _filtered(table, filters), table


def _placed_counts(
    wh: Warehouse, table: ir.Table, pfa_code: str | None, months: list[str]
) -> pd.DataFrame:
    """Counts by month, local authority and placement (la, no_lsoa, outside), in `months`."""
    table = table.mutate(_synthetic=synthetic_column(wh, table))
    ref = wh.table("ref_lsoa").select(
        _ref_lsoa="lsoa_code", _la_code="la_code", _la_name="la_name", _pfa="pfa_code"
    )
    j = table.left_join(ref, table.lsoa_code == ref._ref_lsoa)
    outside = j._ref_lsoa.isnull()
    if pfa_code is not None:
        outside = outside | (j._pfa != pfa_code)
    place = ibis.cases((j.lsoa_code.isnull(), NO_LSOA), (outside, OUTSIDE), else_=LA)
    keyed = j.mutate(
        _month=j.month.cast("date").truncate("M"),
        _place=place,
        _la=ibis.ifelse(place == LA, j._la_code, ibis.null("string")),
        _la_n=ibis.ifelse(place == LA, j._la_name, ibis.null("string")),
    )
    frame = (
        keyed.group_by(["_month", "_place", "_la", "_la_n"])
        .aggregate(count=keyed.count(), synth=keyed._synthetic.any())
        .execute()
    )
    frame["month"] = [month_label(m) for m in frame["_month"]]
    frame = frame[frame["month"].isin(months)].rename(
        columns={"_place": "place", "_la": "la_code", "_la_n": "la_name"}
    )
    frame["count"] = frame["count"].astype(int)
    return frame[["month", "place", "la_code", "la_name", "count", "synth"]]


# ---- volumes by area and period ----------------------------------------------------------------


@dataclass(frozen=True)
class Triangulation(Result):
    """ED attendances against police recorded violence, by area and period.

    ``frame``: period_type (month, year), period, area_type (local_authority,
    police_force_area), area_code, area_name, months_compared, ed, police, ratio (ED per
    police record; None when police is 0), ed_excess_share (see the module docstring).
    ``placement``: per source, rows in the compared months, with_lsoa (placed in a local
    authority of the force area), no_lsoa, outside (an LSOA outside the force area or unknown).
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    police_source: str
    police_filter: dict
    ed_filter: dict
    months_compared: tuple[str, ...]
    ed_only_months: tuple[str, ...]
    police_only_months: tuple[str, ...]
    frame: pd.DataFrame
    placement: pd.DataFrame


def ratio(ed: int, police: int) -> float | None:
    """ED attendances per police record; None when police is 0."""
    return ed / police if police else None


def ed_excess_share(ed: int, police: int) -> float | None:
    """1 - police / ED when ED > police, 0 when not, None when ED is 0 (see module docstring)."""
    if not ed:
        return None
    return 1 - police / ed if ed > police else 0.0


def _common_months(
    ed_all: ir.Table, police_all: ir.Table
) -> tuple[list[str], list[str], list[str]]:
    ed_months, police_months = set(covered_months(ed_all)), set(covered_months(police_all))
    return (
        sorted(ed_months & police_months),
        sorted(ed_months - police_months),
        sorted(police_months - ed_months),
    )


def ed_vs_police(
    wh: Warehouse,
    *,
    pfa_code: str | None = None,
    police_source: str = "police_crime",
    police_filter: dict | None = None,
    ed_filter: dict | None = None,
    police_uk_force: str | None = None,
) -> Triangulation:
    """ED assault attendances against police recorded violence by area and by month and year.

    - ``pfa_code`` (e.g. E23000036 Avon and Somerset): the force area; rows with an LSOA in
      another force area are left out of every figure and counted as ``outside``. Without it
      every row counts in the force area row and every known LSOA is placed.
    - ``police_source``: police_crime (the force extract; default filter: violence with injury)
      or police_uk_street (default: Violence and sexual offences).
    - ``police_filter``/``ed_filter``: column -> value(s), replacing the defaults (e.g. knife
      crimes against knife attendances: ``{"knife_flag": [True]}`` and
      ``{"assault_method": ["knife_sharp"]}``).

    Only the months both sources cover are compared; a year row adds up those months and says
    how many (``months_compared``).
    """
    if police_source not in POLICE_SOURCES:
        raise ValueError(f"police_source must be one of {', '.join(POLICE_SOURCES)}")
    police_filter = (
        DEFAULT_POLICE_FILTER[police_source] if police_filter is None else dict(police_filter)
    )
    ed_filter = dict(ed_filter or {})
    ed, ed_all = _source(wh, "ed_assault", ed_filter, None)
    police, police_all = _source(wh, police_source, police_filter, police_uk_force)
    common, ed_only, police_only = _common_months(ed_all, police_all)
    counts = {
        "ed": _placed_counts(wh, ed, pfa_code, common),
        "police": _placed_counts(wh, police, pfa_code, common),
    }
    synthetic = any(bool(f["synth"].fillna(False).any()) for f in counts.values() if len(f))
    force_name = _force_name(wh, pfa_code)

    # one row per (period, area) of each side; the force area takes every row not outside it
    cells: dict[tuple, dict[str, int]] = {}
    names: dict[str, str] = {}
    for side, frame in counts.items():
        for r in frame.itertuples(index=False):
            if r.place == OUTSIDE:
                continue
            areas = [(FORCE_AREA, pfa_code)]
            if r.place == LA:
                areas.append((LOCAL_AUTHORITY, r.la_code))
                names[r.la_code] = r.la_name
            for area_type, code in areas:
                for period_type, period in (("month", r.month), ("year", r.month[:4])):
                    cell = cells.setdefault(
                        (period_type, period, area_type, code), {"ed": 0, "police": 0}
                    )
                    cell[side] += r.count
    las = sorted({k[3] for k in cells if k[2] == LOCAL_AUTHORITY})
    # every local authority seen appears in every compared period, with zeros where needed
    for month in common:
        for period_type, period in (("month", month), ("year", month[:4])):
            for key in [(period_type, period, FORCE_AREA, pfa_code)] + [
                (period_type, period, LOCAL_AUTHORITY, la) for la in las
            ]:
                cells.setdefault(key, {"ed": 0, "police": 0})
    months_in_year = pd.Series(common, dtype=str).str[:4].value_counts().to_dict()
    rows = []
    for (period_type, period, area_type, code), c in cells.items():
        rows.append(
            {
                "period_type": period_type,
                "period": period,
                "area_type": area_type,
                "area_code": code,
                "area_name": force_name if area_type == FORCE_AREA else names.get(code),
                "months_compared": 1 if period_type == "month" else months_in_year[period],
                "ed": c["ed"],
                "police": c["police"],
                "ratio": ratio(c["ed"], c["police"]),
                "ed_excess_share": ed_excess_share(c["ed"], c["police"]),
            }
        )
    columns = ["period_type", "period", "area_type", "area_code", "area_name", "months_compared",
               "ed", "police", "ratio", "ed_excess_share"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    if len(frame):
        frame["_p"] = frame["period_type"].map({"year": 0, "month": 1})
        frame["_a"] = frame["area_type"].map({FORCE_AREA: 0, LOCAL_AUTHORITY: 1})
        frame = (
            frame.sort_values(["_p", "period", "_a", "area_name"], na_position="first")
            .drop(columns=["_p", "_a"])
            .reset_index(drop=True)
        )
    placement = _placement(counts)
    caveats = list(VOLUME_CAVEATS)
    described = ", ".join(f"{k} in {v}" for k, v in police_filter.items()) or "every row"
    caveats.append(
        f"Police figures: {LABELS[police_source]}, {described}, counted by the month "
        + ("recorded." if police_source == "police_crime" else "police.uk publishes them under.")
        + " ED figures: every assault attendance"
        + (f" with {', '.join(f'{k} in {v}' for k, v in ed_filter.items())}" if ed_filter else "")
        + ", counted by the month of the assault."
    )
    ed_rows, ed_no_lsoa = (int(placement.iloc[0][k]) for k in ("rows", "no_lsoa"))
    if ed_rows:
        caveats.append(
            f"{ed_no_lsoa:,} of {ed_rows:,} ED attendances ({100 * ed_no_lsoa / ed_rows:.0f}%) "
            "have no LSOA: they are in the force area figures only."
        )
    if ed_only or police_only:
        caveats.append(
            "Months only one source covers are not compared: "
            + "; ".join(
                x
                for x in (
                    f"ED only {', '.join(ed_only)}" if ed_only else "",
                    f"police only {', '.join(police_only)}" if police_only else "",
                )
                if x
            )
            + "."
        )
    incomplete = [y for y, n in months_in_year.items() if n < 12]
    if incomplete:
        caveats.append(
            "Years with fewer than 12 compared months add up only those months: "
            + ", ".join(f"{y} ({months_in_year[y]})" for y in sorted(incomplete))
            + "."
        )
    return Triangulation(
        "ed_assault",
        None,
        synthetic,
        finish(caveats, synthetic),
        police_source,
        police_filter,
        ed_filter,
        tuple(common),
        tuple(ed_only),
        tuple(police_only),
        frame,
        placement,
    )


def _placement(counts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    out = []
    for side, frame in counts.items():
        by = frame.groupby("place")["count"].sum()
        rows = int(by.sum())
        out.append(
            {
                "source": "ed_assault" if side == "ed" else "police",
                "rows": rows,
                "with_lsoa": int(by.get(LA, 0)),
                "no_lsoa": int(by.get(NO_LSOA, 0)),
                "outside": int(by.get(OUTSIDE, 0)),
                "lsoa_share": share(int(by.get(LA, 0)), rows),
            }
        )
    return pd.DataFrame(
        out, columns=["source", "rows", "with_lsoa", "no_lsoa", "outside", "lsoa_share"]
    )


def _force_name(wh: Warehouse, pfa_code: str | None) -> str:
    if pfa_code is None:
        return "Force area (all rows)"
    forces = wh.table("ref_police_force")
    found = forces.filter(forces.pfa_code == pfa_code).pfa_name.execute()
    if not len(found):
        raise ValueError(f"{pfa_code} is not a police force area code in ref_police_force")
    return str(found.iloc[0])


# ---- hotspots in one source but not the other -----------------------------------------------


@dataclass(frozen=True)
class HotspotAgreement(Result):
    """LSOAs that are hotspots in ED data, in police data, or both.

    ``frame``: one row per LSOA hot in at least one source: lsoa_code, la_code, la_name,
    ed_count, police_count, ed_hot, police_hot, hot_in ('both', 'ED only', 'police only').
    ``summary``: areas, vintage (lsoa11 or lsoa21), ed_hot, police_hot, both, ed_only,
    police_only, ed_rows, ed_rows_placed, police_rows, police_rows_placed.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    method: str
    months_compared: tuple[str, ...]
    summary: dict
    frame: pd.DataFrame


def top_decile(counts: pd.Series) -> pd.Series:
    """True for the areas in the top tenth by count (ties never stretch it, zeros never in it).

    With n areas and k = ceil(n / 10), an area is in when its count is above zero and at most k
    areas (itself included) have a count as high or higher: a tie that would run past k is
    left out whole, so the decile is never more than a tenth of the areas.
    """
    k = math.ceil(len(counts) / 10)
    as_high = counts.rank(method="max", ascending=False)
    return (counts > 0) & (as_high <= k)


def hotspot_agreement(
    wh: Warehouse,
    *,
    pfa_code: str,
    method: Literal["gi_star", "top_decile"] = "gi_star",
    police_source: str = "police_crime",
    police_filter: dict | None = None,
    ed_filter: dict | None = None,
    police_uk_force: str | None = None,
    permutations: int = 9999,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
) -> HotspotAgreement:
    """The LSOAs of the force area that are hotspots in one source and not the other.

    Counts are by LSOA over the months both sources cover. The study area is the force area's
    LSOAs of the vintage (2011 or 2021) that more of the rows' codes belong to; rows in the
    other vintage's codes, outside the force area or without an LSOA are left out and counted
    in the summary.

    - ``gi_star``: Getis-Ord Gi* with queen contiguity on the ``ref_boundary`` polygons and FDR
      correction (``lsoa_hotspots``); hot means classification 'hot'. Needs the boundaries of
      the force area (bundled for Avon and Somerset).
    - ``top_decile``: hot means in the top tenth of the study area's LSOAs by count
      (``top_decile``); works for any force, but says nothing about clustering or chance.
    """
    if method not in ("gi_star", "top_decile"):
        raise ValueError("method must be 'gi_star' or 'top_decile'")
    if police_source not in POLICE_SOURCES:
        raise ValueError(f"police_source must be one of {', '.join(POLICE_SOURCES)}")
    police_filter = (
        DEFAULT_POLICE_FILTER[police_source] if police_filter is None else dict(police_filter)
    )
    ed, ed_all = _source(wh, "ed_assault", ed_filter, None)
    police, police_all = _source(wh, police_source, police_filter, police_uk_force)
    common, _, _ = _common_months(ed_all, police_all)
    by_lsoa, synthetic = {}, False
    for side, table in (("ed", ed), ("police", police)):
        t = table.mutate(_synthetic=synthetic_column(wh, table))
        firsts = [date.fromisoformat(f"{m}-01") for m in common]
        t = t.filter(t.month.cast("date").truncate("M").isin(firsts))
        frame = (
            t.group_by(lsoa_code=t.lsoa_code)
            .aggregate(count=t.count(), synth=t._synthetic.any())
            .execute()
        )
        synthetic |= bool(frame["synth"].fillna(False).any()) if len(frame) else False
        frame["count"] = frame["count"].astype(int)
        by_lsoa[side] = frame
    ref = wh.table("ref_lsoa")
    area = (
        ref.filter(ref.pfa_code == pfa_code)
        .select("lsoa_code", "la_code", "la_name", "in_2011", "in_2021")
        .execute()
    )
    if area.empty:
        raise ValueError(f"no LSOAs of force area {pfa_code} in ref_lsoa (load the reference data)")
    codes = pd.concat([by_lsoa["ed"], by_lsoa["police"]])
    weights = codes.groupby("lsoa_code")["count"].sum()
    in11 = set(area.loc[area.in_2011, "lsoa_code"])
    in21 = set(area.loc[area.in_2021, "lsoa_code"])
    hits11 = int(weights[weights.index.isin(in11)].sum())
    hits21 = int(weights[weights.index.isin(in21)].sum())
    vintage = "lsoa11" if hits11 > hits21 else "lsoa21"
    universe = area[area.in_2011 if vintage == "lsoa11" else area.in_2021].set_index("lsoa_code")
    counts = pd.DataFrame(index=universe.index)
    for side in ("ed", "police"):
        s = by_lsoa[side].dropna(subset=["lsoa_code"]).set_index("lsoa_code")["count"]
        counts[side] = s.reindex(universe.index, fill_value=0).astype(int)
    if method == "top_decile":
        hot = {side: top_decile(counts[side]) for side in ("ed", "police")}
        k = math.ceil(len(counts) / 10)
        described = (
            f"Top decile: an LSOA is hot in a source when it is among the {k} of the "
            f"{len(counts)} LSOAs with the most rows (ties that would run past that are left "
            "out); not a test of clustering or of chance."
        )
    else:
        b = wh.table("ref_boundary")
        boundaries = (
            b.filter((b.level == vintage) & b.code.isin(list(universe.index)))
            .select("code", "geometry_geojson")
            .execute()
        )
        if boundaries.empty:
            raise ValueError(
                f"ref_boundary has no {vintage} boundaries for force area {pfa_code} (only Avon "
                "and Somerset's are bundled); use method='top_decile'"
            )
        geojson = feature_collection(boundaries)
        hot = {}
        for side in ("ed", "police"):
            result = lsoa_hotspots(
                counts[side].rename_axis("lsoa_code").reset_index(name="count"),
                geojson,
                permutations=permutations,
                seed=seed,
                alpha=alpha,
            ).set_index("lsoa_code")
            hot[side] = (result["classification"] == HOT).reindex(counts.index, fill_value=False)
        described = (
            f"Getis-Ord Gi* on {vintage} boundaries (queen contiguity), {permutations} "
            f"permutations, Benjamini-Hochberg FDR at {alpha}; hot means a cluster of high "
            "counts, not one busy LSOA."
        )
    table = counts.copy()
    table["ed_hot"] = hot["ed"].astype(bool)
    table["police_hot"] = hot["police"].astype(bool)
    table = table[table.ed_hot | table.police_hot].copy()
    table["hot_in"] = [
        "both" if e and p else ("ED only" if e else "police only")
        for e, p in zip(table.ed_hot, table.police_hot, strict=True)
    ]
    table = table.join(universe[["la_code", "la_name"]])
    table = (
        table.rename(columns={"ed": "ed_count", "police": "police_count"})
        .rename_axis("lsoa_code")
        .reset_index()
    )
    order = {"both": 0, "ED only": 1, "police only": 2}
    table = (
        table.assign(_o=table.hot_in.map(order), _n=table.ed_count + table.police_count)
        .sort_values(["_o", "_n", "lsoa_code"], ascending=[True, False, True])
        .drop(columns=["_o", "_n"])
        .reset_index(drop=True)[
            ["lsoa_code", "la_code", "la_name", "ed_count", "police_count", "ed_hot",
             "police_hot", "hot_in"]
        ]
    )  # fmt: skip
    summary = {
        "areas": len(counts),
        "vintage": vintage,
        "ed_hot": int(hot["ed"].sum()),
        "police_hot": int(hot["police"].sum()),
        "both": int((table.hot_in == "both").sum()),
        "ed_only": int((table.hot_in == "ED only").sum()),
        "police_only": int((table.hot_in == "police only").sum()),
    }
    for side in ("ed", "police"):
        summary[f"{side}_rows"] = int(by_lsoa[side]["count"].sum())
        summary[f"{side}_rows_placed"] = int(counts[side].sum())
    caveats = [
        described,
        f"Both sources are counted over the {len(common)} month(s) both cover.",
        f"{summary['ed_rows'] - summary['ed_rows_placed']:,} of {summary['ed_rows']:,} ED "
        f"attendances and {summary['police_rows'] - summary['police_rows_placed']:,} of "
        f"{summary['police_rows']:,} police records have no LSOA of the study area (none given, "
        f"outside the force area, or a code of the other vintage) and are left out.",
        "An LSOA hot in ED data only can be violence people do not report to police, or the "
        "place the ED geocoded (often the venue named) differing from where police record it; "
        "hot in police data only can be violence that seldom needs hospital care.",
    ]
    return HotspotAgreement(
        "ed_assault",
        None,
        synthetic,
        finish(caveats, synthetic),
        method,
        tuple(common),
        summary,
        table,
    )
