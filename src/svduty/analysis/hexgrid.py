"""H3 hexagons for the "where" of the needs assessment when no boundary fits.

Points (longitude, latitude in WGS84) are counted in H3 cells (h3 v4, ``latlng_to_cell``) and the
cells are joined into a neighbour graph by H3 adjacency (``grid_disk`` with k=1: the six cells
sharing an edge). :func:`study_area` decides which cells are analysed, including the empty ones:
an empty cell next to a busy one is information (a Gi* statistic sums over the neighbours, and
the global mean counts every cell), so it must be present with a count of zero.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import h3
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from libpysal.graph import Graph

# scipy.sparse and libpysal are imported where the graph is built (libpysal costs about 2 s of
# CPU to import; most processes that import the analysis never build one).

__all__ = ["cell_counts", "neighbour_graph", "study_area"]


def cell_counts(points: pd.DataFrame, resolution: int) -> tuple[pd.Series, int]:
    """Count ``points`` (columns ``longitude``, ``latitude``) per H3 cell at ``resolution``.

    Returns the counts (index: cell id as h3's hexadecimal string, sorted) and the number of
    rows dropped because a coordinate was missing or out of range. Each distinct coordinate is
    indexed once: police.uk points repeat heavily (they are snapped to a fixed set of map points),
    so this is much faster than one h3 call per row.
    """
    missing = [c for c in ("longitude", "latitude") if c not in points.columns]
    if missing:
        raise ValueError(f"points: missing column(s) {missing}; found {list(points.columns)}")
    if not 0 <= resolution <= 15:
        raise ValueError(f"resolution must be 0..15 (h3), got {resolution}")
    lon = pd.to_numeric(points["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(points["latitude"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    dropped = int((~ok).sum())
    coords = pd.DataFrame({"lat": lat[ok], "lon": lon[ok]})
    distinct = coords.value_counts(sort=False)
    cells = [
        h3.latlng_to_cell(a, b, resolution)
        for a, b in zip(
            distinct.index.get_level_values("lat").tolist(),
            distinct.index.get_level_values("lon").tolist(),
            strict=True,
        )
    ]
    counts = pd.Series(distinct.to_numpy(), index=pd.Index(cells, name="h3_cell"), name="count")
    counts = counts.groupby(level=0).sum().sort_index()
    return counts.astype("int64"), dropped


def study_area(
    occupied: pd.Index, resolution: int, *, ring: int = 1, area_geojson: str | None = None
) -> pd.Index:
    """The cells to analyse: every occupied cell, plus either a ring or the given area.

    - Without ``area_geojson``: the occupied cells and every cell within ``ring`` steps of one
      (``grid_disk(cell, ring)``). With the default ``ring=1`` every occupied cell has all six of
      its neighbours in the study area (empty ones count zero), and no occupied cell is an island.
    - With ``area_geojson`` (a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection in
      WGS84 longitude/latitude, e.g. a force area boundary): the cells whose centres lie inside it
      (``h3.geo_to_cells``), plus any occupied cell outside it (points are never thrown away).
      ``ring`` is then ignored.

    Returned sorted, so that the result does not depend on the order of the points.
    """
    cells: set[str] = set(occupied)
    if area_geojson is not None:
        for geometry in _geometries(json.loads(area_geojson)):
            cells.update(h3.geo_to_cells(geometry, resolution))
    elif ring > 0:
        for cell in occupied:
            cells.update(h3.grid_disk(cell, ring))
    elif ring < 0:
        raise ValueError(f"ring must be 0 or more, got {ring}")
    return pd.Index(sorted(cells), name="h3_cell")


def neighbour_graph(cells: pd.Index) -> Graph:
    """Binary neighbour graph over ``cells``: two cells are neighbours when they share an edge.

    Neighbours outside ``cells`` are left out, so cells on the edge of the study area have fewer
    than six; a cell with none is an island (the caller decides what that means).
    """
    import scipy.sparse as sp
    from libpysal.graph import Graph

    position = {cell: i for i, cell in enumerate(cells)}
    rows: list[int] = []
    cols: list[int] = []
    for i, cell in enumerate(cells):
        for other in h3.grid_disk(cell, 1):
            j = position.get(other)
            if j is not None and j != i:
                rows.append(i)
                cols.append(j)
    n = len(cells)
    adjacency = sp.csr_array(
        (np.ones(len(rows)), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=(n, n),
    )
    return Graph.from_sparse(adjacency, ids=np.asarray(cells, dtype=object))


def _geometries(obj: dict) -> list[dict]:
    kind = obj.get("type")
    if kind == "FeatureCollection":
        return [g for f in obj["features"] for g in _geometries(f)]
    if kind == "Feature":
        return _geometries(obj["geometry"]) if obj.get("geometry") else []
    if kind in ("Polygon", "MultiPolygon"):
        return [obj]
    raise ValueError(f"area_geojson: expected a (Multi)Polygon, Feature or collection, got {kind}")
