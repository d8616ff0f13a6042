"""The real bundled police.uk files load completely, and the counts equal the raw files'."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter

import pytest

from conftest import AS_STREET
from svduty.warehouse.ingest import ingest_police_uk
from svduty.warehouse.status import coverage


def raw_counts() -> Counter:
    counts: Counter = Counter()
    for path in AS_STREET.glob("*.csv.gz"):
        reader = csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8-sig")))
        for row in reader:
            counts[(row["Month"], row["Crime type"])] += 1
    return counts


@pytest.mark.slow
def test_every_row_of_every_bundled_file_is_loaded_and_counts_match_the_raw_files(warehouse):
    results = ingest_police_uk(warehouse, [AS_STREET], loaded_by="test")
    # 2018-01 to 2021-09 without 2019-07 (44), 2023-01, and six months of 2025
    assert len(results) == 51 == len(list(AS_STREET.glob("*.csv.gz")))
    assert {r.status for r in results} == {"loaded"}
    for r in results:
        assert r.rows_read == r.rows_loaded + r.rows_quarantined

    t = warehouse.table("police_uk_street")
    got = t.group_by([t.month, t.crime_type]).aggregate(n=t.count()).execute()
    loaded = Counter({(m.strftime("%Y-%m"), c): int(n) for m, c, n in got.itertuples(index=False)})
    assert loaded == raw_counts()

    (force,) = coverage(warehouse)
    assert force["force"] == "avon-and-somerset"
    assert force["months_loaded"] == 51
    assert "2019-07" in force["missing_months"]
    assert force["gaps"][0] == "2019-07"
    # the 2025 gaps are reported as gaps: May to August, October and November
    assert force["gaps"][-2:] == ["2025-05 to 2025-08", "2025-10 to 2025-11"]
    assert force["rows_loaded"] == sum(raw_counts().values())
