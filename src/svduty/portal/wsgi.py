"""WSGI entry point for gunicorn: `gunicorn svduty.portal.wsgi` (docs/deploy.md)."""

import os
import sys

from django.core.wsgi import get_wsgi_application

# A thread that waited on the network or the disk takes the interpreter lock back from a thread
# computing (a dashboard view) after at most the switch interval, 5 ms by default, and a quick
# request waits for it at each of its dozens of waits: at 1 ms a public page or a progress poll
# beside dashboard views stays quick (docs/reliability.md, soak run F), for a little more
# switching in the computing threads.
sys.setswitchinterval(0.001)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svduty.portal.settings")
application = get_wsgi_application()

# Import every view (and with the dashboards' views the analysis layer, pandas and Ibis) while
# the worker starts, not while the first person to sign in waits: Django imports the URLconf
# at the first request, seconds of imports (9 s on a loaded 2-core machine) for the dashboards.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
