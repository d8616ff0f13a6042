"""The portal's background tasks (django-tasks; the database backend in settings.TASKS).

A worker runs them: `python -m svduty.portal db_worker` (`svduty serve` starts one). The
worker is the only process of the portal that writes to the warehouse, which DuckDB needs
(one writer process per file).
"""

from __future__ import annotations

from django_tasks import task

from svduty.portal import uploads

__all__ = ["ingest_upload"]


@task()
def ingest_upload(upload_id: int) -> dict:
    """Load one checked, confirmed upload into the warehouse (uploads.load)."""
    return uploads.load(upload_id)
