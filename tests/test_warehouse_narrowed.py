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
