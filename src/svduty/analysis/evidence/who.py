"""Who: victims, suspects and patients by age band and sex, and the under-25 share.

- ``police_people``: victims and suspects of the force's records by age band (0-9, 10-17,
  18-24, 25-34, 35-49, 50-64, 65+, not known) and, for victims, sex (the extract has no
  suspect sex);
- ``ed_people``: ED assault attendances by age band (as sent, and placed in the same bands
  where the band sent lies wholly inside one) and sex;
- both give the under-25 share with 95% and 99.8% Wilson score limits
  (``svduty.analysis.stats.proportion``), of the people whose age is known, with the number
  whose age is not known beside it: not-known ages are reported, never dropped or guessed.

Every function takes an optional definition (and strand) or measure and returns a result with
``as_dict()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
import pandas as pd

from svduty.analysis.evidence.quality import Result, finish, scoped
from svduty.analysis.measures.catalogue import Measure
from svduty.analysis.stats import proportion
from svduty.definition import model as definitions
from svduty.warehouse import Warehouse

AGE_BANDS = ("0-9", "10-17", "18-24", "25-34", "35-49", "50-64", "65+")
NOT_KNOWN = "not known"
#: an ED band that lies across two of AGE_BANDS (e.g. 20-29): kept as sent in age_band_sent
NOT_COMPARABLE = "not comparable"
BAND_ORDER = (*AGE_BANDS, NOT_COMPARABLE, NOT_KNOWN)
_BOUNDS = ((0, 9), (10, 17), (18, 24), (25, 34), (35, 49), (50, 64), (65, None))
SEX_NOT_RECORDED = "not recorded"

Definitionish = str | definitions.Definition | None


def age_band(age: ibis.Value) -> ibis.Value:
    """The age band of an age in whole years, or 'not known' when it is null (Ibis)."""
    return ibis.cases(
        (age < 10, "0-9"),
        (age < 18, "10-17"),
        (age < 25, "18-24"),
        (age < 35, "25-34"),
        (age < 50, "35-49"),
        (age < 65, "50-64"),
        (age >= 65, "65+"),
        else_=NOT_KNOWN,
    )


_RANGE = re.compile(r"^(\d+)-(\d+)$")
_OPEN = re.compile(r"^(\d+)\+$")


def standard_band(sent: str | None) -> str:
    """An ED age band as sent ('18-24', '20-29', '65+', 'All ages') placed in AGE_BANDS.

    A band inside one of ours becomes it ('16-17' -> '10-17'); one that lies across two is
    'not comparable'; blank or 'All ages' is 'not known'.
    """
    if sent is None or pd.isna(sent):
        return NOT_KNOWN
    text = str(sent).strip()
    if m := _RANGE.match(text):
        low, high = int(m[1]), int(m[2])
    elif m := _OPEN.match(text):
        low, high = int(m[1]), None
    else:
        return NOT_KNOWN
    for band, (b_low, b_high) in zip(AGE_BANDS, _BOUNDS, strict=True):
        inside_high = b_high is None or (high is not None and high <= b_high)
        if low >= b_low and inside_high:
            return band
    return NOT_COMPARABLE


@dataclass(frozen=True)
class People(Result):
    """People by age band and sex, and the under-25 share.

    ``by_age_sex``: role, age_band, sex, count (ED adds age_band_sent). ``by_age``: role,
    age_band, count, share_of_known (of the role's people with a known age; None for not
    known), share_of_all. ``under_25``: per role, numerator (under 25), denominator (age known),
    not_known, rows, value, lower_95, upper_95, lower_998, upper_998 (Wilson score).
    """

    source: str
    definition_version: str | None
    synthetic: bool
    caveats: tuple[str, ...]
    by_age_sex: pd.DataFrame
    by_age: pd.DataFrame
    under_25: tuple[dict, ...]


def under_25_share(role: str, under: int, known: int, rows: int) -> dict:
    """The under-25 share of the people whose age is known, with Wilson score limits."""
    out = {
        "role": role,
        "numerator": under,
        "denominator": known,
        "not_known": rows - known,
        "rows": rows,
        "value": None,
        "lower_95": None,
        "upper_95": None,
        "lower_998": None,
        "upper_998": None,
    }
    if known:
        p = proportion(under, known)
        out |= {
            "value": p.value,
            "lower_95": p.lower_95,
            "upper_95": p.upper_95,
            "lower_998": p.lower_998,
            "upper_998": p.upper_998,
        }
    return out


def _by_age(by_age_sex: pd.DataFrame) -> pd.DataFrame:
    out = []
    for role, group in by_age_sex.groupby("role", sort=False):
        totals = group.groupby("age_band")["count"].sum()
        rows = int(totals.sum())
        known = int(totals.drop([NOT_KNOWN, NOT_COMPARABLE], errors="ignore").sum())
        for band in BAND_ORDER:
            if band == NOT_COMPARABLE and band not in totals.index:
                continue
            n = int(totals.get(band, 0))
            in_known = band in AGE_BANDS
            out.append(
                (
                    role,
                    band,
                    n,
                    (n / known if known else None) if in_known else None,
                    n / rows if rows else None,
                )
            )
    return pd.DataFrame(
        out, columns=["role", "age_band", "count", "share_of_known", "share_of_all"]
    )


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["_band"] = frame["age_band"].map(BAND_ORDER.index)
    keys = ["role", "_band", "sex"] + (["age_band_sent"] if "age_band_sent" in frame else [])
    roles = list(dict.fromkeys(frame["role"]))
    frame["_role"] = frame["role"].map(roles.index)
    keys[0] = "_role"
    return frame.sort_values(keys).drop(columns=["_band", "_role"]).reset_index(drop=True)


def police_people(
    wh: Warehouse,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
) -> People:
    """Victims and suspects of the force's records by age band and sex; under-25 shares."""
    s = scoped(wh, "police_crime", definition=definition, strand=strand, measure=measure)
    t = s.table
    frames = []
    synthetic = False
    for role, age, sex in (
        ("victim", t.victim_age, t.victim_sex.fill_null("Not known")),
        ("suspect", t.suspect_age, ibis.literal(SEX_NOT_RECORDED)),
    ):
        keyed = t.mutate(age_band=age_band(age), sex=sex)
        frame = (
            keyed.group_by(["age_band", "sex"])
            .aggregate(count=keyed.count(), synth=keyed._synthetic.any())
            .execute()
        )
        synthetic |= bool(frame["synth"].fillna(False).any()) if len(frame) else False
        frame.insert(0, "role", role)
        frames.append(frame.drop(columns="synth"))
    by_age_sex = _order(pd.concat(frames, ignore_index=True))
    by_age_sex["count"] = by_age_sex["count"].astype(int)
    by_age = _by_age(by_age_sex)
    shares = []
    for role in ("victim", "suspect"):
        rows = by_age[by_age.role == role]
        total = int(rows["count"].sum())
        known = int(rows.loc[rows.age_band.isin(AGE_BANDS), "count"].sum())
        under = int(rows.loc[rows.age_band.isin(("0-9", "10-17", "18-24")), "count"].sum())
        shares.append(under_25_share(role, under, known, total))
    caveats = [
        *s.notes,
        "Victim age is blank where a crime has no individual victim (possession of weapons, "
        "drug offences, public order) as well as where it was not recorded: both are 'not "
        "known'.",
        "Suspect age is that of the first suspect and is blank where no suspect was identified, "
        "so 'not known' for suspects mostly means no suspect; the force extract carries no "
        "suspect sex.",
        "The under-25 share is of the people whose age is known; Wilson score 95% and 99.8% "
        "limits.",
    ]
    return People(
        "police_crime",
        s.definition_version,
        synthetic,
        finish(caveats, synthetic),
        by_age_sex,
        by_age,
        tuple(shares),
    )


def ed_people(
    wh: Warehouse,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
) -> People:
    """ED assault attendances by age band and sex; the under-25 share from ``under_25``."""
    s = scoped(wh, "ed_assault", definition=definition, strand=strand, measure=measure)
    t = s.table
    keyed = t.mutate(
        sex=t.sex.fill_null("Not known"),
        u25=ibis.cases((t.under_25, "yes"), (~t.under_25, "no"), else_="unknown"),
    )
    frame = (
        keyed.group_by(["age_band", "sex", "u25"])
        .aggregate(count=keyed.count(), synth=keyed._synthetic.any())
        .execute()
    )
    synthetic = bool(frame["synth"].fillna(False).any()) if len(frame) else False
    frame["count"] = frame["count"].astype(int)
    under = int(frame.loc[frame.u25 == "yes", "count"].sum())
    known = under + int(frame.loc[frame.u25 == "no", "count"].sum())
    rows = int(frame["count"].sum())
    frame = frame.groupby(["age_band", "sex"], dropna=False, as_index=False)["count"].sum()
    frame = frame.rename(columns={"age_band": "age_band_sent"})
    frame["age_band_sent"] = (
        frame["age_band_sent"].astype(object).where(frame["age_band_sent"].notna(), None)
    )
    frame["age_band"] = [standard_band(b) for b in frame["age_band_sent"]]
    frame.insert(0, "role", "patient")
    by_age_sex = _order(frame[["role", "age_band", "age_band_sent", "sex", "count"]])
    by_age = _by_age(by_age_sex)
    caveats = [
        *s.notes,
        "ED returns give an age band, not an age: a band sent that lies across two of ours "
        "(e.g. 20-29) is 'not comparable' and kept as sent in age_band_sent; a blank or 'All "
        "ages' band is 'not known'.",
        "The under-25 share is of the attendances whose band lies wholly under or wholly over "
        "25; bands across 25 (e.g. 20-29) and blank bands are counted as not known. Wilson "
        "score 95% and 99.8% limits.",
        "An attendance is a visit, not a person: one person can attend more than once.",
    ]
    return People(
        "ed_assault",
        s.definition_version,
        synthetic,
        finish(caveats, synthetic),
        by_age_sex,
        by_age,
        (under_25_share("patient", under, known, rows),),
    )


def who(
    wh: Warehouse,
    source: str,
    *,
    definition: Definitionish = None,
    strand: str | None = None,
    measure: Measure | None = None,
) -> People:
    """``police_people`` for police_crime, ``ed_people`` for ed_assault."""
    if source == "police_crime":
        return police_people(wh, definition=definition, strand=strand, measure=measure)
    if source == "ed_assault":
        return ed_people(wh, definition=definition, strand=strand, measure=measure)
    raise ValueError(
        f"{source} records no ages or sexes (police.uk has none); use police_crime or ed_assault"
    )
