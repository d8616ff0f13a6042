"""Storing the reference layer's tables in the warehouse, once per version of the data."""

from __future__ import annotations

import hashlib

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


def load_reference(warehouse: Warehouse, *, loaded_by: str) -> bool:
    """Load every reference table unless this version is already there; True if it loaded."""
    version = reference_version()
    with warehouse.transaction() as tx:
        done = tx.execute(
            "SELECT 1 FROM loads WHERE source = ? AND content_sha256 = ?", (SOURCE, version)
        )
    if done and all(warehouse.has_table(name) for name in reference.TABLES):
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
    return True
