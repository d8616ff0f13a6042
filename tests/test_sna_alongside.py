"""The second process of an assessment (svduty.products.assessment.alongside): each section is
claimed by exactly one process; when the second process fails, for whatever reason, the first is
told so (and builds the sections it took); it can be stopped. The document it helps build is
checked against one process's in tests/test_sna.py."""

from __future__ import annotations

from svduty.products.assessment import alongside
from svduty.products.assessment import build as sna
from svduty.products.assessment.period import Period


def _job(tmp_path, sections) -> alongside.Job:
    claims = tmp_path / "claims"
    claims.mkdir()
    return alongside.Job(
        url=f"duckdb:///{tmp_path / 'gone.duckdb'}",
        partnership=None,
        area=None,
        period=Period.parse("2020"),
        permutations=9,
        seed=1,
        measures=None,
        sections=sections,
        missing=sna._missing_source,
        claims=claims,
    )


def test_a_section_is_claimed_once(tmp_path):
    assert alongside.claim(tmp_path, "where")
    assert not alongside.claim(tmp_path, "where")
    assert alongside.claim(tmp_path, "why")


def test_a_second_process_that_cannot_open_the_warehouse_reports_its_failure(tmp_path):
    job = _job(tmp_path, sna._EVIDENCE)
    running = alongside.start(job)
    assert running.result() is None
    assert "WarehouseMissing" in running.failure and "gone.duckdb" in running.failure
    assert not job.claims.exists()  # the claims go with the process


def test_a_second_process_can_be_stopped_before_it_answers(tmp_path):
    job = _job(tmp_path, ())
    running = alongside.start(job)
    running.stop()
    assert running.process.returncode is not None and not job.claims.exists()


def test_a_prestarted_process_is_given_the_job(tmp_path):
    """`svduty sna` starts the second process before it has a Job (alongside.prestart); start()
    hands the Job to that process, not to a new one."""
    alongside.prestart()
    try:
        spare = alongside._spare
        assert spare is not None
        job = _job(tmp_path, sna._EVIDENCE)
        running = alongside.start(job)
        assert running.process is spare and alongside._spare is None
        assert running.result() is None  # it read the Job: it failed on the missing warehouse
        assert "WarehouseMissing" in running.failure and "gone.duckdb" in running.failure
    finally:
        alongside.discard()


def test_a_prestarted_process_given_no_job_is_ended(tmp_path):
    alongside.prestart()
    spare = alongside._spare
    alongside.discard()
    assert spare.returncode is not None and alongside._spare is None
    alongside.discard()  # nothing left to end: no error


def test_a_prestarted_process_that_ended_is_replaced(tmp_path):
    """A prestarted process that ended before its Job (killed) is replaced by a new one."""
    alongside.prestart()
    spare = alongside._spare
    spare.kill()
    spare.wait()
    running = alongside.start(_job(tmp_path, ()))
    assert running.process is not spare
    running.stop()
