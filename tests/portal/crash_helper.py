"""Run as a process of its own by test_upload_crashes.py, on the portal of the data directory in
SVDUTY_HOME (never the test session's database): what a web request or a person does, so the
test can kill it or watch the worker act on it.

    python crash_helper.py setup              migrate, make the demo organisations and people
    python crash_helper.py store FILE         store FILE as the police data lead's upload
    python crash_helper.py confirm ID         confirm upload ID (queue its load)
    python crash_helper.py sweep MINUTES      the worker's sweep, as if MINUTES from now
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path


def main(command: str, arg: str = "") -> None:
    from svduty.portal import serve

    if command == "setup":
        serve.prepare(demo=True)
        return
    serve.configure()
    from django.core.files import File
    from django.utils import timezone

    from svduty.portal import upload_recovery, uploads
    from svduty.portal.models import Membership, Upload

    if command == "store":
        lead = Membership.objects.filter(
            role="data_lead", organisation__kind="police"
        ).select_related("user", "organisation")[0]
        with open(arg, "rb") as f:
            upload = uploads.store(
                File(f, name=Path(arg).name),
                feed_id="police-crime",
                organisation=lead.organisation,
                user=lead.user,
            )
        print(upload.pk)
    elif command == "confirm":
        upload = Upload.objects.get(pk=int(arg))
        assert uploads.enqueue(upload, by=upload.uploaded_by), upload.status
    elif command == "sweep":
        upload_recovery.sweep(timezone.now() + timedelta(minutes=float(arg)))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(*sys.argv[1:])
