"""Boundaries as GeoJSON text -> the queen contiguity graph that Gi* runs on.

Kept apart from :mod:`svduty.analysis.hotspots` as :mod:`svduty.analysis.hexgrid` is for H3:
this module turns polygons into a libpysal Graph; hotspots does the statistics.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    from libpysal.graph import Graph

# geopandas, scipy.sparse and libpysal are imported where a graph is built: libpysal alone costs
# about 2 s of CPU to import, and most processes that import the analysis never build one.

__all__ = ["attach_islands", "feature_collection", "queen_graph", "read_boundaries"]

_CODE_PROPERTIES = ("code", "lsoa_code", "LSOA21CD", "LSOA11CD")


def feature_collection(
    frame: pd.DataFrame, *, code: str = "code", geometry: str = "geometry_geojson"
) -> str:
    """GeoJSON FeatureCollection text from rows holding a code and a GeoJSON geometry as text.

    For the reference layer's ``ref_boundary`` table (filter it to one ``level`` first, e.g.
    ``lsoa11`` for police.uk data, which carries 2011 LSOA codes)::

        boundary = reference.build("ref_boundary").to_pandas()
        geojson = feature_collection(boundary[boundary.level == "lsoa11"])

    Each feature's ``code`` property holds the row's code.
    """
    missing = [c for c in (code, geometry) if c not in frame.columns]
    if missing:
        raise ValueError(f"frame: missing column(s) {missing}; found {list(frame.columns)}")
    features = [
        f'{{"type":"Feature","properties":{json.dumps({"code": c})},"geometry":{g}}}'
        for c, g in zip(frame[code], frame[geometry], strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def read_boundaries(text: str, code_property: str | None) -> tuple[list[str], np.ndarray]:
    """Codes and shapely geometries of a GeoJSON FeatureCollection, in its order.

    The code is the ``code_property`` of each feature, or the first of ``code``, ``lsoa_code``,
    ``LSOA21CD``, ``LSOA11CD`` that every feature has; codes must be unique.
    """
    collection = json.loads(text)
    if collection.get("type") != "FeatureCollection":
        raise ValueError("boundaries_geojson: expected a GeoJSON FeatureCollection")
    features = collection["features"]
    if not features:
        raise ValueError("boundaries_geojson: no features")
    if code_property is None:
        found = [
            p for p in _CODE_PROPERTIES if all(p in (f.get("properties") or {}) for f in features)
        ]
        if not found:
            raise ValueError(
                f"boundaries_geojson: no code property among {_CODE_PROPERTIES}; pass code_property"
            )
        code_property = found[0]
    codes = []
    for f in features:
        value = (f.get("properties") or {}).get(code_property)
        if value is None:
            raise ValueError(f"boundaries_geojson: a feature has no {code_property!r}")
        # numeric codes (libpysal's examples use 1.0, 2.0, ...) are read as "1", "2", ...
        codes.append(
            str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        )
    duplicated = pd.Index(codes)[pd.Index(codes).duplicated()]
    if len(duplicated):
        raise ValueError(f"boundaries_geojson: duplicated codes {list(duplicated[:5])}")
    if any(not f.get("geometry") for f in features):
        raise ValueError("boundaries_geojson: a feature has no geometry")
    geometries = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    return codes, geometries


def queen_graph(codes: list[str], geometries: np.ndarray) -> Graph:
    """Queen contiguity (a shared vertex is enough) over ``geometries``, ids ``codes`` in that
    order; areas with no neighbour are left as islands."""
    import geopandas as gpd
    from libpysal.graph import Graph

    graph = Graph.build_contiguity(gpd.GeoSeries(geometries, index=codes), rook=False)
    if list(graph.unique_ids) == codes:
        return graph
    order = pd.Index(graph.unique_ids).get_indexer(codes)
    return Graph.from_sparse(graph.sparse[order][:, order], ids=np.asarray(codes, dtype=object))


def attach_islands(
    graph: Graph, codes: list[str], geometries: np.ndarray, island: np.ndarray
) -> Graph:
    """Join each island to its nearest area, both ways (GeoJSON is lon/lat: scale longitude by
    the cosine of the mean latitude so that distances are roughly in proportion)."""
    import scipy.sparse as sp
    from libpysal.graph import Graph

    bounds = shapely.total_bounds(geometries)
    scale = math.cos(math.radians((bounds[1] + bounds[3]) / 2))
    scaled = shapely.transform(geometries, lambda xy: xy * np.array([scale, 1.0]))
    tree = shapely.STRtree(scaled)
    adjacency = sp.lil_array(graph.sparse)
    for i in np.flatnonzero(island):
        nearest = tree.query_nearest(scaled[i], exclusive=True, all_matches=False)
        for j in nearest[:1]:
            adjacency[i, j] = 1.0
            adjacency[j, i] = 1.0
    return Graph.from_sparse(sp.csr_array(adjacency), ids=np.asarray(codes, dtype=object))
