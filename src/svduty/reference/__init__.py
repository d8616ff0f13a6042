"""Reference data: ONS geography, population, deprivation (IMD 2019, IMD 2025, WIMD 2019),
rural-urban classification, police forces and boundaries.

Every table is built from the open-data files bundled in ``svduty/data`` and returned as a
:class:`pyarrow.Table` whose columns and types are declared in :data:`SCHEMAS`. This package
imports nothing else of svduty's; the warehouse stores what it returns.

Public API:

- :data:`TABLES` - warehouse table name -> builder (no arguments), in load order.
- :data:`SCHEMAS` - table name -> list of ``(column, arrow type, meaning)``.
- :data:`SOURCES` - table name -> the bundled files it is built from (relative to ``data/``).
- :func:`build` / :func:`build_all` - build (and validate) one table / every table.
- :func:`validate` - check a table against its schema.
- :func:`data_path` - the path of a bundled data file.
- :func:`schema_markdown` - a table's schema as Markdown (used for ``docs/reference.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.resources import files
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_BOUNDARIES",
    "SCHEMAS",
    "SOURCES",
    "TABLES",
    "ReferenceDataError",
    "arrow_schema",
    "build",
    "build_all",
    "data_path",
    "read_csv",
    "schema_markdown",
    "validate",
]

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
ATTRIBUTION_BOUNDARIES = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)


class ReferenceDataError(ValueError):
    """A bundled reference file is missing something, or its parts do not agree."""


def data_path(*parts: str) -> Path:
    """Path of a bundled data file, e.g. ``data_path("geography", "la_all_codes.csv.gz")``."""
    resource = files("svduty").joinpath("data")
    for part in parts:
        resource = resource.joinpath(part)
    return Path(str(resource))


def read_csv(relative: str, columns: Mapping[str, str]) -> pa.Table:
    """Read the bundled CSV ``relative`` (to ``data/``; gzip is detected from ``.gz``).

    Only ``columns`` (source name -> our name) are read, all as strings, renamed, with
    surrounding whitespace stripped and empty strings turned into nulls. A UTF-8 BOM is
    dropped by the reader. Raises :class:`ReferenceDataError` if a column is missing.
    """
    path = data_path(*relative.split("/"))
    header = pacsv.open_csv(path).schema.names
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReferenceDataError(f"{relative}: missing column(s) {missing}; found {header}")
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            include_columns=list(columns),
            column_types=dict.fromkeys(columns, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
        ),
    )
    arrays = []
    for source in columns:
        trimmed = pc.utf8_trim_whitespace(table.column(source))
        arrays.append(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed))
    return pa.table(arrays, names=list(columns.values()))


def to_int(array: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Strings such as ``"1,296"`` -> int64 (thousands separators removed; nulls kept)."""
    return pc.cast(pc.replace_substring(array, ",", ""), pa.int64())


def to_float(array: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Strings -> float64 (thousands separators removed; nulls kept)."""
    return pc.cast(pc.replace_substring(array, ",", ""), pa.float64())


_S = pa.string()
_I = pa.int64()
_F = pa.float64()
_B = pa.bool_()

_DOMAINS = {
    "imd": "Index of Multiple Deprivation 2019 (overall)",
    "income": "Income deprivation domain",
    "employment": "Employment deprivation domain",
    "education": "Education, skills and training domain",
    "health": "Health deprivation and disability domain",
    "crime": "Crime domain",
    "barriers": "Barriers to housing and services domain",
    "living_environment": "Living environment domain",
}


def _imd_columns() -> list[tuple[str, pa.DataType, str]]:
    out: list[tuple[str, pa.DataType, str]] = []
    for key, label in _DOMAINS.items():
        out.append((f"{key}_rank", _I, f"{label}: rank of 32,844 English LSOAs, 1 = most deprived"))
        out.append((f"{key}_decile", _I, f"{label}: decile, 1 = most deprived 10% of LSOAs"))
    return out


SCHEMAS: dict[str, list[tuple[str, pa.DataType, str]]] = {
    "ref_police_force": [
        ("pfa_code", _S, "ONS police force area code (E23/W15); null for forces without a PFA"),
        ("pfa_name", _S, "police force area name as ONS spells it (e.g. 'Devon & Cornwall')"),
        ("police_uk_slug", _S, "data.police.uk force id (e.g. 'avon-and-somerset', 'btp')"),
        ("police_uk_name", _S, "force name as in data.police.uk 'Reported by' / 'Falls within'"),
        ("territorial", _B, "true for the 43 territorial forces of England and Wales"),
    ],
    "ref_la_history": [
        ("lad_code", _S, "any local authority district code, current or former (LADCD)"),
        ("lad_name", _S, "that district's name"),
        ("la_code", _S, "the current local authority it is now part of (LADCD_ACTIVE)"),
        ("la_name", _S, "name of the current local authority"),
        ("is_current", _B, "true when lad_code is itself a current local authority"),
    ],
    "ref_local_authority": [
        ("la_code", _S, "current local authority district code (England and Wales)"),
        ("la_name", _S, "current local authority name"),
        ("pfa_code", _S, "police force area, derived from its December 2019 districts"),
        ("pfa_name", _S, "police force area name (ONS spelling)"),
        ("csp_code", _S, "community safety partnership (Dec 2019); null if it spans several"),
        ("csp_name", _S, "community safety partnership name; null if it spans several"),
        ("region_code", _S, "English region (E12); for Wales the country code W92000004"),
        ("region_name", _S, "region name; 'Wales' for Welsh authorities"),
        ("population_2021", _I, "Census 2021 usual residents, all ages (sum over its LSOA21s)"),
        ("population_2021_under_25", _I, "Census 2021 usual residents aged 24 and under"),
        ("country_code", _S, "country code (E92000001 England, W92000004 Wales)"),
        ("country_name", _S, "country name"),
        ("lsoa21_count", _I, "number of 2021 LSOAs in the authority"),
    ],
    "ref_lsoa": [
        ("lsoa_code", _S, "LSOA code, 2011 or 2021 vintage (codes in both appear once)"),
        ("lsoa_name", _S, "LSOA name: the 2011 name if in_2011, else the 2021 name"),
        ("in_2011", _B, "the code is a 2011 LSOA"),
        ("in_2021", _B, "the code is a 2021 LSOA"),
        ("ward19_code", _S, "electoral ward (December 2019); null for 2021-only codes"),
        ("ward19_name", _S, "ward name; null for 2021-only codes"),
        ("lad_code", _S, "district at that vintage: LAD19 for 2011 codes, LAD22 for 2021-only"),
        ("lad_name", _S, "district name at that vintage"),
        ("la_code", _S, "CURRENT local authority (via la_all_codes LADCD_ACTIVE)"),
        ("la_name", _S, "current local authority name"),
        ("csp_code", _S, "community safety partnership (Dec 2019); null where ambiguous"),
        ("csp_name", _S, "community safety partnership name"),
        ("pfa_code", _S, "police force area code (E23/W15)"),
        ("pfa_name", _S, "police force area name (ONS spelling)"),
        ("ruc11_code", _S, "2011 rural-urban classification code (A1..E2); 2011 codes only"),
        ("ruc11_name", _S, "2011 rural-urban classification name; 2011 codes only"),
        ("centroid_lon", _F, "population-weighted centroid longitude (WGS84); 2011 codes only"),
        ("centroid_lat", _F, "population-weighted centroid latitude (WGS84); 2011 codes only"),
        ("lsoa21_name", _S, "the 2021 name of the code; null if not in_2021"),
        ("lad22_code", _S, "district (December 2022) of the 2021 LSOA; null if not in_2021"),
        ("lad22_name", _S, "district (December 2022) name; null if not in_2021"),
        ("centroid21_bng_x", _F, "2021 population-weighted centroid easting, EPSG:27700 metres"),
        ("centroid21_bng_y", _F, "2021 population-weighted centroid northing, EPSG:27700 metres"),
    ],
    "ref_lsoa11_lsoa21": [
        ("lsoa11_code", _S, "2011 LSOA (every one appears exactly once)"),
        ("lsoa21_code", _S, "best-fit 2021 LSOA"),
        ("lsoa11_name", _S, "2011 LSOA name"),
        ("lsoa21_name", _S, "2021 LSOA name"),
        ("lad22_code", _S, "district (December 2022) of the 2021 LSOA"),
        ("lad22_name", _S, "district (December 2022) name"),
    ],
    "ref_population": [
        ("lsoa21_code", _S, "2021 LSOA"),
        ("age_band", _S, "Census 2021 age band as published, e.g. 'Aged 15 years and under'"),
        ("age_band_order", _I, "1..6, youngest first"),
        ("age_min", _I, "youngest age in the band (0, 16, 25, 35, 50, 65)"),
        ("age_max", _I, "oldest age in the band (15, 24, 34, 49, 64); null for 65 and over"),
        ("under_25", _B, "true for the first two bands (aged 24 and under)"),
        ("residents", _I, "usual residents"),
        ("source", _S, "'Census 2021'"),
    ],
    "ref_population_lsoa11": [
        ("lsoa11_code", _S, "2011 LSOA (England and Wales)"),
        ("population_mid2018", _I, "ONS mid-2018 population estimate, all ages (SAPE21DT11)"),
        ("area_sq_km", _F, "land area in square kilometres (SAPE21DT11)"),
        ("population_mid2015", _I, "mid-2015 population excluding prisoners (IMD File 6; England)"),
        ("population_mid2015_0_15", _I, "mid-2015 dependent children aged 0-15 (England)"),
        ("population_mid2015_16_59", _I, "mid-2015 population aged 16-59 (England)"),
        ("population_mid2015_60_plus", _I, "mid-2015 population aged 60 and over (England)"),
        ("population_mid2015_working_age", _I, "mid-2015 working age 18-59/64 (England)"),
    ],
    "ref_imd2019": [
        ("lsoa11_code", _S, "2011 LSOA (England only)"),
        ("lsoa11_name", _S, "2011 LSOA name"),
        ("lad19_code", _S, "local authority district (2019)"),
        ("lad19_name", _S, "local authority district name (2019)"),
        *_imd_columns(),
    ],
    "ref_deprivation": [
        ("lsoa_code", _S, "LSOA code"),
        ("lsoa_vintage", _I, "2011 or 2021: the LSOAs the code belongs to"),
        ("la_code", _S, "current local authority"),
        ("country_code", _S, "E92000001 England or W92000004 Wales: the index's country"),
        ("deprivation_index", _S, "'IMD 2025' (England, 2021 LSOAs) or 'WIMD 2019' (Wales)"),
        ("rank", _I, "overall index rank among the country's LSOAs, 1 = most deprived"),
        ("decile", _I, "overall index decile of the country's LSOAs, 1 = most deprived"),
        ("score", _F, "overall index score (higher = more deprived)"),
        ("ranked_areas", _I, "how many LSOAs the index ranks (33,755 England; 1,909 Wales)"),
        ("mapping", _S, "'as published', or how a 2021 LSOA got a 2011 LSOA's WIMD rank"),
    ],
    "ref_rural_urban21": [
        ("lsoa21_code", _S, "2021 LSOA"),
        ("la_code", _S, "current local authority"),
        ("ruc21_code", _S, "ONS 2021 rural-urban classification code (UN1, UF1, RSN1, ...)"),
        ("ruc21_name", _S, "its name, e.g. 'Urban: Nearer to a major town or city'"),
        ("urban_rural", _S, "broad group: 'Urban' or 'Rural'"),
    ],
    "ref_boundary": [
        ("level", _S, "'lsoa11', 'lsoa21', 'msoa11', 'ward25', 'ward24', 'la22' or 'pfa23'"),
        ("code", _S, "the area's ONS code"),
        ("name", _S, "the area's ONS name"),
        ("la_code", _S, "current local authority containing it; null for pfa23"),
        ("geometry_geojson", _S, "GeoJSON geometry object (WGS84 lon/lat) as text"),
        ("source_file", _S, "bundled file it came from (relative to data/)"),
    ],
}

_GEO = "geography/"
_BND = "geography/boundaries/"
SOURCES: dict[str, list[str]] = {
    "ref_police_force": [_GEO + "LAD19_to_CSP19_to_PFA19_lookup_EW.csv.gz"],
    "ref_la_history": [_GEO + "la_all_codes.csv.gz"],
    "ref_local_authority": [
        _GEO + "la_all_codes.csv.gz",
        _GEO + "LAD19_to_CSP19_to_PFA19_lookup_EW.csv.gz",
        _GEO + "LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz",
        "population/census2021_LSOA21_usual_residents_by_age6_EW.csv.gz",
    ],
    "ref_lsoa": [
        _GEO + "LSOA11_to_WD19_to_LAD19_lookup_EW.csv.gz",
        _GEO + "LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz",
        "population/census2021_LSOA21_usual_residents_by_age6_EW.csv.gz",
        _GEO + "la_all_codes.csv.gz",
        _GEO + "LAD19_to_CSP19_to_PFA19_lookup_EW.csv.gz",
        _GEO + "LSOA11_Rural_Urban_Classification_2011_EW.csv.gz",
        _GEO + "LSOA11_population_weighted_centroids_EW.csv.gz",
        _GEO + "LSOA21_population_weighted_centroids_EW.csv.gz",
    ],
    "ref_lsoa11_lsoa21": [_GEO + "LSOA11_to_LSOA21_to_LAD22_lookup_EW_v2.csv.gz"],
    "ref_population": ["population/census2021_LSOA21_usual_residents_by_age6_EW.csv.gz"],
    "ref_population_lsoa11": [
        "population/ONS_SAPE21DT11_mid2018_LSOA11_population_density_EW.csv.gz",
        "imd2019/File_6_-_IoD2019_Population_Denominators.csv.gz",
    ],
    "ref_imd2019": ["imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"],
    # built empty; the rows of a partnership's authorities are added at load (reference_load)
    "ref_deprivation": [
        "imd2025/imd2025_england_lsoa21.csv.gz",
        "wimd2019/wimd2019_wales_lsoa11.csv.gz",
    ],
    "ref_rural_urban21": [_GEO + "ruc21_lsoa21.csv.gz"],
    "ref_boundary": [
        _BND + "avon_somerset_LSOA11_boundaries.geojson.gz",
        _BND + "avon_somerset_LSOA21_boundaries.geojson.gz",
        _BND + "avon_somerset_MSOA11_boundaries.geojson.gz",
        _BND + "avon_somerset_WD25_ward_boundaries.geojson.gz",
        _BND + "LAD22_UK_BUC.geojson.gz",
        _BND + "PFA23_EW_BUC.geojson.gz",
        _GEO + "la_all_codes.csv.gz",
    ],
}


def validate(name: str, table: pa.Table) -> None:
    """Check ``table`` has exactly the columns of ``SCHEMAS[name]``, in order, with those types.

    Raises :class:`ReferenceDataError` listing every difference; ``KeyError`` for an unknown name.
    """
    expected = [(column, dtype) for column, dtype, _ in SCHEMAS[name]]
    actual = [(field.name, field.type) for field in table.schema]
    if actual == expected:
        return
    problems = []
    expected_names = [c for c, _ in expected]
    actual_names = [c for c, _ in actual]
    if missing := [c for c in expected_names if c not in actual_names]:
        problems.append(f"missing {missing}")
    if extra := [c for c in actual_names if c not in expected_names]:
        problems.append(f"unexpected {extra}")
    types = dict(actual)
    for column, dtype in expected:
        if column in types and types[column] != dtype:
            problems.append(f"{column}: {types[column]} != {dtype}")
    if not problems:
        problems.append(f"column order {actual_names} != {expected_names}")
    raise ReferenceDataError(f"{name}: " + "; ".join(problems))


def arrow_schema(name: str) -> pa.Schema:
    """The :class:`pyarrow.Schema` of table ``name``."""
    return pa.schema([pa.field(c, t) for c, t, _ in SCHEMAS[name]])


def schema_markdown(name: str) -> str:
    """The schema of table ``name`` as a Markdown table (column | type | meaning)."""
    lines = ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c}` | {t} | {m} |" for c, t, m in SCHEMAS[name]]
    return "\n".join(lines)


# The builders live in submodules that import the helpers above, so they come last.
from svduty.reference import (  # noqa: E402
    boundaries,
    deprivation,
    forces,
    geography,
    imd,
    population,
    rurality,
)

TABLES: dict[str, Callable[[], pa.Table]] = {
    "ref_police_force": forces.police_force,
    "ref_la_history": geography.la_history,
    "ref_local_authority": geography.local_authority,
    "ref_lsoa": geography.lsoa,
    "ref_lsoa11_lsoa21": geography.lsoa11_lsoa21,
    "ref_population": population.population,
    "ref_population_lsoa11": population.population_lsoa11,
    "ref_imd2019": imd.imd2019,
    "ref_deprivation": deprivation.empty,
    "ref_rural_urban21": rurality.empty,
    "ref_boundary": boundaries.boundary,
}


def build(name: str) -> pa.Table:
    """Build table ``name`` from the bundled files and validate it against its schema."""
    table = TABLES[name]()
    validate(name, table)
    return table


def build_all() -> dict[str, pa.Table]:
    """Every table, in load order, validated."""
    return {name: build(name) for name in TABLES}
