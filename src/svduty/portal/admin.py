"""Django's admin for the portal's records: organisations and groups can be edited there; the rest
is read-only, because their changes must go through the portal, which validates and audits them
(agreements, memberships) or because they are history (uploads, products, approvals, the audit
log, which nothing may add to, change or delete).

The admin asks for a two-factor code at its own sign-in (django-otp's OTPAdminSite), so it is
never a way round the portal's two-factor step: staff need an authenticator to use it.
"""

from __future__ import annotations

from django.contrib import admin
from django_otp.admin import OTPAdminSite

from svduty.portal.models import (
    Agreement,
    Approval,
    AuditEvent,
    Membership,
    Organisation,
    PartnershipGroup,
    ProductVersion,
    Upload,
)

# django-otp's documented way to make the default site require a verified second factor
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "svduty partnership portal: administration"


class ReadOnly(admin.ModelAdmin):
    """Viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(PartnershipGroup)
class PartnershipGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "area_id")
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(ReadOnly):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation")


@admin.register(Agreement)
class AgreementAdmin(ReadOnly):
    list_display = ("title", "owner", "starts", "review_date", "withdrawn", "aggregate_only")
    list_filter = ("withdrawn", "aggregate_only", "legal_basis")


@admin.register(Upload)
class UploadAdmin(ReadOnly):
    list_display = ("created_at", "organisation", "feed", "original_name", "status")
    list_filter = ("status", "feed")


@admin.register(ProductVersion)
class ProductVersionAdmin(ReadOnly):
    list_display = ("kind", "area_id", "label", "version", "status")
    list_filter = ("kind", "status")


@admin.register(Approval)
class ApprovalAdmin(ReadOnly):
    list_display = ("product", "approver", "decision", "at")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = ("at", "username", "organisation", "action", "target", "ip_address")
    list_filter = ("action",)
    search_fields = ("username", "target")
    date_hierarchy = "at"
