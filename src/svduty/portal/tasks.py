"""The portal's background tasks (django-tasks; the database backend in settings.TASKS).

A worker runs them: `python -m svduty.portal worker` (`svduty serve` starts one; it is
django-tasks' db_worker plus upload_recovery). The worker is the only process of the portal
that writes to the warehouse, which DuckDB needs (one writer process per file), and the only
one that reads an upload's file whole, so the web processes stay small.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from svduty.portal import uploads
from svduty.portal.models import Upload

__all__ = ["check_upload", "ingest_upload", "warm_dashboards"]


@task()
def check_upload(upload_id: int) -> dict:
    """Check one stored upload against its feed (uploads.check)."""
    return uploads.check(upload_id)


@task()
def ingest_upload(upload_id: int) -> dict:
    """Load one checked, confirmed upload into the warehouse (uploads.load), then queue the
    dashboards' new figures (warm_dashboards)."""
    outcome = uploads.load(upload_id)
    if outcome.get("status") == Upload.Status.LOADED and settings.DASHBOARD_WARMING:
        warm_dashboards.enqueue()
    return outcome


@task()
def warm_dashboards() -> dict:
    """Compute the dashboards' data for the warehouse as it is now, so readers find it ready
    (dashboard.warming; also queued when the worker starts). A warehouse without reference
    geography yet has nothing to warm."""
    from svduty.portal.dashboard import WarehouseUnavailable, warming

    try:
        return warming.warm()
    except WarehouseUnavailable as problem:
        return {"skipped": str(problem)}
