"""The portal's background tasks (django-tasks; the database backend in settings.TASKS).

A worker runs them: `python -m svduty.portal worker` (`svduty serve` starts one; it is
django-tasks' db_worker plus upload_recovery). The worker is the only process of the portal
that writes to the warehouse, which DuckDB needs (one writer process per file), and the only
one that reads an upload's file whole, so the web processes stay small.
"""

from __future__ import annotations

from django_tasks import task

from svduty.portal import uploads

__all__ = ["check_upload", "ingest_upload"]


@task()
def check_upload(upload_id: int) -> dict:
    """Check one stored upload against its feed (uploads.check)."""
    return uploads.check(upload_id)


@task()
def ingest_upload(upload_id: int) -> dict:
    """Load one checked, confirmed upload into the warehouse (uploads.load)."""
    return uploads.load(upload_id)
