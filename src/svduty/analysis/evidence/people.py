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
- **Age at first appearance**: for tokens first seen (as victim or suspect of any crime) aged
  under 25, the age at that first crime and the role. People first seen in the extract's first
  12 months are left out: they may have appeared before the extract starts.

Crimes without a token (no individual victim, no suspect identified, a reference not shared)
cannot be linked and are counted apart (``unlinked``), never guessed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import ibis
import pandas as pd

from svduty.analysis.evidence.quality import Result, finish, scoped
from svduty.analysis.evidence.who import NOT_KNOWN, SEX_NOT_RECORDED, Definitionish, age_band
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.stats import proportion
from svduty.warehouse import Warehouse

NOT_PLACED = "not placed"
OUTSIDE = "outside the force area"
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
        _temporary(wh, _hashed(wh, all_rows.select(*people_columns))),
        _temporary(
            wh, _hashed(wh, placed.select(*people_columns, "victim_sex", "area", "_synthetic"))
        ),
    )


def _hashed(wh: Warehouse, table: ibis.Table) -> ibis.Table:
    """On DuckDB, tokens as 64-bit hashes: grouping half a million 64-character strings is
    most of the work, and two of a force's few hundred thousand tokens share a 64-bit hash
    with a chance of about one in ten million. (Ibis compiles no hash for PostgreSQL.)"""
    if wh.kind != "duckdb":
        return table

    def hashed(ref: ibis.Value) -> ibis.Value:  # a blank stays blank (DuckDB hashes NULL)
        return ibis.cases((ref.notnull(), ref.hash().cast("int64")), else_=ibis.null("int64"))

    return table.mutate(victim_ref=hashed(table.victim_ref), suspect_ref=hashed(table.suspect_ref))


def _temporary(wh: Warehouse, expr: ibis.Table) -> ibis.Table:
    name = f"_svduty_people_{uuid.uuid4().hex}"
    return wh.ibis.create_table(name, expr, temp=True)


def _drop(wh: Warehouse, table: ibis.Table) -> None:
    name = table.get_name()
    # raw SQL: Ibis 12's drop_table writes a statement DuckDB cannot parse for a temporary
    # table (as products/assessment/scope.py found)
    where = f'temp.main."{name}"' if wh.kind == "duckdb" else f'"{name}"'
    wh.ibis.raw_sql(f"DROP TABLE IF EXISTS {where}")


def _role_rows(all_rows: ibis.Table, placed: ibis.Table, ref: str):
    """One role's in-scope crimes with their person's crimes (any kind) that year."""
    every = all_rows.filter(all_rows[ref].notnull())
    per_person = every.group_by(person=every[ref], year=every.recorded_date.year()).aggregate(
        year_crimes=every.count()
    )
    linked = placed.filter(placed[ref].notnull())
    linked = linked.mutate(person=linked[ref], year=linked.recorded_date.year())
    joined = linked.join(per_person, ["person", "year"])
    return joined.mutate(repeat=joined.year_crimes >= 2), placed


def _repeats(joined: ibis.Table, placed: ibis.Table, ref: str, role: str) -> pd.DataFrame:
    frames = []
    for area in (None, "area"):
        keys = ["year"] + ([area] if area else [])
        people = joined.group_by([*keys, "person"]).aggregate(repeat=joined.repeat.max())
        by_people = people.group_by(keys).aggregate(
            people=people.count(), repeat_people=people.repeat.sum()
        )
        by_crimes = joined.group_by(keys).aggregate(
            crimes=joined.count(), crimes_of_repeat=joined.repeat.sum()
        )
        unlinked_rows = placed.filter(placed[ref].isnull())
        unlinked_rows = unlinked_rows.mutate(year=unlinked_rows.recorded_date.year())
        unlinked = unlinked_rows.group_by(keys).aggregate(unlinked=unlinked_rows.count())
        frame = (
            by_crimes.execute()
            .merge(by_people.execute(), on=keys, how="left")
            .merge(unlinked.execute(), on=keys, how="outer")
        )
        if not area:
            frame.insert(1, "area", "all")
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    for col in ("crimes", "crimes_of_repeat", "people", "repeat_people", "unlinked"):
        out[col] = out[col].fillna(0).astype(int)
    out.insert(2, "role", role)
    return out


def _by_group(joined: ibis.Table, role: str) -> pd.DataFrame:
    if role == "victim":
        sex = joined.victim_sex.fill_null("Not known")
        age = joined.victim_age
    else:
        sex, age = ibis.literal(SEX_NOT_RECORDED), joined.suspect_age
    keyed = joined.mutate(sex=sex, age_band=age_band(age))
    frame = (
        keyed.group_by(["year", "sex", "age_band"])
        .aggregate(crimes=keyed.count(), crimes_of_repeat=keyed.repeat.sum())
        .execute()
    )
    frame.insert(1, "role", role)
    frame["crimes_of_repeat"] = frame["crimes_of_repeat"].astype(int)
    return frame


def _overlap(all_rows: ibis.Table, scope: ibis.Table) -> pd.DataFrame:
    """People in scope in a year (either role) recorded both as victim and suspect that year."""
    roles = []
    for role, ref, _age in _ROLES:
        rows = all_rows.filter(all_rows[ref].notnull())
        roles.append(
            rows.select(person=rows[ref], year=rows.recorded_date.year(), role=ibis.literal(role))
        )
    every = roles[0].union(roles[1], distinct=True)
    both = every.group_by(["person", "year"]).aggregate(
        as_victim=(every.role == "victim").any(), as_suspect=(every.role == "suspect").any()
    )
    in_scope = []
    for role, ref, _age in _ROLES:
        rows = scope.filter(scope[ref].notnull())
        in_scope.append(
            rows.select(person=rows[ref], year=rows.recorded_date.year(), role=ibis.literal(role))
        )
    scoped_people = in_scope[0].union(in_scope[1], distinct=True)
    j = scoped_people.join(both, ["person", "year"])
    j = j.mutate(is_both=j.as_victim & j.as_suspect)
    per_person = j.group_by(["person", "year"]).aggregate(
        is_both=j.is_both.max(),
        victim=(j.role == "victim").any(),
        suspect=(j.role == "suspect").any(),
    )
    frame = (
        per_person.group_by("year")
        .aggregate(
            people=per_person.count(),
            both=per_person.is_both.sum(),
            victims=per_person.victim.sum(),
            victims_also_suspects=(per_person.victim & per_person.is_both).sum(),
            suspects=per_person.suspect.sum(),
            suspects_also_victims=(per_person.suspect & per_person.is_both).sum(),
        )
        .execute()
    )
    for col in frame.columns:
        frame[col] = frame[col].fillna(0).astype(int)
    return frame


def _first_ages(all_rows: ibis.Table, first_month: str | None) -> pd.DataFrame:
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
) -> People:
    """Repeat victims and suspects, the overlap and first ages, for the crimes in scope;
    with ``pfa_code``, crimes placed outside that force area are counted as such."""
    s = scoped(wh, "police_crime", definition=definition, strand=strand, measure=measure)
    every, scope = _narrow(s.all_rows, s.table, wh, pfa_code)
    try:
        return _people(s, every, scope)
    finally:
        _drop(wh, every)
        _drop(wh, scope)


def _people(s, every: ibis.Table, scope: ibis.Table) -> People:
    complete, first_month, last_month = _complete_years(every)
    repeats, groups = [], []
    for role, ref, _age in _ROLES:
        joined, placed = _role_rows(every, scope, ref)
        repeats.append(_repeats(joined, placed, ref, role))
        groups.append(_by_group(joined, role))
    rep = pd.concat(repeats, ignore_index=True)
    rep.insert(1, "complete", rep["year"].map(complete).fillna(False).astype(bool))
    rep = _with_share(rep, "crimes_of_repeat", "crimes")
    rep["_all"] = rep["area"] != "all"
    rep = rep.sort_values(["role", "year", "_all", "area"]).drop(columns="_all")
    by_group = _with_share(pd.concat(groups, ignore_index=True), "crimes_of_repeat", "crimes")
    by_group = by_group.sort_values(["role", "year", "sex", "age_band"]).reset_index(drop=True)
    overlap = _overlap(every, scope)
    overlap.insert(1, "complete", overlap["year"].map(complete).fillna(False).astype(bool))
    overlap = _with_share(overlap, "both", "people").sort_values("year").reset_index(drop=True)
    synthetic = bool(scope._synthetic.any().execute())
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
        _first_ages(every, first_month),
    )
