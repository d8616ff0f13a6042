"""The portal's one reader of the warehouse (portal.reading) and the data version the
dashboards' caches key on."""

from __future__ import annotations

from contextlib import closing

import pyarrow as pa
import pytest

from svduty.analysis.measures import catalogue
from svduty.portal.dashboard import data_version
from svduty.portal.reading import WarehouseUnavailable, reading
from svduty.warehouse import connect


def test_before_anything_is_loaded_a_reader_gets_none_or_is_told_to_load_first(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with reading(url, missing_ok=True) as wh:
        assert wh is None
    with pytest.raises(WarehouseUnavailable, match="There is no warehouse yet"), reading(url):
        pass
    assert not (tmp_path / "w.duckdb").exists()  # a reader never makes one


def _load(wh, source: str) -> None:
    """A row in `loads`, as every load writes one (the version is read from them)."""
    with wh.transaction() as tx:
        tx.execute(
            "INSERT INTO loads (load_id, source, scope, file_name, loaded_by, loaded_at, "
            "rows_read, rows_loaded, rows_quarantined, status) "
            "VALUES (?, ?, 'all', 'f.csv', 'test', current_timestamp, 0, 0, 0, 'loaded')",
            (tx.next_load_id(), source),
        )


def test_the_data_version_changes_with_every_load_for_what_the_load_touches(tmp_path):
    """The caches key on it. A load of one source leaves the version of every measure that
    reads another as it was (so their figures stay cached); a load of the reference data, or of
    a source the dashboards do not know, changes everything's."""
    measures = catalogue.load()
    police, hospital, published = (
        measures.get(m) for m in ("knife-police", "hospital-sharp-object", "knife-police-published")
    )
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with closing(connect(url)) as wh:
        wh.replace_table("ref_lsoa", pa.table({"lsoa_code": ["E01000001"]}))
        wh.replace_table("ref_local_authority", pa.table({"lad_code": ["E06000022"]}))
        for source in ("reference", "police-crime", "hospital-admissions", "ons-prc"):
            _load(wh, source)

    def version():
        with reading(url) as wh:
            return data_version(wh)

    def changed(before, after) -> set[str]:
        return {m.id for m in (police, hospital, published) if before.of(m) != after.of(m)}

    v1 = version()
    with closing(connect(url)) as wh:
        _load(wh, "hospital-admissions")
    v2 = version()
    assert v2 != v1 and changed(v1, v2) == {"hospital-sharp-object"}
    assert v2.reference == v1.reference
    with closing(connect(url)) as wh:
        _load(wh, "education")  # the same table as hospital admissions, another feed
    v3 = version()
    assert v3 != v2 and changed(v2, v3) == set()
    with closing(connect(url)) as wh:
        _load(wh, "police-crime")
    v4 = version()
    assert changed(v3, v4) == {"knife-police"}
    for source in ("reference", "a-feed-added-later"):
        with closing(connect(url)) as wh:
            _load(wh, source)
        v5 = version()
        assert changed(v4, v5) == {m.id for m in (police, hospital, published)}
        assert v5.reference != v4.reference
        v4 = v5
