"""The portal's own records: organisations and people, data sharing agreements, uploads, product
versions and their approvals, and the audit log. Partner data never lives here: it is in the
warehouse, loaded through the same code as `svduty ingest`.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from svduty.portal.roles import Role

__all__ = [
    "Agreement",
    "Approval",
    "AuditEvent",
    "Consultation",
    "Dissemination",
    "Membership",
    "Organisation",
    "PartnershipGroup",
    "ProductVersion",
    "PublicationReview",
    "Upload",
    "Withheld",
]


ROLE_CHOICES = [
    (Role.ANALYST.value, "Partnership analyst"),
    (Role.DATA_LEAD.value, "Partner data lead"),
    (Role.BOARD.value, "Board member"),
    (Role.VIEWER.value, "Viewer"),
]


class Organisation(models.Model):
    """A body taking part: a specified authority, the PCC, a body that co-operates when asked
    (education, prison, youth custody) or the voluntary sector."""

    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        PROBATION = "probation", "Probation service"
        YOUTH_OFFENDING = "youth_offending", "Youth offending team"
        FIRE_AND_RESCUE = "fire_and_rescue", "Fire and rescue authority"
        INTEGRATED_CARE_BOARD = "integrated_care_board", "Integrated care board"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        PCC = "police_and_crime_commissioner", "Police and crime commissioner"
        EDUCATIONAL = "educational", "Educational authority"
        PRISON = "prison", "Prison authority"
        YOUTH_CUSTODY = "youth_custody", "Youth custody authority"
        VOLUNTARY = "voluntary_sector", "Voluntary sector"

    SPECIFIED = frozenset(
        {"police", "probation", "youth_offending", "fire_and_rescue", "integrated_care_board",
         "local_authority"}
    )  # fmt: skip
    HEALTH = frozenset({"integrated_care_board"})

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_specified_authority(self) -> bool:
        return self.kind in self.SPECIFIED


class PartnershipGroup(models.Model):
    """The partnership board or a local partnership group (the configuration's groups)."""

    name = models.CharField(max_length=200, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)
    area_id = models.CharField(max_length=80, help_text="svduty area id, e.g. somerset")
    local_authority_codes = models.JSONField(default=list)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's organisation and role. One per person: a person acts for one organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    groups = models.ManyToManyField(PartnershipGroup, blank=True, related_name="members")

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.organisation})"


class Agreement(models.Model):
    """A data sharing agreement: who shares what, why, on what legal basis, for how long."""

    class LegalBasis(models.TextChoices):
        S16 = "s16", "PCSC Act 2022 s16 (disclosure between duty holders)"
        S17 = "s17", "PCSC Act 2022 s17 (supply to the police and crime commissioner)"

    title = models.CharField(max_length=200)
    parties = models.ManyToManyField(Organisation, related_name="agreements")
    purpose = models.TextField()
    legal_basis = models.CharField(max_length=10, choices=LegalBasis.choices)
    gdpr_basis = models.TextField(help_text="The UK GDPR Article 6 (and 9/10) conditions relied on")
    data_categories = models.TextField()
    feeds = models.JSONField(default=list, help_text="svduty feed ids the agreement covers")
    aggregate_only = models.BooleanField(
        default=False, help_text="Health and social care data: aggregate or anonymised only"
    )
    retention = models.CharField(max_length=200)
    starts = models.DateField()
    review_date = models.DateField(help_text="Uploads stop after this date until it is reviewed")
    withdrawn = models.BooleanField(default=False)
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="owned_agreements",
        help_text="Who answers for the agreement (and can fix it when it lapses)",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def in_force(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return not self.withdrawn and self.starts <= on <= self.review_date


class Upload(models.Model):
    """One extract a data lead uploaded, its validation and its background ingest."""

    class Status(models.TextChoices):
        CHECKING = "checking", "Checking"  # stored; the background worker checks it
        RECEIVED = "received", "Checked: waiting for confirmation"
        INVALID = "invalid", "Has errors: not loaded"
        QUEUED = "queued", "Waiting to load"
        LOADING = "loading", "Loading"
        LOADED = "loaded", "Loaded"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    feed = models.CharField(max_length=40)
    original_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKING)
    # Times the worker stopped part way through this upload's check or load (uploads.recover)
    interrupted = models.PositiveSmallIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    message = models.TextField(blank=True)
    report = models.JSONField(default=dict, blank=True)  # the validation report shown to people
    rows_read = models.IntegerField(null=True, blank=True)
    rows_loaded = models.IntegerField(null=True, blank=True)
    rows_quarantined = models.IntegerField(null=True, blank=True)
    load_id = models.CharField(max_length=80, blank=True)  # the warehouse `loads` row
    task_id = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ProductVersion(models.Model):
    """A version of the needs assessment, the strategy or the annual review, from draft through
    approval to publication. Versions are kept; one is published per kind and area."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Strategic needs assessment"
        STRATEGY = "strategy", "Local strategy"
        REVIEW = "review", "Annual review"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_APPROVAL = "in_approval", "Awaiting approval"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Superseded"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    area_id = models.CharField(max_length=80)
    label = models.CharField(max_length=80, help_text="The period or year covered")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    path = models.CharField(max_length=500, help_text="Directory holding the built HTML")
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="products_to_approve", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="products_created"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="products_published",
    )  # fmt: skip

    class Meta:
        ordering = ["kind", "area_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "area_id", "version"], name="one_version")
        ]


class Approval(models.Model):
    """A named approver's decision on a product version."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES = "changes_requested", "Changes requested"

    product = models.ForeignKey(ProductVersion, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)


class AuditEvent(models.Model):
    """Who did what, when, from where. Written by :func:`svduty.portal.audit.record` only;
    never updated or deleted by the portal."""

    class Action(models.TextChoices):
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
        SIGN_OUT = "sign_out", "Signed out"
        LOCKED_OUT = "locked_out", "Locked out"
        UPLOAD = "upload", "Uploaded a file"
        INGEST = "ingest", "Loaded an upload"
        RESTRICTED_VIEW = "restricted_view", "Viewed restricted data"
        DOWNLOAD = "download", "Downloaded"
        DRAFT = "draft", "Built a draft product"
        SUBMIT = "submit", "Sent a product for approval"
        APPROVAL = "approval", "Approval decision"
        PUBLISH = "publish", "Published a product"
        AGREEMENT_CHANGE = "agreement_change", "Changed an agreement"
        ROLE_CHANGE = "role_change", "Changed a role or membership"
        TWO_FACTOR = "two_factor", "Turned two-factor sign-in on or off"
        REFUSED = "refused", "Refused access"
        CONSULTATION_CHANGE = "consultation_change", "Recorded or changed a consultation"
        PUBLICATION_REVIEW = "publication_review", "Confirmed a review before publication"
        DISSEMINATION = "dissemination", "Recorded where a strategy was sent"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)  # kept if the account goes
    organisation = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices, db_index=True)
    target = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class Consultation(models.Model):
    """One consultation of a body on the strategy or the needs assessment: who, when, how, what
    they said and what the partnership did with it. s8(4) of the 2022 Act requires the
    educational, prison and youth custody authorities to be consulted on the strategy
    (docs/duty.md); the voluntary sector and communities are the guidance's."""

    class Kind(models.TextChoices):
        EDUCATIONAL = "educational", "Educational authority"
        PRISON = "prison", "Prison authority"
        YOUTH_CUSTODY = "youth_custody", "Youth custody authority"
        VOLUNTARY = "voluntary_sector", "Voluntary sector"
        COMMUNITY = "community", "Community"
        OTHER = "other", "Other"

    # the kinds s8(4) names: the compliance tracker looks for one of each
    REQUIRED = ("educational", "prison", "youth_custody")

    area_id = models.CharField(
        max_length=80, blank=True,
        help_text="The svduty area it was about; blank for the whole partnership",
    )  # fmt: skip
    body = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    held_on = models.DateField()
    method = models.CharField(max_length=300)
    said = models.TextField()
    response = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-held_on", "body"]

    def __str__(self) -> str:
        return f"{self.body}, {self.held_on:%d %B %Y}"


class PublicationReview(models.Model):
    """A named approver's confirmation that a product version's content was reviewed against
    the grounds on which material may be withheld from publication, before the public site is
    switched to it. What was withheld is in :class:`Withheld`; nothing withheld is a confirmed
    review with no rows there."""

    product = models.ForeignKey(
        ProductVersion, on_delete=models.CASCADE, related_name="publication_reviews"
    )
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]


class Withheld(models.Model):
    """One thing left out of the published version, with the ground and the reason."""

    class Ground(models.TextChoices):
        CRIME = "crime_prevention", "Prevention or detection of crime"
        SAFETY = "safety", "The safety of any person"
        SECURITY = "security", "The security of an institution (a prison, a youth custody "
        "establishment, a school)"
        PERSONAL = "personal_data", "Personal data (UK GDPR and the Data Protection Act 2018)"
        OTHER = "other", "Another ground the law gives (cite it in the reason)"

    review = models.ForeignKey(PublicationReview, on_delete=models.CASCADE, related_name="withheld")
    what = models.CharField(max_length=300)
    ground = models.CharField(max_length=30, choices=Ground.choices)
    reason = models.TextField()


class Dissemination(models.Model):
    """To whom, when and how a published strategy was sent."""

    product = models.ForeignKey(
        ProductVersion, on_delete=models.PROTECT, related_name="disseminations"
    )
    recipient = models.CharField(max_length=200)
    sent_on = models.DateField()
    method = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_on", "recipient"]
