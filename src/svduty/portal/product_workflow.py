"""Products through the partnership's hands: draft -> named approvers -> published.

A product is the strategic needs assessment, the local strategy or the annual review of one area
of the partnership. Each draft is a new :class:`~svduty.portal.models.ProductVersion` (numbered
per kind and area) built by svduty.products into its own directory, and kept::

    PRODUCTS_ROOT/<kind>/<area>/v<N>/
        index.html, assets/       the document, as svduty.products wrote it
        strategy.yaml             strategy (and review): the strategy exactly as drafted, so what
                                  is published is what was approved, whatever happens to the
                                  area's strategy file afterwards
        assessment-summary.json   assessment: what the public summary is made from (period,
                                  findings, recommendations), saved from the approved build
        .build.json, .publish.json   the background work's state (never served)

The steps, each a function here so the views and the tasks stay thin:

1. :func:`start_draft` checks the choice, numbers the version and saves its inputs;
   :func:`build_draft` (the background task ``product_builds.build_product``) builds it.
2. :func:`submit` names the approvers: board members, never the author.
3. :func:`decide`: each named approver approves or asks for changes; changes send the version
   back to draft, and once every named approver has approved it is ``approved``. A round of
   decisions starts after the last request for changes.
4. :func:`request_publish` then :func:`publish_site` (task ``product_builds.publish_product``):
   the public site is rebuilt with svduty.products.site.build, every figure through the disclosure
   gate, from the published versions plus this one; only when that build succeeds does this
   version become ``published`` and the one it replaces ``superseded``, and the site switch to
   the new build. A build the gate stops publishes nothing and leaves the version approved.

The public site carries the strategy and the needs assessment's public summary. The full
assessment and the annual review quote exact counts the gate never saw, so they stay inside
the portal (products/<pk>/view/), for signed-in people who draft or approve products.

Settings read from Django's settings, so tests can point them elsewhere: ``CONFIG`` (svduty's
Config: the warehouse, the partnership file and the data directory with ``strategies/``),
``PRODUCTS_ROOT`` and ``HOME`` (the public site is built under ``HOME/public-site``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from svduty import partnership as partnership_config
from svduty.analysis.measures import catalogue as measures_catalogue
from svduty.errors import InputError
from svduty.partnership import Partnership
from svduty.portal import audit, duty
from svduty.portal.models import (
    Approval,
    AuditEvent,
    ProductVersion,
    PublicationReview,
    Withheld,
)
from svduty.portal.reading import reading
from svduty.portal.roles import Role
from svduty.privacy.disclosure import DisclosureError
from svduty.products import area as areas
from svduty.products import duty_record
from svduty.products.assessment import build as sna
from svduty.products.review import build as reviewing
from svduty.products.site.build import publish as build_public_site
from svduty.products.strategy import file as strategies
from svduty.products.strategy import page as strategy_page
from svduty.warehouse import Warehouse, connect

try:  # POSIX: one site build at a time, whatever the number of workers
    import fcntl
except ImportError:  # pragma: no cover - Windows: run a single worker (it takes tasks in turn)
    fcntl = None

__all__ = [
    "ApprovedAssessment",
    "NotAllowed",
    "WorkflowError",
    "area_names",
    "awaiting",
    "board_members",
    "build_draft",
    "build_state",
    "confirm_review",
    "current_round",
    "decide",
    "load_partnership",
    "public_page",
    "publication_review",
    "publish_site",
    "publish_state",
    "publishing_under_way",
    "request_publish",
    "safe_file",
    "site_dir",
    "start_draft",
    "strategy_source",
    "submit",
    "target",
]

Kind = ProductVersion.Kind
Status = ProductVersion.Status

STRATEGY_COPY = "strategy.yaml"
SUMMARY_FILE = "assessment-summary.json"
BUILD_STATE = ".build.json"
PUBLISH_STATE = ".publish.json"
# The public site: builds/<name>/ each a whole site, CURRENT names the one served.
SITE_BUILDS = "builds"
SITE_POINTER = "CURRENT"
SITE_LOCK = ".lock"
SITE_BUILDS_KEPT = 3  # the one served and the two before it (a request may still be reading)
# Where a published product appears on the public site, by kind (the review is not there).
PUBLIC_PAGES = {Kind.STRATEGY: "strategy.html", Kind.ASSESSMENT: "assessment.html"}
# A request to publish still queued or building after this long is taken to have been lost
# (a worker stopped): it may be made again.
PUBLISH_GIVEN_UP_AFTER = timedelta(hours=1)


class WorkflowError(InputError):
    """A step that cannot be taken now (the version's status, a missing input), saying why and
    what would let it happen. ``field`` names the form field at fault, if one is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotAllowed(WorkflowError):
    """The person may not take this step on this version (not a named approver, say)."""


# ---- configuration ------------------------------------------------------------------------------


def load_partnership() -> Partnership:
    """The partnership configuration svduty's settings name (written by `svduty init`)."""
    path = Path(settings.CONFIG.partnership_path)
    if not path.exists():
        raise WorkflowError(
            f"there is no partnership configuration at {path}: run `svduty init` (or set "
            "SVDUTY_PARTNERSHIP) before building products"
        )
    return partnership_config.load(path)


def _measures() -> measures_catalogue.Catalogue:
    """The measures catalogue svduty's settings name (SVDUTY_MEASURES), as the commands use."""
    return measures_catalogue.configured(settings.CONFIG)


def area_names() -> dict[str, str]:
    """Area id -> the place's name, for pages (empty when there is no configuration yet)."""
    try:
        return {a.id: a.name for a in areas.areas(load_partnership())}
    except WorkflowError:
        return {}


def strategy_source(area_id: str) -> Path:
    """The area's strategy file, where `svduty strategy render` reads it."""
    return Path(settings.CONFIG.home) / "strategies" / f"{area_id}.yaml"


def target(version: ProductVersion) -> str:
    """How the audit log names a version: "strategy somerset v2"."""
    return f"{version.kind} {version.area_id} v{version.version}"


# ---- state of the background work ---------------------------------------------------------------


def _write_json(path: Path, data: dict) -> None:
    """Replace ``path`` whole (a reader never sees half a file)."""
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(part, path)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _stamp() -> str:
    return timezone.now().isoformat(timespec="seconds")


def build_state(version: ProductVersion) -> dict:
    """The draft's build: ``state`` queued | building | built | failed, ``message``, times."""
    return _read_json(Path(version.path) / BUILD_STATE) or {"state": "missing"}


def publish_state(version: ProductVersion) -> dict:
    """The last request to publish the version: ``state`` queued | building | published |
    failed, who asked, ``message``; empty when nobody has asked."""
    return _read_json(Path(version.path) / PUBLISH_STATE)


def _set_build(version: ProductVersion, state: str, **extra) -> None:
    _write_json(
        Path(version.path) / BUILD_STATE,
        {**build_state(version), "state": state, "updated": _stamp(), **extra},
    )


def _set_publish(version: ProductVersion, state: str, **extra) -> None:
    _write_json(
        Path(version.path) / PUBLISH_STATE,
        {**publish_state(version), "state": state, "updated": _stamp(), **extra},
    )


# ---- 1. drafting --------------------------------------------------------------------------------


def start_draft(user, kind: str, area_id: str, period: str = "") -> ProductVersion:
    """Check the choice, number a new version of ``kind`` for ``area_id`` and save its inputs;
    the build itself is :func:`build_draft` (in the background).

    ``period``: for an assessment, the period in svduty's forms ("2018-2020", "2020/21"; blank:
    the latest complete years); for a review, the year; for a strategy, unused (the period is
    the strategy file's). Raises WorkflowError naming the field at fault.
    """
    if kind not in Kind.values:
        raise WorkflowError(f"choose what to draft: {', '.join(Kind.values)}", field="kind")
    p = load_partnership()
    try:
        place = areas.resolve(p, area_id)
    except areas.AreaError as exc:
        raise WorkflowError(str(exc), field="area") from None
    period = (period or "").strip()
    inputs: dict[str, bytes] = {}
    if kind == Kind.STRATEGY:
        inputs[STRATEGY_COPY], label = _strategy_input(place)
    elif kind == Kind.ASSESSMENT:
        label = _assessment_label(period)
    else:
        label = str(_review_year(period))
        if (plan := _review_strategy(place)) is not None:
            inputs[STRATEGY_COPY] = plan
    version = _new_version(user, kind, place.id, label)
    folder = Path(version.path)
    for name, content in inputs.items():
        (folder / name).write_bytes(content)
    if kind in (Kind.STRATEGY, Kind.ASSESSMENT):
        # the record as it stands now is what the draft cites, and what is published with it
        duty_record.save_consultations(
            folder / duty_record.CONSULTATIONS_FILE, duty.consultation_entries(place.id)
        )
    # an assessment's period as asked: its label is the period in words, which is not re-read
    _set_build(version, "queued", queued=_stamp(), period_asked=period)
    return version


def _strategy_input(place: areas.Area) -> tuple[bytes, str]:
    """The area's strategy file as it is now (checked), and its period."""
    source = strategy_source(place.id)
    if not source.exists():
        raise WorkflowError(
            f"there is no strategy file for {place.name} at {source}: write one (docs/strategy.md) "
            "or run `svduty init` to start from svduty's example",
            field="area",
        )
    content = source.read_bytes()  # read once: the copy is exactly what was checked
    try:
        plan = strategies.loads(content.decode("utf-8"), source, measures=_measures())
    except UnicodeDecodeError:
        raise WorkflowError(f"{source} is not UTF-8 text: save it as UTF-8", field="area") from None
    except strategies.StrategyError as exc:
        raise WorkflowError(f"the strategy file has problems: {exc}", field="area") from None
    if plan.area != place.id:
        raise WorkflowError(
            f"{source} is a strategy for the area {plan.area!r}, not {place.id!r}: correct its "
            "`area`",
            field="area",
        )
    return content, plan.period


def _assessment_label(period: str) -> str:
    if not period:
        return ""  # the latest complete years: known once built
    try:
        return str(sna.parse_period(period))
    except sna.PeriodError as exc:
        raise WorkflowError(str(exc), field="period") from None


def _review_year(period: str) -> int:
    if not (period.isdigit() and len(period) == 4):
        raise WorkflowError("give the year the review covers, in four digits, e.g. 2021", "period")
    return int(period)


def _review_strategy(place: areas.Area) -> bytes | None:
    """The strategy a review reports on: the published version's copy, else the area's file."""
    published = (
        ProductVersion.objects.filter(kind=Kind.STRATEGY, area_id=place.id, status=Status.PUBLISHED)
        .order_by("-version")
        .first()
    )
    if published is not None and (Path(published.path) / STRATEGY_COPY).exists():
        return (Path(published.path) / STRATEGY_COPY).read_bytes()
    source = strategy_source(place.id)
    return source.read_bytes() if source.exists() else None


def _new_version(user, kind: str, area_id: str, label: str) -> ProductVersion:
    """The next version of (kind, area) with its own new directory. A directory left by a
    version this database does not know is never reused: its number is skipped."""
    root = Path(settings.PRODUCTS_ROOT) / kind / area_id
    for _ in range(5):
        top = ProductVersion.objects.filter(kind=kind, area_id=area_id).aggregate(n=Max("version"))
        number = (top["n"] or 0) + 1
        while (root / f"v{number}").exists():
            number += 1
        folder = root / f"v{number}"
        try:
            with transaction.atomic():
                version = ProductVersion.objects.create(
                    kind=kind,
                    area_id=area_id,
                    label=label,
                    version=number,
                    path=str(folder),
                    created_by=user,
                )
        except IntegrityError:  # someone else took the number meanwhile: take the next
            continue
        folder.mkdir(parents=True)
        return version
    raise WorkflowError("could not number the new version: try again")


def build_draft(version_id: int) -> dict:
    """Build the version's document into its directory (the background task's work); the
    outcome is kept in ``.build.json``. Errors in the input (a period without data, a strategy
    the page refuses) fail the build with their message; others are raised for the log."""
    version = ProductVersion.objects.get(pk=version_id)
    _set_build(version, "building", started=_stamp())
    try:
        p = load_partnership()
        place = areas.resolve(p, version.area_id)
        if version.kind == Kind.STRATEGY:
            facts = _build_strategy(version, p, place)
        elif version.kind == Kind.ASSESSMENT:
            facts = _build_assessment(version, p, place)
        else:
            facts = _build_review(version, p, place)
    except InputError as exc:  # the input refused (a ValueError from a bug is raised, below)
        _set_build(version, "failed", message=str(exc), finished=_stamp())
        return {"built": False, "message": str(exc)}
    except Exception as exc:
        _set_build(
            version,
            "failed",
            message=f"the build stopped unexpectedly ({type(exc).__name__}): the worker's log "
            "has the details",
            finished=_stamp(),
        )
        raise
    _set_build(version, "built", finished=_stamp(), **facts)
    return {"built": True, **facts}


def _build_strategy(version: ProductVersion, p: Partnership, place: areas.Area) -> dict:
    folder = Path(version.path)
    measures = _measures()
    plan = strategies.load(folder / STRATEGY_COPY, measures=measures)
    strategy_page.write(
        plan,
        folder,
        partnership=p,
        area=place,
        measures=measures,
        assessment_href=_assessment_href(place),
        consultations=duty_record.load_consultations(folder / duty_record.CONSULTATIONS_FILE),
    )
    warned = [{"severity": w.severity, "message": w.message} for w in strategies.warnings(plan)]
    return {"title": plan.title, "example": plan.example, "warnings": warned}


def _assessment_href(place: areas.Area) -> str | None:
    """The published assessment of the area, in the portal, for the strategy's finding links."""
    published = ProductVersion.objects.filter(
        kind=Kind.ASSESSMENT, area_id=place.id, status=Status.PUBLISHED
    ).first()
    if published is None:
        return None
    return reverse("portal:product-view", args=[published.pk, "index.html"])


def _build_assessment(version: ProductVersion, p: Partnership, place: areas.Area) -> dict:
    folder = Path(version.path)
    asked = build_state(version).get("period_asked")
    period = sna.parse_period(asked) if asked else None
    with _warehouse() as wh:
        built = sna.build(wh, p, place, period, measures=_measures())
    sna.write(
        built,
        folder,
        consultations=duty_record.load_consultations(folder / duty_record.CONSULTATIONS_FILE),
    )
    ApprovedAssessment.of(built).save(folder / SUMMARY_FILE)
    if version.label != str(built.period):
        version.label = str(built.period)
        version.save(update_fields=["label"])
    return {
        "period": built.period.describe(),
        "findings": len(built.findings),
        "recommendations": len(built.recommendations),
        "synthetic": bool(built.synthetic),
    }


def _build_review(version: ProductVersion, p: Partnership, place: areas.Area) -> dict:
    folder = Path(version.path)
    plan = folder / STRATEGY_COPY
    with _warehouse() as wh:
        built = reviewing.build(
            wh,
            p,
            place,
            int(version.label),
            strategy=plan if plan.exists() else None,
            catalogue=_measures(),
            # a year outside the strategy's period is built with the warning at the page's top
            # (the analyst chose the year; the approvers see the warning before it goes further)
            outside_period=True,
        )
    definition = load_partnership().local_definition
    reviewing.write(built, folder, requirements=duty.requirements(place.id, definition))
    return {"year": built.year, "with_strategy": plan.exists(), "synthetic": built.synthetic}


@contextlib.contextmanager
def _warehouse() -> Iterator[Warehouse]:
    """The warehouse for a build, read only (portal.reading: on DuckDB the newest published
    snapshot, so a build of a minute neither waits for a load nor holds one up)."""
    with reading(missing_ok=True) as wh:
        if wh is not None:
            yield wh
            return
    # Nothing loaded yet: products are built from an empty warehouse, made with its tables
    # (and published) as `svduty init` makes it, as they were before anything was loaded.
    connect(settings.CONFIG.warehouse_url).close()
    with reading() as wh:
        yield wh


# ---- the assessment as the public summary reads it ----------------------------------------------


@dataclass(frozen=True)
class _Period:
    label: str
    described: str

    def describe(self) -> str:
        return self.described


@dataclass(frozen=True)
class _Statement:
    text: str
    counts: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    # the public summary says a finding in words by its rule and leaves caveats out
    # (svduty.products.site.summary.in_words); files saved before these were kept default them
    rule: str = ""
    synthetic: bool = False


@dataclass(frozen=True)
class ApprovedAssessment:
    """What the public summary (svduty.products.site.summary) reads of a needs assessment: its
    period, whether it holds synthetic data, its findings (with the counts and numbers each
    quotes, so the summary can leave those out) and its recommendations.

    Saved beside the built assessment, so the published summary is made from the approved
    build, not from a rebuild on a warehouse that may have changed since. The file quotes exact
    counts and stays in the version's directory, which only the portal serves, to its own.
    """

    period: _Period
    synthetic: bool
    findings: tuple[_Statement, ...]
    recommendations: tuple[_Statement, ...]

    @classmethod
    def of(cls, built: sna.Assessment) -> ApprovedAssessment:
        return cls(
            period=_Period(str(built.period), built.period.describe()),
            synthetic=bool(built.synthetic),
            findings=tuple(
                _Statement(f.text, dict(f.counts), dict(f.numbers), f.rule, bool(f.synthetic))
                for f in built.findings
            ),
            recommendations=tuple(_Statement(r.text) for r in built.recommendations),
        )

    def save(self, path: Path) -> None:
        _write_json(
            path,
            {
                "period": {"label": self.period.label, "described": self.period.described},
                "synthetic": self.synthetic,
                "findings": [vars(f) for f in self.findings],
                "recommendations": [vars(r) for r in self.recommendations],
            },
        )

    @classmethod
    def load(cls, path: Path) -> ApprovedAssessment:
        raw = _read_json(path)
        if not raw:
            raise WorkflowError(
                f"{path} is missing: this assessment version was not built by the portal; "
                "draft the assessment again"
            )
        return cls(
            period=_Period(**raw["period"]),
            synthetic=bool(raw["synthetic"]),
            findings=tuple(_Statement(**f) for f in raw["findings"]),
            recommendations=tuple(_Statement(**r) for r in raw["recommendations"]),
        )


# ---- 2 and 3. approval --------------------------------------------------------------------------


def board_members():
    """The people who may be named as approvers: board members."""
    return (
        get_user_model()
        .objects.filter(membership__role=Role.BOARD, is_active=True)
        .select_related("membership__organisation")
        .order_by("username")
    )


def submit(version: ProductVersion, user, approver_ids) -> None:
    """Send a built draft to the named approvers (board members, never its author)."""
    if version.status != Status.DRAFT:
        raise WorkflowError(
            f"only a draft can be sent for approval; version {version.version} is "
            f"{version.get_status_display().lower()}"
        )
    if build_state(version).get("state") != "built":
        raise WorkflowError(
            "the draft has not been built (or its build failed): nothing to approve"
        )
    try:
        wanted = {int(i) for i in approver_ids}
    except (TypeError, ValueError):
        raise WorkflowError("choose approvers from the list", field="approvers") from None
    if not wanted:
        raise WorkflowError("name at least one board member to approve it", field="approvers")
    chosen = list(board_members().filter(pk__in=wanted))
    if len(chosen) != len(wanted):
        raise WorkflowError("every approver must be a board member", field="approvers")
    if any(u.pk in (version.created_by_id, user.pk) for u in chosen):
        raise WorkflowError("nobody approves their own draft", field="approvers")
    with transaction.atomic():
        locked = ProductVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != Status.DRAFT:
            raise WorkflowError("the version changed meanwhile: reload the page")
        locked.approvers.set(chosen)
        locked.status = Status.IN_APPROVAL
        locked.save(update_fields=["status"])
    version.refresh_from_db()


def current_round(version: ProductVersion):
    """The decisions since the version was last sent back for changes (the round under way, or
    the one that approved it)."""
    last_changes = (
        version.approvals.filter(decision=Approval.Decision.CHANGES).aggregate(n=Max("id"))["n"]
        or 0
    )
    return version.approvals.filter(id__gt=last_changes).select_related("approver")


def decide(version: ProductVersion, user, decision: str, comment: str = "") -> Approval:
    """A named approver's decision. Changes requested: back to draft. Approved by every named
    approver in this round: approved."""
    if decision not in Approval.Decision.values:
        raise WorkflowError("choose approve or request changes", field="decision")
    comment = (comment or "").strip()
    if decision == Approval.Decision.CHANGES and not comment:
        raise WorkflowError("say what needs to change", field="comment")
    with transaction.atomic():
        locked = ProductVersion.objects.select_for_update().get(pk=version.pk)
        if not locked.approvers.filter(pk=user.pk).exists():
            raise NotAllowed("only the approvers named for this version can decide on it")
        if user.pk == locked.created_by_id:
            raise NotAllowed("nobody approves their own draft")
        if locked.status != Status.IN_APPROVAL:
            raise WorkflowError(
                f"version {locked.version} is {locked.get_status_display().lower()}, not "
                "awaiting approval"
            )
        if current_round(locked).filter(approver=user).exists():
            raise WorkflowError("you have already decided on this version")
        made = Approval.objects.create(
            product=locked, approver=user, decision=decision, comment=comment
        )
        if decision == Approval.Decision.CHANGES:
            locked.status = Status.DRAFT
        else:
            approved = set(
                current_round(locked)
                .filter(decision=Approval.Decision.APPROVED)
                .values_list("approver_id", flat=True)
            )
            if set(locked.approvers.values_list("pk", flat=True)) <= approved:
                locked.status = Status.APPROVED
        locked.save(update_fields=["status"])
    version.refresh_from_db()
    return made


def awaiting(user) -> list[ProductVersion]:
    """Versions awaiting this person's decision."""
    pending = ProductVersion.objects.filter(status=Status.IN_APPROVAL, approvers=user)
    return [v for v in pending if not current_round(v).filter(approver=user).exists()]


# ---- 4. publishing ------------------------------------------------------------------------------


def request_publish(version: ProductVersion, user) -> None:
    """Mark an approved version to be published (the task does it)."""
    if version.status != Status.APPROVED:
        raise WorkflowError(
            f"only an approved version can be published; version {version.version} is "
            f"{version.get_status_display().lower()}"
        )
    if publishing_under_way(publish_state(version)):
        raise WorkflowError("this version is already being published")
    if publication_review(version) is None:
        raise WorkflowError(
            "a named approver of this version must first confirm that its content was reviewed "
            "against the grounds on which material may be withheld (the publication review, "
            "on this version's page)"
        )
    _set_publish(
        version, "queued", requested_by=user.get_username(), requested=_stamp(), message=""
    )


def publication_review(version: ProductVersion) -> PublicationReview | None:
    """The latest confirmed review of the version's content before publication, by one of its
    named approvers (docs/duty.md), or None."""
    return (
        PublicationReview.objects.filter(product=version, reviewer__in=version.approvers.all())
        .order_by("-at", "-id")
        .first()
    )


def confirm_review(version: ProductVersion, user, note: str, withheld: list[dict]):
    """Record a named approver's review before publication, with what was withheld and why.
    Only a named approver of an approved version (the content they approved) may confirm."""
    with transaction.atomic():
        locked = ProductVersion.objects.select_for_update().get(pk=version.pk)
        if not locked.approvers.filter(pk=user.pk).exists():
            raise NotAllowed("only the approvers named for this version confirm its review")
        if locked.status != Status.APPROVED:
            raise WorkflowError(
                f"version {locked.version} is {locked.get_status_display().lower()}: the review "
                "before publication is of an approved version"
            )
        review = PublicationReview.objects.create(product=locked, reviewer=user, note=note)
        for item in withheld:
            Withheld.objects.create(review=review, **item)
    return review


def publishing_under_way(state: dict) -> bool:
    """Whether a request to publish is still under way (one left by a worker that stopped
    long ago is not: it may be asked again)."""
    if state.get("state") not in ("queued", "building"):
        return False
    try:
        updated = datetime.fromisoformat(state["updated"])
    except (KeyError, TypeError, ValueError):
        return False
    return timezone.now() - updated < PUBLISH_GIVEN_UP_AFTER


def site_root() -> Path:
    return Path(settings.HOME) / "public-site"


def site_dir() -> Path | None:
    """The directory of the public site being served, or None when nothing is published."""
    root = site_root()
    try:
        name = (root / SITE_POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    folder = root / SITE_BUILDS / name
    return folder if folder.is_dir() else None


def publish_site(version_id: int, user_id: int | None = None) -> dict:
    """Rebuild the public site with this version published, then make it so (the background
    task's work). The outcome is kept in ``.publish.json`` and in the audit log."""
    version = ProductVersion.objects.get(pk=version_id)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    _set_publish(version, "building", started=_stamp())
    try:
        with _site_lock():
            name = _publish_locked(version, user)
    except (InputError, DisclosureError) as exc:  # the gate or an input refused: nothing changed
        _set_publish(version, "failed", message=str(exc), finished=_stamp())
        audit.record(
            None, AuditEvent.Action.PUBLISH, target(version), user=user, product=version.pk,
            outcome="failed", message=str(exc),
        )  # fmt: skip
        return {"published": False, "message": str(exc)}
    except Exception as exc:
        _set_publish(
            version,
            "failed",
            message=f"the site build stopped unexpectedly ({type(exc).__name__}): the worker's "
            "log has the details",
            finished=_stamp(),
        )
        raise
    _set_publish(version, "published", finished=_stamp(), site=name, message="")
    audit.record(
        None, AuditEvent.Action.PUBLISH, target(version), user=user, product=version.pk,
        outcome="published", site=name,
    )  # fmt: skip
    return {"published": True, "site": name}


@contextlib.contextmanager
def _site_lock() -> Iterator[None]:
    root = site_root()
    root.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(root / SITE_LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _publish_locked(version: ProductVersion, user) -> str:
    """Under the site lock: build, switch, record. Returns the new build's name."""
    version.refresh_from_db()
    if version.status != Status.APPROVED:
        raise WorkflowError(f"version {version.version} is no longer approved: not published")
    shown = [
        v
        for v in ProductVersion.objects.filter(status=Status.PUBLISHED)
        if (v.kind, v.area_id) != (version.kind, version.area_id)
    ] + [version]
    p = load_partnership()
    chosen = [a for a in areas.areas(p) if a.id in {v.area_id for v in shown}]
    strategy_paths = {
        v.area_id: Path(v.path) / STRATEGY_COPY for v in shown if v.kind == Kind.STRATEGY
    }
    assessments = {
        v.area_id: ApprovedAssessment.load(Path(v.path) / SUMMARY_FILE)
        for v in shown
        if v.kind == Kind.ASSESSMENT
    }
    name = f"{timezone.now():%Y%m%dT%H%M%S%f}-v{version.pk}"
    builds = site_root() / SITE_BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    try:
        with _warehouse() as wh:
            build_public_site(
                wh,
                p,
                builds / name,
                areas=chosen,
                strategy_paths=strategy_paths,
                assessments=assessments,
                catalogue=_measures(),
            )
    except BaseException:
        shutil.rmtree(builds / f".{name}.building", ignore_errors=True)
        raise
    with transaction.atomic():
        ProductVersion.objects.filter(
            kind=version.kind, area_id=version.area_id, status=Status.PUBLISHED
        ).update(status=Status.SUPERSEDED)
        ProductVersion.objects.filter(pk=version.pk).update(
            status=Status.PUBLISHED, published_at=timezone.now(), published_by=user
        )
        _write_pointer(name)
    _prune(builds, keep=name)
    return name


def _write_pointer(name: str) -> None:
    pointer = site_root() / SITE_POINTER
    part = pointer.with_name(pointer.name + ".part")
    part.write_text(name, encoding="utf-8")
    os.replace(part, pointer)  # atomic: a request sees the old site or the new, never neither


def _prune(builds: Path, keep: str) -> None:
    """Remove old site builds (their manifests beside them are kept: the partnership's record
    of what each build showed)."""
    old = sorted(d for d in builds.iterdir() if d.is_dir() and not d.name.startswith("."))
    for folder in old[:-SITE_BUILDS_KEPT]:
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)


def public_page(version: ProductVersion) -> str | None:
    """Where the version shows on the public site (relative to it), if it does."""
    page = PUBLIC_PAGES.get(version.kind)
    return f"{version.area_id}/{page}" if page else None


# ---- serving built files ------------------------------------------------------------------------


def safe_file(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``root`` (a directory: its index.html), or None when
    it is not there or not inside ``root``: no "..", no absolute path, no hidden file, no link
    leading out."""
    relative = relative or ""
    if "\x00" in relative or "\\" in relative or relative.startswith("/"):
        return None
    parts = PurePosixPath(relative).parts
    if any(part in (".", "..") or part.startswith(".") for part in parts):
        return None
    base = root.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base):
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None
