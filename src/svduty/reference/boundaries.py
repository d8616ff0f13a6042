"""Boundaries (GeoJSON, WGS84): Avon and Somerset LSOA/MSOA/ward; LAD22 (UK) and PFA23 (E&W);
LSOA 2021 and May 2024 wards for England and Wales (:func:`national_lsoa21`,
:func:`national_ward24`, stored per partnership).

Geometries are kept as GeoJSON text so that this layer needs no geometry library; readers parse
them with shapely/geopandas where they need shapes.
"""

from __future__ import annotations

import functools
import gzip
import json
from typing import NamedTuple

import pyarrow as pa

from svduty.reference import ReferenceDataError, arrow_schema, data_path
from svduty.reference.geography import current_la


class Level(NamedTuple):
    """Where one boundary level comes from and which properties hold its code, name and LA."""

    level: str
    file: str
    code: str
    name: str
    la: str | None  # property holding the current LA code; None = derive or leave null


LEVELS: tuple[Level, ...] = (
    Level(
        "lsoa11",
        "avon_somerset_LSOA11_boundaries.geojson.gz",
        "LSOA11CD",
        "LSOA11NM",
        "LADCD_ACTIVE",
    ),
    Level(
        "lsoa21",
        "avon_somerset_LSOA21_boundaries.geojson.gz",
        "LSOA21CD",
        "LSOA21NM",
        "LADCD_ACTIVE",
    ),
    Level(
        "msoa11",
        "avon_somerset_MSOA11_boundaries.geojson.gz",
        "MSOA11CD",
        "MSOA11NM",
        "LADCD_ACTIVE",
    ),
    Level(
        "ward25",
        "avon_somerset_WD25_ward_boundaries.geojson.gz",
        "WD25CD",
        "WD25NM",
        "LADCD_ACTIVE",
    ),
    Level("la22", "LAD22_UK_BUC.geojson.gz", "LAD22CD", "LAD22NM", None),
    Level("pfa23", "PFA23_EW_BUC.geojson.gz", "PFA23CD", "PFA23NM", None),
)


def read_features(file: str) -> list[dict]:
    """The features of a bundled ``geography/boundaries`` GeoJSON file (gzip)."""
    with gzip.open(data_path("geography", "boundaries", file), "rt", encoding="utf-8") as f:
        collection = json.load(f)
    if collection.get("type") != "FeatureCollection":
        raise ReferenceDataError(f"{file}: not a GeoJSON FeatureCollection")
    return collection["features"]


def boundary() -> pa.Table:
    """``ref_boundary``: one row per (level, code) with its GeoJSON geometry as text."""
    active = current_la()
    rows = []
    for level in LEVELS:
        seen: set[str] = set()
        for feature in read_features(level.file):
            props = feature["properties"]
            code = str(props[level.code]).strip()
            if code in seen:
                raise ReferenceDataError(f"{level.file}: {code} appears twice")
            seen.add(code)
            if not feature.get("geometry"):
                raise ReferenceDataError(f"{level.file}: {code} has no geometry")
            if level.la is not None:
                la_code = str(props[level.la]).strip()
            elif level.level == "la22":
                la_code = active.get(code, (None, None))[0]
            else:
                la_code = None
            rows.append(
                {
                    "level": level.level,
                    "code": code,
                    "name": str(props[level.name]).strip(),
                    "la_code": la_code,
                    "geometry_geojson": json.dumps(feature["geometry"], separators=(",", ":")),
                    "source_file": f"geography/boundaries/{level.file}",
                }
            )
    order = {level.level: i for i, level in enumerate(LEVELS)}
    rows.sort(key=lambda r: (order[r["level"]], r["code"]))
    return pa.Table.from_pylist(rows, schema=arrow_schema("ref_boundary"))


#: ONS LSOA (December 2021) boundaries EW BSC (super generalised, 200 m): every LSOA of England
#: and Wales, for the maps of a partnership outside Avon and Somerset (whose own finer boundaries
#: above stay). Read when a map needs them, never loaded into the warehouse whole.
NATIONAL_LSOA21_FILE = "LSOA21_EW_BSC.geojson.gz"


@functools.cache
def _national_lsoa21() -> tuple[dict, ...]:
    from svduty.reference.geography import lsoa21_ward24_raw

    active = current_la()
    la_of = {
        r["lsoa21_code"]: active.get(r["la_code"], (r["la_code"], None))[0]
        for r in lsoa21_ward24_raw().to_pylist()
    }
    rows = []
    for feature in read_features(NATIONAL_LSOA21_FILE):
        props = feature["properties"]
        code = str(props["lsoa21_code"]).strip()
        if code not in la_of:
            raise ReferenceDataError(f"{NATIONAL_LSOA21_FILE}: {code} is in no local authority")
        rows.append(
            {
                "code": code,
                "name": str(props["lsoa21_name"]).strip(),
                "la_code": la_of[code],
                "geometry": feature["geometry"],
            }
        )
    return tuple(rows)


def national_lsoa21(la_codes) -> pa.Table:
    """``ref_boundary`` rows (level ``lsoa21``) for the 2021 LSOAs of these current local
    authorities, from the national file, ordered by code. The warehouse stores them for the
    partnership's own authorities only (svduty.warehouse.reference_load.load_area_boundaries)."""
    return _boundary_rows("lsoa21", NATIONAL_LSOA21_FILE, _national_lsoa21(), la_codes)


def _boundary_rows(level: str, file: str, features, la_codes) -> pa.Table:
    """``ref_boundary`` rows of ``level`` for the features (code, name, la_code, geometry) of
    these local authorities, ordered by code."""
    wanted = set(la_codes)
    rows = [
        {
            "level": level,
            "code": r["code"],
            "name": r["name"],
            "la_code": r["la_code"],
            "geometry_geojson": json.dumps(r["geometry"], separators=(",", ":")),
            "source_file": f"geography/boundaries/{file}",
        }
        for r in features
        if r["la_code"] in wanted
    ]
    rows.sort(key=lambda r: r["code"])
    return pa.Table.from_pylist(rows, schema=arrow_schema("ref_boundary"))


#: Electoral wards (May 2024), UK, simplified (ukmaps): the wards of the LSOA 2021 -> ward 2024
#: lookup, so ward rates (svduty.analysis.evidence.wards) are drawn on their own wards for any
#: partnership. Stored per partnership, like the national LSOAs.
NATIONAL_WARD24_FILE = "WD24_UK_simplified.geojson.gz"


@functools.cache
def _national_ward24() -> tuple[dict, ...]:
    active = current_la()
    rows = []
    for feature in read_features(NATIONAL_WARD24_FILE):
        props = feature["properties"]
        code = str(props["ward24_code"]).strip()
        if code[:1] not in ("E", "W"):
            continue  # Scotland and Northern Ireland: outside the Duty
        if not feature.get("geometry"):
            raise ReferenceDataError(f"{NATIONAL_WARD24_FILE}: {code} has no geometry")
        la = str(props["ltla24_code"]).strip()
        geometry = _without_degenerate_rings(feature["geometry"])
        if geometry is None:
            raise ReferenceDataError(f"{NATIONAL_WARD24_FILE}: {code} has no ring of 3 points")
        rows.append(
            {
                "code": code,
                "name": str(props["ward24_name"]).strip(),
                # Barnsley and Sheffield were recoded in 2025: one authority under its current code
                "la_code": active.get(la, (la, None))[0],
                "geometry": geometry,
            }
        )
    return tuple(rows)


def _ring(ring: list) -> list | None:
    """The ring without repeated consecutive points; None when fewer than 3 points remain."""
    out = [p for i, p in enumerate(ring) if i == 0 or p != ring[i - 1]]
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def _without_degenerate_rings(geometry: dict) -> dict | None:
    """The geometry without the slivers the simplification left (a ring shrunk to one or two
    points is no area, and GEOS refuses it): holes and parts of fewer than 3 points dropped."""
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
        if geometry["type"] == "MultiPolygon"
        else None
    )
    if polygons is None:
        raise ReferenceDataError(f"{NATIONAL_WARD24_FILE}: a {geometry['type']}, not a polygon")
    kept = []
    for rings in polygons:
        outer = _ring(rings[0])
        if outer is not None:
            kept.append([outer, *(r for r in map(_ring, rings[1:]) if r is not None)])
    if not kept:
        return None
    if len(kept) == 1:
        return {"type": "Polygon", "coordinates": kept[0]}
    return {"type": "MultiPolygon", "coordinates": kept}


def national_ward24(la_codes) -> pa.Table:
    """``ref_boundary`` rows (level ``ward24``) for the May 2024 wards of these current local
    authorities, ordered by code (stored per partnership: load_area_boundaries)."""
    return _boundary_rows("ward24", NATIONAL_WARD24_FILE, _national_ward24(), la_codes)
