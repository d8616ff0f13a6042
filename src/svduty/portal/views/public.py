"""Views: the public site, served by the portal to anyone at /public/.

The site is what svduty.portal.product_workflow last published (svduty.products.site.build:
every figure through the disclosure gate). Only files inside the build being served are sent: no
directory listing, no path leading out of it, no hidden file. Before anything is published the
page says so (404).
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_safe

from svduty.portal import product_workflow
from svduty.portal.views.product_versions import content_type

__all__ = ["public", "urlpatterns"]


@require_safe
def public(request: HttpRequest, path: str = "") -> HttpResponse:
    """A file of the public site (a folder: its index.html); anonymous people welcome."""
    site = product_workflow.site_dir()
    if site is None:
        return render(
            request,
            "portal/products/public_missing.html",
            {"title": "Nothing published yet"},
            status=404,
        )
    file = product_workflow.safe_file(site, path)
    if file is None:
        raise Http404("no such page on the public site")
    if file.name == "index.html" and path and not path.endswith(("/", "index.html")):
        # a folder named without its slash: the page's relative links need the slash
        return redirect(request.path + "/")
    return FileResponse(file.open("rb"), content_type=content_type(file))


urlpatterns = [
    path("public/", public, name="public"),
    path("public/<path:path>", public, name="public"),
]
