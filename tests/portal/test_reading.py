"""The portal's one reader of the warehouse (portal.reading) and the data version the
dashboards' caches key on."""

from __future__ import annotations

from contextlib import closing

import pyarrow as pa
import pytest

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


def test_the_data_version_changes_with_every_write_that_changes_anything(tmp_path):
    """The caches key on it: a reference table reloaded leaves `loads` as it was, yet the
    dashboards must compute afresh (keyed on `loads` alone, they served the old results)."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    lsoas = pa.table({"lsoa_code": ["E01000001"]})
    with closing(connect(url)) as wh:
        wh.replace_table("ref_lsoa", lsoas)
        wh.replace_table("ref_local_authority", pa.table({"lad_code": ["E06000022"]}))
    with reading(url) as wh:
        before = data_version(wh)
    with closing(connect(url)) as wh:
        wh.replace_table("ref_lsoa", pa.concat_tables([lsoas, lsoas]))
    with reading(url) as wh:
        assert data_version(wh) != before
