"""Nothing shown to a signed-in person is kept by a browser or a proxy cache.

Record rows, quarantined rows, the audit log and their downloads must not be left on a shared
computer's disk or in a cache between the portal and the person: every response to a signed-in
person says ``Cache-Control: no-store`` (with Django's other never-cache headers). Deciding per
response rather than per view means a new restricted page cannot forget it. The public site to
visitors, and the stylesheet (served by WhiteNoise before this middleware runs), stay cacheable.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.cache import add_never_cache_headers

from svduty.portal.sessions import signed_in

__all__ = ["NoStoreWhenSignedIn"]


class NoStoreWhenSignedIn:
    """Middleware (after authentication): never-cache headers on a signed-in person's responses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if signed_in(request):
            add_never_cache_headers(response)
        return response
