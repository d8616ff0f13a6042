"""`python -m svduty.portal worker`: the portal's background worker.

django-tasks' ``db_worker`` (the same options), after resuming or failing what a stopped worker
left part way (upload_recovery.recover) and sweeping for abandoned and expired uploads every
minute while it runs (upload_recovery.sweep). SIGTERM lets the task it is running finish.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks_db.management.commands import db_worker

from svduty.portal import upload_recovery
from svduty.portal.tasks import warm_dashboards


class Command(db_worker.Command):
    help = (
        "Run the portal's background worker: finish what a stopped worker left, then check and "
        "load uploads as they are queued, expiring those nobody confirms."
    )

    def handle(self, *args, **options) -> None:
        found = upload_recovery.recover()
        if found:
            self.stdout.write(f"Resumed or failed uploads a stopped worker left: {found}")
        upload_recovery.sweep()
        upload_recovery.start_sweeping()
        # the dashboards' data for the warehouse as it is, before anyone asks (the web workers
        # of a restarted portal start with empty caches)
        if settings.DASHBOARD_WARMING:
            warm_dashboards.enqueue()
        super().handle(*args, **options)
