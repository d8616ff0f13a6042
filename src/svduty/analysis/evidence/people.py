"""People, not only places: repeat victims, repeat suspects and the victim-offender overlap.

The force's crime records carry victim and suspect references as keyed tokens
(``svduty.privacy.pseudonymise``): one key for every column, so a person's token is the same
whether they were recorded as a victim or as a suspect, and the same in every load. Nobody is
identified here; people are counted by token. Every rule is stated in the caveats and in
docs/people.md:

- **Year**: the calendar year of the crime's recorded date. A year the extract does not cover
  in full (fewer than 12 months with records) is marked ``complete = False``: a repeat needs
  the whole year to be seen.
- **Repeat victim (suspect)**: a token recorded as the victim (suspect) of two or more crimes of
  any kind in one year. The figures are about the crimes in scope (the local definition, a
  strand or a measure): the people with at least one crime in scope that year, how many of them
  are repeat victims, and the share of the in-scope crimes that happened to repeat victims, with
  Wilson score limits.
- **Victim-offender overlap**: a token with at least one crime in scope in the year (in either
  role) that is recorded both as a victim and as a suspect in that year (any crime).
- **Age at first appearance**: for tokens with a crime in scope first seen (as victim or
  suspect of any crime) aged under 25, the age at that first crime and the role. People
  first seen in the extract's first 12 months are left out: they may have appeared before
  the extract starts.

Crimes without a token (no individual victim, no suspect identified, a reference not shared)
cannot be linked and are counted apart (``unlinked``), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import pandas as pd

from svduty.analysis.evidence.quality import Result, finish, scoped
from svduty.analysis.evidence.who import AGE_BANDS, NOT_KNOWN, SEX_NOT_RECORDED, Definitionish
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.stats import proportion
from svduty.warehouse import Warehouse, temporary
from svduty.warehouse.narrowed import Narrowed

NOT_PLACED = "not placed"
OUTSIDE = "outside the force area"
_PREFIX = "_svduty_people"
#: the ages of first appearance reported one by one; younger ages are grouped
FIRST_AGE_BANDS = ("under 10", *(str(a) for a in range(10, 25)))
_ROLES = (("victim", "victim_ref", "victim_age"), ("suspect", "suspect_ref", "suspect_age"))


@dataclass(frozen=True)
class People(Result):
    """Repeat victims and suspects, the overlap and ages at first appearance (module docstring).

    - ``repeats``: year, complete, area, role, people, repeat_people, crimes, crimes_of_repeat,
      share with lower_95/upper_95, unlinked (in-scope crimes with no token); area "all" is
      the partnership, the others its local authorities (a person can count in two);
    - ``repeats_by_group``: year, role, sex, age_band, crimes, crimes_of_repeat, share (crime
      based: the victim's sex and age at the crime; suspects have no recorded sex);
    - ``overlap``: year, complete, people (in scope, either role), both, share, lower_95,
      upper_95, victims_also_suspects, victims, suspects_also_victims, suspects;
    - ``first_ages``: first_year, role, age (FIRST_AGE_BANDS), people.
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    first_month: str | None
    last_month: str | None
    repeats: pd.DataFrame
    repeats_by_group: pd.DataFrame
    overlap: pd.DataFrame
    first_ages: pd.DataFrame


def _share(numerator: int, denominator: int) -> dict:
    if not denominator:
        return {"share": None, "lower_95": None, "upper_95": None}
    p = proportion(numerator, denominator)
    return {"share": p.value, "lower_95": p.lower_95, "upper_95": p.upper_95}


def _with_share(frame: pd.DataFrame, numerator: str, denominator: str) -> pd.DataFrame:
    shares = [
        _share(int(n), int(d)) for n, d in zip(frame[numerator], frame[denominator], strict=True)
    ]
    extra = pd.DataFrame(shares, index=frame.index, columns=["share", "lower_95", "upper_95"])
    return pd.concat([frame, extra], axis=1)


def _complete_years(all_rows: ibis.Table) -> tuple[dict[int, bool], str | None, str | None]:
    months = (
        all_rows.select(month=all_rows.recorded_date.truncate("M")).distinct().execute()["month"]
    )
    months = pd.to_datetime(months)
    if months.empty:
        return {}, None, None
    per_year = months.dt.year.value_counts()
    complete = {int(y): int(n) == 12 for y, n in per_year.items()}
    return complete, months.min().strftime("%Y-%m"), months.max().strftime("%Y-%m")


def _areas(wh: Warehouse, table: ibis.Table, pfa_code: str | None) -> ibis.Table:
    """The table with ``area``: its LSOA's local authority name, 'not placed' without an LSOA
    the reference data know, or 'outside the force area' (when ``pfa_code`` is given)."""
    ref = wh.table("ref_lsoa").select("lsoa_code", area_name="la_name", area_pfa="pfa_code")
    joined = table.left_join(ref, table.lsoa_code == ref.lsoa_code)
    area = joined.area_name.fill_null(NOT_PLACED)
    if pfa_code is not None:
        area = ibis.cases(
            (joined.area_name.notnull() & (joined.area_pfa != pfa_code), OUTSIDE), else_=area
        )
    return joined.mutate(area=area).drop("area_name", "area_pfa")


def _narrow(all_rows: ibis.Table, scope: ibis.Table, wh: Warehouse, pfa_code: str | None):
    """The few columns every figure reads, each table computed once (a temporary table: the
    definition's rules are a long CASE, and every figure would otherwise evaluate it again)."""
    people_columns = ["victim_ref", "suspect_ref", "recorded_date", "victim_age", "suspect_age"]
    placed = _areas(wh, scope, pfa_code)
    return (
        temporary.make(wh.ibis, _hashed(wh, all_rows.select(*people_columns)), _PREFIX),
        temporary.make(
            wh.ibis,
            _hashed(wh, placed.select(*people_columns, "victim_sex", "area", "_synthetic")),
            _PREFIX,
        ),
    )


def _hashed(wh: Warehouse, table: ibis.Table) -> ibis.Table:
    """On DuckDB, tokens as 64-bit hashes: grouping half a million 64-character strings is
    most of the work, and two of a force's few hundred thousand tokens share a 64-bit hash
    with a chance of about one in ten million. (Ibis compiles no hash for PostgreSQL.)"""
    if getattr(wh, "kind", None) != "duckdb":
        return table

    def hashed(ref: ibis.Value) -> ibis.Value:  # a blank stays blank (DuckDB hashes NULL)
        return ibis.cases((ref.notnull(), ref.hash().cast("int64")), else_=ibis.null("int64"))

    return table.mutate(victim_ref=hashed(table.victim_ref), suspect_ref=hashed(table.suspect_ref))


def _crimes(every: ibis.Table, scope: ibis.Table) -> pd.DataFrame:
    """The crimes in scope, each with how often its victim and its suspect were recorded as
    a victim and as a suspect (any crime) in its year: one query, the rest in pandas."""
    counts = {}
    for role, ref, _age in _ROLES:
        rows = every.filter(every[ref].notnull())
        counts[role] = rows.group_by(person=rows[ref], year=rows.recorded_date.year()).aggregate(
            n=rows.count()
        )
    t = scope.mutate(year=scope.recorded_date.year())
    for ref, role, name in (
        ("victim_ref", "victim", "v_as_v"),
        ("victim_ref", "suspect", "v_as_s"),
        ("suspect_ref", "suspect", "s_as_s"),
        ("suspect_ref", "victim", "s_as_v"),
    ):
        c = counts[role].rename({f"_{name}_person": "person", f"_{name}_year": "year", name: "n"})
        t = t.left_join(c, (t[ref] == c[f"_{name}_person"]) & (t.year == c[f"_{name}_year"]))
        t = t.drop(f"_{name}_person", f"_{name}_year")
    frame = t.execute()
    for name in ("v_as_v", "v_as_s", "s_as_s", "s_as_v"):
        frame[name] = frame[name].fillna(0).astype(int)
    return frame


def _repeats(crimes: pd.DataFrame, role: str) -> pd.DataFrame:
    ref, n = f"{role}_ref", ("v_as_v" if role == "victim" else "s_as_s")
    linked = crimes[crimes[ref].notna()].assign(repeat=lambda f: f[n] >= 2)
    unlinked = crimes[crimes[ref].isna()]
    frames = []
    for keys in (["year"], ["year", "area"]):
        grouped = linked.groupby(keys)
        frame = pd.DataFrame(
            {
                "crimes": grouped.size(),
                "crimes_of_repeat": grouped["repeat"].sum(),
                "people": grouped[ref].nunique(),
                "repeat_people": linked[linked["repeat"]].groupby(keys)[ref].nunique(),
                "unlinked": unlinked.groupby(keys).size(),
            }
        ).reset_index()
        if keys == ["year"]:
            frame.insert(1, "area", "all")
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    for col in ("crimes", "crimes_of_repeat", "people", "repeat_people", "unlinked"):
        out[col] = out[col].fillna(0).astype(int)
    out.insert(2, "role", role)
    return out


def _age_bands(ages: pd.Series) -> pd.Series:
    bands = pd.cut(ages, [-1, 9, 17, 24, 34, 49, 64, 200], labels=list(AGE_BANDS))
    return bands.astype(object).where(ages.notna(), NOT_KNOWN)


def _by_group(crimes: pd.DataFrame, role: str) -> pd.DataFrame:
    ref = f"{role}_ref"
    linked = crimes[crimes[ref].notna()]
    if role == "victim":
        sex, ages, n = linked["victim_sex"].fillna("Not known"), linked["victim_age"], "v_as_v"
    else:
        sex, ages, n = SEX_NOT_RECORDED, linked["suspect_age"], "s_as_s"
    keyed = pd.DataFrame(
        {
            "year": linked["year"],
            "sex": sex,
            "age_band": _age_bands(pd.to_numeric(ages)),
            "repeat": linked[n] >= 2,
        }
    )
    grouped = keyed.groupby(["year", "sex", "age_band"])
    frame = pd.DataFrame(
        {"crimes": grouped.size(), "crimes_of_repeat": grouped["repeat"].sum()}
    ).reset_index()
    frame.insert(1, "role", role)
    frame["crimes_of_repeat"] = frame["crimes_of_repeat"].astype(int)
    return frame


def _overlap(crimes: pd.DataFrame) -> pd.DataFrame:
    """People in scope in a year (either role) recorded both as victim and suspect that year."""
    victims = crimes.loc[crimes["victim_ref"].notna(), ["year", "victim_ref", "v_as_s"]]
    suspects = crimes.loc[crimes["suspect_ref"].notna(), ["year", "suspect_ref", "s_as_v"]]
    v = victims.set_axis(["year", "person", "other"], axis=1).assign(victim=True)
    s = suspects.set_axis(["year", "person", "other"], axis=1).assign(suspect=True)
    each = pd.concat([v, s], ignore_index=True)
    each["both"] = each["other"] > 0
    per = each.groupby(["year", "person"]).agg(
        both=("both", "any"), victim=("victim", "any"), suspect=("suspect", "any")
    )
    per = per.fillna(False).astype(bool).reset_index()
    grouped = per.groupby("year")
    frame = pd.DataFrame(
        {
            "people": grouped.size(),
            "both": grouped["both"].sum(),
            "victims": grouped["victim"].sum(),
            "victims_also_suspects": (per["victim"] & per["both"]).groupby(per["year"]).sum(),
            "suspects": grouped["suspect"].sum(),
            "suspects_also_victims": (per["suspect"] & per["both"]).groupby(per["year"]).sum(),
        }
    ).reset_index()
    for col in frame.columns:
        frame[col] = frame[col].fillna(0).astype(int)
    return frame


def _first_ages(all_rows: ibis.Table, scope: ibis.Table, first_month: str | None) -> pd.DataFrame:
    columns = ["first_year", "role", "age", "people"]
    if first_month is None:
        return pd.DataFrame(columns=columns)
    appearances = []
    for role, ref, age in _ROLES:
        rows = all_rows.filter(all_rows[ref].notnull())
        appearances.append(
            rows.select(
                person=rows[ref],
                day=rows.recorded_date,
                age=rows[age],
                role=ibis.literal(role),
            )
        )
    every = appearances[0].union(appearances[1], distinct=False)
    ranked = every.mutate(
        n=ibis.row_number().over(
            group_by=every.person, order_by=[every.day, every.role.desc(), every.age]
        )
    )
    first = ranked.filter(ranked.n == 0)
    # only people with a crime in scope (the definition, the area): first seen anywhere
    in_scope = [
        scope.filter(scope[ref].notnull()).select(person=scope[ref]) for _r, ref, _a in _ROLES
    ]
    first = first.semi_join(in_scope[0].union(in_scope[1], distinct=True), "person")
    start = pd.Timestamp(first_month + "-01") + pd.DateOffset(months=12)
    first = first.filter((first.day >= start.date()) & first.age.notnull() & (first.age < 25))
    label = ibis.cases((first.age < 10, "under 10"), else_=first.age.cast("string"))
    frame = (
        first.group_by(first_year=first.day.year(), role=first.role, age=label)
        .aggregate(people=first.count())
        .execute()
    )
    frame["age"] = pd.Categorical(frame["age"], FIRST_AGE_BANDS, ordered=True)
    frame = frame.sort_values(["first_year", "role", "age"]).reset_index(drop=True)
    frame["age"] = frame["age"].astype(str)
    frame["people"] = frame["people"].astype(int)
    return frame[columns]


def people(
    wh: Warehouse,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
    pfa_code: str | None = None,
    years: tuple[int, int] | None = None,
    lsoas: tuple[str, ...] | None = None,
) -> People:
    """Repeat victims and suspects, the overlap and first ages, for the crimes in scope.

    - ``pfa_code``: crimes placed outside that force area are counted as such;
    - ``years`` (first, last): only crimes recorded in those calendar years (people's other
      crimes included), so "first seen" means first seen in those years;
    - ``lsoas``: only the crimes in scope in those LSOAs (an area of the partnership); a
      person's crimes anywhere in the extract still count towards a repeat.
    """

    def in_years(t: ibis.Table) -> ibis.Table:
        if years is None:
            return t
        first, last = date(years[0], 1, 1), date(years[1], 12, 31)
        return t.filter(t.recorded_date.between(first, last))

    def narrow(t: ibis.Table) -> ibis.Table:
        t = in_years(t)
        return t if lsoas is None else t.filter(t.lsoa_code.isin(list(lsoas)))

    # the definition's rules are applied to the narrowed rows only (a long CASE: applied to
    # every row of the extract it was most of the work)
    s = scoped(
        Narrowed(wh, {"police_crime": narrow}),
        "police_crime",
        definition=definition,
        strand=strand,
        measure=measure,
    )
    every, scope = _narrow(in_years(wh.table("police_crime")), s.table, wh, pfa_code)
    try:
        return _people(s, every, scope)
    finally:
        temporary.drop(wh.ibis, every)
        temporary.drop(wh.ibis, scope)


def _people(s, every: ibis.Table, scope: ibis.Table) -> People:
    complete, first_month, last_month = _complete_years(every)
    crimes = _crimes(every, scope)
    rep = pd.concat([_repeats(crimes, role) for role, _r, _a in _ROLES], ignore_index=True)
    rep.insert(1, "complete", rep["year"].map(complete).fillna(False).astype(bool))
    rep = _with_share(rep, "crimes_of_repeat", "crimes")
    rep["_all"] = rep["area"] != "all"
    rep = rep.sort_values(["role", "year", "_all", "area"]).drop(columns="_all")
    groups = [_by_group(crimes, role) for role, _r, _a in _ROLES]
    by_group = _with_share(pd.concat(groups, ignore_index=True), "crimes_of_repeat", "crimes")
    by_group = by_group.sort_values(["role", "year", "sex", "age_band"]).reset_index(drop=True)
    overlap = _overlap(crimes)
    overlap.insert(1, "complete", overlap["year"].map(complete).fillna(False).astype(bool))
    overlap = _with_share(overlap, "both", "people").sort_values("year").reset_index(drop=True)
    synthetic = bool(crimes["_synthetic"].fillna(False).any())
    caveats = [
        *s.notes,
        "People are counted by keyed token, never by name: a person whose reference the force "
        "did not share, or who was recorded under two references, cannot be linked.",
        "A repeat victim (or suspect) is recorded on two or more crimes of any kind in the same "
        "calendar year; the share is of the crimes in scope that happened to them, with Wilson "
        "score 95% limits. A year the extract does not cover in full is marked incomplete.",
        "The overlap counts people with a crime in scope who were recorded both as a victim and "
        "as a suspect in that year; the same reference in both roles is one person because one "
        "key makes every token.",
        "Ages at first appearance leave out people first seen in the extract's first 12 months, "
        "who may have appeared before it starts.",
        f"'{NOT_KNOWN}' ages and '{NOT_PLACED}' areas are reported as such, never dropped.",
    ]
    return People(
        "police_crime",
        s.definition_version,
        synthetic,
        finish(caveats, synthetic),
        first_month,
        last_month,
        rep.reset_index(drop=True),
        by_group,
        overlap,
        _first_ages(every, scope, first_month),
    )
