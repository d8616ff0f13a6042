"""Matched comparison areas: for each treated area the ``k`` most similar untreated areas on
deprivation and violence before the start, with a balance table that says how alike the two
groups are."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from svduty.analysis.evaluation.panel import RATE_PER, _codes
from svduty.analysis.evidence.quality import Result

#: Deprivation columns ``match_comparators`` accepts, in order of preference, and their names.
DEPRIVATION = {
    "deprivation_rank": "rank on the index of deprivation (1 = most deprived)",
    "imd_score": "IMD score (higher = more deprived)",
    "imd_rank": "IMD rank (1 = most deprived)",
    "imd_decile": "IMD decile (1 = most deprived)",
}


@dataclass(frozen=True)
class Matching(Result):
    """Comparison areas chosen for the treated areas, and how alike the two groups are.

    ``pairs``: ``treated_code``, ``comparator_code``, ``choice`` (1 = nearest), ``distance``.
    ``balance``: per matching variable, the means of the treated areas, of every eligible
    candidate and of the chosen comparators, and the standardised mean differences (treated
    minus comparison, over the pooled standard deviation) before (against every candidate) and
    after matching (against the chosen comparators). ``|SMD|`` under 0.1 is usually read as
    well balanced, over 0.25 as poorly.
    """

    treated: tuple[str, ...]
    comparators: tuple[str, ...]
    pairs: pd.DataFrame
    balance: pd.DataFrame
    variables: tuple[str, ...]
    method: str
    k: int
    seed: int | None
    candidates: int
    notes: tuple[str, ...]


def match_comparators(
    areas: pd.DataFrame,
    treated: Collection[str],
    *,
    k: int = 3,
    seed: int | None = None,
    exclude: Collection[str] = (),
    index_name: str | None = None,
) -> Matching:
    """Choose ``k`` comparison areas per treated area, nearest first, without replacement.

    ``areas``: one row per area: ``area_code``; deprivation as ``deprivation_rank`` (the rank
    on one country's index, named by ``index_name``, e.g. "WIMD 2019"), else ``imd_score``, else
    ``imd_rank``, else ``imd_decile`` (the first present is used). Ranks of two countries'
    indices must never be mixed in one ``areas``: England and Wales rank separately.
    ``prior_count`` (events in the pre-period); optional ``population``. With a population the
    violence variable is the prior rate per 1,000 residents, otherwise the prior count.

    Distance is standardised Euclidean: each variable divided by its standard deviation over
    the treated areas and the candidates, so deprivation and violence weigh the same. (Not
    Mahalanobis: deprivation and violence go together, so it would count a candidate that is
    both more deprived and more violent as nearer than one as deprived but less violent; the
    aim here is similar levels of both. It is also harder to explain.)

    Matching goes in rounds: in each round every treated area takes its nearest candidate not
    yet taken, so no treated area takes all the close ones. The order of the treated areas in a
    round is by area code, or a shuffle from ``numpy.random.default_rng(seed)`` when ``seed``
    is given (rerun with other seeds to see how much the choice matters). Ties go to the lower
    code. Treated areas and ``exclude`` (e.g. neighbours, where the intervention could spill
    over) are never chosen; candidates with a missing variable are left out, with a note.
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number of comparators per treated area, not {k!r}")
    treated_codes = _codes(treated, "treated")
    frame, variables, notes = _matching_variables(areas, index_name)
    known = set(frame["area_code"])
    unknown = sorted(set(treated_codes) - known)
    if unknown:
        raise ValueError(
            f"treated area(s) not in `areas`: {', '.join(unknown[:10])}; give one row per "
            "treated and candidate area"
        )
    values = frame.set_index("area_code")[list(variables)]
    missing = sorted(c for c in treated_codes if values.loc[c].isna().any())
    if missing:
        raise ValueError(
            f"treated area(s) {', '.join(missing[:10])} lack {' or '.join(variables)}: "
            "they cannot be matched; add the values or leave the areas out"
        )
    barred = set(treated_codes) | {str(c) for c in exclude}
    pool = values[~values.index.isin(barred)]
    incomplete = pool.isna().any(axis=1)
    if incomplete.any():
        notes.append(
            f"{int(incomplete.sum())} candidate area(s) lack {' or '.join(variables)} and "
            "were left out."
        )
    pool = pool[~incomplete].sort_index()
    excluded = len(set(map(str, exclude)) & known - set(treated_codes))
    if excluded:
        notes.append(f"{excluded} area(s) excluded from the candidates (e.g. a spillover buffer).")
    treated_values = values.loc[treated_codes]
    scale = pd.concat([treated_values, pool]).std(ddof=1).replace(0, 1).fillna(1)
    distances = _distances(treated_values / scale, pool / scale)
    pairs = _greedy(distances, treated_codes, k, seed)
    short = [c for c in treated_codes if (pairs["treated_code"] == c).sum() < k]
    if short:
        notes.append(
            f"Only {len(pool)} candidate area(s) for {len(treated_codes)} treated area(s) "
            f"x {k}: {len(short)} treated area(s) got fewer than {k} comparators."
        )
    chosen = tuple(pairs["comparator_code"])
    balance = _balance(treated_values, pool, pool.loc[list(chosen)])
    return Matching(
        treated=tuple(treated_codes),
        comparators=chosen,
        pairs=pairs,
        balance=balance,
        variables=tuple(variables),
        method="nearest neighbour without replacement, standardised Euclidean distance",
        k=k,
        seed=seed,
        candidates=len(pool),
        notes=tuple(notes),
    )


def _matching_variables(
    areas: pd.DataFrame, index_name: str | None = None
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The frame with the two matching variables, their names, and notes on the choice."""
    needed = {"area_code", "prior_count"}
    if not needed <= set(areas.columns):
        raise ValueError(
            f"`areas` needs columns {', '.join(sorted(needed))} and one of "
            f"{', '.join(DEPRIVATION)}; it has {', '.join(map(str, areas.columns))}"
        )
    deprivation = next((c for c in DEPRIVATION if c in areas.columns), None)
    if deprivation is None:
        raise ValueError(f"`areas` needs a deprivation column: one of {', '.join(DEPRIVATION)}")
    if areas["area_code"].duplicated().any():
        dupes = sorted(set(areas.loc[areas["area_code"].duplicated(), "area_code"]))
        raise ValueError(f"`areas` has more than one row for {', '.join(map(str, dupes[:10]))}")
    frame = pd.DataFrame({"area_code": areas["area_code"].astype(str)})
    frame[deprivation] = pd.to_numeric(areas[deprivation], errors="coerce").to_numpy()
    prior = pd.to_numeric(areas["prior_count"], errors="coerce").to_numpy(dtype=float)
    named = DEPRIVATION[deprivation]
    if index_name and deprivation == "deprivation_rank":
        named = f"{index_name} rank (1 = most deprived)"
    notes = [f"Deprivation is matched on the {named}."]
    if "population" in areas.columns:
        population = pd.to_numeric(areas["population"], errors="coerce").to_numpy(dtype=float)
        population = np.where(population > 0, population, np.nan)
        frame["prior_rate"] = prior / population * RATE_PER
        notes.append(f"Events before the start are matched as a rate per {RATE_PER:,} residents.")
        return frame, [deprivation, "prior_rate"], notes
    frame["prior_count"] = prior
    notes.append("Events before the start are matched as a count (no population given).")
    return frame, [deprivation, "prior_count"], notes


def _distances(treated: pd.DataFrame, pool: pd.DataFrame) -> pd.DataFrame:
    diff = treated.to_numpy()[:, None, :] - pool.to_numpy()[None, :, :]
    return pd.DataFrame(np.sqrt((diff**2).sum(axis=2)), index=treated.index, columns=pool.index)


def _greedy(distances: pd.DataFrame, treated: list[str], k: int, seed: int | None) -> pd.DataFrame:
    order = list(treated)
    if seed is not None:
        order = [order[i] for i in np.random.default_rng(seed).permutation(len(order))]
    else:
        order.sort()
    taken: set[str] = set()
    rows = []
    for choice in range(1, k + 1):
        for code in order:
            row = distances.loc[code].drop(labels=list(taken), errors="ignore")
            if row.empty:
                break
            # stable sort: ties go to the lower code (the columns are sorted)
            best = row.sort_values(kind="stable").index[0]
            taken.add(best)
            rows.append((code, best, choice, float(row[best])))
    return pd.DataFrame(rows, columns=["treated_code", "comparator_code", "choice", "distance"])


def _smd(a: pd.Series, b: pd.Series) -> float:
    def var(x: pd.Series) -> float:
        return float(x.var(ddof=1)) if len(x) > 1 else 0.0

    spread = math.sqrt((var(a) + var(b)) / 2)
    gap = float(a.mean() - b.mean()) if len(b) else math.nan
    if spread == 0:
        return 0.0 if gap == 0 else math.nan
    return gap / spread


def _balance(treated: pd.DataFrame, pool: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    rows = [
        {
            "variable": v,
            "treated_mean": float(treated[v].mean()),
            "candidates_mean": float(pool[v].mean()),
            "comparators_mean": float(chosen[v].mean()) if len(chosen) else math.nan,
            "smd_before": _smd(treated[v], pool[v]),
            "smd_after": _smd(treated[v], chosen[v]),
        }
        for v in treated.columns
    ]
    return pd.DataFrame(rows)
