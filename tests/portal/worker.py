"""Running the background tasks inside a test, as the worker would."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued_tasks(worker_id: str = "pytest") -> int:
    """Run each queued task as `python -m svduty.portal db_worker` does (claim, run, record the
    result), without its polling loop, which closes the database connection between tasks
    (and so the test's transaction on PostgreSQL); the number run. A task that fails fails
    the test with its traceback."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    for task in DBTaskResult.objects.ready():
        task.claim(worker.worker_id)
        worker.run_task(task)
        task.refresh_from_db()
        assert task.status == "SUCCESSFUL", task.traceback
        ran += 1
    return ran
