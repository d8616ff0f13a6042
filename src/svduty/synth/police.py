"""Synthetic police recorded crime extracts (feed `police-crime`) built on the real police.uk rows.

Every real police.uk crime (not anti-social behaviour) of the run's force area (the bundled Avon
and Somerset street files; for another force, its own police.uk rows: from the warehouse or its
files, svduty.synth.force) becomes one synthetic record with the same month, LSOA (blank stays
blank; LSOAs over the border are kept), snap-point coordinates and crime type, so that, summed
by LSOA, month and police.uk crime type, the synthetic extract equals police.uk exactly.
Everything police.uk does not publish is drawn (police_rates holds the assumptions): the Home
Office offence code, consistent with the crime type; dates and times; place; victim and suspect;
the flags; and the references. The knife flag is allocated so that, per year ending March, the
share of the selected offences flagged equals the ONS figure for the force area (Table P6), and
firearm flags match the ONS count of firearm offences (Table P8) pro rata to the months present.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from svduty import reference
from svduty.sources import offence_codes, police_crime, police_uk
from svduty.synth import areas, calibration, force
from svduty.synth import police_rates as R
from svduty.synth.output import PREFIX, Written, flags, integers, stream, write_table, ymd, ymd_hm

FEED = police_crime.FEED
FORCE_SLUG = force.AVON_AND_SOMERSET_SLUG  # the bundled street files' force
ASB = "Anti-social behaviour"

CODES: tuple[str, ...] = offence_codes.ALL_CODES
CODE_IX = {c: i for i, c in enumerate(CODES)}
KIND_IX = {k: i for i, k in enumerate(R.KINDS)}
KIND_OF_CODE = np.array([KIND_IX[R.KIND_OF.get(c, "other")] for c in CODES])


def codes_in(names) -> np.ndarray:
    """A boolean per offence code (index into CODES): is it one of `names`?"""
    out = np.zeros(len(CODES), dtype=bool)
    out[[CODE_IX[c] for c in names]] = True
    return out


def per_code(mapping: dict[str, float], by_kind: dict[str, float] | float = 0.0) -> np.ndarray:
    """A value per offence code: the code's own, else its kind's, else the default."""
    out = []
    for c in CODES:
        if c in mapping:
            out.append(mapping[c])
        elif isinstance(by_kind, dict):
            out.append(by_kind.get(R.KIND_OF.get(c, "other"), 0.0))
        else:
            out.append(by_kind)
    return np.array(out, dtype=float)


def knife_selected_codes() -> tuple[str, ...]:
    """Every offence code (as recorded, legacy included) in the knife selected offences."""
    return tuple(c for codes in R.KNIFE_SELECTED.values() for c in codes)


# ---- reading the real police.uk rows --------------------------------------------------------


def police_forces() -> dict[str, str]:
    forces = reference.build("ref_police_force")
    return dict(
        zip(
            forces.column("police_uk_slug").to_pylist(),
            forces.column("police_uk_name").to_pylist(),
            strict=True,
        )
    )


# The synthetic extracts are made from the bundled months up to this one (2018-01 to 2021-09
# without 2019-07, and 2023-01), not from the 2025 months bundled later: the synthetic data stay
# what they were (same seed, same files), and the ONS tables the knife and firearm flags are
# calibrated to end with the year ending December 2024, before the 2025 months.
LAST_SYNTH_MONTH = "2023-01"


def street_files(months: Sequence[str] | None = None, folder: Path | None = None) -> list[Path]:
    """The street files the synthetic extracts are made from: the bundled Avon and Somerset
    ones (by default every bundled month up to LAST_SYNTH_MONTH), or the run's force's files
    in `folder` (every month there); of `months` only, when given."""
    slug = force.active().slug
    if folder is None:
        folder = reference.data_path("police_uk", "street", FORCE_SLUG)
        paths = sorted(folder.glob(f"*-{FORCE_SLUG}-street.csv*"))
        if months is None:
            return [p for p in paths if p.name[:7] <= LAST_SYNTH_MONTH]
    else:
        paths = sorted(Path(folder).rglob(f"*-{slug}-street.csv*"))
        if months is None:
            return paths
    wanted = set(months)
    return [p for p in paths if p.name[:7] in wanted]


def real_rows(
    months: Sequence[str] | None = None, folder: Path | None = None
) -> tuple[pa.Table, int]:
    """The real police.uk crimes (not anti-social behaviour) of the street files, read and
    validated by svduty.sources.police_uk: month (date), lsoa_code, longitude, latitude,
    crime_type, in file order (month, then line); and the number of rows validation
    quarantined (none in the bundled files), which are left out."""
    forces = police_forces()
    paths = street_files(months, folder)
    if not paths:
        where = folder or "the bundled data"
        raise ValueError(
            f"no police.uk street files of {force.active().slug} in {where}"
            + (f" for the months {list(months)}" if months else "")
        )
    with ThreadPoolExecutor(max_workers=2) as pool:
        files = list(pool.map(lambda p: police_uk.read_street_file(p, forces), paths))
    checked = police_uk.validate(files, forces)
    quarantined = sum(v.quarantined.num_rows for v in checked)
    table = pa.concat_tables(
        v.loaded.select(["month", "line", "lsoa_code", "longitude", "latitude", "crime_type"])
        for v in checked
    ).combine_chunks()
    # validation is a parallel query: put the rows back in file order, or runs would differ
    table = table.sort_by([("month", "ascending"), ("line", "ascending")]).drop_columns("line")
    return table.filter(pc.not_equal(table.column("crime_type"), ASB)), quarantined


# ---- helpers ----------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, groups: np.ndarray, table: np.ndarray) -> np.ndarray:
    """For each record, a category drawn from the row of `table` its group names."""
    out = np.zeros(groups.size, dtype=np.int64)
    for g in np.flatnonzero(np.bincount(groups, minlength=len(table))):
        idx = np.flatnonzero(groups == g)
        p = table[g] / table[g].sum()
        out[idx] = rng.choice(p.size, size=idx.size, p=p)
    return out


def _ages(rng, profile: np.ndarray, lo: np.ndarray, hi: np.ndarray, at_least: np.ndarray):
    table = np.array([R.AGE_PROFILES[p] for p in R.AGE_PROFILE_NAMES])
    band = _pick(rng, profile, table)
    low = np.array([b[0] for b in R.AGE_BANDS])[band]
    high = np.array([b[1] for b in R.AGE_BANDS])[band]
    age = low + (rng.random(profile.size) * (high - low + 1)).astype(np.int64)
    fixed = lo >= 0
    age[fixed] = lo[fixed] + (rng.random(fixed.sum()) * (hi[fixed] - lo[fixed] + 1)).astype(int)
    young = age < at_least
    age[young] = at_least[young] + rng.integers(0, 9, young.sum())
    return age


def _pooled(rng, keys: np.ndarray, repeat: np.ndarray, per_person: float, start: int):
    """Person ids: records with `repeat` share a pool per key (about `per_person` records each);
    the others get an id of their own. Returns (ids, next free id)."""
    ids = np.full(keys.size, -1, dtype=np.int64)
    r = np.flatnonzero(repeat)
    nxt = start
    if r.size:
        _, inv, counts = np.unique(keys[r], return_inverse=True, return_counts=True)
        pool = np.maximum(1, np.ceil(counts / per_person)).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(pool)[:-1]])
        member = (rng.random(r.size) * pool[inv]).astype(np.int64)
        ids[r] = start + offsets[inv] + member
        nxt = start + int(pool.sum())
    single = np.flatnonzero(~repeat)
    ids[single] = nxt + np.arange(single.size)
    return ids, nxt + single.size


def _overlap(rng, v_id, s_id, young_victim, young_suspect, la_ix) -> None:
    """The victim-offender overlap: in each local authority, a share (R.OVERLAP_SUSPECT) of
    the young people suspected of public violence or robbery were themselves victims of it,
    recorded under the same reference (their suspect ids become victim ids, in place). Its
    own random stream, so every other drawn value stays as it was."""
    for la in np.unique(la_ix[la_ix >= 0]):
        suspects = np.unique(s_id[young_suspect & (la_ix == la)])
        victims = np.unique(v_id[young_victim & (la_ix == la)])
        k = min(round(suspects.size * R.OVERLAP_SUSPECT), victims.size)
        if k == 0:
            continue
        chosen = rng.choice(suspects, k, replace=False)
        as_victim = rng.choice(victims, k, replace=False)
        order = np.argsort(chosen)
        chosen, as_victim = chosen[order], as_victim[order]
        hit = np.isin(s_id, chosen)
        s_id[hit] = as_victim[np.searchsorted(chosen, s_id[hit])]


def _harmonise(person: np.ndarray, day: np.ndarray, age: np.ndarray, female: np.ndarray):
    """A person in several records keeps one sex and ages with time: both come from the
    person's first record with a value (a blank age or sex stays blank)."""
    idx = np.flatnonzero(person >= 0)
    if idx.size == 0:
        return
    order = idx[np.lexsort((day[idx], person[idx]))]
    p = person[order]
    new = np.r_[True, p[1:] != p[:-1]]
    group = np.cumsum(new) - 1
    a = age[order]
    known = np.flatnonzero(a >= 0)
    g_known, at = np.unique(group[known], return_index=True)
    birth = np.full(int(group[-1]) + 1, np.nan)
    src = order[known[at]]
    birth[g_known] = day[src] - age[src] * 365.25 - 182
    b = birth[group]
    ok = (a >= 0) & ~np.isnan(b)
    age[order[ok]] = np.floor((day[order[ok]] - b[ok]) / 365.25).astype(np.int64)
    f = female[order]
    known_f = np.flatnonzero(f >= 0)
    g_f, at_f = np.unique(group[known_f], return_index=True)
    sex = np.full(birth.size, -1)
    sex[g_f] = f[known_f[at_f]]
    keep = f >= 0
    female[order[keep]] = sex[group[keep]]


def _choose_weighted(rng, candidates: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """k of `candidates` without replacement, likelier by weight (Efraimidis-Spirakis keys)."""
    if k <= 0 or candidates.size == 0:
        return candidates[:0]
    if k >= candidates.size:
        return candidates
    keys = np.log(rng.random(candidates.size)) / weights
    return candidates[np.argpartition(-keys, k - 1)[:k]]


def _month_text(ym: int) -> str:
    return f"{1970 + ym // 12:04d}-{ym % 12 + 1:02d}"


# ---- the generator ------------------------------------------------------------------------


@dataclass(frozen=True)
class PoliceResult:
    files: list[Written]
    violence_with_injury: pa.Table  # month (YYYY-MM), lsoa_code, count: synthetic 5D/5E/8N...
    knife: list[dict]
    firearms: list[dict]
    quarantined_real_rows: int
    records: int


def generate(
    seed: int,
    out: Path,
    months: Sequence[str] | None = None,
    *,
    real: pa.Table | None = None,
    folder: Path | None = None,
) -> PoliceResult:
    """`real`: the force's police.uk crimes as `real_rows` gives them (month, lsoa_code,
    longitude, latitude, crime_type; e.g. read from the warehouse), else they are read from the
    street files in `folder` (default: the bundled Avon and Somerset files)."""
    rng = stream(seed, "police-crime")
    if real is None:
        real, quarantined = real_rows(months, folder)
    else:
        quarantined = 0
        real = real.filter(pc.not_equal(real.column("crime_type"), ASB))
        if months is not None:
            text = pc.strftime(real.column("month"), format="%Y-%m")
            real = real.filter(pc.is_in(text, value_set=pa.array(sorted(months))))
        if real.num_rows == 0:
            raise ValueError(f"no police.uk crimes of {force.active().slug} to build on")
    n = real.num_rows
    month_day = pc.cast(real.column("month"), pa.int32()).to_numpy()
    ym = month_day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    types = pc.dictionary_encode(real.column("crime_type")).combine_chunks()
    type_ix = types.indices.to_numpy()
    type_names = types.dictionary.to_pylist()
    lsoa_enc = pc.dictionary_encode(real.column("lsoa_code")).combine_chunks()
    lsoa_ix = pc.fill_null(lsoa_enc.indices, -1).to_numpy()
    lsoa_names = lsoa_enc.dictionary.to_pylist()

    # What: the offence code, consistent with the police.uk crime type.
    mix = R.offence_mix()
    missing = sorted(set(type_names) - set(mix))
    if missing:  # pragma: no cover - police.uk added a crime type
        raise ValueError(f"no offence mix for the police.uk crime types {missing}")
    code = np.zeros(n, dtype=np.int64)
    for j, name in enumerate(type_names):
        idx = np.flatnonzero(type_ix == j)
        names = list(mix[name])
        p = np.array([mix[name][c] for c in names])
        chosen = rng.choice(len(names), idx.size, p=p / p.sum())
        code[idx] = np.array([CODE_IX[c] for c in names])[chosen]
    legacy_before = int(np.datetime64(R.LEGACY_MONTHS_BEFORE, "M").astype(np.int64))
    old = ym < legacy_before
    for current, legacy in R.LEGACY_SHARE.items():
        idx = np.flatnonzero(old & (code == CODE_IX[current]))
        u = rng.random(idx.size)
        edge = 0.0
        for legacy_code, share in legacy:
            code[idx[(u >= edge) & (u < edge + share)]] = CODE_IX[legacy_code]
            edge += share
    kind = KIND_OF_CODE[code]

    def is_kind(*names: str) -> np.ndarray:
        return np.isin(kind, [KIND_IX[k] for k in names])

    def is_code(*names: str) -> np.ndarray:
        return codes_in(names)[code]

    violent = is_kind(*R.VIOLENT)
    person_crime = violent | is_kind("public_order")

    # Domestic abuse, then where.
    da = rng.random(n) < per_code(R.DA_CODE, R.DA_KIND)[code]
    loc_names = list(R.LOCATION_KIND)
    loc_of_code = np.array(
        [
            loc_names.index(
                R.LOCATION_CODE.get(c, R.LOCATION_OF_KIND.get(R.KIND_OF.get(c, "other"), "other"))
            )
            for c in CODES
        ]
    )
    location = _pick(rng, loc_of_code[code], np.array([R.LOCATION_KIND[k] for k in loc_names]))
    moved = np.flatnonzero(da & (loc_of_code[code] != loc_names.index("dwelling")))
    location[moved] = rng.choice(len(R.LOCATIONS), moved.size, p=R.LOCATION_DA)
    public = np.isin(location, [R.LOC[x] for x in police_crime.PUBLIC_SPACE])
    licensed = location == R.LOC["licensed_premises"]

    # When: recorded within the month; the offence at or before it.
    month_start = (ym.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    days_in = ((ym + 1).astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    days_in = days_in - month_start
    windowed = rng.random(n) < np.where(da, R.WINDOW_DA, per_code({}, R.WINDOW_KIND)[code])
    windowed |= (rng.random(n) < R.WINDOW_DEFAULT) & ~np.isin(
        kind, [KIND_IX[k] for k in R.WINDOW_KIND]
    )
    property_crime = is_kind("burglary", "vehicle", "damage", "theft")
    tp = {name: i for i, name in enumerate(R.TIME_PROFILES)}
    profile = np.full(n, tp["flat"])
    profile[(person_crime | is_kind("sexual")) & public & ~da] = tp["night"]
    profile[licensed] = tp["night"]
    profile[da] = tp["home"]
    profile[is_code("34B") | is_kind("weapons", "drugs")] = tp["afternoon"]
    profile[is_code("34A", "46", "39", "49", "44")] = tp["day"]
    profile[property_crime & windowed] = tp["morning"]

    lag_names = list(R.LAGS)
    lag_of_kind = np.array([lag_names.index(R.LAG_OF_KIND.get(k, "other")) for k in R.KINDS])
    lag_profile = lag_of_kind[kind]
    lag_profile[da & violent] = lag_names.index("da")
    lag_table = np.array([R.LAGS[k] for k in lag_names])
    lo_b = np.array([b[0] for b in R.LAG_BUCKETS])
    hi_b = np.array([b[1] for b in R.LAG_BUCKETS])
    wd_table = np.array([R.WEEKDAYS[p] for p in R.TIME_PROFILES])
    wd_table = wd_table / wd_table.max(axis=1, keepdims=True)
    rec_w = np.array(R.RECORDED_WEEKDAYS) / max(R.RECORDED_WEEKDAYS)
    # The recorded day and the lag are drawn together and kept with a probability that
    # follows the weekday of both, so offences keep their weekday pattern.
    rec_day = np.empty(n, dtype=np.int64)
    lag = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    while todo.size:
        d = month_start[todo] + (rng.random(todo.size) * days_in[todo]).astype(np.int64)
        bucket = _pick(rng, lag_profile[todo], lag_table)
        span = hi_b[bucket] - lo_b[bucket] + 1
        lg = lo_b[bucket] + (rng.random(todo.size) * span).astype(np.int64)
        keep = wd_table[profile[todo], (d - lg + 3) % 7] * rec_w[(d + 3) % 7]
        ok = rng.random(todo.size) < keep
        rec_day[todo[ok]] = d[ok]
        lag[todo[ok]] = lg[ok]
        todo = todo[~ok]
    off_day = rec_day - lag
    date_only = (lag > 365) | (rng.random(n) < R.DATE_ONLY_SHARE)
    hour = _pick(rng, profile, np.array([R.HOURS[p] for p in R.TIME_PROFILES]))
    minute = rng.integers(0, 60, n)
    heap = rng.random(n)
    minute = np.where(heap < 0.25, 0, np.where(heap < 0.6, (minute // 5) * 5, minute))
    to_min = off_day * 1440 + hour * 60 + minute  # the end of any window
    span_min = np.where(property_crime, rng.integers(60, 16 * 60, n), rng.integers(10, 180, n))
    span_day = np.where(is_kind("sh"), rng.integers(2, 120, n), rng.integers(1, 14, n))
    span_day = np.where(is_kind("sexual") & (lag > 365), rng.integers(30, 720, n), span_day)
    in_days = date_only | is_kind("sh")
    from_min = to_min - np.where(windowed, np.where(in_days, span_day * 1440, span_min), 0)

    # Victims.
    person_p = per_code(R.VICTIM_PERSON, {k: R.VICTIM_PERSON_KIND.get(k, 1.0) for k in R.KINDS})
    victim = rng.random(n) < person_p[code]
    vp = {name: i for i, name in enumerate(R.AGE_PROFILE_NAMES)}
    vprof = np.full(n, vp["general"])
    vprof[person_crime] = vp["public_violence"]
    vprof[is_kind("robbery")] = vp["robbery"]
    vprof[is_kind("sh")] = vp["sh"]
    vprof[is_kind("sexual")] = vp["sexual"]
    vprof[property_crime] = vp["property"]
    vprof[da] = vp["da"]
    lo = per_code({c: a for c, (a, _) in R.AGE_RANGE.items()}, -1.0)[code].astype(np.int64)
    hi = per_code({c: b for c, (_, b) in R.AGE_RANGE.items()}, -1.0)[code].astype(np.int64)
    at_least = per_code(R.AGE_AT_LEAST, 0.0)[code].astype(np.int64)
    at_least[da & (lo < 0)] = np.maximum(at_least[da & (lo < 0)], R.DA_MIN_AGE)
    v_age = _ages(rng, vprof, lo, hi, at_least)
    female_p = np.array([R.FEMALE_SHARE.get(p, 0.45) for p in R.AGE_PROFILE_NAMES])[vprof]
    own = codes_in(R.FEMALE_SHARE_CODE)[code]
    female_p[own] = per_code(R.FEMALE_SHARE_CODE)[code][own]
    v_female = (rng.random(n) < female_p).astype(np.int64)
    v_female[is_code(*R.FEMALE_ONLY)] = 1
    v_female[is_code(*R.MALE_ONLY)] = 0
    v_age[~victim | (rng.random(n) < R.AGE_UNKNOWN)] = -1
    v_female[~victim | (rng.random(n) < R.SEX_UNKNOWN)] = -1

    # Suspects.
    known_p = per_code({}, R.SUSPECT_KNOWN)[code]
    suspect = rng.random(n) < np.where(da, R.SUSPECT_KNOWN_DA, known_p)
    sprof = np.array([vp[R.SUSPECT_PROFILE.get(k, "s_general")] for k in R.KINDS])[kind]
    sprof[person_crime & public & ~da] = vp["s_public_violence"]
    sprof[da] = vp["s_da"]
    none = np.full(n, -1)
    s_age = _ages(rng, sprof, none, none, np.full(n, 10))
    partner = da & (v_age >= 16)
    s_age[partner] = np.clip(v_age[partner] + np.round(rng.normal(2, 6, partner.sum())), 16, 90)
    s_age[~suspect | (rng.random(n) < R.SUSPECT_AGE_UNKNOWN)] = -1

    # Repeat victims and suspects; a domestic abuse couple is the same pair in every record.
    fixed_age = is_code(*R.AGE_RANGE, *R.AGE_AT_LEAST, "1/1", "1/2", "4/1", "4/2")
    fixed_age &= ~is_code(*R.OFFICERS)
    rv = per_code(dict.fromkeys(R.OFFICERS, R.REPEAT_OFFICER), R.REPEAT_VICTIM)[code]
    rv[da] = R.REPEAT_VICTIM_DA
    # adults in recent offences only; officers, domestic abuse victims and others in pools
    # of their own within each LSOA
    recent = lag <= 365
    repeat_v = victim & ~fixed_age & recent & (v_age >= 16) & (rng.random(n) < rv)
    pool_class = np.where(is_code(*R.OFFICERS), 2, da.astype(np.int64))
    v_id, nxt = _pooled(rng, lsoa_ix * 3 + pool_class, repeat_v, R.RECORDS_PER_VICTIM, 0)
    v_id[~victim] = -1
    la_names = areas.la_of(np.array(lsoa_names, dtype=object))
    la_key = np.unique(np.where(la_names == None, "", la_names).astype(str), return_inverse=True)[1]  # noqa: E711
    la_ix = np.where(lsoa_ix >= 0, la_key[np.maximum(lsoa_ix, 0)], -1)
    repeat_s = suspect & ~da & recent & (rng.random(n) < per_code({}, R.REPEAT_SUSPECT)[code])
    s_id, nxt2 = _pooled(rng, la_ix, repeat_s, R.RECORDS_PER_SUSPECT, nxt)
    couple = da & suspect & repeat_v
    s_id[couple] = nxt2 + v_id[couple]
    s_id[~suspect] = -1
    young_violence = person_crime & public & ~da & ~is_kind("public_order")
    young_violence |= is_kind("robbery")
    _overlap(
        stream(seed, "police-crime-overlap"),
        v_id,
        s_id,
        (victim & young_violence & (v_age >= 10) & (v_age < 25)),
        (suspect & young_violence & (s_age >= 10) & (s_age < 25)),
        la_ix,
    )
    # one harmonisation for both roles: a person who is a victim and a suspect keeps one age
    _harmonise(
        np.concatenate([v_id, s_id]),
        np.concatenate([off_day, off_day]).astype(float),
        ages := np.concatenate([v_age, s_age]),
        sexes := np.concatenate([v_female, np.full(n, -1)]),
    )
    v_age[:], s_age[:], v_female[:] = ages[:n], ages[n:], sexes[:n]

    # Flags.
    night_hour = (hour >= 20) | (hour < 4)
    alcohol_p = np.full(n, R.ALCOHOL_OTHER)
    alcohol_p[person_crime] = R.ALCOHOL_VIOLENCE
    alcohol_p[is_kind("sexual")] = R.ALCOHOL_SEXUAL
    alcohol_p[person_crime & public & night_hour] = R.ALCOHOL_NIGHT_PUBLIC
    alcohol_p[da] = R.ALCOHOL_DA
    alcohol_p[licensed] = R.ALCOHOL_LICENSED
    alcohol = rng.random(n) < alcohol_p
    alcohol_unknown = person_crime & (rng.random(n) < R.ALCOHOL_UNKNOWN)
    drugs = rng.random(n) < per_code({}, R.DRUGS_FLAG)[code].clip(R.DRUGS_FLAG_OTHER)
    under_18 = (s_age >= 0) & (s_age < 18)
    expl_p = per_code(R.EXPLOITATION_CODE)[code]
    expl_p[violent | is_kind("sexual")] = np.maximum(
        expl_p[violent | is_kind("sexual")], R.EXPLOITATION_VSO
    )
    for k, p in R.EXPLOITATION_UNDER_18.items():
        m = is_kind(k) & under_18
        expl_p[m] = np.maximum(expl_p[m], p)
    exploitation = rng.random(n) < expl_p

    year = ym // 12 + 1970 + (ym % 12 >= 3)  # year ending March
    knife, knife_report = _knife(rng, code, ym, public, da, year)
    firearm, firearm_report = _firearms(rng, code, ym, knife, year)

    # References: crime numbers run through each year in recording order, with gaps.
    rec_year = rec_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    crime_number = np.zeros(n, dtype=np.int64)
    tiebreak = rng.random(n)
    for y in np.unique(rec_year):
        idx = np.flatnonzero(rec_year == y)
        idx = idx[np.lexsort((tiebreak[idx], rec_day[idx]))]
        crime_number[idx] = int(rng.integers(100, 3000)) + np.cumsum(rng.geometric(0.55, idx.size))
    used = np.unique(np.concatenate([v_id[v_id >= 0], s_id[s_id >= 0]]))
    numbers = 10_000_000 + np.cumsum(rng.integers(1, 60, used.size))
    person_ref = pc.binary_join_element_wise("P", integers(numbers[rng.permutation(used.size)]), "")

    # The file: one per month, rows in recording order.
    order = np.lexsort((crime_number, rec_day))
    o = order

    def ref(ids: np.ndarray) -> pa.Array:
        ids = ids[o]
        pos = np.searchsorted(used, np.maximum(ids, 0))
        return person_ref.take(pa.array(pos, mask=ids < 0))

    def pick_text(names, index: np.ndarray, blank: np.ndarray | None = None) -> pa.Array:
        mask = None if blank is None else blank[o]
        return pa.array(list(names), pa.string()).take(pa.array(index[o], mask=mask))

    real_sorted = real.take(pa.array(order))
    from_text = pc.if_else(
        date_only[o], ymd(np.floor_divide(from_min[o], 1440)), ymd_hm(from_min[o])
    )
    to_text = pc.if_else(date_only[o], ymd(off_day[o]), ymd_hm(to_min[o]))
    to_text = pc.if_else(windowed[o], to_text, pa.scalar(None, pa.string()))
    columns = {
        "crime_ref": pc.binary_join_element_wise(
            force.active().prefix,
            pc.utf8_lpad(integers(rec_year[o] % 100), 2, "0"),
            pc.utf8_lpad(integers(crime_number[o]), 7, "0"),
            "/",
        ),
        "offence_code_recorded": pick_text(CODES, code),
        "recorded_date": ymd(rec_day[o]),
        "offence_from": from_text,
        "offence_to": to_text,
        "lsoa_code": real_sorted.column("lsoa_code").combine_chunks(),
        "longitude": pc.cast(real_sorted.column("longitude"), pa.string()).combine_chunks(),
        "latitude": pc.cast(real_sorted.column("latitude"), pa.string()).combine_chunks(),
        "location_type": pick_text(R.LOCATIONS, location),
        "victim_age": integers(v_age[o], v_age[o] < 0),
        "victim_sex": pick_text(
            ("Male", "Female", "Not known"), np.where(v_female < 0, 2, v_female), ~victim
        ),
        "victim_ref": ref(v_id),
        "suspect_age": integers(s_age[o], s_age[o] < 0),
        "suspect_ref": ref(s_id),
        "knife_flag": flags(knife[o]),
        "firearm_flag": flags(firearm[o]),
        "domestic_abuse_flag": flags(da[o]),
        "alcohol_flag": flags(alcohol[o], alcohol_unknown[o]),
        "drugs_flag": flags(drugs[o]),
        "exploitation_flag": flags(exploitation[o]),
    }
    sorted_ym = ym[o]
    written = []
    for m in np.unique(sorted_ym):
        a, b = (int(x) for x in np.searchsorted(sorted_ym, [m, m + 1]))
        slug = force.active().slug
        path = out / FEED.source / f"{PREFIX}{FEED.source}-{slug}-{_month_text(m)}.csv.gz"
        part = {c: v.slice(a, b - a) for c, v in columns.items()}
        written.append(write_table(FEED, path, part, compress=True))

    vwi = kind == KIND_IX["vwi"]
    keys, counts = np.unique(np.stack([ym[vwi], lsoa_ix[vwi]], axis=1), axis=0, return_counts=True)
    names = np.array([*lsoa_names, None], dtype=object)
    vwi_table = pa.table(
        {
            "month": pa.array([_month_text(m) for m in keys[:, 0]], pa.string()),
            "lsoa_code": pa.array(names[keys[:, 1]], pa.string()),
            "count": pa.array(counts, pa.int64()),
        }
    )
    return PoliceResult(written, vwi_table, knife_report, firearm_report, quarantined, n)


def _knife(rng, code, ym, public, da, year):
    """The knife flag. Per year ending March, exactly round(ONS share x selected offences) of
    the selected offences are flagged, spread over the categories in proportion to Table P5's
    category rates, and within a category likelier for some codes and in public places."""
    n = code.size
    rates = calibration.knife_by_offence()
    knife = np.zeros(n, dtype=bool)
    for c, p in R.KNIFE_OTHER.items():
        m = code == CODE_IX[c]
        knife[m] = rng.random(m.sum()) < p
    homicide = codes_in(["1/1", "4/1"])[code]
    knife[homicide] = rng.random(homicide.sum()) < rates["homicide"][1] / 100
    small = codes_in(R.KNIFE_OTHER_SMALL)[code]
    knife[small] = rng.random(small.sum()) < R.KNIFE_OTHER_SMALL_RATE
    cats = list(R.KNIFE_SELECTED)
    category = np.full(n, -1)
    for j, cat in enumerate(cats):
        category[codes_in(R.KNIFE_SELECTED[cat])[code]] = j
    weight = per_code(R.KNIFE_CODE_WEIGHT, 1.0)[code]
    weight *= np.where(public, R.KNIFE_PUBLIC_WEIGHT, 1.0) * np.where(da, R.KNIFE_DA_WEIGHT, 1.0)
    r_c = np.array([rates[c][1] / 100 for c in cats])
    report = []
    series = calibration.knife_by_year()
    for y in np.unique(year):
        in_year = np.flatnonzero((year == y) & (category >= 0))
        months_in = [_month_text(m) for m in np.unique(ym[year == y])]
        fig = calibration.for_month(series, months_in[0])
        target = round(fig.percent / 100 * in_year.size)
        n_c = np.bincount(category[in_year], minlength=len(cats)).astype(float)
        lo_s, hi_s = 0.0, 1.0 / r_c.min()
        for _ in range(60):  # the scale s with sum(n_c * min(1, s * r_c)) = target
            s = (lo_s + hi_s) / 2
            lo_s, hi_s = (s, hi_s) if (n_c * np.minimum(1, s * r_c)).sum() < target else (lo_s, s)
        exact = n_c * np.minimum(1, hi_s * r_c)
        k_c = np.floor(exact).astype(int)
        for j in np.argsort(-(exact - k_c), kind="stable")[: max(target - k_c.sum(), 0)]:
            k_c[j] += 1
        for j, k in enumerate(k_c):
            cand = in_year[category[in_year] == j]
            knife[_choose_weighted(rng, cand, weight[cand], int(k))] = True
        flagged = int(knife[in_year].sum())
        report.append(
            {
                "year_ending_march": int(y),
                "months": months_in,
                "ons_period": fig.label,
                "ons_percent": round(fig.percent, 4),
                "selected_offences": int(in_year.size),
                "flagged": flagged,
                "percent": round(100 * flagged / in_year.size, 4) if in_year.size else None,
            }
        )
    return knife, report


def _firearms(rng, code, ym, knife, year):
    """The firearm flag: per year, Table P8's count of firearm offences pro rata to the months
    present, over the offences that can involve a firearm; possession of a firearm is always
    flagged (and not counted in the target)."""
    firearm = codes_in(R.FIREARM_ALWAYS)[code]
    weight = per_code(R.FIREARM_WEIGHT, 0.0)[code]
    series = calibration.firearms_by_year()
    report = []
    for y in np.unique(year):
        months_in = np.unique(ym[year == y])
        fig = calibration.for_month(series, _month_text(months_in[0]))
        target = round(fig.count * months_in.size / 12)
        cand = np.flatnonzero((year == y) & (weight > 0) & ~knife)
        chosen = _choose_weighted(rng, cand, weight[cand], target)
        firearm[chosen] = True
        report.append(
            {
                "year_ending_march": int(y),
                "ons_period": fig.label,
                "ons_count": fig.count,
                "months": int(months_in.size),
                "flagged": int(chosen.size),
            }
        )
    return firearm, report
