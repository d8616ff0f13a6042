"""WSGI entry point for gunicorn: `gunicorn svduty.portal.wsgi` (docs/deploy.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svduty.portal.settings")
application = get_wsgi_application()
