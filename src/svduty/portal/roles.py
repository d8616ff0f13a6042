"""Who may do what: roles and the capabilities each grants.

One table, read by every view through :func:`can`, so the permission matrix test and the code
agree by construction. Organisation-level limits (which feeds an organisation may upload, which
areas a person sees) come on top of this, from agreements and memberships.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CAPABILITIES", "Capability", "Role", "can"]


class Role(StrEnum):
    ANALYST = "analyst"  # partnership analyst: works with every feed's data, builds products
    DATA_LEAD = "data_lead"  # a partner's data lead: uploads their organisation's extracts
    BOARD = "board"  # board member: reads dashboards, approves products
    VIEWER = "viewer"  # reads aggregate dashboards


class Capability(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"  # aggregate measures, trends and maps
    VIEW_RECORDS = "view_records"  # record-level (pseudonymised) rows and quarantined rows
    UPLOAD = "upload"  # upload an extract for a feed the organisation's agreements cover
    VIEW_UPLOADS = "view_uploads"  # the loads history and validation reports
    MANAGE_AGREEMENTS = "manage_agreements"  # create and change data sharing agreements
    DRAFT_PRODUCTS = "draft_products"  # build a draft assessment, strategy or review
    APPROVE_PRODUCTS = "approve_products"  # approve a draft as a named approver
    PUBLISH_PRODUCTS = "publish_products"  # publish an approved product to the public site
    VIEW_AUDIT = "view_audit"  # search and export the audit log
    MANAGE_PEOPLE = "manage_people"  # change people's roles and memberships
    # the Duty's process on record (docs/duty.md): consultations, the compliance tracker,
    # publication reviews and where the strategy was sent; consultations can hold what a
    # prison or a school said in confidence, so every read is audited
    VIEW_DUTY_RECORD = "view_duty_record"
    RECORD_DUTY = "record_duty"  # record consultations and where the strategy was sent


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ANALYST: frozenset(
        {
            Capability.VIEW_DASHBOARD,
            Capability.VIEW_RECORDS,
            Capability.VIEW_UPLOADS,
            Capability.UPLOAD,
            Capability.MANAGE_AGREEMENTS,
            Capability.DRAFT_PRODUCTS,
            Capability.PUBLISH_PRODUCTS,
            Capability.VIEW_AUDIT,
            Capability.MANAGE_PEOPLE,
            Capability.VIEW_DUTY_RECORD,
            Capability.RECORD_DUTY,
        }
    ),
    Role.DATA_LEAD: frozenset(
        {Capability.VIEW_DASHBOARD, Capability.UPLOAD, Capability.VIEW_UPLOADS}
    ),
    Role.BOARD: frozenset(
        {Capability.VIEW_DASHBOARD, Capability.APPROVE_PRODUCTS, Capability.VIEW_DUTY_RECORD}
    ),
    Role.VIEWER: frozenset({Capability.VIEW_DASHBOARD}),
}


def can(role: Role | str | None, capability: Capability) -> bool:
    """Whether ``role`` grants ``capability``; no role (anonymous, no membership) grants nothing."""
    if role is None:
        return False
    return capability in CAPABILITIES[Role(role)]
