"""Comparison with England and Wales and with similar partnerships, from the ONS community safety
partnership tables (C2 and C4 of the police force area data tables, docs/feeds/ons-prc.md).

:func:`compare` takes the area's community safety partnership (or, for a whole force area, the
police force area) and:

- chooses the similar areas by a rule it states (:data:`RULE`): of the English partnerships (or
  forces) with a published rate, the ``n`` nearest to the area in size, deprivation and
  rurality. Size is
  the mid-2022 population ONS gives in Table C4 (on a log scale: a partnership of 100,000 is as
  far from one of 200,000 as one of 400,000 is from one of 800,000); deprivation is the Index of
  Multiple Deprivation 2019 "average rank", the population-weighted mean of the ranks of the
  area's LSOAs (rank 1 most deprived of England's 32,844), weighted by the IoD's own mid-2015
  LSOA populations (File 6): the "average rank" summary the IoD 2019 publishes for local
  authority districts (MHCLG, English Indices of Deprivation 2019, Statistical Release, "Area
  summaries"), which counts the ranks the other way round (the most deprived LSOA 32,844), a
  reversal that standardising undoes, so the distances are the same. Rurality is the share of
  the area's Census 2021 usual residents who live in a 2021 LSOA the ONS 2021 rural-urban
  classification calls rural (:func:`rural_share`): without it a county of market towns and
  villages sits beside a city of the same size and deprivation. Each is standardised
  (its mean taken off, divided by its standard deviation over the candidates) and the distance is
  the Euclidean one. Wales has its own index (WIMD), which svduty does not bundle, so only
  English areas are candidates, and a Welsh area is compared with England and Wales alone.
- gives each offence group's rate per 1,000 residents (C2 count over C4 population) with 95%
  limits (exact Poisson below 10 offences, Byar's method from 10), for the area, for England and
  Wales (every partnership's offences with those ONS could not place in one, over the sum of the
  partnerships' populations: the same mid-2022 base, so the comparison mixes no two years of
  population) and for the similar areas pooled (their offences over their population);
- compares: "higher" or "lower" when the area's 95% interval leaves out the other's rate,
  "similar" when it does not, and nothing when either figure is missing (a marker in ONS's
  table, a negative count): a missing figure is never compared.

LSOAs are placed in partnerships by their 2019 district (the IoD's own column; for the 2021 LSOAs of
the rural share, their December 2022 district, read through its 2019 predecessors where it is newer)
and the ONS December 2019 district to partnership lookup; a district the lookup splits between
partnerships (Bournemouth, Christchurch and Poole; East Suffolk) cannot place its LSOAs, so the
partnerships it touches have no average rank and are not candidates (:attr:`Similar.unranked` names
them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from svduty.analysis.stats.rates import crude_rates
from svduty.reference import rurality
from svduty.reference.geography import current_la, lad19_csp_pfa_raw, lsoa21_districts
from svduty.reference.population import residents_by_lsoa21
from svduty.warehouse import Warehouse

__all__ = [
    "CSP",
    "OFFENCES",
    "PFA",
    "RULE",
    "Similar",
    "compare",
    "imd_average_rank",
    "partnership_of",
    "rural_share",
    "versus",
]

CSP = "community_safety_partnership"
PFA = "police_force_area"
#: the offence groups compared, as ONS names them in C2 and C4 (docs/feeds/ons-prc.md)
OFFENCES = {
    "violence_against_the_person": "Violence against the person",
    "homicide": "Homicide",
    "violence_with_injury": "Violence with injury",
    "violence_without_injury": "Violence without injury",
    "stalking_and_harassment": "Stalking and harassment",
    "sexual_offences": "Sexual offences",
    "robbery": "Robbery",
    "possession_of_weapons_offences": "Possession of weapons offences",
}
#: how many similar areas: partnerships, and forces (of 38 other English forces)
NEAREST = {CSP: 10, PFA: 5}
ENGLAND_AND_WALES = "England and Wales"
MULTIPLIER = 1_000

RULE = (
    "The similar {units} are the {n} English {units} nearest to {name} in size, deprivation and "
    "rurality, among those ONS gives a rate for: size is the mid-2022 population of ONS Table "
    "C4 (on a log scale), deprivation the Index of Multiple Deprivation 2019 average rank (the "
    "population-weighted mean rank of the LSOAs, 1 the most deprived of England's 32,844, as "
    "the Indices of Deprivation summarise local authorities), rurality the share of Census 2021 "
    "residents living in LSOAs the ONS 2021 rural-urban classification calls rural; each is "
    "standardised over the candidates, weighs the same, and the distance is the straight-line "
    "one. Welsh {units} are not candidates: "
    "Wales has its own index of deprivation. Residents are ONS's, rounded to 100, so a rate may "
    "differ from ONS's own in its second decimal place."
)


@dataclass(frozen=True)
class Similar:
    """The comparison of one area with England and Wales and its similar areas.

    ``profile``: every candidate, one row each: code, name, population (mid-2022, C4),
    imd_average_rank, rural_share (0 to 1), distance (None for the area itself), similar (bool), own
    (bool); sorted by distance, the area first. ``rates``: one row per offence group and area (the
    area, England and Wales, the similar areas pooled, then each similar area): offence,
    offence_label, group ("own", "england_and_wales", "similar_pooled", "similar"), code, name,
    count, population, rate, lower_95, upper_95, vs_england_and_wales and vs_similar ("higher",
    "lower", "similar", or None where nothing is compared; filled on the area's rows only).
    ``rank_among_similar``: offence -> the area's place by rate among itself and its similar areas
    (1 the highest), or None where its rate is missing.
    """

    level: str
    code: str
    name: str
    n: int
    rule: str
    period_label: str
    population_label: str
    profile: pd.DataFrame
    rates: pd.DataFrame
    rank_among_similar: dict[str, int | None]
    unranked: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def similar_names(self) -> list[str]:
        return list(self.profile.loc[self.profile["similar"], "name"])

    def own(self, offence: str) -> dict:
        r = self.rates
        return r[(r["offence"] == offence) & (r["group"] == "own")].iloc[0].to_dict()

    def of(self, offence: str, group: str) -> dict:
        r = self.rates
        return r[(r["offence"] == offence) & (r["group"] == group)].iloc[0].to_dict()


def _published(wh: Warehouse, sheet: str, measures: list[str]) -> pd.DataFrame:
    t = wh.table("published_statistic")
    t = t.filter((t.sheet == sheet) & t.measure.isin(measures))
    return t.select(
        "area_code", "area_name", "area_type", "force_area_code", "measure", "value",
        "period_label",
    ).execute()  # fmt: skip


def imd_average_rank(wh: Warehouse, level: str) -> tuple[pd.Series, tuple[str, ...]]:
    """IMD 2019 average rank of every English partnership (``level`` CSP) or force (PFA) whose
    LSOAs can all be placed, by code; and the codes that cannot be (see the module's note)."""
    imd = wh.table("ref_imd2019").select("lsoa11_code", "lad19_code", "imd_rank").execute()
    pop = wh.table("ref_population_lsoa11").select("lsoa11_code", "population_mid2015").execute()
    lsoas = imd.merge(pop, on="lsoa11_code", how="left")
    lookup = pd.DataFrame(lad19_csp_pfa_raw().to_pylist())
    key = "csp_code" if level == CSP else "pfa_code"
    per_lad = lookup.groupby("lad19_code")[key].agg(lambda s: sorted(set(s)))
    split = per_lad[per_lad.map(len) > 1]
    unranked = tuple(sorted({c for codes in split for c in codes}))
    whole = per_lad[per_lad.map(len) == 1].map(lambda codes: codes[0])
    lsoas["area"] = lsoas["lad19_code"].map(whole)
    lsoas = lsoas[lsoas["area"].notna() & ~lsoas["area"].isin(unranked)]
    weighted = lsoas.assign(w=lsoas["imd_rank"] * lsoas["population_mid2015"])
    sums = weighted.groupby("area")[["w", "population_mid2015"]].sum()
    return sums["w"] / sums["population_mid2015"], unranked


def rural_share(level: str) -> pd.Series:
    """Share (0 to 1) of Census 2021 usual residents living in rural 2021 LSOAs (ONS 2021
    rural-urban classification, broad group "Rural") of every English and Welsh partnership
    (``level`` CSP) or force (PFA) whose LSOAs can all be placed, by code.

    A 2021 LSOA is placed by its December 2022 district (ONS LSOA 2011 -> 2021 -> LAD22 lookup)
    and the 2019 district to partnership lookup; a district newer than 2019 (Buckinghamshire,
    North and West Northamptonshire) through its 2019 predecessors, which must then all lie in
    one partnership. Districts the lookup splits leave their partnerships unplaced (None), as
    for the average rank."""
    lookup = pd.DataFrame(lad19_csp_pfa_raw().to_pylist())
    key = "csp_code" if level == CSP else "pfa_code"
    per_lad = lookup.groupby("lad19_code")[key].agg(lambda s: frozenset(s))
    split = {c for codes in per_lad if len(codes) > 1 for c in codes}
    active = current_la()
    by_current: dict[str, set[str]] = {}
    for lad, codes in per_lad.items():
        by_current.setdefault(active[lad][0], set()).update(codes)

    def area_of(lad22: str) -> str | None:
        codes = per_lad.get(lad22) or by_current.get(active.get(lad22, (lad22,))[0], set())
        return next(iter(codes)) if len(codes) == 1 and not set(codes) & split else None

    residents = residents_by_lsoa21()
    districts = lsoa21_districts()
    table = rurality.national().select(["lsoa21_code", "urban_rural"]).to_pandas()
    table["area"] = table["lsoa21_code"].map(lambda c: area_of(districts[c][1]))
    table["people"] = table["lsoa21_code"].map(lambda c: residents[c][0]).astype(float)
    table = table[table["area"].notna()]
    rural = table["people"].where(table["urban_rural"] == "Rural", 0.0)
    return rural.groupby(table["area"]).sum() / table.groupby("area")["people"].sum()


def compare(
    wh: Warehouse, level: str, code: str, name: str, *, n: int | None = None
) -> Similar | None:
    """The comparison of the area ``code`` (a partnership E22/W14 when ``level`` is CSP, a force
    E23/W15 when PFA) named ``name``; None when the warehouse holds no Table C2 and C4 rows for it
    (the ONS tables are not loaded, or the area is not in them)."""
    if not wh.has_table("published_statistic"):
        return None
    n = n or NEAREST[level]
    counts = _published(wh, "Table C2", list(OFFENCES))
    c4 = _published(wh, "Table C4", ["population", "violence_against_the_person_rate_per_1000"])
    if counts.empty or c4.empty or code not in set(counts["area_code"]):
        return None
    all_populations = c4[(c4["measure"] == "population")].dropna(subset=["value", "area_code"])
    csp_populations = all_populations[all_populations["area_type"] == CSP]
    csp_populations = csp_populations.set_index("area_code")["value"]
    populations = all_populations[all_populations["area_type"] == level]
    populations = populations.set_index("area_code")["value"]
    rated = c4[(c4["measure"] != "population") & c4["value"].notna()]
    names = counts.drop_duplicates("area_code").set_index("area_code")["area_name"]
    ranks, unranked = imd_average_rank(wh, level)
    rural = rural_share(level)

    candidates = [
        c
        for c in populations.index
        if c.startswith("E")
        and c in set(rated["area_code"])
        and c in ranks.index
        and c in rural.index
    ]
    profile = pd.DataFrame(
        {
            "code": candidates,
            "name": [names.get(c, c) for c in candidates],
            "population": populations.reindex(candidates).to_numpy(dtype=float),
            "imd_average_rank": ranks.reindex(candidates).to_numpy(dtype=float),
            "rural_share": rural.reindex(candidates).to_numpy(dtype=float),
        }
    )
    notes = []
    english = code.startswith("E") and code in candidates
    if english:
        variables = pd.DataFrame(
            {
                "size": np.log10(profile["population"]),
                "rank": profile["imd_average_rank"],
                "rural": profile["rural_share"],
            }
        )
        z = (variables - variables.mean()) / variables.std()
        me = z[profile["code"] == code].iloc[0]
        profile["distance"] = np.sqrt(((z - me) ** 2).sum(axis=1))
        profile["own"] = profile["code"] == code
        profile = profile.sort_values(["own", "distance"], ascending=[False, True])
        profile = profile.reset_index(drop=True)
        profile["similar"] = False
        profile.loc[1 : n, "similar"] = True  # fmt: skip
        profile.loc[0, "distance"] = np.nan
        profile = profile[profile["own"] | profile["similar"]].reset_index(drop=True)
    else:
        notes.append(
            f"{name} has no similar {_units(level)} here: only English ones can be chosen by "
            "deprivation (the IMD 2019 is England's)."
            if not code.startswith("E")
            else f"{name}'s LSOAs cannot all be placed in it by the ONS 2019 district lookup, so "
            "it has no IMD average rank and similar areas cannot be chosen."
        )
        profile = pd.DataFrame(
            {
                "code": [code],
                "name": [names.get(code, name)],
                "population": [float(populations.get(code, np.nan))],
                "imd_average_rank": [float(ranks.get(code, np.nan))],
                "rural_share": [float(rural.get(code, np.nan))],
                "distance": [np.nan],
                "similar": [False],
                "own": [True],
            }
        )
    rates = _rates(counts, populations, float(csp_populations.sum()), profile, code, name)
    ranks_among = {}
    for offence in OFFENCES:
        mine = rates[(rates["offence"] == offence) & rates["group"].isin(["own", "similar"])]
        own_rate = mine.loc[mine["group"] == "own", "rate"].iloc[0]
        if pd.isna(own_rate) or not english:
            ranks_among[offence] = None
        else:
            ranks_among[offence] = int((mine["rate"].dropna() > own_rate).sum()) + 1
    period = counts["period_label"].dropna().iloc[0]
    pop_label = c4.loc[c4["measure"] == "population", "period_label"].dropna().iloc[0]
    return Similar(
        level=level,
        code=code,
        name=name,
        n=n if english else 0,
        rule=RULE.format(units=_units(level), n=n, name=name),
        period_label=period,
        population_label=pop_label,
        profile=profile,
        rates=rates,
        rank_among_similar=ranks_among,
        unranked=unranked,
        notes=tuple(notes),
    )


def _units(level: str) -> str:
    return "community safety partnerships" if level == CSP else "police force areas"


def _rates(counts, populations, ew_population, profile, code, name) -> pd.DataFrame:
    # England and Wales: all offences of the C tables (partnerships, unassigned, airport) over
    # the partnerships' populations (``ew_population``); British Transport Police is not in them
    placed = counts[counts["area_type"].isin([CSP, "unassigned", "not_in_a_csp"])]
    similar = profile.loc[profile["similar"], ["code", "name"]]
    rows = []
    for offence, label in OFFENCES.items():
        coded = counts[(counts["measure"] == offence) & counts["area_code"].notna()]
        of = coded.set_index("area_code")["value"]
        own_count = of.get(code, np.nan)
        rows.append((offence, label, "own", code, name, own_count, populations.get(code, np.nan)))
        ew = placed.loc[placed["measure"] == offence, "value"]
        rows.append(
            (offence, label, "england_and_wales", "K04000001", ENGLAND_AND_WALES,
             float(ew.sum()) if ew.notna().all() else np.nan, ew_population)
        )  # fmt: skip
        if len(similar):
            their = of.reindex(similar["code"])
            pops = populations.reindex(similar["code"])
            complete = their.notna().all() and (their >= 0).all()
            rows.append(
                (offence, label, "similar_pooled", "", f"The {len(similar)} similar areas",
                 float(their.sum()) if complete else np.nan, float(pops.sum()))
            )  # fmt: skip
            for c, nm in similar.itertuples(index=False):
                rows.append((offence, label, "similar", c, nm, of.get(c, np.nan), pops.get(c)))
    frame = pd.DataFrame(
        rows, columns=["offence", "offence_label", "group", "code", "name", "count", "population"]
    )
    frame["count"] = pd.to_numeric(frame["count"], errors="coerce").astype(float)
    frame["population"] = pd.to_numeric(frame["population"], errors="coerce").astype(float)
    frame.loc[frame["count"] < 0, "count"] = np.nan  # a negative count is not a count
    usable = frame["count"].notna() & (frame["population"] > 0)
    r = crude_rates(frame["count"].where(usable), frame["population"].where(usable), MULTIPLIER)
    frame["rate"] = r["value"].to_numpy()
    frame["lower_95"] = r["lower95_0cl"].to_numpy()
    frame["upper_95"] = r["upper95_0cl"].to_numpy()
    frame["vs_england_and_wales"] = None
    frame["vs_similar"] = None
    for offence in OFFENCES:
        own = (frame["offence"] == offence) & (frame["group"] == "own")
        i = frame.index[own][0]
        for group, column in (("england_and_wales", "vs_england_and_wales"),
                              ("similar_pooled", "vs_similar")):  # fmt: skip
            other = frame[(frame["offence"] == offence) & (frame["group"] == group)]
            if other.empty:
                continue
            frame.at[i, column] = versus(
                frame.at[i, "rate"], frame.at[i, "lower_95"], frame.at[i, "upper_95"],
                other["rate"].iloc[0],
            )  # fmt: skip
    return frame


def versus(rate, lower, upper, other) -> str | None:
    """'higher', 'lower' or 'similar': whether the 95% interval (lower, upper) of ``rate``
    leaves out ``other``; None when either rate is missing (never compared)."""
    if any(pd.isna(v) for v in (rate, lower, upper, other)):
        return None
    if lower > other:
        return "higher"
    if upper < other:
        return "lower"
    return "similar"


def partnership_of(wh: Warehouse, la_codes: tuple[str, ...]) -> tuple[str, str] | None:
    """The community safety partnership (code, name) the local authorities ``la_codes`` make up,
    by the ONS December 2019 district lookup read through their 2019 districts; None when their
    districts fall in more than one partnership (or in none)."""
    history = wh.table("ref_la_history")
    history = history.filter(history.la_code.isin(list(la_codes))).select("lad_code").execute()
    lads = set(history["lad_code"]) | set(la_codes)
    pairs = {
        (r["csp_code"], r["csp_name"])
        for r in lad19_csp_pfa_raw().to_pylist()
        if r["lad19_code"] in lads
    }
    return next(iter(pairs)) if len(pairs) == 1 else None
