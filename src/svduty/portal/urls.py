"""Every URL of the portal, in the namespace ``portal`` (the permission matrix test walks them)."""

from django.contrib import admin
from django.urls import include, path

from svduty.portal.views import (
    accounts,
    agreements,
    audit_log,
    dashboard,
    duty,
    product_versions,
    public,
    uploads,
)

portal_patterns = [
    *accounts.urlpatterns,
    *agreements.urlpatterns,
    *uploads.urlpatterns,
    *dashboard.urlpatterns,
    *product_versions.urlpatterns,
    *duty.urlpatterns,
    *audit_log.urlpatterns,
    *public.urlpatterns,
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("admin/", admin.site.urls),
]
