"""The products' background tasks (django-tasks; the database backend in settings.TASKS).

A worker runs them: `python -m svduty.portal worker` (`svduty serve` starts one). Building a
needs assessment takes the best part of a minute and the public site a quarter of one, too long
for a request; the pages show each task's state from the version's directory while it runs.
"""

from __future__ import annotations

from django_tasks import task

from svduty.portal import product_workflow

__all__ = ["build_product", "publish_product"]


@task()
def build_product(version_id: int) -> dict:
    """Build a draft product version's document (product_workflow.build_draft)."""
    return product_workflow.build_draft(version_id)


@task()
def publish_product(version_id: int, user_id: int | None = None) -> dict:
    """Rebuild the public site with an approved version published
    (product_workflow.publish_site)."""
    return product_workflow.publish_site(version_id, user_id)
