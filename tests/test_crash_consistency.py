"""SIGKILLs at random moments of ingest: one through the CLI into DuckDB, one through the portal's
worker into PostgreSQL (the full campaign, 52 kills over all four ways, is `make crash`:
benchmarks/crash_consistency.py, figures in docs/reliability.md)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import pytest

from crash_consistency import crash_campaign

WAYS = ("cli-duckdb", "portal-postgres")


# Real processes killed and the load rerun, twice (about 40 s of CPU and two minutes on a shared
# machine), one of them through the PostgreSQL server: `make test` runs it, `make test-fast`
# leaves it to tests/test_loads.py's one CLI kill into DuckDB.
@pytest.mark.slow
@pytest.mark.postgres
def test_each_kill_leaves_the_load_whole_or_absent_and_the_rerun_completes(tmp_path):
    # crash_campaign raises on a warehouse that is neither as before nor as after the load,
    # and on a rerun that differs from the uninterrupted load
    result = crash_campaign(kills=len(WAYS), seed=7, modes=WAYS, work=tmp_path)
    assert result["kills"] == len(WAYS)
    assert set(result["by_mode"]) == set(WAYS)
    assert result["reruns_matching_uninterrupted"] == len(WAYS)
