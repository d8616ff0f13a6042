"""Hotspots: the "where" of the strategic needs assessment.

Getis-Ord Gi* (esda ``G_Local`` with ``star=True``) on LSOAs, with queen contiguity built from
their boundaries, or on H3 hexagons, with edge adjacency; permutation p-values corrected for
multiple testing with the Benjamini-Hochberg false discovery rate; persistence of hot areas
across years; and the most frequent exact locations.

Everything here is a pure function over plain frames and GeoJSON text: callers read the data
(the warehouse, or ``svduty.reference.build("ref_boundary")`` for the bundled boundaries, see
:func:`feature_collection`) and pass it in.

How the test is done, for every area i (see :func:`gi_star`):

- Gi* is the sum of the values in i and its neighbours (binary weights, i included with weight
  1) as a share of the total; ``z`` is its standardised value under normality (Ord and Getis
  1995), the number usually mapped.
- The permutation test is conditional: area i keeps its own value and only its neighbours are
  drawn at random. It asks whether the neighbourhood around i is unusual, so one busy area among
  ordinary neighbours (a hospital, a prison, a town-centre LSOA on its own) is not a hotspot,
  however large its z; :func:`top_repeat_locations` and the counts themselves show those.
- ``p_value`` is the two-sided pseudo p-value of esda's conditional permutation test
  (``permutations`` reshuffles of the other areas' values around i, seeded):
  ``min(1, 2 * (m + 1) / (permutations + 1))``, m being the number of permutations at least as
  extreme as the observed Gi* in the tail it lies in, ties counting as extreme. Each tail is
  counted by esda itself (``alternative="greater"`` and ``"lesser"``, same seed, same
  permutations). Its smallest possible value is 2 / (permutations + 1), 0.0002 with the default
  9,999 permutations.
- ``p_sim`` is esda's own ``G_Local.p_sim``, one-sided, kept for comparison with other PySAL
  or GeoDa output and not used here: in the lower tail esda counts only strictly smaller
  permuted values, so ties are left out. With counts ties are common (an empty H3 cell among
  empty cells ties with every permutation that draws empty neighbours), and esda's p_sim then
  makes such an area a cold spot with the smallest possible p.
- ``q_value`` is the Benjamini-Hochberg adjusted p-value over every tested area
  (statsmodels ``multipletests(method="fdr_bh")``); an area whose q-value is at most ``alpha``
  is 'hot' when its observed Gi* lies in the upper tail of its permutations and 'cold' when in
  the lower (z then has the same sign, bar pathological data), else 'not significant'.
- The floor on p-values limits what BH can find: it rejects nothing unless at least
  ``2 * n / (alpha * (permutations + 1))`` areas reach the smallest possible p-value
  (``result.attrs["fdr_floor_count"]``). With 999 permutations that is 4% of the areas, 41 of
  the 1,005 Avon and Somerset LSOAs: six months of violence in 2019 brought 25 there, and found
  no hotspot at all. Hence the default of 9,999 (0.4%). Large grids with few real hotspots need
  more still, and the cost grows with areas x permutations: at H3 resolution 8 the same six
  months make 4,716 cells, which need 99,999 permutations (about 80 s here); resolution 7
  finds central Bristol with 9,999 in about a second.
- Islands: an area with no neighbour has no neighbourhood to test (esda would compare its value
  with an empty lag and report a spuriously tiny p-value). LSOAs: by default an island is joined
  to its nearest area (``islands="nearest"``, the usual convention, so an offshore LSOA is still
  assessed) and flagged ``island=True``; with ``islands="exclude"`` it keeps no neighbours, is
  classified 'no neighbours' with z, p and q missing, and is left out of the FDR family. H3 cells
  cannot be islands with the default ring of the study area. Either way an island's value still
  counts in the study-area total and in the permutations of the other areas.
- Values must be non-negative (counts or rates). If every area has the same value nothing can
  stand out: z is missing, p and q are 1 and every area is 'not significant'.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Literal

import h3
import numpy as np
import pandas as pd

from svduty.analysis import hexgrid, polygons
from svduty.analysis.polygons import feature_collection

if TYPE_CHECKING:
    from esda.getisord import G_Local
    from libpysal.graph import Graph

# esda, libpysal and statsmodels are imported where a statistic is computed, not here: together
# they cost about 3 s of CPU to import, and the portal and the CLI import this module (through
# the products and the dashboard) in every process, most of which never compute a hotspot.

__all__ = [
    "CLASSIFICATIONS",
    "COLD",
    "DEFAULT_SEED",
    "HOT",
    "NOT_SIGNIFICANT",
    "NO_NEIGHBOURS",
    "feature_collection",
    "gi_star",
    "h3_hotspots",
    "lsoa_hotspots",
    "persistence",
    "top_repeat_locations",
]

HOT = "hot"
COLD = "cold"
NOT_SIGNIFICANT = "not significant"
NO_NEIGHBOURS = "no neighbours"
CLASSIFICATIONS = (HOT, COLD, NOT_SIGNIFICANT, NO_NEIGHBOURS)
# A fixed default so that a published map can be reproduced exactly from its inputs.
DEFAULT_SEED = 20220428  # Royal Assent of the Police, Crime, Sentencing and Courts Act 2022
_RESULT_COLUMNS = ["neighbours", "z", "p_sim", "p_value", "q_value", "classification"]


def gi_star(
    values,
    graph: Graph,
    *,
    permutations: int = 9999,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Gi* with FDR-corrected permutation inference for ``values`` aligned with ``graph``.

    ``graph`` is a binary libpysal Graph without self-weights (esda adds the self-weight of 1 for
    Gi*); ``values[k]`` belongs to ``graph.unique_ids[k]``. Returns one row per area (index: the
    graph's ids) with ``neighbours``, ``z``, ``p_sim``, ``p_value``, ``q_value`` and
    ``classification``, as described in the module docstring. The permutations run in this
    process: esda's joblib path (``n_jobs``) was 2.5 times slower on two cores in
    benchmarks/bench_hotspots.py, and calls numpy's deprecated ``row_stack``.
    The permutations are seeded by ``seed`` and numpy's global random state is left as it was
    (esda reseeds it).
    """
    y = np.asarray(values, dtype=float).ravel()
    if len(y) != graph.n:
        raise ValueError(f"{len(y)} values for a graph of {graph.n} areas")
    if not np.isfinite(y).all() or (y < 0).any():
        raise ValueError("Gi* needs finite, non-negative values (counts or rates)")
    if permutations < 1:
        raise ValueError(f"permutations must be at least 1, got {permutations}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    neighbours = graph.cardinalities.reindex(graph.unique_ids).to_numpy(dtype="int64")
    tested = neighbours > 0
    n = len(y)
    z = np.full(n, np.nan)
    p_sim = np.full(n, np.nan)
    p_value = np.full(n, np.nan)
    upper = np.zeros(n, dtype=bool)
    from statsmodels.stats.multitest import multipletests

    if np.ptp(y) > 0:
        from esda.getisord import G_Local

        # permutations=0: esda computes Gi* and z only; the permutations are run below through
        # esda's own engine, once per tail, with the same seed and so the same permutations.
        local = G_Local(y, graph, transform="B", star=True, permutations=0)
        z = np.asarray(local.Zs, dtype=float)
        greater = _permutation_p(y, local, permutations, seed, "greater")
        lesser = _permutation_p(y, local, permutations, seed, "lesser")
        upper = greater < lesser  # the tail the observed Gi* lies in
        p_value = np.minimum(1.0, 2.0 * np.minimum(greater, lesser))
        # esda's own p_sim ("directed"), derived from the upper-tail count, for comparison
        at_least = np.rint(greater * (permutations + 1)) - 1
        folded = np.where(permutations - at_least < at_least, permutations - at_least, at_least)
        p_sim = (folded + 1) / (permutations + 1)
    else:
        p_value[:] = 1.0
    z[~tested] = np.nan
    p_sim[~tested] = np.nan
    p_value[~tested] = np.nan
    q_value = np.full(n, np.nan)
    reject = np.zeros(n, dtype=bool)
    if tested.any():
        rejected, adjusted, _, _ = multipletests(p_value[tested], alpha=alpha, method="fdr_bh")
        q_value[tested] = adjusted
        reject[tested] = rejected
    classification = np.where(~tested, NO_NEIGHBOURS, NOT_SIGNIFICANT).astype(object)
    classification[reject & upper] = HOT
    classification[reject & ~upper] = COLD
    result = pd.DataFrame(
        {
            "neighbours": neighbours,
            "z": z,
            "p_sim": p_sim,
            "p_value": p_value,
            "q_value": q_value,
            "classification": pd.Series(classification, dtype="str").to_numpy(),
        },
        index=pd.Index(graph.unique_ids),
    )
    # BH rejects nothing unless this many areas reach the smallest possible p-value
    floor = 2 / (permutations + 1)
    result.attrs["fdr_floor_count"] = math.ceil(floor * int(tested.sum()) / alpha - 1e-9)
    return result


def _permutation_p(
    y: np.ndarray, local: G_Local, permutations: int, seed: int, alternative: str
) -> np.ndarray:
    """One tail of esda's conditional permutation test: (count at least as extreme + 1) /
    (permutations + 1), ties counting as extreme."""
    from esda.crand import crand
    from esda.getisord import _g_local_star_crand

    # crand reads only ``w.sparse`` and zeroes its diagonal in place: hand it a copy each time,
    # since a Graph caches its sparse matrix.
    weights = SimpleNamespace(sparse=local.w.sparse.copy())
    state = np.random.get_state()  # esda seeds numpy's global generator; put it back
    try:
        raw, _ = crand(
            y,
            weights,
            local.Gs,
            permutations,
            False,
            1,  # n_jobs
            stat_func=_g_local_star_crand,
            scaling=y.sum(),
            seed=seed,
            island_weight=0,
            alternative=alternative,
        )
    finally:
        np.random.set_state(state)
    # esda returns float32; restore the exact fraction
    return np.rint(np.asarray(raw, dtype=float) * (permutations + 1)) / (permutations + 1)


def lsoa_hotspots(
    counts: pd.DataFrame,
    boundaries_geojson: str,
    *,
    population: pd.DataFrame | None = None,
    code_property: str | None = None,
    islands: Literal["nearest", "exclude"] = "nearest",
    permutations: int = 9999,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Gi* hot and cold spots over LSOAs (or any polygons), queen contiguity.

    - ``counts``: columns ``lsoa_code`` and ``count``; several rows for one LSOA (one a month,
      say) are added up. An LSOA of the boundaries with no row counts zero. Rows whose code is
      missing or not among the boundaries (police.uk snaps some crimes into a neighbouring
      force's LSOAs) are left out and reported in ``result.attrs["unmatched"]`` (code -> count)
      and ``result.attrs["unmatched_count"]``.
    - ``boundaries_geojson``: a GeoJSON FeatureCollection (WGS84 longitude/latitude) with one
      feature per area; it defines the study area. The code is read from ``code_property``, or
      from the first of ``code``, ``lsoa_code``, ``LSOA21CD``, ``LSOA11CD`` that every feature
      has. Two areas are neighbours when their boundaries share at least one vertex (queen
      contiguity, ``libpysal.graph.Graph.build_contiguity(rook=False)``).
    - ``population``: columns ``lsoa_code`` and ``population``. When given, Gi* runs on the rate
      per 1,000 residents instead of the count; every area must then have a positive population.
    - ``islands``: see the module docstring.

    Returns one row per area, in the order of the boundaries: ``lsoa_code``, ``count``
    (``population`` and ``rate_per_1000`` with a population), ``island``, ``neighbours``,
    ``z``, ``p_sim``, ``p_value``, ``q_value``, ``classification``.
    """
    if islands not in ("nearest", "exclude"):
        raise ValueError(f"islands must be 'nearest' or 'exclude', got {islands!r}")
    codes, geometries, graph = _contiguity(boundaries_geojson, code_property)
    codes = list(codes)
    island = graph.cardinalities.reindex(codes).to_numpy() == 0
    if islands == "nearest" and island.any():
        graph = polygons.attach_islands(graph, codes, geometries, island)

    _require(counts, "counts", ["lsoa_code", "count"])
    amount = pd.to_numeric(counts["count"], errors="raise")
    if amount.isna().any():
        raise ValueError("counts: a count is missing; use 0 for none")
    known = counts["lsoa_code"].isin(codes)
    unmatched = amount[~known].groupby(counts["lsoa_code"][~known].fillna("(missing)")).sum()
    per_area = amount[known].groupby(counts["lsoa_code"][known]).sum()
    count = per_area.reindex(codes, fill_value=0).to_numpy()

    out = pd.DataFrame({"lsoa_code": codes, "count": count})
    values = count.astype(float)
    if population is not None:
        _require(population, "population", ["lsoa_code", "population"])
        if population["lsoa_code"].duplicated().any():
            raise ValueError("population: an lsoa_code appears more than once")
        residents = population.set_index("lsoa_code")["population"].reindex(codes)
        bad = residents.index[~(residents > 0).fillna(False).to_numpy()]
        if len(bad):
            raise ValueError(
                f"population: missing or not positive for {len(bad)} area(s): {list(bad[:5])}"
            )
        out["population"] = residents.to_numpy()
        values = 1000 * values / residents.to_numpy(dtype=float)
        out["rate_per_1000"] = values
    out["island"] = island
    result = gi_star(values, graph, permutations=permutations, seed=seed, alpha=alpha)
    for column in _RESULT_COLUMNS:
        out[column] = result[column].to_numpy()
    out.attrs.update(
        _method(permutations, seed, alpha, "queen contiguity of the boundaries")
        | {"unmatched": unmatched.to_dict(), "unmatched_count": float(unmatched.sum())}
        | result.attrs
    )
    return out


@functools.lru_cache(maxsize=4)
def _contiguity(boundaries_geojson: str, code_property: str | None) -> tuple:
    """Codes, geometries and queen contiguity graph of a boundaries GeoJSON: read once per
    text, since an assessment runs Gi* on the same boundaries for each of its years (parsing the
    GeoJSON and building the graph cost about as much as the Gi* permutations)."""
    codes, geometries = polygons.read_boundaries(boundaries_geojson, code_property)
    graph = polygons.queen_graph(codes, geometries)
    geometries.flags.writeable = False  # shared by every call that hits the cache
    return tuple(codes), geometries, graph


def h3_hotspots(
    points: pd.DataFrame,
    resolution: int = 8,
    *,
    ring: int = 1,
    area_geojson: str | None = None,
    permutations: int = 9999,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Gi* hot and cold spots over H3 hexagons of the points' locations.

    ``points`` has columns ``longitude`` and ``latitude`` (WGS84), one row per event; rows with a
    missing or impossible coordinate are left out and counted in ``result.attrs["dropped"]``.
    Resolution 8 cells are about 0.74 km² (edge about 0.53 km), a few streets.

    The study area (the cells analysed, empty ones counting zero) is every cell holding a point
    plus every cell within ``ring`` steps of one; or, with ``area_geojson`` (e.g. the force area
    boundary), every cell whose centre lies inside it plus any cell holding a point outside it
    (see :func:`svduty.analysis.hexgrid.study_area`). The choice matters: Gi* compares each
    neighbourhood with the study-area mean, so a study area padded with many empty cells makes
    more cells look hot. Neighbours are the cells sharing an edge (``grid_disk(cell, 1)``) that
    are in the study area.

    Returns one row per cell, sorted by cell id: ``h3_cell``, ``longitude`` and ``latitude`` of
    its centre, ``count``, ``neighbours``, ``z``, ``p_sim``, ``p_value``, ``q_value``,
    ``classification``. A cell left without neighbours (with ``ring=0``, or a cell holding
    points outside ``area_geojson``) is 'no neighbours', as described in the module docstring.
    """
    occupied, dropped = hexgrid.cell_counts(points, resolution)
    cells = hexgrid.study_area(occupied.index, resolution, ring=ring, area_geojson=area_geojson)
    graph = hexgrid.neighbour_graph(cells)
    count = occupied.reindex(cells, fill_value=0).to_numpy()
    result = gi_star(count, graph, permutations=permutations, seed=seed, alpha=alpha)
    centres = np.array([h3.cell_to_latlng(c) for c in cells]).reshape(-1, 2)
    out = pd.DataFrame(
        {
            "h3_cell": np.asarray(cells, dtype=object),
            "longitude": centres[:, 1],
            "latitude": centres[:, 0],
            "count": count,
        }
    )
    out["h3_cell"] = out["h3_cell"].astype("str")
    for column in _RESULT_COLUMNS:
        out[column] = result[column].to_numpy()
    study = "cells within the area given" if area_geojson is not None else f"ring {ring}"
    out.attrs.update(
        _method(permutations, seed, alpha, "H3 edge adjacency")
        | {"resolution": resolution, "study_area": study, "dropped": dropped}
        | result.attrs
    )
    return out


def persistence(
    yearly: Mapping[int, pd.DataFrame],
    *,
    min_hot: int = 2,
    window: int = 3,
    key: str | None = None,
) -> pd.DataFrame:
    """How often, and how recently, each area has been hot.

    ``yearly`` maps a calendar year to the result of :func:`lsoa_hotspots` or
    :func:`h3_hotspots` for that year (or any frame with an area column and ``classification``).
    The area column is ``key``, or ``lsoa_code`` / ``h3_cell``, whichever the frames have.
    The window is the ``window`` calendar years ending with the latest year in ``yearly``;
    an area is 'persistent' when it was hot in at least ``min_hot`` of them. By default, hot in
    at least 2 of the last 3 years.

    A year missing from ``yearly``, or an area missing from a year's frame (an H3 cell outside
    that year's study area, say), counts as not hot: absence of evidence is not a hotspot.
    ``years_in_window`` says how many years of the window had data.

    Returns one row per area that appears in any year: the area, ``years_hot`` (over every year
    given), ``hot_years`` (a tuple, ascending), ``longest_run`` (most consecutive hot years),
    ``current_run`` (consecutive hot years ending with the latest year), ``hot_in_window``,
    ``years_in_window`` and ``persistent``; most persistent first, then by area.
    """
    if not yearly:
        raise ValueError("persistence needs at least one year")
    if not 1 <= min_hot <= window:
        raise ValueError(f"need 1 <= min_hot <= window, got min_hot={min_hot}, window={window}")
    years = sorted(int(y) for y in yearly)
    frames = {int(y): f for y, f in yearly.items()}
    if key is None:
        key = _area_key(frames.values())
    hot: dict[str, set[int]] = {}
    for year, frame in frames.items():
        _require(frame, f"yearly[{year}]", [key, "classification"])
        for area, label in zip(frame[key], frame["classification"], strict=True):
            marks = hot.setdefault(area, set())
            if label == HOT:
                marks.add(year)
    last = years[-1]
    window_years = range(last - window + 1, last + 1)
    rows = []
    for area, marks in hot.items():
        rows.append(
            {
                key: area,
                "years_hot": len(marks),
                "hot_years": tuple(sorted(marks)),
                "longest_run": _longest_run(marks),
                "current_run": _run_ending(marks, last),
                "hot_in_window": sum(1 for y in window_years if y in marks),
                "years_in_window": sum(1 for y in window_years if y in frames),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            key,
            "years_hot",
            "hot_years",
            "longest_run",
            "current_run",
            "hot_in_window",
            "years_in_window",
        ],
    )
    out["persistent"] = out["hot_in_window"] >= min_hot
    out = out.sort_values(
        ["persistent", "hot_in_window", "years_hot", key], ascending=[False, False, False, True]
    ).reset_index(drop=True)
    out.attrs.update({"min_hot": min_hot, "window": window, "window_years": list(window_years)})
    return out


def top_repeat_locations(rows: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    """The ``n`` most frequent exact locations among ``rows``.

    A location is a coordinate pair when ``rows`` has ``longitude`` and ``latitude`` (labelled
    with the most frequent ``location`` text recorded there, if that column exists), otherwise
    the ``location`` text. Text alone is weaker: police.uk reuses names such as "On or near
    Parking Area" for many different places.

    police.uk locations are anonymised: each crime is moved to the nearest of a fixed set of
    snap points (the middle of a street, or a public place), never one whose catchment holds
    fewer than eight addresses, and it can land on another street or across a boundary
    (docs/sources.md, "data.police.uk"). A "repeat location" is therefore a snap point gathering
    the crimes of the streets around it, not an address or a premises: use it to point at places
    worth a closer look with the partners' own record-level data, never to name a building or a
    person.

    Rows without a location are left out; ``result.attrs["without_location"]`` counts them.
    Returns ``rank`` (ties share a rank), the location columns, ``count`` and ``share`` (of the
    rows with a location); ties at the cut are broken by the location, so the output is stable.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    has_coordinates = {"longitude", "latitude"} <= set(rows.columns)
    if not has_coordinates and "location" not in rows.columns:
        raise ValueError(
            f"rows: need longitude and latitude, or location; found {list(rows.columns)}"
        )
    keys = ["longitude", "latitude"] if has_coordinates else ["location"]
    frame = rows.copy()
    if has_coordinates:
        for column in keys:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    located = frame.dropna(subset=keys)
    counts = located.groupby(keys, sort=True).size().rename("count").reset_index()
    if has_coordinates and "location" in rows.columns:
        named = located.dropna(subset=["location"])
        label = (
            named.groupby([*keys, "location"])
            .size()
            .rename("n")
            .reset_index()
            .sort_values([*keys, "n", "location"], ascending=[True, True, False, True])
            .drop_duplicates(keys)[[*keys, "location"]]
        )
        counts = counts.merge(label, on=keys, how="left")
    counts = counts.sort_values(["count", *keys], ascending=[False, *[True] * len(keys)])
    top = counts.head(n).reset_index(drop=True)
    top["share"] = top["count"] / max(len(located), 1)
    top.insert(0, "rank", top["count"].rank(method="min", ascending=False).astype("int64"))
    top.attrs["without_location"] = len(frame) - len(located)
    return top


def _require(frame: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; found {list(frame.columns)}")


def _area_key(frames) -> str:
    for candidate in ("lsoa_code", "h3_cell"):
        if all(candidate in f.columns for f in frames):
            return candidate
    raise ValueError("persistence: frames have neither lsoa_code nor h3_cell; pass key")


def _longest_run(years: set[int]) -> int:
    return max((_run_ending(years, y) for y in years), default=0)


def _run_ending(years: set[int], last: int) -> int:
    run = 0
    while last - run in years:
        run += 1
    return run


def _method(permutations: int, seed: int, alpha: float, weights: str) -> dict:
    return {
        "statistic": "Getis-Ord Gi* (esda G_Local, star=True, binary weights)",
        "weights": weights,
        "permutations": permutations,
        "seed": seed,
        "alpha": alpha,
        "multiple_testing": "Benjamini-Hochberg FDR on two-sided permutation p-values",
    }
