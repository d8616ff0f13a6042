"""A narrowed view of the warehouse: the named tables read through their filter, the rest as
they are, and nothing to write with."""

from __future__ import annotations

import pyarrow as pa

from svduty.warehouse import connect
from svduty.warehouse.narrowed import Narrowed


def test_named_tables_are_narrowed_and_the_others_read_unchanged(tmp_path):
    wh = connect(f"duckdb:///{tmp_path / 'w.duckdb'}")
    try:
        wh.replace_table("crimes", pa.table({"year": [2019, 2020, 2021], "n": [1, 2, 3]}))
        wh.replace_table("places", pa.table({"code": ["A", "B"]}))
        view = Narrowed(wh, {"crimes": lambda t: t.filter(t.year >= 2020)})
        assert sorted(view.table("crimes").execute()["year"]) == [2020, 2021]
        assert sorted(view.table("places").execute()["code"]) == ["A", "B"]
        assert view.has_table("crimes") and not view.has_table("nothing")
        assert view.url == wh.url and view.ibis is wh.ibis
        # the analysis layer's queries built on the view run narrowed
        t = view.table("crimes")
        assert int(t.n.sum().execute()) == 5
        assert not hasattr(view, "transaction") and not hasattr(view, "replace_table")
    finally:
        wh.close()


def test_an_assessment_view_copies_the_same_rows_and_drops_its_copies(demo_wh):
    # products.assessment.scope.ScopedWarehouse(copy=True) reads its record tables from
    # temporary copies made once; they must hold the rows the filtered view holds.
    import pandas as pd

    from svduty.products.assessment.scope import RECORD_TABLES, ScopedWarehouse

    lsoa = demo_wh.table("ref_lsoa")
    lsoas = tuple(
        lsoa.filter(lsoa.la_code == "E06000066").select("lsoa_code").execute()["lsoa_code"]
    )
    months = tuple(pd.date_range("2019-01-01", "2020-12-01", freq="MS").date)
    filtered = ScopedWarehouse(demo_wh, months=months, lsoas=lsoas)
    copied = ScopedWarehouse(demo_wh, months=months, lsoas=lsoas, copy=True)
    before = set(demo_wh.ibis.list_tables())
    try:
        for name in RECORD_TABLES:
            want = filtered.table(name).execute()
            got = copied.table(name).execute()
            assert len(got) == len(want), name
            # no emergency department row is placed in Somerset (see the assessment)
            assert len(want) > 0 or name == "ed_assault"
            assert list(got.columns) == list(want.columns)
            key = list(want.columns)
            pd.testing.assert_frame_equal(
                got.sort_values(key, na_position="first").reset_index(drop=True),
                want.sort_values(key, na_position="first").reset_index(drop=True),
                check_dtype=False,
            )
            assert copied.table(name) is copied.table(name)  # copied once
    finally:
        copied.close()
    assert set(demo_wh.ibis.list_tables()) == before
    # still readable after close: it copies again
    assert int(copied.table("police_uk_street").count().execute()) == len(
        filtered.table("police_uk_street").execute()
    )
    copied.close()
