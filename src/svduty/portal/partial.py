"""The dashboards' partial responses: only the page's main region, when the browser asks.

The dashboards' filters apply without reloading the page (portal/static/portal/dashboard.js):
the script fetches the same address with the header ``X-Svduty-Partial: 1`` and swaps the
page's ``<main>`` for the one it gets back. A view wrapped in :func:`partial_main` marks such a
request, and portal/base.html then leaves out the header, navigation and footer (the title
stays, so the script can set the tab's). The response is the same view's, computed and
audited the same way: the switch only changes how much of the page is sent. Responses vary by
the header, so no cache hands a partial page to a full navigation or the other way round.
"""

from __future__ import annotations

from functools import wraps

from django.utils.cache import patch_vary_headers

__all__ = ["HEADER", "partial_main"]

HEADER = "X-Svduty-Partial"


def partial_main(view):
    """Wrap a view whose page may be sent as its main region only (see the module)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.svduty_partial = request.headers.get(HEADER) == "1"
        response = view(request, *args, **kwargs)
        patch_vary_headers(response, (HEADER,))
        return response

    return wrapped
