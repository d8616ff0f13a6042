"""Storing the reference layer's tables in the warehouse, once per version of the data."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from svduty import __version__, reference
from svduty.warehouse.connection import Warehouse

SOURCE = "reference"


def reference_version() -> str:
    """A hash of the bundled reference files and the code version that builds them."""
    digest = hashlib.sha256(__version__.encode())
    for name in reference.TABLES:
        for part in reference.SOURCES[name]:
            digest.update(reference.data_path(*part.split("/")).read_bytes())
    return digest.hexdigest()


def load_reference(warehouse: Warehouse, *, loaded_by: str, la_codes: Iterable[str] = ()) -> bool:
    """Load every reference table unless this version is already there; True if it loaded.
    ``la_codes``: the partnership's local authorities, whose national LSOA boundaries are
    added where the bundled detailed ones do not cover them (:func:`load_area_boundaries`)."""
    version = reference_version()
    with warehouse.transaction() as tx:
        done = tx.execute(
            "SELECT 1 FROM loads WHERE source = ? AND content_sha256 = ?", (SOURCE, version)
        )
    la_codes = list(la_codes)
    if done and all(warehouse.has_table(name) for name in reference.TABLES):
        load_area_boundaries(warehouse, la_codes)
        load_area_tables(warehouse, la_codes)
        return False
    for name in reference.TABLES:
        warehouse.replace_table(name, reference.build(name))
    with warehouse.transaction() as tx:
        load_id = tx.next_load_id()
        tx.execute(
            "INSERT INTO loads (load_id, source, scope, file_name, content_sha256, loaded_by, "
            "loaded_at, rows_read, rows_loaded, rows_quarantined, status) "
            "VALUES (?, ?, 'all', 'bundled ONS/MHCLG open data', ?, ?, current_timestamp, 0, 0, 0, "
            "'loaded')",
            (load_id, SOURCE, version, loaded_by),
        )
    load_area_boundaries(warehouse, la_codes)
    load_area_tables(warehouse, la_codes)
    return True


def load_area_tables(warehouse: Warehouse, la_codes: Iterable[str]) -> dict[str, int]:
    """Add the deprivation (``ref_deprivation``) and 2021 rural-urban (``ref_rural_urban21``)
    rows of the local authorities ``la_codes`` that the tables do not hold yet; rows added per
    table. Like the national boundaries, only a partnership's own authorities are stored."""
    from svduty.reference import deprivation, rurality

    wanted = list(dict.fromkeys(la_codes))
    added = {"ref_deprivation": 0, "ref_rural_urban21": 0}
    if not wanted:
        return added
    for name, rows_for in (
        ("ref_deprivation", deprivation.for_authorities),
        ("ref_rural_urban21", rurality.for_authorities),
    ):
        t = warehouse.table(name)
        present = set(
            t.filter(t.la_code.isin(wanted)).select("la_code").distinct().execute()["la_code"]
        )
        missing = [code for code in wanted if code not in present]
        if not missing:
            continue
        rows = rows_for(missing)
        if rows.num_rows:
            with warehouse.transaction() as tx:
                tx.insert(name, rows)
        added[name] = rows.num_rows
    return added


def load_area_boundaries(warehouse: Warehouse, la_codes: Iterable[str]) -> int:
    """Add the national 2021 LSOA boundaries and May 2024 ward boundaries of the local
    authorities ``la_codes`` that ``ref_boundary`` has none of; the number of shapes added.

    The bundled detailed boundaries cover Avon and Somerset; the national file (England and
    Wales, 200 m generalised) is stored only for the authorities a partnership has, so a
    warehouse does not carry 35,000 shapes it never draws."""
    wanted = list(dict.fromkeys(la_codes))
    if not wanted:
        return 0
    from svduty.reference.boundaries import national_lsoa21, national_ward24

    t = warehouse.table("ref_boundary")
    added = 0
    for levels, rows_for in (
        (["lsoa11", "lsoa21"], national_lsoa21),
        (["ward24"], national_ward24),
    ):
        present = set(
            t.filter(t.level.isin(levels) & t.la_code.isin(wanted))
            .select("la_code")
            .distinct()
            .execute()["la_code"]
        )
        missing = [code for code in wanted if code not in present]
        if not missing:
            continue
        rows = rows_for(missing)
        if rows.num_rows:
            with warehouse.transaction() as tx:
                tx.insert("ref_boundary", rows)
        added += rows.num_rows
    return added
