"""The second process of an assessment (svduty.products.assessment.alongside): when it fails,
for whatever reason, the first process is told so (and builds the sections itself); it never
hangs. The document it helps build is checked against one process's in tests/test_sna.py."""

from __future__ import annotations

from svduty.products.assessment import alongside
from svduty.products.assessment import build as sna
from svduty.products.assessment.period import Period


def test_a_second_process_that_cannot_open_the_warehouse_reports_its_failure(tmp_path):
    job = alongside.Job(
        url=f"duckdb:///{tmp_path / 'gone.duckdb'}",
        partnership=None,
        area=None,
        period=Period.parse("2020"),
        permutations=9,
        seed=1,
        measures=None,
        sections=(("where", dict(sna._EVIDENCE)["where"]),),
        missing=sna._missing_source,
    )
    running = alongside.start(job)
    assert running.sections == ("where",)
    assert running.result() is None
    assert "WarehouseMissing" in running.failure and "gone.duckdb" in running.failure


def test_a_second_process_can_be_stopped_before_it_answers(tmp_path):
    job = alongside.Job(
        url=f"duckdb:///{tmp_path / 'gone.duckdb'}",
        partnership=None,
        area=None,
        period=Period.parse("2020"),
        permutations=9,
        seed=1,
        measures=None,
        sections=(),
        missing=sna._missing_source,
    )
    running = alongside.start(job)
    running.stop()
    assert running.process.returncode is not None
